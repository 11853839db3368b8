/**
 * A pure OpenFlow 1.3 codec for the messages a flow-migration controller
 * needs: HELLO, ERROR, ECHO_REQUEST/REPLY, FEATURES_REQUEST/REPLY,
 * FLOW_MOD with OXM matches (in_port, eth_type, vlan_vid, ip_proto,
 * ipv4_src, ipv4_dst, udp_dst) and an apply-actions instruction (pop_vlan,
 * push_vlan + set_field vlan_vid, output), BARRIER_REQUEST/REPLY. Any other
 * message decodes as `"other"` with its raw body, so a controller can
 * ignore it. No I/O: bytes in, bytes out; the Open vSwitch testbed's
 * controller (`@vnmig/vnmig/testbed`) puts it on a socket.
 *
 * Byte layouts follow the OpenFlow Switch Specification 1.3.x (ofp_header,
 * ofp_switch_features, ofp_flow_mod, ofp_match with OXM TLVs,
 * ofp_instruction_actions, ofp_action_output), all big-endian; the tests
 * check them byte for byte against Open vSwitch's own encoder and decoder.
 *
 * @example
 * ```ts
 * import { decodeMessage, encodeFlowMod } from "@vnmig/vnmig/openflow13";
 * const bytes = encodeFlowMod(7, {
 *   command: "modify-strict",
 *   priority: 100,
 *   match: { inPort: 1, ethType: 0x0800, ipv4Dst: "10.0.0.2" },
 *   outPorts: [3],
 * });
 * const back = decodeMessage(bytes);
 * if (back.type !== "flow_mod" || back.outPorts[0] !== 3 || back.xid !== 7) {
 *   throw new Error("round trip failed");
 * }
 * ```
 *
 * @module
 */

export {
  type FlowModCommandName,
  OFP13_VERSION,
  OFP_ANY,
  OFPFC,
  OFPT,
} from "./constants.ts";
export type {
  ErrorMessage,
  FeaturesReplyMessage,
  FlowModMessage,
  HelloMessage,
  OfpMessage,
  OtherMessage,
  SimpleMessage,
  VlanActions,
} from "./messages.ts";
export {
  encodeError,
  encodeFeaturesReply,
  encodeHello,
  encodeSimple,
} from "./encode.ts";
export { encodeFlowMod, type FlowModOptions } from "./flow_mod.ts";
export {
  decodeMessage,
  messageLength,
  splitMessages,
  toHex,
} from "./decode.ts";

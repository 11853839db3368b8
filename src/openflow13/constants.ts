/**
 * OpenFlow 1.3 numbers a user of the codec may need: the wire version, the
 * message types and the FLOW_MOD commands the codec speaks.
 *
 * @module
 */

/**
 * The OpenFlow 1.3 wire version byte.
 *
 * @example
 * ```ts
 * import { encodeHello, OFP13_VERSION } from "@vnmig/vnmig/openflow13";
 * if (encodeHello(1)[0] !== OFP13_VERSION) throw new Error();
 * ```
 */
export const OFP13_VERSION = 0x04;

/**
 * OpenFlow 1.3 message type numbers the codec knows.
 *
 * @example
 * ```ts
 * import { encodeSimple, OFPT } from "@vnmig/vnmig/openflow13";
 * if (encodeSimple("barrier_request", 1)[1] !== OFPT.BARRIER_REQUEST) throw new Error();
 * ```
 */
export const OFPT = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  FLOW_MOD: 14,
  BARRIER_REQUEST: 20,
  BARRIER_REPLY: 21,
} as const;

/**
 * FLOW_MOD command numbers (ofp_flow_mod_command).
 *
 * @example
 * ```ts
 * import { encodeFlowMod, OFPFC } from "@vnmig/vnmig/openflow13";
 * const bytes = encodeFlowMod(1, { command: "delete-strict", priority: 1, match: {} });
 * if (bytes[25] !== OFPFC.DELETE_STRICT) throw new Error();
 * ```
 */
export const OFPFC = {
  ADD: 0,
  MODIFY: 1,
  MODIFY_STRICT: 2,
  DELETE: 3,
  DELETE_STRICT: 4,
} as const;

/** The flow-mod commands the codec encodes, by name. */
export type FlowModCommandName =
  | "add"
  | "modify"
  | "modify-strict"
  | "delete"
  | "delete-strict";

/**
 * OFPP_ANY / OFPG_ANY / OFP_NO_BUFFER: "no filter" and "no buffer".
 *
 * @example
 * ```ts
 * import { OFP_ANY } from "@vnmig/vnmig/openflow13";
 * if (OFP_ANY.toString(16) !== "ffffffff") throw new Error();
 * ```
 */
export const OFP_ANY = 0xffffffff;

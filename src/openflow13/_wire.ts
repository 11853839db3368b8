// Wire constants and the common header, shared by the encoders and the
// decoder (OpenFlow Switch Specification 1.3.x, all big-endian).

import { assertInRange, assertInteger } from "../_validate.ts";
import { type FlowModCommandName, OFP13_VERSION, OFPFC } from "./constants.ts";

export const HEADER_BYTES = 8;
export const FLOW_MOD_FIXED_BYTES = 48;
export const OXM_CLASS_OPENFLOW_BASIC = 0x8000;
// OXM field numbers (oxm_ofb_match_fields).
export const OXM_IN_PORT = 0;
export const OXM_ETH_TYPE = 5;
export const OXM_VLAN_VID = 6;
export const OXM_IP_PROTO = 10;
export const OXM_IPV4_SRC = 11;
export const OXM_IPV4_DST = 12;
export const OXM_UDP_DST = 16;
export const OFPIT_APPLY_ACTIONS = 4;
export const OFPAT_OUTPUT = 0;
export const OFPAT_PUSH_VLAN = 17;
export const OFPAT_POP_VLAN = 18;
export const OFPAT_SET_FIELD = 25;
// OFPVID_PRESENT: set in an OXM VLAN_VID value when a tag is present.
export const OFPVID_PRESENT = 0x1000;
export const OFPHET_VERSIONBITMAP = 1;

export const COMMAND_CODES: Record<FlowModCommandName, number> = {
  "add": OFPFC.ADD,
  "modify": OFPFC.MODIFY,
  "modify-strict": OFPFC.MODIFY_STRICT,
  "delete": OFPFC.DELETE,
  "delete-strict": OFPFC.DELETE_STRICT,
};

/** A zeroed message of `length` bytes with its ofp_header filled in. */
export function header(type: number, length: number, xid: number): Uint8Array {
  assertInteger("xid", xid);
  assertInRange("xid", xid, 0, 0xffffffff);
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, OFP13_VERSION);
  view.setUint8(1, type);
  view.setUint16(2, length);
  view.setUint32(4, xid);
  return bytes;
}

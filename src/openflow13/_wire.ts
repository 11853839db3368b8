// Wire constants and the common header, shared by the encoders and the
// decoder (OpenFlow Switch Specification 1.3.x, all big-endian).

import { assertInteger } from "../_validate.ts";
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

/**
 * Throws unless `value` is an integer that fits an unsigned wire field of
 * `bits` bits (or the narrower [min, max] the specification allows): a
 * DataView setter would silently wrap 2^16 to 0, -1 to all ones, 1.5 to 1,
 * and anything above 2^53 is not even an exact integer.
 */
export function assertWireUint(
  name: string,
  value: number,
  bits: 8 | 16 | 32,
  min = 0,
  max = 2 ** bits - 1,
): void {
  assertInteger(name, value, min, max);
}

/** Throws unless `value` is a bigint that fits 64 unsigned bits (a cookie, a datapath id). */
export function assertWireUint64(name: string, value: bigint): void {
  if (typeof value !== "bigint" || value < 0n || value > 0xffffffffffffffffn) {
    throw new RangeError(
      `${name} must be a bigint in [0, 2^64 - 1]; got ${
        typeof value === "bigint" ? `${value}n` : String(value)
      }`,
    );
  }
}

/**
 * A zeroed message of `length` bytes with its ofp_header filled in. The
 * header's length is 16 bits: a longer message (an ERROR with a large
 * data field, a FLOW_MOD with thousands of outputs) is refused, not sent
 * with a wrapped length.
 */
export function header(type: number, length: number, xid: number): Uint8Array {
  assertWireUint("xid", xid, 32);
  assertWireUint("message length in bytes", length, 16, HEADER_BYTES);
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, OFP13_VERSION);
  view.setUint8(1, type);
  view.setUint16(2, length);
  view.setUint32(4, xid);
  return bytes;
}

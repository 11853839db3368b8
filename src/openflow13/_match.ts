// The OXM match (ofp_match of type OFPMT_OXM): the fields the codec speaks,
// their wire widths, encoding with range checks, and decoding.

import { assertKnownKeys } from "../_validate.ts";
import type { FlowMatch } from "../openflow/plan_types.ts";
import {
  assertWireUint,
  OFPVID_PRESENT,
  OXM_CLASS_OPENFLOW_BASIC,
  OXM_ETH_TYPE,
  OXM_IN_PORT,
  OXM_IP_PROTO,
  OXM_IPV4_DST,
  OXM_IPV4_SRC,
  OXM_UDP_DST,
  OXM_VLAN_VID,
} from "./_wire.ts";

function ipv4ToNumber(name: string, dotted: string): number {
  const parts = dotted.split(".");
  const octets = parts.map((p) => /^\d{1,3}$/.test(p) ? Number(p) : NaN);
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255))) {
    throw new RangeError(
      `${name} must be a dotted-quad IPv4 address; got ${
        JSON.stringify(dotted)
      }`,
    );
  }
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) +
    octets[3];
}

function numberToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]
    .join(".");
}

/** One OXM match field: its FlowMatch key, number, width and wire form. */
interface OxmField {
  readonly key: keyof FlowMatch;
  readonly field: number;
  readonly bytes: 1 | 2 | 4;
  /** The wire value of a match value (checked; `name` for the error). */
  readonly encode: (name: string, value: number | string) => number;
  /** The match value of a wire value. */
  readonly decode: (wire: number) => number | string;
}

function integerField(
  key: keyof FlowMatch,
  field: number,
  bytes: 1 | 2 | 4,
  range: readonly [number, number],
  presentBit = 0,
): OxmField {
  return {
    key,
    field,
    bytes,
    encode: (name, value) => {
      assertWireUint(name, value as number, bytes * 8 as 8 | 16 | 32, ...range);
      return (value as number) | presentBit;
    },
    decode: (wire) => presentBit === 0 ? wire : wire & (presentBit - 1),
  };
}

function ipv4Field(key: keyof FlowMatch, field: number): OxmField {
  return {
    key,
    field,
    bytes: 4,
    encode: (name, value) => ipv4ToNumber(name, value as string),
    decode: numberToIpv4,
  };
}

// Prerequisites before the fields that need them, in the order Open vSwitch
// writes them (so our bytes equal ovs-ofctl's).
const OXM_FIELDS: readonly OxmField[] = [
  integerField("inPort", OXM_IN_PORT, 4, [1, 0xffffff00]),
  integerField("ethType", OXM_ETH_TYPE, 2, [0, 0xffff]),
  integerField("vlanVid", OXM_VLAN_VID, 2, [1, 4094], OFPVID_PRESENT),
  ipv4Field("ipv4Src", OXM_IPV4_SRC),
  ipv4Field("ipv4Dst", OXM_IPV4_DST),
  integerField("ipProto", OXM_IP_PROTO, 1, [0, 255]),
  integerField("udpDst", OXM_UDP_DST, 2, [0, 0xffff]),
];
const OXM_FIELD_BY_NUMBER = new Map(OXM_FIELDS.map((f) => [f.field, f]));

/** The 32-bit OXM TLV header of a basic-class field without a mask. */
export function oxmHeader(field: number, bytes: number): number {
  return ((OXM_CLASS_OPENFLOW_BASIC << 16) | (field << 9) | bytes) >>> 0;
}

/** The match's fields in wire order, each checked and in its wire form. */
export function matchFields(
  match: FlowMatch,
): { field: number; bytes: number; value: number }[] {
  // A misspelt key ("ipv4dst") would otherwise be a wildcard: a rule that
  // matches every packet.
  assertKnownKeys("match", match, OXM_FIELDS.map((f) => f.key));
  return OXM_FIELDS.filter((f) => match[f.key] !== undefined).map((f) => ({
    field: f.field,
    bytes: f.bytes,
    value: f.encode(`match.${f.key}`, match[f.key]!),
  }));
}

/** Decodes the ofp_match of `length` bytes (padding excluded) at `start`. */
export function decodeMatch(
  view: DataView,
  start: number,
  length: number,
): FlowMatch {
  const match: Record<string, number | string> = {};
  let at = start + 4;
  const end = start + length;
  while (at + 4 <= end) {
    const head = view.getUint32(at);
    const oxmClass = head >>> 16;
    const field = (head >>> 9) & 0x7f;
    const hasMask = (head >>> 8) & 1;
    const size = head & 0xff;
    at += 4;
    if (oxmClass !== OXM_CLASS_OPENFLOW_BASIC || hasMask) {
      throw new RangeError(
        `match field class 0x${
          oxmClass.toString(16)
        } field ${field} (masked=${hasMask}) is not supported by this codec`,
      );
    }
    const value = size === 1
      ? view.getUint8(at)
      : size === 2
      ? view.getUint16(at)
      : view.getUint32(at);
    const known = OXM_FIELD_BY_NUMBER.get(field);
    if (known === undefined) {
      throw new RangeError(
        `match field ${field} is not supported by this codec`,
      );
    }
    match[known.key] = known.decode(value);
    at += size;
  }
  return match as FlowMatch;
}

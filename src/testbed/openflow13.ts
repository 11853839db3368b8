/**
 * An OpenFlow 1.3 codec for the messages the testbed controller needs:
 * HELLO, ERROR, ECHO_REQUEST/REPLY, FEATURES_REQUEST/REPLY, FLOW_MOD with OXM
 * matches (in_port, eth_type, vlan_vid, ip_proto, ipv4_src, ipv4_dst,
 * udp_dst) and an apply-actions instruction (pop_vlan, push_vlan +
 * set_field vlan_vid, output), BARRIER_REQUEST/REPLY. Any other message decodes as
 * `"other"` with its raw body, so a controller can ignore it.
 *
 * Byte layouts follow the OpenFlow Switch Specification 1.3.x (ofp_header,
 * ofp_switch_features, ofp_flow_mod, ofp_match with OXM TLVs,
 * ofp_instruction_actions, ofp_action_output), all big-endian.
 *
 * @module
 */

import { assertInRange, assertInteger } from "../_validate.ts";
import type { FlowMatch } from "../openflow/plan_types.ts";

/**
 * The OpenFlow 1.3 wire version byte.
 *
 * @example
 * ```ts
 * import { encodeHello, OFP13_VERSION } from "@vnmig/vnmig";
 * console.log(encodeHello(1)[0] === OFP13_VERSION); // true
 * ```
 */
export const OFP13_VERSION = 0x04;

/**
 * OpenFlow 1.3 message type numbers used by the testbed.
 *
 * @example
 * ```ts
 * import { encodeSimple, OFPT } from "@vnmig/vnmig";
 * console.log(encodeSimple("barrier_request", 1)[1] === OFPT.BARRIER_REQUEST); // true
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
 * import { encodeFlowMod, OFPFC } from "@vnmig/vnmig";
 * const bytes = encodeFlowMod(1, { command: "delete-strict", priority: 1, match: {} });
 * console.log(bytes[25] === OFPFC.DELETE_STRICT); // true
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

const COMMAND_CODES: Record<FlowModCommandName, number> = {
  "add": OFPFC.ADD,
  "modify": OFPFC.MODIFY,
  "modify-strict": OFPFC.MODIFY_STRICT,
  "delete": OFPFC.DELETE,
  "delete-strict": OFPFC.DELETE_STRICT,
};

/**
 * OFPP_ANY / OFPG_ANY / OFP_NO_BUFFER: "no filter" and "no buffer".
 *
 * @example
 * ```ts
 * import { OFP_ANY } from "@vnmig/vnmig";
 * console.log(OFP_ANY.toString(16)); // "ffffffff"
 * ```
 */
export const OFP_ANY = 0xffffffff;

const HEADER_BYTES = 8;
const FLOW_MOD_FIXED_BYTES = 48;
const OXM_CLASS_OPENFLOW_BASIC = 0x8000;
// OXM field numbers (oxm_ofb_match_fields) and payload sizes.
const OXM_IN_PORT = 0;
const OXM_ETH_TYPE = 5;
const OXM_VLAN_VID = 6;
const OXM_IP_PROTO = 10;
const OXM_IPV4_SRC = 11;
const OXM_IPV4_DST = 12;
const OXM_UDP_DST = 16;
const OFPIT_APPLY_ACTIONS = 4;
const OFPAT_OUTPUT = 0;
const OFPAT_PUSH_VLAN = 17;
const OFPAT_POP_VLAN = 18;
const OFPAT_SET_FIELD = 25;
// OFPVID_PRESENT: set in an OXM VLAN_VID value when a tag is present.
const OFPVID_PRESENT = 0x1000;
const OFPHET_VERSIONBITMAP = 1;

/** A FLOW_MOD as the codec sees it. */
export interface FlowModMessage {
  /** Message kind. */
  readonly type: "flow_mod";
  /** Transaction id. */
  readonly xid: number;
  /** The command. */
  readonly command: FlowModCommandName;
  /** Table id (default 0). */
  readonly tableId: number;
  /** Priority, 0..65535. */
  readonly priority: number;
  /** Match fields (absent = wildcard). */
  readonly match: FlowMatch;
  /** Output ports of the apply-actions instruction, in order (empty = drop). */
  readonly outPorts: readonly number[];
  /** VLAN tag actions before the outputs (empty object if none). */
  readonly vlan: VlanActions;
  /** Cookie (default 0). */
  readonly cookie: bigint;
  /** Flags (default 0; 1 = send flow removed, 2 = check overlap). */
  readonly flags: number;
  /** Idle timeout in seconds (0 = none). */
  readonly idleTimeoutSeconds: number;
  /** Hard timeout in seconds (0 = none). */
  readonly hardTimeoutSeconds: number;
}

/** VLAN tag actions applied before output. */
export interface VlanActions {
  /** Strip the outer VLAN tag. */
  readonly popVlan?: boolean;
  /** Push a 802.1Q tag and set its VLAN id (1..4094). */
  readonly setVlanVid?: number;
}

/** A FEATURES_REPLY: the switch's datapath id and table count. */
export interface FeaturesReplyMessage {
  /** Message kind. */
  readonly type: "features_reply";
  /** Transaction id. */
  readonly xid: number;
  /** Datapath id, 64 bits. */
  readonly datapathId: bigint;
  /** Packets the switch can buffer. */
  readonly nBuffers: number;
  /** Number of flow tables. */
  readonly nTables: number;
  /** Capability bits. */
  readonly capabilities: number;
}

/** An ERROR message: type, code and the (start of the) offending message. */
export interface ErrorMessage {
  /** Message kind. */
  readonly type: "error";
  /** Transaction id (that of the offending request). */
  readonly xid: number;
  /** ofp_error_type. */
  readonly errorType: number;
  /** Error code within the type. */
  readonly errorCode: number;
  /** The data: usually the first bytes of the offending request. */
  readonly data: Uint8Array;
}

/** A HELLO, with the versions of its version-bitmap element if any. */
export interface HelloMessage {
  /** Message kind. */
  readonly type: "hello";
  /** Transaction id. */
  readonly xid: number;
  /** Versions in the version bitmap (wire version numbers); empty if none. */
  readonly versions: readonly number[];
}

/** A message with a header and an opaque body. */
export interface SimpleMessage {
  /** Message kind. */
  readonly type:
    | "echo_request"
    | "echo_reply"
    | "features_request"
    | "barrier_request"
    | "barrier_reply";
  /** Transaction id. */
  readonly xid: number;
  /** Body (echo payload; empty for the others). */
  readonly data: Uint8Array;
}

/** Any other message: its type number and raw body. */
export interface OtherMessage {
  /** Message kind. */
  readonly type: "other";
  /** Transaction id. */
  readonly xid: number;
  /** The OpenFlow message type number. */
  readonly ofpType: number;
  /** The body after the header. */
  readonly data: Uint8Array;
}

/** Every decoded OpenFlow 1.3 message. */
export type OfpMessage =
  | HelloMessage
  | ErrorMessage
  | SimpleMessage
  | FeaturesReplyMessage
  | FlowModMessage
  | OtherMessage;

function header(type: number, length: number, xid: number): Uint8Array {
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

/**
 * Encodes a HELLO with a version bitmap that offers OpenFlow 1.3 only.
 *
 * @example
 * ```ts
 * import { encodeHello } from "@vnmig/vnmig";
 * console.log(encodeHello(1).length); // 16
 * ```
 */
export function encodeHello(xid: number): Uint8Array {
  const bytes = header(OFPT.HELLO, 16, xid);
  const view = new DataView(bytes.buffer);
  view.setUint16(8, OFPHET_VERSIONBITMAP);
  view.setUint16(10, 8);
  view.setUint32(12, 1 << OFP13_VERSION);
  return bytes;
}

/**
 * Encodes a header-only or header-plus-data message: echo request/reply,
 * features request, barrier request/reply.
 *
 * @example
 * ```ts
 * import { encodeSimple } from "@vnmig/vnmig";
 * console.log(encodeSimple("barrier_request", 7)); // 8 bytes: 04 14 00 08 00 00 00 07
 * ```
 */
export function encodeSimple(
  type: SimpleMessage["type"],
  xid: number,
  data: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const code = {
    echo_request: OFPT.ECHO_REQUEST,
    echo_reply: OFPT.ECHO_REPLY,
    features_request: OFPT.FEATURES_REQUEST,
    barrier_request: OFPT.BARRIER_REQUEST,
    barrier_reply: OFPT.BARRIER_REPLY,
  }[type];
  const bytes = header(code, HEADER_BYTES + data.length, xid);
  bytes.set(data, HEADER_BYTES);
  return bytes;
}

/**
 * Encodes a FEATURES_REPLY (what a switch sends; used by tests and fake
 * switches).
 *
 * @example
 * ```ts
 * import { encodeFeaturesReply } from "@vnmig/vnmig";
 * console.log(encodeFeaturesReply(1, { datapathId: 5n }).length); // 32
 * ```
 */
export function encodeFeaturesReply(
  xid: number,
  options: {
    /** Datapath id, 64 bits. */
    datapathId: bigint;
    /** Packets the switch can buffer (default 0). */
    nBuffers?: number;
    /** Number of flow tables (default 254). */
    nTables?: number;
    /** Capability bits (default 0). */
    capabilities?: number;
  },
): Uint8Array {
  const bytes = header(OFPT.FEATURES_REPLY, 32, xid);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(8, BigInt.asUintN(64, options.datapathId));
  view.setUint32(16, options.nBuffers ?? 0);
  view.setUint8(20, options.nTables ?? 254);
  view.setUint32(24, options.capabilities ?? 0);
  return bytes;
}

/**
 * Encodes an ERROR message.
 *
 * @example
 * ```ts
 * import { encodeError } from "@vnmig/vnmig";
 * console.log(encodeError(3, { errorType: 5, errorCode: 0 }).length); // 12
 * ```
 */
export function encodeError(
  xid: number,
  options: {
    /** ofp_error_type. */
    errorType: number;
    /** Error code within the type. */
    errorCode: number;
    /** The offending request's first bytes (default none). */
    data?: Uint8Array;
  },
): Uint8Array {
  const data = options.data ?? new Uint8Array(0);
  const bytes = header(OFPT.ERROR, 12 + data.length, xid);
  const view = new DataView(bytes.buffer);
  view.setUint16(8, options.errorType);
  view.setUint16(10, options.errorCode);
  bytes.set(data, 12);
  return bytes;
}

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
      assertInteger(name, value as number);
      assertInRange(name, value as number, range[0], range[1]);
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

function oxmHeader(field: number, bytes: number): number {
  return ((OXM_CLASS_OPENFLOW_BASIC << 16) | (field << 9) | bytes) >>> 0;
}

function matchFields(
  match: FlowMatch,
): { field: number; bytes: number; value: number }[] {
  return OXM_FIELDS.filter((f) => match[f.key] !== undefined).map((f) => ({
    field: f.field,
    bytes: f.bytes,
    value: f.encode(`match.${f.key}`, match[f.key]!),
  }));
}

/** What to put in a FLOW_MOD (see {@linkcode encodeFlowMod}). */
export interface FlowModOptions {
  /** The command. */
  readonly command: FlowModCommandName;
  /** Priority, 0..65535. */
  readonly priority: number;
  /** Match fields. */
  readonly match: FlowMatch;
  /** Output ports for an apply-actions instruction (default none: for deletes). */
  readonly outPorts?: readonly number[];
  /** VLAN actions before the outputs (default none). */
  readonly vlan?: VlanActions;
  /** Table id (default 0; for deletes 255, OFPTT_ALL: every table). */
  readonly tableId?: number;
  /** Flags (default 0). */
  readonly flags?: number;
  /** Cookie (default 0n). */
  readonly cookie?: bigint;
}

/**
 * Encodes a FLOW_MOD: fixed part, OXM match padded to 8 bytes, and (when
 * `outPorts` is not empty) one apply-actions instruction with an output
 * action per port. Deletes use out_port/out_group ANY (no filter).
 *
 * @example
 * ```ts
 * import { encodeFlowMod } from "@vnmig/vnmig";
 * const bytes = encodeFlowMod(9, {
 *   command: "add",
 *   priority: 100,
 *   match: { inPort: 1, ethType: 0x0800, ipv4Dst: "10.0.0.2" },
 *   outPorts: [2],
 * });
 * console.log(bytes.length); // 48 + 32 match + 24 instruction = 104
 * ```
 */
export function encodeFlowMod(
  xid: number,
  options: FlowModOptions,
): Uint8Array {
  assertInteger("priority", options.priority);
  assertInRange("priority", options.priority, 0, 0xffff);
  const code = COMMAND_CODES[options.command];
  if (code === undefined) {
    throw new RangeError(
      `command must be one of ${Object.keys(COMMAND_CODES).join(", ")}; got ${
        JSON.stringify(options.command)
      }`,
    );
  }
  // Deletes default to OFPTT_ALL (every table), as ovs-ofctl sends them.
  const isDelete = code === OFPFC.DELETE || code === OFPFC.DELETE_STRICT;
  const tableId = options.tableId ?? (isDelete ? 0xff : 0);
  assertInteger("tableId", tableId);
  assertInRange("tableId", tableId, 0, isDelete ? 0xff : 254);
  const outPorts = options.outPorts ?? [];
  for (const port of outPorts) {
    assertInteger("outPorts[]", port);
    assertInRange("outPorts[]", port, 1, 0xffffffff);
  }
  const vlan = options.vlan ?? {};
  if (vlan.setVlanVid !== undefined) {
    assertInteger("vlan.setVlanVid", vlan.setVlanVid);
    assertInRange("vlan.setVlanVid", vlan.setVlanVid, 1, 4094);
  }
  const fields = matchFields(options.match);
  const matchLength = 4 + fields.reduce((s, f) => s + 4 + f.bytes, 0);
  const matchPadded = Math.ceil(matchLength / 8) * 8;
  // pop_vlan 8 bytes; push_vlan 8 + set_field(vlan_vid) 16; output 16 each.
  const actionBytes = (vlan.popVlan ? 8 : 0) +
    (vlan.setVlanVid !== undefined ? 24 : 0) + 16 * outPorts.length;
  const instructionBytes = actionBytes === 0 ? 0 : 8 + actionBytes;
  const total = FLOW_MOD_FIXED_BYTES + matchPadded + instructionBytes;
  const bytes = header(OFPT.FLOW_MOD, total, xid);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(8, BigInt.asUintN(64, options.cookie ?? 0n));
  view.setBigUint64(16, 0n); // cookie_mask
  view.setUint8(24, tableId);
  view.setUint8(25, code);
  view.setUint16(26, 0); // idle_timeout
  view.setUint16(28, 0); // hard_timeout
  view.setUint16(30, options.priority);
  view.setUint32(32, OFP_ANY); // buffer_id: OFP_NO_BUFFER
  view.setUint32(36, OFP_ANY); // out_port: OFPP_ANY
  view.setUint32(40, OFP_ANY); // out_group: OFPG_ANY
  view.setUint16(44, options.flags ?? 0);
  let at = FLOW_MOD_FIXED_BYTES;
  view.setUint16(at, 1); // OFPMT_OXM
  view.setUint16(at + 2, matchLength);
  at += 4;
  for (const f of fields) {
    view.setUint32(at, oxmHeader(f.field, f.bytes));
    at += 4;
    if (f.bytes === 1) view.setUint8(at, f.value);
    else if (f.bytes === 2) view.setUint16(at, f.value);
    else view.setUint32(at, f.value);
    at += f.bytes;
  }
  at = FLOW_MOD_FIXED_BYTES + matchPadded;
  if (instructionBytes > 0) {
    view.setUint16(at, OFPIT_APPLY_ACTIONS);
    view.setUint16(at + 2, instructionBytes);
    at += 8;
    if (vlan.popVlan) {
      view.setUint16(at, OFPAT_POP_VLAN);
      view.setUint16(at + 2, 8);
      at += 8;
    }
    if (vlan.setVlanVid !== undefined) {
      view.setUint16(at, OFPAT_PUSH_VLAN);
      view.setUint16(at + 2, 8);
      view.setUint16(at + 4, 0x8100);
      at += 8;
      view.setUint16(at, OFPAT_SET_FIELD);
      view.setUint16(at + 2, 16);
      view.setUint32(at + 4, oxmHeader(OXM_VLAN_VID, 2));
      view.setUint16(at + 8, vlan.setVlanVid | OFPVID_PRESENT);
      at += 16;
    }
    for (const port of outPorts) {
      view.setUint16(at, OFPAT_OUTPUT);
      view.setUint16(at + 2, 16);
      view.setUint32(at + 4, port);
      view.setUint16(at + 8, 0); // max_len: only meaningful for CONTROLLER
      at += 16;
    }
  }
  return bytes;
}

/**
 * The length of the first message in `buffer`, or 0 if its header is not yet
 * complete. Throws if the header is malformed (length < 8).
 *
 * @example
 * ```ts
 * import { encodeHello, messageLength } from "@vnmig/vnmig";
 * console.log(messageLength(encodeHello(1))); // 16
 * ```
 */
export function messageLength(buffer: Uint8Array): number {
  if (buffer.length < HEADER_BYTES) return 0;
  const length = (buffer[2] << 8) | buffer[3];
  if (length < HEADER_BYTES) {
    throw new RangeError(
      `OpenFlow header length must be in [8, 65535]; got ${length}`,
    );
  }
  return length;
}

function decodeMatch(view: DataView, start: number, length: number): FlowMatch {
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

function decodeFlowMod(view: DataView, xid: number): FlowModMessage {
  const code = view.getUint8(25);
  const command = (Object.keys(COMMAND_CODES) as FlowModCommandName[]).find(
    (k) => COMMAND_CODES[k] === code,
  );
  if (command === undefined) {
    throw new RangeError(`flow_mod command must be in [0, 4]; got ${code}`);
  }
  const matchLength = view.getUint16(FLOW_MOD_FIXED_BYTES + 2);
  const match = decodeMatch(view, FLOW_MOD_FIXED_BYTES, matchLength);
  const outPorts: number[] = [];
  const vlan: { popVlan?: boolean; setVlanVid?: number } = {};
  let at = FLOW_MOD_FIXED_BYTES + Math.ceil(matchLength / 8) * 8;
  while (at + 8 <= view.byteLength) {
    const type = view.getUint16(at);
    const length = view.getUint16(at + 2);
    if (length < 8) throw new RangeError(`instruction length ${length} < 8`);
    if (type === OFPIT_APPLY_ACTIONS) {
      for (let a = at + 8; a + 8 <= at + length;) {
        const actionType = view.getUint16(a);
        const actionLength = view.getUint16(a + 2);
        if (actionLength < 8) {
          throw new RangeError(`action length ${actionLength} < 8`);
        }
        if (actionType === OFPAT_OUTPUT) outPorts.push(view.getUint32(a + 4));
        else if (actionType === OFPAT_POP_VLAN) vlan.popVlan = true;
        else if (actionType === OFPAT_PUSH_VLAN) {
          // The tag's id comes with the set_field that follows.
        } else if (
          actionType === OFPAT_SET_FIELD &&
          ((view.getUint32(a + 4) >>> 9) & 0x7f) === OXM_VLAN_VID
        ) {
          vlan.setVlanVid = view.getUint16(a + 8) & 0xfff;
        } else {
          throw new RangeError(
            `action type ${actionType} is not supported by this codec`,
          );
        }
        a += actionLength;
      }
    } else {
      throw new RangeError(
        `instruction type ${type} is not supported by this codec`,
      );
    }
    at += length;
  }
  return {
    type: "flow_mod",
    xid,
    command,
    tableId: view.getUint8(24),
    priority: view.getUint16(30),
    match,
    outPorts,
    vlan,
    cookie: view.getBigUint64(8),
    flags: view.getUint16(44),
    idleTimeoutSeconds: view.getUint16(26),
    hardTimeoutSeconds: view.getUint16(28),
  };
}

/**
 * Decodes one complete OpenFlow 1.3 message (exactly its bytes, as cut by
 * {@linkcode messageLength}). Throws a RangeError on a wrong version or a
 * malformed body.
 *
 * @example
 * ```ts
 * import { decodeMessage, encodeSimple } from "@vnmig/vnmig";
 * console.log(decodeMessage(encodeSimple("barrier_reply", 4)).type); // "barrier_reply"
 * ```
 */
export function decodeMessage(bytes: Uint8Array): OfpMessage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER_BYTES) {
    throw new RangeError(
      `message must be at least 8 bytes; got ${bytes.length}`,
    );
  }
  const version = view.getUint8(0);
  const type = view.getUint8(1);
  const length = view.getUint16(2);
  const xid = view.getUint32(4);
  if (length !== bytes.length) {
    throw new RangeError(
      `header length must equal the message size ${bytes.length}; got ${length}`,
    );
  }
  // HELLO may carry another version during negotiation; all else must be 1.3.
  if (version !== OFP13_VERSION && type !== OFPT.HELLO) {
    throw new RangeError(
      `version must be 4 (OpenFlow 1.3); got ${version}`,
    );
  }
  const body = bytes.slice(HEADER_BYTES);
  switch (type) {
    case OFPT.HELLO: {
      const versions: number[] = [];
      for (let at = HEADER_BYTES; at + 4 <= length;) {
        const elemType = view.getUint16(at);
        const elemLength = view.getUint16(at + 2);
        if (elemLength < 4) break;
        if (elemType === OFPHET_VERSIONBITMAP) {
          for (let w = 0; (w + 1) * 4 <= elemLength - 4; w++) {
            const bits = view.getUint32(at + 4 + w * 4);
            for (let b = 0; b < 32; b++) {
              if ((bits >>> b) & 1) versions.push(w * 32 + b);
            }
          }
        }
        at += Math.ceil(elemLength / 8) * 8;
      }
      return { type: "hello", xid, versions };
    }
    case OFPT.ERROR:
      if (length < 12) throw new RangeError(`error message length ${length}`);
      return {
        type: "error",
        xid,
        errorType: view.getUint16(8),
        errorCode: view.getUint16(10),
        data: bytes.slice(12),
      };
    case OFPT.ECHO_REQUEST:
      return { type: "echo_request", xid, data: body };
    case OFPT.ECHO_REPLY:
      return { type: "echo_reply", xid, data: body };
    case OFPT.FEATURES_REQUEST:
      return { type: "features_request", xid, data: body };
    case OFPT.BARRIER_REQUEST:
      return { type: "barrier_request", xid, data: body };
    case OFPT.BARRIER_REPLY:
      return { type: "barrier_reply", xid, data: body };
    case OFPT.FEATURES_REPLY:
      if (length < 32) {
        throw new RangeError(`features reply length must be 32; got ${length}`);
      }
      return {
        type: "features_reply",
        xid,
        datapathId: view.getBigUint64(8),
        nBuffers: view.getUint32(16),
        nTables: view.getUint8(20),
        capabilities: view.getUint32(24),
      };
    case OFPT.FLOW_MOD:
      if (length < FLOW_MOD_FIXED_BYTES + 8) {
        throw new RangeError(`flow_mod length ${length} is too short`);
      }
      return decodeFlowMod(view, xid);
    default:
      return { type: "other", xid, ofpType: type, data: body };
  }
}

/**
 * Splits a byte stream into complete messages; returns them and the bytes
 * left over (an incomplete message).
 *
 * @example
 * ```ts
 * import { encodeHello, splitMessages } from "@vnmig/vnmig";
 * const { messages, rest } = splitMessages(encodeHello(1).subarray(0, 10));
 * console.log(messages.length, rest.length); // 0 10
 * ```
 */
export function splitMessages(
  buffer: Uint8Array,
): { messages: Uint8Array[]; rest: Uint8Array } {
  const messages: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const length = messageLength(buffer.subarray(at));
    if (length === 0 || at + length > buffer.length) break;
    messages.push(buffer.slice(at, at + length));
    at += length;
  }
  return { messages, rest: buffer.slice(at) };
}

/**
 * Hex with a space between bytes, the form `ovs-ofctl ofp-print` reads.
 *
 * @example
 * ```ts
 * import { toHex } from "@vnmig/vnmig";
 * console.log(toHex(new Uint8Array([4, 0]))); // "04 00"
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

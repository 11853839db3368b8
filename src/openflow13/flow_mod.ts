/**
 * FLOW_MOD: the message that adds, changes and deletes flow entries.
 * Encoded as the fixed part, an OXM match padded to 8 bytes and at most one
 * apply-actions instruction (pop_vlan, push_vlan + set_field vlan_vid,
 * output per port).
 *
 * @module
 */

import { assertKnownKeys } from "../_validate.ts";
import type { FlowMatch } from "../openflow/plan_types.ts";
import { type FlowModCommandName, OFP_ANY, OFPFC, OFPT } from "./constants.ts";
import type { FlowModMessage, VlanActions } from "./messages.ts";
import { decodeMatch, matchFields, oxmHeader } from "./_match.ts";
import {
  assertWireUint,
  assertWireUint64,
  COMMAND_CODES,
  FLOW_MOD_FIXED_BYTES,
  header,
  OFPAT_OUTPUT,
  OFPAT_POP_VLAN,
  OFPAT_PUSH_VLAN,
  OFPAT_SET_FIELD,
  OFPIT_APPLY_ACTIONS,
  OFPVID_PRESENT,
  OXM_VLAN_VID,
} from "./_wire.ts";

const FLOW_MOD_OPTION_NAMES = [
  "command",
  "priority",
  "match",
  "outPorts",
  "vlan",
  "tableId",
  "flags",
  "cookie",
] as const;

/**
 * What to put in a FLOW_MOD (see {@linkcode encodeFlowMod}). Every integer
 * must fit its wire field: a value outside it is a RangeError naming the
 * field, the value and the range, never a wrapped number.
 */
export interface FlowModOptions {
  /** The command. */
  readonly command: FlowModCommandName;
  /** Priority, 0..65535 (16 bits). */
  readonly priority: number;
  /** Match fields. */
  readonly match: FlowMatch;
  /** Output ports for an apply-actions instruction, each 1..2^32 - 1 (default none: for deletes). */
  readonly outPorts?: readonly number[];
  /** VLAN actions before the outputs (default none). */
  readonly vlan?: VlanActions;
  /** Table id, 0..254 (default 0; for deletes 255, OFPTT_ALL: every table). */
  readonly tableId?: number;
  /** Flags, 0..65535 (16 bits; default 0). */
  readonly flags?: number;
  /** Cookie, 0n..2^64 - 1 (default 0n). */
  readonly cookie?: bigint;
}

/**
 * Encodes a FLOW_MOD: fixed part, OXM match padded to 8 bytes, and (when
 * `outPorts` is not empty) one apply-actions instruction with an output
 * action per port. Deletes use out_port/out_group ANY (no filter).
 *
 * @example
 * ```ts
 * import { encodeFlowMod } from "@vnmig/vnmig/openflow13";
 * const bytes = encodeFlowMod(9, {
 *   command: "add",
 *   priority: 100,
 *   match: { inPort: 1, ethType: 0x0800, ipv4Dst: "10.0.0.2" },
 *   outPorts: [2],
 * });
 * // 48 fixed + 32 match + 24 instruction
 * if (bytes.length !== 104) throw new Error();
 * // A priority wider than its 16 bits is refused, not wrapped to 4464.
 * let refused = false;
 * try {
 *   encodeFlowMod(9, { command: "add", priority: 70000, match: {} });
 * } catch (e) {
 *   refused = e instanceof RangeError && /priority.*65535.*70000/.test(e.message);
 * }
 * if (!refused) throw new Error();
 * ```
 */
export function encodeFlowMod(
  xid: number,
  options: FlowModOptions,
): Uint8Array {
  assertKnownKeys("encodeFlowMod options", options, FLOW_MOD_OPTION_NAMES);
  assertWireUint("priority", options.priority, 16);
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
  assertWireUint("tableId", tableId, 8, 0, isDelete ? 0xff : 254);
  const flags = options.flags ?? 0;
  assertWireUint("flags", flags, 16);
  const cookie = options.cookie ?? 0n;
  assertWireUint64("cookie", cookie);
  const outPorts = options.outPorts ?? [];
  outPorts.forEach((port, i) => assertWireUint(`outPorts[${i}]`, port, 32, 1));
  const vlan = options.vlan ?? {};
  assertKnownKeys("vlan", vlan, ["popVlan", "setVlanVid"]);
  if (vlan.setVlanVid !== undefined) {
    assertWireUint("vlan.setVlanVid", vlan.setVlanVid, 16, 1, 4094);
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
  view.setBigUint64(8, cookie);
  view.setBigUint64(16, 0n); // cookie_mask
  view.setUint8(24, tableId);
  view.setUint8(25, code);
  view.setUint16(26, 0); // idle_timeout
  view.setUint16(28, 0); // hard_timeout
  view.setUint16(30, options.priority);
  view.setUint32(32, OFP_ANY); // buffer_id: OFP_NO_BUFFER
  view.setUint32(36, OFP_ANY); // out_port: OFPP_ANY
  view.setUint32(40, OFP_ANY); // out_group: OFPG_ANY
  view.setUint16(44, flags);
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

/** Decodes a FLOW_MOD's body (the header already checked by the caller). */
export function decodeFlowMod(view: DataView, xid: number): FlowModMessage {
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

/**
 * Reading OpenFlow 1.3 from a byte stream: cut it into messages
 * ({@linkcode splitMessages}, {@linkcode messageLength}) and decode each
 * ({@linkcode decodeMessage}); {@linkcode toHex} prints bytes the way
 * `ovs-ofctl ofp-print` reads them.
 *
 * @module
 */

import { OFP13_VERSION, OFPT } from "./constants.ts";
import { decodeFlowMod } from "./flow_mod.ts";
import type { OfpMessage } from "./messages.ts";
import {
  FLOW_MOD_FIXED_BYTES,
  HEADER_BYTES,
  OFPHET_VERSIONBITMAP,
} from "./_wire.ts";

/**
 * The length of the first message in `buffer`, or 0 if its header is not yet
 * complete. Throws if the header is malformed (length < 8).
 *
 * @example
 * ```ts
 * import { encodeHello, messageLength } from "@vnmig/vnmig/openflow13";
 * if (messageLength(encodeHello(1)) !== 16) throw new Error();
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

/**
 * Decodes one complete OpenFlow 1.3 message (exactly its bytes, as cut by
 * {@linkcode messageLength}). Throws a RangeError on a wrong version or a
 * malformed body.
 *
 * @example
 * ```ts
 * import { decodeMessage, encodeSimple } from "@vnmig/vnmig/openflow13";
 * if (decodeMessage(encodeSimple("barrier_reply", 4)).type !== "barrier_reply") throw new Error();
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
 * import { encodeHello, splitMessages } from "@vnmig/vnmig/openflow13";
 * const { messages, rest } = splitMessages(encodeHello(1).subarray(0, 10));
 * if (messages.length !== 0 || rest.length !== 10) throw new Error();
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
 * import { toHex } from "@vnmig/vnmig/openflow13";
 * if (toHex(new Uint8Array([4, 0])) !== "04 00") throw new Error();
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

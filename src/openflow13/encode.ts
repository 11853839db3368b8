/**
 * Encoders of the small OpenFlow 1.3 messages: HELLO, the header-only and
 * echo messages, FEATURES_REPLY and ERROR (FLOW_MOD has its own file).
 *
 * @module
 */

import { OFP13_VERSION, OFPT } from "./constants.ts";
import type { SimpleMessage } from "./messages.ts";
import { assertKnownKeys } from "../_validate.ts";
import {
  assertWireUint,
  assertWireUint64,
  header,
  HEADER_BYTES,
  OFPHET_VERSIONBITMAP,
} from "./_wire.ts";

/**
 * Encodes a HELLO with a version bitmap that offers OpenFlow 1.3 only.
 *
 * @example
 * ```ts
 * import { encodeHello } from "@vnmig/vnmig/openflow13";
 * if (encodeHello(1).length !== 16) throw new Error();
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
 * import { encodeSimple, toHex } from "@vnmig/vnmig/openflow13";
 * if (toHex(encodeSimple("barrier_request", 7)) !== "04 14 00 08 00 00 00 07") throw new Error();
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
  if (code === undefined) {
    throw new RangeError(
      `type must be one of echo_request, echo_reply, features_request, barrier_request, barrier_reply; got ${
        JSON.stringify(type)
      }`,
    );
  }
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
 * import { encodeFeaturesReply } from "@vnmig/vnmig/openflow13";
 * if (encodeFeaturesReply(1, { datapathId: 5n }).length !== 32) throw new Error();
 * ```
 */
export function encodeFeaturesReply(
  xid: number,
  options: {
    /** Datapath id, 0n..2^64 - 1. */
    datapathId: bigint;
    /** Packets the switch can buffer, 0..2^32 - 1 (default 0). */
    nBuffers?: number;
    /** Number of flow tables, 0..255 (default 254). */
    nTables?: number;
    /** Capability bits, 0..2^32 - 1 (default 0). */
    capabilities?: number;
  },
): Uint8Array {
  assertKnownKeys("encodeFeaturesReply options", options, [
    "datapathId",
    "nBuffers",
    "nTables",
    "capabilities",
  ]);
  const { datapathId, nBuffers = 0, nTables = 254, capabilities = 0 } = options;
  assertWireUint64("datapathId", datapathId);
  assertWireUint("nBuffers", nBuffers, 32);
  assertWireUint("nTables", nTables, 8);
  assertWireUint("capabilities", capabilities, 32);
  const bytes = header(OFPT.FEATURES_REPLY, 32, xid);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(8, datapathId);
  view.setUint32(16, nBuffers);
  view.setUint8(20, nTables);
  view.setUint32(24, capabilities);
  return bytes;
}

/**
 * Encodes an ERROR message.
 *
 * @example
 * ```ts
 * import { encodeError } from "@vnmig/vnmig/openflow13";
 * if (encodeError(3, { errorType: 5, errorCode: 0 }).length !== 12) throw new Error();
 * ```
 */
export function encodeError(
  xid: number,
  options: {
    /** ofp_error_type, 0..65535. */
    errorType: number;
    /** Error code within the type, 0..65535. */
    errorCode: number;
    /** The offending request's first bytes, at most 65523 (default none). */
    data?: Uint8Array;
  },
): Uint8Array {
  assertKnownKeys("encodeError options", options, [
    "errorType",
    "errorCode",
    "data",
  ]);
  assertWireUint("errorType", options.errorType, 16);
  assertWireUint("errorCode", options.errorCode, 16);
  const data = options.data ?? new Uint8Array(0);
  const bytes = header(OFPT.ERROR, 12 + data.length, xid);
  const view = new DataView(bytes.buffer);
  view.setUint16(8, options.errorType);
  view.setUint16(10, options.errorCode);
  bytes.set(data, 12);
  return bytes;
}

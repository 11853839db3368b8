/**
 * The UDP probe format (pure).
 *
 * A probe's payload starts with a 16-byte header: sequence number (uint32),
 * run id (uint32) and the sender's wall-clock send time in ms (float64), all
 * big-endian; the rest is zero padding up to the requested packet size.
 * Packet sizes are IPv4 packet lengths (20-byte IP header + 8-byte UDP
 * header + payload), 44..1500 bytes so that a packet fits a 1500-byte MTU.
 *
 * @module
 */

import { assertInRange, assertInteger } from "../../_validate.ts";

/**
 * Bytes of the probe header in the UDP payload.
 *
 * @example
 * ```ts
 * import { PROBE_HEADER_BYTES } from "@vnmig/vnmig/testbed";
 * if (PROBE_HEADER_BYTES !== 16) throw new Error();
 * ```
 */
export const PROBE_HEADER_BYTES = 16;
/**
 * IPv4 + UDP header bytes.
 *
 * @example
 * ```ts
 * import { IP_UDP_HEADER_BYTES } from "@vnmig/vnmig/testbed";
 * if (IP_UDP_HEADER_BYTES !== 28) throw new Error();
 * ```
 */
export const IP_UDP_HEADER_BYTES = 28;
/**
 * Smallest packet size (IPv4 length) a probe fits in.
 *
 * @example
 * ```ts
 * import { MIN_PACKET_BYTES } from "@vnmig/vnmig/testbed";
 * if (MIN_PACKET_BYTES !== 44) throw new Error();
 * ```
 */
export const MIN_PACKET_BYTES: number = PROBE_HEADER_BYTES +
  IP_UDP_HEADER_BYTES;
/**
 * Largest packet size that fits a 1500-byte MTU.
 *
 * @example
 * ```ts
 * import { MAX_PACKET_BYTES } from "@vnmig/vnmig/testbed";
 * if (MAX_PACKET_BYTES !== 1500) throw new Error();
 * ```
 */
export const MAX_PACKET_BYTES = 1500;

/** A decoded probe header. */
export interface Probe {
  /** Sequence number, from 0. */
  readonly seq: number;
  /** The sender's run id (so stray packets of another run are ignored). */
  readonly runId: number;
  /** Wall-clock send time, ms since the Unix epoch. */
  readonly sentMs: number;
}

/**
 * Encodes a probe as a UDP payload for a packet of `packetBytes` (IPv4 length).
 *
 * @example
 * ```ts
 * import { encodeProbe } from "@vnmig/vnmig/testbed";
 * if (encodeProbe({ seq: 1, runId: 7, sentMs: 0 }, 64).length !== 36) throw new Error();
 * ```
 */
export function encodeProbe(probe: Probe, packetBytes: number): Uint8Array {
  assertInteger("packetBytes", packetBytes);
  assertInRange("packetBytes", packetBytes, MIN_PACKET_BYTES, MAX_PACKET_BYTES);
  assertInteger("seq", probe.seq);
  assertInRange("seq", probe.seq, 0, 0xffffffff);
  assertInteger("runId", probe.runId);
  assertInRange("runId", probe.runId, 0, 0xffffffff);
  const bytes = new Uint8Array(packetBytes - IP_UDP_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, probe.seq);
  view.setUint32(4, probe.runId);
  view.setFloat64(8, probe.sentMs);
  return bytes;
}

/**
 * Decodes a probe payload; undefined if it is too short to be one.
 *
 * @example
 * ```ts
 * import { decodeProbe, encodeProbe } from "@vnmig/vnmig/testbed";
 * if (decodeProbe(encodeProbe({ seq: 5, runId: 1, sentMs: 2.5 }, 100))?.seq !== 5) throw new Error();
 * ```
 */
export function decodeProbe(payload: Uint8Array): Probe | undefined {
  if (payload.length < PROBE_HEADER_BYTES) return undefined;
  const view = new DataView(
    payload.buffer,
    payload.byteOffset,
    payload.byteLength,
  );
  return {
    seq: view.getUint32(0),
    runId: view.getUint32(4),
    sentMs: view.getFloat64(8),
  };
}

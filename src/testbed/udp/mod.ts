/**
 * The UDP probe tools every testbed uses: the probe format, the sender and
 * receiver programs (`sender.ts`, `receiver.ts`: run them with
 * `deno run --allow-net --unstable-net`, or build their argv with
 * {@linkcode senderArgv} and {@linkcode receiverArgv}), the receiver's pure
 * tally, and the kernel's drop count of a socket to check that tally
 * against.
 *
 * @example
 * ```ts
 * import { decodeProbe, encodeProbe, ReceiverTally } from "@vnmig/vnmig/testbed";
 * const tally = new ReceiverTally(4);
 * for (const seq of [0, 1, 3]) {
 *   const probe = decodeProbe(encodeProbe({ seq, runId: 9, sentMs: seq }, 64))!;
 *   tally.add(probe.seq, probe.sentMs);
 * }
 * const report = tally.report(4);
 * if (report.lostPackets !== 1 || report.lostRanges[0][0] !== 2) throw new Error();
 * ```
 *
 * @module
 */

export { wallClockMs } from "./clock.ts";
export {
  decodeProbe,
  encodeProbe,
  IP_UDP_HEADER_BYTES,
  MAX_PACKET_BYTES,
  MIN_PACKET_BYTES,
  type Probe,
  PROBE_HEADER_BYTES,
} from "./probe.ts";
export { type ReceiverReport, ReceiverTally } from "./tally.ts";
export {
  type DrainOptions,
  type UdpSocketStats,
  udpSocketStats,
  waitForDrainedSocket,
} from "./socket_stats.ts";
export {
  JsonLinesProcess,
  receiverArgv,
  type ReceiverEnd,
  type ReceiverOptions,
  type ReceiverReady,
  senderArgv,
  type SenderEnd,
  type SenderOptions,
  type SenderStart,
} from "./tools.ts";

/**
 * Traffic streams: constant bit rate (CBR), Poisson, and explicit send times
 * (packets a real sender sent, or any list).
 *
 * A CBR stream's k-th packet leaves the source at exactly
 * `startSeconds + k / packetsPerSecond` (see {@linkcode packetTimeSeconds}),
 * for every k with that time before `endSeconds`, or for k below `packets`
 * when the stream is given by its packet count. "Exactly" is meant for the
 * decimals written: every number is read as the shortest decimal that
 * prints it, so a 1000 packets/s stream's packet 3997 is at exactly 3.997 s
 * (whatever `3997 / 1000` gives in binary floating point), and counts are
 * decided in exact rational arithmetic where floating point is too close to
 * call. Counts above 2^53 - 1 cannot be kept exactly in a JS number: they
 * are rejected with a RangeError naming that limit.
 *
 * Every stream may have a sender's link: `linkLatencySeconds`, the time from
 * leaving the source to reaching the first element of a path.
 *
 * @module
 */

import {
  assertAtLeast,
  assertFinite,
  assertInteger,
  assertKnownKeys,
  assertPositive,
} from "../_validate.ts";
import { randomExponential, randomLcg } from "../random.ts";
import {
  add,
  ceil,
  cmp,
  dec,
  div,
  type Q,
  qInt,
  sub,
  toNumber,
  toSafeInteger,
  ZERO,
} from "./_rational.ts";

/** A constant-bit-rate stream: one packet every `1 / packetsPerSecond` s. */
export interface CbrStream {
  /** Discriminant. */
  readonly kind: "cbr";
  /** Packets per second, > 0. */
  readonly packetsPerSecond: number;
  /** Size of every packet in bytes, > 0. */
  readonly packetSizeBytes: number;
  /** Time of the first packet, in seconds. */
  readonly startSeconds: number;
  /** No packet is sent at or after this time, in seconds (informative when `packets` is set). */
  readonly endSeconds: number;
  /** When set, the stream has exactly this many packets (and `endSeconds` is the time after the last). */
  readonly packets?: number;
  /** The sender's link: send to arrival at the first element, seconds. Default 0. */
  readonly linkLatencySeconds?: number;
}

/** A Poisson stream: exponential gaps with mean `1 / packetsPerSecond`. */
export interface PoissonStream {
  /** Discriminant. */
  readonly kind: "poisson";
  /** Mean packets per second, > 0. */
  readonly packetsPerSecond: number;
  /** Size of every packet in bytes, > 0. */
  readonly packetSizeBytes: number;
  /** The process starts at this time, in seconds (first packet after it). */
  readonly startSeconds: number;
  /** No packet is sent at or after this time, in seconds. */
  readonly endSeconds: number;
  /** Seed of the gaps. */
  readonly seed: number;
  /** The sender's link: send to arrival at the first element, seconds. Default 0. */
  readonly linkLatencySeconds?: number;
}

/** A stream of explicit send times (a real sender's, or any list), in non-decreasing order. */
export interface ExplicitStream {
  /** Discriminant. */
  readonly kind: "explicit";
  /** The send times, seconds, non-decreasing. */
  readonly sendTimesSeconds: readonly number[] | Float64Array;
  /** Nominal packets per second (turns a run of lost packets into seconds of outage), > 0. */
  readonly packetsPerSecond: number;
  /** Size of every packet in bytes, > 0. */
  readonly packetSizeBytes: number;
  /** The first send time (0 when empty), seconds. */
  readonly startSeconds: number;
  /** Just after the last send time (its next float; 0 when empty), seconds. */
  readonly endSeconds: number;
  /** The sender's link: send to arrival at the first element, seconds. Default 0. */
  readonly linkLatencySeconds?: number;
}

/** Any traffic stream. */
export type TrafficStream = CbrStream | PoissonStream | ExplicitStream;

/** Options of {@linkcode cbrStream} and {@linkcode poissonStream}. */
export interface StreamOptions {
  /** Packets per second (mean, for Poisson). Default 1000. */
  packetsPerSecond?: number;
  /** Packet size in bytes. Default 64. */
  packetSizeBytes?: number;
  /** Start time in seconds. Default 0. */
  startSeconds?: number;
  /** End time in seconds (exclusive). Default 1 (CBR: unless `packets` is given). */
  endSeconds?: number;
  /** The sender's link latency (send to first element), seconds. Default 0. */
  linkLatencySeconds?: number;
}

/** Options of {@linkcode cbrStream}. */
export interface CbrStreamOptions extends StreamOptions {
  /** The number of packets (instead of `endSeconds`): packets k = 0 .. packets - 1. Default none. */
  packets?: number;
}

/** Options of {@linkcode poissonStream}. */
export interface PoissonStreamOptions extends StreamOptions {
  /** Seed of the exponential gaps. Default 0. */
  seed?: number;
}

/** Options of {@linkcode explicitStream}. */
export interface ExplicitStreamOptions {
  /** Packet size in bytes. Default 64. */
  packetSizeBytes?: number;
  /** Nominal rate, packets/s. Default: (n - 1) / (last - first), or 1 when that is not a finite number (fewer than two distinct times). */
  packetsPerSecond?: number;
  /** The sender's link latency (send to first element), seconds. Default 0. */
  linkLatencySeconds?: number;
}

const COMMON_KEYS = [
  "packetsPerSecond",
  "packetSizeBytes",
  "startSeconds",
  "endSeconds",
  "linkLatencySeconds",
] as const;

function checkCommon(s: {
  packetsPerSecond: number;
  packetSizeBytes: number;
  startSeconds: number;
  endSeconds: number;
  linkLatencySeconds?: number;
}): void {
  assertPositive("packetsPerSecond", s.packetsPerSecond);
  assertPositive("packetSizeBytes", s.packetSizeBytes);
  assertFinite("startSeconds", s.startSeconds);
  assertFinite("endSeconds", s.endSeconds);
  assertAtLeast("linkLatencySeconds", s.linkLatencySeconds ?? 0, 0);
  if (s.endSeconds < s.startSeconds) {
    throw new RangeError(
      `endSeconds must be in [startSeconds = ${s.startSeconds}, +inf); got ${s.endSeconds}`,
    );
  }
}

/**
 * Makes a CBR stream, checking every field. Give `endSeconds` (packets
 * before it) or `packets` (exactly that many).
 *
 * @example
 * ```ts
 * import { cbrStream, packetCount } from "@vnmig/vnmig/traffic";
 * const s = cbrStream({ packetsPerSecond: 1000, endSeconds: 2 });
 * if (packetCount(s) !== 2000) throw new Error();
 * const byCount = cbrStream({ packetsPerSecond: 1000, packets: 7 });
 * if (packetCount(byCount) !== 7 || byCount.endSeconds !== 0.007) throw new Error();
 * ```
 */
export function cbrStream(options: CbrStreamOptions = {}): CbrStream {
  assertKnownKeys("options", options, [...COMMON_KEYS, "packets"]);
  const packetsPerSecond = options.packetsPerSecond ?? 1000;
  const startSeconds = options.startSeconds ?? 0;
  const packets = options.packets;
  if (packets !== undefined) {
    assertInteger("packets", packets, 0);
    if (options.endSeconds !== undefined) {
      throw new RangeError(
        `give endSeconds or packets, not both; got endSeconds ${options.endSeconds} and packets ${packets}`,
      );
    }
    assertPositive("packetsPerSecond", packetsPerSecond);
    assertFinite("startSeconds", startSeconds);
  }
  const s: CbrStream = {
    kind: "cbr",
    packetsPerSecond,
    packetSizeBytes: options.packetSizeBytes ?? 64,
    startSeconds,
    endSeconds: packets === undefined
      ? options.endSeconds ?? 1
      : exactTimeOf(startSeconds, packetsPerSecond, packets),
    ...(packets === undefined ? {} : { packets }),
    ...(options.linkLatencySeconds === undefined
      ? {}
      : { linkLatencySeconds: options.linkLatencySeconds }),
  };
  checkStream(s);
  return s;
}

// start + k / rate, the nearest float of the exact value.
function exactTimeOf(start: number, rate: number, k: number): number {
  return toNumber(add(dec(start), div(qInt(k), dec(rate))));
}

/**
 * Makes a Poisson stream, checking every field.
 *
 * @example
 * ```ts
 * import { poissonStream, streamTimesSeconds } from "@vnmig/vnmig/traffic";
 * const s = poissonStream({ packetsPerSecond: 100, seed: 1 });
 * if (!(streamTimesSeconds(s).length > 50)) throw new Error();
 * ```
 */
export function poissonStream(
  options: PoissonStreamOptions = {},
): PoissonStream {
  assertKnownKeys("options", options, [...COMMON_KEYS, "seed"]);
  const s: PoissonStream = {
    kind: "poisson",
    packetsPerSecond: options.packetsPerSecond ?? 1000,
    packetSizeBytes: options.packetSizeBytes ?? 64,
    startSeconds: options.startSeconds ?? 0,
    endSeconds: options.endSeconds ?? 1,
    seed: options.seed ?? 0,
    ...(options.linkLatencySeconds === undefined
      ? {}
      : { linkLatencySeconds: options.linkLatencySeconds }),
  };
  checkStream(s);
  return s;
}

/**
 * Makes a stream of explicit send times (e.g. the packets a real sender
 * sent), checking that they are finite and in send order.
 *
 * @example
 * ```ts
 * import { countFates, explicitStream, outage, pathElement } from "@vnmig/vnmig/traffic";
 * const s = explicitStream([0, 0.5, 1, 1.2, 2]);
 * const counts = countFates(s, [pathElement({ changes: outage(1, 1.5) })]);
 * if (counts.lostPackets !== 2 || counts.sentPackets !== 5) throw new Error();
 * ```
 */
export function explicitStream(
  sendTimesSeconds: readonly number[] | Float64Array,
  options: ExplicitStreamOptions = {},
): ExplicitStream {
  assertKnownKeys("options", options, [
    "packetSizeBytes",
    "packetsPerSecond",
    "linkLatencySeconds",
  ]);
  const times = Float64Array.from(sendTimesSeconds);
  checkSendTimes("sendTimesSeconds", times);
  const n = times.length;
  const span = n > 1 ? times[n - 1] - times[0] : 0;
  const nominal = span > 0 ? (n - 1) / span : 1;
  const s: ExplicitStream = {
    kind: "explicit",
    sendTimesSeconds: times,
    packetsPerSecond: options.packetsPerSecond ??
      (Number.isFinite(nominal) ? nominal : 1),
    packetSizeBytes: options.packetSizeBytes ?? 64,
    startSeconds: n > 0 ? times[0] : 0,
    endSeconds: n > 0 ? nextUp(times[n - 1]) : 0,
    ...(options.linkLatencySeconds === undefined
      ? {}
      : { linkLatencySeconds: options.linkLatencySeconds }),
  };
  checkStream(s);
  return s;
}

function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const buf = new Float64Array([x]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0] += x > 0 ? 1n : -1n;
  return buf[0];
}

function checkSendTimes(
  name: string,
  times: ArrayLike<number>,
): void {
  for (let k = 0; k < times.length; k++) {
    assertFinite(`${name}[${k}]`, times[k]);
    // The exact searches need the packets in send order.
    if (k > 0) assertAtLeast(`${name}[${k}]`, times[k], times[k - 1]);
  }
}

/** Checks a stream built by hand (rather than by the factories). */
export function checkStream(stream: TrafficStream): void {
  const kind = (stream as { kind: unknown })?.kind;
  if (kind !== "cbr" && kind !== "poisson" && kind !== "explicit") {
    throw new RangeError(
      `stream.kind must be one of "cbr", "poisson", "explicit"; got ${
        JSON.stringify(kind)
      }`,
    );
  }
  checkCommon(stream);
  if (stream.kind === "poisson") assertInteger("seed", stream.seed, 0);
  if (stream.kind === "cbr" && stream.packets !== undefined) {
    assertInteger("packets", stream.packets, 0);
  }
  if (stream.kind === "explicit") {
    checkSendTimes("sendTimesSeconds", stream.sendTimesSeconds);
  }
}

/**
 * The send time of the k-th packet of a CBR stream, in seconds (floating
 * point; the exact time is `startSeconds + k / packetsPerSecond` for the
 * decimals written). The one formula both loss engines use.
 *
 * @example
 * ```ts
 * import { cbrStream, packetTimeSeconds } from "@vnmig/vnmig/traffic";
 * if (packetTimeSeconds(cbrStream({ packetsPerSecond: 4 }), 2) !== 0.5) throw new Error();
 * ```
 */
export function packetTimeSeconds(stream: CbrStream, k: number): number {
  return stream.startSeconds + k / stream.packetsPerSecond;
}

/** The exact send time of the k-th packet of a CBR stream (not in the public API). */
export function exactPacketTime(stream: CbrStream, k: number): Q {
  return add(
    dec(stream.startSeconds),
    div(qInt(k), dec(stream.packetsPerSecond)),
  );
}

/**
 * The number of packets of a stream, exactly: for CBR, the count of k >= 0
 * with `startSeconds + k / packetsPerSecond < endSeconds` (or `packets`),
 * in O(1); a Poisson stream is sampled from its seed. Throws a RangeError
 * naming the limit when the count is above 2^53 - 1.
 *
 * @example
 * ```ts
 * import { cbrStream, packetCount } from "@vnmig/vnmig/traffic";
 * if (packetCount(cbrStream({ packetsPerSecond: 3, endSeconds: 1 })) !== 3) throw new Error();
 * let error = "";
 * try { packetCount(cbrStream({ packetsPerSecond: 1e16 })); } catch (e) { error = String(e); }
 * if (!error.includes("2^53 - 1")) throw new Error(error);
 * ```
 */
export function packetCount(stream: TrafficStream): number {
  if (stream.kind === "cbr") {
    if (stream.packets !== undefined) return stream.packets;
    return countBefore(stream, stream.endSeconds);
  }
  if (stream.kind === "explicit") return stream.sendTimesSeconds.length;
  return streamTimesSeconds(stream).length;
}

/** Most packets a Poisson stream may expect: it is sampled (O(packets) memory). */
export const POISSON_SAMPLE_LIMIT = 1e9;

// |x| * 2^-50: a bound on the float error of the few operations below.
const FILTER = 2 ** -50;

/**
 * The count of k >= 0 with `startSeconds + k / packetsPerSecond <
 * timeSeconds`, exact for the decimals written (ignores `endSeconds` and
 * `packets`). Floating point decides unless the boundary is within its
 * error; then exact rational arithmetic. Throws a RangeError naming the
 * limit when the count is above 2^53 - 1.
 *
 * @example
 * ```ts
 * import { cbrStream, countBefore } from "@vnmig/vnmig/traffic";
 * // 0.1 + 9/10 is exactly 1: packets 0..8 are before it.
 * if (countBefore(cbrStream({ packetsPerSecond: 10, startSeconds: 0.1 }), 1) !== 9) throw new Error();
 * ```
 */
export function countBefore(stream: CbrStream, timeSeconds: number): number {
  return countBeforeOffset(stream, timeSeconds, 0, null);
}

/**
 * countBefore for packets shifted by `offsetSeconds` (whose exact value is
 * `offsetExact`, default the decimal of the float): the count of k with
 * exact(send_k) + offset < exact(time). Not in the public API.
 */
export function countBeforeOffset(
  stream: CbrStream,
  timeSeconds: number,
  offsetSeconds: number,
  offsetExact: Q | null,
  offsetErrorSeconds = 0,
): number {
  const rate = stream.packetsPerSecond;
  const x = (timeSeconds - offsetSeconds - stream.startSeconds) * rate;
  // A bound on |x - exact x|: the inputs' decimal-to-binary errors, the
  // three roundings, and the caller's bound on its float offset.
  const bound = ((Math.abs(timeSeconds) + Math.abs(offsetSeconds) +
            Math.abs(stream.startSeconds)) * rate + Math.abs(x)) * FILTER +
    offsetErrorSeconds * rate * 2 + 1e-300;
  if (x <= -bound) return 0;
  const c = Math.ceil(x);
  if (c - x > bound && x - (c - 1) > bound && c < 2 ** 52) {
    return Math.max(0, c);
  }
  // Exact: the smallest k >= 0 with start + k / rate >= time - offset.
  const off = offsetExact ?? dec(offsetSeconds);
  const span = sub(sub(dec(timeSeconds), off), dec(stream.startSeconds));
  if (cmp(span, ZERO) <= 0) return 0;
  const r = dec(rate);
  return toSafeInteger(
    ceil({ n: span.n * r.n, d: span.d * r.d }),
    "the packet count",
  );
}

/**
 * The send times of every packet of a stream, in seconds (a Poisson stream
 * is sampled from its seed). O(number of packets) memory: for large CBR
 * streams prefer {@linkcode packetTimeSeconds}.
 *
 * @example
 * ```ts
 * import { cbrStream, streamTimesSeconds } from "@vnmig/vnmig/traffic";
 * if (streamTimesSeconds(cbrStream({ packetsPerSecond: 2 })).join() !== "0,0.5") throw new Error();
 * ```
 */
export function streamTimesSeconds(stream: TrafficStream): Float64Array {
  checkStream(stream);
  if (stream.kind === "cbr") {
    const n = packetCount(stream);
    const times = new Float64Array(n);
    for (let k = 0; k < n; k++) times[k] = packetTimeSeconds(stream, k);
    return times;
  }
  if (stream.kind === "explicit") {
    return Float64Array.from(stream.sendTimesSeconds);
  }
  const expected = stream.packetsPerSecond *
    (stream.endSeconds - stream.startSeconds);
  if (expected > POISSON_SAMPLE_LIMIT) {
    throw new RangeError(
      `a Poisson stream is sampled packet by packet: packetsPerSecond x duration must be in [0, ${POISSON_SAMPLE_LIMIT}]; got ${expected}`,
    );
  }
  const random = randomLcg(stream.seed);
  const mean = 1 / stream.packetsPerSecond;
  const out: number[] = [];
  let t = stream.startSeconds + randomExponential(random, mean);
  while (t < stream.endSeconds) {
    out.push(t);
    t += randomExponential(random, mean);
  }
  return Float64Array.from(out);
}

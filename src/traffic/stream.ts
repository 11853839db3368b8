/**
 * Traffic streams: constant bit rate (CBR) and Poisson packet sources.
 *
 * A CBR stream's k-th packet leaves the source at exactly
 * `startSeconds + k / packetsPerSecond` (see {@linkcode packetTimeSeconds}),
 * for every k with that time before `endSeconds`. Both the interval counter
 * and the per-packet simulator use this one formula, so they agree exactly.
 *
 * @module
 */

import { assertFinite, assertInteger, assertPositive } from "../_validate.ts";
import { randomExponential, randomLcg } from "../random.ts";

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
  /** No packet is sent at or after this time, in seconds. */
  readonly endSeconds: number;
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
}

/** Any traffic stream. */
export type TrafficStream = CbrStream | PoissonStream;

/** Options of {@linkcode cbrStream} and {@linkcode poissonStream}. */
export interface StreamOptions {
  /** Packets per second (mean, for Poisson). Default 1000. */
  packetsPerSecond?: number;
  /** Packet size in bytes. Default 64. */
  packetSizeBytes?: number;
  /** Start time in seconds. Default 0. */
  startSeconds?: number;
  /** End time in seconds (exclusive). Default 1. */
  endSeconds?: number;
}

/** Options of {@linkcode poissonStream}. */
export interface PoissonStreamOptions extends StreamOptions {
  /** Seed of the exponential gaps. Default 0. */
  seed?: number;
}

function checkCommon(s: Omit<CbrStream, "kind">): void {
  assertPositive("packetsPerSecond", s.packetsPerSecond);
  assertPositive("packetSizeBytes", s.packetSizeBytes);
  assertFinite("startSeconds", s.startSeconds);
  assertFinite("endSeconds", s.endSeconds);
  if (s.endSeconds < s.startSeconds) {
    throw new RangeError(
      `endSeconds must be in [startSeconds = ${s.startSeconds}, +inf); got ${s.endSeconds}`,
    );
  }
}

/**
 * Makes a CBR stream, checking every field.
 *
 * @example
 * ```ts
 * import { cbrStream, packetCount } from "@vnmig/vnmig";
 * const s = cbrStream({ packetsPerSecond: 1000, endSeconds: 2 });
 * console.log(packetCount(s)); // 2000
 * ```
 */
export function cbrStream(options: StreamOptions = {}): CbrStream {
  const s: CbrStream = {
    kind: "cbr",
    packetsPerSecond: options.packetsPerSecond ?? 1000,
    packetSizeBytes: options.packetSizeBytes ?? 64,
    startSeconds: options.startSeconds ?? 0,
    endSeconds: options.endSeconds ?? 1,
  };
  checkCommon(s);
  return s;
}

/**
 * Makes a Poisson stream, checking every field.
 *
 * @example
 * ```ts
 * import { poissonStream, streamTimesSeconds } from "@vnmig/vnmig";
 * const s = poissonStream({ packetsPerSecond: 100, seed: 1 });
 * console.log(streamTimesSeconds(s).length > 50); // true
 * ```
 */
export function poissonStream(
  options: PoissonStreamOptions = {},
): PoissonStream {
  const s: PoissonStream = {
    kind: "poisson",
    packetsPerSecond: options.packetsPerSecond ?? 1000,
    packetSizeBytes: options.packetSizeBytes ?? 64,
    startSeconds: options.startSeconds ?? 0,
    endSeconds: options.endSeconds ?? 1,
    seed: options.seed ?? 0,
  };
  checkCommon(s);
  assertInteger("seed", s.seed, 0);
  return s;
}

/** Checks a stream built by hand (rather than by the factories). */
export function checkStream(stream: TrafficStream): void {
  if (stream.kind !== "cbr" && stream.kind !== "poisson") {
    throw new RangeError(
      `stream.kind must be one of "cbr", "poisson"; got ${
        JSON.stringify((stream as { kind: unknown }).kind)
      }`,
    );
  }
  checkCommon(stream);
  if (stream.kind === "poisson") assertInteger("seed", stream.seed, 0);
}

/**
 * The send time of the k-th packet of a CBR stream, in seconds. The one
 * formula both loss engines use.
 *
 * @example
 * ```ts
 * import { cbrStream, packetTimeSeconds } from "@vnmig/vnmig";
 * console.log(packetTimeSeconds(cbrStream({ packetsPerSecond: 4 }), 2)); // 0.5
 * ```
 */
export function packetTimeSeconds(stream: CbrStream, k: number): number {
  return stream.startSeconds + k / stream.packetsPerSecond;
}

/**
 * The number of packets of a CBR stream: the count of k >= 0 with
 * `packetTimeSeconds(stream, k) < endSeconds`, computed exactly in O(1).
 *
 * @example
 * ```ts
 * import { cbrStream, packetCount } from "@vnmig/vnmig";
 * console.log(packetCount(cbrStream({ packetsPerSecond: 3, endSeconds: 1 }))); // 3
 * ```
 */
export function packetCount(stream: CbrStream): number {
  return countBefore(stream, stream.endSeconds);
}

/**
 * The count of k >= 0 with `packetTimeSeconds(stream, k) < timeSeconds`,
 * exact in floating point: an estimate corrected by evaluating the formula.
 */
export function countBefore(stream: CbrStream, timeSeconds: number): number {
  const rate = stream.packetsPerSecond;
  let k = Math.max(0, Math.ceil((timeSeconds - stream.startSeconds) * rate));
  while (k > 0 && packetTimeSeconds(stream, k - 1) >= timeSeconds) k--;
  while (packetTimeSeconds(stream, k) < timeSeconds) k++;
  return k;
}

/**
 * The send times of every packet of a stream, in seconds (a Poisson stream
 * is sampled from its seed). O(number of packets) memory: for large CBR
 * streams prefer {@linkcode packetTimeSeconds}.
 *
 * @example
 * ```ts
 * import { cbrStream, streamTimesSeconds } from "@vnmig/vnmig";
 * console.log(streamTimesSeconds(cbrStream({ packetsPerSecond: 2 }))); // Float64Array [0, 0.5]
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

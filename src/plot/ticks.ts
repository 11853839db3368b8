/**
 * Tick values and tick labels chosen per unit, so that an axis never says
 * "0k, 0k, 1k" (symlog with SI prefixes), "200m" seconds, "100k ms" or
 * shows milliseconds as "0.004 s". {@linkcode plotFigure} applies them to
 * every log and symlog axis, and to any axis given a `unit`.
 *
 * - Log axes: ticks at the powers of ten (1, 2, 5 times them over short
 *   spans), so that grid lines fall on labelled ticks only.
 * - Symlog axes: 0 and the powers of ten.
 * - Labels in plain decimals with thousands separators (0.001, 140,000),
 *   never SI prefixes; seconds and bit rates carry their unit per tick on
 *   log axes ("10 ms", "1 s") and one unit per axis on linear ones (the
 *   values are scaled, the label says "(ms)").
 *
 * @module
 */

/** Units an axis can carry. */
export type AxisUnit = "seconds" | "count" | "bitsPerSecond";

/** The units {@linkcode plotFigure} knows, in order. */
export const AXIS_UNITS: readonly AxisUnit[] = Object.freeze([
  "seconds",
  "count",
  "bitsPerSecond",
]);

// Rounds away binary noise (0.1 * 3 = 0.30000000000000004) before printing.
function clean(value: number): number {
  return Number(value.toPrecision(12));
}

/**
 * A number in plain decimals: thousands separators, no SI prefix, no
 * binary noise.
 *
 * @example
 * ```ts
 * import { formatNumber } from "@vnmig/vnmig/plot";
 * if (formatNumber(140000) !== "140,000") throw new Error();
 * if (formatNumber(0.001) !== "0.001") throw new Error();
 * if (formatNumber(0.1 * 3) !== "0.3") throw new Error();
 * ```
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return clean(value).toLocaleString("en-US", { maximumFractionDigits: 15 });
}

const SECONDS_STEPS: readonly [number, string][] = [
  [1, "s"],
  [1e-3, "ms"],
  [1e-6, "µs"],
  [1e-9, "ns"],
];

const BITS_STEPS: readonly [number, string][] = [
  [1e12, "Tbit/s"],
  [1e9, "Gbit/s"],
  [1e6, "Mbit/s"],
  [1e3, "kbit/s"],
  [1, "bit/s"],
];

function withUnit(
  value: number,
  steps: readonly [number, string][],
): string {
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  const [factor, name] = steps.find(([f]) => magnitude >= f * (1 - 1e-12)) ??
    steps[steps.length - 1];
  return `${formatNumber(value / factor)} ${name}`;
}

/**
 * A duration in seconds with the unit that reads best: "4.5 ms", "1 s",
 * "120 s".
 *
 * @example
 * ```ts
 * import { formatSeconds } from "@vnmig/vnmig/plot";
 * if (formatSeconds(0.0045) !== "4.5 ms") throw new Error();
 * if (formatSeconds(120) !== "120 s") throw new Error();
 * if (formatSeconds(0) !== "0") throw new Error();
 * ```
 */
export function formatSeconds(seconds: number): string {
  return withUnit(seconds, SECONDS_STEPS);
}

/**
 * A bit rate with the unit that reads best: "100 Mbit/s", "3.2 Gbit/s".
 *
 * @example
 * ```ts
 * import { formatBitsPerSecond } from "@vnmig/vnmig/plot";
 * if (formatBitsPerSecond(1e8) !== "100 Mbit/s") throw new Error();
 * if (formatBitsPerSecond(3.2e9) !== "3.2 Gbit/s") throw new Error();
 * ```
 */
export function formatBitsPerSecond(bitsPerSecond: number): string {
  return withUnit(bitsPerSecond, BITS_STEPS);
}

/**
 * The tick label function of a unit on a log or symlog axis (plain numbers
 * without one).
 *
 * @example
 * ```ts
 * import { unitFormat } from "@vnmig/vnmig/plot";
 * if (unitFormat("seconds")(0.01) !== "10 ms") throw new Error();
 * if (unitFormat(undefined)(1e6) !== "1,000,000") throw new Error();
 * ```
 */
export function unitFormat(
  unit: AxisUnit | undefined,
): (value: number) => string {
  return unit === "seconds"
    ? formatSeconds
    : unit === "bitsPerSecond"
    ? formatBitsPerSecond
    : formatNumber;
}

/** How a linear axis shows a unit: values times `factor`, `suffix` after the label. */
export interface LinearUnit {
  /** Multiplies the data before the scale (1000 for seconds shown as ms). */
  readonly factor: number;
  /** What the axis label says in parentheses ("ms"); empty for counts. */
  readonly suffix: string;
}

/**
 * The one unit of a linear axis over a domain: seconds as s, ms, µs or ns,
 * bit rates as bit/s to Tbit/s, from the largest magnitude in the domain.
 *
 * @example
 * ```ts
 * import { linearUnit } from "@vnmig/vnmig/plot";
 * const u = linearUnit("seconds", [0, 0.022]);
 * if (u.factor !== 1000 || u.suffix !== "ms") throw new Error();
 * ```
 */
export function linearUnit(
  unit: AxisUnit,
  domain: readonly number[],
): LinearUnit {
  if (unit === "count") return { factor: 1, suffix: "" };
  const steps = unit === "seconds" ? SECONDS_STEPS : BITS_STEPS;
  const magnitude = Math.max(...domain.map((v) => Math.abs(v)));
  const [factor, suffix] = magnitude === 0
    ? steps[unit === "seconds" ? 0 : steps.length - 1]
    : steps.find(([f]) => magnitude >= f * (1 - 1e-12)) ??
      steps[steps.length - 1];
  return { factor: 1 / factor, suffix };
}

/**
 * Ticks of a log axis over `domain`: the powers of ten inside it, every
 * second or third one when there are more than `maxTicks`; when fewer than
 * four powers of ten fall inside, also 2 and 5 times them.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { logTicks } from "@vnmig/vnmig/plot";
 * deepStrictEqual(logTicks([0.001, 100]), [0.001, 0.01, 0.1, 1, 10, 100]);
 * deepStrictEqual(logTicks([10, 300]), [10, 20, 50, 100, 200]);
 * ```
 */
export function logTicks(
  domain: readonly number[],
  maxTicks = 10,
): number[] {
  const lo = Math.min(...domain);
  const hi = Math.max(...domain);
  if (!(lo > 0) || !Number.isFinite(hi)) return [];
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const decades: number[] = [];
  for (let k = first; k <= last; k++) {
    const v = clean(10 ** k);
    if (inside(v)) decades.push(v);
  }
  if (decades.length >= 4) {
    const every = Math.ceil(decades.length / Math.max(2, maxTicks));
    return decades.filter((_, i) => i % every === 0);
  }
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) {
    for (const m of [1, 2, 5]) {
      const v = clean(m * 10 ** k);
      if (inside(v)) ticks.push(v);
    }
  }
  return ticks.length > maxTicks ? decades : ticks;
}

/**
 * Ticks of a symlog axis: 0 (when inside the domain) and the powers of ten
 * from 1 up, and down for negative values; every second or third power
 * when there are more than `maxTicks`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { symlogTicks } from "@vnmig/vnmig/plot";
 * deepStrictEqual(symlogTicks([0, 12000]), [0, 1, 10, 100, 1000, 10000]);
 * deepStrictEqual(symlogTicks([-20, 150]), [-10, -1, 0, 1, 10, 100]);
 * ```
 */
export function symlogTicks(
  domain: readonly number[],
  maxTicks = 10,
): number[] {
  const lo = Math.min(...domain);
  const hi = Math.max(...domain);
  const powers = (limit: number) => {
    const out: number[] = [];
    for (let v = 1; v <= limit * (1 + 1e-9); v *= 10) out.push(v);
    return out;
  };
  const positive = hi >= 1 ? powers(hi) : [];
  const negative = lo <= -1 ? powers(-lo).map((v) => -v).reverse() : [];
  const zero = lo <= 0 && hi >= 0 ? [0] : [];
  const all = [...negative, ...zero, ...positive];
  if (all.length <= maxTicks) return all;
  const every = Math.ceil(all.length / maxTicks);
  // Thin by position from zero outwards, so that 0 and 1 stay.
  return all.filter((v) =>
    v === 0 || Math.round(Math.log10(Math.abs(v))) % every === 0
  );
}

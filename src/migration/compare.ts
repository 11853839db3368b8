/**
 * Measured against predicted, generically: both are
 * {@linkcode MigrationOutcome}s, so a comparison is a list of metrics, each
 * with its tolerance, rather than fields zipped by hand per testbed.
 *
 * @module
 */

import { assertAtLeast, assertKnownKeys } from "../_validate.ts";
import { add, cmp, dec, mul, neg, sign, sub } from "../traffic/_rational.ts";
import type { MigrationOutcome, PacketOutcome } from "./outcome.ts";

/** A numeric field of an outcome: a top-level time, or a data or control packet figure. */
export type OutcomeMetric =
  | "downtimeSeconds"
  | "dataOutageSeconds"
  | "totalMigrationSeconds"
  | `data.${keyof PacketOutcome}`
  | `control.${keyof PacketOutcome}`;

const PACKET_FIELDS: readonly (keyof PacketOutcome)[] = [
  "sentPackets",
  "deliveredPackets",
  "lostPackets",
  "delayedPackets",
  "maxDelaySeconds",
  "meanDelaySeconds",
];

/** Every metric, in report order. */
export const OUTCOME_METRICS: readonly OutcomeMetric[] = [
  "downtimeSeconds",
  "dataOutageSeconds",
  "totalMigrationSeconds",
  ...PACKET_FIELDS.map((f) => `data.${f}` as const),
  ...PACKET_FIELDS.map((f) => `control.${f}` as const),
];

/**
 * The value of one metric of an outcome.
 *
 * @example
 * ```ts
 * import { NO_PACKETS, outcomeValue } from "@vnmig/vnmig/migration";
 * const outcome = {
 *   mechanism: "example", source: "model", completed: true, note: "",
 *   downtimeSeconds: 0.3, dataOutageSeconds: 0.3, totalMigrationSeconds: 8,
 *   data: { ...NO_PACKETS, sentPackets: 100, lostPackets: 3 },
 *   control: NO_PACKETS, timeline: [],
 * } as const;
 * if (outcomeValue(outcome, "data.lostPackets") !== 3) throw new Error();
 * ```
 */
export function outcomeValue(
  outcome: MigrationOutcome,
  metric: OutcomeMetric,
): number {
  const dot = metric.indexOf(".");
  if (dot < 0) {
    return outcome[
      metric as
        | "downtimeSeconds"
        | "dataOutageSeconds"
        | "totalMigrationSeconds"
    ];
  }
  const plane = metric.slice(0, dot) as "data" | "control";
  return outcome[plane][metric.slice(dot + 1) as keyof PacketOutcome];
}

/** How far a measurement may lie from its prediction: `|measured - predicted| <= absolute + relative x |predicted|`, decided exactly for the decimals written (0.36 against 0.35 is 0.01 off, not 0.010000000000000009). */
export interface Tolerance {
  /** Absolute allowance, in the metric's unit. Default 0. */
  readonly absolute?: number;
  /** Allowance as a fraction of the predicted value. Default 0. */
  readonly relative?: number;
}

/** One metric of a comparison. */
export interface MetricComparison {
  /** The metric. */
  readonly metric: OutcomeMetric;
  /** Measured value. */
  readonly measured: number;
  /** Predicted value. */
  readonly predicted: number;
  /** measured - predicted. */
  readonly difference: number;
  /** (measured - predicted) / predicted; 0 when both are 0, and Infinity never (null when predicted is 0 and measured is not). */
  readonly relativeDifference: number | null;
  /** The allowance: absolute + relative x |predicted|. */
  readonly allowance: number;
  /** Whether the measurement lies within the allowance. */
  readonly within: boolean;
}

/**
 * Compares a measured outcome with a predicted one on the metrics given a
 * tolerance, in {@linkcode OUTCOME_METRICS} order.
 *
 * @example
 * ```ts
 * import { compareOutcomes, NO_PACKETS, type MigrationOutcome } from "@vnmig/vnmig/migration";
 * const base: MigrationOutcome = {
 *   mechanism: "example", source: "model", completed: true, note: "",
 *   downtimeSeconds: 0.30, dataOutageSeconds: 0.30, totalMigrationSeconds: 8,
 *   data: NO_PACKETS, control: NO_PACKETS, timeline: [],
 * };
 * const measured = { ...base, source: "measured" as const, downtimeSeconds: 0.33 };
 * const [row] = compareOutcomes(measured, base, { downtimeSeconds: { relative: 0.2 } });
 * if (!row.within || Math.abs(row.difference - 0.03) > 1e-12) throw new Error();
 * ```
 */
export function compareOutcomes(
  measured: MigrationOutcome,
  predicted: MigrationOutcome,
  tolerances: Readonly<Partial<Record<OutcomeMetric, Tolerance>>>,
): MetricComparison[] {
  assertKnownKeys("tolerances", tolerances, OUTCOME_METRICS);
  const rows: MetricComparison[] = [];
  for (const metric of OUTCOME_METRICS) {
    const tolerance = tolerances[metric];
    if (tolerance === undefined) continue;
    assertKnownKeys(`tolerances.${metric}`, tolerance, [
      "absolute",
      "relative",
    ]);
    const absolute = tolerance.absolute ?? 0;
    const relative = tolerance.relative ?? 0;
    assertAtLeast(`tolerances.${metric}.absolute`, absolute, 0);
    assertAtLeast(`tolerances.${metric}.relative`, relative, 0);
    const m = outcomeValue(measured, metric);
    const p = outcomeValue(predicted, metric);
    const difference = m - p;
    const allowance = absolute + relative * Math.abs(p);
    rows.push({
      metric,
      measured: m,
      predicted: p,
      difference,
      relativeDifference: p !== 0 ? difference / p : m === 0 ? 0 : null,
      allowance,
      within: withinAllowance(m, p, absolute, relative),
    });
  }
  return rows;
}

// |measured - predicted| <= absolute + relative x |predicted|, exact for the
// decimals written (0.36 against 0.35 with 0.01 allowed is within): floating
// point decides unless the two sides are within a few ulps, where exact
// rationals of the shortest decimals decide.
function withinAllowance(
  measured: number,
  predicted: number,
  absolute: number,
  relative: number,
): boolean {
  const gap = Math.abs(measured - predicted);
  const allowance = absolute + relative * Math.abs(predicted);
  const scale = Math.max(Math.abs(measured), Math.abs(predicted), allowance);
  if (Math.abs(gap - allowance) > 8 * Number.EPSILON * scale) {
    return gap <= allowance;
  }
  const difference = sub(dec(measured), dec(predicted));
  const p = dec(predicted);
  const exactGap = sign(difference) < 0 ? neg(difference) : difference;
  const exactAllowance = add(
    dec(absolute),
    mul(dec(relative), sign(p) < 0 ? neg(p) : p),
  );
  return cmp(exactGap, exactAllowance) <= 0;
}

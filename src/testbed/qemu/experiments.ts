/**
 * The VM testbed's experiments as a plan of runs (pure): the papers'
 * experiment for real (packet rates x packet sizes x an idle and a busy
 * router x repeats), a `downtime-limit` sweep, and the case that never
 * converges (bounded, reported as such), with auto-converge beside it.
 * Each planned run has a stable key, so a sweep can be split into shards
 * ({@linkcode shardOf}) and resumed, and the parts merged.
 *
 * @module
 */

import { assertInteger, assertKnownKeys } from "../../_validate.ts";
import type { DirtierConfig } from "./guest_config.ts";
import { BUSY_DIRTIER, type VmScenario } from "./scenario.ts";

/** The experiments. */
export const VM_EXPERIMENTS = [
  "rates",
  "downtime-limit",
  "non-converging",
] as const;
/** One of {@linkcode VM_EXPERIMENTS}. */
export type VmExperiment = typeof VM_EXPERIMENTS[number];

/** One planned run. */
export interface PlannedVmRun {
  /** Stable key: experiment/router/rate/size/limit/dirtier/repeat. */
  readonly key: string;
  /** Which experiment. */
  readonly experiment: VmExperiment;
  /** "idle" or "busy" (the dirtier runs), or "overloaded" (dirties faster than the link carries). */
  readonly router: "idle" | "busy" | "overloaded";
  /** Repeat index, from 0. */
  readonly repeat: number;
  /** The scenario. */
  readonly scenario: VmScenario;
}

/** Packet rates of the rates experiment (the papers' 500 to 10,000 packets/s). */
export const VM_RATES: readonly number[] = [
  500,
  1000,
  2000,
  3000,
  5000,
  7500,
  10000,
];
/** Packet sizes (the papers' 64 and 1500 bytes). */
export const VM_PACKET_SIZES: readonly number[] = [64, 1500];
/** downtime-limit values of the sweep, seconds. */
export const VM_DOWNTIME_LIMITS: readonly number[] = [0.1, 0.2, 0.3, 0.5, 1.0];
/** A dirtier the link cannot keep up with: 4000 pages/s over 64 MiB against about 2900 pages/s of a 100 Mbit/s link. */
export const OVERLOADED_DIRTIER: Required<DirtierConfig> = Object.freeze({
  ...BUSY_DIRTIER,
  pagesPerSecond: 4000,
});

/** Options of {@linkcode vmExperimentPlan}. */
export interface VmPlanOptions {
  /** Which experiments; default all. */
  readonly experiments?: readonly VmExperiment[];
  /** Repeats of each point (1 .. 100); default 3 (2 for the non-converging runs, which last their whole bound). */
  readonly repeats?: number;
  /** Bound of a non-converging run, seconds; default 90. */
  readonly nonConvergingBoundSeconds?: number;
}

/**
 * The runs of the chosen experiments, repeats outermost (so a partial
 * sweep covers every point once before repeating any), then in a fixed
 * order.
 *
 * @example
 * ```ts
 * import { vmExperimentPlan } from "@vnmig/vnmig/testbed/qemu";
 * const plan = vmExperimentPlan({ experiments: ["rates"], repeats: 1 });
 * if (plan.length !== 7 * 2 * 2) throw new Error(String(plan.length));
 * if (new Set(plan.map((r) => r.key)).size !== plan.length) throw new Error("keys are unique");
 * ```
 */
export function vmExperimentPlan(options: VmPlanOptions = {}): PlannedVmRun[] {
  assertKnownKeys("options", options, [
    "experiments",
    "repeats",
    "nonConvergingBoundSeconds",
  ]);
  const experiments = options.experiments ?? VM_EXPERIMENTS;
  for (const e of experiments) {
    if (!VM_EXPERIMENTS.includes(e)) {
      throw new RangeError(
        `experiments must list only ${VM_EXPERIMENTS.join(", ")}; got ${
          JSON.stringify(e)
        }`,
      );
    }
  }
  const repeats = options.repeats ?? 3;
  assertInteger("repeats", repeats, 1);
  if (repeats > 100) {
    throw new RangeError(
      `repeats must be an integer in [1, 100]; got ${repeats}`,
    );
  }
  const bound = options.nonConvergingBoundSeconds ?? 90;
  const plan: PlannedVmRun[] = [];
  const add = (
    experiment: VmExperiment,
    router: PlannedVmRun["router"],
    repeat: number,
    scenario: VmScenario,
  ) => {
    const limit = scenario.downtimeLimitSeconds ?? 0.3;
    const dirt = scenario.dirtier
      ? `${scenario.dirtier.pagesPerSecond}x${scenario.dirtier.workingSetPages}`
      : "none";
    const ac = scenario.autoConverge ? "/auto-converge" : "";
    plan.push({
      key:
        `${experiment}/${router}/${scenario.packetsPerSecond}pps/${scenario.packetSizeBytes}B/limit${limit}/${dirt}${ac}/r${repeat}`,
      experiment,
      router,
      repeat,
      scenario,
    });
  };
  for (let repeat = 0; repeat < repeats; repeat++) {
    if (experiments.includes("rates")) {
      for (const router of ["idle", "busy"] as const) {
        for (const packetSizeBytes of VM_PACKET_SIZES) {
          for (const packetsPerSecond of VM_RATES) {
            add("rates", router, repeat, {
              packetsPerSecond,
              packetSizeBytes,
              seed: repeat,
              dirtier: router === "busy"
                ? { ...BUSY_DIRTIER, seed: repeat }
                : undefined,
            });
          }
        }
      }
    }
    if (experiments.includes("downtime-limit")) {
      for (const downtimeLimitSeconds of VM_DOWNTIME_LIMITS) {
        add("downtime-limit", "busy", repeat, {
          packetsPerSecond: 1000,
          packetSizeBytes: 64,
          seed: repeat,
          downtimeLimitSeconds,
          dirtier: { ...BUSY_DIRTIER, seed: repeat },
        });
      }
    }
    if (
      experiments.includes("non-converging") && repeat < Math.min(repeats, 2)
    ) {
      // A 50 ms limit the busy router's final dirty set never fits in.
      add("non-converging", "busy", repeat, {
        packetsPerSecond: 1000,
        packetSizeBytes: 64,
        seed: repeat,
        downtimeLimitSeconds: 0.05,
        dirtier: { ...BUSY_DIRTIER, seed: repeat },
        maxMigrationSeconds: bound,
      });
      // Dirtying faster than the link: never converges, unless auto-converge throttles the vCPU.
      for (const autoConverge of [false, true]) {
        add("non-converging", "overloaded", repeat, {
          packetsPerSecond: 1000,
          packetSizeBytes: 64,
          seed: repeat,
          dirtier: { ...OVERLOADED_DIRTIER, seed: repeat },
          autoConverge,
          maxMigrationSeconds: bound,
        });
      }
    }
  }
  return plan;
}

/**
 * Parses a shard "K/N" (1 <= K <= N <= 10000).
 *
 * @example
 * ```ts
 * import { parseShard } from "@vnmig/vnmig/testbed/qemu";
 * const s = parseShard("2/4");
 * if (s.index !== 2 || s.count !== 4) throw new Error();
 * ```
 */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d{1,5})\/(\d{1,5})$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(index >= 1 && count >= 1 && index <= count && count <= 10000)) {
    throw new RangeError(
      `shard must be K/N with 1 <= K <= N <= 10000; got ${
        JSON.stringify(text)
      }`,
    );
  }
  return { index, count };
}

/**
 * The runs of shard K of N: every N-th run from the K-th, so each shard
 * gets a share of every experiment and the shards together are the plan.
 *
 * @example
 * ```ts
 * import { shardOf, vmExperimentPlan } from "@vnmig/vnmig/testbed/qemu";
 * const plan = vmExperimentPlan({ repeats: 1 });
 * const parts = [1, 2, 3].map((k) => shardOf(plan, { index: k, count: 3 }));
 * if (parts.flat().length !== plan.length) throw new Error();
 * ```
 */
export function shardOf<T>(
  plan: readonly T[],
  shard: { readonly index: number; readonly count: number },
): T[] {
  return plan.filter((_, i) => i % shard.count === shard.index - 1);
}

/**
 * Scaling: the paper's total migration time as the number of migrated
 * flows, the controller's distance and the switches' installation rate
 * grow (C6's "it grows with controller-to-switch distance and with the
 * number of migrated flows"), one factor at a time around the paper
 * testbed.
 *
 * The plan of n flow pairs is the one-pair plan with each phase's messages
 * repeated n times (exactly what {@linkcode planMigration} builds for n
 * pairs), so 100,000 pairs are timed without building 10^6 flow-mod
 * objects; the timing engine is the same.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInteger,
  assertKnownKeys,
  assertPositive,
} from "../_validate.ts";
import { paperTestbedPlan, paperTestbedTopology } from "./paper_topology.ts";
import type { Ordering } from "./plan.ts";
import {
  type CompactPhase,
  compactPlan,
  type CompactSummary,
  compactTiming,
  summarizeCompactTiming,
  TIMING_KEYS,
  type TimingOptions,
} from "./timing.ts";
import {
  type InstallTimeDistribution,
  PAPER_TESTBED_PROFILE,
} from "./profiles.ts";
import type { Topology } from "./topology.ts";

/**
 * Repeats every phase's messages `times` times (the plan of `times` copies
 * of the same flows).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { paperTestbedPlan, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { compactPlan } from "./timing.ts";
 * import { repeatCompactPlan } from "./scale.ts";
 * const net = paperTestbedTopology();
 * const phases = repeatCompactPlan(compactPlan(paperTestbedPlan(net), net), 3);
 * deepStrictEqual(phases.map((p) => p.switchIndex.length), [12, 6, 12]);
 * ```
 */
export function repeatCompactPlan(
  phases: readonly CompactPhase[],
  times: number,
): CompactPhase[] {
  assertInteger("times", times, 1);
  return phases.map((p) => {
    const n = p.switchIndex.length;
    const switchIndex = new Int32Array(n * times);
    const command = new Uint8Array(n * times);
    for (let r = 0; r < times; r++) {
      switchIndex.set(p.switchIndex, r * n);
      command.set(p.command, r * n);
    }
    return { name: p.name, switchIndex, command, barrier: p.barrier };
  });
}

/** Which factor a scaling row varies. */
export type ScalingFactor = "flows" | "controllerDistance" | "installRate";

/** One row of {@linkcode migrationScaling}. */
export interface ScalingRow extends CompactSummary {
  /** The factor varied in this row (the others at the paper's values). */
  readonly factor: ScalingFactor;
  /** Client/server flow pairs migrated. */
  readonly flowPairs: number;
  /** Flows migrated (two per pair). */
  readonly flows: number;
  /** Control hops to the farthest switch. */
  readonly maxControlHops: number;
  /** Flow-mods a switch installs per second (1 / mean installation time). */
  readonly installPerSecond: number;
}

/** Options of {@linkcode migrationScaling}. */
export interface ScalingOptions {
  /** Flow-pair counts of the "flows" rows. Default [1, 10, 100, 1000, 10000, 100000]. */
  flowPairCounts?: readonly number[];
  /** Control hops added to every channel, for the "controllerDistance" rows. Default [0, 1, 2, 4, 8]. */
  extraControlHops?: readonly number[];
  /** Installation rates of the "installRate" rows (constant installation time 1 / rate), per second. Default [100, 1000, 10000, 100000]. */
  installPerSecond?: readonly number[];
  /** The ordering. Default "paper". */
  ordering?: Ordering;
  /** Control latency per hop, seconds. Default {@linkcode PAPER_TESTBED_PROFILE}.controlHopLatencySeconds. */
  controlHopLatencySeconds?: number;
  /** Timing options (controller cost, FlowVisor, seed, baseline installation, whose meanSeconds must be > 0). Default the paper profile. */
  timing?: Omit<TimingOptions, "installBySwitch" | "startSeconds">;
}

function withExtraHops(net: Topology, extra: number, perHop: number): Topology {
  return {
    ...net,
    controller: {
      ...net.controller,
      channels: net.controller.channels.map((c) => ({
        ...c,
        hops: c.hops + extra,
        latencySeconds: (c.hops + extra) * perHop,
      })),
    },
  };
}

/**
 * Tidy rows of the total migration time (and the other timing figures) on
 * the paper testbed, varying one factor at a time: the number of flow
 * pairs, the controller's distance (extra hops on every control channel),
 * and the switches' installation rate.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { migrationScaling } from "@vnmig/vnmig/openflow";
 * const rows = migrationScaling({ flowPairCounts: [1, 100], extraControlHops: [], installPerSecond: [] });
 * deepStrictEqual(rows[1].totalMigrationSeconds > rows[0].totalMigrationSeconds, true);
 * ```
 */
export function migrationScaling(options: ScalingOptions = {}): ScalingRow[] {
  assertKnownKeys("options", options, [
    "flowPairCounts",
    "extraControlHops",
    "installPerSecond",
    "ordering",
    "controlHopLatencySeconds",
    "timing",
  ]);
  assertKnownKeys(
    "timing",
    options.timing,
    TIMING_KEYS.filter((k) => k !== "installBySwitch" && k !== "startSeconds"),
  );
  const perHop = options.controlHopLatencySeconds ??
    PAPER_TESTBED_PROFILE.controlHopLatencySeconds;
  assertAtLeast("controlHopLatencySeconds", perHop, 0);
  const counts = options.flowPairCounts ?? [1, 10, 100, 1000, 10000, 100000];
  const extras = options.extraControlHops ?? [0, 1, 2, 4, 8];
  const rates = options.installPerSecond ?? [100, 1000, 10000, 100000];
  counts.forEach((n, i) => assertInteger(`flowPairCounts[${i}]`, n, 1));
  extras.forEach((n, i) => assertInteger(`extraControlHops[${i}]`, n, 0));
  rates.forEach((r, i) => assertPositive(`installPerSecond[${i}]`, r));
  const timing = options.timing ?? {};
  const baseInstall = timing.install ?? PAPER_TESTBED_PROFILE.install;
  // Rows report 1 / meanSeconds: a zero mean would make it Infinity.
  assertPositive("timing.install.meanSeconds", baseInstall.meanSeconds);
  const net = paperTestbedTopology({ controlHopLatencySeconds: perHop });
  const base = compactPlan(
    paperTestbedPlan(net, options.ordering ?? "paper"),
    net,
  );
  const maxHops = (t: Topology) =>
    Math.max(...t.controller.channels.map((c) => c.hops));
  const row = (
    factor: ScalingFactor,
    pairs: number,
    topo: Topology,
    install: InstallTimeDistribution,
  ): ScalingRow => {
    const phases = repeatCompactPlan(base, pairs);
    const t = compactTiming(phases, topo, { ...timing, install });
    return {
      factor,
      flowPairs: pairs,
      flows: 2 * pairs,
      maxControlHops: maxHops(topo),
      installPerSecond: 1 / install.meanSeconds,
      ...summarizeCompactTiming(phases, t),
    };
  };
  return [
    ...counts.map((n) => row("flows", n, net, baseInstall)),
    ...extras.map((x) =>
      row("controllerDistance", 1, withExtraHops(net, x, perHop), baseInstall)
    ),
    ...rates.map((r) =>
      row("installRate", 1, net, { minSeconds: 1 / r, meanSeconds: 1 / r })
    ),
  ];
}

/**
 * The Open vSwitch testbed's experiments (pure): the paper testbed's
 * scenarios by ordering, the variants the sweep runs (waits after a phase,
 * the datapath cache), and the sweep's grid, in the order it runs.
 *
 * @module
 */

import { assertInteger, assertKnownKeys } from "../../_validate.ts";
import {
  paperTestbedInitialEntries,
  paperTestbedMigrations,
  paperTestbedPlan,
  paperTestbedTopology,
} from "../../openflow/paper_topology.ts";
import type { Ordering } from "../../openflow/plan.ts";
import type { MigrationPlan } from "../../openflow/plan_types.ts";
import { type OvsScenario, ovsScenario } from "./scenario.ts";

/** One kind of run: an ordering, possibly with a wait after one phase, possibly with the datapath cache on. */
export interface OvsVariant {
  /** The plan's ordering. */
  readonly ordering: Ordering;
  /** Label in the CSV ("as planned", "gap after first phase", ...). */
  readonly variant: string;
  /** Wait after the phase `afterPhase` selects, seconds (0: none). */
  readonly gapSeconds: number;
  /** Which phase the wait follows: the first, or the last one that redirects. */
  readonly afterPhase: "first" | "last redirect";
  /** Open vSwitch's datapath flow cache on. */
  readonly datapathFlowCache: boolean;
}

const PLAIN = {
  gapSeconds: 0,
  afterPhase: "first",
  datapathFlowCache: false,
} as const;

/** The paper's ordering exactly as the model builds it. */
export const PAPER_AS_PLANNED: OvsVariant = {
  ...PLAIN,
  ordering: "paper",
  variant: "as planned",
};

/**
 * The paper's ordering with a 10 ms wait between the redirect and the
 * deletion of the old path, so that probes still in flight on the old path
 * (queued between software switches) drain first.
 */
export const PAPER_DRAIN: OvsVariant = {
  ...PLAIN,
  ordering: "paper",
  variant: "drain before delete",
  gapSeconds: 0.01,
  afterPhase: "last redirect",
};

/** The broken orderings, with a 50 ms wait after their first phase (a slow controller or switch) where one is needed to expose them. */
export const BROKEN_VARIANTS: readonly OvsVariant[] = [
  {
    ...PLAIN,
    ordering: "delete-old-first",
    variant: "gap after first phase",
    gapSeconds: 0.05,
  },
  {
    ...PLAIN,
    ordering: "branching-first",
    variant: "gap after first phase",
    gapSeconds: 0.05,
  },
  { ...PLAIN, ordering: "all-at-once", variant: "as planned" },
];

/** Open vSwitch's default: datapath flows cached and updated after the barrier. */
export const CACHED_VARIANTS: readonly OvsVariant[] = [
  {
    ...PLAIN,
    ordering: "paper",
    variant: "cached datapath",
    datapathFlowCache: true,
  },
  {
    ...PLAIN,
    ordering: "all-at-once",
    variant: "cached datapath",
    datapathFlowCache: true,
  },
];

/**
 * The index of the phase a variant's wait follows (the first phase, or the
 * last phase that redirects a flow).
 *
 * @example
 * ```ts
 * import { paperTestbedPlan, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { gapPhaseIndex, PAPER_DRAIN } from "@vnmig/vnmig/testbed";
 * const plan = paperTestbedPlan(paperTestbedTopology());
 * const i = gapPhaseIndex(plan, PAPER_DRAIN);
 * if (!plan.phases[i].messages.some((m) => m.command === "modify")) throw new Error();
 * ```
 */
export function gapPhaseIndex(
  plan: MigrationPlan,
  variant: OvsVariant,
): number {
  if (variant.afterPhase === "first") return 0;
  const last = plan.phases.findLastIndex((p) =>
    p.messages.some((m) => m.command === "modify")
  );
  return Math.max(0, last);
}

/** Options of {@linkcode paperOvsScenario}. */
export interface PaperOvsScenarioOptions {
  /** The variant to run; default {@linkcode PAPER_AS_PLANNED}. */
  readonly variant?: OvsVariant;
  /** Probe rate, packets per second; default 2000. */
  readonly packetsPerSecond?: number;
  /** Probe size (IPv4 length), bytes; default 64. */
  readonly packetSizeBytes?: number;
  /** The model's seed; default 0. */
  readonly seed?: number;
}

/**
 * The scenario of one run on the paper testbed (Fig. 4(b): client - s1 -
 * {s2 old | s3 new} - s4 - server) for a variant.
 *
 * @example
 * ```ts
 * import { BROKEN_VARIANTS, paperOvsScenario } from "@vnmig/vnmig/testbed";
 * const s = paperOvsScenario({ variant: BROKEN_VARIANTS[0], packetsPerSecond: 1000 });
 * if (s.flows.plan.ordering !== "delete-old-first" || s.gapAfterPhaseSeconds[0] !== 0.05) throw new Error();
 * ```
 */
export function paperOvsScenario(
  options: PaperOvsScenarioOptions = {},
): OvsScenario {
  assertKnownKeys("paperOvsScenario options", options, [
    "variant",
    "packetsPerSecond",
    "packetSizeBytes",
    "seed",
  ]);
  const v = options.variant ?? PAPER_AS_PLANNED;
  const topology = paperTestbedTopology();
  const plan = paperTestbedPlan(topology, v.ordering);
  const phase = gapPhaseIndex(plan, v);
  return ovsScenario({
    topology,
    flows: {
      initialEntries: paperTestbedInitialEntries(topology),
      plan,
      migrations: paperTestbedMigrations(topology),
    },
    packetsPerSecond: options.packetsPerSecond,
    packetSizeBytes: options.packetSizeBytes,
    seed: options.seed,
    datapathFlowCache: v.datapathFlowCache,
    gapAfterPhaseSeconds: v.gapSeconds > 0
      ? plan.phases.map((_, i) => (i === phase ? v.gapSeconds : 0))
      : [],
  });
}

/** One run of the sweep. */
export interface OvsSweepPoint {
  /** What to run. */
  readonly variant: OvsVariant;
  /** Probe rate, packets per second. */
  readonly packetsPerSecond: number;
  /** Probe size (IPv4 length), bytes. */
  readonly packetSizeBytes: number;
  /** Repetition index (also the model's seed). */
  readonly repeat: number;
}

/**
 * The sweep `deno task testbed` runs, in order: per repeat, the paper's
 * ordering as planned over rates and both packet sizes, then over fewer
 * rates at 64 bytes the drained paper ordering, the broken orderings and
 * the cached datapath. `quick`: one repeat, rates 1000 and 4000 (2000 for
 * the variants).
 *
 * @example
 * ```ts
 * import { ovsSweepPlan } from "@vnmig/vnmig/testbed";
 * if (ovsSweepPlan({ repeats: 3 }).length !== 84 || ovsSweepPlan({ quick: true }).length !== 10) throw new Error();
 * ```
 */
export function ovsSweepPlan(
  options: { readonly repeats?: number; readonly quick?: boolean } = {},
): OvsSweepPoint[] {
  assertKnownKeys("ovsSweepPlan options", options, ["repeats", "quick"]);
  const quick = options.quick ?? false;
  const repeats = quick ? 1 : options.repeats ?? 3;
  assertInteger("repeats", repeats, 1);
  const rates = quick ? [1000, 4000] : [1000, 2000, 3000, 4000, 5000];
  const variantRates = quick ? [2000] : [1000, 3000, 5000];
  const points: OvsSweepPoint[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const packetSizeBytes of [64, 1500]) {
      for (const packetsPerSecond of rates) {
        points.push({
          variant: PAPER_AS_PLANNED,
          packetsPerSecond,
          packetSizeBytes,
          repeat,
        });
      }
    }
    for (
      const variant of [PAPER_DRAIN, ...BROKEN_VARIANTS, ...CACHED_VARIANTS]
    ) {
      for (const packetsPerSecond of variantRates) {
        points.push({ variant, packetsPerSecond, packetSizeBytes: 64, repeat });
      }
    }
  }
  return points;
}

/**
 * The scenario of a sweep point (its repeat is the model's seed).
 *
 * @example
 * ```ts
 * import { ovsSweepPlan, sweepPointScenario } from "@vnmig/vnmig/testbed";
 * const [first] = ovsSweepPlan();
 * if (sweepPointScenario(first).packetsPerSecond !== 1000) throw new Error();
 * ```
 */
export function sweepPointScenario(point: OvsSweepPoint): OvsScenario {
  return paperOvsScenario({
    variant: point.variant,
    packetsPerSecond: point.packetsPerSecond,
    packetSizeBytes: point.packetSizeBytes,
    seed: point.repeat,
  });
}

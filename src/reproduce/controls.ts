/**
 * Negative controls: for each claim, a change to the mechanism (never to
 * the result rows) under which its check must fail. A control that does not
 * make its claim fail shows that the check could not have caught anything,
 * and the report says so (and `reproduce` exits non-zero).
 *
 * @module
 */

import { assertKnownKeys } from "../_validate.ts";
import {
  paperTestbedMigrations,
  paperTestbedTopology,
} from "../openflow/paper_topology.ts";
import { planMigration } from "../openflow/plan.ts";
import type { MigrationPlan } from "../openflow/plan_types.ts";
import type { SweepRow } from "../sweep/sweep.ts";
import { PAPER_TESTBED } from "../xen/paper_profile.ts";
import { claimById, type ClaimCheck } from "./claims.ts";
import { paperExperiment } from "./paper.ts";

/** A change to a mechanism under which one claim must fail. */
export interface NegativeControl {
  /** The claim it targets (C1 ... C9). */
  readonly claim: string;
  /** The change, in words. */
  readonly change: string;
  /** Each changed mechanism's options, by registry id (only these mechanisms are rerun). */
  readonly mechanismOptions: Readonly<
    Record<string, Readonly<Record<string, unknown>>>
  >;
}

// The paper's ordering with every barrier removed: the controller sends the
// next phase at once.
function paperPlanWithoutBarriers(): MigrationPlan {
  const net = paperTestbedTopology();
  const plan = planMigration(net, paperTestbedMigrations(net));
  return {
    ...plan,
    phases: plan.phases.map((p) => ({ ...p, barrier: false })),
  };
}

const GIGABIT = { ...PAPER_TESTBED, linkBitsPerSecond: 1e9 };

/** The negative controls, at least one per claim. */
export const NEGATIVE_CONTROLS: readonly NegativeControl[] = Object.freeze<
  NegativeControl[]
>([
  {
    claim: "C1",
    change:
      "the router VM's forwarding working set is not bounded by its rings: every packet writes fresh buffer pages anywhere in memory",
    mechanismOptions: {
      "xen-standard": {
        profile: { ...PAPER_TESTBED, bufferPoolPages: 32_000 },
      },
    },
  },
  {
    claim: "C2",
    change:
      "a gigabit migration link: the forwarding buffers cost a tenth of the time",
    mechanismOptions: {
      "xen-standard": { profile: GIGABIT },
      "plane-separation": { profile: GIGABIT },
    },
  },
  {
    claim: "C3",
    change:
      "a gigabit migration link: the outage, and the loss per packet/s, shrink",
    mechanismOptions: { "xen-standard": { profile: GIGABIT } },
  },
  {
    claim: "C4",
    change:
      "plane separation removes the old data path at resume, before the ARP update took effect",
    mechanismOptions: {
      "plane-separation": { oldPathRemoval: "after-resume" },
    },
  },
  {
    claim: "C4",
    change: "OpenFlow deletes the old entries before the redirect",
    mechanismOptions: { openflow: { ordering: "delete-old-first" } },
  },
  {
    claim: "C5",
    change:
      "the forwarding table is synchronised in one bulk step of no cost (no per-route messages)",
    mechanismOptions: {
      "plane-separation": {
        steps: { syncFixedSeconds: 0, syncPerRouteSeconds: 0 },
      },
    },
  },
  {
    claim: "C6",
    change:
      "the controller sends the three phases without waiting for barrier replies",
    mechanismOptions: { openflow: { plan: paperPlanWithoutBarriers() } },
  },
  {
    claim: "C7",
    change:
      "OpenFlow data links of 100 Mbit/s, honoured: 1500-byte packets above 8,333 packets/s queue and overflow",
    mechanismOptions: {
      openflow: { topology: paperTestbedTopology({ linkBitsPerSecond: 1e8 }) },
    },
  },
  {
    claim: "C8",
    change:
      "the source Domain 0 daemon holds at most 2 control packets while the VM is paused",
    mechanismOptions: {
      "plane-separation": { steps: { controlBufferPackets: 2 } },
    },
  },
  {
    claim: "C9",
    change: "OpenFlow deletes the old entries before the redirect",
    mechanismOptions: { openflow: { ordering: "delete-old-first" } },
  },
]);

/** What a negative control found. */
export interface ControlResult {
  /** The control. */
  readonly control: NegativeControl;
  /** Its claim's check on the changed mechanism's runs (with the unchanged mechanisms' runs beside them). */
  readonly check: ClaimCheck;
  /** Whether the control behaved: its claim failed. */
  readonly behaved: boolean;
}

/** Options of {@linkcode runNegativeControls}. */
export interface NegativeControlOptions {
  /** The unchanged runs (every mechanism), whose changed mechanisms' rows are replaced. */
  readonly rows: readonly SweepRow[];
  /** Data packet rates, packets/s. Default the rates in `rows`. */
  readonly packetRatesPerSecond?: readonly number[];
  /** Packet sizes, bytes. Default the sizes in `rows`. */
  readonly packetSizesBytes?: readonly number[];
  /** Runs per point. Default 1. */
  readonly repetitions?: number;
  /** Base seed. Default 0. */
  readonly seed?: number;
  /** Progress callback (controls done, controls in all). */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Runs every negative control: reruns the changed mechanisms on the grid,
 * puts their rows in place of the unchanged ones, and checks the control's
 * claim.
 *
 * @example
 * ```ts
 * import { paperExperiment, runNegativeControls } from "@vnmig/vnmig/reproduce";
 * const rows = paperExperiment({ repetitions: 1, packetRatesPerSecond: [1000, 5000, 10000] });
 * const results = runNegativeControls({ rows });
 * const c8 = results.find((r) => r.control.claim === "C8")!;
 * if (!c8.behaved) throw new Error("a 2-packet buffer must lose control packets");
 * ```
 */
export function runNegativeControls(
  options: NegativeControlOptions,
): ControlResult[] {
  assertKnownKeys("options", options, [
    "rows",
    "packetRatesPerSecond",
    "packetSizesBytes",
    "repetitions",
    "seed",
    "onProgress",
  ]);
  const { rows } = options;
  const rates = options.packetRatesPerSecond ??
    [...new Set(rows.map((r) => r.packetsPerSecond as number))];
  const sizes = options.packetSizesBytes ??
    [...new Set(rows.map((r) => r.packetSizeBytes as number))];
  return NEGATIVE_CONTROLS.map((control, i) => {
    const changed = Object.keys(control.mechanismOptions);
    const rerun = paperExperiment({
      mechanisms: changed,
      mechanismOptions: control.mechanismOptions,
      packetRatesPerSecond: rates,
      packetSizesBytes: sizes,
      repetitions: options.repetitions ?? 1,
      seed: options.seed ?? 0,
    });
    const evidence = [
      ...rows.filter((r) => !changed.includes(r.mechanism as string)),
      ...rerun,
    ];
    const check = claimById(control.claim).check({ rows: evidence });
    options.onProgress?.(i + 1, NEGATIVE_CONTROLS.length);
    return { control, check, behaved: check.status === "fail" };
  });
}

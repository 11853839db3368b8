/**
 * `deno task testbed` (as root): runs the OpenFlow migration on Open vSwitch
 * with real UDP traffic and writes measured against predicted figures to
 * data/testbed/migration.csv.
 *
 * - `deno task testbed` : the sweep (the paper's ordering over rates and
 *   packet sizes; then over rates: the paper's ordering with a drain wait
 *   before the deletes, the broken orderings, and the paper's and
 *   all-at-once again with Open vSwitch's datapath flow cache on), CSV +
 *   SVG plots;
 * - `deno task testbed calibrate` : ten paper-ordering runs (after one
 *   warm-up run), printing the median spacing of the controller's
 *   flow-mods and the median barrier round trip, the figures
 *   {@linkcode OVS_TESTBED_PROFILE} was calibrated to;
 * - options: `--out DIR` (default data/testbed), `--repeats N` (default 3),
 *   `--quick` (one repeat, two rates).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { csvFormat } from "d3-dsv";
import type { Ordering } from "../openflow/plan.ts";
import type { MigrationPlan } from "../openflow/plan_types.ts";
import {
  paperTestbedInitialEntries,
  paperTestbedMigrations,
  paperTestbedPlan,
  paperTestbedTopology,
} from "../openflow/paper_topology.ts";
import { testbedLossFigure, testbedTimingFigure } from "./figures.ts";
import { runTestbedMigration, type TestbedRunResult } from "./experiment.ts";
import { testbedAvailability } from "./ovs.ts";
import { OVS_TESTBED_PROFILE, predictTestbedRun } from "./prediction.ts";
import { type TestbedRow, testbedRow } from "./results.ts";

/** One kind of run: an ordering, possibly with a wait after one phase. */
interface Variant {
  readonly ordering: Ordering;
  /** Label in the CSV. */
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

/** The broken orderings, with a 50 ms wait after their first phase (a slow controller or switch) where one is needed to expose them. */
const BROKEN: readonly Variant[] = [
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

/**
 * The paper's ordering with a 10 ms wait between the redirect and the
 * deletion of the old path, so that probes still in flight on the old path
 * (queued between software switches) drain first.
 */
const PAPER_DRAIN: Variant = {
  ...PLAIN,
  ordering: "paper",
  variant: "drain before delete",
  gapSeconds: 0.01,
  afterPhase: "last redirect",
};

/** Open vSwitch's default: datapath flows cached and updated after the barrier. */
const CACHED: readonly Variant[] = [
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

/** The index of the phase a variant's wait follows. */
function gapPhase(plan: MigrationPlan, v: Variant): number {
  if (v.afterPhase === "first") return 0;
  const last = plan.phases.findLastIndex((p) =>
    p.messages.some((m) => m.command === "modify")
  );
  return Math.max(0, last);
}

async function one(
  v: Variant,
  packetsPerSecond: number,
  packetBytes: number,
  repeat: number,
): Promise<{ row: TestbedRow; result: TestbedRunResult }> {
  const net = paperTestbedTopology();
  const flows = {
    initialEntries: paperTestbedInitialEntries(net),
    plan: paperTestbedPlan(net, v.ordering),
    migrations: paperTestbedMigrations(net),
  };
  const phase = gapPhase(flows.plan, v);
  const gapAfterPhaseSeconds = v.gapSeconds > 0
    ? flows.plan.phases.map((_, i) => (i === phase ? v.gapSeconds : 0))
    : [];
  const result = await runTestbedMigration(net, flows, {
    packetsPerSecond,
    packetBytes,
    gapAfterPhaseSeconds,
    datapathFlowCache: v.datapathFlowCache,
  });
  const prediction = predictTestbedRun(net, flows, {
    packetsPerSecond,
    packetBytes,
    gapAfterPhaseSeconds,
    sendOffsetsSeconds: result.windowSendOffsetsSeconds,
    seed: repeat,
  });
  const row = testbedRow(result, prediction, {
    variant: v.variant,
    gapSeconds: v.gapSeconds,
    gapAfterPhase: v.gapSeconds > 0 ? phase : "",
    repeat,
  });
  console.error(
    `${v.ordering} (${v.variant}) ${packetsPerSecond}/s ${packetBytes} B: ` +
      `total ${(row.measuredTotalMigrationSeconds * 1e3).toFixed(2)} ms ` +
      `(model ${(row.predictedTotalMigrationSeconds * 1e3).toFixed(2)}), ` +
      `table drops ${row.measuredTableMissPackets} ${row.tableMissSwitches}, ` +
      `receiver lost ${row.measuredLostPackets} ` +
      `(model ${row.predictedLostPackets}) ` +
      `of ${row.windowPackets} in window; outside ${row.lostOutsideWindowPackets}` +
      (row.lostOutsideWindowPackets > 0
        ? ` (lost ranges ${JSON.stringify(result.receiver.lostRanges)})`
        : ""),
  );
  return { row, result };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)];
}

async function calibrate(): Promise<void> {
  const spacings: number[] = [];
  const barrierRtts: number[] = [];
  // One warm-up run (cold JIT in the controller), then ten measured ones.
  for (let i = 0; i <= 10; i++) {
    const { result } = await one(
      { ...PLAIN, ordering: "paper", variant: "as planned" },
      1000,
      64,
      i,
    );
    if (i === 0) continue;
    for (const p of result.execution.phases) {
      if (p.messages > 1) {
        spacings.push((p.lastSendMs - p.firstSendMs) / (p.messages - 1) / 1e3);
      }
      barrierRtts.push((p.doneMs - p.lastSendMs) / 1e3);
    }
  }
  console.log(JSON.stringify(
    {
      medianControllerPerMessageSeconds: median(spacings),
      medianBarrierRoundTripSeconds: median(barrierRtts),
      suggestedControlChannelLatencySeconds: (median(barrierRtts) -
        OVS_TESTBED_PROFILE.install.meanSeconds) / 2,
      current: OVS_TESTBED_PROFILE,
    },
    null,
    2,
  ));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      out: { type: "string", default: "data/testbed" },
      repeats: { type: "string", default: "3" },
      quick: { type: "boolean", default: false },
    },
  });
  const { available, reason } = await testbedAvailability();
  if (!available) {
    console.error(`testbed unavailable: ${reason}`);
    Deno.exit(2);
  }
  if (positionals[0] === "calibrate") return await calibrate();
  const repeats = values.quick ? 1 : Number(values.repeats);
  const rates = values.quick ? [1000, 4000] : [1000, 2000, 3000, 4000, 5000];
  const rows: TestbedRow[] = [];
  const paper: Variant = { ...PLAIN, ordering: "paper", variant: "as planned" };
  const sweepRates = values.quick ? [2000] : [1000, 3000, 5000];
  for (let r = 0; r < repeats; r++) {
    for (const bytes of [64, 1500]) {
      for (const rate of rates) {
        rows.push((await one(paper, rate, bytes, r)).row);
      }
    }
    for (const v of [PAPER_DRAIN, ...BROKEN, ...CACHED]) {
      for (const rate of sweepRates) rows.push((await one(v, rate, 64, r)).row);
    }
  }
  await Deno.mkdir(values.out, { recursive: true });
  const csvPath = `${values.out}/migration.csv`;
  await Deno.writeTextFile(
    csvPath,
    csvFormat(rows as unknown as object[]) + "\n",
  );
  const saved = [
    ...testbedLossFigure(rows).save(`${values.out}/migration_loss`, ["svg"]),
    ...testbedTimingFigure(rows).save(`${values.out}/migration_timing`, [
      "svg",
    ]),
  ];
  console.error(`wrote ${saved.join(", ")}`);
  console.error(`wrote ${csvPath} (${rows.length} runs)`);
}

if (import.meta.main) await main();

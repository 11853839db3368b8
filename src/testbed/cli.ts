/**
 * `deno task testbed` (as root): runs the OpenFlow migration on Open vSwitch
 * with real UDP traffic and writes measured against predicted figures to
 * data/testbed/migration.csv.
 *
 * - `deno task testbed` : the sweep (paper ordering over rates and packet
 *   sizes; broken orderings over rates; paper and all-at-once again with
 *   Open vSwitch's datapath flow cache on), CSV + SVG plots;
 * - `deno task testbed calibrate` : ten paper-ordering runs, printing the
 *   controller's per-message spacing and the barrier round trips, the
 *   figures {@linkcode OVS_TESTBED_PROFILE} was calibrated to;
 * - options: `--out DIR` (default data/testbed), `--repeats N` (default 3),
 *   `--quick` (one repeat, two rates).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { csvFormat } from "d3-dsv";
import type { Ordering } from "../openflow/plan.ts";
import {
  paperTestbedInitialEntries,
  paperTestbedPlan,
  paperTestbedTopology,
} from "../openflow/paper_topology.ts";
import { testbedLossFigure, testbedTimingFigure } from "./figures.ts";
import { runTestbedMigration, type TestbedRunResult } from "./experiment.ts";
import { testbedAvailability } from "./ovs.ts";
import { OVS_TESTBED_PROFILE, predictTestbedRun } from "./prediction.ts";
import { type TestbedRow, testbedRow } from "./results.ts";

/** The broken orderings run, with the gap inserted after their first phase (seconds). */
const BROKEN: readonly { ordering: Ordering; gapSeconds: number }[] = [
  { ordering: "delete-old-first", gapSeconds: 0.05 },
  { ordering: "branching-first", gapSeconds: 0.05 },
  { ordering: "all-at-once", gapSeconds: 0 },
];

async function one(
  ordering: Ordering,
  packetsPerSecond: number,
  packetBytes: number,
  gapSeconds: number,
  repeat: number,
  datapathFlowCache = false,
): Promise<{ row: TestbedRow; result: TestbedRunResult }> {
  const net = paperTestbedTopology();
  const flows = {
    initialEntries: paperTestbedInitialEntries(net),
    plan: paperTestbedPlan(net, ordering),
  };
  const gapAfterPhaseSeconds = gapSeconds > 0 ? [gapSeconds] : [];
  const result = await runTestbedMigration(net, flows, {
    packetsPerSecond,
    packetBytes,
    gapAfterPhaseSeconds,
    datapathFlowCache,
  });
  const prediction = predictTestbedRun(net, flows, {
    packetsPerSecond,
    gapAfterPhaseSeconds,
    sendOffsetsSeconds: result.windowSendOffsetsSeconds,
    seed: repeat,
  });
  const row = testbedRow(result, prediction, { gapSeconds, repeat });
  console.error(
    `${ordering}${
      datapathFlowCache ? " (cached datapath)" : ""
    } ${packetsPerSecond}/s ${packetBytes} B gap ${gapSeconds}s: ` +
      `total ${(row.measuredTotalMigrationSeconds * 1e3).toFixed(2)} ms ` +
      `(model ${(row.predictedTotalMigrationSeconds * 1e3).toFixed(2)}), ` +
      `table drops ${row.measuredTableMissPackets}, receiver lost ${row.measuredLostPackets} ` +
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
  for (let i = 0; i < 10; i++) {
    const { result } = await one("paper", 1000, 64, 0, i);
    for (const p of result.execution.phases) {
      if (p.messages > 1) {
        spacings.push((p.lastSendMs - p.firstSendMs) / (p.messages - 1) / 1e3);
      }
      barrierRtts.push((p.doneMs - p.lastSendMs) / 1e3);
    }
  }
  const mean = spacings.reduce((s, x) => s + x, 0) / spacings.length;
  console.log(JSON.stringify(
    {
      controllerPerMessageSeconds: mean,
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
  for (let r = 0; r < repeats; r++) {
    for (const bytes of [64, 1500]) {
      for (const rate of rates) {
        rows.push((await one("paper", rate, bytes, 0, r)).row);
      }
    }
    for (const b of BROKEN) {
      for (const rate of values.quick ? [2000] : [1000, 3000, 5000]) {
        rows.push((await one(b.ordering, rate, 64, b.gapSeconds, r)).row);
      }
    }
    // Open vSwitch's default: cached datapath flows, updated a few ms after
    // the barrier reply.
    for (const ordering of ["paper", "all-at-once"] as const) {
      for (const rate of values.quick ? [2000] : [1000, 3000, 5000]) {
        rows.push((await one(ordering, rate, 64, 0, r, true)).row);
      }
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

// The VM testbed's prediction (pure, no root): it reads only the inputs
// measured before the migration (a negative control on every outcome
// column), its arithmetic on small fixtures, the calibration subset
// disjoint from the predicted runs, non-convergence predicted as such,
// bad input named, and merge's outputs read back as the notebook reads
// them.

import {
  deepStrictEqual,
  notDeepStrictEqual,
  ok,
  strictEqual,
  throws,
} from "node:assert/strict";
import {
  forwardingBuffers,
  precopyMigration,
  qemu,
  uniformWrites,
} from "../src/precopy/mod.ts";
import {
  calibrateVmModel,
  predictVmRun,
  readVmRuns,
  type Row,
  rowsToCsv,
  VM_PREDICTION_INPUT_COLUMNS,
  VM_ROUND_COLUMNS,
  VM_RUN_COLUMNS,
  VM_TESTBED_TOLERANCES,
  vmCalibrationRole,
  vmExperimentPlan,
  vmMergedResults,
  type VmModelParameters,
  vmOutcomes,
  vmPredictionInputs,
  vmPredictionRow,
  vmRowComparison,
} from "../src/testbed/qemu/mod.ts";
import { writeVmOutputs } from "../src/testbed/qemu/outputs.ts";
import { compareOutcomes } from "../src/migration/mod.ts";

const PARAMETERS: VmModelParameters = {
  setupSeconds: 0.1,
  extraRamPages: 130,
  rxRingPages: 256,
  backgroundDirtyPagesPerSecond: 40,
  linkEfficiency: 1,
  idleFixedOutageSeconds: 0.12,
  busyFixedOutageSeconds: 0.16,
  iterationSeconds: 0.08,
  tailZeroPages: 320,
  forwardingCapacity: [
    { router: "idle", packetSizeBytes: 1500, packetsPerSecond: 6800 },
    { router: "busy", packetSizeBytes: 1500, packetsPerSecond: 6500 },
    { router: "busy", packetSizeBytes: 64, packetsPerSecond: 9700 },
  ],
};

/** A run row with every column of the sweep's schema: inputs as measured, outcomes plausible. */
function runRow(o: {
  key?: string;
  experiment?: string;
  repeat?: number;
  busy?: boolean;
  rate?: number;
  size?: number;
  limit?: number;
  downtime?: number;
  completed?: boolean;
} = {}): Row {
  const busy = o.busy ?? false;
  const rate = o.rate ?? 1000;
  const size = o.size ?? 64;
  const limit = o.limit ?? 0.3;
  const experiment = o.experiment ?? "rates";
  const repeat = o.repeat ?? 0;
  const row: Row = {};
  for (const c of Object.keys(VM_RUN_COLUMNS)) row[c] = null;
  const downtime = o.downtime ?? (busy ? 0.43 : 0.31);
  const goodput = 11.95e6;
  const stopBytes = (downtime - (busy ? 0.16 : 0.12)) * goodput;
  Object.assign(row, {
    key: o.key ??
      `${experiment}/${
        busy ? "busy" : "idle"
      }/${rate}pps/${size}B/limit${limit}/${
        busy ? "2000x16384" : "none"
      }/r${repeat}`,
    experiment,
    router: busy ? "busy" : "idle",
    repeat,
    packetsPerSecond: rate,
    packetSizeBytes: size,
    memoryKiB: 262136,
    linkBitsPerSecond: 100e6,
    downtimeLimitSeconds: limit,
    autoConverge: false,
    dirtierPagesPerSecond: busy ? 2000 : 0,
    dirtierWorkingSetPages: busy ? 16384 : 0,
    dirtierPattern: busy ? "rr" : "",
    ramCheck: false,
    runLabel: "vnab12",
    startedAt: "2026-12-02T04:26:00Z",
    qemuVersion: "7.2.22",
    kernelPackage: "linux-image-cloud-amd64",
    imageHash: "h",
    inNonZeroPages: busy ? 33_860 : 23_800,
    inTotalPages: 65_534,
    inLinkGoodputBytesPerSecond: goodput,
    inDirtierAchievedPagesPerSecond: busy ? 2000 : null,
    bootSeconds: 4,
    completed: o.completed ?? true,
    note: "",
    downtimeSeconds: downtime,
    holdSeconds: 0,
    dataOutageSeconds: downtime,
    totalMigrationSeconds: busy ? 30 : 8.45,
    stopSeconds: busy ? 29.6 : 8.1,
    resumeSeconds: busy ? 29.6 + downtime : 8.1 + downtime,
    rounds: busy ? 15 : 2,
    syncCount: busy ? 17 : 4,
    setupSeconds: 0.1,
    precopySeconds: busy ? 29.6 : 8.1,
    round1Seconds: busy ? 11.6 : 7.9,
    round1Pages: 64_800,
    lastRoundPendingPages: 800,
    lastSyncPendingPages: 800,
    lastSyncDirtiedPages: 10,
    lastSyncSinceLastSeconds: 0.1,
    transferredBytes: 99e6,
    qemuRamTotalPages: 65_664,
    stopAndCopyBytes: stopBytes,
    qemuTotalTimeSeconds: 8.3,
    qemuDowntimeSeconds: downtime - 0.1,
    qemuDowntimeErrorSeconds: -0.1,
    qemuMbps: 96,
    maxCpuThrottlePercent: 0,
    sentPackets: Math.round(rate * 14),
    lostPackets: Math.round(rate * downtime),
    lostBeforeTrigger: 0,
    lostPrecopy: 0,
    lostOutage: Math.round(rate * downtime),
    lostAfter: 0,
    lostInSetup: 0,
    sentPrecopy: Math.round(rate * 8.1),
    windowLostPackets: Math.round(rate * downtime),
    windowStartMinusStopSeconds: 0,
    windowEndMinusResumeSeconds: 0,
    rateTimesDowntimePackets: rate * downtime,
    delayedPackets: 10,
    maxDelaySeconds: 0.3,
    meanDelaySeconds: 0.1,
    delayedPrecopy: 0,
    delayedOutage: 0,
    delayedAfter: 10,
    baselineDelaySeconds: 0.001,
    duplicatedPackets: 0,
    reorderedPackets: 0,
    sendErrors: 0,
    ramCheckedPages: null,
    ramDifferingPages: null,
    invariantsHold: true,
    invariantFailures: "",
  });
  return row;
}

/** The run's round rows (round 1 and 2), as the sweep writes them. */
function roundRows(run: Row, dirtiedInRound1: number): Row[] {
  const r1 = Number(run.round1Seconds);
  return [
    {
      key: run.key,
      round: 1,
      startSeconds: 0.1,
      endSeconds: 0.1 + r1,
      pendingPagesAtStart: 65_400,
      dirtiedPagesAtSync: 65_663,
      sentPages: 64_800,
      sentNormalPages: Number(run.inNonZeroPages) + 130 - 560,
      sentBytes: 1.01 * 11.95e6 * r1,
    },
    {
      key: run.key,
      round: 2,
      startSeconds: 0.1 + r1,
      endSeconds: 0.2 + r1,
      pendingPagesAtStart: 880,
      dirtiedPagesAtSync: dirtiedInRound1,
      sentPages: 100,
      sentNormalPages: 100,
      sentBytes: 410_400,
    },
  ];
}

function perturb(v: Row[string]): Row[string] {
  if (typeof v === "number") return v * 1.7 + 1;
  if (typeof v === "boolean") return !v;
  if (v === null) return 12345;
  return `${v}-changed`;
}

Deno.test("prediction: no outcome column moves it; every input column does", () => {
  const busy = runRow({ busy: true, rate: 10_000, size: 1500 });
  const idle = runRow({ rate: 10_000, size: 1500 });
  for (const base of [busy, idle]) {
    const reference = predictVmRun(vmPredictionInputs(base), PARAMETERS);
    const outcomes = Object.keys(VM_RUN_COLUMNS).filter((c) =>
      !VM_PREDICTION_INPUT_COLUMNS.includes(c)
    );
    strictEqual(outcomes.length, Object.keys(VM_RUN_COLUMNS).length - 12);
    for (const c of outcomes) {
      const changed = { ...base, [c]: perturb(base[c]) };
      deepStrictEqual(
        predictVmRun(vmPredictionInputs(changed), PARAMETERS),
        reference,
        `outcome column ${c} changed the prediction`,
      );
    }
  }
  // Each input moves it (where it applies: the configured dirtier rate
  // only when no achieved rate was measured, the pattern only with a dirtier).
  const reference = predictVmRun(vmPredictionInputs(busy), PARAMETERS);
  const changes: [string, Row[string], Row][] = [
    ["packetsPerSecond", 7500, busy],
    ["packetSizeBytes", 64, busy],
    ["downtimeLimitSeconds", 0.5, busy],
    ["autoConverge", true, busy],
    ["dirtierWorkingSetPages", 8192, busy],
    ["dirtierPattern", "random", busy],
    ["inNonZeroPages", 30_000, busy],
    ["inTotalPages", 60_000, busy],
    ["inLinkGoodputBytesPerSecond", 11e6, busy],
    ["inDirtierAchievedPagesPerSecond", 1500, busy],
    // A non-converging plan key: its bound (90 s) is the plan's.
    ["key", "non-converging/busy/1000pps/64B/limit0.05/2000x16384/r0", busy],
  ];
  for (const [c, value, base] of changes) {
    const changed = { ...base, [c]: value };
    if (c === "key") {
      Object.assign(changed, { downtimeLimitSeconds: 0.05 });
      const bounded = predictVmRun(vmPredictionInputs(changed), PARAMETERS);
      const unbounded = predictVmRun(
        vmPredictionInputs({ ...changed, key: "a run of my own" }),
        PARAMETERS,
      );
      strictEqual(bounded.inputs.maxMigrationSeconds, 90);
      strictEqual(unbounded.inputs.maxMigrationSeconds, 120);
      continue;
    }
    notDeepStrictEqual(
      predictVmRun(vmPredictionInputs(changed), PARAMETERS),
      reference,
      `input column ${c} did not change the prediction`,
    );
  }
  const configured = { ...busy, inDirtierAchievedPagesPerSecond: null };
  notDeepStrictEqual(
    predictVmRun(
      vmPredictionInputs({ ...configured, dirtierPagesPerSecond: 1500 }),
      PARAMETERS,
    ),
    predictVmRun(vmPredictionInputs(configured), PARAMETERS),
  );
});

Deno.test("prediction: the engine over the data pages, zero pages first; outage, loss and total by hand", () => {
  const inputs = vmPredictionInputs(runRow({ rate: 10_000, size: 1500 }));
  const p = predictVmRun(inputs, PARAMETERS);
  // The same engine call, written out: the zero pages but the tail's go in the setup.
  const link = 11.95e6;
  const zero = 65_534 - 23_800;
  const early = zero - 320;
  const data = 23_800 + 130;
  const engine = precopyMigration({
    policy: qemu({
      downtimeLimitSeconds: 0.3,
      maxBandwidthBytesPerSecond: 1.25e9,
      checkIntervalSeconds: 0.08,
    }),
    memoryPages: data + 320,
    nonZeroPages: data,
    linkBitsPerSecond: link * 8,
    dirty: [
      forwardingBuffers({
        packetsPerSecond: 10_000,
        netfront: "rx-copy",
        rxBufferPages: 256,
      }),
      uniformWrites({ pagesPerSecond: 40, regionPages: data - 256 }),
    ],
    setupSeconds: 0.1 + early * 9 / link,
    resumeSeconds: 0.12,
    limits: { seconds: 120 },
  });
  ok(engine.converged);
  strictEqual(p.iterations, engine.iterations);
  strictEqual(p.stopAndCopyPages, engine.stopAndCopyPages);
  strictEqual(p.round1Pages, engine.rounds[0].pagesSent + early);
  strictEqual(p.rounds[0].startSeconds, 0.1);
  // An idle guest's pass ends among data pages: about the threshold is left for round 2.
  strictEqual(p.rounds.length, 2);
  ok(p.rounds[0].pendingPagesAtEnd > 0.8 * 0.3 * link / 4096);
  // Outage = stop-and-copy over the link + the fixed part, exactly.
  strictEqual(p.stopAndCopySeconds, engine.stopAndCopyBytes / link);
  strictEqual(p.downtimeSeconds, p.stopAndCopySeconds + 0.12);
  strictEqual(p.totalMigrationSeconds, engine.totalSeconds);
  // Lost = rate x outage + (rate - capacity) x (trigger to STOP).
  strictEqual(p.lostOutagePackets, 10_000 * p.downtimeSeconds);
  strictEqual(p.lostPrecopyPackets, (10_000 - 6800) * engine.iterativeSeconds);
  strictEqual(
    p.data.lostPackets,
    Math.round(10_000 * p.downtimeSeconds + 3200 * engine.iterativeSeconds),
  );
  // Below capacity, or a size with none calibrated: no pre-copy loss.
  strictEqual(
    predictVmRun({ ...inputs, packetsPerSecond: 6800 }, PARAMETERS)
      .lostPrecopyPackets,
    0,
  );
  strictEqual(
    predictVmRun({ ...inputs, packetSizeBytes: 64 }, PARAMETERS)
      .lostPrecopyPackets,
    0,
  );
  // A link twice as fast halves round 1's sending, less the twice larger
  // threshold it leaves for round 2.
  const fast = predictVmRun(
    { ...inputs, linkGoodputBytesPerSecond: 2 * link },
    PARAMETERS,
  );
  const r1 = (x: typeof p) => x.rounds[0].endSeconds - x.rounds[0].startSeconds;
  const ratio = r1(fast) / r1(p);
  ok(ratio > 0.47 && ratio < 0.5, `${r1(fast)} vs ${r1(p)}`);
});

Deno.test("prediction: a guest that dirties faster than the link is predicted not to complete", () => {
  const overloaded = {
    ...runRow({
      key: "non-converging/overloaded/1000pps/64B/limit0.3/4000x16384/r0",
      experiment: "non-converging",
      busy: true,
      completed: false,
    }),
    router: "overloaded",
    dirtierPagesPerSecond: 4000,
    inDirtierAchievedPagesPerSecond: 4000,
    downtimeSeconds: 0,
    lostPackets: 3,
  };
  const p = predictVmRun(vmPredictionInputs(overloaded), PARAMETERS);
  strictEqual(p.completed, false);
  strictEqual(p.downtimeSeconds, 0);
  strictEqual(p.totalMigrationSeconds, 90);
  ok(p.note.startsWith("not converged"), p.note);
  const row = vmPredictionRow(overloaded, p);
  strictEqual(row.completedAgrees, true);
  strictEqual(row.withinTolerance, true);
  strictEqual(row.downtimeWithin, null);
  // A 50 ms limit is below what the busy guest dirties in one iteration
  // (2000 + 1000 pages/s x 80 ms against 146 pages): never met; 300 ms is.
  const busy = vmPredictionInputs(runRow({ busy: true }));
  strictEqual(
    predictVmRun({ ...busy, downtimeLimitSeconds: 0.05 }, PARAMETERS)
      .completed,
    false,
  );
  strictEqual(predictVmRun(busy, PARAMETERS).completed, true);
  // Negative control: a run measured complete is outside whatever its numbers.
  const wrong = vmPredictionRow({ ...overloaded, completed: true }, p);
  strictEqual(wrong.completedAgrees, false);
  strictEqual(wrong.withinTolerance, false);
});

function fixtureSweep(): { runs: Row[]; rounds: Row[] } {
  const runs: Row[] = [];
  const rounds: Row[] = [];
  const downtimes = [0.30, 0.32, 0.28, 0.34];
  let k = 0;
  for (const repeat of [0, 1]) {
    for (const busy of [false, true]) {
      for (const rate of [1000, 5000]) {
        const d = downtimes[k++ % 4] + (busy ? 0.12 : 0);
        const run = runRow({ repeat, busy, rate, downtime: d });
        runs.push(run);
        rounds.push(...roundRows(run, busy ? 16_000 : 316));
      }
    }
  }
  const limit = runRow({
    experiment: "downtime-limit",
    busy: true,
    limit: 0.1,
    downtime: 0.25,
  });
  runs.push(limit);
  rounds.push(...roundRows(limit, 16_000));
  return { runs, rounds };
}

Deno.test("calibration: medians of the calibration runs by hand; the subset is disjoint from the predicted runs", () => {
  const { runs, rounds } = fixtureSweep();
  const c = calibrateVmModel(runs, rounds);
  const keys = runs.filter((r) => r.experiment === "rates" && r.repeat === 0)
    .map((r) => String(r.key)).sort();
  deepStrictEqual(c.calibrationKeys, keys);
  strictEqual(keys.length, 4);
  // Idle repeat 0: downtimes 0.30 and 0.32, minus stop-and-copy bytes of
  // (d - 0.12) x goodput over goodput x 1.01: d - (d - 0.12) / 1.01.
  const fixed = (d: number) => d - (d - 0.12) / 1.01;
  ok(
    Math.abs(
      c.parameters.idleFixedOutageSeconds - (fixed(0.30) + fixed(0.32)) / 2,
    ) < 1e-12,
  );
  ok(Math.abs(c.parameters.linkEfficiency - 1.01) < 1e-12);
  strictEqual(c.parameters.extraRamPages, 130);
  // 316 pages dirtied over round 1's 7.9 s, 256 of them the RX ring's.
  ok(
    Math.abs(c.parameters.backgroundDirtyPagesPerSecond - 60 / 7.9) < 1e-12,
  );
  // The shortest round after round 1: round 2's 0.1 s.
  ok(Math.abs(c.parameters.iterationSeconds - 0.1) < 1e-12);
  // 800 pages pending at the last sync, sent as (d - 0.12) x goodput bytes:
  // (800 x 4104 - bytes) / 4095 zero pages, the median of the idle runs'.
  const zeros = (d: number) => (800 * 4104 - (d - 0.12) * 11.95e6) / 4095;
  strictEqual(
    c.parameters.tailZeroPages,
    Math.round((zeros(0.30) + zeros(0.32)) / 2),
  );
  deepStrictEqual(c.parameters.forwardingCapacity, []);
  strictEqual(c.provenance.idleFixedOutageSeconds.runs, 2);
  // Roles: disjoint, and together every run.
  const plan = vmExperimentPlan();
  const cal = plan.filter((r) => vmCalibrationRole(r) === "calibration");
  const predicted = plan.filter((r) => vmCalibrationRole(r) === "predicted");
  strictEqual(cal.length, 28);
  strictEqual(predicted.length, plan.length - 28);
  const calKeys = new Set(cal.map((r) => r.key));
  ok(predicted.every((r) => !calKeys.has(r.key)));
  // The predicted runs' outcomes do not enter the calibration.
  const garbled = runs.map((r) =>
    vmCalibrationRole(r) === "predicted"
      ? { ...r, downtimeSeconds: 9, stopAndCopyBytes: 1, setupSeconds: 5 }
      : r
  );
  deepStrictEqual(calibrateVmModel(garbled, rounds), c);
  // Negative control: a calibration run's outcome does.
  const moved = runs.map((r) =>
    r.key === keys[0] ? { ...r, downtimeSeconds: 0.9 } : r
  );
  notDeepStrictEqual(calibrateVmModel(moved, rounds).parameters, c.parameters);
});

Deno.test("merged rows: a predicted run's own outcome moves its errors, never its prediction", () => {
  const { runs, rounds } = fixtureSweep();
  const merged = vmMergedResults(runs, rounds);
  const i = runs.findIndex((r) => r.role !== "calibration" && r.repeat === 1);
  const moved = runs.map((r, k) =>
    k === i ? { ...r, downtimeSeconds: 1.5, lostPackets: 99_999 } : r
  );
  const again = vmMergedResults(moved, rounds);
  for (const c of Object.keys(merged.runs[i])) {
    if (!c.startsWith("predicted")) continue;
    strictEqual(again.runs[i][c], merged.runs[i][c], c);
  }
  strictEqual(merged.runs[i].role, "predicted");
  strictEqual(again.runs[i].downtimeWithin, false);
  strictEqual(again.runs[i].withinTolerance, false);
  strictEqual(
    again.runs[i].downtimeErrorSeconds,
    1.5 - (merged.runs[i].predictedDowntimeSeconds as number),
  );
});

Deno.test("tolerance: decided exactly at its edge", () => {
  const row = {
    completed: true,
    predictedCompleted: true,
    downtimeSeconds: 0.36 + 0.06 + 0.25 * 0.36,
    dataOutageSeconds: 0.5,
    totalMigrationSeconds: 10,
    predictedDowntimeSeconds: 0.36,
    predictedTotalMigrationSeconds: 10,
    sentPackets: 10_000,
    lostPackets: 100 + 60 + 25,
    predictedLostPackets: 100,
  };
  ok(vmRowComparison(row).withinTolerance);
  ok(!vmRowComparison({ ...row, lostPackets: 186 }).withinTolerance);
  ok(!vmRowComparison({ ...row, downtimeSeconds: 0.52 }).withinTolerance);
  // Probes lost before the trigger are not the migration's.
  ok(
    vmRowComparison({ ...row, lostPackets: 1185, lostBeforeTrigger: 1000 })
      .withinTolerance,
  );
  strictEqual(
    vmOutcomes({ ...row, lostPackets: 1185, lostBeforeTrigger: 1000 }).measured
      .data.lostPackets,
    185,
  );
  const { measured, predicted } = vmOutcomes(row);
  strictEqual(
    compareOutcomes(measured, predicted, VM_TESTBED_TOLERANCES).length,
    3,
  );
});

Deno.test("bad input: the error names the parameter", () => {
  const inputs = vmPredictionInputs(runRow({ busy: true }));
  const cases: [() => unknown, string][] = [
    [
      () => predictVmRun({ ...inputs, nonZeroPages: 70_000 }, PARAMETERS),
      "inputs.nonZeroPages",
    ],
    [
      () =>
        predictVmRun({ ...inputs, linkGoodputBytesPerSecond: 0 }, PARAMETERS),
      "inputs.linkGoodputBytesPerSecond",
    ],
    [
      () => predictVmRun({ ...inputs, packetsPerSecond: NaN }, PARAMETERS),
      "inputs.packetsPerSecond",
    ],
    [
      () =>
        predictVmRun(
          {
            ...inputs,
            dirtier: { ...inputs.dirtier!, pattern: "zigzag" as "rr" },
          },
          PARAMETERS,
        ),
      "inputs.dirtier.pattern",
    ],
    [
      () =>
        predictVmRun(inputs, { ...PARAMETERS, idleFixedOutageSeconds: -0.1 }),
      "parameters.idleFixedOutageSeconds",
    ],
    [
      () => predictVmRun(inputs, { ...PARAMETERS, linkEfficiency: Infinity }),
      "parameters.linkEfficiency",
    ],
    [
      () =>
        predictVmRun(
          { ...inputs, linkGoodput: 1 } as unknown as typeof inputs,
          PARAMETERS,
        ),
      "linkGoodput",
    ],
    [
      () => vmPredictionInputs({ ...runRow(), inNonZeroPages: null }),
      "inNonZeroPages",
    ],
    [() => calibrateVmModel([], []), "calibration runs"],
    [() => readVmRuns("key,experiment\nx,y\n"), "header"],
  ];
  for (const [f, name] of cases) {
    throws(
      f,
      (e: Error) => e instanceof RangeError && e.message.includes(name),
      name,
    );
  }
});

Deno.test("merge outputs: written whole, read back as the notebook reads them; nothing on a failure", async () => {
  const { runs, rounds } = fixtureSweep();
  const dir = Deno.makeTempDirSync();
  try {
    const merged = await writeVmOutputs(dir, runs, rounds, () => {});
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    deepStrictEqual(files, [
      "calibration.json",
      "downtime_by_limit.svg",
      "downtime_by_rate.svg",
      "loss_by_rate.svg",
      "predicted_rounds.csv",
      "rounds.csv",
      "rounds.svg",
      "runs.csv",
      "summary.csv",
    ]);
    const back = readVmRuns(Deno.readTextFileSync(`${dir}/runs.csv`));
    strictEqual(back.length, runs.length);
    deepStrictEqual(back, merged);
    for (const row of back) {
      strictEqual(vmRowComparison(row).withinTolerance, row.withinTolerance);
    }
    const calibration = JSON.parse(
      Deno.readTextFileSync(`${dir}/calibration.json`),
    );
    strictEqual(calibration.calibrationKeys.length, 4);
    strictEqual(calibration.predictedRuns, runs.length - 4);
    // No calibration run: nothing written at all.
    const empty = Deno.makeTempDirSync();
    try {
      await writeVmOutputs(
        empty,
        runs.filter((r) => r.repeat !== 0),
        rounds,
        () => {},
      ).then(() => {
        throw new Error("accepted");
      }, (e: Error) => ok(e.message.includes("calibration runs")));
      deepStrictEqual([...Deno.readDirSync(empty)], []);
    } finally {
      Deno.removeSync(empty, { recursive: true });
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("merge command: shards joined, predicted and written; a run in two shards refused", async () => {
  const { runs, rounds } = fixtureSweep();
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/parts`);
    const half = (k: number) => runs.filter((_, i) => i % 2 === k);
    for (const k of [0, 1]) {
      const keys = new Set(half(k).map((r) => r.key));
      Deno.writeTextFileSync(
        `${dir}/parts/runs.${k + 1}-of-2.csv`,
        rowsToCsv(half(k), VM_RUN_COLUMNS),
      );
      Deno.writeTextFileSync(
        `${dir}/parts/rounds.${k + 1}-of-2.csv`,
        rowsToCsv(rounds.filter((r) => keys.has(r.key)), VM_ROUND_COLUMNS),
      );
    }
    const merge = () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../src/cli/vmtestbed.ts", import.meta.url).pathname,
          "merge",
          "--out",
          dir,
        ],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
    const ok1 = await merge();
    const err = new TextDecoder().decode(ok1.stderr);
    strictEqual(ok1.code, 0, err);
    ok(err.includes(`within the model's tolerance`), err);
    ok(err.includes("all/all: 9,"), err);
    const back = readVmRuns(Deno.readTextFileSync(`${dir}/runs.csv`));
    deepStrictEqual(
      back.map((r) => r.key),
      runs.map((r) => String(r.key)).sort(),
    );
    // The same run in both shards: refused, and runs.csv left as it was.
    const before = Deno.readTextFileSync(`${dir}/runs.csv`);
    Deno.writeTextFileSync(
      `${dir}/parts/runs.2-of-2.csv`,
      rowsToCsv([...half(1), half(0)[0]], VM_RUN_COLUMNS),
    );
    const twice = await merge();
    strictEqual(twice.code, 1);
    ok(new TextDecoder().decode(twice.stderr).includes("is in both"));
    strictEqual(Deno.readTextFileSync(`${dir}/runs.csv`), before);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

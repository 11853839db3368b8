// The VM testbed's pure parts: the analysis of a recorded run, the
// invariants and their negative controls, rows and CSV round trips, the
// experiment plan and its shards. No root needed.
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { analyzeVmRun, vmRunInvariants } from "../src/testbed/qemu/analysis.ts";
import {
  parseShard,
  shardOf,
  vmExperimentPlan,
} from "../src/testbed/qemu/experiments.ts";
import type {
  MigrationSample,
  VmRunRecord,
} from "../src/testbed/qemu/record.ts";
import {
  parseRowsCsv,
  rowsToCsv,
  VM_ROUND_COLUMNS,
  VM_RUN_COLUMNS,
  vmRoundRows,
  vmRunRow,
} from "../src/testbed/qemu/rows.ts";
import {
  resolveMemoryKiB,
  resolveVmScenario,
} from "../src/testbed/qemu/scenario.ts";

const T0 = 1_000_000;

function sample(atMs: number, o: Partial<MigrationSample>): MigrationSample {
  return {
    atMs,
    status: "active",
    transferredBytes: 0,
    remainingBytes: 0,
    zeroPages: 0,
    normalPages: 0,
    dirtySyncCount: 0,
    dirtyPagesRate: 0,
    mbps: 0,
    cpuThrottlePercent: 0,
    ...o,
  };
}

/**
 * 2000 probes/s for 10 s from T0; trigger at T0 + 2 s; STOP at T0 + 6 s,
 * RESUME at T0 + 6.3 s: probes sent in [STOP, RESUME) are lost, those sent
 * in the last 5 ms before STOP arrive 0.3 s late (held in the guest), and
 * every other one after 1 ms.
 */
function record(shiftLossMs = 0, extraLost: number[] = []): VmRunRecord {
  const rate = 2000;
  const sentMs = Array.from({ length: 20000 }, (_, k) => T0 + k * 1000 / rate);
  const S = T0 + 6000;
  const R = T0 + 6300;
  const arrivalMs = sentMs.map((t, k) => {
    if (extraLost.includes(k)) return null;
    if (t >= S + shiftLossMs && t < R + shiftLossMs) return null;
    if (t >= S - 5 && t < S) return R + 1;
    return t + 1;
  });
  const pages = 1000;
  return {
    scenario: resolveVmScenario({ packetsPerSecond: rate }),
    runLabel: "vntest",
    startedAt: "2025-01-01T00:00:00.000Z",
    qemuVersion: "7.2.22",
    kernelPackage: "k 1",
    imageHash: "h",
    measured: {
      nonZeroPages: 600,
      totalPages: pages,
      linkGoodputBytesPerSecond: 1e7,
      bootSeconds: 4,
      dirtierAchievedPagesPerSecond: null,
    },
    triggerMs: T0 + 2000,
    stopMs: S,
    resumeMs: R,
    sourceCompletedMs: S + 200,
    destinationCompletedMs: S + 290,
    statusEvents: [],
    // Sync 1 at +0.1 s (all 1000 pages dirty), sync 2 at +3 s (pending 150
    // pages: 50 left over + 100 new), sync 3 at +3.5 s (just before STOP).
    syncs: [
      {
        pass: 1,
        atMs: T0 + 2100,
        sample: sample(T0 + 2102, {
          remainingBytes: 1000 * 4096,
          dirtySyncCount: 1,
        }),
      },
      {
        pass: 2,
        atMs: T0 + 5000,
        sample: sample(T0 + 5003, {
          remainingBytes: 150 * 4096,
          dirtySyncCount: 2,
          normalPages: 550,
          zeroPages: 400,
          transferredBytes: 3e6,
        }),
      },
      {
        pass: 3,
        atMs: T0 + 5900,
        sample: sample(T0 + 5902, {
          remainingBytes: 20 * 4096,
          dirtySyncCount: 3,
          normalPages: 670,
          zeroPages: 410,
          transferredBytes: 3.5e6,
        }),
      },
      { pass: 4, atMs: S + 1, sample: null },
    ],
    samples: [
      sample(T0 + 2050, { status: "setup" }),
      // Answered before sync 2 began, although QEMU stamped the sync earlier.
      sample(T0 + 5001, {
        dirtySyncCount: 1,
        remainingBytes: 50 * 4096,
        normalPages: 540,
        zeroPages: 400,
      }),
      sample(T0 + 5890, {
        dirtySyncCount: 2,
        remainingBytes: 25 * 4096,
        normalPages: 665,
        zeroPages: 410,
        cpuThrottlePercent: 20,
      }),
    ],
    qemu: {
      status: "completed",
      totalTimeMs: 4300,
      downtimeMs: 200,
      setupTimeMs: 100,
      ramTotalBytes: pages * 4096,
      transferredBytes: 3.6e6,
      zeroPages: 410,
      normalPages: 700,
      normalBytes: 700 * 4096,
      dirtySyncCount: 4,
      mbps: 95,
      precopyBytes: 3.5e6,
      downtimeBytes: 1e5,
    },
    completed: true,
    failure: "",
    sentMs,
    arrivalMs,
    duplicatedPackets: 0,
    reorderedPackets: 0,
    sendErrors: 0,
    ramCheck: {
      pages,
      differingPages: 0,
      firstDifferingPages: [],
      holdSeconds: 0,
    },
    notes: [],
  };
}

Deno.test("analysis: losses by phase, the loss window and the times, exactly", () => {
  const r = analyzeVmRun(record());
  strictEqual(r.source, "measured");
  strictEqual(r.mechanism, "qemu-precopy");
  strictEqual(r.data.sentPackets, 20000);
  strictEqual(r.data.lostPackets, 600); // 0.3 s x 2000/s
  deepStrictEqual(r.lostByPhase, {
    beforeTrigger: 0,
    precopy: 0,
    outage: 600,
    after: 0,
  });
  deepStrictEqual(r.sentByPhase, {
    beforeTrigger: 4000,
    precopy: 8000,
    outage: 600,
    after: 7400,
  });
  strictEqual(r.downtimeSeconds, 0.3);
  strictEqual(r.stopSeconds, 4);
  strictEqual(r.lossWindow!.lostPackets, 600);
  strictEqual(r.lossWindow!.startMinusStopSeconds, 0);
  strictEqual(r.lossWindow!.endMinusResumeSeconds, -0.0005);
  strictEqual(r.dataOutageSeconds, 0.3);
  // The 10 probes held in the guest arrive 0.3 s late: delayed, not lost.
  strictEqual(r.data.delayedPackets, 10);
  strictEqual(r.delayedByPhase.precopy, 10);
  ok(Math.abs(r.data.maxDelaySeconds - 0.305) < 1e-9);
  strictEqual(r.baselineDelaySeconds, 0.001);
  // First arrival at or after RESUME: the held probes at R + 1 ms.
  ok(Math.abs(r.totalMigrationSeconds - 4.301) < 1e-9);
  ok(Math.abs(r.qemuDowntimeErrorSeconds! - -0.1) < 1e-9);
  strictEqual(r.maxCpuThrottlePercent, 20);
});

Deno.test("analysis: rounds and the pages each sync found dirty", () => {
  const r = analyzeVmRun(record());
  strictEqual(r.syncCount, 4);
  strictEqual(r.rounds.length, 2);
  deepStrictEqual(r.rounds[0], {
    round: 1,
    startSeconds: 0.1,
    endSeconds: 3,
    pendingPagesAtStart: 1000,
    dirtiedPagesAtSync: 1000,
    sentPages: 950,
    sentNormalPages: 550,
    sentBytes: 3e6,
  });
  // Sync 2: 150 pending after, 50 before, 10 pages sent between the samples: 110 new.
  strictEqual(r.rounds[1].dirtiedPagesAtSync, 110);
  strictEqual(r.rounds[1].sentPages, 130);
  strictEqual(r.rounds[1].pendingPagesAtStart, 150);
  // A sample on the event that already saw the next sync gives no count.
  const base = record();
  const late = analyzeVmRun({
    ...base,
    syncs: base.syncs.map((x) =>
      x.pass === 2 ? { ...x, sample: { ...x.sample!, dirtySyncCount: 3 } } : x
    ),
  });
  strictEqual(late.rounds[1].dirtiedPagesAtSync, null);
  // Sync 3, the last before STOP: 20 pending; before it 25, 5 pages sent: none new.
  deepStrictEqual(r.lastSyncBeforeStop, {
    atSeconds: 3.9,
    sinceLastSyncSeconds: 0.9,
    pendingPages: 20,
    dirtiedPages: 0,
  });
  strictEqual(r.stopAndCopyBytes, 1e5);
  strictEqual(r.maxSyncSampleLagSeconds, 0.003);
  const lanes = r.timeline.map((p) => `${p.lane}: ${p.phase}`);
  deepStrictEqual(lanes, [
    "migration link: setup",
    "migration link: round 1",
    "migration link: round 2",
    "VM: stopped (stop-and-copy, resume)",
    "network: data outage",
  ]);
});

Deno.test("invariants hold on a clean run and fail on their negative controls", () => {
  const good = vmRunInvariants(analyzeVmRun(record()));
  ok(good.every((c) => c.holds), JSON.stringify(good));
  // Losses 20 ms after the outage: the window check fails.
  const shifted = vmRunInvariants(analyzeVmRun(record(20)));
  strictEqual(
    shifted.find((c) => c.name.startsWith("loss window"))!.holds,
    false,
  );
  // 60 extra losses right after RESUME (10 % more than rate x outage),
  // with the window check relaxed so that only the count can fail.
  const extra = Array.from({ length: 60 }, (_, i) => 12600 + i);
  const more = vmRunInvariants(analyzeVmRun(record(0, extra)), {
    windowToleranceSeconds: 0.05,
  });
  strictEqual(more.find((c) => c.name.startsWith("loss window"))!.holds, true);
  strictEqual(more.find((c) => c.name.startsWith("lost = rate"))!.holds, false);
  // A differing page.
  const base = record();
  const corrupt = vmRunInvariants(
    analyzeVmRun({
      ...base,
      ramCheck: { ...base.ramCheck!, differingPages: 2 },
    }),
  );
  strictEqual(corrupt.find((c) => c.name === "RAM identical")!.holds, false);
  // Not completed.
  const cancelled = analyzeVmRun({
    ...base,
    completed: false,
    failure: "did not converge within 90 s",
    stopMs: null,
    resumeMs: null,
  });
  strictEqual(cancelled.completed, false);
  ok(cancelled.note.startsWith("did not converge"));
  strictEqual(cancelled.downtimeSeconds, 0);
  strictEqual(vmRunInvariants(cancelled)[0].holds, false);
});

Deno.test("analysis: a record whose arrivals do not match its sends is refused", () => {
  const base = record();
  throws(
    () => analyzeVmRun({ ...base, arrivalMs: base.arrivalMs.slice(1) }),
    /one entry per sent probe/,
  );
  throws(
    () => analyzeVmRun(base, { delayThresholdSecond: 1 } as never),
    /delayThresholdSeconds/,
  );
});

Deno.test("rows: a run and its rounds survive the CSV round trip exactly", () => {
  const [planned] = vmExperimentPlan({ experiments: ["rates"], repeats: 1 });
  const result = analyzeVmRun(record());
  const row = vmRunRow(planned, result);
  strictEqual(row.invariantsHold, true);
  strictEqual(row.lostOutage, 600);
  deepStrictEqual(
    parseRowsCsv(rowsToCsv([row], VM_RUN_COLUMNS), VM_RUN_COLUMNS),
    [row],
  );
  const rounds = vmRoundRows(planned, result);
  deepStrictEqual(
    parseRowsCsv(rowsToCsv(rounds, VM_ROUND_COLUMNS), VM_ROUND_COLUMNS),
    rounds,
  );
  throws(
    () => rowsToCsv([{ ...row, extra: 1 }], VM_RUN_COLUMNS),
    /schema lacks/,
  );
  throws(
    () => rowsToCsv([{ ...row, lostPackets: NaN }], VM_RUN_COLUMNS),
    /finite number/,
  );
  throws(() => parseRowsCsv("a,b\n1,2\n", VM_RUN_COLUMNS), /header/);
});

Deno.test("plan: sizes, unique keys, shards that partition it", () => {
  const plan = vmExperimentPlan();
  strictEqual(
    plan.filter((p) => p.experiment === "rates").length,
    7 * 2 * 2 * 3,
  );
  strictEqual(
    plan.filter((p) => p.experiment === "downtime-limit").length,
    5 * 3,
  );
  strictEqual(
    plan.filter((p) => p.experiment === "non-converging").length,
    3 * 2,
  );
  strictEqual(new Set(plan.map((p) => p.key)).size, plan.length);
  const shards = [1, 2, 3, 4].map((index) =>
    shardOf(plan, { index, count: 4 })
  );
  deepStrictEqual(
    shards.flat().map((p) => p.key).sort(),
    plan.map((p) => p.key).sort(),
  );
  ok(shards.every((s) => s.some((p) => p.experiment === "rates")));
  for (const bad of ["0/3", "4/3", "a/b", "1/0", "1/3/4", ""]) {
    throws(() => parseShard(bad), /shard must be/);
  }
  throws(() => vmExperimentPlan({ repeats: 0 }), /repeats/);
  throws(
    () => vmExperimentPlan({ experiments: ["rate" as never] }),
    /experiments/,
  );
});

Deno.test("scenario: defaults, the RAM size QEMU 7.2 corrupts, bad input", () => {
  const s = resolveVmScenario();
  strictEqual(s.memoryKiB, 262136);
  strictEqual(s.memoryNote, "");
  const adjusted = resolveVmScenario({ memoryKiB: 524288 });
  strictEqual(adjusted.memoryKiB, 524280);
  ok(adjusted.memoryNote.includes("256 KiB"));
  throws(
    () => resolveVmScenario({ memoryKiB: 524288, adjustMemory: false }),
    /multiple of 256 KiB/,
  );
  throws(() => resolveMemoryKiB(262138, true), /multiple of 4/);
  throws(
    () => resolveVmScenario({ packetsPerSecond: 0 }),
    /packetsPerSecond must be a finite number in \[1, 20000\]; got 0/,
  );
  throws(() => resolveVmScenario({ packetSizeBytes: 1501 }), /packetSizeBytes/);
  throws(
    () => resolveVmScenario({ linkBitsPerSecond: NaN }),
    /linkBitsPerSecond/,
  );
  throws(
    () => resolveVmScenario({ downtimeLimitSeconds: 0 }),
    /downtimeLimitSeconds/,
  );
  throws(
    () =>
      resolveVmScenario({
        dirtier: { pagesPerSecond: 100, workingSetPages: 60000 },
      }),
    /at most 75 %/,
  );
  throws(
    () =>
      resolveVmScenario({
        dirtier: {
          pagesPerSecond: 100,
          workingSetPages: 10,
          pattern: "zigzag" as "rr",
        },
      }),
    /pattern/,
  );
  throws(
    () => resolveVmScenario({ packetPerSecond: 5 } as never),
    /did you mean "packetsPerSecond"/,
  );
});

Deno.test("analysis: a cancelled migration reports the bytes its samples saw sent (QEMU's figures are empty after a cancel)", () => {
  const done = record();
  const cancelled: VmRunRecord = {
    ...done,
    stopMs: null,
    resumeMs: null,
    completed: false,
    failure: "did not converge within 90 s (cancelled after 0 MB sent)",
    samples: [
      ...done.samples,
      sample(T0 + 6000, { transferredBytes: 1.06e9 }),
      sample(T0 + 6100, { status: "cancelled", transferredBytes: 0 }),
    ],
    qemu: { ...done.qemu!, status: "cancelled", transferredBytes: 0 },
  };
  const r = analyzeVmRun(cancelled);
  strictEqual(r.completed, false);
  strictEqual(r.transferredBytes, 1.06e9);
  ok(
    r.note.startsWith(
      "did not converge within 90 s (cancelled after 1060 MB sent)",
    ),
    r.note,
  );
  strictEqual(vmRunRow(vmExperimentPlan()[0], r).transferredBytes, 1.06e9);
  // A completed run keeps QEMU's own final figure.
  strictEqual(analyzeVmRun(done).transferredBytes, 3.6e6);
});

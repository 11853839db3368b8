import assert from "node:assert/strict";
import {
  composePolicy,
  dirtyTrace,
  hotSet,
  precopyMigration,
  QEMU,
  qemu,
  QEMU_MAX_BANDWIDTH_BYTES_PER_SECOND,
  roundRobinWrites,
  simgrid,
} from "../src/precopy/mod.ts";

// The real VM testbed's shape (design notes): 256 MiB - 8 KiB with about
// 23,000 non-zero pages over 100 Mbit/s, a process writing 2000 pages/s
// round-robin over 64 MiB.
const TESTBED = {
  policy: "qemu",
  memoryPages: 65534,
  nonZeroPages: 23_000,
  linkBitsPerSecond: 100e6,
  dirty: roundRobinWrites({ pagesPerSecond: 2000, workingSetPages: 16384 }),
} as const;

Deno.test("qemu: completes when pending bytes < bandwidth x downtime-limit, strictly", () => {
  // All-sent rounds and a trace isolate the condition: 40,960,000 B/s x
  // 0.1 s = 4,096,000 bytes = exactly 1000 pages.
  const policy = composePolicy(qemu({ downtimeLimitSeconds: 0.1 }), {
    roundEnd: { kind: "all-sent" },
  });
  const run = (trace: number[]) =>
    precopyMigration({
      policy,
      memoryPages: 4096,
      perPageOverheadBytes: 0,
      linkBitsPerSecond: 327_680_000,
      dirty: dirtyTrace(trace),
    });
  const equal = run([1000, 999]);
  assert.equal(equal.rounds[0].thresholdBytes, 4_096_000);
  assert.deepEqual(equal.rounds.map((r) => r.pagesPending), [1000, 999]);
  assert.equal(equal.iterations, 2);
  assert.equal(equal.stopAndCopyPages, 999);
  // Negative control: SimGrid's rule (<=) stops at the equal round.
  const le = precopyMigration({
    policy: composePolicy(policy, {
      conditions: [{
        kind: "pending-below-threshold",
        downtimeLimitSeconds: 0.1,
        rule: "simgrid",
      }],
    }),
    memoryPages: 4096,
    perPageOverheadBytes: 0,
    linkBitsPerSecond: 327_680_000,
    dirty: dirtyTrace([1000, 999]),
  });
  assert.equal(le.iterations, 1);
});

Deno.test("qemu: a round ends at the first check below the threshold; the unsent rest joins the new dirty pages", () => {
  const r = precopyMigration(TESTBED);
  assert.ok(r.converged);
  assert.deepEqual(r.stopReasons, ["pending-below-threshold"]);
  for (let i = 1; i < r.rounds.length; i++) {
    const [before, round] = [r.rounds[i - 1], r.rounds[i]];
    // Checks every 50 ms of sending (ram_save_iterate's MAX_WAIT) when the
    // link is the bottleneck.
    const checks = round.durationSeconds / 0.05;
    assert.ok(Math.abs(checks - Math.round(checks)) < 1e-9, `${checks}`);
    // pending = the rest left unsent + the pages written in the round (the
    // 64 MiB sweep never laps itself in a round this short).
    const rest = before.pagesPending - round.pagesSent;
    assert.ok(rest >= 0);
    assert.equal(round.pagesPending, rest + round.pagesDirtied);
    // The rest is below the threshold when the round ends.
    assert.ok(rest * 4096 < round.thresholdBytes);
  }
  // Round 1: the 23,000 non-zero pages in full, the zero pages at 9 bytes.
  assert.equal(r.rounds[0].bytesSent, 23_000 * 4104 + (65534 - 23_000) * 9);
  // Negative control: with a whole-set round end the leftover vanishes and
  // the migration needs fewer rounds.
  const allSent = precopyMigration({
    ...TESTBED,
    policy: composePolicy(QEMU, { roundEnd: { kind: "all-sent" } }),
  });
  assert.ok(allSent.iterations < r.iterations);
});

Deno.test("qemu: max-bandwidth caps the iterative rounds only; QEMU 7.2's default is 128 MiB/s", () => {
  const capped = precopyMigration({
    ...TESTBED,
    policy: qemu({ maxBandwidthBytesPerSecond: 10e6 }),
  });
  assert.ok(capped.rounds.every((r) => r.bitsPerSecond === 80e6));
  // Checks every 100 ms window (BUFFER_DELAY) when max-bandwidth binds.
  for (const round of capped.rounds.slice(1)) {
    const windows = round.durationSeconds / 0.1;
    assert.ok(Math.abs(windows - Math.round(windows)) < 1e-9);
  }
  // Stop-and-copy runs at the link's rate, unlimited.
  assert.equal(
    capped.stopAndCopySeconds,
    capped.stopAndCopyBytes * 8 / 100e6,
  );
  const fast = precopyMigration({
    policy: "qemu",
    memoryPages: 65536,
    linkBitsPerSecond: 10e9,
  });
  assert.equal(
    fast.rounds[0].bitsPerSecond,
    QEMU_MAX_BANDWIDTH_BYTES_PER_SECOND * 8,
  );
  const unlimited = precopyMigration({
    policy: qemu({ maxBandwidthBytesPerSecond: Infinity }),
    memoryPages: 65536,
    linkBitsPerSecond: 10e9,
  });
  assert.equal(unlimited.rounds[0].bitsPerSecond, 10e9);
});

Deno.test("qemu: no caps: a guest dirtying faster than the link is answered at once, or up to a limit", () => {
  const options = {
    policy: "qemu",
    memoryPages: 65536,
    linkBitsPerSecond: 100e6,
    dirty: roundRobinWrites({ pagesPerSecond: 5000, workingSetPages: 16384 }),
  } as const;
  const never = precopyMigration(options);
  assert.equal(never.converged, false);
  assert.equal(never.nonConvergence, "steady-state");
  assert.ok(never.rounds.length <= 3);
  assert.equal(never.downtimeSeconds, 0);
  assert.equal(never.stopAndCopyPages, 0);
  assert.match(never.note, /would iterate forever/);
  // Cancelled after 90 s (the design notes' trial): the steady rounds are
  // counted in closed form up to the last that ends before 90 s.
  const cut = precopyMigration({ ...options, limits: { seconds: 90 } });
  assert.equal(cut.nonConvergence, "time-out");
  assert.equal(cut.totalSeconds, 90);
  const last = cut.rounds.at(-1)!;
  assert.ok(last.startSeconds + last.durationSeconds < 90);
  assert.ok(last.startSeconds + 2 * last.durationSeconds >= 90);
  assert.equal(
    cut.iterativeBytesSent,
    cut.rounds.reduce((s, r) => s + r.bytesSent, 0),
  );
  const rounds = precopyMigration({ ...options, limits: { rounds: 7 } });
  assert.equal(rounds.nonConvergence, "round-limit");
  assert.equal(rounds.iterations, 7);
  // A hot set above the threshold (downtime-limit 50 ms at 100 Mbit/s is
  // 152 pages) can never stop: said at once.
  const hot = precopyMigration({
    ...TESTBED,
    policy: qemu({ downtimeLimitSeconds: 0.05 }),
    dirty: [
      hotSet(300),
      roundRobinWrites({ pagesPerSecond: 2000, workingSetPages: 16384 }),
    ],
  });
  assert.equal(hot.nonConvergence, "cannot-stop");
  assert.equal(hot.iterations, 1);
  // Negative control: 300 ms (915 pages) lets it converge.
  assert.ok(precopyMigration({ ...TESTBED, dirty: [hotSet(300)] }).converged);
  // The pass resumes where the last one stopped: a hot set at the start of
  // memory, larger than one 50 ms chunk (152 pages), is not resent at every
  // check, so the busy router still converges.
  const busy = precopyMigration({
    ...TESTBED,
    dirty: [
      hotSet(300),
      roundRobinWrites({ pagesPerSecond: 2000, workingSetPages: 16384 }),
    ],
  });
  assert.ok(busy.converged);
  // Negative control: a hot set above the threshold never lets it.
  const hotter = precopyMigration({ ...TESTBED, dirty: [hotSet(1000)] });
  assert.equal(hotter.nonConvergence, "cannot-stop");
});

Deno.test("qemu auto-converge: throttles 20 %, then +10 % per trigger, on the second period dirtying > 50 % of what was sent", () => {
  const options = {
    memoryPages: 65536,
    linkBitsPerSecond: 100e6,
    dirty: roundRobinWrites({ pagesPerSecond: 5000, workingSetPages: 16384 }),
  };
  const r = precopyMigration({
    ...options,
    policy: qemu({ autoConverge: true }),
  });
  assert.ok(r.converged);
  const speeds = r.rounds.map((x) => Math.round(x.guestSpeed * 100));
  // Round 1 dirties 25 % of what it sent: no trigger. Rounds 2 and 3 do
  // (16384 pages dirtied, 16384 sent): the first throttle is on round 4.
  assert.deepEqual(speeds.slice(0, 6), [100, 100, 100, 80, 80, 70]);
  // Every step is QEMU's: 20 % first, +10 %, never above 99 %.
  const steps = new Set(speeds.slice(1).map((s, i) => speeds[i] - s));
  assert.ok([...steps].every((d) => d === 0 || d === 20 || d === 10));
  assert.ok(speeds.every((s) => s >= 1));
  // Negative control: without it the same guest never converges.
  assert.equal(
    precopyMigration({ ...options, policy: "qemu" }).converged,
    false,
  );
  assert.throws(
    () => qemu({ autoConverge: { initialPercent: 0 } }),
    /autoConverge.initialPercent must be a finite number in \[1, 99\]; got 0/,
  );
});

Deno.test("qemu: bad options are errors naming the option, its value and range", () => {
  assert.throws(
    () => qemu({ downtimeLimitSeconds: 0 }),
    /qemu options.downtimeLimitSeconds must be .*\(0, \+inf\); got 0/,
  );
  assert.throws(
    () => qemu({ maxBandwidthBytesPerSecond: -1 }),
    /qemu options.maxBandwidthBytesPerSecond must be a number in \(0, \+inf\] \(Infinity: none\); got -1/,
  );
  assert.throws(
    () => qemu({ checkIntervalSeconds: NaN }),
    /qemu options.checkIntervalSeconds.*NaN/,
  );
  assert.throws(
    () => qemu({ timeoutSeconds: 0 }),
    /qemu options.timeoutSeconds must be a number in \(0, \+inf\] \(Infinity: none\); got 0/,
  );
  assert.throws(
    () => simgrid({ maxDowntimeSeconds: -0.03 }),
    /simgrid options.maxDowntimeSeconds must be .*\(0, \+inf\); got -0.03/,
  );
  assert.throws(
    () => simgrid({ migrationSpeedBytesPerSecond: 0 }),
    /simgrid options.migrationSpeedBytesPerSecond must be a number in \(0, \+inf\]/,
  );
  assert.throws(
    () => simgrid({ timeoutSeconds: NaN }),
    /simgrid options.timeoutSeconds .*got NaN/,
  );
  // Infinity is "none" where the option has no cap.
  assert.equal(simgrid({ timeoutSeconds: Infinity }).timeoutSeconds, Infinity);
  assert.throws(
    () => qemu({ downtimeLimit: 1 } as never),
    /did you mean "downtimeLimitSeconds"/,
  );
  assert.throws(
    () => precopyMigration({ ...TESTBED, nonZeroPages: 100 }),
    /nonZeroPages must be in \[16384, 65534\]/,
  );
});

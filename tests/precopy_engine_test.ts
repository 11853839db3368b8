import assert from "node:assert/strict";
import fc from "fast-check";
import {
  composePolicy,
  dirtyTrace,
  forwardingBuffers,
  hotSet,
  precopyMigration,
  type PrecopyOptions,
  qemu,
  roundRobinWrites,
  simgrid,
  uniformWrites,
  XEN4,
  xen4,
} from "../src/precopy/mod.ts";

// lambda = 1 exactly in the decimals written: D = k / 10 pages/s and a link
// of D x 32768 bits/s, written as its exact decimal.
function lambdaOne(k: number) {
  const tenths = k * 32768; // the link in tenths of a bit per second
  return {
    D: Number(`${Math.floor(k / 10)}.${k % 10}`),
    link: Number(`${Math.floor(tenths / 10)}.${tenths % 10}`),
  };
}

// The old way: round boundaries summed in floating point, writes counted
// as ceil(t D), capped at the working set.
function floatRounds(M: number, D: number, link: number, rounds: number) {
  const out: number[] = [];
  let t = 0;
  let before = 0;
  for (let i = 0; i < rounds; i++) {
    t += (M * 32768) / link;
    const e = Math.ceil(t * D);
    out.push(Math.min(M, e - before));
    before = e;
  }
  return out;
}

Deno.test("exact rounds: at lambda = 1 every round dirties and resends exactly the memory, no page write lost", () => {
  let floatLosses = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 50, max: 5000 }),
      fc.integer({ min: 1001, max: 400_000 }),
      (M, k) => {
        const { D, link } = lambdaOne(k);
        const base: PrecopyOptions = {
          memoryPages: M,
          perPageOverheadBytes: 0,
          linkBitsPerSecond: link,
          dirty: roundRobinWrites({ pagesPerSecond: D }),
        };
        for (
          const policy of [
            XEN4,
            composePolicy(XEN4, { skipBatchPages: 0, name: "no skip" }),
          ]
        ) {
          const r = precopyMigration({ ...base, policy });
          assert.deepEqual(r.stopReasons, ["max-factor"]);
          assert.equal(r.iterations, 4);
          for (const round of r.rounds) {
            assert.equal(round.pagesDirtied, M);
            assert.equal(round.pagesSent, M);
            assert.equal(round.pagesSkipped, 0);
          }
        }
        if (floatRounds(M, D, link, 4).some((d) => d !== M)) floatLosses++;
      },
    ),
    { numRuns: 300, seed: 12 },
  );
  // Negative control: floating-point boundaries lose writes on some of
  // the same inputs.
  assert.ok(floatLosses > 0, "the float version never erred: weak inputs");
});

Deno.test("accounting: whole pages are integers, fluid bytes are not; the result names which", () => {
  const options: PrecopyOptions = {
    memoryBytes: 100 * 4096 + 1000,
    linkBitsPerSecond: 1e7,
    dirty: [hotSet(7), uniformWrites({ pagesPerSecond: 333.3 })],
    policy: xen4({ maxIters: 6 }),
  };
  const pages = precopyMigration(options);
  assert.equal(pages.accounting, "pages");
  assert.equal(pages.memoryPages, 101);
  for (const r of pages.rounds) {
    for (
      const v of [r.pagesSent, r.pagesSkipped, r.pagesDirtied, r.pagesPending]
    ) {
      assert.ok(Number.isInteger(v), String(v));
    }
  }
  const bytes = precopyMigration({ ...options, accounting: "bytes" });
  assert.equal(bytes.accounting, "bytes");
  assert.equal(bytes.memoryPages, 100 + 1000 / 4096);
  assert.ok(bytes.rounds.some((r) => !Number.isInteger(r.pagesDirtied)));
  // The simgrid policy counts fluid bytes by default.
  assert.equal(precopyMigration({ policy: "simgrid" }).accounting, "bytes");
});

Deno.test("a measured trace is used as given, round by round, its last value repeating", () => {
  const r = precopyMigration({
    policy: qemu({ downtimeLimitSeconds: 0.01 }),
    memoryPages: 65536,
    linkBitsPerSecond: 1e9,
    dirty: dirtyTrace([15160, 9954, 6535, 4000]),
  });
  assert.deepEqual(
    r.rounds.slice(0, 4).map((x) => x.pagesDirtied),
    [15160, 9954, 6535, 4000],
  );
  // 4000 pages every round from then on never fit 10 ms at 1 Gbit/s.
  assert.equal(r.nonConvergence, "steady-state");
});

Deno.test("uniform random writes in the rounds: each round dirties M (1 - exp(-D t / M)) pages, t its length", () => {
  const M = 32768;
  const D = 5000;
  const options: PrecopyOptions = {
    memoryPages: M,
    perPageOverheadBytes: 0,
    dirty: uniformWrites({ pagesPerSecond: D }),
    policy: composePolicy(XEN4, { skipBatchPages: 0, name: "no skip" }),
  };
  const unique = (t: number) => M * (1 - Math.exp(-D * t / M));
  const pages = precopyMigration(options);
  assert.ok(pages.rounds.length >= 4);
  for (const [i, r] of pages.rounds.entries()) {
    assert.equal(r.pagesDirtied, Math.round(unique(r.durationSeconds)));
    // Without skipping, each round sends what the one before dirtied.
    if (i > 0) assert.equal(r.pagesSent, pages.rounds[i - 1].pagesDirtied);
  }
  // Fluid bytes: the same expression, unrounded.
  const fluid = precopyMigration({ ...options, accounting: "bytes" });
  for (const r of fluid.rounds) {
    const expected = unique(r.durationSeconds);
    assert.ok(Math.abs(r.pagesDirtied - expected) <= 1e-9 * expected);
  }
  // Negative control: a round-robin writer (every write a new page while
  // it has not lapped) dirties D t, more than the random writes touch.
  const sweep = precopyMigration({
    ...options,
    dirty: roundRobinWrites({ pagesPerSecond: D }),
  });
  const first = sweep.rounds[0];
  assert.equal(first.pagesDirtied, Math.ceil(D * first.durationSeconds));
  assert.ok(first.pagesDirtied - pages.rounds[0].pagesDirtied > 300);
});

Deno.test("non-convergence: no stop and no fixed point within maxSimulatedRounds is answered as such", () => {
  const options: PrecopyOptions = {
    policy: "simgrid",
    memoryBytes: 512 * 2 ** 20,
    linkBitsPerSecond: 1e9,
    dirty: roundRobinWrites({ pagesPerSecond: 20_000 }),
  };
  const cut = precopyMigration({ ...options, maxSimulatedRounds: 3 });
  assert.equal(cut.converged, false);
  assert.equal(cut.nonConvergence, "simulation-budget");
  assert.equal(cut.iterations, 3);
  assert.equal(cut.downtimeSeconds, 0);
  assert.match(cut.note, /no steady state showed within 3 simulated rounds/);
  // What was sent up to there is reported: the first three rounds.
  const full = precopyMigration(options);
  assert.equal(
    cut.iterativeBytesSent,
    full.rounds.slice(0, 3).reduce((s, r) => s + r.bytesSent, 0),
  );
  // Negative control: the default budget lets the same migration converge.
  assert.ok(full.converged && full.iterations === 12);
});

Deno.test("no surprising defaults: a uniform writer takes the whole memory, nothing else is added", () => {
  const r = precopyMigration({
    policy: "simgrid",
    memoryPages: 1000,
    dirty: roundRobinWrites({ pagesPerSecond: 100 }),
  });
  assert.equal(r.perPageOverheadBytes, 0);
  assert.equal(r.stopAndCopyBufferPages, 0);
  // Xen's own wire format is the one default that adds bytes: its PFN.
  const xen = precopyMigration({ memoryPages: 1000 });
  assert.equal(xen.perPageOverheadBytes, 8);
  assert.equal(xen.rounds[0].bytesSent, 1000 * 4104);
});

const POLICY_CHOICES = [
  XEN4,
  xen4({ adaptiveSave: true }),
  qemu(),
  qemu({ autoConverge: true, maxBandwidthBytesPerSecond: 5e6 }),
  simgrid(),
  simgrid({ timeoutSeconds: 200 }),
];

Deno.test("invariants over random migrations: bounded, finite, consistent, deterministic, never a stop-and-copy above memory", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: POLICY_CHOICES.length - 1 }),
      fc.integer({ min: 2000, max: 60_000 }),
      fc.integer({ min: 0, max: 400 }),
      fc.integer({ min: 0, max: 60_000 }),
      fc.integer({ min: 0, max: 20_000 }),
      fc.integer({ min: 1, max: 100 }).map((x) => x * 1e7),
      fc.boolean(),
      fc.integer({ min: 0, max: 3 }),
      (p, M, hot, rate, pps, link, uniform, limit) => {
        const policy = POLICY_CHOICES[p];
        const dirty = [
          hotSet(hot),
          forwardingBuffers({ packetsPerSecond: pps, otherBufferPages: 100 }),
          uniform
            ? uniformWrites({ pagesPerSecond: rate })
            : roundRobinWrites({ pagesPerSecond: rate }),
        ];
        const options: PrecopyOptions = {
          policy,
          memoryPages: M,
          linkBitsPerSecond: link,
          dirty,
          setupSeconds: 0.1,
          roundOverheadSeconds: 0.001,
          stateBytes: 1000,
          resumeSeconds: 0.01,
          limits: limit === 1
            ? { seconds: 100 }
            : limit === 2
            ? { rounds: 40 }
            : undefined,
        };
        const r = precopyMigration(options);
        assert.deepEqual(precopyMigration(options), r);
        for (const v of Object.values(r)) {
          if (typeof v === "number") assert.ok(Number.isFinite(v));
        }
        assert.equal(r.converged, r.nonConvergence === null);
        assert.equal(r.converged, r.stopReasons.length > 0);
        assert.ok(r.stopAndCopyPages <= M);
        assert.ok(r.stopAndCopyBufferPages <= r.stopAndCopyPages);
        assert.ok(r.downtimeSeconds <= r.totalSeconds);
        if (!r.converged) {
          assert.equal(r.downtimeSeconds, 0);
          assert.ok(r.note.startsWith("not converged"));
        }
        if (policy.name === "xen4") {
          assert.ok(r.converged && r.iterations <= 29);
        }
        let t = r.setupSeconds;
        let bytes = 0;
        for (const round of r.rounds) {
          assert.ok(Math.abs(round.startSeconds - t) <= 1e-9 * (1 + t));
          t += round.durationSeconds;
          bytes += round.bytesSent;
          assert.ok(round.pagesPending <= M);
          assert.ok(round.guestSpeed > 0 && round.guestSpeed <= 1);
        }
        assert.equal(r.rounds.length + r.steadyStateRounds, r.iterations);
        if (r.steadyStateRounds === 0) {
          assert.ok(
            Math.abs(bytes - r.iterativeBytesSent) <= 1e-9 * (1 + bytes),
          );
        }
        assert.ok(
          Math.abs(
            r.totalBytesSent - r.iterativeBytesSent - r.stopAndCopyBytes,
          ) <= 1e-6 * r.totalBytesSent,
        );
      },
    ),
    { numRuns: 300, seed: 5 },
  );
});

Deno.test("bad input: an error naming the option, its value and the range; unknown options suggested", () => {
  assert.throws(
    () => precopyMigration({ memoryPage: 5 } as never),
    /options has no option "memoryPage"; did you mean "memoryPages"/,
  );
  assert.throws(
    () => precopyMigration({ memoryPages: 5, memoryBytes: 4096 }),
    /give memoryPages or memoryBytes, not both/,
  );
  assert.throws(
    () => precopyMigration({ memoryPages: 0 }),
    /memoryPages must be an integer in \[1,.*got 0/,
  );
  assert.throws(
    () => precopyMigration({ linkBitsPerSecond: Infinity }),
    /linkBitsPerSecond .*got Infinity/,
  );
  assert.throws(
    () => precopyMigration({ policy: "kvm" as never }),
    /policy must be one of "xen4", "qemu", "simgrid"; got "kvm"/,
  );
  assert.throws(
    () => precopyMigration({ policy: { name: "mine" } as never }),
    /policy.conditions is missing/,
  );
  assert.throws(
    () => precopyMigration({ accounting: "fluid" as never }),
    /accounting must be one of "pages", "bytes"; got "fluid"/,
  );
  assert.throws(
    () => precopyMigration({ limits: { second: 5 } as never }),
    /limits has no option "second"; did you mean "seconds"/,
  );
  assert.throws(
    () => precopyMigration({ limits: { seconds: 0 } }),
    /limits.seconds must be a number in \(0, \+inf\]; got 0/,
  );
  assert.throws(
    () => precopyMigration({ limits: { rounds: 1.5 } }),
    /limits.rounds must be an integer/,
  );
  assert.throws(
    () => precopyMigration({ maxSimulatedRounds: 0 }),
    /maxSimulatedRounds must be an integer in \[1,/,
  );
  assert.throws(
    () => precopyMigration({ resumeSeconds: -1 }),
    /resumeSeconds.*got -1/,
  );
  assert.throws(
    () => precopyMigration({ recordRounds: "no" as never }),
    /recordRounds must be true or false; got no/,
  );
  assert.throws(
    () => xen4({ adaptiveSave: "yes" as never }),
    /xen4 options.adaptiveSave must be true, false or an object of settings; got "yes"/,
  );
  assert.throws(
    () => qemu({ autoConverge: 1 as never }),
    /qemu options.autoConverge must be true, false or an object of settings; got 1/,
  );
  assert.throws(
    () =>
      composePolicy(XEN4, {
        conditions: [{ kind: "max-iters", iterations: 0 }],
      }),
    /policy.conditions\[0\].iterations must be an integer in \[1,.*got 0/,
  );
  assert.throws(
    () => composePolicy(XEN4, { colour: "red" } as never),
    /changes has no option "colour"/,
  );
  assert.throws(
    () => composePolicy(XEN4, { roundEnd: { kind: "below-threshold" } }),
    /needs a "pending-below-threshold" condition/,
  );
  // Not converging is an answer, not an error.
  const r = precopyMigration({
    policy: "qemu",
    memoryPages: 1000,
    linkBitsPerSecond: 1e6,
    dirty: roundRobinWrites({ pagesPerSecond: 1e6 }),
  });
  assert.equal(r.converged, false);
});

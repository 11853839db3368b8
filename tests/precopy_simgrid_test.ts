// vnmig's `simgrid` policy against SimGrid 3.32's VM live-migration plugin
// itself: data/reference/simgrid_*.csv hold what the plugin printed (made by
// tools/simgrid/run.ts; the command of each run is in its row).
import assert from "node:assert/strict";
import { csvParse } from "d3-dsv";
import {
  closedFormPrecopy,
  closedFormRounds,
  linkPagesPerSecond,
  precopyMigration,
  type PrecopyOptions,
  roundRobinWrites,
  simgrid,
} from "../src/precopy/mod.ts";

const dir = new URL("../data/reference/", import.meta.url);
type Row = Record<string, string>;
const read = async (name: string): Promise<Row[]> =>
  [...csvParse(await Deno.readTextFile(new URL(name, dir)))] as Row[];
const runs = await read("simgrid_precopy.csv");
const roundRows = await read("simgrid_rounds.csv");

function options(row: Row): PrecopyOptions {
  return {
    policy: "simgrid",
    memoryBytes: Number(row.memory_bytes),
    linkBitsPerSecond: Number(row.link_bytes_per_second) * 8,
    dirty: roundRobinWrites({
      pagesPerSecond: Number(row.dirty_pages_per_second),
      workingSetPages: Number(row.working_set_bytes) / 4096,
    }),
  };
}

const within = (a: number, b: number, tolerance: number) =>
  Math.abs(a - b) <= tolerance * Math.abs(b);

Deno.test("simgrid: the reference runs cover the issue's case and both outcomes", () => {
  assert.ok(runs.length >= 8);
  const issue = runs.find((r) => r.case === "512MiB-1Gbps-20000")!;
  assert.equal(issue.outcome, "completed");
  assert.equal(Number(issue.total_seconds).toFixed(4), "12.4109");
  assert.equal(Number(issue.downtime_seconds).toFixed(5), "0.02696");
  assert.equal(issue.iterative_rounds, "12");
  assert.equal(
    runs.find((r) => r.case === "512MiB-1Gbps-40000")!.outcome,
    "aborted",
  );
});

Deno.test("simgrid: total time, downtime and stop-and-copy within 0.1 % of SimGrid 3.32, the same rounds", () => {
  for (const row of runs.filter((r) => r.outcome === "completed")) {
    const r = precopyMigration(options(row));
    assert.equal(r.policy, "simgrid");
    assert.equal(r.accounting, "bytes");
    assert.ok(r.converged, row.case);
    assert.deepEqual(r.stopReasons, ["pending-below-threshold"]);
    assert.equal(r.iterations, Number(row.iterative_rounds), row.case);
    assert.ok(
      within(r.totalSeconds, Number(row.total_seconds), 1e-3),
      `${row.case}: ${r.totalSeconds} vs ${row.total_seconds}`,
    );
    assert.ok(
      within(r.downtimeSeconds, Number(row.downtime_seconds), 1e-3),
      `${row.case}: ${r.downtimeSeconds} vs ${row.downtime_seconds}`,
    );
    assert.ok(
      within(r.stopAndCopyBytes, Number(row.stop_and_copy_bytes), 1e-3),
      row.case,
    );
    // Round by round: SimGrid's bytes (it truncates to whole bytes) and
    // durations (printed to the microsecond).
    const theirs = roundRows.filter((x) =>
      x.case === row.case && x.stage !== "3"
    );
    assert.equal(theirs.length, r.rounds.length);
    r.rounds.forEach((round, i) => {
      assert.ok(Math.abs(round.bytesSent - Number(theirs[i].bytes)) <= i + 1);
      assert.ok(
        Math.abs(round.durationSeconds - Number(theirs[i].duration_seconds)) <=
          1e-6,
      );
    });
  }
});

Deno.test("simgrid: negative controls: another threshold or Xen's policy miss SimGrid's figures", () => {
  const row = runs.find((r) => r.case === "512MiB-1Gbps-20000")!;
  const qemuLimit = precopyMigration({
    ...options(row),
    policy: simgrid({ maxDowntimeSeconds: 0.3 }),
  });
  assert.ok(qemuLimit.iterations < Number(row.iterative_rounds));
  const xen = precopyMigration({ ...options(row), policy: "xen4" });
  assert.ok(!within(xen.totalSeconds, Number(row.total_seconds), 1e-3));
});

Deno.test("simgrid: 40,000 pages/s never converges: answered at once with converged: false, SimGrid's rounds and time-out", () => {
  const row = runs.find((r) => r.case === "512MiB-1Gbps-40000")!;
  const r = precopyMigration(options(row));
  assert.equal(r.converged, false);
  assert.equal(r.nonConvergence, "time-out");
  assert.deepEqual(r.stopReasons, []);
  // SimGrid completed stage 1 and 2,328,305 stage-2 rounds, then the next
  // round timed out at 1e7 s (10000000.000433 with its float clock).
  assert.equal(r.iterations, Number(row.iterative_rounds));
  assert.ok(within(r.totalSeconds, Number(row.end_seconds), 1e-9));
  // Answered in closed form: a handful of rounds simulated, not millions.
  assert.ok(r.rounds.length <= 3);
  assert.equal(r.steadyStateRounds, r.iterations - r.rounds.length);
  // Never a stop-and-copy, let alone one larger than memory.
  assert.equal(r.stopAndCopyBytes, 0);
  assert.equal(r.iterativeBytesSent, r.iterations * 512 * 2 ** 20);
  assert.match(r.note, /time-out at 10000000 s/);
  // The closed form gives the same count.
  const cf = closedFormRounds({
    memoryPages: 131072,
    dirtyPagesPerSecond: 40000,
    linkPagesPerSecond: linkPagesPerSecond(1e9),
    policy: "simgrid",
  });
  assert.equal(cf.converged, false);
  assert.equal(cf.iterativeRounds, r.iterations);
  // Negative control: a shorter time-out, fewer rounds.
  const short = precopyMigration({
    ...options(row),
    policy: simgrid({ timeoutSeconds: 1000 }),
  });
  assert.ok(short.iterations < 300);
});

Deno.test("simgrid: the closed form agrees with the engine and with SimGrid below lambda = 1", () => {
  for (
    const row of runs.filter((r) =>
      r.outcome === "completed" && r.working_set_bytes === r.memory_bytes
    )
  ) {
    const V = Number(row.memory_bytes) / 4096;
    const R = linkPagesPerSecond(Number(row.link_bytes_per_second) * 8);
    const D = Number(row.dirty_pages_per_second);
    const n = closedFormRounds({
      memoryPages: V,
      dirtyPagesPerSecond: D,
      linkPagesPerSecond: R,
      policy: "simgrid",
    });
    assert.equal(n.iterativeRounds, Number(row.iterative_rounds), row.case);
    const cf = closedFormPrecopy({
      memoryPages: V,
      dirtyPagesPerSecond: D,
      linkPagesPerSecond: R,
      iterativeRounds: n.iterativeRounds,
    });
    assert.ok(cf.valid);
    const engine = precopyMigration(options(row));
    assert.ok(within(engine.totalSeconds, cf.totalSeconds, 1e-12), row.case);
    assert.ok(within(engine.downtimeSeconds, cf.downtimeSeconds, 1e-9));
    assert.ok(within(cf.totalSeconds, Number(row.total_seconds), 1e-3));
  }
});

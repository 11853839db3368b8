import assert from "node:assert/strict";
import {
  cbrStream,
  countFates,
  deriveSeed,
  flattenRow,
  gridPoints,
  outage,
  parseCsv,
  pathElement,
  progressBar,
  randomLcg,
  summarize,
  sweep,
  sweepAsync,
  sweepFigure,
  toCsv,
} from "../mod.ts";

Deno.test("gridPoints is the cartesian product, last parameter fastest", () => {
  assert.deepEqual(gridPoints({ a: [1, 2], b: ["x", "y"] }), [
    { a: 1, b: "x" },
    { a: 1, b: "y" },
    { a: 2, b: "x" },
    { a: 2, b: "y" },
  ]);
  assert.throws(
    () => gridPoints({ a: [] }),
    /grid\.a must be a list of at least 1 value; got \[\]/,
  );
});

// A small model with randomness: an outage whose length is jittered.
const model = (
  { packetsPerSecond, seed }: { packetsPerSecond: number; seed: number },
) => {
  const down = 0.5 + 0.1 * randomLcg(seed)();
  const counts = countFates(
    cbrStream({ packetsPerSecond, endSeconds: 3 }),
    [pathElement({ changes: outage(1, 1 + down) })],
  );
  return { downSeconds: down, counts };
};

Deno.test("sweep: one tidy row per run, seeds derived per repetition", () => {
  const rows = sweep({ packetsPerSecond: [100, 1000] }, model, {
    repetitions: 3,
    seed: 9,
  });
  assert.equal(rows.length, 6);
  assert.deepEqual(rows.map((r) => r.repetition), [0, 1, 2, 0, 1, 2]);
  // Independent runs by default: every run of every point has its own seed.
  assert.equal(rows[0].seed, deriveSeed(deriveSeed(9, 0), 0));
  assert.equal(rows[4].seed, deriveSeed(deriveSeed(9, 1), 1));
  assert.equal(new Set(rows.map((r) => r.seed)).size, 6);
  // Common random numbers, on request: repetition r has the same seed at
  // every point.
  const common = sweep({ packetsPerSecond: [100, 1000] }, model, {
    repetitions: 3,
    seed: 9,
    commonRandomNumbers: true,
  });
  assert.equal(common[0].seed, deriveSeed(9, 0));
  assert.equal(common[1].seed, common[4].seed);
  assert.equal(common[1].downSeconds, common[4].downSeconds);
  assert.ok(typeof rows[0]["counts.lostPackets"] === "number");
  assert.equal(rows[0]["counts.losses"], undefined); // arrays are left out
  // Same inputs, same outputs, byte for byte.
  const again = sweep({ packetsPerSecond: [100, 1000] }, model, {
    repetitions: 3,
    seed: 9,
  });
  assert.equal(toCsv(again), toCsv(rows));
  const other = sweep({ packetsPerSecond: [100, 1000] }, model, {
    repetitions: 3,
    seed: 10,
  });
  assert.notEqual(toCsv(other), toCsv(rows));
});

Deno.test("sweepAsync gives the same rows as sweep, with progress", async () => {
  const seen: number[] = [];
  const rows = await sweepAsync({ packetsPerSecond: [10, 20, 30] }, model, {
    repetitions: 2,
    seed: 1,
    onProgress: (done) => seen.push(done),
  });
  assert.equal(
    toCsv(rows),
    toCsv(
      sweep({ packetsPerSecond: [10, 20, 30] }, model, {
        repetitions: 2,
        seed: 1,
      }),
    ),
  );
  assert.deepEqual(seen, [2, 4, 6]);
});

Deno.test("flattenRow refuses non-finite numbers, naming the column", () => {
  assert.throws(
    () => flattenRow({ a: { b: NaN } }),
    /a\.b must be a finite number; got NaN/,
  );
  assert.throws(
    () => flattenRow({ c: Infinity }),
    /c must be a finite number; got Infinity/,
  );
});

Deno.test("toCsv writes every column in first-seen order", () => {
  assert.equal(
    toCsv([{ a: 1, b: "x,y" }, { a: 2, c: true }]),
    'a,b,c\n1,"x,y",\n2,,true',
  );
});

Deno.test("summarize: exact mean and sample standard deviation per group", async () => {
  const rows = [
    { rate: 10, size: 64, lost: 1 },
    { rate: 10, size: 64, lost: 3 },
    { rate: 10, size: 1500, lost: 5 },
    { rate: 20, size: 64, lost: 7 },
  ];
  const s = summarize(rows, { x: "rate", y: "lost", series: "size" });
  assert.deepEqual(s[0], {
    x: 10,
    series: "64",
    facet: "",
    mean: 2,
    sd: Math.SQRT2,
    min: 1,
    max: 3,
    n: 2,
  });
  assert.equal(s.length, 3);
  assert.throws(
    () => summarize([{ rate: "fast", lost: 1 }], { x: "rate", y: "lost" }),
    /column "rate" must hold finite numbers; got "fast"/,
  );
  const svg = (await sweepFigure(rows, {
    x: "rate",
    y: "lost",
    series: "size",
    title: "t",
  })).svg;
  assert.ok(svg.includes("<svg") && svg.includes("1500"));
});

Deno.test("progressBar", () => {
  assert.equal(progressBar(5, 10, 10), "[#####.....]  50% 5/10");
  assert.equal(progressBar(0, 0, 4), "[####] 100% 0/0");
});

Deno.test("notebookProgress is silent outside Jupyter", async () => {
  const { notebookProgress } = await import("../mod.ts");
  const progress = notebookProgress("runs");
  progress(1, 2);
  progress(2, 2);
});

Deno.test("parseCsv reads back what toCsv writes, typed", () => {
  const rows = [{ mechanism: "OpenFlow", rate: 1000, lost: 0, ok: true }, {
    mechanism: "Xen, standard",
    rate: 2.5,
    lost: 12,
    ok: false,
  }];
  assert.deepEqual(parseCsv(toCsv(rows)), rows);
  // Empty cells are left out; a date-like text stays text.
  assert.deepEqual(parseCsv("a,b,c\n1,,2026-11-22"), [{
    a: 1,
    c: "2026-11-22",
  }]);
});

Deno.test("sweepAsync: 130,000 repetitions of one point without overflowing the stack (issue 11, item 11)", async () => {
  const rows = await sweepAsync({ x: [1, 2] }, ({ x, seed }) => ({
    y: x,
    s: seed,
  }), { repetitions: 130_000, sliceMilliseconds: 1e9 });
  assert.equal(rows.length, 260_000);
  assert.equal(rows[259_999].x, 2);
  assert.equal(rows[130_000].repetition, 0);
});

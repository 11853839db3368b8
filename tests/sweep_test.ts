import assert from "node:assert/strict";
import {
  cbrStream,
  countFates,
  deriveSeed,
  flattenRow,
  gridPoints,
  MECHANISMS,
  outage,
  paperRun,
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

Deno.test("every mechanism's whole outcome sweeps into finite rows", () => {
  // A plane-separation outcome once carried its data-plane element (an
  // unbounded buffer: Infinity) where flattenRow refuses it.
  for (const mechanism of MECHANISMS) {
    const rows = sweep(
      { packetsPerSecond: [1000, 5000] },
      ({ packetsPerSecond, seed }) =>
        paperRun(mechanism.id, packetsPerSecond, { seed }),
    );
    assert.equal(rows.length, 2, mechanism.id);
    assert.equal(rows[0].mechanism, mechanism.id);
    assert.equal(typeof rows[1].downtimeSeconds, "number");
  }
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

Deno.test('CSV round trip (issue 16): "007", "NaN", "true" and a row of one empty string come back as written', async () => {
  const { parseCsv, toCsv } = await import("../src/sweep/csv.ts");
  const rows = [
    { id: "007", note: "NaN", flag: "true", n: 7, ok: true },
    {
      id: "",
      note: 'say "hi", twice\nthen stop',
      flag: " x ",
      n: -0.25,
      ok: false,
    },
    { id: "1e3", note: "Infinity", flag: "false", n: 1e-7, ok: true },
  ];
  assert.deepEqual(parseCsv(toCsv(rows)), rows);
  assert.deepEqual(parseCsv(toCsv([{ a: "" }])), [{ a: "" }]);
  // A missing value is not an empty string.
  assert.deepEqual(parseCsv(toCsv([{ a: 1, b: "x" }, { a: 2 }])), [{
    a: 1,
    b: "x",
  }, { a: 2 }]);
  // The writer refuses what no reader could take back.
  assert.throws(
    () => toCsv([{ a: NaN }]),
    /rows\[0\]\.a must be a finite number; got NaN/,
  );
  // Negative control: the d3 reader this replaces got all three wrong.
  const { csvParse, autoType } = await import("d3-dsv");
  const d3 = csvParse("id,note\n007,NaN", autoType);
  assert.equal(d3[0].id, 7);
  assert.ok(Number.isNaN(d3[0].note));
});

Deno.test("CSV against a typed schema: declared types exactly, anything else named by line and column", async () => {
  const { csvSchema, parseCsv } = await import("../src/sweep/csv.ts");
  const schema = {
    id: "string",
    rate: "number",
    runs: "integer",
    ok: "boolean",
  } as const;
  assert.deepEqual(
    parseCsv("id,rate,runs,ok\n007,1.50,3,true\n42,.5,4,false", schema),
    [{ id: "007", rate: 1.5, runs: 3, ok: true }, {
      id: "42",
      rate: 0.5,
      runs: 4,
      ok: false,
    }],
  );
  assert.throws(
    () => parseCsv("id,rate,runs,ok\nx,NaN,3,true", schema),
    /CSV line 2, column rate must be a finite number; got "NaN"/,
  );
  assert.throws(
    () => parseCsv("id,rate,runs,ok\nx,1,3.5,true", schema),
    /CSV line 2, column runs must be an integer; got "3.5"/,
  );
  assert.throws(
    () => parseCsv("id,rate,runs,ok\nx,1,3,yes", schema),
    /column ok must be true or false; got "yes"/,
  );
  assert.throws(
    () => parseCsv("id,rate,ok\nx,1,true", schema),
    /missing: runs/,
  );
  assert.throws(
    () => parseCsv("id,rate,runs,ok,extra\nx,1,3,true,1", schema),
    /not in the schema: extra/,
  );
  assert.throws(
    () => parseCsv("id,rate,runs,ok\nx,1,3", schema),
    /CSV line 2 must have 4 cells; got 3/,
  );
  assert.deepEqual(csvSchema([{ a: 1, b: 0.5, c: "x", d: true }, { a: 2 }]), {
    a: "integer",
    b: "number",
    c: "string",
    d: "boolean",
  });
});

Deno.test("CSV: the files others write and read still parse as before (d3-written, committed)", async () => {
  const { parseCsv } = await import("../src/sweep/csv.ts");
  const rows = parseCsv(
    await Deno.readTextFile(
      new URL("../data/testbed/migration.csv", import.meta.url),
    ),
  );
  assert.equal(rows.length, 84);
  assert.equal(typeof rows[0].measuredTotalMigrationSeconds, "number");
  assert.equal(typeof rows[0].datapathFlowCache, "boolean");
  assert.equal(typeof rows[0].ordering, "string");
});

Deno.test("Parquet holds the rows with their types (read back with hyparquet)", async () => {
  const { toParquet } = await import("../src/sweep/parquet.ts");
  const { parquetReadObjects } = await import("hyparquet");
  const bytes = await toParquet([{
    seed: 4294967296,
    rate: 0.5,
    label: "007",
    ok: true,
  }, { seed: 1, label: "" }]);
  const rows = await parquetReadObjects({ file: bytes.buffer as ArrayBuffer });
  assert.deepEqual(rows, [
    { seed: 4294967296n, rate: 0.5, label: "007", ok: true },
    { seed: 1n, rate: null, label: "", ok: null },
  ]);
});

Deno.test("column units from names; a number without one is reported as null", async () => {
  const { columnUnit, describeColumns } = await import(
    "../src/sweep/columns.ts"
  );
  const cases: [string, string | null][] = [
    ["downtimeSeconds", "s"],
    ["data.lostPackets", "packets"],
    ["linkBitsPerSecond", "bit/s"],
    ["packetsPerSecond", "packets/s"],
    ["packetSizeBytes", "B"],
    ["maxControlHops", "hops"],
    ["flowModsSent", "messages"],
    ["seed", "1"],
    ["mean", null],
    ["sd", null],
  ];
  for (const [name, unit] of cases) assert.equal(columnUnit(name), unit, name);
  assert.deepEqual(describeColumns([{ label: "x", mean: 1 }]), [
    { name: "label", type: "string", unit: null },
    { name: "mean", type: "integer", unit: null },
  ]);
});

Deno.test("stderrProgress: a bar redrawn in place on a terminal, plain lines every interval otherwise", async () => {
  const { stderrProgress } = await import("../src/sweep/progress.ts");
  const bar: string[] = [];
  const onTerminal = stderrProgress("runs", {
    terminal: true,
    intervalMilliseconds: 0,
    write: (t) => bar.push(t),
  });
  onTerminal(1, 2);
  onTerminal(2, 2);
  assert.deepEqual(bar, [
    `\r${"runs"} [${"#".repeat(15)}${".".repeat(15)}]  50% 1/2`,
    `\rruns [${"#".repeat(30)}] 100% 2/2\n`,
  ]);
  const plain: string[] = [];
  const inLog = stderrProgress("runs", {
    terminal: false,
    write: (t) => plain.push(t),
  });
  for (let i = 1; i <= 1000; i++) inLog(i, 1000);
  // The first call and the last; nothing between within 10 s; no \r.
  assert.deepEqual(plain, ["runs 1/1000 (0%)\n", "runs 1000/1000 (100%)\n"]);
});

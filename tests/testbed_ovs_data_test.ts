// The Open vSwitch testbed's committed data (pure, always run): the sweep's
// CSV reads against its schema and writes back byte for byte; the model,
// with today's profile and code, reproduces exactly the predicted timing
// written beside every committed run; the stated tolerance holds for the
// runs its comment says; and the profile lies within the stated factor of
// what the committed calibration gives.

import assert from "node:assert/strict";
import { compareOutcomes } from "../src/migration/mod.ts";
import {
  BROKEN_VARIANTS,
  CACHED_VARIANTS,
  formatTableMissSwitches,
  OVS_CALIBRATION_FACTOR,
  OVS_TESTBED_PROFILE,
  OVS_TESTBED_TOLERANCES,
  type OvsCalibration,
  PAPER_AS_PLANNED,
  PAPER_DRAIN,
  paperOvsScenario,
  parseTableMissSwitches,
  predictOvsMigration,
  profileFromCalibration,
  readTestbedRows,
  TESTBED_ROW_COLUMNS,
  testbedRowOutcomes,
  testbedRowsCsv,
} from "../src/testbed/mod.ts";

const CSV = new URL("../data/testbed/migration.csv", import.meta.url);
const CALIBRATION = new URL(
  "../data/testbed/calibration.json",
  import.meta.url,
);
const text = await Deno.readTextFile(CSV);
const rows = readTestbedRows(text);
const VARIANTS = [
  PAPER_AS_PLANNED,
  PAPER_DRAIN,
  ...BROKEN_VARIANTS,
  ...CACHED_VARIANTS,
];

Deno.test("the committed sweep reads against its schema and writes back byte for byte", () => {
  assert.equal(rows.length, 84);
  assert.equal(testbedRowsCsv(rows), text);
  const first = rows[0];
  assert.equal(first.ordering, "paper");
  assert.equal(first.datapathFlowCache, false);
  assert.equal(first.gapAfterPhase, "");
  assert.equal(typeof first.measuredTotalMigrationSeconds, "number");
  // Every run is of a variant the sweep defines, 3 repeats of each point.
  for (const r of rows) {
    assert.ok(
      VARIANTS.some((v) =>
        v.ordering === r.ordering && v.variant === r.variant
      ),
      `${r.ordering} (${r.variant})`,
    );
  }
  // Negative controls: a wrong column, a word where a number goes.
  const header = TESTBED_ROW_COLUMNS.map(([c]) => c).join(",");
  assert.throws(
    () => readTestbedRows(text.replace("packetBytes", "packetSize")),
    /testbed CSV columns must be ordering,/,
  );
  const lines = text.split("\n");
  assert.throws(
    () =>
      readTestbedRows(
        [header, lines[1].replace(",1000,", ",many,")].join("\n"),
      ),
    /row 1, column packetsPerSecond: must be a number; got "many"/,
  );
  assert.throws(
    () =>
      readTestbedRows(
        [header, lines[1].replace("paper,false", "paper,no")].join("\n"),
      ),
    /column datapathFlowCache: must be true or false; got "no"/,
  );
});

Deno.test("tableMissSwitches: switch:packets pairs in switch order, read back exactly, summing to the table-miss count", () => {
  // The committed runs: every cell reads and writes back as it is, and its
  // counts add up to the run's table-miss packets.
  let withDrops = 0;
  for (const r of rows) {
    const counts = parseTableMissSwitches(r.tableMissSwitches);
    assert.equal(formatTableMissSwitches(counts), r.tableMissSwitches);
    assert.equal(
      Object.values(counts).reduce((a, b) => a + b, 0),
      r.measuredTableMissPackets,
    );
    if (r.tableMissSwitches !== "") withDrops++;
  }
  assert.equal(withDrops, 22);
  assert.deepEqual(parseTableMissSwitches("s2:51 s4:2"), { s2: 51, s4: 2 });
  assert.equal(
    formatTableMissSwitches({ s10: 1, s2: 3, s3: 0 }),
    "s2:3 s10:1",
  );
  // Negative controls: each malformed cell is refused, saying why.
  for (
    const [cell, why] of [
      ["s4:2 s2:51", /s2 after s4/],
      ["s2:51 s2:1", /s2 after s2/],
      ["s2:51  s4:2", /"" is not a pair/],
      ["s2:51,s4:2", /"s2:51,s4:2" is not a pair/],
      ["s2:0", /"s2:0" is not a pair/],
      ["s2:-1", /"s2:-1" is not a pair/],
      ["s2:1.5", /"s2:1\.5" is not a pair/],
      ["s2:07", /"s2:07" is not a pair/],
      ["s2", /"s2" is not a pair/],
      [" s2:1", /"" is not a pair/],
      ["s2:9999999999999999", /above 2\^53 - 1/],
    ] as const
  ) {
    assert.throws(
      () => parseTableMissSwitches(cell),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message.startsWith("tableMissSwitches must be switch:packets") &&
        why.test(e.message),
      cell,
    );
  }
  assert.throws(
    () => formatTableMissSwitches({ "s 2": 1 }),
    /switch ids must be letters/,
  );
  // The reader applies both: the form, and the sum against the count.
  const header = TESTBED_ROW_COLUMNS.map(([c]) => c).join(",");
  const line = text.split("\n").find((l) => l.includes(",s2:51 s4:2,"))!;
  assert.ok(line.includes(",53,s2:51 s4:2,"), line);
  assert.equal(
    readTestbedRows(`${header}\n${line}\n`)[0].tableMissSwitches,
    "s2:51 s4:2",
  );
  assert.throws(
    () =>
      readTestbedRows(
        `${header}\n${line.replace("s2:51 s4:2", "s4:2 s2:51")}\n`,
      ),
    /row 1, column tableMissSwitches: tableMissSwitches must be .*s2 after s4/,
  );
  assert.throws(
    () =>
      readTestbedRows(
        `${header}\n${line.replace("s2:51 s4:2", "s2:50 s4:2")}\n`,
      ),
    /row 1, column tableMissSwitches: must be counts summing to measuredTableMissPackets \(53\); they sum to 52/,
  );
});

Deno.test("data/testbed/README.md documents every column, in order, with its type", async () => {
  const readme = await Deno.readTextFile(
    new URL("../data/testbed/README.md", import.meta.url),
  );
  const documented = [...readme.matchAll(/^\| (\w+) \| ([\w?]+) \|/gm)]
    .map((m) => [m[1], m[2]]).slice(1); // after the header row
  assert.deepEqual(documented, TESTBED_ROW_COLUMNS.map(([c, t]) => [c, t]));
});

Deno.test("today's model and profile reproduce exactly the predicted timing of every committed run", () => {
  for (const r of rows) {
    const variant = VARIANTS.find((v) =>
      v.ordering === r.ordering && v.variant === r.variant
    )!;
    const p = predictOvsMigration(paperOvsScenario({
      variant,
      packetsPerSecond: r.packetsPerSecond,
      packetSizeBytes: r.packetBytes,
      seed: r.repeat,
    }));
    const where =
      `${r.ordering} (${r.variant}) ${r.packetsPerSecond}/s repeat ${r.repeat}`;
    assert.equal(
      p.totalMigrationSeconds,
      r.predictedTotalMigrationSeconds,
      where,
    );
    assert.equal(
      p.allAppliedAfterSeconds,
      r.predictedAllAppliedAfterSeconds,
      where,
    );
    assert.equal(
      p.redirectAfterSeconds ?? "",
      r.predictedRedirectAfterSeconds,
      where,
    );
    assert.equal(p.messagesSent, r.messagesSent, where);
  }
  // Negative control: another profile would not have given those numbers.
  const r = rows[0];
  const other = predictOvsMigration(
    paperOvsScenario({ packetsPerSecond: r.packetsPerSecond, seed: r.repeat }),
    {
      profile: {
        ...OVS_TESTBED_PROFILE,
        controlChannelLatencySeconds: 0.00022,
      },
    },
  );
  assert.notEqual(
    other.allAppliedAfterSeconds,
    r.predictedAllAppliedAfterSeconds,
  );
});

Deno.test("the stated tolerance: 83 of the 84 committed runs lie within, the one outside is all-at-once with the datapath cache", () => {
  const outside = rows.filter((r) =>
    !compareOutcomes(
      testbedRowOutcomes(r).measured,
      testbedRowOutcomes(r).predicted,
      OVS_TESTBED_TOLERANCES,
    ).every((c) => c.within)
  );
  assert.deepEqual(
    outside.map((
      r,
    ) => [
      r.ordering,
      r.variant,
      r.measuredLostPackets,
      r.predictedLostPackets,
    ]),
    [["all-at-once", "cached datapath", 11, 0]],
  );
});

Deno.test("the profile lies within the stated factor of what the committed calibration gives", async () => {
  const calibration = JSON.parse(
    await Deno.readTextFile(CALIBRATION),
  ) as OvsCalibration;
  assert.equal(calibration.runs, 10);
  assert.ok(calibration.flowModSpacingsSeconds.length >= 10);
  assert.ok(calibration.barrierRoundTripsSeconds.length >= 10);
  const derived = profileFromCalibration(calibration);
  const within = (profile: number, measured: number) =>
    profile <= measured * OVS_CALIBRATION_FACTOR &&
    measured <= profile * OVS_CALIBRATION_FACTOR;
  const check = (p: typeof OVS_TESTBED_PROFILE) =>
    within(
      p.controllerPerMessageSeconds,
      derived.controllerPerMessageSeconds,
    ) &&
    within(
      p.controlChannelLatencySeconds,
      derived.controlChannelLatencySeconds,
    );
  assert.ok(check(OVS_TESTBED_PROFILE), JSON.stringify({ derived }));
  assert.deepEqual(derived.install, OVS_TESTBED_PROFILE.install);
  // Negative controls: a profile 2.5 times too fast or too slow fails.
  for (const f of [2.5, 1 / 2.5]) {
    assert.ok(
      !check({
        ...OVS_TESTBED_PROFILE,
        controlChannelLatencySeconds: derived.controlChannelLatencySeconds * f,
      }),
    );
  }
  // The derivation itself: medians, to 0.01 ms.
  assert.deepEqual(
    profileFromCalibration({
      measuredAt: "",
      runs: 1,
      flowModSpacingsSeconds: [0.00001, 0.000022, 0.00009],
      barrierRoundTripsSeconds: [0.0002, 0.00047, 0.002],
    }),
    {
      controllerPerMessageSeconds: 0.00002,
      controlChannelLatencySeconds: 0.00021,
      install: OVS_TESTBED_PROFILE.install,
    },
  );
});

import assert from "node:assert/strict";
import {
  claimById,
  CLAIMS,
  claimsTable,
  evaluateClaims,
  measuredOpenflowRows,
  measuredVmTestbedRows,
  paperExperiment,
  paperFigures,
  paperRun,
  profileValues,
  runNegativeControls,
  sensitivityStudy,
} from "../mod.ts";
import type { SweepRow } from "../mod.ts";

const rows = paperExperiment({
  repetitions: 2,
  packetRatesPerSecond: [500, 3000, 6000, 10000],
});
const scaling = {
  openflowByControllerHops: [[2, 0.0045], [3, 0.0065]] as const,
  openflowByFlowCount: [[2, 0.0045], [20, 0.016]] as const,
};

Deno.test("the paper profile reproduces every claim, C1 to C9", () => {
  const claims = evaluateClaims({ rows, ...scaling });
  assert.deepEqual(claims.map((c) => c.id), [
    "C1",
    "C2",
    "C3",
    "C4",
    "C5",
    "C6",
    "C7",
    "C8",
    "C9",
  ]);
  for (const c of claims) {
    assert.ok(c.pass, `${c.id}: ${c.reproduced} (${c.tolerance})`);
  }
});

Deno.test("invariants of every run: downtime within total time, loss only for Xen standard", () => {
  for (const r of rows) {
    const downtime = r.downtimeSeconds as number;
    assert.ok(downtime >= 0);
    if (r.mechanism !== "openflow") {
      assert.ok(downtime < (r.totalMigrationSeconds as number));
    }
    const lost = r["data.lostPackets"] as number;
    assert.ok(lost <= (r["data.sentPackets"] as number));
    if (r.mechanism === "xen-standard") assert.ok(lost > 0);
    else assert.equal(lost, 0);
  }
});

Deno.test("the claims can fail: a run that loses data breaks C4, a late OpenFlow breaks C6", () => {
  const broken: SweepRow[] = rows.map((r) =>
    r.mechanism === "plane-separation" && r.packetsPerSecond === 3000
      ? { ...r, "data.lostPackets": 1 }
      : r
  );
  const c4 = evaluateClaims({ rows: broken, ...scaling }).find((c) =>
    c.id === "C4"
  )!;
  assert.equal(c4.pass, false);
  const slow = evaluateClaims({
    rows,
    openflowByControllerHops: [[2, 0.0045], [3, 0.004]],
    openflowByFlowCount: scaling.openflowByFlowCount,
  }).find((c) => c.id === "C6")!;
  assert.equal(slow.pass, false);
  assert.match(claimsTable([c4]), /\| C4 \| .* \| \*\*FAIL\*\* \|/);
});

Deno.test("same seed, same run; seeds vary the trigger's phase against the stream", () => {
  const a = paperRun("xen-standard", 4000, { seed: 3 });
  assert.deepEqual(paperRun("xen-standard", 4000, { seed: 3 }), a);
  // The phase moves a packet in or out of the outage: the loss varies by
  // at most one packet, and does vary.
  const lost = new Set(
    Array.from(
      { length: 10 },
      (_, seed) => paperRun("xen-standard", 4000, { seed }).data.lostPackets,
    ),
  );
  assert.equal(lost.size, 2);
  assert.equal(Math.max(...lost) - Math.min(...lost), 1);
  assert.throws(
    () => paperRun("VMware", 1000),
    /mechanism must be one of .*got "VMware"/,
  );
  assert.throws(
    () => paperRun("openflow", 1000, { packetSize: 64 } as never),
    /options has no option "packetSize"; did you mean "packetSizeBytes"\?/,
  );
});

Deno.test("figures: three panels' worth of SVG with labelled axes", async () => {
  const figures = await paperFigures(rows);
  assert.equal(figures.length, 3);
  for (const f of figures) {
    assert.match(f.figure.svg, /data packet rate \(packets\/s\)/);
    assert.match(f.figure.svg, /64-byte packets/);
    assert.match(f.figure.svg, /Xen plane separation/);
  }
});

Deno.test({
  name:
    "deno task reproduce --quick writes the figures, CSV and a passing report",
  sanitizeResources: false,
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "vnmig-reproduce-" });
    try {
      const run = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "src/cli/reproduce.ts",
          "--quick",
          "--out",
          out,
          "--seed",
          "5",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(run.stdout);
      assert.equal(run.code, 0, stdout + new TextDecoder().decode(run.stderr));
      for (
        const name of [
          "fig5_downtime",
          "fig6_lost_packets",
          "fig7_total_migration_time",
        ]
      ) {
        const png = await Deno.readFile(`${out}/${name}.png`);
        assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
        assert.match(await Deno.readTextFile(`${out}/${name}.svg`), /^<svg/);
        const csv = await Deno.readTextFile(`${out}/${name}.csv`);
        assert.match(
          csv,
          /^mechanism,packetSizeBytes,packetsPerSecond,mean\w+(Seconds|Packets),sd\w+,min\w+,max\w+,runs/,
        );
      }
      const report = await Deno.readTextFile(`${out}/REPORT.md`);
      assert.match(report, /9 of 9 claims hold/);
      const bad = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "src/cli/reproduce.ts",
          "--formats",
          "gif",
          "--out",
          out,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(bad.code, 2);
      assert.match(
        new TextDecoder().decode(bad.stderr),
        /--formats must list one or more of svg, png, comma-separated; got "gif"/,
      );
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test("claims need every mechanism and two packet sizes, and say so", () => {
  assert.throws(
    () =>
      evaluateClaims({
        rows: rows.filter((r) => r.mechanism !== "openflow"),
        ...scaling,
      }),
    /rows must hold at least 1 run of "openflow"; got 0/,
  );
  assert.throws(
    () =>
      evaluateClaims({
        rows: rows.filter((r) => r.packetSizeBytes === 64),
        ...scaling,
      }),
    /rows must hold runs of at least 2 packet sizes \(claim C7\); got 1/,
  );
  assert.throws(
    () => paperExperiment({ packetRatesPerSecond: [1000, 0] }),
    /packetRatesPerSecond\[1\] must be a finite number in \(0, \+inf\); got 0/,
  );
});

Deno.test("every negative control makes its claim fail (a change to the mechanism, not to the rows)", () => {
  const results = runNegativeControls({ rows });
  assert.ok(results.length >= 9);
  assert.deepEqual(
    [...new Set(results.map((r) => r.control.claim))].sort(),
    ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"],
  );
  for (const r of results) {
    assert.equal(
      r.check.status,
      "fail",
      `${r.control.claim} under "${r.control.change}": ${r.check.reproduced}`,
    );
  }
  // The unchanged runs pass the same checks: the controls, not the
  // evidence assembly, make them fail.
  for (const c of CLAIMS) {
    assert.equal(
      c.check({ rows, ...scaling }).status,
      "pass",
      `${c.id} holds on the unchanged runs`,
    );
  }
});

Deno.test("sensitivity: every profile variant runs, and the link rate carries C2 and C3", () => {
  const study = sensitivityStudy({
    rows,
    packetRatesPerSecond: [500, 5000, 10000],
    packetSizesBytes: [64],
  });
  assert.equal(study.length, 2 * profileValues().length);
  const link = study.filter((s) =>
    s.name === "PAPER_TESTBED.linkBitsPerSecond"
  );
  assert.ok(link.every((s) => s.flipped.includes("C2")));
  // A value no model reads flips nothing.
  const phase = study.filter((s) =>
    s.name === "PAPER_PLANE_SEPARATION.removalSeconds"
  );
  assert.ok(phase.every((s) => s.flipped.length === 0));
});

Deno.test("measured Open vSwitch runs become OpenFlow evidence, and the claims check them", () => {
  const measured = measuredOpenflowRows([
    {
      ordering: "paper",
      variant: "as planned",
      packetsPerSecond: 1000,
      packetBytes: 64,
      measuredTotalMigrationSeconds: 0.0017,
      measuredLostPackets: 0,
      sentPackets: 1200,
      longestGapPackets: 0,
    },
    {
      ordering: "delete-old-first",
      variant: "gap after first phase",
      packetsPerSecond: 1000,
      packetBytes: 64,
      measuredTotalMigrationSeconds: 0.1,
      measuredLostPackets: 100,
      sentPackets: 1200,
      longestGapPackets: 100,
    },
  ]);
  assert.equal(measured.length, 1); // only the paper's ordering as planned
  assert.equal(claimById("C4").check({ rows: measured }).status, "pass");
  assert.equal(claimById("C9").check({ rows: measured }).status, "pass");
  assert.equal(
    claimById("C3").check({ rows: measured }).status,
    "not measured",
  );
  const lossy = [{
    ...measured[0],
    "data.lostPackets": 3,
    dataOutageSeconds: 0.003,
  }];
  assert.equal(claimById("C4").check({ rows: lossy }).status, "fail");
  assert.equal(claimById("C9").check({ rows: lossy }).status, "fail");
});

Deno.test("measured VM runs: C1's shape is the trend over every run, not the scatter of per-rate means", () => {
  // Three runs per rate whose downtimes scatter by +-20 % around 0.3 s
  // with hardly a trend (-3 ms over the rates), but the per-rate means
  // (0.30, 0.34, 0.30 s) spread by more than 10 %.
  const scatter = [0.24, 0.3, 0.36, 0.36, 0.36, 0.3, 0.3, 0.36, 0.24];
  const vm = (downtime: (rate: number, i: number) => number) =>
    measuredVmTestbedRows(
      [1000, 1000, 1000, 5000, 5000, 5000, 10000, 10000, 10000].map((
        rate,
        i,
      ) => ({
        experiment: "rates",
        router: "idle",
        completed: true,
        packetsPerSecond: rate,
        packetSizeBytes: 64,
        downtimeSeconds: downtime(rate, i),
        dataOutageSeconds: downtime(rate, i),
        totalMigrationSeconds: 8,
        sentPackets: 8 * rate,
        lostPackets: Math.round(rate * downtime(rate, i)),
        lostOutage: Math.round(rate * downtime(rate, i)),
      })),
    );
  const flat = vm((_, i) => scatter[i]);
  const c1 = claimById("C1");
  assert.equal(c1.check({ rows: flat }).status, "fail"); // the means scatter
  assert.equal(c1.shape({ rows: flat }).status, "pass"); // but no trend
  assert.equal(claimById("C3").shape({ rows: flat }).status, "pass");
  // A router that drops probes in pre-copy breaks C3's shape, and says so.
  const saturated = flat.map((r, i) =>
    i === 8
      ? {
        ...r,
        "data.lostPackets": (r["data.lostPackets"] as number) + 5000,
        "data.lostOutsideOutagePackets": 5000,
      }
      : r
  );
  const c3 = claimById("C3").shape({ rows: saturated });
  assert.equal(c3.status, "fail");
  assert.match(
    c3.reproduced,
    /1 of 9 runs also lost probes outside the outage \(most 5000/,
  );
  // Negative control: downtime growing by 30 ms per 1000 packets/s.
  const growing = vm((rate, i) => scatter[i] + 3e-5 * rate);
  assert.equal(c1.shape({ rows: growing }).status, "fail");
  // A run that did not complete is no evidence.
  assert.equal(
    measuredVmTestbedRows([{
      ...flat[0],
      experiment: "rates",
      completed: false,
    }])
      .length,
    0,
  );
});

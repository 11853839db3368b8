import assert from "node:assert/strict";
import {
  claimsTable,
  evaluateClaims,
  linearFit,
  paperExperiment,
  paperFigures,
  paperRun,
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
    if (r.mechanism !== "OpenFlow") {
      assert.ok(downtime < (r.totalMigrationSeconds as number));
    }
    assert.ok((r.lostPackets as number) <= (r.sentPackets as number));
    if (r.mechanism === "Xen standard") {
      assert.ok((r.lostPackets as number) > 0);
    } else assert.equal(r.lostPackets, 0);
  }
});

Deno.test("the claims can fail: a run that loses data breaks C4, a late OpenFlow breaks C6", () => {
  const broken: SweepRow[] = rows.map((r) =>
    r.mechanism === "Xen plane separation" && r.packetsPerSecond === 3000
      ? { ...r, lostPackets: 1 }
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

Deno.test("same seed, same rows; jitter off gives identical repetitions", () => {
  const a = paperRun("Xen standard", 4000, { seed: 3 });
  assert.deepEqual(paperRun("Xen standard", 4000, { seed: 3 }), a);
  assert.notDeepEqual(paperRun("Xen standard", 4000, { seed: 4 }), a);
  const off = {
    hotPages: 0,
    backgroundPagesPerSecond: 0,
    linkBitsPerSecond: 0,
    setupSeconds: 0,
    resumeSeconds: 0,
    arpLearningSeconds: 0,
    syncSeconds: 0,
    bindingSeconds: 0,
  };
  assert.deepEqual(
    paperRun("Xen plane separation", 4000, { seed: 1, jitter: off }),
    paperRun("Xen plane separation", 4000, { seed: 2, jitter: off }),
  );
  assert.throws(
    () => paperRun("Xen standard", 1000, { jitter: { hotPages: 2 } }),
    /jitter\.hotPages must be a finite number in \[0, 1\]; got 2/,
  );
  assert.throws(
    () => paperRun("VMware" as "OpenFlow", 1000),
    /mechanism must be one of .*got "VMware"/,
  );
});

Deno.test("linearFit recovers an exact line", () => {
  const fit = linearFit([[1, 3], [2, 5], [4, 9]]);
  assert.ok(
    Math.abs(fit.slope - 2) < 1e-12 && Math.abs(fit.intercept - 1) < 1e-12,
  );
  assert.ok(Math.abs(fit.r2 - 1) < 1e-12);
});

Deno.test("figures: three panels' worth of SVG with labelled axes", () => {
  const figures = paperFigures(rows);
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
          /^mechanism,packetSizeBytes,packetsPerSecond,mean,sd,min,max,runs/,
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
        /--formats must list svg and\/or png; got "gif"/,
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
        rows: rows.filter((r) => r.mechanism !== "OpenFlow"),
        ...scaling,
      }),
    /rows must hold at least 1 run of "OpenFlow"; got 0/,
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

// `deno task reproduce`: runs the papers' experiments on the paper testbed
// profile and writes Figs. 5, 6 and 7 (SVG, PNG), their data (CSV) and
// REPORT.md with the claims table. Exits 1 when a claim fails.

import { parseArgs } from "node:util";
import { toCsv } from "../sweep/csv.ts";
import { stderrProgress } from "../sweep/progress.ts";
import { summarize } from "../stats/summary.ts";
import { evaluateClaims } from "../reproduce/claims.ts";
import { paperFigures } from "../reproduce/figures.ts";
import { PAPER_EXPERIMENT, paperExperiment } from "../reproduce/paper.ts";
import { reportMarkdown } from "../reproduce/report.ts";
import { openflowScalingStudy } from "../reproduce/openflow_scaling.ts";

const USAGE = `Usage: deno task reproduce [options]

  --out DIR          output folder (default: out)
  --formats LIST     figure formats, comma-separated: svg,png (default: svg,png)
  --quick            fewer rates and 2 runs per point (default: off)
  --repetitions N    runs per point (default: 5; 2 with --quick)
  --seed N           base seed (default: 0)
  --help             this text`;

function fail(message: string): never {
  console.error(`reproduce: ${message}\n\n${USAGE}`);
  Deno.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        out: { type: "string", default: "out" },
        formats: { type: "string", default: "svg,png" },
        quick: { type: "boolean", default: false },
        repetitions: { type: "string" },
        seed: { type: "string", default: "0" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
})();
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const formats = values.formats.split(",").map((f) => f.trim()).filter(Boolean);
for (const f of formats) {
  if (f !== "svg" && f !== "png") {
    fail(`--formats must list svg and/or png; got "${f}"`);
  }
}
const seed = Number(values.seed);
if (!Number.isSafeInteger(seed) || seed < 0) {
  fail(`--seed must be an integer >= 0; got "${values.seed}"`);
}
const repetitions = values.repetitions === undefined
  ? (values.quick ? 2 : 5)
  : Number(values.repetitions);
if (!Number.isSafeInteger(repetitions) || repetitions < 1) {
  fail(`--repetitions must be an integer >= 1; got "${values.repetitions}"`);
}
const rates = values.quick
  ? PAPER_EXPERIMENT.packetRatesPerSecond.filter((_, i) => i % 2 === 0)
  : PAPER_EXPERIMENT.packetRatesPerSecond;
const out = values.out;
Deno.mkdirSync(out, { recursive: true });

const started = performance.now();
const rows = paperExperiment({
  repetitions,
  seed,
  packetRatesPerSecond: rates,
  onProgress: stderrProgress("migrations"),
});
const scaling = await openflowScalingStudy(seed);
const claims = evaluateClaims({ rows, ...scaling.claimInputs });
const figures = await paperFigures(rows);

Deno.writeTextFileSync(`${out}/paper_runs.csv`, toCsv(rows) + "\n");
const metrics = {
  fig5_downtime: "downtimeSeconds",
  fig6_lost_packets: "data.lostPackets",
  fig7_total_migration_time: "totalMigrationSeconds",
} as const;
for (const { name, figure } of figures) {
  const summary = summarize(rows, {
    x: "packetsPerSecond",
    y: metrics[name as keyof typeof metrics],
    series: "label",
    facet: "packetSizeBytes",
  }).map((s) => ({
    mechanism: s.series,
    packetSizeBytes: Number(s.facet),
    packetsPerSecond: s.x,
    mean: s.mean,
    sd: s.sd,
    min: s.min,
    max: s.max,
    runs: s.n,
  }));
  Deno.writeTextFileSync(`${out}/${name}.csv`, toCsv(summary) + "\n");
  await figure.save(`${out}/${name}`, formats as ("svg" | "png")[]);
}
Deno.writeTextFileSync(
  `${out}/openflow_scaling.csv`,
  toCsv(scaling.rows) + "\n",
);
for (const { name, figure } of scaling.figures) {
  await figure.save(`${out}/${name}`, formats as ("svg" | "png")[]);
}
const allFigures = [...figures, ...scaling.figures];
Deno.writeTextFileSync(
  `${out}/REPORT.md`,
  reportMarkdown(claims, allFigures, {
    seed,
    repetitions,
    runs: rows.length,
    packetRatesPerSecond: rates,
    formats,
  }),
);

const seconds = ((performance.now() - started) / 1000).toFixed(1);
for (const c of claims) {
  console.log(`${c.pass ? "pass" : "FAIL"} ${c.id} ${c.reproduced}`);
}
console.log(
  `wrote ${out}/REPORT.md, ${allFigures.length} figures, CSV data (${rows.length} runs, ${seconds} s)`,
);
Deno.exit(claims.every((c) => c.pass) ? 0 : 1);

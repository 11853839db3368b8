// `deno task reproduce`: runs the papers' experiments on the paper testbed
// profile and writes Figs. 5, 6 and 7 (SVG, PNG), their data (CSV) and
// REPORT.md with the claims table. Exits 1 when a claim fails.

import { parseArgs } from "node:util";
import { stderrProgress } from "../sweep/progress.ts";
import { loadMeasuredEvidence } from "./_measured_files.ts";
import { PAPER_EXPERIMENT } from "../reproduce/paper.ts";
import { reproducePaper } from "../reproduce/run.ts";

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

const started = performance.now();
const progress = { stage: "", bar: stderrProgress("migrations") };
const reproduction = await reproducePaper({
  repetitions,
  seed,
  packetRatesPerSecond: rates,
  formats: formats as ("svg" | "png")[],
  measured: await loadMeasuredEvidence(),
  onProgress: (stage, done, total) => {
    if (stage !== progress.stage) {
      progress.stage = stage;
      progress.bar = stderrProgress(stage);
    }
    progress.bar(done, total);
  },
});
Deno.mkdirSync(out, { recursive: true });
for (const file of reproduction.files) {
  const path = `${out}/${file.name}`;
  if (typeof file.contents === "string") {
    Deno.writeTextFileSync(path, file.contents);
  } else Deno.writeFileSync(path, file.contents);
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
for (const c of reproduction.claims) {
  console.log(`${c.pass ? "pass" : "FAIL"} ${c.id} ${c.reproduced}`);
}
for (const c of reproduction.controls) {
  if (!c.behaved) {
    console.log(
      `CONTROL DID NOT FAIL ${c.control.claim}: ${c.control.change}: ${c.check.reproduced}`,
    );
  }
}
console.log(
  `wrote ${out}/REPORT.md and ${
    reproduction.files.length - 1
  } more files (${reproduction.rows.length} runs, ${seconds} s)`,
);
Deno.exit(reproduction.passed ? 0 : 1);

// `deno task reproduce`: runs the papers' experiments on the paper testbed
// profile and writes Figs. 5, 6 and 7 (SVG, PNG), their data (CSV, and
// Parquet on request), REPORT.md with the claims, and meta.json describing
// the set (version, commit, seeds, the command, every file's columns with
// their units). The set is written whole or not at all (see
// _output_set.ts); everything it needs is checked before computing.
//
// Exit codes: 0 every claim holds; 1 a claim (or a negative control)
// failed; 2 usage error; 3 the output cannot be written here (permission,
// space, font, an I/O error); 130/143 interrupted (nothing written).

import denoJson from "../../deno.json" with { type: "json" };
import { svgToPng } from "../plot/figure.ts";
import { PAPER_EXPERIMENT } from "../reproduce/paper.ts";
import type { ClaimResult } from "../reproduce/claims.ts";
import type { OutputFile } from "../reproduce/run.ts";
import { describeColumns } from "../sweep/columns.ts";
import { parseCsv } from "../sweep/csv.ts";
import { toParquet } from "../sweep/parquet.ts";
import { stderrProgress } from "../sweep/progress.ts";
import {
  EnvironmentError,
  EXIT_CODES,
  noPositionals,
  parseFlags,
  parseIntegerFlag,
  parseListFlag,
  runProgram,
  SIGNAL_EXIT_CODES,
  stringFlag,
  UsageError,
} from "../_args.ts";
import { findFontFile } from "../plot/_font.ts";
import { loadMeasuredEvidence } from "./_measured_files.ts";
import { type OutputEntry, prepareOutputSet } from "./_output_set.ts";
import { gitCommit } from "./_provenance.ts";

/** What the worker sends back (plain data). */
interface WorkerResult {
  readonly rows: readonly unknown[];
  readonly claims: readonly ClaimResult[];
  readonly controls: readonly {
    behaved: boolean;
    claim: string;
    change: string;
    reproduced: string;
  }[];
  readonly passed: boolean;
  readonly files: readonly OutputFile[];
}

type WorkerMessage =
  | { kind: "progress"; stage: string; done: number; total: number }
  | { kind: "done"; result: WorkerResult }
  | { kind: "error"; message: string };

/** Most repetitions per point (see the usage). */
const MAX_REPETITIONS = 1000;
const FORMATS = ["svg", "png"] as const;

const USAGE = `Usage: deno task reproduce [options]

  --out DIR          output folder (default: out); a new or empty folder, or
                     a previous output of this command, replaced whole
  --formats LIST     figure formats, comma-separated: svg,png (default: svg,png)
  --parquet          also write every CSV as Parquet (default: off)
  --quick            every other rate and 2 runs per point (default: off)
  --repetitions N    runs per point, 1..${MAX_REPETITIONS} (default: 5; 2 with --quick)
  --seed N           base seed, 0..2^53-1 (default: 0)
  --font FILE        the DejaVu Sans file for PNGs (default: the package's
                     fonts/DejaVuSans.ttf, else the system's)
  -h, --help         this text

Exit codes: 0 every claim holds; 1 a claim or a negative control failed;
2 usage error; 3 the output cannot be written here (permission, free space,
font, I/O error); 130 or 143 interrupted (nothing written).`;

const FLAGS = {
  out: { type: "string" },
  formats: { type: "string" },
  parquet: { type: "boolean" },
  quick: { type: "boolean" },
  repetitions: { type: "string" },
  seed: { type: "string" },
  font: { type: "string" },
} as const;

/** Whether a folder's entries are an output set of this program. */
function isPreviousOutput(
  entries: readonly OutputEntry[],
  read: (name: string) => string | undefined,
): boolean {
  const names = entries.map((e) => e.name);
  const plain = entries.every((e) =>
    e.isFile &&
    /^([a-z0-9_]+\.(csv|svg|png|parquet)|REPORT\.md|meta\.json)$/.test(e.name)
  );
  if (!plain) return false;
  if (names.includes("meta.json")) {
    try {
      return JSON.parse(read("meta.json") ?? "").generator ===
        "vnmig reproduce";
    } catch {
      return false;
    }
  }
  // Sets written before meta.json existed: their report's title.
  return (read("REPORT.md") ?? "").startsWith("# vnmig");
}

// About what the set takes on disk: a row of paper_runs.csv is ~450 bytes,
// a figure ~40 KB as SVG and ~200 KB as PNG.
function expectedBytes(
  runs: number,
  formats: readonly string[],
  parquet: boolean,
): number {
  const figures = 5;
  return runs * 450 * (parquet ? 2 : 1) + 200_000 +
    figures * ((formats.includes("svg") ? 40_000 : 0) +
        (formats.includes("png") ? 200_000 : 0));
}

/** Checks the PNG renderer with the font before any computing: it loads and draws text. */
async function checkPng(fontFile: string): Promise<void> {
  const svg = (text: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><text x="2" y="14" font-family="DejaVu Sans" font-size="12">${text}</text></svg>`;
  try {
    const [withText, blank] = await Promise.all([
      svgToPng(svg("0.5 s"), { fontFile, scale: 1 }),
      svgToPng(svg(""), { fontFile, scale: 1 }),
    ]);
    if (
      withText.length === blank.length &&
      withText.every((b, i) => b === blank[i])
    ) {
      throw new Error(`${fontFile} drew no text: it is not DejaVu Sans`);
    }
  } catch (error) {
    throw new EnvironmentError(
      `PNG figures cannot be rendered here: ${
        (error as Error).message
      } (PNGs need --allow-ffi, --allow-sys and the font; or pass --formats svg)`,
    );
  }
}

async function main(): Promise<number> {
  const flags = parseFlags(Deno.args, FLAGS);
  if (flags.help) {
    console.log(USAGE);
    return EXIT_CODES.ok;
  }
  noPositionals(flags);
  const quick = flags.values.quick === true;
  const parquet = flags.values.parquet === true;
  const formats = parseListFlag(
    "formats",
    stringFlag(flags, "formats", "svg,png")!,
    FORMATS,
  );
  const seed = parseIntegerFlag(
    "seed",
    stringFlag(flags, "seed", "0")!,
    0,
    Number.MAX_SAFE_INTEGER,
    "every bit of it counts",
  );
  const repetitionsText = stringFlag(flags, "repetitions");
  const rates = quick
    ? PAPER_EXPERIMENT.packetRatesPerSecond.filter((_, i) => i % 2 === 0)
    : PAPER_EXPERIMENT.packetRatesPerSecond;
  const perRepetition = 3 * PAPER_EXPERIMENT.packetSizesBytes.length *
    rates.length;
  const repetitions = repetitionsText === undefined
    ? (quick ? 2 : 5)
    : parseIntegerFlag(
      "repetitions",
      repetitionsText,
      1,
      MAX_REPETITIONS,
      `each repetition is ${perRepetition} migrations, a row each in paper_runs.csv: ${MAX_REPETITIONS} make ${
        (MAX_REPETITIONS * perRepetition).toLocaleString("en")
      } rows, and the error bars' standard error is already 3 % of one run's spread`,
    );
  const out = stringFlag(flags, "out", "out")!;

  // Everything the output needs, before computing anything.
  let fontFile: string | undefined;
  if (formats.includes("png")) {
    const font = findFontFile(stringFlag(flags, "font"));
    if (font === undefined) {
      const given = stringFlag(flags, "font");
      throw given === undefined
        ? new EnvironmentError(
          "no DejaVu Sans font for the PNG figures: the package's fonts/DejaVuSans.ttf is missing and none of the system paths holds one; pass --font FILE or --formats svg",
        )
        : new UsageError(`--font ${given} does not exist`);
    }
    fontFile = font.path;
    await checkPng(fontFile);
  }
  const runs = repetitions * perRepetition;
  const output = await prepareOutputSet(out, {
    isPreviousOutput,
    expectedBytes: expectedBytes(runs, formats, parquet),
  });

  // An interruption ends the computing and removes the staging folder:
  // the target stays as it was.
  let interrupted: "SIGINT" | "SIGTERM" | undefined;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, () => stop(signal));
    } catch { /* SIGTERM cannot be listened to on Windows */ }
  }

  const started = performance.now();
  const progress = { stage: "", bar: stderrProgress("migrations") };
  const worker = new Worker(
    new URL("./_reproduce_worker.ts", import.meta.url),
    { type: "module" },
  );
  const stop = (signal: "SIGINT" | "SIGTERM") => {
    interrupted ??= signal;
    worker.terminate();
    output.abort();
    console.error(`${signal}: stopped; ${output.target} left as it was`);
    Deno.exit(SIGNAL_EXIT_CODES[signal]);
  };
  const measured = await loadMeasuredEvidence();
  const reproduction = await new Promise<WorkerResult>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const m = event.data;
      if (m.kind === "progress") {
        if (m.stage !== progress.stage) {
          progress.stage = m.stage;
          progress.bar = stderrProgress(m.stage);
        }
        progress.bar(m.done, m.total);
      } else if (m.kind === "done") resolve(m.result);
      else reject(new Error(m.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    worker.postMessage({
      repetitions,
      seed,
      packetRatesPerSecond: rates,
      formats,
      measured,
      png: fontFile === undefined ? undefined : { fontFile },
    });
  }).finally(() => worker.terminate()).catch((error) => {
    output.abort();
    throw error;
  });

  const described: { name: string; columns: unknown; rows: number }[] = [];
  for (const file of reproduction.files) {
    await output.add(file.name, file.contents);
    if (file.name.endsWith(".csv")) {
      const rows = parseCsv(file.contents as string);
      described.push({
        name: file.name,
        rows: rows.length,
        columns: describeColumns(rows),
      });
      if (parquet) {
        await output.add(
          file.name.replace(/\.csv$/, ".parquet"),
          await toParquet(rows),
        );
      }
    }
  }
  const commit = await gitCommit();
  const meta = {
    generator: "vnmig reproduce",
    version: denoJson.version,
    commit: commit ?? null,
    command: ["deno", "task", "reproduce", ...Deno.args],
    createdAt: new Date().toISOString(),
    runtime: `deno ${Deno.version.deno} (${Deno.build.os} ${Deno.build.arch})`,
    seed,
    repetitions,
    seeds:
      "every run of every (mechanism, packet size, rate) point has its own seed, runSeed(seed, point, repetition) = deriveSeed(deriveSeed(seed, point), repetition) (src/sweep/sweep.ts); a run's seed sets the migration trigger's phase against the data stream and the OpenFlow switches' installation times; the OpenFlow scaling study draws its installation times from randomLcg(seed)",
    packetRatesPerSecond: rates,
    packetSizesBytes: PAPER_EXPERIMENT.packetSizesBytes,
    runs: reproduction.rows.length,
    formats,
    parquet,
    pngFont: fontFile ?? null,
    claimsHold: reproduction.claims.every((c) => c.pass),
    files: described,
  };
  await output.add("meta.json", JSON.stringify(meta, null, 2) + "\n");
  if (interrupted) return SIGNAL_EXIT_CODES[interrupted];
  await output.commit();

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  for (const c of reproduction.claims) {
    console.log(`${c.pass ? "pass" : "FAIL"} ${c.id} ${c.reproduced}`);
  }
  for (const c of reproduction.controls) {
    if (!c.behaved) {
      console.log(
        `CONTROL DID NOT FAIL ${c.claim}: ${c.change}: ${c.reproduced}`,
      );
    }
  }
  console.log(
    `wrote ${out}/REPORT.md and ${
      reproduction.files.length - 1 + (parquet ? described.length : 0) + 1
    } more files (${reproduction.rows.length} runs, ${seconds} s)`,
  );
  return reproduction.passed ? EXIT_CODES.ok : EXIT_CODES.failed;
}

if (import.meta.main) await runProgram("reproduce", USAGE, main);

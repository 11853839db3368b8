/**
 * The whole reproduction as one value: the papers' experiment on the model,
 * the claims checked on it and on the measured testbed runs, the negative
 * controls, the sensitivity study, the figures and the report, and the
 * output files they make. No file is written here: the command line writes
 * the files as one set.
 *
 * @module
 */

import { assertKnownKeys } from "../_validate.ts";
import type { PngOptions } from "../plot/figure.ts";
import { summarize } from "../stats/summary.ts";
import { toCsv } from "../sweep/csv.ts";
import type { SweepRow } from "../sweep/sweep.ts";
import { claimById, CLAIMS, evaluateClaims } from "./claims.ts";
import type { ClaimResult } from "./claims.ts";
import { type ControlResult, runNegativeControls } from "./controls.ts";
import { paperFigures } from "./figures.ts";
import { openflowScalingStudy } from "./openflow_scaling.ts";
import { PAPER_EXPERIMENT, paperExperiment } from "./paper.ts";
import type { MeasuredChecks, MeasuredEvidence } from "./measured.ts";
import { reportMarkdown } from "./report.ts";
import { type SensitivityRow, sensitivityStudy } from "./sensitivity.ts";

/** One output file. */
export interface OutputFile {
  /** File name inside the output folder. */
  readonly name: string;
  /** Its contents. */
  readonly contents: string | Uint8Array;
}

/** Options of {@linkcode reproducePaper}. */
export interface ReproductionOptions {
  /** Runs per (mechanism, size, rate). Default {@linkcode PAPER_EXPERIMENT}'s. */
  readonly repetitions?: number;
  /** Base seed. Default 0. */
  readonly seed?: number;
  /** Data packet rates, packets/s. Default {@linkcode PAPER_EXPERIMENT}'s. */
  readonly packetRatesPerSecond?: readonly number[];
  /** Figure formats. Default ["svg", "png"]. */
  readonly formats?: readonly ("svg" | "png")[];
  /** Measured runs to check the claims on too. Default none. */
  readonly measured?: readonly MeasuredEvidence[];
  /** Progress (a stage's name, done, in all). */
  readonly onProgress?: (stage: string, done: number, total: number) => void;
  /** How PNG figures are rendered (the font file: the command line passes the one it found). Default {@linkcode svgToPng}'s. */
  readonly png?: PngOptions;
}

/** The reproduction. */
export interface Reproduction {
  /** Every model run. */
  readonly rows: readonly SweepRow[];
  /** The claims on the model's runs. */
  readonly claims: readonly ClaimResult[];
  /** The claims on each source of measured runs. */
  readonly measured: readonly MeasuredChecks[];
  /** The negative controls. */
  readonly controls: readonly ControlResult[];
  /** The claims' sensitivity to each profile value. */
  readonly sensitivity: readonly SensitivityRow[];
  /** Whether every claim holds on the model and every control fails its claim. */
  readonly passed: boolean;
  /** The output files: runs and figure data (CSV), figures, REPORT.md. */
  readonly files: readonly OutputFile[];
}

const FIGURE_METRICS: Readonly<Record<string, string>> = {
  fig5_downtime: "downtimeSeconds",
  fig6_lost_packets: "data.lostPackets",
  fig7_total_migration_time: "totalMigrationSeconds",
};

// A figure's data row: the statistics' columns carry the metric and its
// unit in their names (meanDowntimeSeconds, sdDataLostPackets, ...).
function summaryRow(
  metric: string,
  s: ReturnType<typeof summarize>[number],
): SweepRow {
  const m = metric.split(".").map((p) => p[0].toUpperCase() + p.slice(1))
    .join("");
  return {
    mechanism: s.series,
    packetSizeBytes: Number(s.facet),
    packetsPerSecond: s.x,
    [`mean${m}`]: s.mean,
    [`sd${m}`]: s.sd,
    [`min${m}`]: s.min,
    [`max${m}`]: s.max,
    runs: s.n,
  };
}

/**
 * Runs the reproduction (see the module doc).
 *
 * @example
 * ```ts
 * import { reproducePaper } from "@vnmig/vnmig/reproduce";
 * const r = await reproducePaper({ repetitions: 1, packetRatesPerSecond: [1000, 5000, 10000], formats: ["svg"] });
 * if (r.claims.length !== 9 || !r.files.some((f) => f.name === "REPORT.md")) throw new Error();
 * ```
 */
export async function reproducePaper(
  options: ReproductionOptions = {},
): Promise<Reproduction> {
  assertKnownKeys("options", options, [
    "repetitions",
    "seed",
    "packetRatesPerSecond",
    "formats",
    "measured",
    "onProgress",
    "png",
  ]);
  const repetitions = options.repetitions ?? PAPER_EXPERIMENT.repetitions;
  const seed = options.seed ?? 0;
  const rates = options.packetRatesPerSecond ??
    PAPER_EXPERIMENT.packetRatesPerSecond;
  const formats = options.formats ?? ["svg", "png"];
  const progress = (stage: string) => (done: number, total: number) =>
    options.onProgress?.(stage, done, total);

  const rows = paperExperiment({
    repetitions,
    seed,
    packetRatesPerSecond: rates,
    onProgress: progress("migrations"),
  });
  const scaling = await openflowScalingStudy(seed);
  const claims = evaluateClaims({ rows, ...scaling.claimInputs });
  const measured = (options.measured ?? []).map((m) => ({
    source: m.source,
    runs: m.rows.length,
    checks: Object.fromEntries(
      CLAIMS.map((c) => [c.id, c.shape({ rows: m.rows })]),
    ),
    controls: (m.controls ?? []).map((c) => {
      const check = claimById(c.claim).shape({ rows: c.rows });
      return {
        claim: c.claim,
        change: c.change,
        check,
        behaved: check.status === "fail",
      };
    }),
  }));
  const controls = runNegativeControls({
    rows,
    seed,
    onProgress: progress("negative controls"),
  });
  const sensitivity = sensitivityStudy({
    rows,
    seed,
    onProgress: progress("sensitivity"),
  });
  const figures = await paperFigures(rows, {
    measured: (options.measured ?? []).flatMap((m) => m.rows),
  });
  const allFigures = [...figures, ...scaling.figures];
  const passed = claims.every((c) => c.pass) &&
    controls.every((c) => c.behaved);

  const files: OutputFile[] = [
    { name: "paper_runs.csv", contents: toCsv(rows) + "\n" },
  ];
  for (const { name } of figures) {
    const summary = summarize(rows, {
      x: "packetsPerSecond",
      y: FIGURE_METRICS[name],
      series: "label",
      facet: "packetSizeBytes",
    }).map((s) => summaryRow(FIGURE_METRICS[name], s));
    files.push({ name: `${name}.csv`, contents: toCsv(summary) + "\n" });
  }
  files.push({
    name: "openflow_scaling.csv",
    contents: toCsv(scaling.rows) + "\n",
  });
  for (const { name, figure } of allFigures) {
    for (const format of formats) {
      files.push({
        name: `${name}.${format}`,
        contents: format === "svg"
          ? figure.svg
          : await figure.toPng(options.png),
      });
    }
  }
  files.push({
    name: "REPORT.md",
    contents: reportMarkdown(claims, allFigures, {
      seed,
      repetitions,
      runs: rows.length,
      packetRatesPerSecond: rates,
      formats,
      measured,
      controls,
      sensitivity,
    }),
  });
  return { rows, claims, measured, controls, sensitivity, passed, files };
}

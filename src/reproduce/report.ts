/**
 * REPORT.md: for each claim, the value in the model, the measured value
 * where a testbed exists, the mechanism that carries it, its negative
 * control and that control's failing value, and its sensitivities; then
 * the figures and how the numbers were made.
 *
 * @module
 */

import { type ClaimResult, CLAIMS } from "./claims.ts";
import type { ControlResult } from "./controls.ts";
import type { NamedFigure } from "./figures.ts";
import type { SensitivityRow } from "./sensitivity.ts";
import type { MeasuredChecks } from "./measured.ts";

/** What the report says about the run that produced it. */
export interface ReportContext {
  /** Base seed. */
  readonly seed: number;
  /** Repetitions per point. */
  readonly repetitions: number;
  /** Runs in all. */
  readonly runs: number;
  /** Rates swept, packets/s. */
  readonly packetRatesPerSecond: readonly number[];
  /** Figure formats written. */
  readonly formats: readonly string[];
  /** The claims on measured runs. Default none. */
  readonly measured?: readonly MeasuredChecks[];
  /** The negative controls. Default none. */
  readonly controls?: readonly ControlResult[];
  /** The sensitivity study. Default none. */
  readonly sensitivity?: readonly SensitivityRow[];
}

const cell = (text: string) => text.replaceAll("|", "\\|");

/**
 * The claims table as Markdown.
 *
 * @example
 * ```ts
 * import { claimsTable } from "@vnmig/vnmig/reproduce";
 * if (claimsTable([]).split("\n").length !== 2) throw new Error("a header and a rule");
 * ```
 */
export function claimsTable(claims: readonly ClaimResult[]): string {
  const lines = [
    "| id | claim | reproduced | tolerance | verdict |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const c of claims) {
    lines.push(
      `| ${c.id} | ${cell(c.claim)} (${cell(c.source)}) | ${
        cell(c.reproduced)
      } | ${cell(c.tolerance)} | ${c.pass ? "pass" : "**FAIL**"} |`,
    );
  }
  return lines.join("\n");
}

/**
 * The evidence table: one row per claim with the model's value, the
 * measured values, what carries it, its negative controls and its
 * sensitivities.
 *
 * @example
 * ```ts
 * import { evidenceTable } from "@vnmig/vnmig/reproduce";
 * const table = evidenceTable([], { seed: 0, repetitions: 1, runs: 0, packetRatesPerSecond: [], formats: [] });
 * if (!table.startsWith("| claim |")) throw new Error();
 * ```
 */
export function evidenceTable(
  claims: readonly ClaimResult[],
  context: ReportContext,
): string {
  const lines = [
    "| claim | model | measured | carried by | negative control: its value | sensitive to (x0.5 / x2) |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const result of claims) {
    const claim = CLAIMS.find((c) => c.id === result.id)!;
    const measured = (context.measured ?? []).flatMap((m) => {
      const check = m.checks[result.id];
      return check && check.status !== "not measured"
        ? [
          `${m.source}, ${m.runs} runs: ${check.reproduced} (**${check.status}**)`,
        ]
        : [];
    });
    const failing = (behaved: boolean) =>
      behaved
        ? "fails, as it must"
        : "**does not fail: the check could not catch this**";
    const controls = [
      ...(context.controls ?? []).filter((c) => c.control.claim === result.id)
        .map((c) =>
          `model, ${c.control.change}: ${c.check.reproduced} (${
            failing(c.behaved)
          })`
        ),
      ...(context.measured ?? []).flatMap((m) =>
        m.controls.filter((c) => c.claim === result.id).map((c) =>
          `measured on the ${m.source}, ${c.change}: ${c.check.reproduced} (${
            failing(c.behaved)
          })`
        )
      ),
    ];
    const sensitive = (context.sensitivity ?? []).filter((s) =>
      s.flipped.includes(result.id)
    ).map((s) => `${s.name} x${s.factor}`);
    lines.push(
      `| **${result.id}** ${cell(result.claim)} (${cell(result.source)}) | ${
        cell(result.reproduced)
      } (**${result.pass ? "pass" : "FAIL"}**; ${cell(result.tolerance)}) | ${
        measured.length > 0
          ? `${cell(measured.join("; "))} (shape: ${
            cell(claim.shapeTolerance)
          })`
          : "no testbed measures it"
      } | ${cell(claim.carriedBy)}${
        claim.byConstruction
          ? `. By construction: ${cell(claim.byConstruction)}`
          : ""
      } | ${controls.length > 0 ? cell(controls.join("; ")) : "none"} | ${
        context.sensitivity === undefined
          ? "not studied"
          : sensitive.length > 0
          ? cell(sensitive.join(", "))
          : "none of the values"
      } |`,
    );
  }
  return lines.join("\n");
}

/**
 * The whole REPORT.md text.
 *
 * @example
 * ```ts
 * import { reportMarkdown } from "@vnmig/vnmig/reproduce";
 * const md = reportMarkdown([], [], { seed: 0, repetitions: 1, runs: 0, packetRatesPerSecond: [], formats: ["svg"] });
 * if (!md.startsWith("# vnmig")) throw new Error();
 * ```
 */
export function reportMarkdown(
  claims: readonly ClaimResult[],
  figures: readonly NamedFigure[],
  context: ReportContext,
): string {
  const passed = claims.filter((c) => c.pass).length;
  const controls = context.controls ?? [];
  const behaved = controls.filter((c) => c.behaved).length;
  const image = context.formats.includes("png") ? "png" : "svg";
  const variants = context.sensitivity?.length ?? 0;
  return [
    "# vnmig: reproduction of the papers' claims",
    "",
    `${passed} of ${claims.length} claims hold in the model; ${behaved} of ${controls.length} negative controls make their claim fail, as they must. ` +
    `${context.runs} model migrations: every mechanism, 64- and 1500-byte packets, ` +
    `rates ${
      context.packetRatesPerSecond.join(", ")
    } packets/s, ${context.repetitions} seeded runs each ` +
    `(base seed ${context.seed}); ${variants} profile variants for the sensitivity study.`,
    "",
    "## Evidence, claim by claim",
    "",
    "The model's value, the value measured on a real system where a testbed exists (the committed CSVs under `data/`; " +
    "a real system of another scale than the papers' testbed is held to the claim's shape, not to the papers' numbers), " +
    "the mechanism that carries the claim, a change to that mechanism under which the check must fail (run as part of this report), " +
    "and the profile values whose halving or doubling changes the claim's verdict (what the claim depends on: what is calibrated).",
    "",
    evidenceTable(claims, context),
    "",
    "## Claims on the model",
    "",
    claimsTable(claims),
    "",
    "## Figures",
    "",
    ...figures.flatMap((
      f,
    ) => [`### ${f.caption}`, "", `![${f.caption}](${f.name}.${image})`, ""]),
    "## How these numbers were made",
    "",
    "Every value comes from the mechanisms: the pre-copy engine and its dirty-page model for Xen, the plane-separation " +
    "steps for Xen with plane separation, the plan, timing and packet trace for OpenFlow, and the exact loss " +
    "counter for the data packets. The calibrated parameters are in `src/xen/paper_profile.ts`, " +
    "`src/xen/plane_separation_profile.ts` and `src/openflow/profiles.ts`, each with what it was calibrated to. " +
    "A run's seed moves the migration trigger's phase against the data stream and draws the OpenFlow switches' " +
    "installation times; every run of every grid point has its own seed; nothing is added to the results. " +
    "The data of each figure is in the CSV files beside it.",
    "",
  ].join("\n");
}

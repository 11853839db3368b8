/**
 * REPORT.md: the claims table, the figures and how they were made.
 *
 * @module
 */

import type { ClaimResult } from "./claims.ts";
import type { NamedFigure } from "./figures.ts";

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
  const image = context.formats.includes("png") ? "png" : "svg";
  return [
    "# vnmig: reproduction of the papers' claims",
    "",
    `${passed} of ${claims.length} claims hold. ${context.runs} migrations: every mechanism, 64- and 1500-byte packets, ` +
    `rates ${
      context.packetRatesPerSecond.join(", ")
    } packets/s, ${context.repetitions} seeded runs each ` +
    `(base seed ${context.seed}).`,
    "",
    "## Claims",
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
    "installation times; nothing is added to the results. The data of each figure is in the CSV files beside it.",
    "",
  ].join("\n");
}

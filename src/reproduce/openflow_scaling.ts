/**
 * OpenFlow's total migration time as the number of migrated flows and the
 * controller's distance grow (claim C6's second half), from the OpenFlow
 * model's scaling rows.
 *
 * @module
 */

import { sweepFigure } from "../plot/sweep_figure.ts";
import { migrationScaling, type ScalingRow } from "../openflow/scale.ts";
import { flattenRow, type SweepRow } from "../sweep/sweep.ts";
import type { ClaimInputs } from "./claims.ts";
import type { NamedFigure } from "./figures.ts";

/** The scaling study: its rows, its two figures and what claim C6 needs. */
export interface OpenflowScaling {
  /** One tidy row per scaling point ({@linkcode migrationScaling}). */
  readonly rows: SweepRow[];
  /** Total migration time vs flows, and vs controller distance. */
  readonly figures: NamedFigure[];
  /** The series claim C6 checks for growth. */
  readonly claimInputs: Omit<ClaimInputs, "rows">;
}

/**
 * Runs the OpenFlow scaling study on the paper testbed (installation times
 * drawn from `seed`).
 *
 * @example
 * ```ts
 * import { openflowScalingStudy } from "@vnmig/vnmig/reproduce";
 * const study = await openflowScalingStudy(0);
 * if (study.figures.length !== 2) throw new Error();
 * ```
 */
export async function openflowScalingStudy(
  seed: number = 0,
): Promise<OpenflowScaling> {
  const scaling: ScalingRow[] = migrationScaling({ timing: { seed } });
  const rows = scaling.map((r) => flattenRow(r));
  const byFlows = rows.filter((r) => r.factor === "flows");
  const byDistance = rows.filter((r) => r.factor === "controllerDistance");
  return {
    rows,
    figures: [
      {
        name: "openflow_scaling_flows",
        caption:
          "OpenFlow total migration time vs number of migrated flows (claim C6)",
        figure: await sweepFigure(byFlows, {
          x: "flows",
          y: "totalMigrationSeconds",
          xType: "log",
          yType: "log",
          xLabel: "migrated flows (log scale)",
          yLabel: "total migration time (log scale)",
          yUnit: "seconds",
          title: "OpenFlow: total migration time vs migrated flows",
          subtitle:
            "paper testbed, paper ordering; first to last flow-mod sent",
        }),
      },
      {
        name: "openflow_scaling_distance",
        caption:
          "OpenFlow total migration time vs controller distance (claim C6)",
        figure: await sweepFigure(byDistance, {
          x: "maxControlHops",
          y: "totalMigrationSeconds",
          xLabel: "control hops to the farthest switch",
          yLabel: "total migration time",
          yUnit: "seconds",
          title: "OpenFlow: total migration time vs controller distance",
          subtitle: "paper testbed, one flow pair, paper ordering",
        }),
      },
    ],
    claimInputs: {
      openflowByFlowCount: byFlows.map((
        r,
      ) => [r.flows as number, r.totalMigrationSeconds as number]),
      openflowByControllerHops: byDistance.map((r) => [
        r.maxControlHops as number,
        r.totalMigrationSeconds as number,
      ]),
    },
  };
}

/**
 * The papers' experiments, their figures and the claims report.
 *
 * @example
 * ```ts
 * import { evaluateClaims, openflowScalingStudy, paperExperiment } from "@vnmig/vnmig/reproduce";
 * const rows = paperExperiment({ repetitions: 1, packetRatesPerSecond: [1000, 5000, 9000] });
 * const scaling = await openflowScalingStudy(0);
 * const claims = evaluateClaims({ rows, ...scaling.claimInputs });
 * if (claims.length !== 9) throw new Error();
 * ```
 *
 * @module
 */

export {
  PAPER_EXPERIMENT,
  paperExperiment,
  type PaperExperimentGrid,
  type PaperExperimentOptions,
  paperRun,
  type PaperRunOptions,
} from "./paper.ts";
export {
  type Claim,
  claimById,
  type ClaimCheck,
  type ClaimInputs,
  type ClaimResult,
  CLAIMS,
  type ClaimStatus,
  evaluateClaims,
} from "./claims.ts";
export {
  MECHANISM_COLORS,
  type NamedFigure,
  paperFigures,
  type PaperFiguresOptions,
} from "./figures.ts";
export {
  claimsTable,
  evidenceTable,
  type ReportContext,
  reportMarkdown,
} from "./report.ts";
export {
  type OpenflowScaling,
  openflowScalingStudy,
} from "./openflow_scaling.ts";
export {
  type ControlResult,
  NEGATIVE_CONTROLS,
  type NegativeControl,
  type NegativeControlOptions,
  runNegativeControls,
} from "./controls.ts";
export {
  type ProfileValue,
  profileValues,
  type SensitivityOptions,
  type SensitivityRow,
  sensitivityStudy,
} from "./sensitivity.ts";
export {
  groupBy,
  type MeasuredChecks,
  type MeasuredEvidence,
  measuredOpenflowRows,
  measuredPlaneSeparationRows,
  measuredVmTestbedRows,
} from "./measured.ts";
export {
  type OutputFile,
  reproducePaper,
  type Reproduction,
  type ReproductionOptions,
} from "./run.ts";

/**
 * The papers' experiments, their figures and the claims report.
 *
 * @module
 */

export {
  type Mechanism,
  MECHANISMS,
  paperExperiment,
  type PaperExperimentOptions,
  paperRun,
  type PaperRunOptions,
  type PaperRunResult,
} from "./paper.ts";
export {
  DEFAULT_JITTER,
  type JitteredTestbed,
  type JitterOptions,
  jitterTestbed,
} from "./jitter.ts";
export {
  type ClaimInputs,
  type ClaimResult,
  evaluateClaims,
  linearFit,
} from "./claims.ts";
export { type NamedFigure, paperFigures } from "./figures.ts";
export { claimsTable, type ReportContext, reportMarkdown } from "./report.ts";
export {
  type OpenflowScaling,
  openflowScalingStudy,
} from "./openflow_scaling.ts";

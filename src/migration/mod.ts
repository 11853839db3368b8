/**
 * The migration contract: the outcome shape every mechanism and testbed
 * answers in, the mechanism descriptor the registry holds, and the generic
 * comparison of measured against predicted outcomes.
 *
 * @example
 * ```ts
 * import { compareOutcomes, NO_PACKETS, type MigrationOutcome } from "@vnmig/vnmig/migration";
 * const predicted: MigrationOutcome = {
 *   mechanism: "example", source: "model", completed: true, note: "",
 *   downtimeSeconds: 0.3, dataOutageSeconds: 0.3, totalMigrationSeconds: 8,
 *   data: { ...NO_PACKETS, sentPackets: 5000, deliveredPackets: 4850, lostPackets: 150 },
 *   control: NO_PACKETS, timeline: [],
 * };
 * const measured = { ...predicted, source: "measured" as const, data: { ...predicted.data, lostPackets: 156 } };
 * const rows = compareOutcomes(measured, predicted, { "data.lostPackets": { relative: 0.05 } });
 * if (!rows[0].within) throw new Error("156 is within 5 % of 150");
 * ```
 *
 * @module
 */

export {
  type MigrationOutcome,
  NO_PACKETS,
  type OutcomeSource,
  type PacketOutcome,
  type Phase,
  sortPhases,
} from "./outcome.ts";
export {
  type Mechanism,
  type MigrationScenario,
  triggerPhaseSeconds,
} from "./mechanism.ts";
export { packetOutcomeOfFates } from "./packets.ts";
export { type OutcomeRow, outcomeRow } from "./row.ts";
export {
  compareOutcomes,
  type MetricComparison,
  OUTCOME_METRICS,
  type OutcomeMetric,
  outcomeValue,
  type Tolerance,
} from "./compare.ts";

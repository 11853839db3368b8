/**
 * OpenFlow flow migration: typed topologies, flows and paths, the paper's
 * migration algorithm and alternative orderings as explicit plans, the
 * timing of a plan, packet-level consistency (every packet traced hop by hop
 * with the rule state in force), the paper's testbed, and scaling.
 *
 * @module
 */

export type {
  FlowEntry,
  FlowMatch,
  FlowMod,
  MigrationPlan,
  PlanPhase,
} from "./plan_types.ts";
export {
  type ControlChannel,
  type Controller,
  type Host,
  type InBandChannelOptions,
  inBandChannels,
  type Link,
  type PortPeer,
  type PortRef,
  type Switch,
  type Topology,
  topology,
  type TopologyOptions,
} from "./topology.ts";
export {
  type Flow,
  flow,
  type FlowOptions,
  pathEntries,
  type PathEntryOptions,
  shortestPath,
  type ShortestPathOptions,
} from "./routing.ts";
export {
  analyzePathPair,
  bidirectionalMigrations,
  type FlowMigration,
  initialEntries,
  type Ordering,
  ORDERINGS,
  type PathPairAnalysis,
  planMigration,
  type PlanOptions,
} from "./plan.ts";
export {
  type CompactSummary,
  type FlowVisorOptions,
  type MessageTiming,
  type MigrationTiming,
  migrationTiming,
  type PhaseTiming,
  type TimingOptions,
} from "./timing.ts";
export {
  HARDWARE_SWITCH,
  type InstallTimeDistribution,
  PAPER_TESTBED_PROFILE,
  SOFTWARE_SWITCH,
} from "./profiles.ts";
export {
  PAPER_NEW_PATH,
  PAPER_OLD_PATH,
  type PaperMigrationOptions,
  paperTestbedInitialEntries,
  paperTestbedMigrations,
  type PaperTestbedOptions,
  paperTestbedPlan,
  paperTestbedTopology,
} from "./paper_topology.ts";
export {
  type ConsistencyOptions,
  type ConsistencyReport,
  type DropCount,
  type FlowConsistency,
  type LinkLoad,
  type LoopRule,
  PACKET_FATES_OPENFLOW,
  packetConsistency,
  type PacketFate,
  type RuleTimeline,
  simulateMigrationPackets,
  type TracePiece,
} from "./consistency.ts";
export {
  FLOW_MOD_COMMANDS,
  type FlowTableOptions,
  type ModifyMissing,
  type RuleSnapshot,
  ruleStates,
  timedChanges,
  type TimedFlowMod,
} from "./flow_table.ts";
export {
  gridHostId,
  type GridOptions,
  gridPath,
  gridSwitchId,
  gridTopology,
} from "./grid.ts";
export {
  migrationScaling,
  type ScalingFactor,
  type ScalingOptions,
  type ScalingRow,
} from "./scale.ts";
export {
  OPENFLOW,
  openflowMigration,
  type OpenflowMigrationOptions,
  type OpenflowMigrationResult,
} from "./migration.ts";

/**
 * Xen live migration of virtual routers: the paper testbed's profile, the
 * standard (router-in-the-VM) mechanism, plane separation and its control
 * plane. The pre-copy engine they share is `@vnmig/vnmig/precopy`.
 *
 * @module
 */

export {
  PAPER_TESTBED,
  profileDirtyModel,
  profilePrecopyOptions,
  type XenTestbedProfile,
} from "./paper_profile.ts";
export {
  XEN_STANDARD,
  type XenStandardLosses,
  xenStandardMigration,
  type XenStandardOptions,
  type XenStandardResult,
} from "./standard.ts";
export {
  type AdjacencySurvival,
  adjacencySurvival,
  type BfdOptions,
  bfdTimers,
  type ControlFlow,
  type ControlFlowFates,
  controlFlowStream,
  type ControlPacketRecord,
  controlPath,
  type ControlSilence,
  controlTraffic,
  type ControlTrafficOptions,
  type ControlTrafficResult,
  type ControlWindow,
  type DelayQuantiles,
  delayQuantiles,
  type ProtocolTimers,
  QUAGGA_TIMERS,
  ROUTING_PROTOCOLS,
  type RoutingProtocol,
  SURVIVAL_VERDICTS,
  type SurvivalVerdict,
} from "./control_plane.ts";
export {
  PAPER_PLANE_SEPARATION,
  type PlaneSeparationProfile,
} from "./plane_separation_profile.ts";
export {
  type ArpTiming,
  type DataPlaneOutcome,
  type OldPathRemoval,
  type OutageInterval,
  PLANE_SEPARATION,
  planeSeparationMigration,
  type PlaneSeparationOptions,
  type PlaneSeparationResult,
  type PlaneSeparationTimes,
} from "./plane_separation.ts";

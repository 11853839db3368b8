/**
 * Xen live migration of virtual routers: the pre-copy engine, its dirty-page
 * model and closed form, and the standard (router-in-the-VM) mechanism.
 *
 * @module
 */

export {
  DEFAULT_BUFFER_POOL_PAGES,
  type DirtyCount,
  type DirtyModel,
  dirtyModel,
  type DirtyModelOptions,
  eventsBefore,
  uniqueBackgroundPages,
  uniqueBufferPages,
  uniqueDirtyPages,
} from "./dirty_model.ts";
export {
  precopyMigration,
  type PrecopyOptions,
  type PrecopyResult,
  type PrecopyRound,
  type RateLimiterOptions,
  STOP_REASONS,
  type StopReason,
  type StopTest,
  XEN_RATE_LIMITER,
} from "./precopy.ts";
export {
  type ClosedFormOptions,
  closedFormPrecopy,
  type ClosedFormResult,
  type ClosedFormRounds,
  closedFormRounds,
  type ClosedFormRoundsOptions,
  linkPagesPerSecond,
} from "./closed_form.ts";
export {
  PAPER_TESTBED,
  profileDirtyModel,
  profilePrecopyOptions,
  type XenTestbedProfile,
} from "./paper_profile.ts";
export {
  XEN_STANDARD,
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
  planeSeparationMigration,
  type PlaneSeparationOptions,
  type PlaneSeparationResult,
  type PlaneSeparationTimes,
  PLANE_SEPARATION,
} from "./plane_separation.ts";

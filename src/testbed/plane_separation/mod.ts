/**
 * The papers' plane-separation prototype rebuilt on this machine: two hosts
 * (network namespaces standing for Domain 0 of host A and host B), a router
 * running BIRD 2 (a QEMU VM, or a namespace stand-in), neighbour routers
 * running BIRD 2 with injected routes, a Domain 0 data plane (a routing
 * table per router, an nftables frame classifier), the route-sync daemon
 * pair, the control relay that buffers while the router is paused and
 * tunnels (GRE) to the new host, and the migration step by step, measured
 * and predicted from the same scenario value.
 *
 * The scenario, the BIRD configurations, the data-plane rules, the analysis
 * of a recorded run and the prediction are pure; the harness needs root.
 *
 * @example
 * ```ts
 * import { predictRun, resolveScenario, standInPrecopy } from "@vnmig/vnmig/testbed/plane_separation";
 * const scenario = resolveScenario({ router: "namespace", routeCount: 1000 });
 * const calibration = { bindingSeconds: 0.02, tunnelSetupSeconds: 0.002, tunnelRttSeconds: 0.0004, syncSeconds: 0.05, linkSwitchSeconds: 0.02, probeStartMs: [3, 7] };
 * const predicted = predictRun(scenario, calibration, standInPrecopy(0.3, 0.02), 0);
 * if (predicted.data.lostPackets !== 0) throw new Error("the paper's order loses no data packet");
 * ```
 *
 * @module
 */

export {
  ADDRESS_PLAN,
  type AddressPlan,
  DEFAULT_SCENARIO,
  injectedPrefix,
  type PlaneSepMechanism,
  type PlaneSepScenario,
  type PlaneSepScenarioOptions,
  type PlaneSepWhatIf,
  resolveScenario,
  type RouterKind,
  SCENARIO_RANGES,
} from "./scenario.ts";
export {
  neighbourConfig,
  type NeighbourConfigOptions,
  type OspfNeighbour,
  parseOspfNeighbours,
  routerConfig,
} from "./bird.ts";
export {
  type ClassifierOptions,
  classifierRuleset,
  type GuestRoute,
  type InterfaceMap,
  parseGuestLine,
  type ProbeReceipts,
  routeCommand,
  tableRuleCommands,
} from "./dataplane.ts";
export {
  measuredOutcome,
  type PlaneSepMeasured,
  type PlaneSepRunDetail,
} from "./analysis.ts";
export {
  type PlaneSepPredicted,
  type PrecopyTiming,
  predictRun,
  probeFlows,
  standInPrecopy,
} from "./prediction.ts";
export {
  type AdjacencySample,
  PLANESEP_BINARIES,
  type RecordedRun,
  type RunOptions,
  runPlaneSeparation,
  type SenderRecord,
  type StepCalibration,
  type SyncRecord,
} from "./harness.ts";
export type { RouterHandle, RouterMigrationRecord } from "./router.ts";
export {
  compareRun,
  type CsvRow,
  csvRow,
  precopyTimingFor,
  type RunComparison,
  runTolerances,
} from "./results.ts";
export {
  routerImage,
  VM_ROUTER_MEMORY_KIB,
  VmRouter,
  type VmRouterOptions,
} from "./vm_router.ts";
export { NamespaceRouter } from "./router.ts";
export {
  buildBinaries,
  defaultCacheDir,
  type PlaneSepBinaries,
} from "./build.ts";
export type { DaemonEvent } from "./_daemon.ts";
export type {
  MetricComparison,
  OutcomeMetric,
  Tolerance,
} from "../../migration/compare.ts";
export type { MigrationOutcome } from "../../migration/outcome.ts";
export type {
  AdjacencySurvival,
  ControlFlow,
} from "../../xen/control_plane.ts";
export type { GuestImage } from "../qemu/image.ts";

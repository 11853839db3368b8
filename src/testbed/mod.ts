/**
 * The Open vSwitch testbed: an OpenFlow 1.3 codec and controller, a private
 * Open vSwitch instance with namespaces and veths, UDP probe tools, and the
 * experiment that executes the OpenFlow model's migration plan on real
 * switches with real traffic and compares it with the model's prediction.
 * The codec, the probe format, the receiver tally, the prediction and the
 * figures are pure; the rest needs root and Open vSwitch.
 *
 * @module
 */

export {
  decodeMessage,
  encodeError,
  encodeFeaturesReply,
  encodeFlowMod,
  encodeHello,
  encodeSimple,
  type ErrorMessage,
  type FeaturesReplyMessage,
  type FlowModCommandName,
  type FlowModMessage,
  type FlowModOptions,
  type HelloMessage,
  messageLength,
  OFP13_VERSION,
  OFP_ANY,
  OFPFC,
  type OfpMessage,
  OFPT,
  type OtherMessage,
  type SimpleMessage,
  splitMessages,
  toHex,
  type VlanActions,
} from "./openflow13.ts";
export {
  type ControllerOptions,
  OpenFlowController,
  type SwitchError,
} from "./controller.ts";
export {
  type ExecutedPhase,
  executePlan,
  type ExecutePlanOptions,
  flowModOptions,
  type PlanExecution,
  wallClockMs,
} from "./plan_executor.ts";
export {
  type CommandResult,
  type HostAttachment,
  OvsHarness,
  type OvsHarnessOptions,
  runCommand,
  testbedAvailability,
} from "./ovs.ts";
export { buildNetwork, portKey, type TestbedNetwork } from "./network.ts";
export {
  decodeProbe,
  encodeProbe,
  IP_UDP_HEADER_BYTES,
  MAX_PACKET_BYTES,
  MIN_PACKET_BYTES,
  type Probe,
  PROBE_HEADER_BYTES,
  type ReceiverReport,
  ReceiverTally,
} from "./udp_tools.ts";
export {
  runTestbedMigration,
  type TestbedRunOptions,
  type TestbedRunResult,
} from "./experiment.ts";
export {
  OVS_TESTBED_PROFILE,
  type PredictionOptions,
  predictTestbedRun,
  testbedControlTopology,
  type TestbedPrediction,
} from "./prediction.ts";
export {
  type BranchPorts,
  branchPorts,
  probeMigration,
  type TestbedFlows,
} from "./probe_flow.ts";
export { type TestbedRow, testbedRow } from "./results.ts";
export { testbedLossFigure, testbedTimingFigure } from "./figures.ts";

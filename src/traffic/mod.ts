/**
 * Traffic and loss: streams, forwarding paths with piecewise-constant state,
 * exact interval counting and per-packet simulation.
 *
 * @module
 */

export {
  type CbrStream,
  cbrStream,
  checkStream,
  countBefore,
  packetCount,
  packetTimeSeconds,
  type PoissonStream,
  poissonStream,
  type PoissonStreamOptions,
  type StreamOptions,
  streamTimesSeconds,
  type TrafficStream,
} from "./stream.ts";
export {
  checkElement,
  checkPath,
  ELEMENT_STATES,
  type ElementState,
  outage,
  type PathElement,
  pathElement,
  type PathElementOptions,
  stateAt,
  type StateChange,
} from "./path.ts";
export type {
  DelaySummary,
  ElementLoss,
  FateCounts,
  LossCause,
} from "./fates.ts";
export { countFates, packetsBetween } from "./count.ts";
export {
  PACKET_FATES,
  type PacketRecords,
  type SimulateOptions,
  simulatePackets,
  type SimulationResult,
} from "./simulate.ts";
export { type ExpectedFates, expectedFates } from "./expected.ts";

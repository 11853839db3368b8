/**
 * Traffic and loss: the one exact timing engine. Streams (CBR by end time
 * or by packet count, Poisson, explicit send times; each with its sender's
 * link latency), forwarding paths of elements with piecewise-constant
 * states, per-interval buffer capacities, explicit release or flush of held
 * packets, and servers with bounded FIFO queues (forwarding capacity, link
 * rate); exact interval counting, per-packet simulation, and the Poisson
 * expectation. Every boundary is decided exactly for the decimals written.
 *
 * @example
 * ```ts
 * import { cbrStream, countFates, outage, pathElement, simulatePackets } from "@vnmig/vnmig/traffic";
 * const stream = cbrStream({ packetsPerSecond: 10_000, endSeconds: 2 });
 * const path = [pathElement({ name: "router", changes: outage(1, 1.5) })];
 * const counts = countFates(stream, path);
 * if (counts.lostPackets !== 5000) throw new Error();
 * if (simulatePackets(stream, path).counts.lostPackets !== 5000) throw new Error();
 * ```
 *
 * @module
 */

export {
  type CbrStream,
  cbrStream,
  type CbrStreamOptions,
  checkStream,
  countBefore,
  type ExplicitStream,
  explicitStream,
  type ExplicitStreamOptions,
  packetCount,
  packetTimeSeconds,
  POISSON_SAMPLE_LIMIT,
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
  HELD_ACTIONS,
  type HeldAction,
  outage,
  type PathElement,
  pathElement,
  type PathElementOptions,
  stateAt,
  type StateChange,
} from "./path.ts";
export {
  type BufferPeak,
  type DelaySummary,
  type ElementLoss,
  type FateCounts,
  LOSS_CAUSES,
  type LossCause,
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

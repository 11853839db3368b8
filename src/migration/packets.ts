// The contract's packet outcome from the traffic engine's exact counts.

import type { FateCounts } from "../traffic/fates.ts";
import type { PacketOutcome } from "./outcome.ts";

/**
 * The {@linkcode PacketOutcome} of a stream's fates on a path: stranded
 * packets (still held when the timeline ended) count as lost, since they
 * never arrive.
 *
 * @example
 * ```ts
 * import { cbrStream, countFates, outage, pathElement } from "@vnmig/vnmig/traffic";
 * import { packetOutcomeOfFates } from "@vnmig/vnmig/migration";
 * const counts = countFates(cbrStream({ packetsPerSecond: 1000, endSeconds: 3 }), [
 *   pathElement({ changes: outage(1, 1.5) }),
 * ]);
 * const data = packetOutcomeOfFates(counts);
 * if (data.lostPackets !== 500 || data.deliveredPackets !== 2500) throw new Error();
 * ```
 */
export function packetOutcomeOfFates(counts: FateCounts): PacketOutcome {
  return {
    sentPackets: counts.sentPackets,
    deliveredPackets: counts.deliveredPackets,
    lostPackets: counts.lostPackets + counts.strandedPackets,
    delayedPackets: counts.heldPackets,
    maxDelaySeconds: counts.delay.maxSeconds,
    meanDelaySeconds: counts.delay.meanSeconds,
  };
}

/**
 * Xen standard live migration of a virtual router: the VM forwards a
 * client-to-server UDP CBR stream and is migrated with pre-copy over a
 * separate migration link.
 *
 * Mechanism, on the stream's clock (the trigger at `triggerSeconds`):
 * - the VM forwards, dirtying its network buffer pages, until it is
 *   suspended at the end of the iterative rounds;
 * - from suspension until the switch has learned the VM's new port (resume
 *   on the destination, then its unsolicited ARP reply) every data packet
 *   goes to where the VM no longer runs: lost;
 * - packets already in the VM's RX ring at suspension (those that arrived
 *   less than `vmForwardingLatencySeconds` before it) migrate with the VM's
 *   memory and leave when it resumes: delayed, not lost (up to the ring's
 *   size).
 *
 * The loss is counted exactly by the traffic engine
 * ({@linkcode countFates}) over a two-element path: the switch port towards
 * the VM, then the VM itself.
 *
 * @module
 */

import { assertAtLeast, assertPositive } from "../_validate.ts";
import type { FateCounts } from "../traffic/fates.ts";
import { countFates } from "../traffic/count.ts";
import { type PathElement, pathElement } from "../traffic/path.ts";
import {
  type CbrStream,
  cbrStream,
  countBefore,
  packetTimeSeconds,
} from "../traffic/stream.ts";
import {
  PAPER_TESTBED,
  profilePrecopyOptions,
  type XenTestbedProfile,
} from "./paper_profile.ts";
import {
  precopyMigration,
  type PrecopyOptions,
  type PrecopyResult,
  type PrecopyRound,
  type StopReason,
} from "./precopy.ts";

/** A named phase of a migration, for timelines and Gantt plots. */
export interface PhaseInterval {
  /** The phase's name ("stop-and-copy", "ARP learning", ...). */
  readonly phase: string;
  /** Start, seconds after the trigger. */
  readonly startSeconds: number;
  /** End, seconds after the trigger. */
  readonly endSeconds: number;
}

/** Options of {@linkcode xenStandardMigration}. */
export interface XenStandardOptions {
  /** The testbed. Default {@linkcode PAPER_TESTBED}. */
  profile?: XenTestbedProfile;
  /** Data packets per second the VM forwards. Default 1000. */
  packetsPerSecond?: number;
  /** Data packet size, bytes. Default 64. */
  packetSizeBytes?: number;
  /** When the migration is triggered, on the stream's clock (the stream starts at 0), s. Default 1. */
  triggerSeconds?: number;
  /** How long the stream goes on after the switch learned the new port, s. Default 1. */
  tailSeconds?: number;
  /** Overrides of the pre-copy options the profile gives (stop conditions, rate limiter...). Default none. */
  precopy?: PrecopyOptions;
}

/** The outcome of a Xen standard migration of a router VM. */
export interface XenStandardResult {
  /** The pre-copy migration (rounds, stop reason, bytes). */
  readonly precopy: PrecopyResult;
  /** The round-by-round trace (same as `precopy.rounds`). */
  readonly rounds: readonly PrecopyRound[];
  /** Why pre-copy stopped iterating. */
  readonly stopReason: StopReason;
  /** VM downtime: suspension to running on the destination, s. */
  readonly downtimeSeconds: number;
  /** Data-plane outage start (suspension), seconds after the trigger. */
  readonly outageStartSeconds: number;
  /** Data-plane outage end (switch learned the new port), seconds after the trigger. */
  readonly outageEndSeconds: number;
  /** Length of the data-plane outage, s. */
  readonly dataPlaneOutageSeconds: number;
  /** Data packets the client sent. */
  readonly sentPackets: number;
  /** Data packets lost. */
  readonly lostPackets: number;
  /** Data packets delayed (held in the RX ring across the migration). */
  readonly delayedPackets: number;
  /** Trigger to the first data packet forwarded by the VM on the destination, s. */
  readonly totalMigrationSeconds: number;
  /** Bytes sent over the migration link. */
  readonly bytesSent: number;
  /** Phases, seconds after the trigger. */
  readonly phases: readonly PhaseInterval[];
  /** The traffic engine's full counts. */
  readonly fates: FateCounts;
  /** The data stream (on its own clock: the trigger at `triggerSeconds`). */
  readonly stream: CbrStream;
  /** The forwarding path with its state changes (for {@linkcode simulatePackets}). */
  readonly path: readonly PathElement[];
}

/**
 * Migrates a forwarding router VM with Xen's standard pre-copy and counts
 * what happens to the data stream (see the module doc for the mechanism).
 *
 * @example
 * ```ts
 * import { xenStandardMigration } from "@vnmig/vnmig";
 * const r = xenStandardMigration({ packetsPerSecond: 5000 });
 * console.log(r.lostPackets > 0, r.downtimeSeconds < r.totalMigrationSeconds); // true true
 * ```
 */
export function xenStandardMigration(
  options: XenStandardOptions = {},
): XenStandardResult {
  const profile = options.profile ?? PAPER_TESTBED;
  const packetsPerSecond = options.packetsPerSecond ?? 1000;
  const packetSizeBytes = options.packetSizeBytes ?? 64;
  const triggerSeconds = options.triggerSeconds ?? 1;
  const tailSeconds = options.tailSeconds ?? 1;
  assertPositive("packetsPerSecond", packetsPerSecond);
  assertPositive("packetSizeBytes", packetSizeBytes);
  assertAtLeast("triggerSeconds", triggerSeconds, 0);
  assertPositive("tailSeconds", tailSeconds);
  assertAtLeast("profile.arpLearningSeconds", profile.arpLearningSeconds, 0);
  assertAtLeast(
    "profile.vmForwardingLatencySeconds",
    profile.vmForwardingLatencySeconds,
    0,
  );

  // The VM forwards the data stream: its packets dirty buffer pages.
  const precopy = precopyMigration(
    profilePrecopyOptions(profile, packetsPerSecond, options.precopy),
  );

  const suspendAt = triggerSeconds + precopy.iterativeSeconds;
  const resumedAt = suspendAt + precopy.downtimeSeconds;
  const learnedAt = resumedAt + profile.arpLearningSeconds;
  const latency = profile.vmForwardingLatencySeconds;

  const stream = cbrStream({
    packetsPerSecond,
    packetSizeBytes,
    startSeconds: 0,
    endSeconds: learnedAt + tailSeconds,
  });
  const path: PathElement[] = [
    pathElement({
      name: "switch port to the router VM",
      changes: [
        { atSeconds: suspendAt, state: "drop" },
        { atSeconds: learnedAt, state: "forward" },
      ],
    }),
    pathElement({
      name: "router VM",
      latencySeconds: latency,
      // Packets arriving within one forwarding latency of suspension are
      // still in the RX ring when the VM stops: they travel with its memory.
      changes: latency > 0
        ? [
          { atSeconds: suspendAt - latency, state: "buffer" },
          { atSeconds: resumedAt, state: "forward" },
        ]
        : [],
      bufferCapacityPackets: profile.rxRingPackets,
    }),
  ];
  const fates = countFates(stream, path);

  // First packet through the destination: the held ones leave at resume;
  // else the first packet to reach the VM after the switch learned.
  const firstIn = fates.heldPackets > 0
    ? resumedAt
    : firstPacketAtOrAfter(stream, learnedAt);
  const totalMigrationSeconds = firstIn + latency - triggerSeconds;

  const rel = (t: number) => t - triggerSeconds;
  const setupEnd = precopy.setupSeconds;
  const phases: PhaseInterval[] = [
    { phase: "setup", startSeconds: 0, endSeconds: setupEnd },
    {
      phase: "iterative pre-copy",
      startSeconds: setupEnd,
      endSeconds: rel(suspendAt),
    },
    {
      phase: "stop-and-copy",
      startSeconds: rel(suspendAt),
      endSeconds: rel(suspendAt) + precopy.stopAndCopySeconds,
    },
    {
      phase: "resume",
      startSeconds: rel(suspendAt) + precopy.stopAndCopySeconds,
      endSeconds: rel(resumedAt),
    },
    {
      phase: "ARP learning",
      startSeconds: rel(resumedAt),
      endSeconds: rel(learnedAt),
    },
    {
      phase: "data-plane outage",
      startSeconds: rel(suspendAt),
      endSeconds: rel(learnedAt),
    },
  ];

  return {
    precopy,
    rounds: precopy.rounds,
    stopReason: precopy.stopReason,
    downtimeSeconds: precopy.downtimeSeconds,
    outageStartSeconds: rel(suspendAt),
    outageEndSeconds: rel(learnedAt),
    dataPlaneOutageSeconds: learnedAt - suspendAt,
    sentPackets: fates.sentPackets,
    lostPackets: fates.lostPackets,
    delayedPackets: fates.heldPackets,
    totalMigrationSeconds,
    bytesSent: precopy.totalBytesSent,
    phases,
    fates,
    stream,
    path,
  };
}

/** The send time of a CBR stream's first packet at or after `timeSeconds` (not in the public API). */
export function firstPacketAtOrAfter(
  stream: CbrStream,
  timeSeconds: number,
): number {
  return packetTimeSeconds(stream, countBefore(stream, timeSeconds));
}

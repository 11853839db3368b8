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

import {
  assertAtLeast,
  assertCapacity,
  assertInteger,
  assertKnownKeys,
  assertPositive,
} from "../_validate.ts";
import {
  type Mechanism,
  type MigrationScenario,
  triggerPhaseSeconds,
} from "../migration/mechanism.ts";
import {
  type MigrationOutcome,
  NO_PACKETS,
  type Phase,
  sortPhases,
} from "../migration/outcome.ts";
import { packetOutcomeOfFates } from "../migration/packets.ts";
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
} from "../precopy/engine.ts";
import type { StopReason } from "../precopy/policy.ts";

/** Options of {@linkcode xenStandardMigration}. */
export interface XenStandardOptions extends MigrationScenario {
  /** The testbed. Default {@linkcode PAPER_TESTBED}. */
  profile?: XenTestbedProfile;
  /** Data packets per second the VM forwards. Default 1000. */
  packetsPerSecond?: number;
  /** Data packet size, bytes. Default 64. */
  packetSizeBytes?: number;
  /** When the migration is triggered, on the stream's clock (the stream starts at 0), s. Default 1. */
  triggerSeconds?: number;
  /** Seed of the run's variation: the trigger moves by a uniform phase within one packet interval ({@linkcode triggerPhaseSeconds}). Default none (the trigger at exactly `triggerSeconds`). */
  seed?: number;
  /** How long the stream goes on after the switch learned the new port, s. Default 1. */
  tailSeconds?: number;
  /** Overrides of the pre-copy options the profile gives (stop conditions, rate limiter...). Default none. */
  precopy?: PrecopyOptions;
}

const OPTION_KEYS: readonly (keyof XenStandardOptions)[] = [
  "profile",
  "packetsPerSecond",
  "packetSizeBytes",
  "seed",
  "triggerSeconds",
  "tailSeconds",
  "precopy",
];

/**
 * The outcome of a Xen standard migration of a router VM: the shared
 * {@linkcode MigrationOutcome} (its `data` counted exactly by the traffic
 * engine; no control traffic is modelled, the VM forwards it like data),
 * with the pre-copy detail beside it.
 */
export interface XenStandardResult extends MigrationOutcome {
  /** The pre-copy migration (rounds, stop reason, bytes). */
  readonly precopy: PrecopyResult;
  /** The round-by-round trace (same as `precopy.rounds`). */
  readonly rounds: readonly PrecopyRound[];
  /** Every stop condition that held when pre-copy stopped iterating, in the policy's order. */
  readonly stopReasons: readonly StopReason[];
  /** Data-plane outage start (suspension), seconds after the trigger. */
  readonly outageStartSeconds: number;
  /** Data-plane outage end (switch learned the new port), seconds after the trigger. */
  readonly outageEndSeconds: number;
  /** Bytes sent over the migration link. */
  readonly bytesSent: number;
  /** The traffic engine's full counts of the data stream. */
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
 * if (!(r.data.lostPackets > 0)) throw new Error("the outage loses packets");
 * if (!(r.downtimeSeconds < r.totalMigrationSeconds)) throw new Error();
 * ```
 */
export function xenStandardMigration(
  options: XenStandardOptions = {},
): XenStandardResult {
  assertKnownKeys("options", options, OPTION_KEYS);
  const profile = options.profile ?? PAPER_TESTBED;
  const packetsPerSecond = options.packetsPerSecond ?? 1000;
  const packetSizeBytes = options.packetSizeBytes ?? 64;
  const nominalTriggerSeconds = options.triggerSeconds ?? 1;
  const tailSeconds = options.tailSeconds ?? 1;
  assertPositive("packetsPerSecond", packetsPerSecond);
  assertPositive("packetSizeBytes", packetSizeBytes);
  assertAtLeast("triggerSeconds", nominalTriggerSeconds, 0);
  // A seeded run triggers at a random phase against the stream.
  const triggerSeconds = nominalTriggerSeconds +
    triggerPhaseSeconds(options.seed, packetsPerSecond);
  assertPositive("tailSeconds", tailSeconds);
  checkXenProfile(profile);

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
  const suspend = rel(suspendAt);
  const copied = suspend + precopy.stopAndCopySeconds;
  const timeline: Phase[] = [
    {
      lane: "VM",
      phase: "setup",
      startSeconds: 0,
      endSeconds: precopy.setupSeconds,
    },
    {
      lane: "VM",
      phase: "iterative pre-copy",
      startSeconds: precopy.setupSeconds,
      endSeconds: suspend,
    },
    {
      lane: "VM",
      phase: "stop-and-copy",
      startSeconds: suspend,
      endSeconds: copied,
    },
    {
      lane: "VM",
      phase: "resume",
      startSeconds: copied,
      endSeconds: rel(resumedAt),
    },
    {
      lane: "network",
      phase: "ARP learning",
      startSeconds: rel(resumedAt),
      endSeconds: rel(learnedAt),
    },
    {
      lane: "data plane",
      phase: "data-plane outage",
      startSeconds: suspend,
      endSeconds: rel(learnedAt),
    },
  ];

  return {
    mechanism: "xen-standard",
    source: "model",
    completed: precopy.converged,
    note: precopy.note,
    downtimeSeconds: precopy.downtimeSeconds,
    dataOutageSeconds: learnedAt - suspendAt,
    totalMigrationSeconds,
    data: packetOutcomeOfFates(fates),
    control: NO_PACKETS,
    timeline: sortPhases(timeline),
    precopy,
    rounds: precopy.rounds,
    stopReasons: precopy.stopReasons,
    outageStartSeconds: suspend,
    outageEndSeconds: rel(learnedAt),
    bytesSent: precopy.totalBytesSent,
    fates,
    stream,
    path,
  };
}

/**
 * Checks a Xen testbed profile field by field, each error naming the
 * profile's own field (`profile.rxRingPackets`), before any value reaches
 * the pre-copy engine or the traffic path under another name (not in the
 * public API).
 */
export function checkXenProfile(profile: XenTestbedProfile): void {
  if (profile === null || typeof profile !== "object") {
    throw new TypeError(
      `profile must be a Xen testbed profile; got ${String(profile)}`,
    );
  }
  // The profile's own fields (its home: paper_profile.ts), whatever they are.
  const keys = Object.keys(PAPER_TESTBED) as (keyof XenTestbedProfile)[];
  assertKnownKeys("profile", profile, keys);
  for (const key of keys) {
    const name = `profile.${key}`;
    const value = profile[key];
    if (key === "memoryBytes" || key === "linkBitsPerSecond") {
      assertPositive(name, value);
    } else if (key === "pageSizeBytes") assertInteger(name, value, 1);
    else if (key === "rxRingPackets") assertCapacity(name, value);
    else if (key.endsWith("Pages") || key.endsWith("PerPacket")) {
      assertInteger(name, value, 0);
    } else assertAtLeast(name, value, 0);
  }
}

/** The send time of a CBR stream's first packet at or after `timeSeconds` (not in the public API). */
export function firstPacketAtOrAfter(
  stream: CbrStream,
  timeSeconds: number,
): number {
  return packetTimeSeconds(stream, countBefore(stream, timeSeconds));
}

/**
 * Xen standard pre-copy of a router VM that forwards the traffic itself:
 * the registry's entry.
 *
 * @example
 * ```ts
 * import { XEN_STANDARD } from "@vnmig/vnmig/xen";
 * const outcome = XEN_STANDARD.migrate({ packetsPerSecond: 2000 });
 * if (outcome.mechanism !== XEN_STANDARD.id || outcome.data.lostPackets === 0) throw new Error();
 * ```
 */
export const XEN_STANDARD: Mechanism<XenStandardOptions, XenStandardResult> = {
  id: "xen-standard",
  label: "Xen standard",
  summary:
    "Xen pre-copy live migration of a router VM that forwards the traffic itself: data packets are lost while it is suspended.",
  color: "#d62728",
  symbol: "circle",
  migrate: xenStandardMigration,
};

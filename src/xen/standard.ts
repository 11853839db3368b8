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
 *   size);
 * - optionally, the VM forwards at most `vmForwardingPacketsPerSecond`
 *   packets/s, and fewer (`vmDirtyLoggingForwardingPacketsPerSecond`) while
 *   the migration's dirty logging runs, from the trigger until suspension
 *   (every guest write then traps to the hypervisor). Packets it cannot
 *   forward at once wait in a FIFO queue of `vmQueueCapacityPackets`; when
 *   the queue is full they are lost: the saturated router's losses, reported
 *   apart from the outage's ({@linkcode XenStandardLosses}). The outcome is
 *   not `feasible`, and its `note` says why, when the offered rate exceeds
 *   either capacity. Packets still waiting in the queue when the VM stops
 *   are forwarded in the model at the capacity's pace (in the VM they would
 *   leave after resume): not lost either way, so the loss counts hold, but
 *   their delay is understated. By default the VM's capacity is unbounded
 *   and nothing queues.
 *
 * The loss is counted exactly by the traffic engine
 * ({@linkcode countFates}) over a two-element path: the switch port towards
 * the VM, then the VM itself (with its forwarding server and queue when a
 * capacity is set).
 *
 * @module
 */

import {
  assertAtLeast,
  assertCapacity,
  assertInteger,
  assertKnownKeys,
  assertPositive,
  assertPositiveOrInfinity,
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
import {
  type PathElement,
  pathElement,
  type StateChange,
} from "../traffic/path.ts";
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
  /**
   * Packets per second the router VM can forward, in (0, +inf]; Infinity:
   * no limit. Above it, packets queue and then are lost (see
   * `vmQueueCapacityPackets`). Default Infinity.
   *
   * @example A router VM that forwards 12,000 packets/s, and 9000 while dirty logging runs, offered 10,000
   * ```ts
   * import { xenStandardMigration } from "@vnmig/vnmig/xen";
   * const r = xenStandardMigration({
   *   packetsPerSecond: 10_000,
   *   vmForwardingPacketsPerSecond: 12_000,
   *   vmDirtyLoggingForwardingPacketsPerSecond: 9000,
   * });
   * const { outagePackets, saturationPackets } = r.dataLosses;
   * // About 1000/s too many for the 19 s of pre-copy, less the queue.
   * if (!(saturationPackets > 18_000 && saturationPackets < 20_000)) throw new Error();
   * if (outagePackets + saturationPackets !== r.data.lostPackets) throw new Error();
   * if (r.feasible !== false) throw new Error("the load exceeds the capacity");
   * ```
   */
  vmForwardingPacketsPerSecond?: number;
  /**
   * Packets per second the router VM can forward while the migration's
   * dirty logging runs (from the trigger until the VM is suspended), in
   * (0, `vmForwardingPacketsPerSecond`]. Default
   * `vmForwardingPacketsPerSecond` (no slow-down).
   *
   * @example Dirty logging alone slows a router that otherwise keeps up
   * ```ts
   * import { xenStandardMigration } from "@vnmig/vnmig/xen";
   * const base = { packetsPerSecond: 5000, vmForwardingPacketsPerSecond: 6000 };
   * const fast = xenStandardMigration(base);
   * const slow = xenStandardMigration({ ...base, vmDirtyLoggingForwardingPacketsPerSecond: 4000 });
   * if (fast.dataLosses.saturationPackets !== 0 || !fast.feasible) throw new Error();
   * if (!(slow.dataLosses.saturationPackets > 0)) throw new Error();
   * if (slow.dataLosses.outagePackets !== fast.dataLosses.outagePackets) throw new Error();
   * ```
   */
  vmDirtyLoggingForwardingPacketsPerSecond?: number;
  /**
   * Packets that may wait for the router VM's forwarding (a FIFO queue),
   * an integer in [0, 2^53 - 1] or Infinity; a packet that finds it full
   * is lost. Used only when a forwarding capacity is set. Default the
   * profile's `rxRingPackets` (256 on {@linkcode PAPER_TESTBED}: the
   * packets wait in the netfront RX ring).
   *
   * @example A longer queue loses fewer packets to the same overload
   * ```ts
   * import { xenStandardMigration } from "@vnmig/vnmig/xen";
   * const run = (queue: number) =>
   *   xenStandardMigration({
   *     packetsPerSecond: 10_000,
   *     vmDirtyLoggingForwardingPacketsPerSecond: 9000,
   *     vmForwardingPacketsPerSecond: 12_000,
   *     vmQueueCapacityPackets: queue,
   *   }).dataLosses.saturationPackets;
   * // Each extra place in the queue keeps one packet (the server stays busy).
   * if (run(1) - run(1001) !== 1000) throw new Error();
   * ```
   */
  vmQueueCapacityPackets?: number;
}

const OPTION_KEYS: readonly (keyof XenStandardOptions)[] = [
  "profile",
  "packetsPerSecond",
  "packetSizeBytes",
  "seed",
  "triggerSeconds",
  "tailSeconds",
  "precopy",
  "vmForwardingPacketsPerSecond",
  "vmDirtyLoggingForwardingPacketsPerSecond",
  "vmQueueCapacityPackets",
];

/**
 * The data packets a Xen standard migration lost, by cause; their sum is
 * the outcome's `data.lostPackets`.
 */
export interface XenStandardLosses {
  /** Lost to the outage: dropped at the switch port between suspension and the switch learning the new port, or overflowing the RX ring at suspension. */
  readonly outagePackets: number;
  /** Lost to the saturated router: turned away by the VM's full forwarding queue (0 unless a forwarding capacity is set). */
  readonly saturationPackets: number;
}

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
  /** Data packets lost, by cause (the outage, the saturated router). */
  readonly dataLosses: XenStandardLosses;
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
  const capacity = vmCapacity(options, profile);

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
  // Packets reaching the VM from here on are in the RX ring when it stops.
  const ringFrom = suspendAt - latency;
  // Dirty logging slows the VM's forwarding of the packets that reach it
  // from the trigger until they start to be held for suspension.
  const logging = capacity.dirtyLogging !== capacity.normal &&
    ringFrom > triggerSeconds;
  const vmChanges: StateChange[] = logging
    ? [{
      atSeconds: triggerSeconds,
      state: "forward",
      forwardingPacketsPerSecond: capacity.dirtyLogging,
    }]
    : [];
  if (latency > 0) {
    // Packets arriving within one forwarding latency of suspension are
    // still in the RX ring when the VM stops: they travel with its memory.
    // (These changes bring back the VM's own capacity.)
    vmChanges.push(
      { atSeconds: ringFrom, state: "buffer" },
      { atSeconds: resumedAt, state: "forward" },
    );
  } else if (logging) {
    vmChanges.push({ atSeconds: suspendAt, state: "forward" });
  }
  const served = capacity.normal !== Infinity ||
    capacity.dirtyLogging !== Infinity;
  const path: PathElement[] = [
    pathElement({
      name: "switch port to the router VM",
      changes: [
        { atSeconds: suspendAt, state: "drop" },
        { atSeconds: learnedAt, state: "forward" },
      ],
    }),
    pathElement({
      name: ROUTER_VM,
      latencySeconds: latency,
      changes: vmChanges,
      bufferCapacityPackets: profile.rxRingPackets,
      // Without a capacity there is no server, hence no queue.
      ...(served
        ? {
          forwardingPacketsPerSecond: capacity.normal,
          queueCapacityPackets: capacity.queuePackets,
        }
        : {}),
    }),
  ];
  const fates = countFates(stream, path);
  const dataLosses = lossesByCause(fates);

  // First packet through the destination: the held ones leave at resume;
  // else the first packet to reach the VM after the switch learned. The
  // resumed VM forwards it at its own capacity.
  const firstIn = fates.heldPackets > 0
    ? resumedAt
    : firstPacketAtOrAfter(stream, learnedAt);
  const forwardingSeconds = capacity.normal === Infinity
    ? 0
    : 1 / capacity.normal;
  const totalMigrationSeconds = firstIn + forwardingSeconds + latency -
    triggerSeconds;
  const overload = overloadNote(
    packetsPerSecond,
    capacity,
    logging,
    dataLosses,
  );

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
    feasible: overload === "",
    note: [precopy.note, overload].filter((n) => n !== "").join("; "),
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
    dataLosses,
    fates,
    stream,
    path,
  };
}

const ROUTER_VM = "router VM";

interface VmCapacity {
  readonly normal: number;
  readonly dirtyLogging: number;
  readonly queuePackets: number;
}

// A forwarding capacity: a positive number or Infinity (no limit).
function vmCapacity(
  options: XenStandardOptions,
  profile: XenTestbedProfile,
): VmCapacity {
  const normal = options.vmForwardingPacketsPerSecond ?? Infinity;
  assertPositiveOrInfinity("vmForwardingPacketsPerSecond", normal);
  const dirtyLogging = options.vmDirtyLoggingForwardingPacketsPerSecond ??
    normal;
  assertPositiveOrInfinity(
    "vmDirtyLoggingForwardingPacketsPerSecond",
    dirtyLogging,
    normal,
    normal === Infinity ? "" : "at most vmForwardingPacketsPerSecond",
  );
  const queuePackets = options.vmQueueCapacityPackets ??
    profile.rxRingPackets;
  assertCapacity("vmQueueCapacityPackets", queuePackets);
  return { normal, dirtyLogging, queuePackets };
}

// The engine's losses at the router VM's full queue are the saturated
// router's; every other loss is the outage's (the switch port dropping,
// the RX ring overflowing; stranded packets never arrive).
function lossesByCause(fates: FateCounts): XenStandardLosses {
  const saturationPackets = fates.losses
    .filter((l) => l.cause === "queue" && l.element === ROUTER_VM)
    .reduce((sum, l) => sum + l.packets, 0);
  return {
    outagePackets: fates.lostPackets + fates.strandedPackets -
      saturationPackets,
    saturationPackets,
  };
}

// "" when the offered load fits the VM's capacity throughout; else what it
// exceeds and what that cost.
function overloadNote(
  packetsPerSecond: number,
  capacity: VmCapacity,
  logging: boolean,
  losses: XenStandardLosses,
): string {
  const over: string[] = [];
  if (packetsPerSecond > capacity.normal) {
    over.push(`forwarding capacity (${capacity.normal} packets/s)`);
  }
  if (logging && packetsPerSecond > capacity.dirtyLogging) {
    over.push(
      `forwarding capacity while dirty logging runs (${capacity.dirtyLogging} packets/s)`,
    );
  }
  if (over.length === 0) return "";
  return `offered load ${packetsPerSecond} packets/s exceeds the router VM's ${
    over.join(" and ")
  }: ${losses.saturationPackets} packets lost to saturation, ${losses.outagePackets} to the outage`;
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

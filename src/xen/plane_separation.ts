/**
 * Xen with data/control plane separation (Pisa et al.): the routing
 * software and RIB stay in the VM, the data plane (a forwarding table per
 * virtual router) runs in Domain 0 and keeps forwarding while the VM
 * migrates. Steps, each with its own duration and an event on the timeline
 * (0 = the migration trigger):
 *
 * 1. pre-copy of the VM, whose dirty set has no forwarding buffers (Domain 0
 *    forwards; the VM only receives control packets);
 * 2. pause (stop-and-copy) and resume on the destination: the control plane's
 *    downtime; the source Domain 0 buffers control packets from the pause;
 * 3. dynamic interface binding on the destination (fixed + per interface);
 * 4. a tunnel from the old to the new host, which carries the buffered and
 *    new control packets;
 * 5. creation of the destination forwarding table and its synchronisation
 *    with the VM's RIB (fixed + per route);
 * 6. the ARP reply, which moves the links after its propagation delay;
 * 7. removal of the old data path, a wait after the ARP reply.
 *
 * Data-plane loss is counted with the traffic engine from the forwarding
 * intervals of the two Domain 0 data planes: the network delivers to the
 * source before the ARP reply took effect and to the destination after; the
 * source forwards until its data path is removed, the destination once its
 * table is synchronised. In the paper's order no interval drops; the
 * `arpTiming` and `oldPathRemoval` options and a short `removalWaitSeconds`
 * reorder the steps or shorten the waits, and the loss they cause is counted
 * exactly.
 *
 * @module
 */

import {
  assertAtLeast,
  assertCapacity,
  assertInteger,
  assertKnownKeys,
  assertOneOf,
} from "../_validate.ts";
import {
  type Mechanism,
  type MigrationScenario,
  triggerPhaseSeconds,
} from "../migration/mechanism.ts";
import {
  type MigrationOutcome,
  type PacketOutcome,
  type Phase,
  sortPhases,
} from "../migration/outcome.ts";
import { packetOutcomeOfFates } from "../migration/packets.ts";
import { countFates } from "../traffic/count.ts";
import type { FateCounts } from "../traffic/fates.ts";
import {
  type ElementState,
  type PathElement,
  pathElement,
  type StateChange,
} from "../traffic/path.ts";
import { type CbrStream, cbrStream } from "../traffic/stream.ts";
import {
  type AdjacencySurvival,
  adjacencySurvival,
  type BfdOptions,
  bfdTimers,
  checkFlow,
  controlTraffic,
  type ControlTrafficResult,
  type ProtocolTimers,
  QUAGGA_TIMERS,
} from "./control_plane.ts";
import { PAPER_TESTBED, profilePrecopyOptions } from "./paper_profile.ts";
import type { XenTestbedProfile } from "./paper_profile.ts";
import {
  PAPER_PLANE_SEPARATION,
  type PlaneSeparationProfile,
} from "./plane_separation_profile.ts";
import { checkXenProfile, firstPacketAtOrAfter } from "./standard.ts";
import {
  precopyMigration,
  type PrecopyOptions,
  type PrecopyResult,
} from "../precopy/engine.ts";

/** When the ARP reply is sent. */
export type ArpTiming = "after-sync" | "after-binding";

/** When the old data path is removed. */
export type OldPathRemoval = "after-arp" | "after-resume";

/** Options of {@linkcode planeSeparationMigration}. */
export interface PlaneSeparationOptions extends MigrationScenario {
  /** Data packets per second through the router. Default 1000. */
  packetsPerSecond?: number;
  /** Data packet size, bytes. Default 64. */
  packetSizeBytes?: number;
  /** VM, dirtying and migration link (as {@linkcode XenStandardOptions.profile}). Default {@linkcode PAPER_TESTBED}. */
  profile?: XenTestbedProfile;
  /** Step costs and control traffic; fields given override {@linkcode PAPER_PLANE_SEPARATION}. */
  steps?: Partial<PlaneSeparationProfile>;
  /** Overrides of the pre-copy options derived from `profile`. Default none. */
  precopy?: PrecopyOptions;
  /** `"after-sync"` (the paper) or `"after-binding"` (before the new table is ready). Default "after-sync". */
  arpTiming?: ArpTiming;
  /** `"after-arp"` (the paper: `removalWaitSeconds` after the ARP reply) or `"after-resume"`. Default "after-arp". */
  oldPathRemoval?: OldPathRemoval;
  /** BFD timers for the survival table. Default 50 ms x 3. */
  bfd?: BfdOptions;
  /** The data stream runs from 0 to this, s. Default: 1 s after the last step. */
  dataEndSeconds?: number;
  /** Seed of the run's variation: the data stream starts at a uniform phase within one packet interval after the trigger ({@linkcode triggerPhaseSeconds}). Default none (the first packet at the trigger). */
  seed?: number;
}

const OPTION_KEYS: readonly (keyof PlaneSeparationOptions)[] = [
  "packetsPerSecond",
  "packetSizeBytes",
  "profile",
  "steps",
  "precopy",
  "arpTiming",
  "oldPathRemoval",
  "bfd",
  "dataEndSeconds",
  "seed",
];

/** The times at which each step ends, seconds after the trigger. */
export interface PlaneSeparationTimes {
  /** The VM is paused (end of the iterative pre-copy). */
  readonly pauseSeconds: number;
  /** The VM runs on the destination. */
  readonly resumeSeconds: number;
  /** The VM's interfaces are bound on the destination. */
  readonly bindingDoneSeconds: number;
  /** The tunnel from the old host is up. */
  readonly tunnelUpSeconds: number;
  /** The destination forwarding table is synchronised (new data path ready). */
  readonly destinationReadySeconds: number;
  /** The ARP reply is sent. */
  readonly arpSentSeconds: number;
  /** The ARP reply took effect: the network delivers to the destination. */
  readonly arpEffectiveSeconds: number;
  /** The old data path stops forwarding. */
  readonly oldPathRemovedSeconds: number;
  /** The old data path's resources are free. */
  readonly sourceFreedSeconds: number;
}

/** A time interval, seconds. */
export interface OutageInterval {
  /** Start, seconds. */
  readonly fromSeconds: number;
  /** End, seconds. */
  readonly toSeconds: number;
}

/** Data-plane outcome. */
export interface DataPlaneOutcome {
  /** The data stream. */
  readonly stream: CbrStream;
  /**
   * The data plane as a path of one composite element (what the network
   * delivers to), for the packet simulator; an array, so that sweep rows
   * leave it out.
   */
  readonly path: readonly PathElement[];
  /** Fates of the stream on that element (exact interval counting). */
  readonly counts: FateCounts;
  /** Data packets lost. */
  readonly lostPackets: number;
  /** Of which lost at the source (removed before the ARP took effect). */
  readonly lostAtSourcePackets: number;
  /** Of which lost at the destination (reached before its table was ready). */
  readonly lostAtDestinationPackets: number;
  /** Intervals when arriving data packets are dropped. */
  readonly outages: readonly OutageInterval[];
  /** Sum of the outages, seconds (0 in the paper's order). */
  readonly outageSeconds: number;
}

/**
 * Result of {@linkcode planeSeparationMigration}: the shared
 * {@linkcode MigrationOutcome} (data packets through the Domain 0 data
 * planes, control packets to the VM; `downtimeSeconds` is the control
 * plane's), with each plane's detail beside it.
 */
export interface PlaneSeparationResult extends MigrationOutcome {
  /** The VM's pre-copy migration. */
  readonly precopy: PrecopyResult;
  /** When each step ends. */
  readonly times: PlaneSeparationTimes;
  /** Data-plane detail: the stream, the composite element, where packets were lost. */
  readonly dataPlane: DataPlaneOutcome;
  /** Control-plane detail: per flow, buffer peaks, delays, records. */
  readonly controlPlane: ControlTrafficResult;
  /** Whether OSPF, BGP, RIP and BFD adjacencies survive. */
  readonly survival: readonly AdjacencySurvival[];
}

function checkSteps(s: PlaneSeparationProfile): void {
  assertInteger("steps.routeCount", s.routeCount, 0);
  assertAtLeast("steps.syncFixedSeconds", s.syncFixedSeconds, 0);
  assertAtLeast("steps.syncPerRouteSeconds", s.syncPerRouteSeconds, 0);
  assertInteger("steps.interfaceCount", s.interfaceCount, 0);
  assertAtLeast("steps.bindingFixedSeconds", s.bindingFixedSeconds, 0);
  assertAtLeast(
    "steps.bindingPerInterfaceSeconds",
    s.bindingPerInterfaceSeconds,
    0,
  );
  assertAtLeast("steps.tunnelSetupSeconds", s.tunnelSetupSeconds, 0);
  assertAtLeast("steps.tunnelLatencySeconds", s.tunnelLatencySeconds, 0);
  assertAtLeast("steps.arpPropagationSeconds", s.arpPropagationSeconds, 0);
  assertAtLeast("steps.removalWaitSeconds", s.removalWaitSeconds, 0);
  assertAtLeast("steps.removalSeconds", s.removalSeconds, 0);
  assertCapacity("steps.controlBufferPackets", s.controlBufferPackets);
  assertCapacity("steps.controlBufferBytes", s.controlBufferBytes);
  // Checked here, before their rate feeds the VM's dirty model.
  if (!Array.isArray(s.controlFlows)) {
    throw new RangeError(
      `steps.controlFlows must be an array; got ${String(s.controlFlows)}`,
    );
  }
  s.controlFlows.forEach((f, i) => checkFlow(f, `steps.controlFlows[${i}]`));
}

/**
 * The state of a data plane made of two Domain 0 data planes behind a
 * network that delivers to the source before `switchSeconds` and to the
 * destination after: a list of changes, exact at every breakpoint.
 */
function compositeChanges(
  source: (t: number) => ElementState,
  destination: (t: number) => ElementState,
  switchSeconds: number,
  breakpoints: readonly number[],
): { initial: ElementState; changes: StateChange[] } {
  const at = (t: number) => t < switchSeconds ? source(t) : destination(t);
  const initial = at(-Infinity);
  const changes: StateChange[] = [];
  let state = initial;
  for (const t of [...new Set(breakpoints)].sort((a, b) => a - b)) {
    const next = at(t);
    if (next !== state) {
      changes.push({ atSeconds: t, state: next });
      state = next;
    }
  }
  return { initial, changes };
}

/**
 * Migrates a virtual router with Xen and plane separation: the control-plane
 * VM by Xen's pre-copy, then the steps that rebuild its data plane on the
 * destination (see the module doc). Data loss comes from the traffic
 * engine; control packets from {@linkcode controlTraffic}; adjacency
 * survival from {@linkcode adjacencySurvival}.
 *
 * @example
 * ```ts
 * import { planeSeparationMigration } from "@vnmig/vnmig";
 * const r = planeSeparationMigration({ packetsPerSecond: 5000 });
 * if (r.data.lostPackets !== 0 || r.control.lostPackets !== 0) throw new Error();
 * const early = planeSeparationMigration({ packetsPerSecond: 5000, arpTiming: "after-binding" });
 * if (!(early.data.lostPackets > 0)) throw new Error("links moved too early lose packets");
 * ```
 */
export function planeSeparationMigration(
  options: PlaneSeparationOptions = {},
): PlaneSeparationResult {
  assertKnownKeys("options", options, OPTION_KEYS);
  const packetsPerSecond = options.packetsPerSecond ?? 1000;
  const packetSizeBytes = options.packetSizeBytes ?? 64;
  const profile = options.profile ?? PAPER_TESTBED;
  const steps: PlaneSeparationProfile = {
    ...PAPER_PLANE_SEPARATION,
    ...options.steps,
  };
  const arpTiming = options.arpTiming ?? "after-sync";
  const oldPathRemoval = options.oldPathRemoval ?? "after-arp";
  assertOneOf("arpTiming", arpTiming, ["after-sync", "after-binding"]);
  assertOneOf("oldPathRemoval", oldPathRemoval, ["after-arp", "after-resume"]);
  checkXenProfile(profile);
  assertKnownKeys("steps", options.steps, Object.keys(PAPER_PLANE_SEPARATION));
  checkSteps(steps);

  // 1-2. Pre-copy of the control-plane VM. It forwards no data: the only
  // packets it receives (and whose buffers it dirties) are control packets.
  const controlPacketsPerSecond = steps.controlFlows.reduce(
    (s, f) => s + f.packetsPerSecond,
    0,
  );
  const precopy = precopyMigration(
    profilePrecopyOptions(profile, controlPacketsPerSecond, options.precopy),
  );
  const pause = precopy.iterativeSeconds;
  const copied = pause + precopy.stopAndCopySeconds;
  const resume = precopy.totalSeconds;

  // 3-7. The steps plane separation adds, in the paper's order (Fig. 2).
  const bindingDone = resume + steps.bindingFixedSeconds +
    steps.bindingPerInterfaceSeconds * steps.interfaceCount;
  const tunnelUp = bindingDone + steps.tunnelSetupSeconds;
  const syncStart = tunnelUp;
  const destinationReady = syncStart + steps.syncFixedSeconds +
    steps.syncPerRouteSeconds * steps.routeCount;
  const arpSent = arpTiming === "after-sync" ? destinationReady : bindingDone;
  const arpEffective = arpSent + steps.arpPropagationSeconds;
  const oldPathRemoved = oldPathRemoval === "after-arp"
    ? arpSent + steps.removalWaitSeconds
    : resume;
  const sourceFreed = oldPathRemoved + steps.removalSeconds;
  const times: PlaneSeparationTimes = {
    pauseSeconds: pause,
    resumeSeconds: resume,
    bindingDoneSeconds: bindingDone,
    tunnelUpSeconds: tunnelUp,
    destinationReadySeconds: destinationReady,
    arpSentSeconds: arpSent,
    arpEffectiveSeconds: arpEffective,
    oldPathRemovedSeconds: oldPathRemoved,
    sourceFreedSeconds: sourceFreed,
  };
  const throughDestination = Math.max(arpEffective, destinationReady);
  const lastStep = Math.max(sourceFreed, throughDestination);
  const dataEndSeconds = options.dataEndSeconds ?? lastStep + 1;
  assertAtLeast("dataEndSeconds", dataEndSeconds, lastStep);

  // Data plane: source forwards until removed, destination once ready.
  const source = (t: number): ElementState =>
    t < oldPathRemoved ? "forward" : "drop";
  const destination = (t: number): ElementState =>
    t < destinationReady ? "drop" : "forward";
  const breakpoints = [oldPathRemoved, destinationReady, arpEffective];
  const stream = cbrStream({
    packetsPerSecond,
    packetSizeBytes,
    startSeconds: triggerPhaseSeconds(options.seed, packetsPerSecond),
    endSeconds: dataEndSeconds,
  });
  const composite = compositeChanges(
    source,
    destination,
    arpEffective,
    breakpoints,
  );
  const element = pathElement({
    name: "Domain 0 data plane",
    initialState: composite.initial,
    changes: composite.changes,
  });
  const counts = countFates(stream, [element]);
  // Total migration time as the paper measures it: up to the first data
  // packet that passes through the destination.
  const totalMigrationSeconds = firstPacketAtOrAfter(
    stream,
    throughDestination,
  );
  const onlySource = compositeChanges(
    source,
    () => "forward",
    arpEffective,
    breakpoints,
  );
  const onlyDestination = compositeChanges(
    () => "forward",
    destination,
    arpEffective,
    breakpoints,
  );
  const lostAt = (c: { initial: ElementState; changes: StateChange[] }) =>
    countFates(stream, [
      pathElement({ initialState: c.initial, changes: c.changes }),
    ]).lostPackets;
  const outages: OutageInterval[] = [];
  composite.changes.forEach((c, i) => {
    if (c.state !== "drop") return;
    const end = composite.changes[i + 1]?.atSeconds ?? dataEndSeconds;
    outages.push({ fromSeconds: c.atSeconds, toSeconds: end });
  });
  const data: DataPlaneOutcome = {
    stream,
    path: [element],
    counts,
    lostPackets: counts.lostPackets,
    lostAtSourcePackets: lostAt(onlySource),
    lostAtDestinationPackets: lostAt(onlyDestination),
    outages,
    outageSeconds: outages.reduce(
      (s, o) => s + o.toSeconds - o.fromSeconds,
      0,
    ),
  };

  // Control plane: buffered from the pause, tunnelled once the tunnel is up.
  const control = controlTraffic(
    {
      pauseSeconds: pause,
      tunnelUpSeconds: tunnelUp,
      arpEffectiveSeconds: arpEffective,
      oldPathRemovedSeconds: oldPathRemoved,
      tunnelLatencySeconds: steps.tunnelLatencySeconds,
      endSeconds: dataEndSeconds,
    },
    steps.controlFlows,
    {
      bufferCapacityPackets: steps.controlBufferPackets,
      bufferCapacityBytes: steps.controlBufferBytes,
    },
  );
  const timers: ProtocolTimers[] = [
    QUAGGA_TIMERS.ospf,
    QUAGGA_TIMERS.bgp,
    QUAGGA_TIMERS.rip,
    bfdTimers(options.bfd),
  ];
  const survival = adjacencySurvival({
    pauseSeconds: pause,
    sendResumeSeconds: bindingDone,
    // The VM hears its neighbours again through the tunnel, or directly
    // once the ARP took effect (the only way when the source path is gone).
    tunnelUpSeconds: oldPathRemoved > tunnelUp
      ? Math.min(tunnelUp, arpEffective)
      : arpEffective,
    tunnelLatencySeconds: steps.tunnelLatencySeconds,
    incomingBuffered: control.lostPackets === 0,
  }, timers);

  const timeline: Phase[] = [
    { phase: "pre-copy", lane: "VM", startSeconds: 0, endSeconds: pause },
    {
      phase: "stop-and-copy",
      lane: "VM",
      startSeconds: pause,
      endSeconds: copied,
    },
    { phase: "resume", lane: "VM", startSeconds: copied, endSeconds: resume },
    {
      phase: "control buffering",
      lane: "source Domain 0",
      startSeconds: pause,
      endSeconds: Math.min(tunnelUp, oldPathRemoved),
    },
    {
      phase: "interface binding",
      lane: "destination Domain 0",
      startSeconds: resume,
      endSeconds: bindingDone,
    },
    {
      phase: "tunnel setup",
      lane: "network",
      startSeconds: bindingDone,
      endSeconds: tunnelUp,
    },
    {
      phase: "control via tunnel",
      lane: "network",
      startSeconds: tunnelUp,
      endSeconds: Math.max(tunnelUp, Math.min(arpEffective, oldPathRemoved)),
    },
    {
      phase: "forwarding table sync",
      lane: "destination Domain 0",
      startSeconds: syncStart,
      endSeconds: destinationReady,
    },
    {
      phase: "ARP propagation",
      lane: "network",
      startSeconds: arpSent,
      endSeconds: arpEffective,
    },
    {
      phase: "source data plane forwarding",
      lane: "source Domain 0",
      startSeconds: 0,
      endSeconds: oldPathRemoved,
    },
    {
      phase: "old data path removal",
      lane: "source Domain 0",
      startSeconds: oldPathRemoved,
      endSeconds: sourceFreed,
    },
    {
      phase: "destination data plane forwarding",
      lane: "destination Domain 0",
      startSeconds: destinationReady,
      endSeconds: dataEndSeconds,
    },
  ];

  return {
    mechanism: "plane-separation",
    source: "model",
    completed: true,
    note: "",
    downtimeSeconds: precopy.downtimeSeconds,
    dataOutageSeconds: data.outageSeconds,
    totalMigrationSeconds,
    data: packetOutcomeOfFates(counts),
    control: controlPacketOutcome(control),
    timeline: sortPhases(timeline),
    precopy,
    times,
    dataPlane: data,
    controlPlane: control,
    survival,
  };
}

function controlPacketOutcome(control: ControlTrafficResult): PacketOutcome {
  return {
    sentPackets: control.sentPackets,
    deliveredPackets: control.deliveredPackets,
    lostPackets: control.lostPackets,
    delayedPackets: control.delayedPackets,
    maxDelaySeconds: control.delay.maxSeconds,
    meanDelaySeconds: control.delay.meanSeconds,
  };
}

/**
 * Xen with data/control plane separation: the registry's entry.
 *
 * @example
 * ```ts
 * import { PLANE_SEPARATION } from "@vnmig/vnmig/xen";
 * const outcome = PLANE_SEPARATION.migrate({ packetsPerSecond: 2000 });
 * if (outcome.data.lostPackets !== 0 || outcome.control.delayedPackets === 0) throw new Error();
 * ```
 */
export const PLANE_SEPARATION: Mechanism<
  PlaneSeparationOptions,
  PlaneSeparationResult
> = {
  id: "plane-separation",
  label: "Xen plane separation",
  summary:
    "Xen migration of the control-plane VM while Domain 0 keeps forwarding; control packets are buffered and tunnelled.",
  color: "#1f77b4",
  symbol: "square",
  migrate: planeSeparationMigration,
};

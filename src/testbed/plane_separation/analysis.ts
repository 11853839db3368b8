/**
 * The analysis of a recorded plane-separation run (pure: no I/O, no root):
 * the measured {@linkcode MigrationOutcome} and the testbed's own detail
 * (step durations, the control relay's fates, OSPF through the migration).
 *
 * Data packets: the CBR stream's sequence numbers the receiver missed
 * (exact), less those the receiving socket itself dropped (the kernel's
 * count in /proc/net/udp: the measuring tool's loss, reported beside). Control packets: the control probes the neighbours send to the
 * router's addresses, counted end to end (sent by the senders, received as
 * the guest daemon counted them), their delays from the relays' logs (the
 * arrival at host A to the delivery at host B through the tunnel, one
 * clock). OSPF packets the relay held are reported beside them.
 *
 * @module
 */

import type {
  MigrationOutcome,
  PacketOutcome,
  Phase,
} from "../../migration/outcome.ts";
import { sortPhases } from "../../migration/outcome.ts";
import type { DaemonEvent } from "./_daemon.ts";
import type { RecordedRun } from "./harness.ts";

/** Step durations and figures of one run, seconds unless named otherwise. */
export interface PlaneSepRunDetail {
  /** Trigger to the router's pause. */
  readonly pauseSeconds: number;
  /** Trigger to the resume on host B. */
  readonly resumeSeconds: number;
  /** Resume to the interfaces bound on host B. */
  readonly bindingSeconds: number;
  /** Tunnel set-up during the migration (0 when not used). */
  readonly tunnelSeconds: number;
  /** Host B's table: sync start to every route in it (0 for Xen standard). */
  readonly syncSeconds: number;
  /** Routes B's table got. */
  readonly syncedRoutes: number;
  /** Host A's initial sync (before the migration), s. */
  readonly initialSyncSeconds: number;
  /** Trigger to the gratuitous ARP. */
  readonly arpSeconds: number;
  /** Trigger to the removal of A's data path. */
  readonly oldPathRemovedSeconds: number;
  /** Removal's own duration. */
  readonly removalSeconds: number;
  /** Data packets missing at the receiver, including those its own socket dropped. */
  readonly dataMissingPackets: number;
  /** Of which dropped by the receiving socket (kernel count): the measuring tool's loss, left out of `data.lostPackets`. */
  readonly receiverSocketDrops: number;
  /** Data frames each Domain 0 routed itself. */
  readonly routedByHostA: number;
  /** Same, host B. */
  readonly routedByHostB: number;
  /** Control frames the source relay held (probes and OSPF). */
  readonly heldFrames: number;
  /** Of which OSPF. */
  readonly heldOspfFrames: number;
  /** Frames the buffer refused (full). */
  readonly overflowFrames: number;
  /** Frames lost at the source relay (flushed or dropped after removal, unicast or held). */
  readonly droppedFrames: number;
  /** Control probes lost, as the guest counted them. */
  readonly probesLost: number;
  /** Lost probes no relay saw (lost before Domain 0). */
  readonly probesLostUnseen: number;
  /** Lost probes a relay wrote to the router's interface (lost in the router or its link). */
  readonly probesLostAfterDelivery: number;
  /** Lost probes a relay dropped (overflow, flushed, dropped after removal). */
  readonly probesLostInRelay: number;
  /** Whether every OSPF poll showed both neighbours Full with the router. */
  readonly adjacencyHeld: boolean;
  /** Smallest dead-timer time left seen on either neighbour, s. */
  readonly minDeadTimerSeconds: number;
  /** Polls of the OSPF state. */
  readonly adjacencyPolls: number;
}

/** The measured outcome of a run with its detail. */
export interface PlaneSepMeasured extends MigrationOutcome {
  /** The testbed's detail. */
  readonly detail: PlaneSepRunDetail;
}

function lostInRanges(
  ranges: readonly (readonly [number, number])[],
  sent: number,
): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of ranges) {
    if (a >= sent) continue;
    out.push([a, Math.min(b, sent - 1)]);
  }
  return out;
}

function frames(events: readonly DaemonEvent[]): DaemonEvent[] {
  return events.filter((e) => e.event === "frame");
}

/**
 * The measured outcome of a recorded run (see the module doc).
 *
 * @example
 * ```ts ignore
 * import { measuredOutcome } from "@vnmig/vnmig/testbed/plane_separation";
 * const m = measuredOutcome(JSON.parse(Deno.readTextFileSync("run.json")));
 * console.log(m.data.lostPackets, m.control.delayedPackets);
 * ```
 */
export function measuredOutcome(run: RecordedRun): PlaneSepMeasured {
  const s = run.scenario;
  const t0 = run.router.triggerMs;
  const sec = (ms: number | undefined) =>
    ms === undefined ? 0 : (ms - t0) / 1000;
  const st = run.steps;
  const separated = s.mechanism === "plane-separation";

  // Data: the receiver's missing sequence numbers below what was sent.
  const sent = run.dataSender.sentPackets;
  const sentMs = run.dataSender.sentMsBySeq;
  const lostRanges = lostInRanges(run.dataReceiver.lostRanges, sent);
  const missing = lostRanges.reduce((n, [a, b]) => n + b - a + 1, 0);
  // Datagrams the receiving socket dropped are the measuring tool's loss.
  const socketDrops = Math.min(run.dataReceiver.socketDrops ?? 0, missing);
  const dataLost = missing - socketDrops;
  const interval = 1 / s.packetsPerSecond;
  const outage = lostRanges.reduce(
    (sum, [a, b]) => sum + (sentMs[b] - sentMs[a]) / 1000 + interval,
    0,
  );
  const data: PacketOutcome = {
    sentPackets: sent,
    deliveredPackets: sent - dataLost,
    lostPackets: dataLost,
    delayedPackets: 0,
    maxDelaySeconds: 0,
    meanDelaySeconds: 0,
  };

  // Control probes: sent, received by the guest, delays through the relays.
  const plan = run.probeReceipts;
  let probesSent = 0;
  let probesReceived = 0;
  const received = new Map<string, (seq: number) => boolean>();
  for (const [i, sender] of run.probeSenders.entries()) {
    probesSent += sender.sentPackets;
    const from = i === 0 ? "10.1.0.1" : "10.2.0.1";
    const r = plan.find((p) => p.from === from);
    const ranges = (r?.ranges ?? []).map(([a, b]) => [a, b] as const);
    const got = (seq: number) => ranges.some(([a, b]) => seq >= a && seq <= b);
    received.set(from, got);
    for (const [a, b] of ranges) {
      probesReceived += Math.max(
        0,
        Math.min(b, sender.sentPackets - 1) - a + 1,
      );
    }
  }
  const aFrames = frames(run.relayA);
  const bFrames = frames(run.relayB);
  const isProbe = (e: DaemonEvent) => e.kind === "udp" && e.port === 5999;
  const arrivalAtA = new Map<string, number>();
  for (const e of aFrames) {
    if (!isProbe(e)) continue;
    const key = `${e.src}/${e.seq}`;
    if (
      ["buffered", "tunnelled", "overflow"].includes(String(e.fate)) &&
      !arrivalAtA.has(key)
    ) arrivalAtA.set(key, Number(e.arrival) / 1e6);
  }
  const delays: number[] = [];
  for (const e of bFrames) {
    if (!isProbe(e) || e.fate !== "tunnel-deliver") continue;
    const key = `${e.src}/${e.seq}`;
    const at = arrivalAtA.get(key);
    if (at === undefined) continue;
    arrivalAtA.delete(key);
    delays.push((Number(e.t) / 1e6 - at) / 1000);
  }
  const control: PacketOutcome = {
    sentPackets: probesSent,
    deliveredPackets: probesReceived,
    lostPackets: probesSent - probesReceived,
    delayedPackets: delays.length,
    maxDelaySeconds: delays.length > 0 ? Math.max(...delays) : 0,
    meanDelaySeconds: delays.length > 0
      ? delays.reduce((x, y) => x + y, 0) / delays.length
      : 0,
  };

  // Where each lost probe was last seen: never by a relay (lost before
  // Domain 0), or written to the router's interface by a relay (lost in the
  // router or its link), or dropped by a relay.
  let lostUnseen = 0;
  let lostAfterDelivery = 0;
  let lostInRelay = 0;
  for (const [i, sender] of run.probeSenders.entries()) {
    const from = i === 0 ? "10.1.0.1" : "10.2.0.1";
    const got = received.get(from) ?? (() => false);
    for (let seq = 0; seq < sender.sentPackets; seq++) {
      if (got(seq)) continue;
      const seen = [...aFrames, ...bFrames].filter((e) =>
        isProbe(e) && e.src === from && e.seq === seq
      );
      if (seen.length === 0) lostUnseen++;
      else if (
        seen.some((e) => e.fate === "deliver" || e.fate === "tunnel-deliver")
      ) lostAfterDelivery++;
      else lostInRelay++;
    }
  }
  const held = aFrames.filter((e) => e.fate === "buffered");
  const lostFates = ["flushed-lost"];
  const dropped = aFrames.filter((e) =>
    lostFates.includes(String(e.fate)) ||
    (e.fate === "dropped" && e.multicast === false)
  );
  const polls = run.adjacency.filter((p) => p.tMs >= t0 - 1000);
  const full = (n: { state: string } | undefined) =>
    n !== undefined && n.state.startsWith("Full");
  const adjacencyHeld = polls.length > 0 &&
    polls.every((p) => full(p.client) && full(p.server));
  let minDead = Infinity;
  for (const p of polls) {
    for (const n of [p.client, p.server]) {
      if (n !== undefined) minDead = Math.min(minDead, n.deadTimerSeconds);
    }
  }

  const pause = sec(run.router.pauseMs);
  const resume = sec(run.router.resumeMs);
  const arp = sec(st.arpSentMs);
  const ready = separated ? sec(st.destinationReadyMs) : resume;
  const total = Math.max(arp, ready);
  const sync = run.destinationSync;
  const detail: PlaneSepRunDetail = {
    pauseSeconds: pause,
    resumeSeconds: resume,
    bindingSeconds: sec(st.bindingDoneMs) - resume,
    tunnelSeconds: st.tunnelUpMs === undefined
      ? 0
      : (st.tunnelUpMs - st.tunnelStartMs) / 1000,
    syncSeconds: separated
      ? (st.destinationReadyMs - st.syncStartMs) / 1000
      : 0,
    syncedRoutes: sync?.boundRoutes ?? 0,
    initialSyncSeconds: (run.initialSync.appliedMs - run.initialSync.startMs) /
      1000,
    arpSeconds: arp,
    oldPathRemovedSeconds: sec(st.oldPathRemovedMs),
    removalSeconds: st.oldPathRemovedMs === undefined
      ? 0
      : (st.sourceFreedMs - st.oldPathRemovedMs) / 1000,
    dataMissingPackets: missing,
    receiverSocketDrops: socketDrops,
    routedByHostA: run.classifiedPackets.hostA,
    routedByHostB: run.classifiedPackets.hostB,
    heldFrames: held.length,
    heldOspfFrames: held.filter((e) => e.kind === "ospf").length,
    overflowFrames: aFrames.filter((e) => e.fate === "overflow").length,
    droppedFrames: dropped.length,
    probesLost: probesSent - probesReceived,
    probesLostUnseen: lostUnseen,
    probesLostAfterDelivery: lostAfterDelivery,
    probesLostInRelay: lostInRelay,
    adjacencyHeld,
    minDeadTimerSeconds: Number.isFinite(minDead) ? minDead : 0,
    adjacencyPolls: polls.length,
  };

  const timeline: Phase[] = [
    { lane: "VM", phase: "pre-copy", startSeconds: 0, endSeconds: pause },
    { lane: "VM", phase: "paused", startSeconds: pause, endSeconds: resume },
    {
      lane: "destination Domain 0",
      phase: "interface binding",
      startSeconds: resume,
      endSeconds: sec(st.bindingDoneMs),
    },
  ];
  if (st.tunnelUpMs !== undefined) {
    timeline.push({
      lane: "network",
      phase: "tunnel setup",
      startSeconds: sec(st.tunnelStartMs),
      endSeconds: sec(st.tunnelUpMs),
    });
  }
  if (separated) {
    timeline.push({
      lane: "source Domain 0",
      phase: "control buffering",
      startSeconds: sec(st.bufferStartMs),
      endSeconds: st.tunnelUpMs === undefined
        ? sec(st.oldPathRemovedMs)
        : sec(st.tunnelUpMs),
    }, {
      lane: "destination Domain 0",
      phase: "forwarding table sync",
      startSeconds: sec(st.syncStartMs),
      endSeconds: sec(st.destinationReadyMs),
    });
  }
  timeline.push({
    lane: "network",
    phase: "gratuitous ARP",
    startSeconds: arp,
    endSeconds: arp,
  });
  if (st.oldPathRemovedMs !== undefined) {
    timeline.push({
      lane: "source Domain 0",
      phase: "old data path removal",
      startSeconds: sec(st.oldPathRemovedMs),
      endSeconds: sec(st.sourceFreedMs),
    });
  }
  const notes: string[] = [];
  if (s.router === "namespace") {
    notes.push(
      "namespace stand-in: control plane frozen, links moved, no memory copied",
    );
  }
  if (run.dataReceiver.duplicatedPackets > 0) {
    notes.push(`${run.dataReceiver.duplicatedPackets} duplicated data packets`);
  }
  return {
    mechanism: s.mechanism,
    source: "measured",
    completed: true,
    note: notes.join("; "),
    downtimeSeconds: resume - pause,
    dataOutageSeconds: outage,
    totalMigrationSeconds: total,
    data,
    control,
    timeline: sortPhases(timeline),
    detail,
  };
}

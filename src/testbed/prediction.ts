/**
 * What the OpenFlow model predicts for a testbed run: the plan's timing from
 * the model's {@linkcode migrationTiming} (with the testbed's own timing
 * profile, and the same extra gaps between phases the run inserts), then
 * every probe of the CBR stream traced hop by hop through the rule state in
 * force when it reaches each switch, to count the probes the plan loses.
 *
 * @module
 */

import { assertAtLeast, assertFinite, assertInRange } from "../_validate.ts";
import type { FlowEntry, MigrationPlan } from "../openflow/plan_types.ts";
import {
  type InstallTimeDistribution,
  migrationTiming,
} from "../openflow/timing.ts";
import {
  indexTopology,
  type Topology,
  topology as makeTopology,
} from "../openflow/topology.ts";

/**
 * The Open vSwitch testbed's timing parameters for the model, calibrated on
 * this machine (Open vSwitch 3.1, userspace datapath, controller in Deno on
 * 127.0.0.1, 2 shared cores) with `deno task testbed calibrate` (ten runs of
 * the paper's ordering on the paper testbed topology after a warm-up run,
 * 2026-11-22):
 * - `controllerPerMessageSeconds` 0.02 ms: the median spacing between
 *   consecutive FLOW_MODs the controller writes within a phase (0.022 ms);
 * - `controlChannelLatencySeconds` 0.21 ms: one-way loopback TCP latency
 *   including ovs-vswitchd's main-loop wake-up, set so that the model's
 *   barrier round trip (2 x latency + installation) matches the median
 *   measured barrier round trip (0.48 ms);
 * - `install` 0.02 ms minimum, 0.05 ms mean: the model's software-switch
 *   preset, kept (the barrier round trips bound it from above; a flow-mod
 *   on Open vSwitch's classifier is not measurable apart from them here).
 *
 * @example
 * ```ts
 * import { OVS_TESTBED_PROFILE } from "@vnmig/vnmig";
 * console.log(OVS_TESTBED_PROFILE.controlChannelLatencySeconds); // 0.00021
 * ```
 */
export const OVS_TESTBED_PROFILE: {
  readonly controllerPerMessageSeconds: number;
  readonly controlChannelLatencySeconds: number;
  readonly install: InstallTimeDistribution;
} = {
  controllerPerMessageSeconds: 0.00002,
  controlChannelLatencySeconds: 0.00021,
  install: { minSeconds: 0.00002, meanSeconds: 0.00005 },
};

/**
 * The model topology as the testbed realises it: the same switches, links
 * and hosts, but the controller reaches every switch directly over loopback
 * (one hop of `latencySeconds`).
 *
 * @example
 * ```ts
 * import { paperTestbedTopology, testbedControlTopology } from "@vnmig/vnmig";
 * const net = testbedControlTopology(paperTestbedTopology());
 * console.log(net.controller.channels.every((c) => c.hops === 1)); // true
 * ```
 */
export function testbedControlTopology(
  topology: Topology,
  latencySeconds: number = OVS_TESTBED_PROFILE.controlChannelLatencySeconds,
): Topology {
  assertAtLeast("latencySeconds", latencySeconds);
  return makeTopology({
    switches: topology.switches,
    links: topology.links,
    hosts: topology.hosts,
    controller: {
      id: topology.controller.id,
      channels: topology.switches.map((s) => ({
        switchId: s.id,
        hops: 1,
        latencySeconds,
      })),
    },
  });
}

/** Options of {@linkcode predictTestbedRun}. */
export interface PredictionOptions {
  /** The sending host (default "client"). */
  readonly senderHostId?: string;
  /** The receiving host (default "server"). */
  readonly receiverHostId?: string;
  /** Probe rate, packets per second (default 2000). */
  readonly packetsPerSecond?: number;
  /** Extra wait after each phase, seconds (default none), as in the run. */
  readonly gapAfterPhaseSeconds?: readonly number[];
  /** Margin around the migration window, seconds (default 0.02), as in the run. */
  readonly windowMarginSeconds?: number;
  /**
   * Send times of the probes to trace, seconds after the first flow-mod
   * (default: a CBR stream at packetsPerSecond over the migration window).
   * A run passes the real send times, so that sender jitter does not count
   * as model error.
   */
  readonly sendOffsetsSeconds?: readonly number[];
  /** Seed of the model's installation times (default 0). */
  readonly seed?: number;
}

/** What the model predicts for one run. */
export interface TestbedPrediction {
  /** First to last flow-mod sent, seconds (the paper's total migration time). */
  readonly totalMigrationSeconds: number;
  /** From the first flow-mod until the sender's first switch outputs to its new port, seconds (null if the plan does not change it). */
  readonly newPathAfterSeconds: number | null;
  /** From the first flow-mod until every change is in effect, seconds. */
  readonly allAppliedAfterSeconds: number;
  /** Probes sent in the migration window that the plan loses (dropped or looped). */
  readonly lostPackets: number;
  /** Probes sent in the migration window. */
  readonly windowPackets: number;
}

interface LiveEntry {
  readonly entry: FlowEntry;
  readonly fromSeconds: number;
  toSeconds: number;
}

function entryKey(e: FlowEntry): string {
  const m = e.match;
  return [
    e.switchId,
    e.priority,
    m.inPort,
    m.ethType,
    m.vlanVid,
    m.ipv4Src,
    m.ipv4Dst,
    m.ipProto,
    m.udpDst,
  ].join("|");
}

/**
 * The model's prediction for a testbed run of `plan` (after
 * `initialEntries`) on `topology`, timed with `timingTopology` (default:
 * {@linkcode testbedControlTopology} of it) and {@linkcode OVS_TESTBED_PROFILE}.
 *
 * @example
 * ```ts
 * import { paperTestbedInitialEntries, paperTestbedPlan, paperTestbedTopology, predictTestbedRun } from "@vnmig/vnmig";
 * const net = paperTestbedTopology();
 * const p = predictTestbedRun(net, { initialEntries: paperTestbedInitialEntries(net), plan: paperTestbedPlan(net) });
 * console.log(p.lostPackets); // 0
 * ```
 */
export function predictTestbedRun(
  topology: Topology,
  flows: { initialEntries: readonly FlowEntry[]; plan: MigrationPlan },
  options: PredictionOptions = {},
): TestbedPrediction {
  const rate = options.packetsPerSecond ?? 2000;
  assertInRange("packetsPerSecond", rate, 1, 100_000);
  const gaps = options.gapAfterPhaseSeconds ?? [];
  gaps.forEach((g, i) => assertAtLeast(`gapAfterPhaseSeconds[${i}]`, g));
  const margin = options.windowMarginSeconds ?? 0.02;
  assertAtLeast("windowMarginSeconds", margin);
  const senderId = options.senderHostId ?? "client";
  const receiverId = options.receiverHostId ?? "server";
  const index = indexTopology(topology);
  const sender = index.host(senderId);
  const receiver = index.host(receiverId);
  if (sender === undefined || receiver === undefined) {
    throw new RangeError(
      `senderHostId and receiverHostId must be hosts of the topology (${
        topology.hosts.map((h) => h.id).join(", ")
      }); got ${senderId}, ${receiverId}`,
    );
  }
  const timing = migrationTiming(
    flows.plan,
    testbedControlTopology(topology),
    {
      controllerPerMessageSeconds:
        OVS_TESTBED_PROFILE.controllerPerMessageSeconds,
      install: OVS_TESTBED_PROFILE.install,
      seed: options.seed ?? 0,
    },
  );
  // The run waits gaps[i] after phase i: every later event shifts by it.
  const shiftOfPhase: number[] = [];
  let gapTotal = 0;
  for (let i = 0; i < flows.plan.phases.length; i++) {
    shiftOfPhase.push(gapTotal);
    gapTotal += gaps[i] ?? 0;
  }
  const start = timing.firstFlowModSentSeconds;
  const lastSent = timing.messages.length === 0 ? start : Math.max(
    ...timing.messages.map((m) => m.sentSeconds + shiftOfPhase[m.phase]),
  );
  const completed = timing.completedSeconds + gapTotal;

  // Rule state over time: each entry's lifetime and output changes.
  const live = new Map<string, LiveEntry[]>();
  const push = (e: FlowEntry, from: number) => {
    const list = live.get(entryKey(e)) ?? [];
    list.push({ entry: e, fromSeconds: from, toSeconds: Infinity });
    live.set(entryKey(e), list);
  };
  for (const e of flows.initialEntries) push(e, -Infinity);
  const ordered = [...timing.messages].map((m) => ({
    ...m,
    at: m.effectiveSeconds + shiftOfPhase[m.phase],
  })).sort((a, b) => a.at - b.at);
  let newPathAt: number | null = null;
  for (const m of ordered) {
    const list = live.get(entryKey(m.message.entry)) ?? [];
    const current = list.find((l) => l.toSeconds === Infinity);
    if (m.message.command === "delete") {
      if (current) current.toSeconds = m.at;
    } else if (m.message.command === "modify") {
      // A strict modify changes an existing entry only.
      if (current) {
        current.toSeconds = m.at;
        push(m.message.entry, m.at);
      }
    } else {
      if (current) current.toSeconds = m.at;
      push(m.message.entry, m.at);
    }
    const e = m.message.entry;
    if (
      newPathAt === null && m.message.command !== "delete" &&
      e.switchId === sender.switchId && e.match.ipv4Dst === receiver.ipv4
    ) {
      const old = flows.initialEntries.find((i) =>
        entryKey(i) === entryKey(e)
      ) ?? flows.initialEntries.find((i) =>
        i.switchId === e.switchId && i.match.ipv4Dst === receiver.ipv4
      );
      if (old !== undefined && old.outPort !== e.outPort) newPathAt = m.at;
    }
  }
  const entriesAt = new Map<string, LiveEntry[]>();
  for (const list of live.values()) {
    for (const l of list) {
      const s = entriesAt.get(l.entry.switchId) ?? [];
      s.push(l);
      entriesAt.set(l.entry.switchId, s);
    }
  }
  const maxHops = 2 * topology.switches.length + 2;
  const delivered = (sentSeconds: number): boolean => {
    let switchId = sender.switchId;
    let inPort = sender.port;
    let t = sentSeconds + sender.latencySeconds;
    let vlan: number | undefined;
    for (let hop = 0; hop < maxHops; hop++) {
      const candidates = (entriesAt.get(switchId) ?? []).filter((l) => {
        const m = l.entry.match;
        return l.fromSeconds <= t && t < l.toSeconds &&
          (m.inPort === undefined || m.inPort === inPort) &&
          (m.ethType === undefined || m.ethType === 0x0800) &&
          (m.vlanVid === undefined || m.vlanVid === vlan) &&
          (m.ipv4Src === undefined || m.ipv4Src === sender.ipv4) &&
          (m.ipv4Dst === undefined || m.ipv4Dst === receiver.ipv4) &&
          (m.ipProto === undefined || m.ipProto === 17);
      });
      if (candidates.length === 0) return false;
      const best = candidates.reduce((a, b) =>
        b.entry.priority > a.entry.priority ? b : a
      );
      if (best.entry.popVlan) vlan = undefined;
      if (best.entry.setVlanVid !== undefined) vlan = best.entry.setVlanVid;
      const next = index.peer(switchId, best.entry.outPort);
      if (next === undefined) return false;
      if (next.kind === "host") return next.hostId === receiverId;
      t += next.latencySeconds;
      switchId = next.switchId;
      inPort = next.port;
    }
    return false; // looped
  };
  let windowPackets = 0;
  let lost = 0;
  const offsets = options.sendOffsetsSeconds;
  if (offsets !== undefined) {
    offsets.forEach((o, i) => assertFinite(`sendOffsetsSeconds[${i}]`, o));
    for (const o of offsets) {
      windowPackets++;
      if (!delivered(start + o)) lost++;
    }
  } else {
    const windowEnd = completed + margin;
    for (let k = 0;; k++) {
      const sent = start - margin + k / rate;
      if (sent > windowEnd) break;
      windowPackets++;
      if (!delivered(sent)) lost++;
    }
  }
  return {
    totalMigrationSeconds: lastSent - start,
    newPathAfterSeconds: newPathAt === null ? null : newPathAt - start,
    allAppliedAfterSeconds: completed - start,
    lostPackets: lost,
    windowPackets,
  };
}

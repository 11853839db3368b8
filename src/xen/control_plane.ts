/**
 * The control plane during a plane-separation migration: the routing
 * protocol packets that neighbours send to the virtual router, held by a
 * daemon in the source Domain 0 while the VM is paused and delivered to the
 * VM's new host through a tunnel; and whether each routing protocol's
 * adjacency survives the control plane's silence, given its timers.
 *
 * Where a control packet goes depends on when it reaches the source
 * Domain 0 (neighbour-to-host latency is left out: it shifts every packet
 * alike):
 * - before the pause: straight to the VM (no delay);
 * - from the pause until the tunnel is up: held in the buffer (capacity in
 *   packets and bytes, shared by all flows; a packet that does not fit is
 *   lost as overflow), then sent through the tunnel when it comes up;
 * - from then until the ARP reply took effect: through the tunnel;
 * - after the ARP reply took effect: the neighbours send to the new host.
 * If the source data path is removed before the ARP reply took effect,
 * packets reaching it from then on are lost, and packets still held are
 * flushed. {@linkcode controlTraffic} is the traffic engine itself: every
 * flow is a stream, all of them through {@linkcode controlPath} (the
 * source Domain 0's element, whose buffer they share, then the tunnel),
 * simulated packet by packet with exact delays.
 *
 * @module
 */

import {
  assertAtLeast,
  assertCapacity,
  assertInteger,
  assertKnownKeys,
  assertOneOf,
  assertPositive,
} from "../_validate.ts";
import { type PathElement, pathElement } from "../traffic/path.ts";
import { exactOf, PacketClock } from "../traffic/clock.ts";
import type { FateCounts } from "../traffic/fates.ts";
import { PACKET_FATES, simulatePackets } from "../traffic/simulate.ts";
import {
  cbrStream,
  packetCount,
  poissonStream,
  type TrafficStream,
} from "../traffic/stream.ts";

/** A routing protocol whose adjacency is checked. */
export type RoutingProtocol = "ospf" | "bgp" | "rip" | "bfd";

/** The protocols, in table order. */
export const ROUTING_PROTOCOLS: readonly RoutingProtocol[] = [
  "ospf",
  "bgp",
  "rip",
  "bfd",
];

/** The liveness timers of a protocol. */
export interface ProtocolTimers {
  /** Protocol. */
  readonly protocol: RoutingProtocol;
  /** Period of the packets that keep the adjacency alive (hello, keepalive, update, BFD control), seconds. */
  readonly intervalSeconds: number;
  /** Time without such a packet after which the neighbour is declared down (dead, hold, timeout, detection time), seconds. */
  readonly deadSeconds: number;
  /** Where the values come from. */
  readonly source: string;
}

/**
 * Quagga's default timers: OSPF hello 10 s / dead 40 s, BGP keepalive 60 s
 * / hold 180 s, RIP update 30 s / timeout 180 s.
 *
 * @example
 * ```ts
 * import { QUAGGA_TIMERS } from "@vnmig/vnmig";
 * console.log(QUAGGA_TIMERS.ospf.deadSeconds); // 40
 * ```
 */
export const QUAGGA_TIMERS: Readonly<
  Record<"ospf" | "bgp" | "rip", ProtocolTimers>
> = {
  ospf: {
    protocol: "ospf",
    intervalSeconds: 10,
    deadSeconds: 40,
    source: "Quagga ospfd: hello-interval 10, dead-interval 40",
  },
  bgp: {
    protocol: "bgp",
    intervalSeconds: 60,
    deadSeconds: 180,
    source: "Quagga bgpd: keepalive 60, holdtime 180",
  },
  rip: {
    protocol: "rip",
    intervalSeconds: 30,
    deadSeconds: 180,
    source: "Quagga ripd: update 30, timeout 180",
  },
};

/** Options of {@linkcode bfdTimers}. */
export interface BfdOptions {
  /** Transmit and receive interval, seconds. Default 0.05. */
  intervalSeconds?: number;
  /** Detection multiplier (packets missed before down). Default 3. */
  multiplier?: number;
}

/**
 * BFD timers (RFC 5880): detection time = interval x multiplier.
 *
 * @example
 * ```ts
 * import { bfdTimers } from "@vnmig/vnmig";
 * console.log(bfdTimers({ intervalSeconds: 0.1, multiplier: 3 }).deadSeconds); // 0.30000000000000004
 * ```
 */
export function bfdTimers(options: BfdOptions = {}): ProtocolTimers {
  const intervalSeconds = options.intervalSeconds ?? 0.05;
  const multiplier = options.multiplier ?? 3;
  assertPositive("intervalSeconds", intervalSeconds);
  assertInteger("multiplier", multiplier, 1);
  return {
    protocol: "bfd",
    intervalSeconds,
    deadSeconds: intervalSeconds * multiplier,
    source: `BFD: interval ${intervalSeconds} s x multiplier ${multiplier}`,
  };
}

function checkTimers(name: string, timers: ProtocolTimers): void {
  assertOneOf(`${name}.protocol`, timers.protocol, ROUTING_PROTOCOLS);
  assertPositive(`${name}.intervalSeconds`, timers.intervalSeconds);
  assertPositive(`${name}.deadSeconds`, timers.deadSeconds);
}

// ---------------------------------------------------------------------------
// Control traffic

/** A flow of control packets from the neighbours to the virtual router. */
export interface ControlFlow {
  /** Name for reports ("OSPF hello"). */
  readonly name: string;
  /** Protocol the packets belong to. */
  readonly protocol: RoutingProtocol;
  /** `periodic` (one packet every 1/rate s, from `phaseSeconds`) or `poisson`. */
  readonly arrival: "periodic" | "poisson";
  /** Packets per second (mean, for Poisson), > 0. */
  readonly packetsPerSecond: number;
  /** IP packet size, bytes. */
  readonly packetSizeBytes: number;
  /** Time of the first periodic packet, seconds (ignored for Poisson). Default 0. */
  readonly phaseSeconds?: number;
  /** Seed of a Poisson flow. Default 0. */
  readonly seed?: number;
}

/** The times that decide the control packets' fates. */
export interface ControlWindow {
  /** The VM is paused; the source Domain 0 starts buffering, seconds. */
  readonly pauseSeconds: number;
  /** The tunnel to the new host is up; buffered packets leave, seconds. */
  readonly tunnelUpSeconds: number;
  /** The ARP reply took effect: neighbours send to the new host, seconds. */
  readonly arpEffectiveSeconds: number;
  /** The source data path (and its buffer) is removed, seconds. */
  readonly oldPathRemovedSeconds: number;
  /** One-way latency of the tunnel, seconds. */
  readonly tunnelLatencySeconds: number;
  /** Control flows are generated from 0 until this time, seconds. */
  readonly endSeconds: number;
}

/** Options of {@linkcode controlTraffic}. */
export interface ControlTrafficOptions {
  /** Buffer capacity of the source Domain 0 daemon, packets. Default Infinity. */
  bufferCapacityPackets?: number;
  /** Buffer capacity of the source Domain 0 daemon, bytes. Default Infinity. */
  bufferCapacityBytes?: number;
}

/** What happened to one control flow. */
export interface ControlFlowFates {
  /** Flow name. */
  readonly name: string;
  /** Protocol. */
  readonly protocol: RoutingProtocol;
  /** Packets sent by the neighbours. */
  readonly sentPackets: number;
  /** Delivered with no added delay (before the pause or after the ARP update). */
  readonly directPackets: number;
  /** Held in the source Domain 0 and delivered through the tunnel. */
  readonly bufferedPackets: number;
  /** Sent through the tunnel without being held. */
  readonly tunnelledPackets: number;
  /** Lost: buffer full. */
  readonly overflowPackets: number;
  /** Lost: held when the source data path was removed. */
  readonly flushedPackets: number;
  /** Lost: reached the source after its data path was removed. */
  readonly droppedPackets: number;
  /** All delivered packets. */
  readonly deliveredPackets: number;
  /** All lost packets. */
  readonly lostPackets: number;
  /** Largest added delay of a delivered packet, seconds (0 when none). */
  readonly maxDelaySeconds: number;
}

/** Summary of a delay sample. */
export interface DelayQuantiles {
  /** Packets in the sample. */
  readonly packets: number;
  /** Smallest, seconds (0 when empty). */
  readonly minSeconds: number;
  /** Median, seconds (0 when empty). */
  readonly medianSeconds: number;
  /** Mean, seconds (0 when empty). */
  readonly meanSeconds: number;
  /** 95th percentile (nearest rank), seconds (0 when empty). */
  readonly p95Seconds: number;
  /** Largest, seconds (0 when empty). */
  readonly maxSeconds: number;
}

/** One control packet that reached the source Domain 0 during the migration window. */
export interface ControlPacketRecord {
  /** Index of its flow. */
  readonly flowIndex: number;
  /** Arrival at the source Domain 0, seconds. */
  readonly arrivalSeconds: number;
  /** `buffered`, `tunnelled`, `overflow`, `flush` or `drop`. */
  readonly fate: "buffered" | "tunnelled" | "overflow" | "flush" | "drop";
  /** Added delay, seconds (0 when lost). */
  readonly delaySeconds: number;
}

/** Result of {@linkcode controlTraffic}. */
export interface ControlTrafficResult {
  /** Per flow, in input order. */
  readonly flows: readonly ControlFlowFates[];
  /** Packets sent, all flows. */
  readonly sentPackets: number;
  /** Packets delivered, all flows. */
  readonly deliveredPackets: number;
  /** Packets delivered later than without migration (buffered or tunnelled). */
  readonly delayedPackets: number;
  /** Packets lost, all flows. */
  readonly lostPackets: number;
  /** Most packets held at once. */
  readonly peakBufferPackets: number;
  /** Most bytes held at once. */
  readonly peakBufferBytes: number;
  /** Added delays of the delayed packets, seconds, ascending. */
  readonly delaysSeconds: Float64Array;
  /** Summary of `delaysSeconds`. */
  readonly delay: DelayQuantiles;
  /** Every packet that reached the source Domain 0 from the pause until the ARP update, in arrival order. */
  readonly records: readonly ControlPacketRecord[];
}

/**
 * The stream of a control flow over [0, endSeconds), for the traffic engine.
 *
 * @example
 * ```ts
 * import { controlFlowStream, packetCount } from "@vnmig/vnmig";
 * const s = controlFlowStream({
 *   name: "OSPF hello", protocol: "ospf", arrival: "periodic",
 *   packetsPerSecond: 0.1, packetSizeBytes: 68,
 * }, 60);
 * if (packetCount(s) !== 6) throw new Error();
 * ```
 */
export function controlFlowStream(
  flow: ControlFlow,
  endSeconds: number,
): TrafficStream {
  checkFlow(flow, "flow");
  if (flow.arrival === "periodic") {
    return cbrStream({
      packetsPerSecond: flow.packetsPerSecond,
      packetSizeBytes: flow.packetSizeBytes,
      startSeconds: flow.phaseSeconds ?? 0,
      endSeconds: Math.max(endSeconds, flow.phaseSeconds ?? 0),
    });
  }
  return poissonStream({
    packetsPerSecond: flow.packetsPerSecond,
    packetSizeBytes: flow.packetSizeBytes,
    startSeconds: 0,
    endSeconds,
    seed: flow.seed ?? 0,
  });
}

/** Checks a control flow; errors name it `name` (not in the public API). */
export function checkFlow(flow: ControlFlow, name: string): void {
  assertOneOf(`${name}.protocol`, flow.protocol, ROUTING_PROTOCOLS);
  assertOneOf(`${name}.arrival`, flow.arrival, ["periodic", "poisson"]);
  assertPositive(`${name}.packetsPerSecond`, flow.packetsPerSecond);
  assertInteger(`${name}.packetSizeBytes`, flow.packetSizeBytes, 1);
  assertAtLeast(`${name}.phaseSeconds`, flow.phaseSeconds ?? 0, 0);
  assertInteger(`${name}.seed`, flow.seed ?? 0, 0);
}

function checkWindow(w: ControlWindow): void {
  assertAtLeast("window.pauseSeconds", w.pauseSeconds, 0);
  assertAtLeast("window.tunnelUpSeconds", w.tunnelUpSeconds, w.pauseSeconds);
  assertAtLeast(
    "window.arpEffectiveSeconds",
    w.arpEffectiveSeconds,
    w.pauseSeconds,
  );
  assertAtLeast(
    "window.oldPathRemovedSeconds",
    w.oldPathRemovedSeconds,
    w.pauseSeconds,
  );
  assertAtLeast("window.tunnelLatencySeconds", w.tunnelLatencySeconds, 0);
  assertAtLeast("window.endSeconds", w.endSeconds, 0);
}

/**
 * The source Domain 0's control element for one flow, as a traffic-engine
 * path: [source Domain 0 (forward, buffer from the pause, forward once the
 * tunnel is up, drop once removed), tunnel (its latency)]. Feed it the
 * flow's packets sent before the ARP update took effect.
 *
 * @example
 * ```ts
 * import { controlPath } from "@vnmig/vnmig";
 * const path = controlPath({
 *   pauseSeconds: 10, tunnelUpSeconds: 12, arpEffectiveSeconds: 30,
 *   oldPathRemovedSeconds: 31, tunnelLatencySeconds: 0.001, endSeconds: 60,
 * });
 * if (path.map((e) => e.name).join() !== "source Domain 0 control,tunnel") throw new Error();
 * ```
 */
export function controlPath(
  window: ControlWindow,
  options: ControlTrafficOptions = {},
): PathElement[] {
  checkWindow(window);
  const { pauseSeconds: p, tunnelUpSeconds: u, oldPathRemovedSeconds: r } =
    window;
  const changes: { atSeconds: number; state: "buffer" | "forward" | "drop" }[] =
    [{ atSeconds: p, state: "buffer" }];
  if (r > u) changes.push({ atSeconds: u, state: "forward" });
  changes.push({ atSeconds: r, state: "drop" });
  return [
    pathElement({
      name: "source Domain 0 control",
      changes,
      bufferCapacityPackets: options.bufferCapacityPackets ?? Infinity,
      bufferCapacityBytes: options.bufferCapacityBytes ?? Infinity,
    }),
    pathElement({
      name: "tunnel",
      latencySeconds: window.tunnelLatencySeconds,
    }),
  ];
}

/**
 * The fates of the control flows during a plane-separation migration:
 * delivered directly, buffered then delivered through the tunnel,
 * tunnelled, or lost (overflow of the shared buffer, flushed or dropped when
 * the source path goes away too early), with the added delay of every
 * delivered packet. Packets of all flows share the buffer in arrival order
 * (ties: flow order). The packets sent before the ARP reply took effect are
 * the traffic engine's streams through {@linkcode controlPath}; the delays
 * are exact (the held time plus the tunnel's latency), rounded once.
 *
 * @example
 * ```ts
 * import { controlTraffic } from "@vnmig/vnmig";
 * const result = controlTraffic({
 *   pauseSeconds: 10, tunnelUpSeconds: 12, arpEffectiveSeconds: 30,
 *   oldPathRemovedSeconds: 31, tunnelLatencySeconds: 0.001, endSeconds: 60,
 * }, [{ name: "BGP update", protocol: "bgp", arrival: "periodic", packetsPerSecond: 2, packetSizeBytes: 100 }]);
 * if (result.lostPackets !== 0 || result.flows[0].bufferedPackets !== 4) throw new Error();
 * ```
 */
export function controlTraffic(
  window: ControlWindow,
  flows: readonly ControlFlow[],
  options: ControlTrafficOptions = {},
): ControlTrafficResult {
  checkWindow(window);
  if (!Array.isArray(flows)) {
    throw new RangeError(`flows must be an array; got ${String(flows)}`);
  }
  flows.forEach((f, i) => checkFlow(f, `flows[${i}]`));
  assertKnownKeys("options", options, [
    "bufferCapacityPackets",
    "bufferCapacityBytes",
  ]);
  assertCapacity(
    "bufferCapacityPackets",
    options.bufferCapacityPackets ?? Infinity,
  );
  assertCapacity(
    "bufferCapacityBytes",
    options.bufferCapacityBytes ?? Infinity,
  );
  const p = window.pauseSeconds;
  // Packets sent before the ARP reply took effect reach the source Domain 0:
  // the traffic engine follows them through its control element and the
  // tunnel, all flows sharing its buffer (ties: flow order). The others go
  // straight to the new host, as do those sent before the pause.
  const engineEnd = Math.min(window.arpEffectiveSeconds, window.endSeconds);
  const full = flows.map((f) =>
    packetCount(controlFlowStream(f, window.endSeconds))
  );
  const streams = flows.map((f) => controlFlowStream(f, engineEnd));
  const beforePause = streams.map((st) =>
    new PacketClock(st).countBefore(exactOf(p), exactOf(0))
  );
  const records: ControlPacketRecord[] = [];
  const delays: number[] = [];
  const maxDelay = flows.map(() => 0);
  let peakPackets = 0;
  let peakBytes = 0;
  let byStream: readonly FateCounts[] = [];
  if (flows.length > 0) {
    const { counts, packets } = simulatePackets(
      streams,
      controlPath(window, options),
      { recordPackets: true },
    );
    byStream = counts.byStream!;
    const peak = counts.bufferPeaks.find((b) => b.elementIndex === 0);
    peakPackets = peak?.packets ?? 0;
    peakBytes = peak?.bytes ?? 0;
    // The packets from the pause on, one by one, for the records.
    const r = packets!;
    for (let i = 0; i < r.sendSeconds.length; i++) {
      const flow = r.stream[i];
      if (r.packet[i] < beforePause[flow]) continue;
      const code = PACKET_FATES[r.fate[i]];
      let fate: ControlPacketRecord["fate"];
      let delay = 0;
      if (code === "delivered") {
        fate = r.heldSeconds[i] > 0 ? "buffered" : "tunnelled";
        delay = r.endToEndSeconds[i];
      } else if (code === "overflow" || code === "flush" || code === "drop") {
        fate = code;
      } else {
        throw new Error(`internal: control packet ${code}`);
      }
      if (delay > 0) {
        delays.push(delay);
        maxDelay[flow] = Math.max(maxDelay[flow], delay);
      }
      records.push({
        flowIndex: flow,
        arrivalSeconds: r.sendSeconds[i],
        fate,
        delaySeconds: delay,
      });
    }
  }
  // In arrival order (ties: flow order).
  records.sort((x, y) =>
    x.arrivalSeconds - y.arrivalSeconds || x.flowIndex - y.flowIndex
  );

  // The counts are the engine's, per stream.
  const flowFates: ControlFlowFates[] = flows.map((flow, i) => {
    const c = byStream[i];
    const lost = (cause: string) =>
      c.losses.filter((l) => l.cause === cause).reduce(
        (a, l) => a + l.packets,
        0,
      );
    const direct = full[i] - c.sentPackets + beforePause[i];
    const tunnelled = c.deliveredPackets - c.heldPackets - beforePause[i];
    return {
      name: flow.name,
      protocol: flow.protocol,
      sentPackets: full[i],
      directPackets: direct,
      bufferedPackets: c.heldPackets,
      tunnelledPackets: tunnelled,
      overflowPackets: lost("overflow"),
      flushedPackets: lost("flush"),
      droppedPackets: lost("drop"),
      deliveredPackets: direct + c.heldPackets + tunnelled,
      lostPackets: c.lostPackets,
      maxDelaySeconds: maxDelay[i],
    };
  });
  const delaysSeconds = Float64Array.from(delays).sort();
  const sum = (f: (x: ControlFlowFates) => number) =>
    flowFates.reduce((s, x) => s + f(x), 0);
  return {
    flows: flowFates,
    sentPackets: sum((x) => x.sentPackets),
    deliveredPackets: sum((x) => x.deliveredPackets),
    delayedPackets: delaysSeconds.length,
    lostPackets: sum((x) => x.lostPackets),
    peakBufferPackets: peakPackets,
    peakBufferBytes: peakBytes,
    delaysSeconds,
    delay: delayQuantiles(delaysSeconds),
    records,
  };
}

/**
 * Min, median, mean, 95th percentile (nearest rank) and max of a sample
 * sorted ascending; zeros for an empty sample.
 *
 * @example
 * ```ts
 * import { delayQuantiles } from "@vnmig/vnmig";
 * console.log(delayQuantiles(Float64Array.from([1, 2, 3, 4])).medianSeconds); // 2.5
 * ```
 */
export function delayQuantiles(sortedSeconds: Float64Array): DelayQuantiles {
  const n = sortedSeconds.length;
  if (n === 0) {
    return {
      packets: 0,
      minSeconds: 0,
      medianSeconds: 0,
      meanSeconds: 0,
      p95Seconds: 0,
      maxSeconds: 0,
    };
  }
  const middle = n >> 1;
  const median = n % 2 === 1
    ? sortedSeconds[middle]
    : (sortedSeconds[middle - 1] + sortedSeconds[middle]) / 2;
  let total = 0;
  for (const x of sortedSeconds) total += x;
  return {
    packets: n,
    minSeconds: sortedSeconds[0],
    medianSeconds: median,
    meanSeconds: total / n,
    p95Seconds: sortedSeconds[Math.max(0, Math.ceil(0.95 * n) - 1)],
    maxSeconds: sortedSeconds[n - 1],
  };
}

// ---------------------------------------------------------------------------
// Adjacency survival

/** The silences the control plane goes through during the migration. */
export interface ControlSilence {
  /** The VM is paused: it stops sending and receiving, seconds. */
  readonly pauseSeconds: number;
  /** The VM's packets reach the neighbours again (interfaces bound on the new host), seconds. */
  readonly sendResumeSeconds: number;
  /** The held packets leave the source Domain 0 through the tunnel, seconds. */
  readonly tunnelUpSeconds: number;
  /** One-way latency of the tunnel, seconds. */
  readonly tunnelLatencySeconds: number;
  /** Whether neighbours' packets sent during the hold are buffered (delivered late) rather than lost. */
  readonly incomingBuffered: boolean;
}

/** Verdict for one direction or one adjacency. */
export type SurvivalVerdict = "survives" | "phase-dependent" | "fails";

/** Every {@linkcode SurvivalVerdict}, best first (e.g. a figure's colour domain). */
export const SURVIVAL_VERDICTS: readonly SurvivalVerdict[] = Object.freeze([
  "survives",
  "phase-dependent",
  "fails",
]);

/** Whether one protocol's adjacency survives. */
export interface AdjacencySurvival {
  /** Protocol. */
  readonly protocol: RoutingProtocol;
  /** Its timers. */
  readonly intervalSeconds: number;
  /** Its dead (hold, timeout, detection) time. */
  readonly deadSeconds: number;
  /** Longest gap between two packets from the VM heard by a neighbour, over every timer phase, seconds. */
  readonly outgoingWorstGapSeconds: number;
  /** Shortest such gap over every phase, seconds. */
  readonly outgoingBestGapSeconds: number;
  /** Longest gap between two packets from a neighbour heard by the VM, seconds. */
  readonly incomingWorstGapSeconds: number;
  /** Shortest such gap, seconds. */
  readonly incomingBestGapSeconds: number;
  /** dead time minus the longest gap, seconds (negative: the adjacency can go down). */
  readonly marginSeconds: number;
  /** `survives` for every phase, `fails` for every phase, or `phase-dependent`. */
  readonly verdict: SurvivalVerdict;
}

/**
 * Gaps between packets heard from a periodic sender (period h) whose packets
 * due in a silence of length s are lost: with the last packet before the
 * silence φ in (0, h] before it, the next heard is h * ceil((s + φ) / h)
 * after it. Worst over φ (φ = h): h (ceil(s/h) + 1); best (φ -> 0): h (floor(s/h) + 1).
 */
function lostSilenceGaps(h: number, s: number): [number, number] {
  if (s <= 0) return [h, h];
  return [h * (Math.ceil(s / h) + 1), h * (Math.floor(s / h) + 1)];
}

/**
 * Whether each adjacency survives the control plane's silences. A
 * neighbour declares the VM down when it hears nothing for the dead time;
 * so does the VM. Packets keep a fixed period in wall-clock time.
 * Outgoing: the VM's packets due from the pause until its interfaces are
 * bound on the new host are lost. Incoming: the neighbours' packets sent
 * during the hold are delivered when the tunnel comes up (or lost, when not
 * buffered). The gap depends on the timer phase, so the worst and best case
 * over every phase are given; an adjacency survives when the gap is shorter
 * than the dead time.
 *
 * @example
 * ```ts
 * import { adjacencySurvival, bfdTimers, QUAGGA_TIMERS } from "@vnmig/vnmig";
 * const table = adjacencySurvival({
 *   pauseSeconds: 20, sendResumeSeconds: 21, tunnelUpSeconds: 21.5,
 *   tunnelLatencySeconds: 0.001, incomingBuffered: true,
 * }, [QUAGGA_TIMERS.ospf, bfdTimers()]);
 * console.log(table.map((r) => r.verdict)); // ["survives", "fails"]
 * ```
 */
export function adjacencySurvival(
  silence: ControlSilence,
  timers: readonly ProtocolTimers[],
): AdjacencySurvival[] {
  assertAtLeast("silence.pauseSeconds", silence.pauseSeconds, 0);
  assertAtLeast(
    "silence.sendResumeSeconds",
    silence.sendResumeSeconds,
    silence.pauseSeconds,
  );
  assertAtLeast(
    "silence.tunnelUpSeconds",
    silence.tunnelUpSeconds,
    silence.pauseSeconds,
  );
  assertAtLeast(
    "silence.tunnelLatencySeconds",
    silence.tunnelLatencySeconds,
    0,
  );
  timers.forEach((t, i) => checkTimers(`timers[${i}]`, t));
  const sendSilence = silence.sendResumeSeconds - silence.pauseSeconds;
  const hold = silence.tunnelUpSeconds - silence.pauseSeconds;
  const lat = silence.tunnelLatencySeconds;
  return timers.map((t) => {
    const h = t.intervalSeconds;
    const [outWorst, outBest] = lostSilenceGaps(h, sendSilence);
    let inWorst: number;
    let inBest: number;
    if (silence.incomingBuffered) {
      // The packet due at the pause is held and arrives at tunnel-up + lat.
      inWorst = hold + lat + h;
      inBest = Math.max(hold, h) + lat;
    } else {
      const [w, b] = lostSilenceGaps(h, hold);
      inWorst = w + lat;
      inBest = b + lat;
    }
    const worst = Math.max(outWorst, inWorst);
    const best = Math.max(outBest, inBest);
    const verdict: SurvivalVerdict = worst < t.deadSeconds
      ? "survives"
      : best >= t.deadSeconds
      ? "fails"
      : "phase-dependent";
    return {
      protocol: t.protocol,
      intervalSeconds: h,
      deadSeconds: t.deadSeconds,
      outgoingWorstGapSeconds: outWorst,
      outgoingBestGapSeconds: outBest,
      incomingWorstGapSeconds: inWorst,
      incomingBestGapSeconds: inBest,
      marginSeconds: t.deadSeconds - worst,
      verdict,
    };
  });
}

/**
 * Packet-level consistency of a migration: every packet of every flow
 * traced hop by hop through the rule state in force when it reaches each
 * switch (flow-table semantics in `flow_table.ts`), on the traffic engine's
 * exact packet clock and tally.
 *
 * A packet leaves its source host at its stream send time; each port it
 * leaves by (the host's access link, then each switch's output port) is a
 * FIFO server: the packet is serialised at the link's rate (its bits over
 * the link's bits/s), after the packets of its flow that wait before it, and
 * reaches the next node the link's latency later. A port's queue holds at
 * most `queueCapacityPackets` waiting packets; one more is lost there
 * (`queue-full`). Each flow's packets queue among themselves: flows do not
 * queue behind one another, but every directed link's offered load from all
 * flows is reported (`links`), and a load above a link's rate makes the
 * report infeasible (`feasible: false`): such a run is no evidence of
 * lossless migration. Every comparison of a packet's time with a rule's
 * apply instant (a change at exactly the arrival applies) is exact for the
 * decimals written.
 *
 * Fates: delivered over the old path, the new path, or another (mixed)
 * path; dropped at a switch (no entry, or output to a port with nothing
 * behind it) or at a wrong host; lost in a full port queue; looped: more
 * than `ttlHops` switches crossed (`loops: "hop-limit"`, the default), or,
 * with `loops: "first-revisit"`, at the first switch a packet reaches a
 * second time. Where loops close is reported (`loops` per flow: the first
 * switch the looping packets revisit).
 *
 * Two engines: {@linkcode packetConsistency} moves whole runs of packets
 * through the network, splitting a run only where a rule changes between
 * its packets' arrivals (exact interval arithmetic, O(rule changes) per
 * flow whatever the rate); when a flow's packets would wait at some port
 * (its load above the port's rate, or its runs on two paths meeting there)
 * that flow is traced packet by packet instead. {@linkcode
 * simulateMigrationPackets} traces every packet as a discrete-event
 * simulation in time order. They agree exactly.
 *
 * @module
 */

import {
  assertCapacity,
  assertInteger,
  assertKnownKeys,
  assertOneOf,
} from "../_validate.ts";
import {
  compareExact,
  type Exact,
  exactAdd,
  hopExact,
  PacketClock,
} from "../traffic/clock.ts";
import {
  add,
  cmp,
  dec,
  div,
  type Q,
  qInt,
  sub,
  toNumber,
  ZERO,
} from "../traffic/_rational.ts";
import type { DelaySummary } from "../traffic/fates.ts";
import { checkStream, type TrafficStream } from "../traffic/stream.ts";
import { DelayAccumulator, LossRuns, Tally } from "../traffic/tally.ts";
import {
  flowTableOptions,
  lookup,
  type ModifyMissing,
  RuleTables,
  snapshotAt,
  type TimedFlowMod,
} from "./flow_table.ts";
import type { FlowEntry } from "./plan_types.ts";
import type { FlowMigration } from "./plan.ts";
import {
  indexTopology,
  type PortPeer,
  type Topology,
  type TopologyIndex,
} from "./topology.ts";

export {
  type RuleSnapshot,
  ruleStates,
  timedChanges,
  type TimedFlowMod,
} from "./flow_table.ts";

/** What became of a run of packets. */
export type PacketFate =
  | "delivered-old"
  | "delivered-new"
  | "delivered-mixed"
  | "dropped"
  | "looped"
  | "queue-full";

/**
 * Every packet fate, for legends and loops.
 *
 * @example
 * ```ts
 * import { PACKET_FATES_OPENFLOW } from "@vnmig/vnmig/openflow";
 * if (!PACKET_FATES_OPENFLOW.includes("looped")) throw new Error();
 * ```
 */
export const PACKET_FATES_OPENFLOW: readonly PacketFate[] = [
  "delivered-old",
  "delivered-new",
  "delivered-mixed",
  "dropped",
  "looped",
  "queue-full",
];

/** A run of consecutive packets of one flow that met the same fate over the same switches. */
export interface TracePiece {
  /** The flow. */
  readonly flowId: string;
  /** First packet index (inclusive). */
  readonly fromPacket: number;
  /** Last packet index (exclusive). */
  readonly toPacket: number;
  /** Send time of the first packet, seconds. */
  readonly fromSendSeconds: number;
  /** Send time of the last packet, seconds. */
  readonly toSendSeconds: number;
  /** The fate. */
  readonly fate: PacketFate;
  /** Switches crossed, in order (for a loop: up to where it was counted). */
  readonly switches: readonly string[];
  /** Where a dropped (or queue-full) packet was lost (switch or host id), else null. */
  readonly droppedAt: string | null;
  /** For a loop, the first switch the packets reached twice (null if none, or not a loop). */
  readonly loopedAt: string | null;
}

/** Packets lost at one place. */
export interface DropCount {
  /** Switch (or host) id. */
  readonly at: string;
  /** Packets lost there. */
  readonly packets: number;
}

/** The offered load on one directed link (or a host's access link). */
export interface LinkLoad {
  /** The node that sends on it (switch or host id). */
  readonly from: string;
  /** Its output port (0 for a host's access link). */
  readonly port: number;
  /** The node at the other end. */
  readonly to: string;
  /** Bits/s offered by every flow whose packets use it (as if all at once). */
  readonly offeredBitsPerSecond: number;
  /** The link's rate, bits/s. */
  readonly capacityBitsPerSecond: number;
}

/** What became of one flow's packets. */
export interface FlowConsistency {
  /** The flow. */
  readonly flowId: string;
  /** Packets sent. */
  readonly sentPackets: number;
  /** Delivered over exactly the old path. */
  readonly deliveredOldPath: number;
  /** Delivered over exactly the new path. */
  readonly deliveredNewPath: number;
  /** Delivered over any other path. */
  readonly deliveredMixedPath: number;
  /** Dropped by the rules (sum of `drops`). */
  readonly droppedPackets: number;
  /** Looped (hop limit, or first revisit). */
  readonly loopedPackets: number;
  /** Lost in a full port queue (sum of `queueDrops`). */
  readonly queueDroppedPackets: number;
  /** Rule drops per place, in order of first drop. */
  readonly drops: readonly DropCount[];
  /** Queue losses per place (the node whose output queue was full). */
  readonly queueDrops: readonly DropCount[];
  /** Looped packets per place the loop closes (the first switch revisited; the last switch when none was). */
  readonly loops: readonly DropCount[];
  /** Most consecutive packets not delivered. */
  readonly longestLossRun: number;
  /** That run at the stream's rate: `longestLossRun / packetsPerSecond`, seconds. */
  readonly downtimeSeconds: number;
  /** Send time of the first packet from which every packet is delivered over the new path (null: never). */
  readonly newPathFromSendSeconds: number | null;
  /** Send to delivery, over the delivered packets (exact, rounded once). */
  readonly delay: DelaySummary;
  /** Delivered packets later than over the old path with no queueing (rerouted longer, or queued). */
  readonly delayedPackets: number;
  /** Their delay beyond the old path's. */
  readonly extraDelay: DelaySummary;
  /** Delivered packets that waited at some port. */
  readonly queuedPackets: number;
  /** Whether the flow's packets wait at some port (then both engines trace it packet by packet). */
  readonly congested: boolean;
}

/** The consistency of a whole migration. */
export interface ConsistencyReport {
  /** One entry per flow, in migration order. */
  readonly flows: readonly FlowConsistency[];
  /** Packets sent, all flows. */
  readonly sentPackets: number;
  /** Packets delivered (any path), all flows. */
  readonly deliveredPackets: number;
  /** Packets dropped by the rules, all flows. */
  readonly droppedPackets: number;
  /** Packets looped, all flows. */
  readonly loopedPackets: number;
  /** Packets lost in full port queues, all flows. */
  readonly queueDroppedPackets: number;
  /** Packets lost (dropped + looped + queue), all flows. */
  readonly lostPackets: number;
  /** Largest downtime of any flow, seconds. */
  readonly downtimeSeconds: number;
  /** Send to delivery, all delivered packets. */
  readonly delay: DelaySummary;
  /** Delivered packets later than over their old path, all flows. */
  readonly delayedPackets: number;
  /** Largest delay beyond the old path's, seconds (0 when none). */
  readonly maxDelaySeconds: number;
  /** Mean delay beyond the old path's over the delayed packets, seconds (0 when none). */
  readonly meanDelaySeconds: number;
  /** Offered load on every directed link some packet used, by sending node and port. */
  readonly links: readonly LinkLoad[];
  /** The links whose offered load exceeds their rate. */
  readonly overloadedLinks: readonly LinkLoad[];
  /** No link is overloaded. */
  readonly feasible: boolean;
  /** The runs, when `recordPieces` was set (else empty). */
  readonly pieces: readonly TracePiece[];
}

/** How loops are counted. */
export type LoopRule = "hop-limit" | "first-revisit";

/** Options of {@linkcode packetConsistency} and {@linkcode simulateMigrationPackets}. */
export interface ConsistencyOptions {
  /** The traffic of every flow. Default a 1000 packets/s, 64-byte CBR stream over [0, 0.05) s. */
  stream?: TrafficStream;
  /** Per-flow traffic (CBR, Poisson, or the explicit send times a real sender sent), overriding `stream` for the flows named. Default none. */
  streams?: Readonly<Record<string, TrafficStream>>;
  /** Hop limit: a packet crossing more switches is counted as looped. Default 64. */
  ttlHops?: number;
  /** `"hop-limit"` (a loop counts once the hop limit runs out) or `"first-revisit"` (at the first switch reached twice). Default "hop-limit". */
  loops?: LoopRule;
  /** Waiting room of every port's queue, packets (Infinity: unbounded). Default 1000 (Linux's default txqueuelen). */
  queueCapacityPackets?: number;
  /** What `modify` does to a missing entry: "ignore" (OpenFlow 1.1+) or "add" (OpenFlow 1.0). Default "ignore". */
  modifyMissing?: ModifyMissing;
  /** Keep the runs (pieces) in the report. Default false. */
  recordPieces?: boolean;
}

const OPTION_KEYS: readonly (keyof ConsistencyOptions)[] = [
  "stream",
  "streams",
  "ttlHops",
  "loops",
  "queueCapacityPackets",
  "modifyMissing",
  "recordPieces",
];

/** Inputs of a consistency check: the network and its rules over time. */
export interface RuleTimeline {
  /** Entries in force before the migration. */
  readonly initial: readonly FlowEntry[];
  /** The flow-mods with their effective times. */
  readonly changes: readonly TimedFlowMod[];
  /** The flows to trace (their old and new paths classify deliveries). */
  readonly migrations: readonly FlowMigration[];
}

// A directed port: what a packet leaving `from` by `port` crosses.
interface Port {
  readonly key: string;
  readonly from: string;
  readonly port: number;
  readonly to: string;
  readonly bitsPerSecond: number;
  /** Serialisation, exact (bits / rate). */
  readonly service: Q;
  /** Latency + serialisation, with its float. */
  readonly hop: Exact;
  readonly latency: Q;
  /** Float serialisation and latency. */
  readonly serviceF: number;
  readonly latencyF: number;
  /** The per-packet engine's server state (created on first use). */
  server?: PortServer;
  /** The offset node of the latency alone, after a wait (per-packet engine). */
  afterWait?: OffsetNode;
}

interface FlowSetup {
  readonly migration: FlowMigration;
  readonly clock: PacketClock;
  readonly packetBits: number;
  readonly access: Port;
  readonly ingress: string;
  readonly ingressPort: number;
  readonly oldKey: string;
  readonly newKey: string;
  readonly packetsPerSecond: number;
  /** Delay over the old path with no queueing, exact. */
  readonly oldDelay: Q | null;
}

// Exact link figures, shared by every flow of a trace: (latency, rate,
// packet bits) -> serialisation, hop, latency.
type LinkCache = Map<string, { service: Q; hop: Exact; latency: Q }>;

class Ports {
  readonly map = new Map<string, Port>();
  constructor(
    readonly index: TopologyIndex,
    readonly bits: number,
    readonly cache: LinkCache,
  ) {}

  of(from: string, port: number, peer: PortPeer): Port {
    const key = `${from}\u0000${port}`;
    let p = this.map.get(key);
    if (!p) {
      const to = peer.kind === "host" ? peer.hostId : peer.switchId;
      p = makePort(key, from, port, to, peer, this.bits, this.cache);
      this.map.set(key, p);
    }
    return p;
  }
}

function makePort(
  key: string,
  from: string,
  port: number,
  to: string,
  link: { latencySeconds: number; bitsPerSecond: number },
  bits: number,
  cache: LinkCache,
): Port {
  const id = `${link.latencySeconds}|${link.bitsPerSecond}|${bits}`;
  let exact = cache.get(id);
  if (!exact) {
    exact = {
      service: div(qInt(bits), dec(link.bitsPerSecond)),
      hop: hopExact(link.latencySeconds, bits, link.bitsPerSecond),
      latency: dec(link.latencySeconds),
    };
    cache.set(id, exact);
  }
  return {
    key,
    from,
    port,
    to,
    bitsPerSecond: link.bitsPerSecond,
    ...exact,
    serviceF: bits / link.bitsPerSecond,
    latencyF: link.latencySeconds,
  };
}

/** What happens to one (run of) packet(s) at one switch. */
type Step =
  | {
    kind: "switch";
    switchId: string;
    inPort: number;
    port: Port;
    vlanVid: number | undefined;
  }
  | { kind: "delivered"; port: Port }
  | { kind: "dropped"; at: string };

function step(
  index: TopologyIndex,
  ports: Ports,
  switchId: string,
  entry: FlowEntry | undefined,
  dstHost: string,
  vlanVid: number | undefined,
): Step {
  if (!entry) return { kind: "dropped", at: switchId };
  const peer = index.peer(switchId, entry.outPort);
  if (!peer) return { kind: "dropped", at: switchId };
  const port = ports.of(switchId, entry.outPort, peer);
  if (peer.kind === "host") {
    return peer.hostId === dstHost
      ? { kind: "delivered", port }
      : { kind: "dropped", at: peer.hostId };
  }
  const vid = entry.popVlan ? undefined : entry.setVlanVid ?? vlanVid;
  return {
    kind: "switch",
    switchId: peer.switchId,
    inPort: peer.port,
    port,
    vlanVid: vid,
  };
}

// The exact delay of a packet over the old path, with no queueing.
function oldPathDelay(
  index: TopologyIndex,
  ports: Ports,
  m: FlowMigration,
  access: Port,
): Q | null {
  let total = access.hop.q;
  const path = m.oldPath;
  for (let i = 0; i < path.length; i++) {
    const next = i + 1 < path.length ? path[i + 1] : null;
    let port: number | undefined;
    if (next !== null) port = index.portToward(path[i], next);
    else {
      const dst = index.host(m.flow.dstHost);
      port = dst && dst.switchId === path[i] ? dst.port : undefined;
    }
    if (port === undefined) return null;
    const peer = index.peer(path[i], port);
    if (!peer) return null;
    total = add(total, ports.of(path[i], port, peer).hop.q);
  }
  return total;
}

function setup(
  index: TopologyIndex,
  migrations: readonly FlowMigration[],
  options: ConsistencyOptions,
): { flows: FlowSetup[]; ports: Ports[] } {
  const fallback: TrafficStream = options.stream ?? {
    kind: "cbr",
    packetsPerSecond: 1000,
    packetSizeBytes: 64,
    startSeconds: 0,
    endSeconds: 0.05,
  };
  checkStream(fallback);
  const streams = options.streams ?? {};
  const ids = new Set(migrations.map((m) => m.flow.id));
  for (const id of Object.keys(streams)) {
    if (!ids.has(id)) {
      throw new RangeError(
        `streams keys must be flow ids; got ${JSON.stringify(id)}`,
      );
    }
    checkStream(streams[id]);
  }
  const portSets: Ports[] = [];
  const cache: LinkCache = new Map();
  const flows = migrations.map((m, i) => {
    const stream = streams[m.flow.id] ?? fallback;
    const src = index.host(m.flow.srcHost);
    if (!src || !index.host(m.flow.dstHost)) {
      throw new RangeError(
        `migrations[${i}].flow must join two hosts of the topology; got ${m.flow.srcHost}, ${m.flow.dstHost}`,
      );
    }
    const packetBits = stream.packetSizeBytes * 8;
    const ports = new Ports(index, packetBits, cache);
    portSets.push(ports);
    const access = makePort(
      `${src.id}\u0000host`,
      src.id,
      0,
      src.switchId,
      src,
      packetBits,
      cache,
    );
    let oldDelay: Q | null | undefined;
    return {
      migration: m,
      clock: new PacketClock(stream),
      packetBits,
      access,
      ingress: src.switchId,
      ingressPort: src.port,
      oldKey: m.oldPath.join(">"),
      newKey: m.newPath.join(">"),
      packetsPerSecond: stream.packetsPerSecond,
      // Computed once, when a delivered packet first needs it.
      get oldDelay(): Q | null {
        if (oldDelay === undefined) {
          oldDelay = oldPathDelay(index, ports, m, access);
        }
        return oldDelay;
      },
    };
  });
  return { flows, ports: portSets };
}

function delivered(f: FlowSetup, path: readonly string[]): PacketFate {
  const key = path.join(">");
  return key === f.newKey
    ? "delivered-new"
    : key === f.oldKey
    ? "delivered-old"
    : "delivered-mixed";
}

// The first switch a path visits twice (null: none).
function firstRevisit(path: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const s of path) {
    if (seen.has(s)) return s;
    seen.add(s);
  }
  return null;
}

/** One flow's counts, fed in packet order. */
class FlowTally {
  readonly tally = new Tally();
  readonly runs = new LossRuns();
  lastNotNew = -1;
  readonly used = new Map<string, Port>();
  readonly queueWait = new DelayAccumulator();
  congested = false;
  pieces: TracePiece[] | null;

  constructor(readonly f: FlowSetup, record: boolean) {
    this.tally.sent = f.clock.count;
    this.pieces = record ? [] : null;
  }

  /** Packets [from, to) met `fate`; `delayQ` their exact delay (null: per packet via `delays`). */
  add(
    from: number,
    to: number,
    fate: PacketFate,
    at: string | null,
    loopedAt: string | null,
    switches: readonly string[],
  ): void {
    const n = to - from;
    if (n <= 0) return;
    const t = this.tally;
    switch (fate) {
      case "delivered-old":
        t.deliver(n, 0, "old");
        break;
      case "delivered-new":
        t.deliver(n, 0, "new");
        break;
      case "delivered-mixed":
        t.deliver(n, 0, "mixed");
        break;
      case "looped":
        t.lose(loopedAt ?? switches[switches.length - 1] ?? "", -1, "loop", n);
        break;
      case "queue-full":
        t.lose(at!, -1, "queue", n);
        break;
      case "dropped":
        t.lose(at!, -1, "drop", n);
    }
    this.runs.feed(
      n,
      fate === "dropped" || fate === "looped" || fate === "queue-full",
    );
    if (fate !== "delivered-new") this.lastNotNew = to - 1;
    if (this.pieces) {
      const last = this.pieces[this.pieces.length - 1];
      if (
        last && last.toPacket === from && last.fate === fate &&
        last.droppedAt === at && last.loopedAt === loopedAt &&
        last.switches.join(">") === switches.join(">")
      ) {
        this.pieces[this.pieces.length - 1] = this.piece(
          last.fromPacket,
          to,
          fate,
          at,
          loopedAt,
          last.switches,
        );
      } else {
        this.pieces.push(
          this.piece(from, to, fate, at, loopedAt, [...switches]),
        );
      }
    }
  }

  /** Delays of delivered packets: `n` with the same exact delay. */
  delays(n: number, delay: Q): void {
    this.tally.endToEnd.addConstant(n, delay);
    this.extra(n, delay);
  }

  /** One delivered packet's exact delay and queue wait. */
  delayOne(delay: Q, wait: Q): void {
    this.tally.endToEnd.addOne(delay);
    this.extra(1, delay);
    if (wait.n !== 0n) {
      this.tally.queued++;
      this.queueWait.addOne(wait);
    }
  }

  extra(n: number, delay: Q): void {
    const old = this.f.oldDelay;
    if (old === null) return;
    const extra = sub(delay, old);
    if (extra.n > 0n) {
      this.tally.delayed += n;
      this.tally.extra.addConstant(n, extra);
    }
  }

  piece(
    from: number,
    to: number,
    fate: PacketFate,
    at: string | null,
    loopedAt: string | null,
    switches: readonly string[],
  ): TracePiece {
    return {
      flowId: this.f.migration.flow.id,
      fromPacket: from,
      toPacket: to,
      fromSendSeconds: this.f.clock.send(from),
      toSendSeconds: this.f.clock.send(to - 1),
      fate,
      switches,
      droppedAt: at,
      loopedAt,
    };
  }

  result(): FlowConsistency {
    const t = this.tally;
    const f = this.f;
    const n = f.clock.count;
    const drops = t.lostAt("drop");
    const queueDrops = t.lostAt("queue");
    const loops = t.lostAt("loop");
    const sum = (x: DropCount[]) => x.reduce((a, d) => a + d.packets, 0);
    return {
      flowId: f.migration.flow.id,
      sentPackets: n,
      deliveredOldPath: t.categories.get("old") ?? 0,
      deliveredNewPath: t.categories.get("new") ?? 0,
      deliveredMixedPath: t.categories.get("mixed") ?? 0,
      droppedPackets: sum(drops),
      loopedPackets: sum(loops),
      queueDroppedPackets: sum(queueDrops),
      drops,
      queueDrops,
      loops,
      longestLossRun: this.runs.longest,
      downtimeSeconds: this.runs.longest / f.packetsPerSecond,
      newPathFromSendSeconds: this.lastNotNew + 1 < n
        ? f.clock.send(this.lastNotNew + 1)
        : null,
      delay: t.endToEnd.summary(),
      delayedPackets: t.delayed,
      extraDelay: t.extra.summary(),
      queuedPackets: t.queued,
      congested: this.congested,
    };
  }
}

function report(
  tallies: FlowTally[],
  pieces: TracePiece[],
): ConsistencyReport {
  const flows = tallies.map((t) => t.result());
  const sum = (f: (x: FlowConsistency) => number) =>
    flows.reduce((a, x) => a + f(x), 0);
  const dropped = sum((x) => x.droppedPackets);
  const looped = sum((x) => x.loopedPackets);
  const queued = sum((x) => x.queueDroppedPackets);
  const delay = new DelayAccumulator();
  const extra = new DelayAccumulator();
  for (const t of tallies) {
    delay.merge(t.tally.endToEnd);
    extra.merge(t.tally.extra);
  }
  // Offered load per directed link, all flows.
  const loads = new Map<string, LinkLoad>();
  for (const t of tallies) {
    const bits = t.f.packetBits * t.f.packetsPerSecond;
    for (const p of t.used.values()) {
      const l = loads.get(p.key);
      loads.set(p.key, {
        from: p.from,
        port: p.port,
        to: p.to,
        offeredBitsPerSecond: (l?.offeredBitsPerSecond ?? 0) + bits,
        capacityBitsPerSecond: p.bitsPerSecond,
      });
    }
  }
  const links = [...loads.values()].sort((a, b) =>
    a.from < b.from ? -1 : a.from > b.from ? 1 : a.port - b.port
  );
  const overloaded = links.filter((l) =>
    l.offeredBitsPerSecond > l.capacityBitsPerSecond
  );
  const extraSummary = extra.summary();
  return {
    flows,
    sentPackets: sum((x) => x.sentPackets),
    deliveredPackets: sum((x) =>
      x.deliveredOldPath + x.deliveredNewPath + x.deliveredMixedPath
    ),
    droppedPackets: dropped,
    loopedPackets: looped,
    queueDroppedPackets: queued,
    lostPackets: dropped + looped + queued,
    downtimeSeconds: flows.reduce((a, x) => Math.max(a, x.downtimeSeconds), 0),
    delay: delay.summary(),
    delayedPackets: sum((x) => x.delayedPackets),
    maxDelaySeconds: extraSummary.maxSeconds,
    meanDelaySeconds: extraSummary.meanSeconds,
    links,
    overloadedLinks: overloaded,
    feasible: overloaded.length === 0,
    pieces,
  };
}

/** One flow as an engine sees it. */
interface FlowTrace {
  readonly index: TopologyIndex;
  readonly ports: Ports;
  readonly ttl: number;
  readonly loops: LoopRule;
  readonly queueCapacity: number;
  readonly f: FlowSetup;
  readonly out: FlowTally;
  readonly rules: RuleTables;
  readonly pair: ReturnType<RuleTables["forPair"]>;
}

// The checks and per-flow setup both engines share. `trace` is the engine.
function traceFlows(
  topology: Topology,
  timeline: RuleTimeline,
  options: ConsistencyOptions,
  trace: (t: FlowTrace) => void,
): ConsistencyReport {
  assertKnownKeys("options", options, OPTION_KEYS);
  const index = indexTopology(topology);
  const ttl = options.ttlHops ?? 64;
  assertInteger("ttlHops", ttl, 1);
  const loops = options.loops ?? "hop-limit";
  assertOneOf("loops", loops, ["hop-limit", "first-revisit"]);
  const queueCapacity = options.queueCapacityPackets ?? 1000;
  assertCapacity("queueCapacityPackets", queueCapacity);
  const modifyMissing = flowTableOptions({
    modifyMissing: options.modifyMissing,
  });
  const { flows, ports } = setup(index, timeline.migrations, options);
  const rules = new RuleTables(
    timeline.initial,
    timeline.changes,
    modifyMissing,
  );
  const record = options.recordPieces === true;
  const tallies = flows.map((f, i) => {
    const m = f.migration.flow.match;
    const pair = rules.forPair(m.ipv4Src ?? "", m.ipv4Dst ?? "", false);
    let out = new FlowTally(f, record);
    const t: FlowTrace = {
      index,
      ports: ports[i],
      ttl,
      loops,
      queueCapacity,
      f,
      out,
      rules,
      pair,
    };
    trace(t);
    if (trace === traceRuns && out.congested) {
      // Its packets wait at some port: trace them one by one.
      out = new FlowTally(f, record);
      tracePackets({ ...t, out });
    }
    return out;
  });
  const pieces = tallies.flatMap((t) => t.pieces ?? []);
  return report(tallies, pieces);
}

/**
 * Exact packet-level consistency by runs of packets (see the module doc):
 * for each flow, how many packets were delivered over the old, the new or a
 * mixed path, dropped (where), lost in a full queue, or looped, with their
 * delays; and each link's offered load.
 *
 * @example
 * ```ts
 * import { cbrStream } from "@vnmig/vnmig/traffic";
 * import { migrationTiming, packetConsistency, paperTestbedInitialEntries, paperTestbedMigrations, paperTestbedPlan, paperTestbedTopology, timedChanges } from "@vnmig/vnmig/openflow";
 * const net = paperTestbedTopology({ linkBitsPerSecond: 1e8 }); // Fast Ethernet
 * const timing = migrationTiming(paperTestbedPlan(net), net);
 * const timeline = {
 *   initial: paperTestbedInitialEntries(net),
 *   changes: timedChanges(timing),
 *   migrations: paperTestbedMigrations(net),
 * };
 * const report = packetConsistency(net, timeline, { stream: cbrStream({ packetsPerSecond: 5000, endSeconds: 0.02 }) });
 * if (report.lostPackets !== 0 || !report.feasible) throw new Error();
 * // 100,000 packets/s of 1500 bytes (1.2 Gbit/s) do not fit the 100 Mbit/s links.
 * const big = packetConsistency(net, timeline, {
 *   stream: cbrStream({ packetsPerSecond: 100_000, packetSizeBytes: 1500, endSeconds: 0.02 }),
 * });
 * if (big.feasible || big.queueDroppedPackets === 0) throw new Error();
 * ```
 */
export function packetConsistency(
  topology: Topology,
  timeline: RuleTimeline,
  options: ConsistencyOptions = {},
): ConsistencyReport {
  return traceFlows(topology, timeline, options, traceRuns);
}

// A run of packets [lo, hi) reaching `switchId` at send time + offset (no
// packet of the run waits anywhere: checked afterwards, per port).
interface Task {
  lo: number;
  hi: number;
  switchId: string;
  inPort: number;
  vlanVid: number | undefined;
  depth: number;
  offset: Exact;
  // A terminal task: emit this fate (the path is path[0 .. depth)).
  fate?: PacketFate;
  at?: string | null;
  loopedAt?: string | null;
  delayQ?: Q;
}

interface PortUse {
  first: Exact;
  last: Exact;
  lo: number;
  hi: number;
}

// The run engine: packets [lo, hi) move together, split only where a rule
// changes between their arrivals at a switch. An explicit stack keeps long
// loops (ttlHops in the thousands) off the call stack; tasks pop in packet
// order, so the tally sees packets in order.
function traceRuns(t: FlowTrace): void {
  const { index, ports, ttl, f, out, rules, pair } = t;
  const m = f.migration.flow.match;
  const dstHost = f.migration.flow.dstHost;
  const clock = f.clock;
  const path: string[] = [];
  const onPath = new Map<string, number>();
  const uses = new Map<string, PortUse[]>();
  const use = (port: Port, lo: number, hi: number, at: Exact) => {
    out.used.set(port.key, port);
    let list = uses.get(port.key);
    if (!list) uses.set(port.key, list = []);
    list.push({
      first: exactAdd(clock.sendAt(lo), at),
      last: exactAdd(clock.sendAt(hi - 1), at),
      lo,
      hi,
    });
  };
  if (clock.count === 0) return;
  use(f.access, 0, clock.count, { f: 0, q: ZERO, e: 0 });
  const stack: Task[] = [{
    lo: 0,
    hi: clock.count,
    switchId: f.ingress,
    inPort: f.ingressPort,
    vlanVid: undefined,
    depth: 0,
    offset: f.access.hop,
  }];
  while (stack.length > 0) {
    const task = stack.pop()!;
    // Keep the path to this task's depth.
    while (path.length > task.depth) {
      const s = path.pop()!;
      const c = onPath.get(s)! - 1;
      if (c === 0) onPath.delete(s);
      else onPath.set(s, c);
    }
    if (task.fate !== undefined) {
      out.add(
        task.lo,
        task.hi,
        task.fate,
        task.at ?? null,
        task.loopedAt ?? null,
        path,
      );
      if (task.delayQ) out.delays(task.hi - task.lo, task.delayQ);
      continue;
    }
    const { lo, hi, switchId, inPort, vlanVid, offset } = task;
    if (path.length >= ttl) {
      out.add(
        lo,
        hi,
        "looped",
        null,
        firstRevisit(path) ?? path[path.length - 1],
        path,
      );
      continue;
    }
    if (t.loops === "first-revisit" && onPath.has(switchId)) {
      out.add(lo, hi, "looped", null, switchId, path);
      continue;
    }
    path.push(switchId);
    onPath.set(switchId, (onPath.get(switchId) ?? 0) + 1);
    const { times, tables } = rules.timeline(pair, switchId);
    let j = snapshotAt(times, exactAdd(clock.sendAt(lo), offset));
    const jLast = snapshotAt(times, exactAdd(clock.sendAt(hi - 1), offset));
    const children: Task[] = [];
    const depth = path.length;
    let a = lo;
    while (a < hi) {
      const b = j < jLast
        ? clock.firstAtOrAfter(
          { f: times[j], q: dec(times[j]), e: Math.abs(times[j]) * 2 ** -53 },
          offset,
          a,
          hi,
        )
        : hi;
      if (b > a) {
        const s = step(
          index,
          ports,
          switchId,
          lookup(tables[j], inPort, { match: m, vlanVid }),
          dstHost,
          vlanVid,
        );
        if (s.kind === "delivered") {
          use(s.port, a, b, offset);
          children.push({
            lo: a,
            hi: b,
            switchId,
            inPort,
            vlanVid,
            depth,
            offset,
            fate: delivered(f, path),
            delayQ: add(offset.q, s.port.hop.q),
          });
        } else if (s.kind === "dropped") {
          children.push({
            lo: a,
            hi: b,
            switchId,
            inPort,
            vlanVid,
            depth,
            offset,
            fate: "dropped",
            at: s.at,
          });
        } else {
          use(s.port, a, b, offset);
          children.push({
            lo: a,
            hi: b,
            switchId: s.switchId,
            inPort: s.inPort,
            vlanVid: s.vlanVid,
            depth,
            offset: exactAdd(offset, s.port.hop),
          });
        }
      }
      a = b;
      j++;
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  // Would any packet wait? Per port: a run faster than the link, or two
  // runs closer than one serialisation.
  const period = clock.times === null
    ? div(qInt(1), dec(clock.stream.packetsPerSecond))
    : null;
  for (const [key, list] of uses) {
    const port = key === f.access.key ? f.access : ports.map.get(key)!;
    const S: Exact = {
      f: port.serviceF,
      q: port.service,
      e: port.serviceF * 2 ** -50,
    };
    list.sort((x, y) => x.first.f - y.first.f);
    for (let i = 0; i < list.length && !out.congested; i++) {
      const u = list[i];
      if (u.hi - u.lo >= 2) {
        const gap = period ?? minGap(clock, u.lo, u.hi)!;
        const g: Exact = {
          f: toNumber(gap),
          q: gap,
          e: Math.abs(toNumber(gap)) * 2 ** -50,
        };
        if (compareExact(g, S) < 0) out.congested = true;
      }
      if (i > 0 && compareExact(u.first, exactAdd(list[i - 1].last, S)) < 0) {
        out.congested = true;
      }
    }
  }
}

// The smallest gap between consecutive send times in [lo, hi) (null: one packet).
function minGap(clock: PacketClock, lo: number, hi: number): Q | null {
  if (hi - lo < 2) return null;
  if (clock.times === null) {
    const s = clock.stream as { packetsPerSecond: number };
    return div(qInt(1), dec(s.packetsPerSecond));
  }
  let best = Infinity;
  for (let k = lo + 1; k < hi; k++) {
    best = Math.min(best, clock.times[k] - clock.times[k - 1]);
  }
  // Exact among the near-smallest (floats can misorder ties by an ulp).
  let exact: Q | null = null;
  const near = best + Math.abs(clock.times[hi - 1]) * 2 ** -48;
  for (let k = lo + 1; k < hi; k++) {
    if (clock.times[k] - clock.times[k - 1] <= near) {
      const g = sub(clock.sendExact(k), clock.sendExact(k - 1));
      if (exact === null || cmp(g, exact) < 0) exact = g;
    }
  }
  return exact;
}

/**
 * The same check packet by packet: a discrete-event simulation of every
 * packet of each flow, in time order, with FIFO port queues. Agrees exactly
 * with {@linkcode packetConsistency}; use it to validate the run engine, on
 * Poisson traffic, or to list each packet's fate.
 *
 * @example
 * ```ts
 * import { cbrStream } from "@vnmig/vnmig/traffic";
 * import { migrationTiming, paperTestbedInitialEntries, paperTestbedMigrations, paperTestbedPlan, paperTestbedTopology, simulateMigrationPackets, timedChanges } from "@vnmig/vnmig/openflow";
 * const net = paperTestbedTopology();
 * const timing = migrationTiming(paperTestbedPlan(net, "delete-old-first"), net);
 * const report = simulateMigrationPackets(net, {
 *   initial: paperTestbedInitialEntries(net),
 *   changes: timedChanges(timing),
 *   migrations: paperTestbedMigrations(net),
 * }, { stream: cbrStream({ packetsPerSecond: 10_000, endSeconds: 0.02 }) });
 * if (!(report.lostPackets > 0)) throw new Error();
 * ```
 */
export function simulateMigrationPackets(
  topology: Topology,
  timeline: RuleTimeline,
  options: ConsistencyOptions = {},
): ConsistencyReport {
  return traceFlows(topology, timeline, options, tracePackets);
}

// Exact offsets of hop sequences, shared by every packet that takes them:
// a packet's exact time is its anchor (its send time, or the departure
// that ended its last wait) plus the offset of the hops since.
class OffsetNode {
  readonly children: Map<string, OffsetNode> = new Map();
  constructor(readonly q: Q, readonly f: number) {}

  child(key: string, hop: Exact): OffsetNode {
    let c = this.children.get(key);
    if (!c) {
      const q = add(this.q, hop.q);
      c = new OffsetNode(q, toNumber(q));
      this.children.set(key, c);
    }
    return c;
  }
}

// The switches a packet crossed, shared as a trie: one node per distinct
// path prefix, with its joined key built once.
class PathNode {
  readonly children: Map<string, PathNode> = new Map();
  #list: string[] | null = null;
  #key: string | null = null;
  constructor(
    readonly switchId: string,
    readonly parent: PathNode | null,
    readonly depth: number,
  ) {}

  child(switchId: string): PathNode {
    let c = this.children.get(switchId);
    if (!c) {
      this.children.set(
        switchId,
        c = new PathNode(switchId, this, this.depth + 1),
      );
    }
    return c;
  }

  has(switchId: string): boolean {
    return pathHas(this, switchId);
  }

  list(): string[] {
    return this.#list ??= pathList(this);
  }

  key(): string {
    return this.#key ??= this.list().join(">");
  }
}

function pathHas(node: PathNode | null, switchId: string): boolean {
  for (; node && node.depth > 0; node = node.parent) {
    if (node.switchId === switchId) return true;
  }
  return false;
}

function pathList(node: PathNode | null): string[] {
  const out: string[] = [];
  for (; node && node.depth > 0; node = node.parent) out.push(node.switchId);
  return out.reverse();
}

// A packet in flight, reaching `switchId` at float time `f`.
interface InFlight {
  k: number;
  f: number;
  anchor: Q | null; // null: the packet's send time
  node: OffsetNode;
  wait: Q;
  switchId: string;
  inPort: number;
  vlanVid: number | undefined;
  path: PathNode;
  seq: number;
}

interface PortServer {
  // Departures of admitted packets not yet gone: floats and the exact
  // start of their service (anchor, packet, offset).
  readonly f: number[];
  readonly anchor: (Q | null)[];
  readonly k: number[];
  readonly node: OffsetNode[];
  head: number;
}

const NEAR = 2 ** -36;

// The per-packet engine keeps a record per packet in a JS array.
const MAX_TRACED_PACKETS = 2 ** 32 - 1;

// The per-packet engine: a discrete-event simulation of one flow's packets
// in time order (ties: lower packet index first), with a FIFO server per
// port. Floats decide unless within rounding error; then exact.
function tracePackets(t: FlowTrace): void {
  const { index, ports, ttl, f, out, rules, pair } = t;
  const m = f.migration.flow.match;
  const dstHost = f.migration.flow.dstHost;
  const clock = f.clock;
  const n = clock.count;
  if (n > MAX_TRACED_PACKETS) {
    // One record per packet: past the array limit, say so (not "Invalid
    // array length").
    throw new RangeError(
      `flow ${
        JSON.stringify(f.migration.flow.id)
      } has ${n} packets; a flow traced packet by packet (the per-packet engine, or a congested flow: load above a link's rate) must have at most ${MAX_TRACED_PACKETS} (about 180 bytes of memory each): lower packetsPerSecond or the duration`,
    );
  }
  const K = t.queueCapacity;
  const root = new OffsetNode(ZERO, 0);
  const paths = new PathNode("", null, 0);
  const exactOf = (anchor: Q | null, k: number, node: OffsetNode) =>
    add(anchor ?? clock.sendExact(k), node.q);
  const near = (af: number, bf: number) =>
    Math.abs(af - bf) <= (Math.abs(af) + Math.abs(bf)) * NEAR + 1e-300;
  const fates: {
    fate: PacketFate;
    at: string | null;
    loopedAt: string | null;
    path: PathNode;
    delay: Q | null;
    wait: Q;
  }[] = new Array(n);
  const heap: InFlight[] = [];
  const less = (a: InFlight, b: InFlight): boolean => {
    if (!near(a.f, b.f)) return a.f < b.f;
    const c = cmp(
      exactOf(a.anchor, a.k, a.node),
      exactOf(b.anchor, b.k, b.node),
    );
    if (c !== 0) return c < 0;
    return a.k < b.k || (a.k === b.k && a.seq < b.seq);
  };
  const push = (x: InFlight) => {
    heap.push(x);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      const tmp = heap[i];
      heap[i] = heap[p];
      heap[p] = tmp;
      i = p;
    }
  };
  const pop = (): InFlight => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        const r = l + 1;
        let b = i;
        if (l < heap.length && less(heap[l], heap[b])) b = l;
        if (r < heap.length && less(heap[r], heap[b])) b = r;
        if (b === i) break;
        const tmp = heap[i];
        heap[i] = heap[b];
        heap[b] = tmp;
        i = b;
      }
    }
    return top;
  };
  let seq = 0;
  // Through a port's server: the packet (at its current time) waits after
  // the packets before it, is serialised, and reaches the next node. Returns
  // false when the queue is full.
  const cross = (p: InFlight, port: Port): boolean => {
    let s = port.server;
    if (!s) {
      out.used.set(port.key, port);
      s = port.server = { f: [], anchor: [], k: [], node: [], head: 0 };
    }
    const sf = s.f;
    while (s.head < sf.length) {
      const d = sf[s.head];
      const gone = near(d, p.f)
        ? cmp(
          add(
            exactOf(s.anchor[s.head], s.k[s.head], s.node[s.head]),
            port.service,
          ),
          exactOf(p.anchor, p.k, p.node),
        ) <= 0
        : d < p.f;
      if (!gone) break;
      s.head++;
    }
    if (s.head > 1024 && s.head * 2 > sf.length) {
      sf.splice(0, s.head);
      s.anchor.splice(0, s.head);
      s.k.splice(0, s.head);
      s.node.splice(0, s.head);
      s.head = 0;
    }
    const inSystem = sf.length - s.head;
    if (inSystem > 0 && inSystem - 1 >= K) return false;
    if (inSystem === 0) {
      // Idle: serialised at once; the exact time stays a hop offset.
      sf.push(p.f + port.serviceF);
      s.anchor.push(p.anchor);
      s.k.push(p.k);
      s.node.push(p.node);
      p.node = p.node.child(port.key, port.hop);
      p.f = (p.anchor === null ? clock.send(p.k) : toNumber(p.anchor)) +
        p.node.f;
      return true;
    }
    // Busy: service starts at the last departure.
    out.congested = true;
    const last = sf.length - 1;
    const start = add(
      exactOf(s.anchor[last], s.k[last], s.node[last]),
      port.service,
    );
    const departure = add(start, port.service);
    p.wait = add(p.wait, sub(start, exactOf(p.anchor, p.k, p.node)));
    const departureF = toNumber(departure);
    sf.push(departureF);
    s.anchor.push(start);
    s.k.push(p.k);
    s.node.push(root);
    p.anchor = departure;
    p.node = port.afterWait ??= root.child(`${port.key}\u0000latency`, {
      f: port.latencyF,
      q: port.latency,
      e: 0,
    });
    p.f = departureF + p.node.f;
    return true;
  };
  const lose = (
    k: number,
    fate: PacketFate,
    at: string | null,
    loopedAt: string | null,
    path: PathNode,
    wait: Q,
  ) => {
    fates[k] = { fate, at, loopedAt, path, delay: null, wait };
  };
  let next = 0;
  while (next < n || heap.length > 0) {
    if (next < n) {
      // The next source packet enters when it is the earliest event.
      const sf = clock.send(next);
      const top = heap[0];
      const first = !top ||
        (near(sf, top.f)
          ? cmp(clock.sendExact(next), exactOf(top.anchor, top.k, top.node)) <=
            0
          : sf < top.f);
      if (first) {
        const k = next++;
        const p: InFlight = {
          k,
          f: sf,
          anchor: null,
          node: root,
          wait: ZERO,
          switchId: f.ingress,
          inPort: f.ingressPort,
          vlanVid: undefined,
          path: paths,
          seq: seq++,
        };
        if (!cross(p, f.access)) {
          lose(k, "queue-full", f.access.from, null, paths, ZERO);
        } else push(p);
        continue;
      }
    }
    const p = pop();
    const { k, switchId } = p;
    if (p.path.depth >= ttl) {
      const list = p.path.list();
      lose(
        k,
        "looped",
        null,
        firstRevisit(list) ?? list[list.length - 1],
        p.path,
        p.wait,
      );
      continue;
    }
    if (t.loops === "first-revisit" && p.path.has(switchId)) {
      lose(k, "looped", null, switchId, p.path, p.wait);
      continue;
    }
    p.path = p.path.child(switchId);
    const { times, tables } = rules.timeline(pair, switchId);
    // The snapshot in force: change times at or before the arrival.
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const tm = times[mid];
      const atOrBefore = near(tm, p.f)
        ? cmp(dec(tm), exactOf(p.anchor, p.k, p.node)) <= 0
        : tm < p.f;
      if (atOrBefore) lo = mid + 1;
      else hi = mid;
    }
    const s = step(
      index,
      ports,
      switchId,
      lookup(tables[lo], p.inPort, { match: m, vlanVid: p.vlanVid }),
      dstHost,
      p.vlanVid,
    );
    if (s.kind === "dropped") {
      lose(k, "dropped", s.at, null, p.path, p.wait);
      continue;
    }
    if (!cross(p, s.port)) {
      lose(k, "queue-full", switchId, null, p.path, p.wait);
      continue;
    }
    if (s.kind === "delivered") {
      const key = p.path.key();
      fates[k] = {
        fate: key === f.newKey
          ? "delivered-new"
          : key === f.oldKey
          ? "delivered-old"
          : "delivered-mixed",
        at: null,
        loopedAt: null,
        path: p.path,
        delay: p.anchor === null
          ? p.node.q
          : sub(exactOf(p.anchor, k, p.node), clock.sendExact(k)),
        wait: p.wait,
      };
      continue;
    }
    p.switchId = s.switchId;
    p.inPort = s.inPort;
    p.vlanVid = s.vlanVid;
    p.seq = seq++;
    push(p);
  }
  // Feed the tally in packet order, consecutive alike packets together.
  for (let k = 0; k < n;) {
    const x = fates[k];
    let end = k + 1;
    while (end < n) {
      const y = fates[end];
      if (
        y.fate !== x.fate || y.at !== x.at || y.loopedAt !== x.loopedAt ||
        y.path !== x.path || (y.delay === null) !== (x.delay === null) ||
        y.wait.n !== 0n || x.wait.n !== 0n ||
        (x.delay !== null && cmp(x.delay, y.delay!) !== 0)
      ) break;
      end++;
    }
    out.add(k, end, x.fate, x.at, x.loopedAt, x.path.list());
    if (x.delay) {
      if (end - k > 1) out.delays(end - k, x.delay);
      else out.delayOne(x.delay, x.wait);
    }
    k = end;
  }
}

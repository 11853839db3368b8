/**
 * Packet-level consistency of a migration: every switch's rule state as a
 * function of time, and every packet of every flow traced hop by hop with
 * the state in force when it reaches each switch.
 *
 * Rule state: a switch starts with its initial entries; each flow-mod takes
 * effect at its time (a change at exactly a packet's arrival already
 * applies). `add` inserts an entry (replacing one with the same match and
 * priority), `modify` is strict (changes the actions of the entry with the
 * same match and priority; no such entry: nothing), `delete` is strict. A
 * packet takes the highest-priority matching entry; none: it is dropped
 * (table miss).
 *
 * A packet leaves its source host at its stream send time t, reaches the
 * ingress switch after the access link, and each next switch after the link
 * between them (latency plus serialisation of the packet). Its time at a
 * switch is t with each hop's latency added in turn, the same
 * floating-point sums in both engines. Fates: delivered over the old path,
 * the new path, or another (mixed) path; dropped at a switch (no entry, or
 * output to a port with nothing behind it) or at a wrong host; looped (more
 * than `ttlHops` switches crossed).
 *
 * Two engines: {@linkcode packetConsistency} moves whole runs of packets
 * (CBR indices) through the network, splitting a run only where a rule
 * changes between its packets' arrivals (exact interval arithmetic, O(rule
 * changes) per flow whatever the rate; for Poisson streams and explicit send
 * times, a binary search over the sampled times);
 * {@linkcode simulateMigrationPackets} traces each packet alone. They agree
 * exactly.
 *
 * @module
 */

import { assertAtLeast, assertFinite, assertInteger } from "../_validate.ts";
import {
  type CbrStream,
  checkStream,
  countBefore,
  packetCount,
  packetTimeSeconds,
  streamTimesSeconds,
  type TrafficStream,
} from "../traffic/stream.ts";
import type { FlowEntry, FlowMatch, FlowMod } from "./plan_types.ts";
import type { FlowMigration } from "./plan.ts";
import type { MigrationTiming } from "./timing.ts";
import {
  checkTopology,
  indexTopology,
  type Topology,
  type TopologyIndex,
} from "./topology.ts";

/** A flow-mod with the time it takes effect at its switch. */
export interface TimedFlowMod {
  /** When it takes effect, seconds. */
  readonly atSeconds: number;
  /** The flow-mod. */
  readonly mod: FlowMod;
}

/**
 * The flow-mods of a timed plan with their effective times, in plan order.
 *
 * @example
 * ```ts
 * import { migrationTiming, paperTestbedPlan, paperTestbedTopology, timedChanges } from "@vnmig/vnmig";
 * const net = paperTestbedTopology();
 * console.log(timedChanges(migrationTiming(paperTestbedPlan(net), net)).length); // 10
 * ```
 */
export function timedChanges(timing: MigrationTiming): TimedFlowMod[] {
  return timing.messages.map((m) => ({
    atSeconds: m.effectiveSeconds,
    mod: m.message,
  }));
}

/** A switch's entries from a time on. */
export interface RuleSnapshot {
  /** From this time (inclusive), seconds; -Infinity for the initial state. */
  readonly fromSeconds: number;
  /** The entries in force. */
  readonly entries: readonly FlowEntry[];
}

function sameMatch(a: FlowMatch, b: FlowMatch): boolean {
  return a.inPort === b.inPort && a.ethType === b.ethType &&
    a.ipv4Src === b.ipv4Src && a.ipv4Dst === b.ipv4Dst &&
    a.ipProto === b.ipProto && a.udpDst === b.udpDst &&
    a.vlanVid === b.vlanVid;
}

function applyMod(table: readonly FlowEntry[], mod: FlowMod): FlowEntry[] {
  const e = mod.entry;
  const same = (x: FlowEntry) =>
    x.priority === e.priority && sameMatch(x.match, e.match);
  switch (mod.command) {
    case "add": {
      const i = table.findIndex(same);
      if (i < 0) return [...table, e];
      const out = [...table];
      out[i] = e;
      return out;
    }
    case "modify":
      return table.map((x) =>
        same(x)
          ? {
            ...x,
            outPort: e.outPort,
            setVlanVid: e.setVlanVid,
            popVlan: e.popVlan,
          }
          : x
      );
    case "delete":
      return table.filter((x) => !same(x));
  }
}

function checkChangeTimes(changes: readonly TimedFlowMod[]): void {
  changes.forEach((c, i) =>
    assertFinite(`changes[${i}].atSeconds`, c.atSeconds)
  );
}

/** A rule table over time: `tables[0]` before `times[0]`, `tables[j]` from `times[j - 1]` on. */
interface Timeline {
  times: number[];
  tables: FlowEntry[][];
}

/** The initial entries added in order, then the changes applied in time order. */
function foldChanges(
  initial: readonly FlowEntry[],
  changes: readonly TimedFlowMod[],
): Timeline {
  let table: FlowEntry[] = [];
  for (const e of initial) {
    table = applyMod(table, { command: "add", entry: e });
  }
  const times: number[] = [];
  const tables: FlowEntry[][] = [table];
  // Stable (Array.prototype.sort is): equal times keep their plan order.
  const ordered = [...changes].sort((a, b) => a.atSeconds - b.atSeconds);
  for (const c of ordered) {
    table = applyMod(table, c.mod);
    if (times.length > 0 && times[times.length - 1] === c.atSeconds) {
      tables[tables.length - 1] = table;
    } else {
      times.push(c.atSeconds);
      tables.push(table);
    }
  }
  return { times, tables };
}

/**
 * Every switch's rule state as a function of time: for each switch id, its
 * snapshots in time order (the first is the initial state).
 *
 * @example
 * ```ts
 * import { migrationTiming, paperTestbedInitialEntries, paperTestbedPlan, paperTestbedTopology, ruleStates, timedChanges } from "@vnmig/vnmig";
 * const net = paperTestbedTopology();
 * const states = ruleStates(net, paperTestbedInitialEntries(net), timedChanges(migrationTiming(paperTestbedPlan(net), net)));
 * console.log(states.s2.map((s) => s.entries.length)); // [2, 1, 0]
 * ```
 */
export function ruleStates(
  topology: Topology,
  initial: readonly FlowEntry[],
  changes: readonly TimedFlowMod[],
): Record<string, RuleSnapshot[]> {
  checkTopology(topology);
  const bySwitch = new Map<
    string,
    { initial: FlowEntry[]; changes: TimedFlowMod[] }
  >(topology.switches.map((s) => [s.id, { initial: [], changes: [] }]));
  initial.forEach((e, i) => {
    const list = bySwitch.get(e.switchId);
    if (!list) {
      throw new RangeError(
        `initial[${i}].switchId must be a switch id; got ${
          JSON.stringify(e.switchId)
        }`,
      );
    }
    list.initial.push(e);
  });
  checkChangeTimes(changes);
  changes.forEach((c, i) => {
    const list = bySwitch.get(c.mod.entry.switchId);
    if (!list) {
      throw new RangeError(
        `changes[${i}].mod.entry.switchId must be a switch id; got ${
          JSON.stringify(c.mod.entry.switchId)
        }`,
      );
    }
    list.changes.push(c);
  });
  const out: Record<string, RuleSnapshot[]> = {};
  for (const [id, list] of bySwitch) {
    const { times, tables } = foldChanges(list.initial, list.changes);
    out[id] = tables.map((entries, j) => ({
      fromSeconds: j === 0 ? -Infinity : times[j - 1],
      entries,
    }));
  }
  return out;
}

/** What became of a run of packets. */
export type PacketFate =
  | "delivered-old"
  | "delivered-new"
  | "delivered-mixed"
  | "dropped"
  | "looped";

/**
 * Every packet fate, for legends and loops.
 *
 * @example
 * ```ts
 * import { PACKET_FATES_OPENFLOW } from "@vnmig/vnmig";
 * console.log(PACKET_FATES_OPENFLOW.includes("looped")); // true
 * ```
 */
export const PACKET_FATES_OPENFLOW: readonly PacketFate[] = [
  "delivered-old",
  "delivered-new",
  "delivered-mixed",
  "dropped",
  "looped",
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
  /** Switches crossed, in order (for a loop: the first `ttlHops`). */
  readonly switches: readonly string[];
  /** Where a dropped packet was lost (switch or host id), else null. */
  readonly droppedAt: string | null;
}

/** Packets lost at one place. */
export interface DropCount {
  /** Switch (or wrong host) id. */
  readonly at: string;
  /** Packets dropped there. */
  readonly packets: number;
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
  /** Dropped (sum of `drops`). */
  readonly droppedPackets: number;
  /** Looped until their hop limit ran out. */
  readonly loopedPackets: number;
  /** Drops per place, in order of first drop. */
  readonly drops: readonly DropCount[];
  /** Most consecutive packets not delivered. */
  readonly longestLossRun: number;
  /** That run at the stream's rate: `longestLossRun / packetsPerSecond`, seconds. */
  readonly downtimeSeconds: number;
  /** Send time of the first packet from which every packet is delivered over the new path (null: never). */
  readonly newPathFromSendSeconds: number | null;
}

/** The consistency of a whole migration. */
export interface ConsistencyReport {
  /** One entry per flow, in migration order. */
  readonly flows: readonly FlowConsistency[];
  /** Packets sent, all flows. */
  readonly sentPackets: number;
  /** Packets delivered (any path), all flows. */
  readonly deliveredPackets: number;
  /** Packets dropped, all flows. */
  readonly droppedPackets: number;
  /** Packets looped, all flows. */
  readonly loopedPackets: number;
  /** Packets lost (dropped + looped), all flows. */
  readonly lostPackets: number;
  /** Largest downtime of any flow, seconds. */
  readonly downtimeSeconds: number;
  /** The runs, when `recordPieces` was set (else empty). */
  readonly pieces: readonly TracePiece[];
}

/** Options of {@linkcode packetConsistency} and {@linkcode simulateMigrationPackets}. */
export interface ConsistencyOptions {
  /** The traffic of every flow. Default a 1000 packets/s, 64-byte CBR stream over [0, 0.05) s. */
  stream?: TrafficStream;
  /** Per-flow traffic, overriding `stream` for the flows named. Default none. */
  streams?: Readonly<Record<string, TrafficStream>>;
  /**
   * Per-flow explicit send times, seconds, in non-decreasing order (e.g. the
   * packets a real sender sent), overriding the send times of the flow's
   * stream for the flows named; the stream still gives the packet size and
   * the rate that turns a loss run into downtime. Both engines treat them
   * like a Poisson stream's sampled times. Default none.
   */
  sendTimesSeconds?: Readonly<Record<string, readonly number[]>>;
  /** Hop limit: a packet crossing more switches is counted as looped. Default 64. */
  ttlHops?: number;
  /** Keep the runs (pieces) in the report. Default false. */
  recordPieces?: boolean;
}

// Per-flow lookup of entries: source -> destination -> switch -> bucket,
// keyed by the entries' own (shared) strings, so no key is built per entry;
// entries that leave the source or destination open sit in per-switch
// buckets consulted for every packet.
class RuleTables {
  readonly keyed = new Map<string, Map<string, Map<string, Bucket>>>();
  readonly open = new Map<string, Bucket>();
  readonly none = new Map<string, Bucket>();

  constructor(initial: readonly FlowEntry[], changes: readonly TimedFlowMod[]) {
    for (const e of initial) this.bucket(e).initial.push(e);
    checkChangeTimes(changes);
    // Buckets get their changes in plan order; each is sorted (stably, by
    // time) only when a packet first needs it.
    for (const c of changes) this.bucket(c.mod.entry).changes.push(c);
  }

  bucket(e: FlowEntry): Bucket {
    const m = e.match;
    let map: Map<string, Bucket>;
    if (m.ipv4Src === undefined || m.ipv4Dst === undefined) map = this.open;
    else map = this.forPair(m.ipv4Src, m.ipv4Dst, true);
    let b = map.get(e.switchId);
    if (!b) map.set(e.switchId, b = newBucket());
    return b;
  }

  /** The per-switch buckets of one source/destination pair. */
  forPair(src: string, dst: string, create: boolean): Map<string, Bucket> {
    let byDst = this.keyed.get(src);
    if (!byDst) {
      if (!create) return this.none;
      this.keyed.set(src, byDst = new Map());
    }
    let bySwitch = byDst.get(dst);
    if (!bySwitch) {
      if (!create) return this.none;
      byDst.set(dst, bySwitch = new Map());
    }
    return bySwitch;
  }

  /** The rule timeline one switch shows to a flow's packets. */
  timeline(pair: Map<string, Bucket>, switchId: string): Timeline {
    let a = pair.get(switchId);
    if (a?.timeline) return a.timeline;
    const b = this.open.get(switchId);
    if (!a) {
      // A switch with no entry for this pair: only the open entries apply
      // (the same for every pair without entries, so `none` caches it too).
      a = newBucket();
      pair.set(switchId, a);
    }
    a.timeline = foldChanges(
      b ? [...a.initial, ...b.initial] : a.initial,
      b ? [...a.changes, ...b.changes] : a.changes,
    );
    return a.timeline;
  }
}

interface Bucket {
  initial: FlowEntry[];
  changes: TimedFlowMod[];
  timeline?: Timeline;
}

function newBucket(): Bucket {
  return { initial: [], changes: [] };
}

interface Header {
  readonly match: FlowMatch;
  readonly vlanVid: number | undefined;
}

function lookup(
  table: readonly FlowEntry[],
  inPort: number,
  h: Header,
): FlowEntry | undefined {
  let best: FlowEntry | undefined;
  const p = h.match;
  for (const e of table) {
    const m = e.match;
    if (m.inPort !== undefined && m.inPort !== inPort) continue;
    if (m.ethType !== undefined && m.ethType !== p.ethType) continue;
    if (m.ipv4Src !== undefined && m.ipv4Src !== p.ipv4Src) continue;
    if (m.ipv4Dst !== undefined && m.ipv4Dst !== p.ipv4Dst) continue;
    if (m.ipProto !== undefined && m.ipProto !== p.ipProto) continue;
    if (m.udpDst !== undefined && m.udpDst !== p.udpDst) continue;
    if (m.vlanVid !== undefined && m.vlanVid !== h.vlanVid) continue;
    if (!best || e.priority > best.priority) best = e;
  }
  return best;
}

// The packets of a stream, by index: their send times and the exact search
// for the first one whose time at a switch reaches an event.
class PacketClock {
  readonly count: number;
  readonly cbr: CbrStream | null;
  readonly times: Float64Array | null;

  constructor(stream: TrafficStream, sendTimes?: Float64Array) {
    checkStream(stream);
    if (sendTimes !== undefined) {
      this.cbr = null;
      this.times = sendTimes;
      this.count = sendTimes.length;
    } else if (stream.kind === "cbr") {
      this.cbr = stream;
      this.times = null;
      this.count = packetCount(stream);
    } else {
      this.cbr = null;
      this.times = streamTimesSeconds(stream);
      this.count = this.times.length;
    }
  }

  send(k: number): number {
    return this.cbr ? packetTimeSeconds(this.cbr, k) : this.times![k];
  }

  at(k: number, offsets: readonly number[]): number {
    let t = this.send(k);
    for (const l of offsets) t += l;
    return t;
  }

  /** Smallest k in [lo, hi] whose time at the switch is >= e (hi if none). */
  firstAtOrAfter(
    e: number,
    offsets: readonly number[],
    lo: number,
    hi: number,
  ): number {
    if (this.cbr) {
      let total = 0;
      for (const l of offsets) total += l;
      let k = Math.min(hi, Math.max(lo, countBefore(this.cbr, e - total)));
      while (k > lo && this.at(k - 1, offsets) >= e) k--;
      while (k < hi && this.at(k, offsets) < e) k++;
      return k;
    }
    let a = lo;
    let b = hi;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (this.at(mid, offsets) >= e) b = mid;
      else a = mid + 1;
    }
    return a;
  }
}

/** Snapshot index in force at time a: the number of change times <= a. */
function snapshotAt(times: readonly number[], a: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= a) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface FlowSetup {
  readonly migration: FlowMigration;
  readonly clock: PacketClock;
  readonly packetBits: number;
  readonly ingress: string;
  readonly ingressPort: number;
  readonly accessLatency: number;
  readonly oldKey: string;
  readonly newKey: string;
  readonly packetsPerSecond: number;
}

/** What happens to one (run of) packet(s) at one hop. */
type Step =
  | {
    kind: "switch";
    switchId: string;
    inPort: number;
    latency: number;
    vlanVid: number | undefined;
  }
  | { kind: "delivered" }
  | { kind: "dropped"; at: string };

function step(
  index: TopologyIndex,
  switchId: string,
  entry: FlowEntry | undefined,
  dstHost: string,
  packetBits: number,
  vlanVid: number | undefined,
): Step {
  if (!entry) return { kind: "dropped", at: switchId };
  const peer = index.peer(switchId, entry.outPort);
  if (!peer) return { kind: "dropped", at: switchId };
  if (peer.kind === "host") {
    return peer.hostId === dstHost
      ? { kind: "delivered" }
      : { kind: "dropped", at: peer.hostId };
  }
  const vid = entry.popVlan ? undefined : entry.setVlanVid ?? vlanVid;
  return {
    kind: "switch",
    switchId: peer.switchId,
    inPort: peer.port,
    latency: peer.latencySeconds + packetBits / peer.bitsPerSecond,
    vlanVid: vid,
  };
}

class Tally {
  old = 0;
  new = 0;
  mixed = 0;
  looped = 0;
  drops = new Map<string, number>();
  // Loss runs and the new-path tail, fed in packet order.
  run = 0;
  longest = 0;
  lastNotNew = -1;

  add(
    from: number,
    to: number,
    fate: PacketFate,
    droppedAt: string | null,
  ): void {
    const n = to - from;
    if (n <= 0) return;
    switch (fate) {
      case "delivered-old":
        this.old += n;
        break;
      case "delivered-new":
        this.new += n;
        break;
      case "delivered-mixed":
        this.mixed += n;
        break;
      case "looped":
        this.looped += n;
        break;
      case "dropped":
        this.drops.set(droppedAt!, (this.drops.get(droppedAt!) ?? 0) + n);
    }
    if (fate === "dropped" || fate === "looped") {
      this.run += n;
      this.longest = Math.max(this.longest, this.run);
    } else this.run = 0;
    if (fate !== "delivered-new") this.lastNotNew = to - 1;
  }

  result(f: FlowSetup): FlowConsistency {
    const dropped = [...this.drops.values()].reduce((a, b) => a + b, 0);
    const n = f.clock.count;
    return {
      flowId: f.migration.flow.id,
      sentPackets: n,
      deliveredOldPath: this.old,
      deliveredNewPath: this.new,
      deliveredMixedPath: this.mixed,
      droppedPackets: dropped,
      loopedPackets: this.looped,
      drops: [...this.drops].map(([at, packets]) => ({ at, packets })),
      longestLossRun: this.longest,
      downtimeSeconds: this.longest / f.packetsPerSecond,
      newPathFromSendSeconds: this.lastNotNew + 1 < n
        ? f.clock.send(this.lastNotNew + 1)
        : null,
    };
  }
}

function setup(
  index: TopologyIndex,
  migrations: readonly FlowMigration[],
  options: ConsistencyOptions,
): FlowSetup[] {
  const fallback = options.stream ?? {
    kind: "cbr",
    packetsPerSecond: 1000,
    packetSizeBytes: 64,
    startSeconds: 0,
    endSeconds: 0.05,
  };
  const streams = options.streams ?? {};
  const explicit = options.sendTimesSeconds ?? {};
  const ids = new Set(migrations.map((m) => m.flow.id));
  for (
    const [name, keys] of [["streams", streams], [
      "sendTimesSeconds",
      explicit,
    ]] as const
  ) {
    for (const id of Object.keys(keys)) {
      if (!ids.has(id)) {
        throw new RangeError(
          `${name} keys must be flow ids; got ${JSON.stringify(id)}`,
        );
      }
    }
  }
  return migrations.map((m, i) => {
    const stream = streams[m.flow.id] ?? fallback;
    const times = explicit[m.flow.id];
    const src = index.host(m.flow.srcHost);
    if (!src || !index.host(m.flow.dstHost)) {
      throw new RangeError(
        `migrations[${i}].flow must join two hosts of the topology; got ${m.flow.srcHost}, ${m.flow.dstHost}`,
      );
    }
    const packetBits = stream.packetSizeBytes * 8;
    return {
      migration: m,
      clock: new PacketClock(
        stream,
        times === undefined ? undefined : checkSendTimes(m.flow.id, times),
      ),
      packetBits,
      ingress: src.switchId,
      ingressPort: src.port,
      accessLatency: src.latencySeconds + packetBits / src.bitsPerSecond,
      oldKey: m.oldPath.join(">"),
      newKey: m.newPath.join(">"),
      packetsPerSecond: stream.packetsPerSecond,
    };
  });
}

function checkSendTimes(
  flowId: string,
  times: readonly number[],
): Float64Array {
  const name = `sendTimesSeconds[${JSON.stringify(flowId)}]`;
  const out = new Float64Array(times.length);
  times.forEach((t, k) => {
    assertFinite(`${name}[${k}]`, t);
    // The exact searches need the packets in send order.
    if (k > 0) assertAtLeast(`${name}[${k}]`, t, times[k - 1]);
    out[k] = t;
  });
  return out;
}

function checkTtl(options: ConsistencyOptions): number {
  const ttl = options.ttlHops ?? 64;
  assertInteger("ttlHops", ttl, 1);
  return ttl;
}

function delivered(f: FlowSetup, path: readonly string[]): PacketFate {
  const key = path.join(">");
  return key === f.newKey
    ? "delivered-new"
    : key === f.oldKey
    ? "delivered-old"
    : "delivered-mixed";
}

/** Inputs of a consistency check: the network and its rules over time. */
export interface RuleTimeline {
  /** Entries in force before the migration. */
  readonly initial: readonly FlowEntry[];
  /** The flow-mods with their effective times. */
  readonly changes: readonly TimedFlowMod[];
  /** The flows to trace (their old and new paths classify deliveries). */
  readonly migrations: readonly FlowMigration[];
}

function report(
  flows: FlowConsistency[],
  pieces: TracePiece[],
): ConsistencyReport {
  const sum = (f: (x: FlowConsistency) => number) =>
    flows.reduce((a, x) => a + f(x), 0);
  const dropped = sum((x) => x.droppedPackets);
  const looped = sum((x) => x.loopedPackets);
  return {
    flows,
    sentPackets: sum((x) => x.sentPackets),
    deliveredPackets: sum((x) =>
      x.deliveredOldPath + x.deliveredNewPath + x.deliveredMixedPath
    ),
    droppedPackets: dropped,
    loopedPackets: looped,
    lostPackets: dropped + looped,
    downtimeSeconds: flows.reduce((a, x) => Math.max(a, x.downtimeSeconds), 0),
    pieces,
  };
}

/** One flow as an engine sees it: the shared inputs and where results go. */
interface FlowTrace {
  readonly index: TopologyIndex;
  readonly ttl: number;
  readonly f: FlowSetup;
  readonly tally: Tally;
  /** Where the engine puts its pieces; null when not recording. */
  readonly pieces: TracePiece[] | null;
  readonly rules: RuleTables;
  /** This flow's buckets in `rules`. */
  readonly pair: Map<string, Bucket>;
}

// The checks and per-flow setup both engines share. `trace` is the engine:
// it feeds every packet of the flow, in packet order, to the tally.
function traceFlows(
  topology: Topology,
  timeline: RuleTimeline,
  options: ConsistencyOptions,
  trace: (t: FlowTrace) => void,
): ConsistencyReport {
  const index = indexTopology(topology);
  const ttl = checkTtl(options);
  const flows = setup(index, timeline.migrations, options);
  const rules = new RuleTables(timeline.initial, timeline.changes);
  const pieces: TracePiece[] = [];
  const results = flows.map((f) => {
    const m = f.migration.flow.match;
    const pair = rules.forPair(m.ipv4Src ?? "", m.ipv4Dst ?? "", false);
    const tally = new Tally();
    trace({
      index,
      ttl,
      f,
      tally,
      pieces: options.recordPieces ? pieces : null,
      rules,
      pair,
    });
    return tally.result(f);
  });
  return report(results, pieces);
}

function piece(
  f: FlowSetup,
  from: number,
  to: number,
  fate: PacketFate,
  droppedAt: string | null,
  switches: readonly string[],
): TracePiece {
  return {
    flowId: f.migration.flow.id,
    fromPacket: from,
    toPacket: to,
    fromSendSeconds: f.clock.send(from),
    toSendSeconds: f.clock.send(to - 1),
    fate,
    switches,
    droppedAt,
  };
}

/**
 * Exact packet-level consistency by runs of packets (see the module doc):
 * for each flow, how many packets were delivered over the old, the new or a
 * mixed path, dropped (where) or looped.
 *
 * @example
 * ```ts
 * import { cbrStream, migrationTiming, packetConsistency, paperTestbedInitialEntries, paperTestbedMigrations, paperTestbedPlan, paperTestbedTopology, timedChanges } from "@vnmig/vnmig";
 * const net = paperTestbedTopology();
 * const timing = migrationTiming(paperTestbedPlan(net), net);
 * const report = packetConsistency(net, {
 *   initial: paperTestbedInitialEntries(net),
 *   changes: timedChanges(timing),
 *   migrations: paperTestbedMigrations(net),
 * }, { stream: cbrStream({ packetsPerSecond: 100_000, endSeconds: 0.02 }) });
 * console.log(report.lostPackets); // 0
 * ```
 */
export function packetConsistency(
  topology: Topology,
  timeline: RuleTimeline,
  options: ConsistencyOptions = {},
): ConsistencyReport {
  return traceFlows(topology, timeline, options, traceRuns);
}

// The run engine: packets [lo, hi) move together, split only where a rule
// changes between their arrivals at a switch.
function traceRuns(
  { index, ttl, f, tally, pieces, rules, pair }: FlowTrace,
): void {
  const m = f.migration.flow.match;
  const dstHost = f.migration.flow.dstHost;
  const offsets: number[] = [f.accessLatency];
  const path: string[] = [];
  const emit = (
    lo: number,
    hi: number,
    fate: PacketFate,
    at: string | null,
  ) => {
    tally.add(lo, hi, fate, at);
    if (!pieces || hi <= lo) return;
    const last = pieces[pieces.length - 1];
    if (
      last && last.flowId === f.migration.flow.id &&
      last.toPacket === lo && last.fate === fate &&
      last.droppedAt === at && last.switches.join(">") === path.join(">")
    ) {
      pieces[pieces.length - 1] = piece(
        f,
        last.fromPacket,
        hi,
        fate,
        at,
        last.switches,
      );
    } else pieces.push(piece(f, lo, hi, fate, at, [...path]));
  };
  // Packets [lo, hi) reach switchId through inPort; split where its rules change.
  const visit = (
    lo: number,
    hi: number,
    switchId: string,
    inPort: number,
    vlanVid: number | undefined,
  ): void => {
    if (path.length >= ttl) {
      emit(lo, hi, "looped", null);
      return;
    }
    path.push(switchId);
    const { times, tables } = rules.timeline(pair, switchId);
    let j = snapshotAt(times, f.clock.at(lo, offsets));
    const jLast = snapshotAt(times, f.clock.at(hi - 1, offsets));
    let a = lo;
    while (a < hi) {
      const b = j < jLast
        ? f.clock.firstAtOrAfter(times[j], offsets, a, hi)
        : hi;
      if (b > a) {
        const s = step(
          index,
          switchId,
          lookup(tables[j], inPort, { match: m, vlanVid }),
          dstHost,
          f.packetBits,
          vlanVid,
        );
        if (s.kind === "delivered") emit(a, b, delivered(f, path), null);
        else if (s.kind === "dropped") emit(a, b, "dropped", s.at);
        else {
          offsets.push(s.latency);
          visit(a, b, s.switchId, s.inPort, s.vlanVid);
          offsets.pop();
        }
      }
      a = b;
      j++;
    }
    path.pop();
  };
  if (f.clock.count > 0) {
    visit(0, f.clock.count, f.ingress, f.ingressPort, undefined);
  }
}

/**
 * The same check packet by packet: each packet traced alone, hop by hop.
 * Agrees exactly with {@linkcode packetConsistency}; use it to validate the
 * run engine, on Poisson traffic, or to list each packet's fate.
 *
 * @example
 * ```ts
 * import { cbrStream, migrationTiming, paperTestbedInitialEntries, paperTestbedMigrations, paperTestbedPlan, paperTestbedTopology, simulateMigrationPackets, timedChanges } from "@vnmig/vnmig";
 * const net = paperTestbedTopology();
 * const timing = migrationTiming(paperTestbedPlan(net, "delete-old-first"), net);
 * const report = simulateMigrationPackets(net, {
 *   initial: paperTestbedInitialEntries(net),
 *   changes: timedChanges(timing),
 *   migrations: paperTestbedMigrations(net),
 * }, { stream: cbrStream({ packetsPerSecond: 10_000, endSeconds: 0.02 }) });
 * console.log(report.lostPackets > 0); // true
 * ```
 */
export function simulateMigrationPackets(
  topology: Topology,
  timeline: RuleTimeline,
  options: ConsistencyOptions = {},
): ConsistencyReport {
  return traceFlows(topology, timeline, options, tracePackets);
}

// The per-packet engine: each packet alone, hop by hop.
function tracePackets(
  { index, ttl, f, tally, pieces, rules, pair }: FlowTrace,
): void {
  const m = f.migration.flow.match;
  const dstHost = f.migration.flow.dstHost;
  // Consecutive packets with the same fate and switches form one piece.
  let open: {
    from: number;
    fate: PacketFate;
    at: string | null;
    key: string;
    path: string[];
  } | null = null;
  const close = (to: number) => {
    if (!open) return;
    tally.add(open.from, to, open.fate, open.at);
    pieces?.push(piece(f, open.from, to, open.fate, open.at, open.path));
    open = null;
  };
  for (let k = 0; k < f.clock.count; k++) {
    let t = f.clock.send(k) + f.accessLatency;
    let switchId = f.ingress;
    let inPort = f.ingressPort;
    let vlanVid: number | undefined = undefined;
    const path: string[] = [];
    let fate: PacketFate;
    let at: string | null = null;
    while (true) {
      if (path.length >= ttl) {
        fate = "looped";
        break;
      }
      path.push(switchId);
      const { times, tables } = rules.timeline(pair, switchId);
      const table = tables[snapshotAt(times, t)];
      const s = step(
        index,
        switchId,
        lookup(table, inPort, { match: m, vlanVid }),
        dstHost,
        f.packetBits,
        vlanVid,
      );
      if (s.kind === "delivered") {
        fate = delivered(f, path);
        break;
      }
      if (s.kind === "dropped") {
        fate = "dropped";
        at = s.at;
        break;
      }
      t += s.latency;
      switchId = s.switchId;
      inPort = s.inPort;
      vlanVid = s.vlanVid;
    }
    const key = `${fate}|${at}|${path.join(">")}`;
    const current = open as { key: string } | null;
    if (!current || current.key !== key) {
      close(k);
      open = { from: k, fate, at, key, path };
    }
  }
  close(f.clock.count);
}

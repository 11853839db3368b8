/**
 * OpenFlow flow-table semantics over time: what a switch's table holds as
 * the flow-mods of a plan take effect, and which entry a packet takes.
 *
 * - A switch starts with its initial entries (each added in order).
 * - Each flow-mod takes effect at its time; a change at exactly a packet's
 *   arrival already applies. Flow-mods with the same time apply in plan
 *   order.
 * - `add` inserts an entry; an entry with the same match and priority is
 *   replaced (OpenFlow's overlap-free add, counters aside).
 * - `modify` is strict: it changes the actions (output port, VLAN push or
 *   pop) of the entry with the same match and priority. When no such entry
 *   exists, OpenFlow 1.1 and later do nothing (no error, no change:
 *   `modifyMissing: "ignore"`, the default); OpenFlow 1.0 adds the entry
 *   (`modifyMissing: "add"`).
 * - `delete` is strict: it removes the entry with the same match and
 *   priority (none: nothing).
 * - Any other command is a RangeError naming it.
 * - A packet takes the highest-priority matching entry (ties: the first
 *   installed); none: a table miss, and the packet is dropped.
 *
 * @module
 */

import { assertFinite, assertKnownKeys, assertOneOf } from "../_validate.ts";
import { compareExact, type Exact } from "../traffic/clock.ts";
import { dec } from "../traffic/_rational.ts";
import type { FlowEntry, FlowMatch, FlowMod } from "./plan_types.ts";
import type { MigrationTiming } from "./timing.ts";
import { checkTopology, type Topology } from "./topology.ts";

/** A flow-mod with the time it takes effect at its switch. */
export interface TimedFlowMod {
  /** When it takes effect, seconds. */
  readonly atSeconds: number;
  /** The flow-mod. */
  readonly mod: FlowMod;
}

/** What `modify` does when no entry has its match and priority. */
export type ModifyMissing = "ignore" | "add";

/** Options of the flow-table semantics. */
export interface FlowTableOptions {
  /** `"ignore"` (OpenFlow 1.1+: no change) or `"add"` (OpenFlow 1.0: modify acts as add). Default "ignore". */
  modifyMissing?: ModifyMissing;
}

/** The flow-mod commands. */
export const FLOW_MOD_COMMANDS: readonly FlowMod["command"][] = [
  "add",
  "modify",
  "delete",
];

/**
 * The flow-mods of a timed plan with their effective times, in plan order.
 *
 * @example
 * ```ts
 * import { migrationTiming, paperTestbedPlan, paperTestbedTopology, timedChanges } from "@vnmig/vnmig/openflow";
 * const net = paperTestbedTopology();
 * if (timedChanges(migrationTiming(paperTestbedPlan(net), net)).length !== 10) throw new Error();
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

/** A table after one flow-mod (the module doc's semantics). */
export function applyFlowMod(
  table: readonly FlowEntry[],
  mod: FlowMod,
  modifyMissing: ModifyMissing = "ignore",
): FlowEntry[] {
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
    case "modify": {
      if (!table.some(same)) {
        return modifyMissing === "add" ? [...table, e] : [...table];
      }
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
    }
    case "delete":
      return table.filter((x) => !same(x));
    default:
      throw new RangeError(
        `flow-mod command must be one of "add", "modify", "delete"; got ${
          JSON.stringify((mod as { command: unknown }).command)
        }`,
      );
  }
}

/** Checks the changes: finite times and known commands (errors name `changes[i]`). */
export function checkChanges(changes: readonly TimedFlowMod[]): void {
  if (!Array.isArray(changes)) {
    throw new RangeError(`changes must be an array; got ${String(changes)}`);
  }
  changes.forEach((c, i) => {
    assertFinite(`changes[${i}].atSeconds`, c.atSeconds);
    assertOneOf(
      `changes[${i}].mod.command`,
      c.mod?.command,
      FLOW_MOD_COMMANDS,
    );
  });
}

/** Reads the flow-table options (unknown keys rejected). */
export function flowTableOptions(
  options: FlowTableOptions | undefined,
): ModifyMissing {
  assertKnownKeys("options", options, ["modifyMissing"]);
  const m = options?.modifyMissing ?? "ignore";
  assertOneOf("modifyMissing", m, ["ignore", "add"]);
  return m;
}

/** A rule table over time: `tables[0]` before `times[0]`, `tables[j]` from `times[j - 1]` on. */
export interface Timeline {
  readonly times: readonly number[];
  readonly tables: readonly FlowEntry[][];
}

/** The initial entries added in order, then the changes applied in time order. */
export function foldChanges(
  initial: readonly FlowEntry[],
  changes: readonly TimedFlowMod[],
  modifyMissing: ModifyMissing = "ignore",
): Timeline {
  let table: FlowEntry[] = [];
  for (const e of initial) {
    table = applyFlowMod(table, { command: "add", entry: e });
  }
  const times: number[] = [];
  const tables: FlowEntry[][] = [table];
  // Stable (Array.prototype.sort is): equal times keep their plan order.
  const ordered = [...changes].sort((a, b) => a.atSeconds - b.atSeconds);
  for (const c of ordered) {
    table = applyFlowMod(table, c.mod, modifyMissing);
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
 * The snapshot in force at an exact instant: the number of change times at
 * or before it (a change at exactly the instant applies), decided exactly.
 */
export function snapshotAt(times: readonly number[], at: Exact): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const t = times[mid];
    // Floats decide unless within rounding error of each other.
    const bound = at.e + (Math.abs(t) + Math.abs(at.f)) * 2 ** -50;
    const c = t < at.f - bound
      ? -1
      : t > at.f + bound
      ? 1
      : compareExact({ f: t, q: dec(t), e: Math.abs(t) * 2 ** -53 }, at);
    if (c <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Every switch's rule state as a function of time: for each switch id, its
 * snapshots in time order (the first is the initial state).
 *
 * @example
 * ```ts
 * import { migrationTiming, paperTestbedInitialEntries, paperTestbedPlan, paperTestbedTopology, ruleStates, timedChanges } from "@vnmig/vnmig/openflow";
 * const net = paperTestbedTopology();
 * const states = ruleStates(net, paperTestbedInitialEntries(net), timedChanges(migrationTiming(paperTestbedPlan(net), net)));
 * if (states.s2.map((s) => s.entries.length).join() !== "2,1,0") throw new Error();
 * ```
 */
export function ruleStates(
  topology: Topology,
  initial: readonly FlowEntry[],
  changes: readonly TimedFlowMod[],
  options: FlowTableOptions = {},
): Record<string, RuleSnapshot[]> {
  checkTopology(topology);
  const modifyMissing = flowTableOptions(options);
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
  checkChanges(changes);
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
    const { times, tables } = foldChanges(
      list.initial,
      list.changes,
      modifyMissing,
    );
    out[id] = tables.map((entries, j) => ({
      fromSeconds: j === 0 ? -Infinity : times[j - 1],
      entries,
    }));
  }
  return out;
}

interface Bucket {
  initial: FlowEntry[];
  changes: TimedFlowMod[];
  timeline?: Timeline;
}

function newBucket(): Bucket {
  return { initial: [], changes: [] };
}

/**
 * Per-flow lookup of entries: source -> destination -> switch -> bucket,
 * keyed by the entries' own (shared) strings, so no key is built per entry;
 * entries that leave the source or destination open sit in per-switch
 * buckets consulted for every packet. (Not in the public API.)
 */
export class RuleTables {
  readonly keyed: Map<string, Map<string, Map<string, Bucket>>> = new Map();
  readonly open: Map<string, Bucket> = new Map();
  readonly none: Map<string, Bucket> = new Map();

  constructor(
    initial: readonly FlowEntry[],
    changes: readonly TimedFlowMod[],
    readonly modifyMissing: ModifyMissing = "ignore",
  ) {
    for (const e of initial) this.bucket(e).initial.push(e);
    checkChanges(changes);
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
      this.modifyMissing,
    );
    return a.timeline;
  }
}

/** The header fields a lookup sees. */
export interface Header {
  readonly match: FlowMatch;
  readonly vlanVid: number | undefined;
}

/** The highest-priority entry of `table` matching a packet on `inPort` (ties: first installed). */
export function lookup(
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

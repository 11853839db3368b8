/**
 * Migration plans: the paper's algorithm and the alternative orderings, as
 * explicit, ordered phases of flow-mods with barriers.
 *
 * Per flow (one direction), the old and new paths give two sets of entries.
 * A new entry whose match already exists on its switch with the same output
 * needs nothing; with another output it needs a `modify` (these switches are
 * the split points: the first one walking from the ingress is the branching
 * switch, node 1 of the paper's Fig. 3); with no such match it needs an
 * `add`. Old entries that the new path does not reuse need a `delete`.
 *
 * The paper's ordering (Fig. 3): (1) add the new entries, barrier; (2)
 * modify the split points, barrier; (3) delete the old entries. When the
 * paths split and merge more than once, or the new path runs part of the old
 * one backwards, several switches need a modify; they are modified one by
 * one from the egress back to the branching switch, each behind a barrier,
 * so that a packet redirected at a switch always finds the rest of the new
 * path in place (modifying them together can loop or drop packets). On the
 * paper's diamond there is one modify per direction, so this is exactly the
 * paper's three steps.
 *
 * @module
 */

import { assertInteger, assertKnownKeys, assertOneOf } from "../_validate.ts";
import type {
  FlowEntry,
  FlowMod,
  MigrationPlan,
  PlanPhase,
} from "./plan_types.ts";
import { checkFlowPath, type Flow, uncheckedEntries } from "./routing.ts";
import {
  indexTopology,
  type Topology,
  type TopologyIndex,
} from "./topology.ts";

/** The orderings a plan can follow. */
export type Ordering =
  | "paper"
  | "all-at-once"
  | "delete-old-first"
  | "branching-first"
  | "two-phase";

/**
 * Every ordering: the paper's; everything in one phase without barriers;
 * old entries deleted first; the branching (modified) switches first; and
 * the two-phase, version-tagged update of Reitblatt et al. (SIGCOMM 2012).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { ORDERINGS } from "@vnmig/vnmig/openflow";
 * deepStrictEqual(ORDERINGS.length, 5);
 * ```
 */
export const ORDERINGS: readonly Ordering[] = [
  "paper",
  "all-at-once",
  "delete-old-first",
  "branching-first",
  "two-phase",
];

/** One direction of a flow to move from an old path to a new path. */
export interface FlowMigration {
  /** The flow. */
  readonly flow: Flow;
  /** Switch ids of the old path, ingress first. */
  readonly oldPath: readonly string[];
  /** Switch ids of the new path, ingress first. */
  readonly newPath: readonly string[];
}

/** Options of {@linkcode planMigration} and {@linkcode initialEntries}. */
export interface PlanOptions {
  /** The ordering. Default "paper". */
  ordering?: Ordering;
  /** Entries match the ingress port too. Default true. */
  matchInPort?: boolean;
  /** VLAN id of the new version for the two-phase ordering, 1..4094. Default 2. */
  versionVlanVid?: number;
}

/**
 * The two directions of a flow pair: `forward` over the paths as given,
 * `backward` over the same paths reversed.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { bidirectionalMigrations, flow, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * const net = paperTestbedTopology();
 * const m = bidirectionalMigrations(flow(net, "client", "server"), flow(net, "server", "client"), ["s1", "s2", "s4"], ["s1", "s3", "s4"]);
 * deepStrictEqual(m[1].newPath, ["s4", "s3", "s1"]);
 * ```
 */
export function bidirectionalMigrations(
  forward: Flow,
  backward: Flow,
  oldPath: readonly string[],
  newPath: readonly string[],
): FlowMigration[] {
  return [
    { flow: forward, oldPath, newPath },
    {
      flow: backward,
      oldPath: [...oldPath].reverse(),
      newPath: [...newPath].reverse(),
    },
  ];
}

/** How an old and a new path relate (see {@linkcode analyzePathPair}). */
export interface PathPairAnalysis {
  /** Switches on both paths, in new-path order. */
  readonly sharedSwitches: readonly string[];
  /** Walking from the ingress, the last switch before the paths part (null if they start apart or never part). */
  readonly branchSwitch: string | null;
  /** Shared switches where the next hop changes (the split points, branching switch first in new-path order). */
  readonly splitSwitches: readonly string[];
  /** Shared switches where the previous hop changes (merge points). */
  readonly mergeSwitches: readonly string[];
  /** Some shared switches are crossed in the opposite order by the new path. */
  readonly reversed: boolean;
  /** True when flow-table changes alone can move the traffic. */
  readonly feasible: boolean;
  /** When not feasible: what is needed instead. */
  readonly needed: string | null;
}

/**
 * Analyses an old and a new path (switch ids, ingress first): where they
 * share switches, split, merge, and whether they run backwards.
 *
 * @example
 * ```ts
 * import { analyzePathPair } from "@vnmig/vnmig/openflow";
 * const a = analyzePathPair(["a", "b", "c", "d", "e"], ["a", "x", "c", "y", "e"]);
 * if (a.branchSwitch !== "a" || a.splitSwitches.join() !== "a,c") throw new Error();
 * ```
 */
export function analyzePathPair(
  oldPath: readonly string[],
  newPath: readonly string[],
): PathPairAnalysis {
  const oldIndex = new Map(oldPath.map((s, i) => [s, i]));
  const newIndex = new Map(newPath.map((s, i) => [s, i]));
  const shared = newPath.filter((s) => oldIndex.has(s));
  const next = (p: readonly string[], i: number) => p[i + 1] ?? null;
  const prev = (p: readonly string[], i: number) => p[i - 1] ?? null;
  const splits = shared.filter((s) =>
    next(oldPath, oldIndex.get(s)!) !== next(newPath, newIndex.get(s)!)
  );
  const merges = shared.filter((s) =>
    prev(oldPath, oldIndex.get(s)!) !== prev(newPath, newIndex.get(s)!)
  );
  let reversed = false;
  for (let i = 1; i < shared.length; i++) {
    if (oldIndex.get(shared[i])! < oldIndex.get(shared[i - 1])!) {
      reversed = true;
    }
  }
  let branch: string | null = null;
  if (oldPath[0] === newPath[0]) {
    let i = 0;
    while (
      i + 1 < oldPath.length && i + 1 < newPath.length &&
      oldPath[i + 1] === newPath[i + 1]
    ) i++;
    const identical = oldPath.length === newPath.length &&
      i === oldPath.length - 1;
    branch = identical ? null : oldPath[i];
  }
  let needed: string | null = null;
  if (shared.length === 0) {
    needed =
      "the paths share no switch: no flow-table change can move the traffic. Install the new path first, then re-point the source (re-attach the host or change its next hop/ARP entry), then delete the old path";
  } else if (oldPath[0] !== newPath[0]) {
    needed = `the paths start at different switches (${oldPath[0]}, ${
      newPath[0]
    }): the traffic parts before entering the network, so the source must be re-pointed after the new path is installed`;
  } else if (oldPath[oldPath.length - 1] !== newPath[newPath.length - 1]) {
    needed = `the paths end at different switches (${
      oldPath[oldPath.length - 1]
    }, ${
      newPath[newPath.length - 1]
    }): the destination moved, so its attachment must change too`;
  }
  return {
    sharedSwitches: shared,
    branchSwitch: branch,
    splitSwitches: splits,
    mergeSwitches: merges,
    reversed,
    feasible: needed === null,
    needed,
  };
}

/** The changes one flow needs, before any ordering. */
interface FlowDiff {
  adds: FlowEntry[];
  /** In reverse new-path order (egress side first). */
  modifies: FlowEntry[];
  deletes: FlowEntry[];
  oldEntries: FlowEntry[];
  newEntries: FlowEntry[];
}

function diffFlow(
  index: TopologyIndex,
  m: FlowMigration,
  matchInPort: boolean,
  name: string,
): FlowDiff {
  const o = m.oldPath;
  const n = m.newPath;
  if (
    o.length === 0 || n.length === 0 || o[0] !== n[0] ||
    o[o.length - 1] !== n[n.length - 1]
  ) {
    // The full analysis only to say what is needed instead.
    const analysis = analyzePathPair(o, n);
    throw new RangeError(
      `${name} (flow ${m.flow.id}) cannot be migrated by flow-table changes: ${analysis.needed}`,
    );
  }
  checkFlowPath(index, m.flow, m.oldPath, `${name}.oldPath`);
  checkFlowPath(index, m.flow, m.newPath, `${name}.newPath`);
  const oldEntries = uncheckedEntries(index, m.flow, m.oldPath, {
    matchInPort,
  });
  const newEntries = uncheckedEntries(index, m.flow, m.newPath, {
    matchInPort,
  });
  // Within one flow every entry has the same fields but the ingress port,
  // and a simple path crosses a switch once: compare switch by switch.
  const oldBySwitch = new Map(oldEntries.map((e) => [e.switchId, e]));
  const reused = new Set<FlowEntry>();
  const adds: FlowEntry[] = [];
  const modifies: FlowEntry[] = [];
  for (const e of newEntries) {
    const old = oldBySwitch.get(e.switchId);
    if (!old || old.match.inPort !== e.match.inPort) adds.push(e);
    else {
      reused.add(old);
      if (old.outPort !== e.outPort) modifies.push(e);
    }
  }
  modifies.reverse();
  const deletes = oldEntries.filter((e) => !reused.has(e));
  return { adds, modifies, deletes, oldEntries, newEntries };
}

function checkOptions(options: PlanOptions): Required<PlanOptions> {
  assertKnownKeys("options", options, [
    "ordering",
    "matchInPort",
    "versionVlanVid",
  ]);
  const ordering = options.ordering ?? "paper";
  assertOneOf("ordering", ordering, ORDERINGS);
  const vid = options.versionVlanVid ?? 2;
  assertInteger("versionVlanVid", vid, 1, 4094);
  return {
    ordering,
    matchInPort: options.matchInPort ?? true,
    versionVlanVid: vid,
  };
}

function checkMigrations(migrations: readonly FlowMigration[]): void {
  if (!Array.isArray(migrations) || migrations.length === 0) {
    throw new RangeError(
      `migrations must hold at least 1 flow migration; got 0`,
    );
  }
  const ids = new Set<string>();
  migrations.forEach((m, i) => {
    if (ids.has(m.flow.id)) {
      throw new RangeError(
        `migrations[${i}].flow.id must be unique; got ${
          JSON.stringify(m.flow.id)
        } twice`,
      );
    }
    ids.add(m.flow.id);
  });
}

/**
 * The entries in place before a migration: every flow over its old path.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { initialEntries, paperTestbedMigrations, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * const net = paperTestbedTopology();
 * const entries = initialEntries(net, paperTestbedMigrations(net));
 * deepStrictEqual(entries.filter((e) => e.switchId === "s2").length, 2);
 * ```
 */
export function initialEntries(
  topology: Topology,
  migrations: readonly FlowMigration[],
  options: Pick<PlanOptions, "matchInPort"> = {},
): FlowEntry[] {
  assertKnownKeys("options", options, ["matchInPort"]);
  checkMigrations(migrations);
  const index = indexTopology(topology);
  const matchInPort = options.matchInPort ?? true;
  return migrations.flatMap((m, i) => {
    checkFlowPath(index, m.flow, m.oldPath, `migrations[${i}].oldPath`);
    return uncheckedEntries(index, m.flow, m.oldPath, { matchInPort });
  });
}

function switchesOf(messages: readonly FlowMod[]): string {
  return [...new Set(messages.map((m) => m.entry.switchId))].join(", ");
}

/**
 * Builds the migration plan of a set of flows for an ordering (see the
 * module doc). Phases with no message are left out.
 *
 * @example
 * ```ts
 * import { paperTestbedMigrations, paperTestbedTopology, planMigration } from "@vnmig/vnmig/openflow";
 * const net = paperTestbedTopology();
 * const plan = planMigration(net, paperTestbedMigrations(net));
 * const phases = plan.phases.map((p) => `${p.name}: ${p.messages.length}`);
 * if (phases.join() !== "install new path: 4,redirect s1, s4: 2,delete old path: 4") throw new Error();
 * ```
 */
export function planMigration(
  topology: Topology,
  migrations: readonly FlowMigration[],
  options: PlanOptions = {},
): MigrationPlan {
  const o = checkOptions(options);
  checkMigrations(migrations);
  const index = indexTopology(topology);
  const diffs = migrations.map((m, i) =>
    diffFlow(index, m, o.matchInPort, `migrations[${i}]`)
  );
  const mods = (command: FlowMod["command"], entries: FlowEntry[]) =>
    entries.map((entry): FlowMod => ({ command, entry }));
  const adds = diffs.flatMap((d) => mods("add", d.adds));
  const deletes = diffs.flatMap((d) => mods("delete", d.deletes));
  // Level j holds the j-th modify of every flow, counted from the egress.
  const levels: FlowMod[][] = [];
  for (const d of diffs) {
    d.modifies.forEach((e, j) => {
      (levels[j] ??= []).push({ command: "modify", entry: e });
    });
  }
  const phase = (
    name: string,
    messages: FlowMod[],
    barrier: boolean,
  ): PlanPhase => ({ name, messages, barrier });
  const redirects = levels.map((l) =>
    phase(`redirect ${switchesOf(l)}`, l, true)
  );
  const install = phase("install new path", adds, true);
  const remove = phase("delete old path", deletes, true);
  let phases: PlanPhase[];
  switch (o.ordering) {
    case "paper":
      phases = [install, ...redirects, remove];
      break;
    case "all-at-once":
      phases = [
        phase(
          "everything at once",
          [...adds, ...levels.flat(), ...deletes],
          false,
        ),
      ];
      break;
    case "delete-old-first":
      phases = [remove, install, ...redirects];
      break;
    case "branching-first":
      phases = [
        phase(`redirect ${switchesOf(levels.flat())}`, levels.flat(), true),
        install,
        remove,
      ];
      break;
    case "two-phase":
      phases = twoPhase(diffs, o.versionVlanVid);
      break;
  }
  return {
    ordering: o.ordering,
    phases: phases.filter((p) => p.messages.length > 0),
  };
}

// Reitblatt et al.'s two-phase update: the new version's entries match a
// VLAN tag at a higher priority on every switch but the ingress (the egress
// strips the tag); then the ingress stamps the tag and outputs to the new
// path; then, once no untagged packet remains, the old entries go.
function twoPhase(diffs: readonly FlowDiff[], vid: number): PlanPhase[] {
  const install: FlowMod[] = [];
  const stamp: FlowMod[] = [];
  const remove: FlowMod[] = [];
  for (const d of diffs) {
    const n = d.newEntries.length;
    d.newEntries.forEach((e, i) => {
      if (i === 0) return;
      install.push({
        command: "add",
        entry: {
          ...e,
          priority: e.priority + 1,
          match: { ...e.match, vlanVid: vid },
          ...(i === n - 1 ? { popVlan: true } : {}),
        },
      });
    });
    const ingress = d.newEntries[0];
    const oldIngress = d.oldEntries[0];
    if (n === 1) {
      if (oldIngress.outPort !== ingress.outPort) {
        stamp.push({ command: "modify", entry: ingress });
      }
    } else {
      stamp.push({ command: "modify", entry: { ...ingress, setVlanVid: vid } });
    }
    for (const e of d.oldEntries.slice(1)) {
      remove.push({ command: "delete", entry: e });
    }
  }
  return [
    { name: "install tagged new version", messages: install, barrier: true },
    { name: "stamp at ingress", messages: stamp, barrier: true },
    { name: "delete old version", messages: remove, barrier: true },
  ];
}

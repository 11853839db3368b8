/**
 * Flows and their paths: a flow is one direction of traffic between two
 * hosts with the header fields its entries match; a path is the list of
 * switch ids it crosses, from the switch of the source host to the switch
 * of the destination host. Paths come from shortest-path routing or from
 * the user.
 *
 * @module
 */

import { assertInteger, assertKnownKeys } from "../_validate.ts";
import type { FlowEntry, FlowMatch } from "./plan_types.ts";
import {
  indexTopology,
  type Topology,
  type TopologyIndex,
} from "./topology.ts";

/** One direction of traffic between two hosts. */
export interface Flow {
  /** Unique id, e.g. "client->server". */
  readonly id: string;
  /** The sending host's id. */
  readonly srcHost: string;
  /** The receiving host's id. */
  readonly dstHost: string;
  /** Header fields every entry of the flow matches (inPort is added per switch when asked). */
  readonly match: FlowMatch;
  /** OpenFlow priority of its entries. */
  readonly priority: number;
}

/** Options of {@linkcode flow}. */
export interface FlowOptions {
  /** Flow id. Default `${srcHost}->${dstHost}`. */
  id?: string;
  /** Match fields. Default IPv4 (ethType 0x0800) from the source host's to the destination host's address. */
  match?: FlowMatch;
  /** Priority, 0..65534 (the two-phase update uses priority + 1). Default 100. */
  priority?: number;
}

/**
 * Makes a flow between two hosts of a topology.
 *
 * @example
 * ```ts
 * import { flow, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * const f = flow(paperTestbedTopology(), "client", "server");
 * if (f.id !== "client->server" || f.match.ipv4Dst !== "10.0.0.2") throw new Error();
 * ```
 */
export function flow(
  topology: Topology,
  srcHost: string,
  dstHost: string,
  options: FlowOptions = {},
): Flow {
  const index = indexTopology(topology);
  const src = index.host(srcHost);
  const dst = index.host(dstHost);
  if (!src) {
    throw new RangeError(
      `srcHost must be a host id; got ${JSON.stringify(srcHost)}`,
    );
  }
  if (!dst || dstHost === srcHost) {
    throw new RangeError(
      `dstHost must be a host id other than srcHost; got ${
        JSON.stringify(dstHost)
      }`,
    );
  }
  assertKnownKeys("options", options, ["id", "match", "priority"]);
  const priority = options.priority ?? 100;
  assertInteger("priority", priority, 0, 65534);
  return {
    id: options.id ?? `${srcHost}->${dstHost}`,
    srcHost,
    dstHost,
    match: options.match ??
      { ethType: 0x0800, ipv4Src: src.ipv4, ipv4Dst: dst.ipv4 },
    priority,
  };
}

/**
 * The lowest-latency path of switches between two switches (Dijkstra over
 * link latencies; ties broken by fewer hops, then by switch order).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { paperTestbedTopology, shortestPath } from "@vnmig/vnmig/openflow";
 * deepStrictEqual(shortestPath(paperTestbedTopology(), "s1", "s4", { avoid: ["s2"] }), ["s1", "s3", "s4"]);
 * ```
 */
export function shortestPath(
  topology: Topology,
  fromSwitch: string,
  toSwitch: string,
  options: ShortestPathOptions = {},
): string[] {
  assertKnownKeys("options", options, ["avoid"]);
  const index = indexTopology(topology);
  for (
    const [name, id] of [["fromSwitch", fromSwitch], ["toSwitch", toSwitch]]
  ) {
    if (!index.hasSwitch(id)) {
      throw new RangeError(
        `${name} must be a switch id; got ${JSON.stringify(id)}`,
      );
    }
  }
  const avoid = new Set(options.avoid ?? []);
  avoid.delete(fromSwitch);
  avoid.delete(toSwitch);
  const order = new Map(topology.switches.map((s, i) => [s.id, i]));
  const dist = new Map<string, [number, number]>([[fromSwitch, [0, 0]]]);
  const prev = new Map<string, string>();
  const done = new Set<string>();
  const better = (a: [number, number], b: [number, number]) =>
    a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  while (true) {
    let u: string | undefined;
    for (const [id, d] of dist) {
      if (done.has(id)) continue;
      if (
        u === undefined || better(d, dist.get(u)!) ||
        (!better(dist.get(u)!, d) && order.get(id)! < order.get(u)!)
      ) u = id;
    }
    if (u === undefined || u === toSwitch) break;
    done.add(u);
    const du = dist.get(u)!;
    for (const n of index.neighbours(u)) {
      if (avoid.has(n.switchId) || done.has(n.switchId)) continue;
      const cand: [number, number] = [du[0] + n.latencySeconds, du[1] + 1];
      const old = dist.get(n.switchId);
      if (!old || better(cand, old)) {
        dist.set(n.switchId, cand);
        prev.set(n.switchId, u);
      }
    }
  }
  if (!dist.has(toSwitch)) {
    throw new RangeError(
      `toSwitch ${toSwitch} must be reachable from ${fromSwitch}${
        avoid.size ? ` avoiding ${[...avoid].join(", ")}` : ""
      }; it is not`,
    );
  }
  const path = [toSwitch];
  while (path[0] !== fromSwitch) path.unshift(prev.get(path[0])!);
  return path;
}

/** Options of {@linkcode shortestPath}. */
export interface ShortestPathOptions {
  /** Switch ids the path must not cross (the endpoints are always allowed). Default none. */
  avoid?: readonly string[];
}

/** Options of {@linkcode pathEntries}. */
export interface PathEntryOptions {
  /** Add the ingress port to every entry's match. Default true (exact-match entries, as NOX installs them). */
  matchInPort?: boolean;
}

const PATH_ENTRY_KEYS: readonly (keyof PathEntryOptions)[] = ["matchInPort"];

/**
 * Checks that a path is a simple list of linked switches from the source
 * host's switch to the destination host's switch.
 *
 * @example
 * ```ts
 * import { flow, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { checkFlowPath } from "./routing.ts";
 * import { indexTopology } from "./topology.ts";
 * const net = paperTestbedTopology();
 * checkFlowPath(indexTopology(net), flow(net, "client", "server"), ["s1", "s3", "s4"]); // no error
 * ```
 */
export function checkFlowPath(
  index: TopologyIndex,
  f: Flow,
  path: readonly string[],
  name = "path",
): void {
  if (!Array.isArray(path) || path.length === 0) {
    throw new RangeError(`${name} must hold at least 1 switch id; got 0`);
  }
  const src = index.host(f.srcHost);
  const dst = index.host(f.dstHost);
  if (!src || !dst) {
    throw new RangeError(
      `flow ${f.id} must join two hosts of the topology; got ${f.srcHost}, ${f.dstHost}`,
    );
  }
  if (path[0] !== src.switchId) {
    throw new RangeError(
      `${name}[0] of flow ${f.id} must be ${src.switchId} (the switch of ${src.id}); got ${
        JSON.stringify(path[0])
      }`,
    );
  }
  if (path[path.length - 1] !== dst.switchId) {
    throw new RangeError(
      `${name}[${
        path.length - 1
      }] of flow ${f.id} must be ${dst.switchId} (the switch of ${dst.id}); got ${
        JSON.stringify(path[path.length - 1])
      }`,
    );
  }
  const seen = new Set<string>();
  path.forEach((id, i) => {
    if (!index.hasSwitch(id)) {
      throw new RangeError(
        `${name}[${i}] must be a switch id; got ${JSON.stringify(id)}`,
      );
    }
    if (seen.has(id)) {
      throw new RangeError(
        `${name}[${i}] must not repeat a switch (paths are loop-free); got ${id} again`,
      );
    }
    seen.add(id);
    if (i > 0 && index.portToward(path[i - 1], id) === undefined) {
      throw new RangeError(
        `${name}[${i}] must be linked to ${path[i - 1]}; ${id} is not`,
      );
    }
  });
}

/**
 * Checks flow entries given by hand against a topology: each on a switch of
 * the topology, outputting to one of its ports, with a priority in
 * 0..65535; throws a RangeError naming the first faulty entry.
 *
 * @example
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { paperTestbedInitialEntries, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { checkFlowEntries } from "./routing.ts";
 * import { indexTopology } from "./topology.ts";
 * const net = paperTestbedTopology();
 * const entries = paperTestbedInitialEntries(net);
 * checkFlowEntries(indexTopology(net), entries); // no error
 * throws(() => checkFlowEntries(indexTopology(net), [{ ...entries[0], switchId: "s9" }]), /switch id/);
 * ```
 */
export function checkFlowEntries(
  index: TopologyIndex,
  entries: readonly FlowEntry[],
  name = "entries",
): void {
  if (!Array.isArray(entries)) {
    throw new RangeError(
      `${name} must be an array of flow entries; got ${String(entries)}`,
    );
  }
  entries.forEach((e, i) => {
    if (!index.hasSwitch(e?.switchId)) {
      throw new RangeError(
        `${name}[${i}].switchId must be a switch id of the topology; got ${
          JSON.stringify(e?.switchId)
        }`,
      );
    }
    const ports = index.topology.switches.find((s) => s.id === e.switchId)!
      .ports;
    if (!ports.includes(e.outPort)) {
      throw new RangeError(
        `${name}[${i}].outPort must be a port of ${e.switchId} (${
          ports.join(", ")
        }); got ${JSON.stringify(e.outPort)}`,
      );
    }
    assertInteger(`${name}[${i}].priority`, e.priority, 0, 65535);
  });
}

/**
 * The flow entries that send a flow along a path: one per switch, matching
 * the flow's fields (plus the ingress port, by default) and outputting to
 * the port toward the next switch (or the destination host's port).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { flow, paperTestbedTopology, pathEntries } from "@vnmig/vnmig/openflow";
 * const net = paperTestbedTopology();
 * const entries = pathEntries(net, flow(net, "client", "server"), ["s1", "s2", "s4"]);
 * deepStrictEqual(entries.map((e) => `${e.switchId}:${e.match.inPort}->${e.outPort}`), ["s1:1->2", "s2:1->2", "s4:2->1"]);
 * ```
 */
export function pathEntries(
  topology: Topology,
  f: Flow,
  path: readonly string[],
  options: PathEntryOptions = {},
): FlowEntry[] {
  assertKnownKeys("options", options, PATH_ENTRY_KEYS);
  return entriesWithIndex(indexTopology(topology), f, path, options);
}

/**
 * {@linkcode pathEntries} over an already-built index (no re-checking).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { flow, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { entriesWithIndex } from "./routing.ts";
 * import { indexTopology } from "./topology.ts";
 * const net = paperTestbedTopology();
 * const entries = entriesWithIndex(indexTopology(net), flow(net, "client", "server"), ["s1", "s3", "s4"]);
 * deepStrictEqual(entries.map((e) => e.outPort), [3, 2, 1]);
 * ```
 */
export function entriesWithIndex(
  index: TopologyIndex,
  f: Flow,
  path: readonly string[],
  options: PathEntryOptions = {},
): FlowEntry[] {
  assertKnownKeys("options", options, PATH_ENTRY_KEYS);
  checkFlowPath(index, f, path);
  return uncheckedEntries(index, f, path, options);
}

/** {@linkcode entriesWithIndex} without checking the path (already checked). */
export function uncheckedEntries(
  index: TopologyIndex,
  f: Flow,
  path: readonly string[],
  options: PathEntryOptions = {},
): FlowEntry[] {
  const matchInPort = options.matchInPort ?? true;
  const src = index.host(f.srcHost)!;
  const dst = index.host(f.dstHost)!;
  return path.map((switchId, i) => {
    const inPort = i === 0
      ? src.port
      : index.portToward(switchId, path[i - 1])!;
    const outPort = i === path.length - 1
      ? dst.port
      : index.portToward(switchId, path[i + 1])!;
    const match: FlowMatch = matchInPort ? { inPort, ...f.match } : f.match;
    return { switchId, priority: f.priority, match, outPort, flowId: f.id };
  });
}

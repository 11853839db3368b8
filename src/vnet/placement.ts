/**
 * Where to move a virtual router (the paper's Fig. 1): a physical node that
 * keeps every virtual neighbour one physical hop away keeps the virtual
 * topology with no tunnel; any other node needs a tunnel per virtual link
 * whose ends are further apart (the paper's Fig. 2), and candidates are
 * ranked by the tunnels they need.
 *
 * @module
 */

import { assertCapacity, assertKnownKeys } from "../_validate.ts";

/** An undirected physical topology. */
export interface PhysicalTopology {
  /** Physical node names, unique. */
  readonly nodes: readonly string[];
  /** Undirected links between named nodes. */
  readonly links: readonly (readonly [string, string])[];
}

/** A virtual network mapped onto the physical topology. */
export interface VirtualNetwork {
  /** Network name, unique. */
  readonly name: string;
  /** Physical host of each virtual node. */
  readonly hosts: Readonly<Record<string, string>>;
  /** Undirected virtual links between virtual nodes. */
  readonly links: readonly (readonly [string, string])[];
}

/** Which virtual router to move. */
export interface PlacementRequest {
  /** Every virtual network on the topology (for host occupancy). */
  readonly networks: readonly VirtualNetwork[];
  /** Name of the network the router belongs to. */
  readonly network: string;
  /** The virtual router to move. */
  readonly router: string;
}

/** Options of {@linkcode placementCandidates}. */
export interface PlacementOptions {
  /** Whether a physical node may host two routers of the same network. Default false. */
  allowSharedHost?: boolean;
  /** Virtual routers (all networks) a physical node can host. Default Infinity. */
  maxRoutersPerNode?: number;
}

/** A tunnel a candidate needs for one virtual link. */
export interface TunnelPath {
  /** The virtual neighbour at the other end. */
  readonly neighbour: string;
  /** Its physical host. */
  readonly neighbourHost: string;
  /** A shortest physical path from the candidate to that host, both ends included. */
  readonly physicalPath: readonly string[];
  /** Physical hops of that path (>= 2). */
  readonly physicalHops: number;
}

/** One physical node the router could move to. */
export interface PlacementCandidate {
  /** The physical node. */
  readonly node: string;
  /** Whether every virtual neighbour stays at most one hop away (no tunnel). */
  readonly oneHop: boolean;
  /** Tunnels needed, one per virtual link stretched beyond one hop. */
  readonly tunnels: readonly TunnelPath[];
  /** Physical hops beyond one, summed over the tunnels. */
  readonly extraHops: number;
  /** Longest tunnel, physical hops (1 when none is needed). */
  readonly maxHops: number;
}

/** A node that cannot take the router, and why. */
export interface RejectedNode {
  /** The physical node. */
  readonly node: string;
  /** Why. */
  readonly reason: string;
}

/** Result of {@linkcode placementCandidates}. */
export interface PlacementResult {
  /** The router's current host. */
  readonly currentHost: string;
  /** The router's virtual neighbours and their hosts, by neighbour name. */
  readonly neighbours: readonly { name: string; host: string }[];
  /** Nodes that keep every virtual neighbour one hop away (Fig. 1), by name. */
  readonly oneHop: readonly string[];
  /** Every feasible node, best first: fewest tunnels, fewest extra hops, shortest longest tunnel, name. */
  readonly ranked: readonly PlacementCandidate[];
  /** Nodes that cannot take the router. */
  readonly rejected: readonly RejectedNode[];
}

function fail(name: string, value: unknown, valid: string): never {
  throw new RangeError(
    `${name} must be ${valid}; got ${JSON.stringify(value)}`,
  );
}

function adjacency(physical: PhysicalTopology): Map<string, string[]> {
  if (!Array.isArray(physical.nodes) || physical.nodes.length === 0) {
    fail("physical.nodes", physical.nodes, "a non-empty array of names");
  }
  const graph = new Map<string, string[]>();
  for (const node of physical.nodes) {
    if (typeof node !== "string" || graph.has(node)) {
      fail("physical.nodes", node, "unique strings");
    }
    graph.set(node, []);
  }
  physical.links.forEach(([a, b], i) => {
    if (!graph.has(a) || !graph.has(b) || a === b) {
      fail(
        `physical.links[${i}]`,
        [a, b],
        "a pair of two different nodes of physical.nodes",
      );
    }
    graph.get(a)!.push(b);
    graph.get(b)!.push(a);
  });
  for (const list of graph.values()) list.sort();
  return graph;
}

/** Breadth-first search; ties broken by node name, so paths are deterministic. */
function shortestPaths(
  graph: Map<string, string[]>,
  from: string,
): Map<string, string | null> {
  const parent = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const next of graph.get(queue[i])!) {
      if (!parent.has(next)) {
        parent.set(next, queue[i]);
        queue.push(next);
      }
    }
  }
  return parent;
}

function pathTo(parent: Map<string, string | null>, to: string): string[] {
  const path: string[] = [];
  for (let n: string | null = to; n !== null; n = parent.get(n)!) {
    path.push(n);
  }
  return path.reverse();
}

/**
 * The physical nodes a virtual router can move to: those keeping every
 * virtual neighbour one physical hop away, and every feasible node ranked by
 * the tunnels it would need (one per virtual link whose ends end up more
 * than one hop apart, along a shortest physical path).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { placementCandidates } from "@vnmig/vnmig/vnet";
 * // A line a-b-c hosting virtual routers A, B, C; x is linked to a and c.
 * const physical = {
 *   nodes: ["a", "b", "c", "x"],
 *   links: [["a", "b"], ["b", "c"], ["a", "x"], ["x", "c"]] as [string, string][],
 * };
 * const net = { name: "net", hosts: { A: "a", B: "b", C: "c" }, links: [["A", "B"], ["B", "C"]] as [string, string][] };
 * const result = placementCandidates(physical, { networks: [net], network: "net", router: "B" });
 * deepStrictEqual(result.oneHop, ["x"]);
 * ```
 */
export function placementCandidates(
  physical: PhysicalTopology,
  request: PlacementRequest,
  options: PlacementOptions = {},
): PlacementResult {
  assertKnownKeys("options", options, ["allowSharedHost", "maxRoutersPerNode"]);
  const allowSharedHost = options.allowSharedHost ?? false;
  const maxRoutersPerNode = options.maxRoutersPerNode ?? Infinity;
  assertCapacity("maxRoutersPerNode", maxRoutersPerNode);
  const graph = adjacency(physical);

  const load = new Map<string, number>();
  let network: VirtualNetwork | undefined;
  if (!Array.isArray(request.networks)) {
    fail("request.networks", request.networks, "an array of virtual networks");
  }
  for (const net of request.networks) {
    if (
      net.hosts === null || typeof net.hosts !== "object" ||
      Array.isArray(net.hosts)
    ) {
      fail(`${net.name}.hosts`, net.hosts, "an object of virtual node hosts");
    }
    const hosts: Readonly<Record<string, string>> = net.hosts;
    for (const [v, host] of Object.entries(hosts)) {
      if (!graph.has(host)) {
        fail(`${net.name}.hosts.${v}`, host, "a node of physical.nodes");
      }
      load.set(host, (load.get(host) ?? 0) + 1);
    }
    if (net.name === request.network) network = net;
  }
  if (!network) {
    fail(
      "request.network",
      request.network,
      `one of ${
        request.networks.map((n) => JSON.stringify(n.name)).join(", ")
      }`,
    );
  }
  const net = network;
  // Own keys only: "constructor" or "toString" name no virtual node.
  const isNode = (name: unknown) =>
    typeof name === "string" && Object.hasOwn(net.hosts, name);
  const currentHost = isNode(request.router)
    ? net.hosts[request.router]
    : undefined;
  if (currentHost === undefined) {
    fail(
      "request.router",
      request.router,
      `a virtual node of ${JSON.stringify(net.name)}`,
    );
  }
  const neighbourNames = new Set<string>();
  net.links.forEach(([a, b], i) => {
    if (!isNode(a) || !isNode(b) || a === b) {
      fail(
        `${net.name}.links[${i}]`,
        [a, b],
        "a pair of two different virtual nodes of the network",
      );
    }
    if (a === request.router) neighbourNames.add(b);
    if (b === request.router) neighbourNames.add(a);
  });
  const neighbours = [...neighbourNames].sort().map((name) => ({
    name,
    host: net.hosts[name],
  }));
  const sameNetworkHosts = new Set(Object.values(net.hosts));

  const ranked: PlacementCandidate[] = [];
  const rejected: RejectedNode[] = [];
  for (const node of [...graph.keys()].sort()) {
    if (node === currentHost) continue;
    if (!allowSharedHost && sameNetworkHosts.has(node)) {
      rejected.push({ node, reason: `hosts another router of ${net.name}` });
      continue;
    }
    if ((load.get(node) ?? 0) + 1 > maxRoutersPerNode) {
      rejected.push({ node, reason: `full (${maxRoutersPerNode} routers)` });
      continue;
    }
    const parent = shortestPaths(graph, node);
    const unreachable = neighbours.filter((n) => !parent.has(n.host));
    if (unreachable.length > 0) {
      rejected.push({
        node,
        reason: `cannot reach ${unreachable.map((n) => n.host).join(", ")}`,
      });
      continue;
    }
    const tunnels: TunnelPath[] = [];
    for (const n of neighbours) {
      const physicalPath = pathTo(parent, n.host);
      const physicalHops = physicalPath.length - 1;
      if (physicalHops > 1) {
        tunnels.push({
          neighbour: n.name,
          neighbourHost: n.host,
          physicalPath,
          physicalHops,
        });
      }
    }
    ranked.push({
      node,
      oneHop: tunnels.length === 0,
      tunnels,
      extraHops: tunnels.reduce((s, t) => s + t.physicalHops - 1, 0),
      maxHops: tunnels.reduce((m, t) => Math.max(m, t.physicalHops), 1),
    });
  }
  ranked.sort((x, y) =>
    x.tunnels.length - y.tunnels.length || x.extraHops - y.extraHops ||
    x.maxHops - y.maxHops || (x.node < y.node ? -1 : x.node > y.node ? 1 : 0)
  );
  return {
    currentHost,
    neighbours,
    oneHop: ranked.filter((c) => c.oneHop).map((c) => c.node).sort(),
    ranked,
    rejected,
  };
}

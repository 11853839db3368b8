/**
 * OpenFlow topologies: switches with numbered ports, links with latency and
 * bandwidth, hosts with an IPv4 address attached to a switch port, and a
 * controller with a control channel (hops and one-way latency) to each
 * switch.
 *
 * Port numbers are the real OpenFlow port numbers: the Open vSwitch testbed
 * creates its ports with exactly these numbers, and flow entries output to
 * them.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInteger,
  assertKnownKeys,
  assertPositive,
} from "../_validate.ts";

/** One end of a link: a switch and one of its port numbers. */
export interface PortRef {
  /** The switch id. */
  readonly switchId: string;
  /** The OpenFlow port number on that switch (1..65279). */
  readonly port: number;
}

/** An OpenFlow switch. */
export interface Switch {
  /** Unique id (also the name used in plans). */
  readonly id: string;
  /** Its port numbers, each 1..65279 (OpenFlow 1.3 physical port range). */
  readonly ports: readonly number[];
}

/** A full-duplex link between two switch ports. */
export interface Link {
  /** One end. */
  readonly a: PortRef;
  /** The other end. */
  readonly b: PortRef;
  /** One-way propagation latency, seconds. */
  readonly latencySeconds: number;
  /** Bandwidth, bits per second (sets serialisation time). */
  readonly bitsPerSecond: number;
}

/** A host attached to one switch port. */
export interface Host {
  /** Unique id ("client", "server"). */
  readonly id: string;
  /** IPv4 address, dotted quad. */
  readonly ipv4: string;
  /** The switch the host is attached to. */
  readonly switchId: string;
  /** The switch port the host is attached to. */
  readonly port: number;
  /** One-way latency of the access link, seconds. */
  readonly latencySeconds: number;
  /** Bandwidth of the access link, bits per second. */
  readonly bitsPerSecond: number;
}

/** The control channel from the controller to one switch. */
export interface ControlChannel {
  /** The switch. */
  readonly switchId: string;
  /** Hops from the controller to the switch (1 = directly attached). */
  readonly hops: number;
  /** One-way latency of the channel, seconds. */
  readonly latencySeconds: number;
}

/** The controller and its control channels (one per switch). */
export interface Controller {
  /** Its id ("controller"). */
  readonly id: string;
  /** One channel for every switch of the topology. */
  readonly channels: readonly ControlChannel[];
}

/** A whole OpenFlow network. */
export interface Topology {
  /** The switches. */
  readonly switches: readonly Switch[];
  /** Switch-to-switch links. */
  readonly links: readonly Link[];
  /** Hosts, each on a switch port not used by a link. */
  readonly hosts: readonly Host[];
  /** The controller. */
  readonly controller: Controller;
}

/** What lies behind a switch port. */
export type PortPeer =
  | {
    /** Another switch. */
    readonly kind: "switch";
    /** Its id. */
    readonly switchId: string;
    /** Its port at the other end of the link. */
    readonly port: number;
    /** One-way latency, seconds. */
    readonly latencySeconds: number;
    /** Bandwidth, bits per second. */
    readonly bitsPerSecond: number;
  }
  | {
    /** A host. */
    readonly kind: "host";
    /** Its id. */
    readonly hostId: string;
    /** One-way latency, seconds. */
    readonly latencySeconds: number;
    /** Bandwidth, bits per second. */
    readonly bitsPerSecond: number;
  };

/** Options of {@linkcode topology}. */
export interface TopologyOptions {
  /** The switches (required). */
  switches: readonly Switch[];
  /** Switch-to-switch links. Default none. */
  links?: readonly Link[];
  /** Hosts. Default none. */
  hosts?: readonly Host[];
  /** The controller (required): one channel per switch. */
  controller: Controller;
}

const MAX_PORT = 0xfeff;

const TOPOLOGY_KEYS: readonly (keyof TopologyOptions)[] = [
  "switches",
  "links",
  "hosts",
  "controller",
];

/**
 * Makes a topology, checking it: unique ids, ports in 1..65279 and used by
 * at most one link or host, links and hosts on existing switch ports, valid
 * IPv4 addresses, and exactly one control channel per switch.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { topology } from "@vnmig/vnmig/openflow";
 * const net = topology({
 *   switches: [{ id: "s1", ports: [1, 2] }, { id: "s2", ports: [1, 2] }],
 *   links: [{ a: { switchId: "s1", port: 2 }, b: { switchId: "s2", port: 2 }, latencySeconds: 1e-4, bitsPerSecond: 1e9 }],
 *   controller: { id: "c0", channels: [
 *     { switchId: "s1", hops: 1, latencySeconds: 1e-4 },
 *     { switchId: "s2", hops: 2, latencySeconds: 2e-4 },
 *   ] },
 * });
 * deepStrictEqual(net.links.length, 1);
 * ```
 */
export function topology(options: TopologyOptions): Topology {
  assertKnownKeys("options", options, TOPOLOGY_KEYS);
  const t: Topology = {
    switches: options.switches,
    links: options.links ?? [],
    hosts: options.hosts ?? [],
    controller: options.controller,
  };
  checkTopology(t);
  return t;
}

function checkIpv4(name: string, ip: string): void {
  const parts = typeof ip === "string" ? ip.split(".") : [];
  const ok = parts.length === 4 &&
    parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
  if (!ok) {
    throw new RangeError(
      `${name} must be an IPv4 dotted quad (a.b.c.d, each 0..255); got ${
        JSON.stringify(ip)
      }`,
    );
  }
}

/**
 * Checks a topology built by hand; throws a RangeError on the first fault.
 *
 * @example
 * ```ts
 * import { paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { checkTopology } from "./topology.ts";
 * checkTopology(paperTestbedTopology()); // no error
 * ```
 */
export function checkTopology(t: Topology): void {
  if (!Array.isArray(t.switches) || t.switches.length === 0) {
    throw new RangeError(
      `switches must hold at least 1 switch; got ${
        Array.isArray(t.switches) ? 0 : String(t.switches)
      }`,
    );
  }
  const ports = new Map<string, Set<number>>();
  t.switches.forEach((s: Switch, i: number) => {
    if (typeof s.id !== "string" || s.id === "" || ports.has(s.id)) {
      throw new RangeError(
        `switches[${i}].id must be a unique non-empty string; got ${
          JSON.stringify(s.id)
        }`,
      );
    }
    const set = new Set<number>();
    s.ports.forEach((p: number, j: number) => {
      assertInteger(`switches[${i}].ports[${j}]`, p, 1, MAX_PORT);
      if (set.has(p)) {
        throw new RangeError(
          `switches[${i}].ports[${j}] must be unique on switch ${s.id}; got ${p} twice`,
        );
      }
      set.add(p);
    });
    ports.set(s.id, set);
  });
  const used = new Set<string>();
  const use = (name: string, ref: PortRef) => {
    const set = ports.get(ref.switchId);
    if (!set) {
      throw new RangeError(
        `${name}.switchId must be one of the switch ids; got ${
          JSON.stringify(ref.switchId)
        }`,
      );
    }
    if (!set.has(ref.port)) {
      throw new RangeError(
        `${name}.port must be one of the ports of ${ref.switchId} (${
          [...set].join(", ")
        }); got ${ref.port}`,
      );
    }
    const key = `${ref.switchId}:${ref.port}`;
    if (used.has(key)) {
      throw new RangeError(
        `${name} must use a free port; port ${ref.port} of ${ref.switchId} is already used`,
      );
    }
    used.add(key);
  };
  t.links.forEach((l, i) => {
    use(`links[${i}].a`, l.a);
    use(`links[${i}].b`, l.b);
    if (l.a.switchId === l.b.switchId) {
      throw new RangeError(
        `links[${i}] must join two different switches; got ${l.a.switchId} twice`,
      );
    }
    assertAtLeast(`links[${i}].latencySeconds`, l.latencySeconds, 0);
    assertPositive(`links[${i}].bitsPerSecond`, l.bitsPerSecond);
  });
  const hostIds = new Set<string>();
  const addresses = new Map<string, string>();
  t.hosts.forEach((h, i) => {
    if (typeof h.id !== "string" || h.id === "" || hostIds.has(h.id)) {
      throw new RangeError(
        `hosts[${i}].id must be a unique non-empty string; got ${
          JSON.stringify(h.id)
        }`,
      );
    }
    hostIds.add(h.id);
    checkIpv4(`hosts[${i}].ipv4`, h.ipv4);
    // Flows match on addresses: two hosts with one address are one flow.
    const key = h.ipv4.split(".").map(Number).join(".");
    const holder = addresses.get(key);
    if (holder !== undefined) {
      throw new RangeError(
        `hosts[${i}].ipv4 must be unique; got ${
          JSON.stringify(h.ipv4)
        }, already the address of host ${JSON.stringify(holder)}`,
      );
    }
    addresses.set(key, h.id);
    use(`hosts[${i}]`, { switchId: h.switchId, port: h.port });
    assertAtLeast(`hosts[${i}].latencySeconds`, h.latencySeconds, 0);
    assertPositive(`hosts[${i}].bitsPerSecond`, h.bitsPerSecond);
  });
  const channels = new Set<string>();
  t.controller.channels.forEach((c, i) => {
    if (!ports.has(c.switchId) || channels.has(c.switchId)) {
      throw new RangeError(
        `controller.channels[${i}].switchId must be a switch id not yet given a channel; got ${
          JSON.stringify(c.switchId)
        }`,
      );
    }
    channels.add(c.switchId);
    assertInteger(`controller.channels[${i}].hops`, c.hops, 1);
    assertAtLeast(
      `controller.channels[${i}].latencySeconds`,
      c.latencySeconds,
      0,
    );
  });
  if (channels.size !== ports.size) {
    const missing = [...ports.keys()].filter((id) => !channels.has(id));
    throw new RangeError(
      `controller.channels must hold one channel per switch (${ports.size}); missing ${
        missing.join(", ")
      }`,
    );
  }
}

/** Fast lookups over a checked topology. */
export interface TopologyIndex {
  /** The topology. */
  readonly topology: Topology;
  /** What lies behind `port` of `switchId` (undefined: nothing). */
  peer(switchId: string, port: number): PortPeer | undefined;
  /** The lowest-numbered port of `fromSwitch` linked to `toSwitch`. */
  portToward(fromSwitch: string, toSwitch: string): number | undefined;
  /** The host with this id. */
  host(hostId: string): Host | undefined;
  /** The control channel of a switch. */
  channel(switchId: string): ControlChannel;
  /** Neighbouring switch ids of a switch, with the latency to each. */
  neighbours(
    switchId: string,
  ): readonly { switchId: string; latencySeconds: number }[];
  /** True when the id is a switch. */
  hasSwitch(switchId: string): boolean;
}

/**
 * Builds lookup tables over a topology (checks it first).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { indexTopology } from "./topology.ts";
 * const index = indexTopology(paperTestbedTopology());
 * deepStrictEqual(index.portToward("s1", "s2"), 2);
 * ```
 */
export function indexTopology(t: Topology): TopologyIndex {
  checkTopology(t);
  // Nested maps keyed by the (interned) ids: no string building per lookup.
  const peers = new Map<string, Map<number, PortPeer>>();
  const toward = new Map<string, Map<string, number>>();
  const adjacency = new Map<
    string,
    { switchId: string; latencySeconds: number }[]
  >();
  for (const s of t.switches) {
    adjacency.set(s.id, []);
    peers.set(s.id, new Map());
    toward.set(s.id, new Map());
  }
  const addSide = (from: PortRef, to: PortRef, l: Link) => {
    peers.get(from.switchId)!.set(from.port, {
      kind: "switch",
      switchId: to.switchId,
      port: to.port,
      latencySeconds: l.latencySeconds,
      bitsPerSecond: l.bitsPerSecond,
    });
    const map = toward.get(from.switchId)!;
    const old = map.get(to.switchId);
    if (old === undefined || from.port < old) map.set(to.switchId, from.port);
    adjacency.get(from.switchId)!.push({
      switchId: to.switchId,
      latencySeconds: l.latencySeconds,
    });
  };
  for (const l of t.links) {
    addSide(l.a, l.b, l);
    addSide(l.b, l.a, l);
  }
  const hosts = new Map<string, Host>();
  for (const h of t.hosts) {
    hosts.set(h.id, h);
    peers.get(h.switchId)!.set(h.port, {
      kind: "host",
      hostId: h.id,
      latencySeconds: h.latencySeconds,
      bitsPerSecond: h.bitsPerSecond,
    });
  }
  const channels = new Map(t.controller.channels.map((c) => [c.switchId, c]));
  return {
    topology: t,
    peer: (s, p) => peers.get(s)?.get(p),
    portToward: (a, b) => toward.get(a)?.get(b),
    host: (id) => hosts.get(id),
    channel: (s) => channels.get(s)!,
    neighbours: (s) => adjacency.get(s) ?? [],
    hasSwitch: (s) => adjacency.has(s),
  };
}

/** Options of {@linkcode inBandChannels}. */
export interface InBandChannelOptions {
  /** One-way latency per control hop, seconds. Default 0.0001. */
  perHopLatencySeconds?: number;
}

/**
 * Control channels for an in-band controller: the controller is attached
 * directly (one hop) to the switches `attachedTo`, and reaches every other
 * switch through the data links, so its hop count is 1 plus the fewest links
 * from an attached switch. Latency is `hops * perHopLatencySeconds`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { inBandChannels } from "@vnmig/vnmig/openflow";
 * const channels = inBandChannels(
 *   [{ id: "a", ports: [1] }, { id: "b", ports: [1] }],
 *   [{ a: { switchId: "a", port: 1 }, b: { switchId: "b", port: 1 }, latencySeconds: 0, bitsPerSecond: 1e9 }],
 *   { attachedTo: ["a"], perHopLatencySeconds: 0.001 },
 * );
 * deepStrictEqual(channels.map((c) => c.hops), [1, 2]);
 * ```
 */
export function inBandChannels(
  switches: readonly Switch[],
  links: readonly Link[],
  options: InBandChannelOptions & { attachedTo: readonly string[] },
): ControlChannel[] {
  assertKnownKeys("options", options, [
    "perHopLatencySeconds",
    "attachedTo",
  ]);
  const perHop = options.perHopLatencySeconds ?? 0.0001;
  assertAtLeast("perHopLatencySeconds", perHop, 0);
  const ids = new Set(switches.map((s) => s.id));
  if (options.attachedTo.length === 0) {
    throw new RangeError(
      `attachedTo must hold at least 1 switch id; got 0`,
    );
  }
  const hops = new Map<string, number>();
  let frontier: string[] = [];
  for (const id of options.attachedTo) {
    if (!ids.has(id)) {
      throw new RangeError(
        `attachedTo must hold switch ids; got ${JSON.stringify(id)}`,
      );
    }
    hops.set(id, 1);
    frontier.push(id);
  }
  const adjacency = new Map<string, string[]>(
    switches.map((s) => [s.id, []]),
  );
  for (const l of links) {
    adjacency.get(l.a.switchId)?.push(l.b.switchId);
    adjacency.get(l.b.switchId)?.push(l.a.switchId);
  }
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const n of adjacency.get(id) ?? []) {
        if (!hops.has(n)) {
          hops.set(n, hops.get(id)! + 1);
          next.push(n);
        }
      }
    }
    frontier = next;
  }
  return switches.map((s) => {
    const h = hops.get(s.id);
    if (h === undefined) {
      throw new RangeError(
        `switch ${s.id} must be reachable from the controller through links; it is not`,
      );
    }
    return { switchId: s.id, hops: h, latencySeconds: h * perHop };
  });
}

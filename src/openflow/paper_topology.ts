/**
 * The paper's OpenFlow testbed (its Fig. 4(b)), reconstructed from its text.
 *
 * What the text says: a client and a server exchange UDP traffic; in the
 * Xen scenario the traffic crosses a virtual router on Physical Node A that
 * is migrated to Physical Node B; "in the OpenFlow scenario, the two physical
 * machines with Xen are replaced by OpenFlow switches"; a NOX application
 * creates a flow from client to server and back; migration moves the flows
 * from the old to the new path; and "the controller reaches all the switches
 * with two hops at the most".
 *
 * The reconstruction: the two machines become switches s2 (old path, was
 * Node A) and s3 (new path, was Node B). The client and the server hang off
 * two edge switches, s1 and s4, which must be OpenFlow switches too, or no
 * flow could be moved between s2 and s3. So there are two alternative paths,
 * s1-s2-s4 (old) and s1-s3-s4 (new). The controller is attached to the two
 * edge switches (1 hop) and reaches s2 and s3 through them (2 hops): every
 * switch within two hops, as the text says.
 *
 * Port numbers: on every switch port 1 faces the host or the client side;
 * s1: 1 client, 2 s2, 3 s3; s2 and s3: 1 s1, 2 s4; s4: 1 server, 2 s2, 3 s3.
 *
 * @module
 */

import { assertInteger, assertKnownKeys } from "../_validate.ts";
import type { FlowEntry, MigrationPlan } from "./plan_types.ts";
import { type Flow, flow } from "./routing.ts";
import {
  inBandChannels,
  type Link,
  type Switch,
  type Topology,
  topology,
} from "./topology.ts";
import {
  bidirectionalMigrations,
  type FlowMigration,
  initialEntries,
  type Ordering,
  planMigration,
  type PlanOptions,
} from "./plan.ts";
import { PAPER_TESTBED_PROFILE } from "./profiles.ts";

/** Options of {@linkcode paperTestbedTopology}. */
export interface PaperTestbedOptions {
  /** One-way latency of every data link, seconds. Default 0.00005 (a LAN hop). */
  linkLatencySeconds?: number;
  /**
   * Bandwidth of every link, bits per second. Default 1e9: the papers give
   * no link rate, but their 1500-byte runs at the highest rates lose nothing
   * (C7), and 10,000 packets/s of 1500 bytes is 120 Mbit/s, more than Fast
   * Ethernet carries; so Gigabit Ethernet is assumed.
   */
  linkBitsPerSecond?: number;
  /** One-way control-channel latency per hop, seconds. Default {@linkcode PAPER_TESTBED_PROFILE}.controlHopLatencySeconds. */
  controlHopLatencySeconds?: number;
}

/**
 * The paper's testbed topology: client - s1 - {s2 | s3} - s4 - server, with
 * the controller attached to s1 and s4 (see the module doc for how it was
 * reconstructed).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * const net = paperTestbedTopology();
 * deepStrictEqual(net.controller.channels.map((c) => c.hops), [1, 2, 2, 1]);
 * ```
 */
export function paperTestbedTopology(
  options: PaperTestbedOptions = {},
): Topology {
  assertKnownKeys("options", options, [
    "linkLatencySeconds",
    "linkBitsPerSecond",
    "controlHopLatencySeconds",
  ]);
  const latencySeconds = options.linkLatencySeconds ?? 0.00005;
  const bitsPerSecond = options.linkBitsPerSecond ?? 1e9;
  const switches: Switch[] = [
    { id: "s1", ports: [1, 2, 3] },
    { id: "s2", ports: [1, 2] },
    { id: "s3", ports: [1, 2] },
    { id: "s4", ports: [1, 2, 3] },
  ];
  const link = (a: string, pa: number, b: string, pb: number): Link => ({
    a: { switchId: a, port: pa },
    b: { switchId: b, port: pb },
    latencySeconds,
    bitsPerSecond,
  });
  const links = [
    link("s1", 2, "s2", 1),
    link("s1", 3, "s3", 1),
    link("s2", 2, "s4", 2),
    link("s3", 2, "s4", 3),
  ];
  return topology({
    switches,
    links,
    hosts: [
      {
        id: "client",
        ipv4: "10.0.0.1",
        switchId: "s1",
        port: 1,
        latencySeconds,
        bitsPerSecond,
      },
      {
        id: "server",
        ipv4: "10.0.0.2",
        switchId: "s4",
        port: 1,
        latencySeconds,
        bitsPerSecond,
      },
    ],
    controller: {
      id: "controller",
      channels: inBandChannels(switches, links, {
        attachedTo: ["s1", "s4"],
        perHopLatencySeconds: options.controlHopLatencySeconds ??
          PAPER_TESTBED_PROFILE.controlHopLatencySeconds,
      }),
    },
  });
}

/**
 * The old path (through s2, the former Physical Node A), client to server.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { PAPER_OLD_PATH } from "@vnmig/vnmig/openflow";
 * deepStrictEqual(PAPER_OLD_PATH, ["s1", "s2", "s4"]);
 * ```
 */
export const PAPER_OLD_PATH: readonly string[] = ["s1", "s2", "s4"];
/**
 * The new path (through s3, the former Physical Node B), client to server.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { PAPER_NEW_PATH } from "@vnmig/vnmig/openflow";
 * deepStrictEqual(PAPER_NEW_PATH, ["s1", "s3", "s4"]);
 * ```
 */
export const PAPER_NEW_PATH: readonly string[] = ["s1", "s3", "s4"];

// Pairs whose virtual client addresses fit 10.1.0.0 to 10.255.255.255.
const MAX_FLOW_PAIRS = 255 * 65536;

/** Options of {@linkcode paperTestbedMigrations}. */
export interface PaperMigrationOptions {
  /**
   * Client/server flow pairs to move, 1..16711680. Pair 0 uses the hosts'
   * addresses; pair i > 0 a virtual client-side address
   * 10.(1 + i / 65536).(i / 256 % 256).(i % 256), as traffic from
   * many sources behind the client. Default 1 (the paper's two flows).
   */
  flowPairs?: number;
}

/**
 * The paper's flows (client->server and server->client, for each flow pair)
 * with their old and new paths on {@linkcode paperTestbedTopology}.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { paperTestbedMigrations, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * const m = paperTestbedMigrations(paperTestbedTopology());
 * deepStrictEqual(m.map((x) => x.flow.id), ["client->server", "server->client"]);
 * ```
 */
export function paperTestbedMigrations(
  net: Topology,
  options: PaperMigrationOptions = {},
): FlowMigration[] {
  assertKnownKeys("options", options, ["flowPairs"]);
  const pairs = options.flowPairs ?? 1;
  // Pair i's virtual address is 10.(1 + i / 65536)...: the second octet
  // stays at most 255.
  assertInteger("flowPairs", pairs, 1, MAX_FLOW_PAIRS);
  const forward: Flow = flow(net, "client", "server");
  const backward: Flow = flow(net, "server", "client");
  const out: FlowMigration[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i === 0) {
      out.push(
        ...bidirectionalMigrations(
          forward,
          backward,
          PAPER_OLD_PATH,
          PAPER_NEW_PATH,
        ),
      );
      continue;
    }
    const virtual = `10.${1 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}`;
    out.push(
      ...bidirectionalMigrations(
        {
          ...forward,
          id: `${forward.id}#${i}`,
          match: { ...forward.match, ipv4Src: virtual },
        },
        {
          ...backward,
          id: `${backward.id}#${i}`,
          match: { ...backward.match, ipv4Dst: virtual },
        },
        PAPER_OLD_PATH,
        PAPER_NEW_PATH,
      ),
    );
  }
  return out;
}

/**
 * The entries installed before the migration on the paper testbed: both
 * flows over the old path (what the NOX application sets up at start).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { paperTestbedInitialEntries, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * deepStrictEqual(paperTestbedInitialEntries(paperTestbedTopology()).length, 6);
 * ```
 */
export function paperTestbedInitialEntries(
  net: Topology,
  options: Pick<PlanOptions, "matchInPort"> & PaperMigrationOptions = {},
): FlowEntry[] {
  assertKnownKeys("options", options, ["matchInPort", "flowPairs"]);
  const { flowPairs, ...plan } = options;
  return initialEntries(net, paperTestbedMigrations(net, { flowPairs }), plan);
}

/**
 * The migration plan on the paper testbed for an ordering (default the
 * paper's).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { paperTestbedPlan, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * const plan = paperTestbedPlan(paperTestbedTopology());
 * deepStrictEqual(plan.phases.map((p) => p.name), ["install new path", "redirect s1, s4", "delete old path"]);
 * ```
 */
export function paperTestbedPlan(
  net: Topology,
  ordering: Ordering = "paper",
  options: Omit<PlanOptions, "ordering"> & PaperMigrationOptions = {},
): MigrationPlan {
  assertKnownKeys("options", options, [
    "matchInPort",
    "versionVlanVid",
    "flowPairs",
  ]);
  const { flowPairs, ...plan } = options;
  return planMigration(net, paperTestbedMigrations(net, { flowPairs }), {
    ...plan,
    ordering,
  });
}

/**
 * Builds a model {@linkcode Topology} out of Open vSwitch bridges, veth
 * pairs and network namespaces: one bridge per switch (OpenFlow port numbers
 * exactly as in the model, via ofport_request), one veth pair per link, one
 * namespace per host with a /32 address, a host route and static neighbour
 * entries for every other host, so no ARP is needed and only IPv4 entries
 * matter.
 *
 * @module
 */

import type { Topology } from "../../openflow/topology.ts";
import type { OvsHarness } from "./harness.ts";

/** Names and ids of what {@linkcode buildNetwork} created. */
export interface TestbedNetwork {
  /** Bridge name per switch id. */
  readonly bridgeOf: ReadonlyMap<string, string>;
  /** Datapath id per switch id. */
  readonly datapathIdOf: ReadonlyMap<string, bigint>;
  /** Namespace per host id. */
  readonly namespaceOf: ReadonlyMap<string, string>;
  /** The root-namespace interface behind "switchId:port". */
  readonly interfaceOf: ReadonlyMap<string, string>;
  /** MAC address per host id. */
  readonly macOf: ReadonlyMap<string, string>;
}

/**
 * The key of {@linkcode TestbedNetwork.interfaceOf}.
 *
 * @example
 * ```ts
 * import { portKey } from "@vnmig/vnmig/testbed";
 * if (portKey("s1", 2) !== "s1:2") throw new Error();
 * ```
 */
export function portKey(switchId: string, port: number): string {
  return `${switchId}:${port}`;
}

function hostMac(index: number): string {
  const hex = (index + 1).toString(16).padStart(4, "0");
  return `02:00:00:00:${hex.slice(0, 2)}:${hex.slice(2)}`;
}

/**
 * Creates the bridges (connected to the controller on 127.0.0.1:controllerPort),
 * links and hosts of `topology` in `harness`.
 *
 * @example
 * ```ts ignore
 * import { paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { buildNetwork, OpenFlowController, OvsHarness } from "@vnmig/vnmig/testbed";
 * const harness = await OvsHarness.start();
 * const controller = OpenFlowController.listen();
 * try {
 *   const net = await buildNetwork(harness, paperTestbedTopology(), controller.port);
 *   await controller.waitForSwitches([...net.datapathIdOf.values()]);
 * } finally {
 *   controller.close();
 *   await harness.teardown();
 * }
 * ```
 */
export async function buildNetwork(
  harness: OvsHarness,
  topology: Topology,
  controllerPort: number,
): Promise<TestbedNetwork> {
  const bridgeOf = new Map<string, string>();
  const datapathIdOf = new Map<string, bigint>();
  const namespaceOf = new Map<string, string>();
  const interfaceOf = new Map<string, string>();
  const macOf = new Map<string, string>();
  for (const [i, sw] of topology.switches.entries()) {
    // A recognisable datapath id: 0x766e6d (ASCII "vnm") then the index.
    const datapathId = (0x766e6dn << 32n) + BigInt(i + 1);
    const bridge = await harness.addBridge(`b${i}`, {
      datapathId,
      controllerPort,
    });
    bridgeOf.set(sw.id, bridge);
    datapathIdOf.set(sw.id, datapathId);
  }
  for (const [i, link] of topology.links.entries()) {
    const [a, b] = await harness.addVethPair(`l${i}a`, `l${i}b`);
    await harness.addPort(bridgeOf.get(link.a.switchId)!, a, link.a.port);
    await harness.addPort(bridgeOf.get(link.b.switchId)!, b, link.b.port);
    interfaceOf.set(portKey(link.a.switchId, link.a.port), a);
    interfaceOf.set(portKey(link.b.switchId, link.b.port), b);
  }
  topology.hosts.forEach((h, i) => macOf.set(h.id, hostMac(i)));
  for (const [i, host] of topology.hosts.entries()) {
    const attachment = await harness.addHost({
      suffix: `h${i}`,
      bridge: bridgeOf.get(host.switchId)!,
      ofport: host.port,
      ipv4: host.ipv4,
      prefixLength: 32,
      mac: macOf.get(host.id)!,
      neighbours: topology.hosts.filter((o) => o.id !== host.id).map((o) => ({
        ipv4: o.ipv4,
        mac: macOf.get(o.id)!,
      })),
    });
    namespaceOf.set(host.id, attachment.namespace);
    interfaceOf.set(
      portKey(host.switchId, host.port),
      attachment.bridgePortName,
    );
  }
  return { bridgeOf, datapathIdOf, namespaceOf, interfaceOf, macOf };
}

/**
 * The plane-separation testbed's namespaces and links (needs root): two
 * hosts (Domain 0 of host A and host B, each with a client-side, a
 * server-side and a dedicated-network bridge, and a tap port per data
 * bridge for the control relay), a client LAN and a server LAN (each a
 * learning bridge in its own namespace, the "switch" that the gratuitous
 * ARP updates, reaching both hosts), the neighbour routers on them, and the
 * migration link from A to B, shaped.
 *
 * @module
 */

import type { HostRun } from "../host/run.ts";
import { ADDRESS_PLAN, type PlaneSepScenario } from "./scenario.ts";

/** One host's Domain 0. */
export interface HostSide {
  /** Its namespace. */
  readonly namespace: string;
  /** Client-side bridge. */
  readonly clientBridge: string;
  /** Server-side bridge. */
  readonly serverBridge: string;
  /** Dedicated-network bridge. */
  readonly dedicatedBridge: string;
  /** The relay's tap ports on the client and server bridges. */
  readonly relayTaps: readonly [string, string];
  /** The host's end of the migration link. */
  readonly migrationDevice: string;
  /** Its address on the migration link. */
  readonly migrationAddress: string;
}

/** The built network. */
export interface PlaneSepNetwork {
  /** Host A (the source). */
  readonly hostA: HostSide;
  /** Host B (the destination). */
  readonly hostB: HostSide;
  /** Client neighbour's namespace and LAN interface. */
  readonly client: { readonly namespace: string; readonly device: string };
  /** Server neighbour's namespace and LAN interface. */
  readonly server: { readonly namespace: string; readonly device: string };
}

async function sysctls(
  run: HostRun,
  namespace: string,
  pairs: readonly string[],
): Promise<void> {
  await run.exec(["sysctl", "-qw", ...pairs], { namespace });
}

const QUIET = [
  "net.ipv6.conf.all.disable_ipv6=1",
  "net.ipv6.conf.default.disable_ipv6=1",
];

async function addHost(
  run: HostRun,
  tag: "a" | "b",
  migrationAddress: string,
  clientAddress: string,
  serverAddress: string,
): Promise<HostSide> {
  const ns = await run.addNamespace(`h${tag}`);
  await sysctls(run, ns, [
    ...QUIET,
    "net.ipv4.ip_forward=1",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
    // Domain 0 answers ARP only for its own addresses on the asking link.
    "net.ipv4.conf.all.arp_ignore=1",
  ]);
  const clientBridge = await run.addBridge(`h${tag}cbr`, { namespace: ns });
  const serverBridge = await run.addBridge(`h${tag}sbr`, { namespace: ns });
  const dedicatedBridge = await run.addBridge(`h${tag}dbr`, { namespace: ns });
  // The bridges forward at once and never age the router's MAC out mid-run.
  for (const b of [clientBridge, serverBridge, dedicatedBridge]) {
    await run.exec([
      "ip",
      "-n",
      ns,
      "link",
      "set",
      b,
      "type",
      "bridge",
      "ageing_time",
      "30000",
    ]);
  }
  await run.exec([
    "ip",
    "-n",
    ns,
    "addr",
    "add",
    `${clientAddress}/24`,
    "dev",
    clientBridge,
  ]);
  await run.exec([
    "ip",
    "-n",
    ns,
    "addr",
    "add",
    `${serverAddress}/24`,
    "dev",
    serverBridge,
  ]);
  await run.exec([
    "ip",
    "-n",
    ns,
    "addr",
    "add",
    `${ADDRESS_PLAN.dedicated.domain0}/24`,
    "dev",
    dedicatedBridge,
  ]);
  const relayC = await run.addTap(`h${tag}rc`, {
    namespace: ns,
    master: clientBridge,
  });
  const relayS = await run.addTap(`h${tag}rs`, {
    namespace: ns,
    master: serverBridge,
  });
  return {
    namespace: ns,
    clientBridge,
    serverBridge,
    dedicatedBridge,
    relayTaps: [relayC, relayS],
    migrationDevice: run.name(`h${tag}m`),
    migrationAddress,
  };
}

/**
 * Creates the namespaces, bridges and links (see the module doc) and the
 * addresses; no daemon runs yet.
 */
export async function buildNetwork(
  run: HostRun,
  scenario: PlaneSepScenario,
): Promise<PlaneSepNetwork> {
  const plan = ADDRESS_PLAN;
  const hostA = await addHost(
    run,
    "a",
    plan.migration.hostA,
    plan.clientLan.hostA,
    plan.serverLan.hostA,
  );
  const hostB = await addHost(
    run,
    "b",
    plan.migration.hostB,
    plan.clientLan.hostB,
    plan.serverLan.hostB,
  );
  // The migration link, shaped from A to B (the migration stream's way).
  await run.addVethPair("ham", "hbm", {
    namespaceA: hostA.namespace,
    namespaceB: hostB.namespace,
    mtu: 1500,
  });
  await run.exec([
    "ip",
    "-n",
    hostA.namespace,
    "addr",
    "add",
    `${plan.migration.hostA}/24`,
    "dev",
    hostA.migrationDevice,
  ]);
  await run.exec([
    "ip",
    "-n",
    hostB.namespace,
    "addr",
    "add",
    `${plan.migration.hostB}/24`,
    "dev",
    hostB.migrationDevice,
  ]);
  await run.shapeEgress(hostA.migrationDevice, {
    namespace: hostA.namespace,
    rateBitsPerSecond: scenario.linkBitsPerSecond,
  });

  // The two LANs: a learning bridge each, reaching the neighbour and both hosts.
  const lans: { namespace: string; device: string }[] = [];
  for (const side of ["c", "s"] as const) {
    const lan = await run.addNamespace(`l${side}`);
    await sysctls(run, lan, QUIET);
    const bridge = await run.addBridge(`l${side}br`, { namespace: lan });
    const hostBridge = (h: HostSide) =>
      side === "c" ? h.clientBridge : h.serverBridge;
    await run.addVethPair(`l${side}a`, `ha${side}`, {
      namespaceA: lan,
      namespaceB: hostA.namespace,
      masterA: bridge,
      masterB: hostBridge(hostA),
    });
    await run.addVethPair(`l${side}b`, `hb${side}`, {
      namespaceA: lan,
      namespaceB: hostB.namespace,
      masterA: bridge,
      masterB: hostBridge(hostB),
    });
    const nbr = await run.addNamespace(`n${side}`);
    await sysctls(run, nbr, QUIET);
    const [device] = await run.addVethPair(`n${side}l`, `l${side}n`, {
      namespaceA: nbr,
      namespaceB: lan,
      masterB: bridge,
    });
    const address = side === "c"
      ? plan.clientLan.neighbour
      : plan.serverLan.neighbour;
    await run.exec([
      "ip",
      "-n",
      nbr,
      "addr",
      "add",
      `${address}/24`,
      "dev",
      device,
    ]);
    lans.push({ namespace: nbr, device });
  }
  const [client, server] = lans;
  // The data destination lives behind the server neighbour (first injected prefix).
  await run.exec([
    "ip",
    "-n",
    server.namespace,
    "addr",
    "add",
    `${plan.dataDestination}/32`,
    "dev",
    "lo",
  ]);
  // The client sends the data stream to the injected prefixes through the router.
  await run.exec([
    "ip",
    "-n",
    client.namespace,
    "route",
    "add",
    "10.128.0.0/10",
    "via",
    plan.clientLan.router,
  ]);
  return { hostA, hostB, client, server };
}

/** The MAC address of a device. */
export async function macOf(
  run: HostRun,
  namespace: string,
  device: string,
): Promise<string> {
  const out = await run.exec([
    "ip",
    "-n",
    namespace,
    "-j",
    "link",
    "show",
    "dev",
    device,
  ]);
  const mac = JSON.parse(out.stdout)[0]?.address;
  if (typeof mac !== "string") {
    throw new Error(`no MAC for ${device} in ${namespace}`);
  }
  return mac;
}

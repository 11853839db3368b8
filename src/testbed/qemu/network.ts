/**
 * The VM testbed's network, built with a {@linkcode HostRun}: two
 * "physical machines" (host A, the source, and host B, the destination:
 * one namespace each, standing for a Domain 0) with a bridge per LAN and a
 * tap per VM NIC; a fabric namespace with the two LAN switches (bridges)
 * to which the client, the server and both hosts are wired; and the
 * migration link between the hosts, a veth pair with MTU 1500 shaped by a
 * token bucket (tc tbf) in both directions. The router VM has eth0 on the
 * client LAN and eth1 on the server LAN; its MAC addresses move with it,
 * and the fabric's switches learn the new port from the unsolicited ARP it
 * sends at boot and the announce (RARP) frames QEMU sends after resume.
 *
 * ```
 * client --+                       +-- host A: brC - tap0 [VM eth0]
 *          fabric: switch C -------+            brS - tap1 [VM eth1]
 * server --+       switch S -------+-- host B: brC - tap0, brS - tap1
 *                                  host A ==== migration link (tbf) ==== host B
 * ```
 *
 * @module
 */

import type { HostRun } from "../host/run.ts";

/** Fixed addresses (every run has its own namespaces, so they never clash). */
export const VM_TESTBED_ADDRESSES = {
  clientIpv4: "10.1.0.1",
  clientMac: "02:00:00:00:01:01",
  serverIpv4: "10.2.0.1",
  serverMac: "02:00:00:00:02:01",
  vmClientSideIpv4: "10.1.0.254",
  vmClientSideMac: "52:54:00:00:01:fe",
  vmServerSideIpv4: "10.2.0.254",
  vmServerSideMac: "52:54:00:00:02:fe",
  migrationSourceIpv4: "10.9.0.1",
  migrationDestinationIpv4: "10.9.0.2",
  lanPrefixLength: 24,
} as const;

/** One physical machine: its namespace and the taps its VM's NICs use. */
export interface VmHost {
  /** Namespace (the host's Domain 0). */
  readonly namespace: string;
  /** Tap of the VM's client-side NIC (eth0). */
  readonly clientTap: string;
  /** Tap of the VM's server-side NIC (eth1). */
  readonly serverTap: string;
  /** The host's end of the migration link. */
  readonly migrationDevice: string;
  /** Its migration-link address. */
  readonly migrationIpv4: string;
}

/** What {@linkcode buildVmTestbedNetwork} created. */
export interface VmTestbedNetwork {
  /** Namespace of the traffic source. */
  readonly clientNamespace: string;
  /** Namespace of the traffic sink. */
  readonly serverNamespace: string;
  /** Namespace of the LAN switches. */
  readonly fabricNamespace: string;
  /** The source machine. */
  readonly source: VmHost;
  /** The destination machine. */
  readonly destination: VmHost;
}

/** Options of {@linkcode buildVmTestbedNetwork}. */
export interface VmNetworkOptions {
  /** Shaped rate of the migration link, bits per second (each direction). */
  readonly linkBitsPerSecond: number;
}

/** Turns IPv6 off in a namespace: no router solicitations or MLD reports among the probes. */
async function quietNamespace(run: HostRun, ns: string): Promise<void> {
  await run.exec(["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"], {
    namespace: ns,
  });
  await run.exec(
    ["sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1"],
    { namespace: ns },
  );
}

/** Learned MACs stay an hour: no entry ages out during a run. */
async function addSwitch(
  run: HostRun,
  suffix: string,
  ns: string,
): Promise<string> {
  const bridge = await run.addBridge(suffix, { namespace: ns });
  await run.exec([
    "ip",
    "-n",
    ns,
    "link",
    "set",
    bridge,
    "type",
    "bridge",
    "ageing_time",
    "360000",
  ]);
  return bridge;
}

async function addEndHost(
  run: HostRun,
  suffix: string,
  fabric: string,
  lanSwitch: string,
  ipv4: string,
  mac: string,
  routeTo: string,
  gateway: string,
  gatewayMac: string,
): Promise<string> {
  const ns = await run.addNamespace(suffix);
  await quietNamespace(run, ns);
  const [inside] = await run.addVethPair(`${suffix}v`, `f${suffix}`, {
    namespaceA: ns,
    namespaceB: fabric,
    masterB: lanSwitch,
    mtu: 1500,
  });
  const ip = (...args: string[]) => run.exec(["ip", "-n", ns, ...args]);
  await ip("link", "set", inside, "address", mac);
  await ip(
    "addr",
    "add",
    `${ipv4}/${VM_TESTBED_ADDRESSES.lanPrefixLength}`,
    "dev",
    inside,
  );
  await ip("route", "add", routeTo, "via", gateway);
  await ip(
    "neigh",
    "replace",
    gateway,
    "lladdr",
    gatewayMac,
    "dev",
    inside,
    "nud",
    "permanent",
  );
  return ns;
}

async function addHost(
  run: HostRun,
  tag: "a" | "b",
  fabric: string,
  switchC: string,
  switchS: string,
  migrationIpv4: string,
): Promise<Omit<VmHost, "migrationDevice">> {
  const ns = await run.addNamespace(`h${tag}`);
  await quietNamespace(run, ns);
  const brC = await run.addBridge(`${tag}brc`, { namespace: ns });
  const brS = await run.addBridge(`${tag}brs`, { namespace: ns });
  await run.addVethPair(`${tag}upc`, `f${tag}c`, {
    namespaceA: ns,
    namespaceB: fabric,
    masterA: brC,
    masterB: switchC,
    mtu: 1500,
  });
  await run.addVethPair(`${tag}ups`, `f${tag}s`, {
    namespaceA: ns,
    namespaceB: fabric,
    masterA: brS,
    masterB: switchS,
    mtu: 1500,
  });
  const clientTap = await run.addTap(`${tag}tap0`, {
    namespace: ns,
    master: brC,
    mtu: 1500,
  });
  const serverTap = await run.addTap(`${tag}tap1`, {
    namespace: ns,
    master: brS,
    mtu: 1500,
  });
  return { namespace: ns, clientTap, serverTap, migrationIpv4 };
}

/**
 * Creates the namespaces, switches, hosts, taps and the shaped migration
 * link of one VM testbed run inside `run` (which removes them).
 */
export async function buildVmTestbedNetwork(
  run: HostRun,
  options: VmNetworkOptions,
): Promise<VmTestbedNetwork> {
  const A = VM_TESTBED_ADDRESSES;
  const fabric = await run.addNamespace("fab");
  await quietNamespace(run, fabric);
  const switchC = await addSwitch(run, "swc", fabric);
  const switchS = await addSwitch(run, "sws", fabric);
  const clientNamespace = await addEndHost(
    run,
    "cl",
    fabric,
    switchC,
    A.clientIpv4,
    A.clientMac,
    `10.2.0.0/${A.lanPrefixLength}`,
    A.vmClientSideIpv4,
    A.vmClientSideMac,
  );
  const serverNamespace = await addEndHost(
    run,
    "sv",
    fabric,
    switchS,
    A.serverIpv4,
    A.serverMac,
    `10.1.0.0/${A.lanPrefixLength}`,
    A.vmServerSideIpv4,
    A.vmServerSideMac,
  );
  const a = await addHost(
    run,
    "a",
    fabric,
    switchC,
    switchS,
    A.migrationSourceIpv4,
  );
  const b = await addHost(
    run,
    "b",
    fabric,
    switchC,
    switchS,
    A.migrationDestinationIpv4,
  );
  const [am, bm] = await run.addVethPair("amig", "bmig", {
    namespaceA: a.namespace,
    namespaceB: b.namespace,
    mtu: 1500,
  });
  await run.exec([
    "ip",
    "-n",
    a.namespace,
    "addr",
    "add",
    `${A.migrationSourceIpv4}/30`,
    "dev",
    am,
  ]);
  await run.exec([
    "ip",
    "-n",
    b.namespace,
    "addr",
    "add",
    `${A.migrationDestinationIpv4}/30`,
    "dev",
    bm,
  ]);
  // Shape for real: QEMU's own max-bandwidth does not hold in the final round.
  await run.shapeEgress(am, {
    namespace: a.namespace,
    rateBitsPerSecond: options.linkBitsPerSecond,
  });
  await run.shapeEgress(bm, {
    namespace: b.namespace,
    rateBitsPerSecond: options.linkBitsPerSecond,
  });
  return {
    clientNamespace,
    serverNamespace,
    fabricNamespace: fabric,
    source: { ...a, migrationDevice: am },
    destination: { ...b, migrationDevice: bm },
  };
}

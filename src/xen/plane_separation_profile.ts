/**
 * The plane-separation part of the "paper testbed" profile: the costs of
 * the steps that Xen with plane separation adds to Xen's pre-copy migration
 * (interface binding, forwarding-table synchronisation, tunnel, ARP, removal
 * of the old data path) and the control traffic the router receives. The VM,
 * its dirtying and the migration link come from {@linkcode PAPER_TESTBED}.
 *
 * @module
 */

import type { ControlFlow } from "./control_plane.ts";

/** The parameters of the plane-separation steps and control traffic. */
export interface PlaneSeparationProfile {
  /** Routes in the VM's RIB copied to the destination's forwarding table. */
  readonly routeCount: number;
  /** Fixed cost of creating the destination forwarding table and opening the synchronisation session, s. */
  readonly syncFixedSeconds: number;
  /** Cost of synchronising one route (an XML message over TCP and a route insertion), s. */
  readonly syncPerRouteSeconds: number;
  /** Virtual interfaces of the router, each mapped to a physical one. */
  readonly interfaceCount: number;
  /** Fixed cost of the dynamic interface binding module (bridge and dedicated network), s. */
  readonly bindingFixedSeconds: number;
  /** Cost of binding one virtual interface to a physical interface, s. */
  readonly bindingPerInterfaceSeconds: number;
  /** Time to bring up the tunnel from the old to the new host, s. */
  readonly tunnelSetupSeconds: number;
  /** One-way latency of that tunnel, s. */
  readonly tunnelLatencySeconds: number;
  /** ARP reply sent to the neighbours forwarding to the new host, s. */
  readonly arpPropagationSeconds: number;
  /** Wait after sending the ARP reply before removing the old data path, s. */
  readonly removalWaitSeconds: number;
  /** Time to remove the old data path and free its resources, s. */
  readonly removalSeconds: number;
  /** Control packets the source Domain 0 daemon can hold. */
  readonly controlBufferPackets: number;
  /** Control bytes the source Domain 0 daemon can hold. */
  readonly controlBufferBytes: number;
  /** Control traffic the neighbours send to the router. */
  readonly controlFlows: readonly ControlFlow[];
}

/**
 * The plane-separation steps of the paper testbed.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { PAPER_PLANE_SEPARATION } from "@vnmig/vnmig/xen";
 * deepStrictEqual(PAPER_PLANE_SEPARATION.routeCount, 1000);
 * ```
 */
export const PAPER_PLANE_SEPARATION: PlaneSeparationProfile = Object.freeze({
  // Not calibrated: a modest table for a virtual network (an IGP with some
  // external prefixes). The sync cost scales with it.
  routeCount: 1000,
  // Calibrated to C5 (with syncPerRouteSeconds and the binding costs): the
  // steps plane separation adds make its total migration time about 15 s
  // longer than Xen standard's. 2 s: create the table in Domain 0, open the
  // XML-over-TCP session to the VM and fetch the RIB.
  syncFixedSeconds: 2,
  // Calibrated to C5: 10 ms per route (an XML message, its parsing and an
  // `ip route add` process per route in the prototype's daemon), so 1000
  // routes take 10 s.
  syncPerRouteSeconds: 0.01,
  // The testbed router has two data interfaces (client side, server side).
  interfaceCount: 2,
  // Calibrated to C5: 1 s to attach the VM to the dedicated network's bridge
  // in the new Domain 0.
  bindingFixedSeconds: 1,
  // Calibrated to C5: 1 s per interface (create the vif, map it to the
  // physical interface, move addresses).
  bindingPerInterfaceSeconds: 1,
  // Not calibrated: creating a GRE tunnel with `ip tunnel add` and a route.
  tunnelSetupSeconds: 0.1,
  // Not calibrated: one switched Ethernet hop plus encapsulation.
  tunnelLatencySeconds: 0.0005,
  // Not calibrated: same value as Xen standard's ARP learning (the
  // neighbours and the switch learn from the first frame).
  arpPropagationSeconds: 0.01,
  // Not calibrated: the daemon waits 1 s after the ARP reply, well above its
  // propagation, before removing the old data path.
  removalWaitSeconds: 1,
  // Not calibrated: deleting the route table and the bridge ports.
  removalSeconds: 0.1,
  // Not calibrated: a daemon queue of 512 packets / 256 KiB, ample for the
  // routing traffic below during a few seconds of hold.
  controlBufferPackets: 512,
  controlBufferBytes: 256 * 1024,
  // Not calibrated: two OSPF neighbours (client and server side) and one
  // BGP peer, Quagga's timers; sizes are IP packet sizes.
  controlFlows: Object.freeze([
    {
      // IP 20 + OSPF header 24 + hello 20 + one neighbour ID 4.
      name: "OSPF hello (neighbour 1)",
      protocol: "ospf",
      arrival: "periodic",
      packetsPerSecond: 1 / 10,
      packetSizeBytes: 68,
      phaseSeconds: 3.7,
    },
    {
      name: "OSPF hello (neighbour 2)",
      protocol: "ospf",
      arrival: "periodic",
      packetsPerSecond: 1 / 10,
      packetSizeBytes: 68,
      phaseSeconds: 8.2,
    },
    {
      // Link-state updates and acknowledgements, a few per minute.
      name: "OSPF LSU/LSAck",
      protocol: "ospf",
      arrival: "poisson",
      packetsPerSecond: 0.2,
      packetSizeBytes: 120,
      seed: 11,
    },
    {
      // IP 20 + TCP 20 + BGP keepalive 19.
      name: "BGP keepalive",
      protocol: "bgp",
      arrival: "periodic",
      packetsPerSecond: 1 / 60,
      packetSizeBytes: 59,
      phaseSeconds: 17,
    },
    {
      name: "BGP update",
      protocol: "bgp",
      arrival: "poisson",
      packetsPerSecond: 2,
      packetSizeBytes: 150,
      seed: 12,
    },
  ] as ControlFlow[]),
});

/**
 * vnmig: model, simulate and measure the live migration of virtual routers
 * and virtual networks: Xen pre-copy migration of a router VM, Xen with
 * data/control plane separation, and OpenFlow flow migration.
 *
 * @example
 * ```ts
 * import { cbrStream, countFates, outage, pathElement } from "@vnmig/vnmig";
 * // A 10,000 packets/s stream through a router that is down for 0.5 s.
 * const stream = cbrStream({ packetsPerSecond: 10_000, endSeconds: 2 });
 * const router = pathElement({ name: "router", changes: outage(1, 1.5) });
 * console.log(countFates(stream, [router]).lostPackets); // 5000
 * ```
 *
 * @module
 */

export * from "./src/random.ts";
export * from "./src/traffic/mod.ts";
export * from "./src/plot/mod.ts";
export * from "./src/sweep/mod.ts";
export * from "./src/reproduce/mod.ts";
export * from "./src/xen/mod.ts";
export * from "./src/openflow/mod.ts";
export * from "./src/testbed/mod.ts";

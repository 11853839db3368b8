/**
 * vnmig: model, simulate and measure the live migration of virtual routers
 * and virtual networks: Xen pre-copy migration of a router VM, Xen with
 * data/control plane separation, and OpenFlow flow migration, each
 * answering in one outcome shape ({@linkcode MigrationOutcome}).
 *
 * The root module holds the names users call. Each area is also its own
 * entry point, lighter to load: `@vnmig/vnmig/traffic`, `/precopy`, `/xen`,
 * `/openflow`, `/vnet`, `/mechanisms`, `/migration`, `/stats`, `/sweep`,
 * `/plot`, `/reproduce`; the real testbeds (root, Linux) are
 * `@vnmig/vnmig/testbed` and the OpenFlow 1.3 codec `/openflow13`.
 * Plotting loads lazily: figure functions return promises.
 *
 * @example
 * ```ts
 * import { cbrStream, countFates, MECHANISMS, outage, pathElement } from "@vnmig/vnmig";
 * // A 10,000 packets/s stream through a router that is down for 0.5 s.
 * const stream = cbrStream({ packetsPerSecond: 10_000, endSeconds: 2 });
 * const router = pathElement({ name: "router", changes: outage(1, 1.5) });
 * if (countFates(stream, [router]).lostPackets !== 5000) throw new Error();
 * // Every mechanism answers in the same shape.
 * const lost = MECHANISMS.map((m) => m.migrate({ packetsPerSecond: 5000 }).data.lostPackets);
 * if (!(lost[0] > 0 && lost[1] === 0 && lost[2] === 0)) throw new Error();
 * ```
 *
 * @module
 */

export * from "./src/random.ts";
export * from "./src/migration/mod.ts";
export * from "./src/mechanisms/mod.ts";
export * from "./src/traffic/mod.ts";
export * from "./src/precopy/mod.ts";
export * from "./src/xen/mod.ts";
export * from "./src/openflow/mod.ts";
export * from "./src/vnet/mod.ts";
export * from "./src/stats/mod.ts";
export * from "./src/sweep/mod.ts";
export * from "./src/plot/mod.ts";
export * from "./src/reproduce/mod.ts";

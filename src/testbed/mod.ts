/**
 * Testbeds: applications of the models on real systems. `udp/` holds the
 * probe tools every testbed uses (probe format, sender and receiver
 * programs, the receiver's tally, the kernel's socket drop count); `ovs/`
 * the Open vSwitch testbed, which runs the OpenFlow model's migration
 * plans on real switches with real traffic and compares each run with the
 * model's prediction of the same scenario. Host resources (namespaces,
 * links, processes, run registry, clean) are `@vnmig/vnmig/testbed/host`;
 * the OpenFlow 1.3 codec is `@vnmig/vnmig/openflow13`.
 *
 * Everything pure here (the scenario, the analysis of a recording, the
 * prediction, the probe format and tally, rows and figures) runs anywhere;
 * running a testbed needs root and the packages it names.
 *
 * @example
 * ```ts
 * import { paperOvsScenario, predictOvsMigration } from "@vnmig/vnmig/testbed";
 * const predicted = predictOvsMigration(paperOvsScenario({ packetsPerSecond: 2000 }));
 * if (predicted.data.lostPackets !== 0 || predicted.downtimeSeconds !== 0) throw new Error();
 * ```
 *
 * @module
 */

export * from "./udp/mod.ts";
export * from "./ovs/mod.ts";

/**
 * The registry of migration mechanisms: what the reproduction, the "which
 * mechanism" notebook and the testbeds' predictions iterate over. Each
 * entry answers in the shared {@linkcode MigrationOutcome} contract.
 *
 * Adding a mechanism: write its model in its area (a function of an options
 * object extending {@linkcode MigrationScenario} that returns a result
 * extending {@linkcode MigrationOutcome}), export a {@linkcode Mechanism}
 * value beside it, and add that value to {@linkcode MECHANISMS} here.
 *
 * @example
 * ```ts
 * import { MECHANISMS } from "@vnmig/vnmig/mechanisms";
 * const lost = MECHANISMS.map((m) => m.migrate({ packetsPerSecond: 5000 }).data.lostPackets);
 * if (!(lost[0] > 0 && lost[1] === 0 && lost[2] === 0)) throw new Error();
 * ```
 *
 * @module
 */

import type { Mechanism, MigrationScenario } from "../migration/mechanism.ts";
import type { MigrationOutcome } from "../migration/outcome.ts";
import { OPENFLOW } from "../openflow/migration.ts";
import { PLANE_SEPARATION } from "../xen/plane_separation.ts";
import { XEN_STANDARD } from "../xen/standard.ts";

export type { Mechanism, MigrationOutcome, MigrationScenario };
export { OPENFLOW, PLANE_SEPARATION, XEN_STANDARD };

/** Every mechanism, in the papers' order. */
export const MECHANISMS: readonly Mechanism[] = Object.freeze([
  XEN_STANDARD,
  PLANE_SEPARATION,
  OPENFLOW,
]);

/** The ids of {@linkcode MECHANISMS}, in order. */
export const MECHANISM_IDS: readonly string[] = Object.freeze(
  MECHANISMS.map((m) => m.id),
);

/**
 * The mechanism with an id; an unknown id is an error that lists the known
 * ones.
 *
 * @example
 * ```ts
 * import { mechanismById } from "@vnmig/vnmig/mechanisms";
 * if (mechanismById("openflow").label !== "OpenFlow") throw new Error();
 * ```
 */
export function mechanismById(id: string): Mechanism {
  const found = MECHANISMS.find((m) => m.id === id);
  if (!found) {
    throw new RangeError(
      `mechanism must be one of ${
        MECHANISM_IDS.map((i) => JSON.stringify(i)).join(", ")
      }; got ${JSON.stringify(id)}`,
    );
  }
  return found;
}

/**
 * A migration mechanism as the registry holds it: an id, how figures show
 * it, and the model that migrates. Every mechanism takes the common
 * scenario inputs (rate, size, seed) beside its own options and answers in
 * the {@linkcode MigrationOutcome} contract, so code that iterates over the
 * registry (the reproduction, the "which mechanism" notebook, the
 * testbeds' predictions) needs no per-mechanism adapter.
 *
 * @module
 */

import { assertPositive } from "../_validate.ts";
import { deriveSeed, randomLcg } from "../random.ts";
import type { MigrationOutcome } from "./outcome.ts";

/** The inputs every mechanism takes, whatever else it takes. */
export interface MigrationScenario {
  /** Data packets per second through the migrated router or flows. Default 1000. */
  readonly packetsPerSecond?: number;
  /** Data packet size, bytes. Default 64. */
  readonly packetSizeBytes?: number;
  /** Seed of the run's variation (the trigger's phase against the stream, random dirtying, installation times); without one a mechanism uses its nominal values. Default none. */
  readonly seed?: number;
}

/** A mechanism of the registry. */
export interface Mechanism<
  O extends MigrationScenario = MigrationScenario,
  R extends MigrationOutcome = MigrationOutcome,
> {
  /** Stable id, used in CSV rows and outcomes ("xen-standard"). */
  readonly id: string;
  /** Name in figures and tables ("Xen standard"). */
  readonly label: string;
  /** One sentence: what the mechanism does. */
  readonly summary: string;
  /** Colour of its series in every figure (CSS colour). */
  readonly color: string;
  /** Symbol of its series in every figure (an Observable Plot symbol name). */
  readonly symbol: string;
  /** Runs the model: its own options, the scenario's among them. */
  readonly migrate: (options?: O) => R;
}

/**
 * The phase of a migration trigger against a stream, from a run's seed: a
 * uniform offset in [0, 1 / packetsPerSecond), so that seeded runs meet
 * the packet clock at different points (the run-to-run variation of a real
 * experiment, whose trigger is not synchronised with its sender). Without a
 * seed, 0: the trigger falls where the caller put it.
 *
 * @example
 * ```ts
 * import { triggerPhaseSeconds } from "@vnmig/vnmig/migration";
 * const offset = triggerPhaseSeconds(7, 1000);
 * if (!(offset >= 0 && offset < 0.001)) throw new Error();
 * if (triggerPhaseSeconds(undefined, 1000) !== 0) throw new Error();
 * ```
 */
export function triggerPhaseSeconds(
  seed: number | undefined,
  packetsPerSecond: number,
): number {
  if (seed === undefined) return 0;
  assertPositive("packetsPerSecond", packetsPerSecond);
  return randomLcg(deriveSeed(seed, TRIGGER_STREAM))() / packetsPerSecond;
}

// The derived-seed index of the trigger phase, apart from other draws.
const TRIGGER_STREAM = 0x7219;

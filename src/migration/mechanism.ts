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

import type { MigrationOutcome } from "./outcome.ts";

/** The inputs every mechanism takes, whatever else it takes. */
export interface MigrationScenario {
  /** Data packets per second through the migrated router or flows. Default 1000. */
  readonly packetsPerSecond?: number;
  /** Data packet size, bytes. Default 64. */
  readonly packetSizeBytes?: number;
  /** Seed of the run's variation (trigger phase, dirtying, installation times). Default 0. */
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

/**
 * The engine's record of one iterative round and the reasons a migration
 * ends without converging: the types the round loop (`_run.ts`) writes and
 * the engine's result (`engine.ts`) returns.
 *
 * @module
 */

/** One iterative round. */
export interface PrecopyRound {
  /** 1 for the first round. */
  readonly index: number;
  /** Start, seconds after the trigger. */
  readonly startSeconds: number;
  /** Duration, seconds. */
  readonly durationSeconds: number;
  /** Sending rate of the round, bits/s. */
  readonly bitsPerSecond: number;
  /** Pages sent (fluid accounting: may be fractional). */
  readonly pagesSent: number;
  /** Pages of the to-send set skipped because written again (Xen). */
  readonly pagesSkipped: number;
  /** Distinct pages the guest dirtied during the round. */
  readonly pagesDirtied: number;
  /** Pages pending at the round's end: what the next round sends (or stop-and-copy does), without the page-flipped RX buffers. */
  readonly pagesPending: number;
  /** Bytes sent on the wire. */
  readonly bytesSent: number;
  /** The threshold the policy compared the pending bytes with, bytes (0 when it has none). */
  readonly thresholdBytes: number;
  /** The guest's speed during the round (1; less when auto-converge throttles it). */
  readonly guestSpeed: number;
}

/** Why a migration that did not converge was abandoned (see the module doc). */
export type NonConvergence =
  | "time-out"
  | "round-limit"
  | "steady-state"
  | "cannot-stop"
  | "simulation-budget";

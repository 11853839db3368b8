/**
 * The pre-copy engine shared by the Xen models and the QEMU testbed's
 * predictions: rounds under a stop policy (Xen 4.0, QEMU 7.2, SimGrid
 * 3.32, or one composed from their conditions), a dirtying model (hot set,
 * round-robin and uniform writers, forwarding buffers, a measured trace),
 * whole-page or fluid-byte accounting, non-convergence as an answer, and
 * Liu et al.'s closed form.
 *
 * @example
 * ```ts
 * import { precopyMigration, qemu, roundRobinWrites } from "@vnmig/vnmig/precopy";
 * // QEMU 7.2: 256 MiB - 8 KiB with 23,000 non-zero pages over 100 Mbit/s,
 * // a process writing 2000 pages/s round-robin over 64 MiB.
 * const r = precopyMigration({
 *   policy: qemu({ downtimeLimitSeconds: 0.3 }),
 *   memoryPages: 65534,
 *   nonZeroPages: 23_000,
 *   linkBitsPerSecond: 100e6,
 *   dirty: roundRobinWrites({ pagesPerSecond: 2000, workingSetPages: 16384 }),
 * });
 * if (!r.converged || r.stopReasons[0] !== "pending-below-threshold") throw new Error();
 * // Round 1 sends every page (the zero ones at 9 bytes each), later rounds
 * // what the sweep dirtied; the per-round figures a testbed measures.
 * if (r.rounds[0].pagesSent !== 65534) throw new Error();
 * if (r.rounds[0].bytesSent !== 23_000 * 4104 + 42_534 * 9) throw new Error();
 * if (!r.rounds.every((x) => x.pagesDirtied <= 16384)) throw new Error();
 * if (!(r.downtimeSeconds < 0.5)) throw new Error(String(r.downtimeSeconds));
 * ```
 *
 * @module
 */

export {
  type NonConvergence,
  type PrecopyLimits,
  precopyMigration,
  type PrecopyOptions,
  type PrecopyResult,
  type PrecopyRound,
} from "./engine.ts";
export {
  type AutoConverge,
  checkPolicy,
  composePolicy,
  type DirtiedBelow,
  type MaxFactor,
  type MaxIters,
  type PendingBelowThreshold,
  POLICIES,
  QEMU,
  qemu,
  QEMU_AUTO_CONVERGE,
  QEMU_MAX_BANDWIDTH_BYTES_PER_SECOND,
  type QemuOptions,
  type RateIsMax,
  type RoundEnd,
  type SentAndSkippedBelow,
  SIMGRID,
  simgrid,
  type SimgridOptions,
  STOP_REASONS,
  type StopCondition,
  type StopPolicy,
  type StopReason,
  XEN4,
  xen4,
  type Xen4Options,
  XEN_RATE_LIMITER,
  type XenRateLimiter,
} from "./policy.ts";
export {
  type Accounting,
  type DirtyComponent,
  type DirtyLayout,
  dirtyLayout,
  type DirtyLayoutOptions,
  type DirtyRegion,
  type DirtyTrace,
  dirtyTrace,
  type ForwardingBuffers,
  forwardingBuffers,
  type HotSet,
  hotSet,
  type Netfront,
  type RoundRobinWrites,
  roundRobinWrites,
  type UniformWrites,
  uniformWrites,
  uniqueDirtyPages,
  type Writer,
  XEN_RX_RING_PAGES,
} from "./dirty.ts";
export {
  type ClosedFormInputs,
  type ClosedFormOptions,
  closedFormPrecopy,
  type ClosedFormResult,
  type ClosedFormRounds,
  closedFormRounds,
  type ClosedFormRoundsOptions,
  type LinkPagesOptions,
  linkPagesPerSecond,
} from "./closed_form.ts";

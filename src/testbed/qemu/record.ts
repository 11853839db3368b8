/**
 * What one VM testbed run records, raw: the input of the pure analysis
 * ({@linkcode analyzeVmRun}). All instants are host wall-clock
 * milliseconds since the Unix epoch: QEMU's event timestamps and the UDP
 * probes' send and arrival times share that clock.
 *
 * @module
 */

import type { ResolvedVmScenario } from "./scenario.ts";

/** One `query-migrate` reply on the source, condensed. */
export interface MigrationSample {
  /** When the reply came, ms. */
  readonly atMs: number;
  /** QEMU's status ("setup", "active", "device", "completed", "cancelled", "failed"...). */
  readonly status: string;
  /** ram.transferred, bytes. */
  readonly transferredBytes: number;
  /** ram.remaining, bytes (dirty bytes still to send). */
  readonly remainingBytes: number;
  /** ram.duplicate: zero pages sent. */
  readonly zeroPages: number;
  /** ram.normal: whole pages sent. */
  readonly normalPages: number;
  /** ram.dirty-sync-count: bitmap syncs so far. */
  readonly dirtySyncCount: number;
  /** ram.dirty-pages-rate: pages dirtied per second over the last sync period, as QEMU computed it. */
  readonly dirtyPagesRate: number;
  /** ram.mbps: QEMU's send-rate estimate, Mbit/s. */
  readonly mbps: number;
  /** cpu-throttle-percentage (auto-converge), 0 when none. */
  readonly cpuThrottlePercent: number;
}

/** The final `query-migrate` figures QEMU reported. */
export interface QemuFigures {
  /** Final status. */
  readonly status: string;
  /** total-time, ms (QEMU's own measure). */
  readonly totalTimeMs: number;
  /** downtime, ms (QEMU's own: ends when the last byte enters the socket, so it underestimates the outage). */
  readonly downtimeMs: number;
  /** setup-time, ms. */
  readonly setupTimeMs: number;
  /** ram.total, bytes. */
  readonly ramTotalBytes: number;
  /** ram.transferred, bytes. */
  readonly transferredBytes: number;
  /** ram.duplicate, pages. */
  readonly zeroPages: number;
  /** ram.normal, pages. */
  readonly normalPages: number;
  /** ram.normal-bytes, bytes. */
  readonly normalBytes: number;
  /** ram.dirty-sync-count. */
  readonly dirtySyncCount: number;
  /** ram.mbps. */
  readonly mbps: number;
  /** ram.precopy-bytes where QEMU reports it, else null. */
  readonly precopyBytes: number | null;
  /** ram.downtime-bytes where QEMU reports it, else null. */
  readonly downtimeBytes: number | null;
}

/** A bitmap sync (QMP MIGRATION_PASS event) and the source's counters sampled just after it. */
export interface SyncRecord {
  /** Pass number (QEMU's dirty-sync-count). */
  readonly pass: number;
  /** Event time, ms. */
  readonly atMs: number;
  /** The sample taken on the event (its atMs is a few ms later), or null when none was taken. */
  readonly sample: MigrationSample | null;
}

/** What was measured before (or outside) the migration: the prediction's inputs. */
export interface PreMigrationMeasurements {
  /** Guest pages that held data when the guest was ready (pmemsave of the source, before traffic). */
  readonly nonZeroPages: number;
  /** Guest pages in all. */
  readonly totalPages: number;
  /** TCP goodput of the shaped migration link, bytes per second (link_probe.ts). */
  readonly linkGoodputBytesPerSecond: number;
  /** Boot to the guest's ready line, seconds. */
  readonly bootSeconds: number;
  /** The dirtier's own progress lines on the source console before the trigger: pages written per second achieved (null: idle router or no line yet). */
  readonly dirtierAchievedPagesPerSecond: number | null;
}

/** The RAM check: both sides dumped with pmemsave and compared page by page. */
export interface RamCheckRecord {
  /** Pages compared. */
  readonly pages: number;
  /** Pages that differ. */
  readonly differingPages: number;
  /** First differing pages. */
  readonly firstDifferingPages: readonly number[];
  /** The destination was held paused from its completion to `cont` for this long, seconds. */
  readonly holdSeconds: number;
}

/** The raw record of one run. */
export interface VmRunRecord {
  /** The scenario, defaults applied. */
  readonly scenario: ResolvedVmScenario;
  /** Run label (the run's name prefix). */
  readonly runLabel: string;
  /** ISO time the run started. */
  readonly startedAt: string;
  /** QEMU version from the QMP greeting. */
  readonly qemuVersion: string;
  /** Guest kernel package and version. */
  readonly kernelPackage: string;
  /** Guest image hash. */
  readonly imageHash: string;
  /** Inputs measured before the migration. */
  readonly measured: PreMigrationMeasurements;
  /** The `migrate` command was sent, ms. */
  readonly triggerMs: number;
  /** Source STOP event, ms (null: the guest was never stopped). */
  readonly stopMs: number | null;
  /** Destination RESUME event, ms (null: it never ran). */
  readonly resumeMs: number | null;
  /** Source MIGRATION status "completed" event, ms (null: none). */
  readonly sourceCompletedMs: number | null;
  /** Destination MIGRATION status "completed" event, ms (null: none). */
  readonly destinationCompletedMs: number | null;
  /** Source MIGRATION status events in order. */
  readonly statusEvents: readonly {
    readonly status: string;
    readonly atMs: number;
  }[];
  /** Bitmap syncs, in order. */
  readonly syncs: readonly SyncRecord[];
  /** Periodic query-migrate samples (about every 100 ms), in order. */
  readonly samples: readonly MigrationSample[];
  /** Final QEMU figures (null when QEMU gave none). */
  readonly qemu: QemuFigures | null;
  /** Whether QEMU completed the migration. */
  readonly completed: boolean;
  /** Why not ("" when it completed): "did not converge within 120 s (cancelled)", an error... */
  readonly failure: string;
  /** Probe send times by sequence number, ms. */
  readonly sentMs: readonly number[];
  /** Probe arrival times by sequence number (first arrival), ms; null: never arrived. */
  readonly arrivalMs: readonly (number | null)[];
  /** Probes that arrived more than once, and out of order. */
  readonly duplicatedPackets: number;
  /** Probes the receiver saw after a higher sequence number. */
  readonly reorderedPackets: number;
  /** Probes the sender could not send. */
  readonly sendErrors: number;
  /** The RAM check, when the scenario asked for it and the migration completed. */
  readonly ramCheck: RamCheckRecord | null;
  /** Caveats ("memory adjusted...", a console error...). */
  readonly notes: readonly string[];
}

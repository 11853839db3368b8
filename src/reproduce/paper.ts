/**
 * The papers' experiments on the "paper testbed" profile: a UDP CBR stream
 * from client to server at a sweep of data packet rates, 64- and 1500-byte
 * packets, a virtual router (or the flows) migrated mid-stream, repeated with
 * seeded run-to-run variation; for Xen standard, Xen with plane separation
 * and OpenFlow. One tidy row per run: the data behind Figs. 5, 6 and 7.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInteger,
  assertOneOf,
  assertPositive,
} from "../_validate.ts";
import { deriveSeed } from "../random.ts";
import { sweep, type SweepRow } from "../sweep/sweep.ts";
import { PAPER_TESTBED } from "../xen/paper_profile.ts";
import { PAPER_PLANE_SEPARATION } from "../xen/plane_separation_profile.ts";
import { planeSeparationMigration } from "../xen/plane_separation.ts";
import { xenStandardMigration } from "../xen/standard.ts";
import { openflowPaperRun } from "./openflow_run.ts";
import { type JitterOptions, jitterTestbed } from "./jitter.ts";

/** The three mechanisms, as the figures label them. */
export type Mechanism = "Xen standard" | "Xen plane separation" | "OpenFlow";

/** The mechanisms, in the figures' order. */
export const MECHANISMS: readonly Mechanism[] = [
  "Xen standard",
  "Xen plane separation",
  "OpenFlow",
];

/** What one migration run measured. */
export interface PaperRunResult {
  /** Downtime: the VM paused (Xen), or data packets not forwarded (OpenFlow), s. */
  readonly downtimeSeconds: number;
  /** Data packets lost. */
  readonly lostPackets: number;
  /** Data packets sent by the client. */
  readonly sentPackets: number;
  /** Trigger to the first data packet through the destination (Xen), or first to last flow-mod sent (OpenFlow), s. */
  readonly totalMigrationSeconds: number;
  /** Control packets lost (plane separation; 0 where no control packet is at risk). */
  readonly controlLostPackets: number;
  /** Control packets delayed by the migration (plane separation). */
  readonly controlDelayedPackets: number;
}

/** Options of {@linkcode paperRun}. */
export interface PaperRunOptions {
  /** Data packet size, bytes. Default 64. */
  packetSizeBytes?: number;
  /** Seed of this run's variation. Default 0. */
  seed?: number;
  /** Spread of the run-to-run variation (0 for none). Default {@linkcode DEFAULT_JITTER}. */
  jitter?: JitterOptions;
}

/**
 * One migration of the paper testbed with one mechanism at one rate.
 *
 * @example
 * ```ts
 * import { paperRun } from "@vnmig/vnmig";
 * const r = paperRun("Xen plane separation", 5000, { seed: 1 });
 * console.log(r.lostPackets, r.controlLostPackets); // 0 0
 * ```
 */
export function paperRun(
  mechanism: Mechanism,
  packetsPerSecond: number,
  options: PaperRunOptions = {},
): PaperRunResult {
  assertOneOf("mechanism", mechanism, MECHANISMS);
  const packetSizeBytes = options.packetSizeBytes ?? 64;
  const seed = options.seed ?? 0;
  const testbed = jitterTestbed(
    PAPER_TESTBED,
    PAPER_PLANE_SEPARATION,
    seed,
    options.jitter,
  );
  if (mechanism === "Xen standard") {
    const r = xenStandardMigration({
      profile: testbed.xen,
      packetsPerSecond,
      packetSizeBytes,
    });
    return {
      downtimeSeconds: r.downtimeSeconds,
      lostPackets: r.lostPackets,
      sentPackets: r.sentPackets,
      totalMigrationSeconds: r.totalMigrationSeconds,
      controlLostPackets: 0,
      controlDelayedPackets: 0,
    };
  }
  if (mechanism === "Xen plane separation") {
    const r = planeSeparationMigration({
      profile: testbed.xen,
      steps: testbed.planeSeparation,
      packetsPerSecond,
      packetSizeBytes,
    });
    return {
      downtimeSeconds: r.downtimeSeconds,
      lostPackets: r.data.lostPackets,
      sentPackets: r.data.counts.sentPackets,
      totalMigrationSeconds: r.totalMigrationSeconds,
      controlLostPackets: r.control.lostPackets,
      controlDelayedPackets: r.control.delayedPackets,
    };
  }
  return openflowPaperRun(
    packetsPerSecond,
    packetSizeBytes,
    deriveSeed(seed, 1),
  );
}

/** Options of {@linkcode paperExperiment}. */
export interface PaperExperimentOptions {
  /** Runs per (mechanism, size, rate). Default 5. */
  repetitions?: number;
  /** Base seed. Default 0. */
  seed?: number;
  /** Data packet rates, packets/s. Default the profile's. */
  packetRatesPerSecond?: readonly number[];
  /** Packet sizes, bytes. Default the profile's (64 and 1500). */
  packetSizesBytes?: readonly number[];
  /** Spread of the run-to-run variation. Default {@linkcode DEFAULT_JITTER}. */
  jitter?: JitterOptions;
  /** Progress callback (runs done, runs in all). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Every run of the papers' experiments as tidy rows: mechanism,
 * packetSizeBytes, packetsPerSecond, repetition, seed, then the
 * {@linkcode PaperRunResult} fields.
 *
 * @example
 * ```ts
 * import { paperExperiment } from "@vnmig/vnmig";
 * const rows = paperExperiment({ repetitions: 1, packetRatesPerSecond: [1000] });
 * console.log(rows.length); // 6
 * ```
 */
export function paperExperiment(
  options: PaperExperimentOptions = {},
): SweepRow[] {
  const rates = options.packetRatesPerSecond ??
    PAPER_TESTBED.packetRatesPerSecond;
  const sizes = options.packetSizesBytes ?? PAPER_TESTBED.packetSizesBytes;
  rates.forEach((r, i) => assertPositive(`packetRatesPerSecond[${i}]`, r));
  sizes.forEach((s, i) => assertAtLeast(`packetSizesBytes[${i}]`, s, 1));
  assertInteger("repetitions", options.repetitions ?? 5, 1);
  return sweep(
    {
      mechanism: [...MECHANISMS],
      packetSizeBytes: [...sizes],
      packetsPerSecond: [...rates],
    },
    ({ mechanism, packetSizeBytes, packetsPerSecond, seed }) =>
      paperRun(mechanism as Mechanism, packetsPerSecond, {
        packetSizeBytes,
        seed,
        jitter: options.jitter,
      }),
    {
      repetitions: options.repetitions ?? 5,
      seed: options.seed ?? 0,
      onProgress: options.onProgress,
    },
  );
}

/**
 * The papers' experiments on the "paper testbed" profiles: a UDP CBR stream
 * from client to server at a sweep of data packet rates, 64- and 1500-byte
 * packets, a virtual router (or the flows) migrated mid-stream, repeated
 * with seeded runs; for every mechanism of the registry. One tidy row per
 * run: the data behind Figs. 5, 6 and 7.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInteger,
  assertKnownKeys,
  assertPositive,
} from "../_validate.ts";
import { mechanismById, MECHANISMS } from "../mechanisms/mod.ts";
import type { MigrationOutcome } from "../migration/outcome.ts";
import { outcomeRow } from "../migration/row.ts";
import { sweep, type SweepRow } from "../sweep/sweep.ts";

/** The grid of the papers' experiments. */
export interface PaperExperimentGrid {
  /** Data packet rates, packets/s. */
  readonly packetRatesPerSecond: readonly number[];
  /** Data packet sizes, bytes. */
  readonly packetSizesBytes: readonly number[];
  /** Runs per (mechanism, size, rate). */
  readonly repetitions: number;
}

/**
 * The papers' grid. Their axes' values are not given: a software router of
 * 2010 forwards up to about ten thousand packets per second, and the two
 * sizes are the minimum Ethernet payload and the common MTU, as the text
 * says.
 *
 * @example
 * ```ts
 * import { PAPER_EXPERIMENT } from "@vnmig/vnmig/reproduce";
 * if (PAPER_EXPERIMENT.packetSizesBytes.join() !== "64,1500") throw new Error();
 * ```
 */
export const PAPER_EXPERIMENT: PaperExperimentGrid = Object.freeze({
  packetRatesPerSecond: Object.freeze([
    500,
    1000,
    2000,
    3000,
    4000,
    5000,
    6000,
    7000,
    8000,
    9000,
    10000,
  ]),
  packetSizesBytes: Object.freeze([64, 1500]),
  repetitions: 5,
});

/** Options of {@linkcode paperRun}. */
export interface PaperRunOptions {
  /** Data packet size, bytes. Default 64. */
  packetSizeBytes?: number;
  /** Seed of this run's variation. Default none (nominal values). */
  seed?: number;
  /** The mechanism's own options beside rate, size and seed (a profile, steps, an ordering...). Default none. */
  options?: Readonly<Record<string, unknown>>;
}

/**
 * One migration of the paper testbed with one mechanism (a registry id) at
 * one rate.
 *
 * @example
 * ```ts
 * import { paperRun } from "@vnmig/vnmig/reproduce";
 * const r = paperRun("plane-separation", 5000, { seed: 1 });
 * if (r.data.lostPackets !== 0 || r.control.lostPackets !== 0) throw new Error();
 * ```
 */
export function paperRun(
  mechanism: string,
  packetsPerSecond: number,
  options: PaperRunOptions = {},
): MigrationOutcome {
  assertKnownKeys("options", options, ["packetSizeBytes", "seed", "options"]);
  return mechanismById(mechanism).migrate({
    ...options.options,
    packetsPerSecond,
    packetSizeBytes: options.packetSizeBytes ?? 64,
    seed: options.seed,
  });
}

/** Options of {@linkcode paperExperiment}. */
export interface PaperExperimentOptions {
  /** Runs per (mechanism, size, rate). Default {@linkcode PAPER_EXPERIMENT}'s. */
  repetitions?: number;
  /** Base seed. Default 0. */
  seed?: number;
  /** Data packet rates, packets/s. Default {@linkcode PAPER_EXPERIMENT}'s. */
  packetRatesPerSecond?: readonly number[];
  /** Packet sizes, bytes. Default {@linkcode PAPER_EXPERIMENT}'s (64 and 1500). */
  packetSizesBytes?: readonly number[];
  /** Mechanism ids. Default every mechanism of the registry. */
  mechanisms?: readonly string[];
  /** Each mechanism's own options, by id (a changed profile, steps, ordering...). Default none. */
  mechanismOptions?: Readonly<
    Record<string, Readonly<Record<string, unknown>>>
  >;
  /** Common random numbers across grid points (the sweep's option). Default false. */
  commonRandomNumbers?: boolean;
  /** Progress callback (runs done, runs in all). */
  onProgress?: (done: number, total: number) => void;
}

const EXPERIMENT_KEYS: readonly (keyof PaperExperimentOptions)[] = [
  "repetitions",
  "seed",
  "packetRatesPerSecond",
  "packetSizesBytes",
  "mechanisms",
  "mechanismOptions",
  "commonRandomNumbers",
  "onProgress",
];

/**
 * Every run of the papers' experiments as tidy rows: mechanism (its id),
 * label, packetSizeBytes, packetsPerSecond, repetition, seed, then the
 * outcome's contract fields ({@linkcode outcomeRow}).
 *
 * @example
 * ```ts
 * import { paperExperiment } from "@vnmig/vnmig/reproduce";
 * const rows = paperExperiment({ repetitions: 1, packetRatesPerSecond: [1000] });
 * if (rows.length !== 6) throw new Error("3 mechanisms x 2 sizes x 1 rate");
 * ```
 */
export function paperExperiment(
  options: PaperExperimentOptions = {},
): SweepRow[] {
  assertKnownKeys("options", options, EXPERIMENT_KEYS);
  const rates = options.packetRatesPerSecond ??
    PAPER_EXPERIMENT.packetRatesPerSecond;
  const sizes = options.packetSizesBytes ?? PAPER_EXPERIMENT.packetSizesBytes;
  const ids = options.mechanisms ?? MECHANISMS.map((m) => m.id);
  rates.forEach((r, i) => assertPositive(`packetRatesPerSecond[${i}]`, r));
  sizes.forEach((s, i) => assertAtLeast(`packetSizesBytes[${i}]`, s, 1));
  ids.forEach((id) => mechanismById(id));
  assertKnownKeys(
    "mechanismOptions",
    options.mechanismOptions,
    MECHANISMS.map((m) => m.id),
  );
  const repetitions = options.repetitions ?? PAPER_EXPERIMENT.repetitions;
  assertInteger("repetitions", repetitions, 1);
  return sweep(
    {
      mechanism: [...ids],
      packetSizeBytes: [...sizes],
      packetsPerSecond: [...rates],
    },
    ({ mechanism, packetSizeBytes, packetsPerSecond, seed }) => {
      const outcome = paperRun(mechanism, packetsPerSecond, {
        packetSizeBytes,
        seed,
        options: options.mechanismOptions?.[mechanism],
      });
      const { mechanism: _id, ...fields } = outcomeRow(outcome);
      return { label: mechanismById(mechanism).label, ...fields };
    },
    {
      repetitions,
      seed: options.seed ?? 0,
      commonRandomNumbers: options.commonRandomNumbers,
      onProgress: options.onProgress,
    },
  );
}

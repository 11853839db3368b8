/**
 * Sensitivity of the claims to the profiles: each numeric value of the
 * paper testbed's Xen, plane-separation and OpenFlow profiles halved and
 * doubled, the experiment rerun, and the claims that change verdict listed,
 * so a reader sees which values the reproduction depends on (what is
 * calibrated) and which it does not.
 *
 * @module
 */

import { assertKnownKeys } from "../_validate.ts";
import { paperTestbedTopology } from "../openflow/paper_topology.ts";
import { PAPER_TESTBED_PROFILE } from "../openflow/profiles.ts";
import type { SweepRow } from "../sweep/sweep.ts";
import { PAPER_TESTBED } from "../xen/paper_profile.ts";
import { PAPER_PLANE_SEPARATION } from "../xen/plane_separation_profile.ts";
import { CLAIMS, type ClaimStatus } from "./claims.ts";
import { paperExperiment } from "./paper.ts";

/** One profile value and how to apply a changed value to the mechanisms. */
export interface ProfileValue {
  /** Where it lives, e.g. "PAPER_TESTBED.hotPages". */
  readonly name: string;
  /** Its value in the profile. */
  readonly value: number;
  /** Whether it must stay an integer (rounded when scaled). */
  readonly integer: boolean;
  /** The mechanisms' options that set it to `value`, by registry id. */
  readonly options: (
    value: number,
  ) => Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

const isInteger = (name: string, value: number) =>
  Number.isInteger(value) && !name.endsWith("Seconds");

/** Every numeric profile value the three mechanisms take. */
export function profileValues(): ProfileValue[] {
  const values: ProfileValue[] = [];
  for (const [key, value] of Object.entries(PAPER_TESTBED)) {
    if (typeof value !== "number") continue;
    values.push({
      name: `PAPER_TESTBED.${key}`,
      value,
      integer: isInteger(key, value) && key !== "linkBitsPerSecond",
      options: (v) => {
        const profile = { ...PAPER_TESTBED, [key]: v };
        return {
          "xen-standard": { profile },
          "plane-separation": { profile },
        };
      },
    });
  }
  for (const [key, value] of Object.entries(PAPER_PLANE_SEPARATION)) {
    if (typeof value !== "number") continue;
    values.push({
      name: `PAPER_PLANE_SEPARATION.${key}`,
      value,
      integer: isInteger(key, value),
      options: (v) => ({ "plane-separation": { steps: { [key]: v } } }),
    });
  }
  values.push(
    {
      name: "PAPER_TESTBED_PROFILE.controllerPerMessageSeconds",
      value: PAPER_TESTBED_PROFILE.controllerPerMessageSeconds,
      integer: false,
      options: (v) => ({
        openflow: { timing: { controllerPerMessageSeconds: v } },
      }),
    },
    {
      name: "PAPER_TESTBED_PROFILE.controlHopLatencySeconds",
      value: PAPER_TESTBED_PROFILE.controlHopLatencySeconds,
      integer: false,
      options: (v) => ({
        openflow: {
          topology: paperTestbedTopology({ controlHopLatencySeconds: v }),
        },
      }),
    },
    {
      name: "PAPER_TESTBED_PROFILE.install (min and mean)",
      value: PAPER_TESTBED_PROFILE.install.meanSeconds,
      integer: false,
      options: (v) => {
        const scale = v / PAPER_TESTBED_PROFILE.install.meanSeconds;
        return {
          openflow: {
            timing: {
              install: {
                minSeconds: PAPER_TESTBED_PROFILE.install.minSeconds * scale,
                meanSeconds: v,
              },
            },
          },
        };
      },
    },
  );
  return values;
}

/** The claims' verdicts with one profile value scaled. */
export interface SensitivityRow {
  /** The value, e.g. "PAPER_TESTBED.hotPages". */
  readonly name: string;
  /** The factor applied (0.5 or 2). */
  readonly factor: number;
  /** The value used. */
  readonly value: number;
  /** Each claim's verdict, by id. */
  readonly verdicts: Readonly<Record<string, ClaimStatus>>;
  /** The claims whose verdict differs from the unchanged profile's. */
  readonly flipped: readonly string[];
}

/** Options of {@linkcode sensitivityStudy}. */
export interface SensitivityOptions {
  /** The unchanged runs (every mechanism): their verdicts are the reference. */
  readonly rows: readonly SweepRow[];
  /** The factors. Default [0.5, 2]. */
  readonly factors?: readonly number[];
  /** Data packet rates, packets/s. Default the rates in `rows`. */
  readonly packetRatesPerSecond?: readonly number[];
  /** Packet sizes, bytes. Default the sizes in `rows`. */
  readonly packetSizesBytes?: readonly number[];
  /** Runs per point. Default 1. */
  readonly repetitions?: number;
  /** Base seed. Default 0. */
  readonly seed?: number;
  /** Progress callback (variants done, variants in all). */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Halves and doubles every profile value in turn, reruns the mechanisms that
 * take it, and lists the claims that change verdict.
 *
 * @example
 * ```ts
 * import { paperExperiment, sensitivityStudy } from "@vnmig/vnmig/reproduce";
 * const rows = paperExperiment({ repetitions: 1, packetRatesPerSecond: [1000, 5000, 10000] });
 * const study = sensitivityStudy({ rows, factors: [2] });
 * const link = study.find((r) => r.name === "PAPER_TESTBED.linkBitsPerSecond")!;
 * if (!link.flipped.includes("C2")) throw new Error("a faster link shrinks C2's gap");
 * ```
 */
export function sensitivityStudy(
  options: SensitivityOptions,
): SensitivityRow[] {
  assertKnownKeys("options", options, [
    "rows",
    "factors",
    "packetRatesPerSecond",
    "packetSizesBytes",
    "repetitions",
    "seed",
    "onProgress",
  ]);
  const { rows } = options;
  const factors = options.factors ?? [0.5, 2];
  const rates = options.packetRatesPerSecond ??
    [...new Set(rows.map((r) => r.packetsPerSecond as number))];
  const sizes = options.packetSizesBytes ??
    [...new Set(rows.map((r) => r.packetSizeBytes as number))];
  const reference = Object.fromEntries(
    CLAIMS.map((c) => [c.id, c.check({ rows }).status]),
  );
  const values = profileValues();
  const total = values.length * factors.length;
  const out: SensitivityRow[] = [];
  for (const v of values) {
    for (const factor of factors) {
      const scaled = v.integer
        ? Math.max(v.value === 0 ? 0 : 1, Math.round(v.value * factor))
        : v.value * factor;
      const mechanismOptions = v.options(scaled);
      const changed = Object.keys(mechanismOptions);
      const rerun = paperExperiment({
        mechanisms: changed,
        mechanismOptions,
        packetRatesPerSecond: rates,
        packetSizesBytes: sizes,
        repetitions: options.repetitions ?? 1,
        seed: options.seed ?? 0,
      });
      const evidence = [
        ...rows.filter((r) => !changed.includes(r.mechanism as string)),
        ...rerun,
      ];
      const verdicts = Object.fromEntries(
        CLAIMS.map((c) => [c.id, c.check({ rows: evidence }).status]),
      );
      out.push({
        name: v.name,
        factor,
        value: scaled,
        verdicts,
        flipped: CLAIMS.map((c) => c.id).filter((id) =>
          verdicts[id] !== reference[id]
        ),
      });
      options.onProgress?.(out.length, total);
    }
  }
  return out;
}

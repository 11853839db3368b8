/**
 * Run-to-run variation for the reproduced experiments. A real testbed never
 * gives the same downtime twice: the guest's dirtying varies, the migration
 * link's goodput varies with TCP, xend's setup and the ARP exchange take
 * more or less time. Each such quantity is multiplied by a log-normal factor
 * exp(sigma z), z standard normal from the run's seed: always positive,
 * median 1, spread sigma (about sigma x 100 % for small sigma).
 *
 * @module
 */

import { assertInRange } from "../_validate.ts";
import { randomLcg, randomNormal, type RandomSource } from "../random.ts";
import type { XenTestbedProfile } from "../xen/paper_profile.ts";
import type { PlaneSeparationProfile } from "../xen/plane_separation_profile.ts";

/** The spread (sigma of the log-normal factor) of each varying quantity. */
export interface JitterOptions {
  /** Hot pages of the guest (kernel and routing daemon activity). Default 0.04. */
  hotPages?: number;
  /** Background dirtying rate. Default 0.2. */
  backgroundPagesPerSecond?: number;
  /** Migration link goodput. Default 0.02. */
  linkBitsPerSecond?: number;
  /** xend setup time. Default 0.1. */
  setupSeconds?: number;
  /** Resume on the destination. Default 0.1. */
  resumeSeconds?: number;
  /** Unsolicited ARP and switch learning. Default 0.2. */
  arpLearningSeconds?: number;
  /** Forwarding-table synchronisation costs (fixed and per route). Default 0.05. */
  syncSeconds?: number;
  /** Interface binding costs. Default 0.05. */
  bindingSeconds?: number;
}

/** The default spreads. */
export const DEFAULT_JITTER: Readonly<Required<JitterOptions>> = Object.freeze({
  hotPages: 0.04,
  backgroundPagesPerSecond: 0.2,
  linkBitsPerSecond: 0.02,
  setupSeconds: 0.1,
  resumeSeconds: 0.1,
  arpLearningSeconds: 0.2,
  syncSeconds: 0.05,
  bindingSeconds: 0.05,
});

function spreads(options: JitterOptions): Required<JitterOptions> {
  const all = { ...DEFAULT_JITTER, ...options };
  for (const [name, sigma] of Object.entries(all)) {
    assertInRange(`jitter.${name}`, sigma, 0, 1);
  }
  return all;
}

const factor = (random: RandomSource, sigma: number) =>
  sigma === 0 ? 1 : Math.exp(randomNormal(random, 0, sigma));

/** A testbed as one run of it sees it. */
export interface JitteredTestbed {
  /** The Xen testbed of this run. */
  readonly xen: XenTestbedProfile;
  /** The plane-separation steps of this run. */
  readonly planeSeparation: PlaneSeparationProfile;
}

/**
 * The profiles of one run: each varying quantity multiplied by its seeded
 * log-normal factor. Spread 0 everywhere gives the profiles back unchanged.
 *
 * @example
 * ```ts
 * import { jitterTestbed, PAPER_PLANE_SEPARATION, PAPER_TESTBED } from "@vnmig/vnmig";
 * const run = jitterTestbed(PAPER_TESTBED, PAPER_PLANE_SEPARATION, 7);
 * console.log(run.xen.hotPages !== PAPER_TESTBED.hotPages); // true
 * ```
 */
export function jitterTestbed(
  xen: XenTestbedProfile,
  planeSeparation: PlaneSeparationProfile,
  seed: number,
  options: JitterOptions = {},
): JitteredTestbed {
  const s = spreads(options);
  const random = randomLcg(seed);
  const sync = factor(random, s.syncSeconds);
  const binding = factor(random, s.bindingSeconds);
  return {
    xen: {
      ...xen,
      hotPages: Math.round(xen.hotPages * factor(random, s.hotPages)),
      backgroundPagesPerSecond: xen.backgroundPagesPerSecond *
        factor(random, s.backgroundPagesPerSecond),
      linkBitsPerSecond: xen.linkBitsPerSecond *
        factor(random, s.linkBitsPerSecond),
      setupSeconds: xen.setupSeconds * factor(random, s.setupSeconds),
      resumeSeconds: xen.resumeSeconds * factor(random, s.resumeSeconds),
      arpLearningSeconds: xen.arpLearningSeconds *
        factor(random, s.arpLearningSeconds),
    },
    planeSeparation: {
      ...planeSeparation,
      syncFixedSeconds: planeSeparation.syncFixedSeconds * sync,
      syncPerRouteSeconds: planeSeparation.syncPerRouteSeconds * sync,
      bindingFixedSeconds: planeSeparation.bindingFixedSeconds * binding,
      bindingPerInterfaceSeconds: planeSeparation.bindingPerInterfaceSeconds *
        binding,
    },
  };
}

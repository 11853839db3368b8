/**
 * The "paper testbed" profile: the parameters of a router VM migrated
 * between two Xen 4.0 machines over a separate migration link, as in Pisa et
 * al.'s testbed. The papers give no memory size, link rate or dirtying
 * figures; the values below were chosen so that the mechanisms reproduce the
 * papers' claims (design notes C1, C2, C3, C7). Each value says what it was
 * calibrated to, or that it was not calibrated.
 *
 * @module
 */

import {
  type DirtyComponent,
  forwardingBuffers,
  hotSet,
  roundRobinWrites,
} from "../precopy/dirty.ts";
import type { PrecopyOptions } from "../precopy/engine.ts";

/** A Xen testbed: the router VM, its dirtying, the migration link and the network. */
export interface XenTestbedProfile {
  /** VM memory, bytes. */
  readonly memoryBytes: number;
  /** Page size, bytes. */
  readonly pageSizeBytes: number;
  /** Migration link rate, bits/s. */
  readonly linkBitsPerSecond: number;
  /** Bytes sent per page besides the page itself. */
  readonly perPageOverheadBytes: number;
  /** Trigger to the first pre-copy round, s. */
  readonly setupSeconds: number;
  /** Fixed cost of each pre-copy round, s. */
  readonly roundOverheadSeconds: number;
  /** CPU and device state sent in stop-and-copy, bytes. */
  readonly stateBytes: number;
  /** End of stop-and-copy to the VM running on the destination, s. */
  readonly resumeSeconds: number;
  /** Pages the guest writes continuously (kernel, routing software). */
  readonly hotPages: number;
  /** Background page writes per second over the cold pages. */
  readonly backgroundPagesPerSecond: number;
  /** Pages the forwarding path cycles through: `rxBufferPages` page-flipped RX buffers and the rest (slabs, socket buffers, caches), ordinary pages. */
  readonly bufferPoolPages: number;
  /** Of them, the pages that cycle as RX buffers under page flipping (unmapped while posted: Xen sends them in the final round). */
  readonly rxBufferPages: number;
  /** Distinct buffer pages one forwarded packet writes: its RX page and the rest from the pool's other pages. */
  readonly bufferPagesPerPacket: number;
  /** VM resumed to the switch forwarding to its new port (unsolicited ARP), s. */
  readonly arpLearningSeconds: number;
  /** Time a packet spends in the router VM (RX ring to TX), s. */
  readonly vmForwardingLatencySeconds: number;
  /** Packets the VM's RX ring holds. */
  readonly rxRingPackets: number;
}

/**
 * The paper testbed profile.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { PAPER_TESTBED } from "@vnmig/vnmig/xen";
 * deepStrictEqual(PAPER_TESTBED.linkBitsPerSecond, 100000000);
 * ```
 */
export const PAPER_TESTBED: XenTestbedProfile = Object.freeze({
  // Not calibrated: a small router VM of the period (Debian + Quagga). Sets
  // the length of round 1, hence the total migration time, not the downtime.
  memoryBytes: 128 * 2 ** 20,
  // x86 page.
  pageSizeBytes: 4096,
  // Calibrated with bufferPoolPages to C2: on a Fast Ethernet migration link
  // the forwarding working set (~600 pages) costs ~0.2 s of stop-and-copy.
  linkBitsPerSecond: 100e6,
  // Not calibrated: Xen sends one 8-byte PFN per page in each batch.
  perPageOverheadBytes: 8,
  // Not calibrated: xend handshake and domain creation on the destination.
  // Adds to the total migration time only.
  setupSeconds: 0.5,
  // Not calibrated: a dirty-bitmap clean-and-scan hypercall per round.
  roundOverheadSeconds: 0.0005,
  // Not calibrated: vCPU context, device state and the final PFN lists.
  stateBytes: 16_384,
  // Not calibrated: unpause and netfront reconnection on the destination.
  resumeSeconds: 0.05,
  // Calibrated to C3: with the other values it makes the data-plane outage
  // (stop-and-copy + resume + ARP learning) about 0.5 s. 730 pages (~3 MB)
  // is the kernel's and the routing daemon's continuously written memory.
  hotPages: 730,
  // Not calibrated: timers, logs and page cache of an idle router.
  backgroundPagesPerSecond: 100,
  // Calibrated to C2 (with linkBitsPerSecond): 512 RX buffer pages + 97
  // pages of sk_buff slabs, socket buffers and the route/conntrack caches =
  // 609 pages = 0.2 s at 100 Mbit/s. Bounded, so the cost saturates and
  // downtime stays flat in the packet rate (C1).
  bufferPoolPages: 609,
  // Not calibrated: under page flipping the RX ring's 256 posted buffers are
  // given away (unmapped) and as many flipped-in pages are in flight through
  // the stack and TX completion before they are posted again: 512 pages
  // cycle as RX buffers. Xen meets them unmapped (`to_fix`) and sends them
  // in the final round; the slab and cache pages are ordinary pages.
  rxBufferPages: 512,
  // Not calibrated: the RX buffer page and an sk_buff page per packet,
  // whatever the packet's size (hence C7).
  bufferPagesPerPacket: 2,
  // Not calibrated: the guest's unsolicited ARP right after resume; a
  // learning switch updates its table on the first frame.
  arpLearningSeconds: 0.01,
  // Not calibrated: interrupt coalescing and a software forwarding path.
  vmForwardingLatencySeconds: 0.0002,
  // Xen netfront RX ring size.
  rxRingPackets: 256,
});

/**
 * The dirtying of a profile's VM forwarding `forwardedPacketsPerSecond`
 * (0 for a VM whose data plane runs elsewhere, as with plane separation),
 * in page order: the hot set; the forwarding buffers (each packet lands in
 * one of `rxBufferPages` RX buffer pages, page-flipped as Xen 4.0's PV
 * netfront does, and writes `bufferPagesPerPacket - 1` of the pool's other
 * pages in turn); the background writes over every other page.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { PAPER_TESTBED, profileDirtyModel } from "@vnmig/vnmig/xen";
 * const [hot, buffers] = profileDirtyModel(PAPER_TESTBED, 0);
 * deepStrictEqual(hot, { kind: "hot-set", pages: 730 });
 * deepStrictEqual(buffers.kind === "forwarding" && buffers.packetsPerSecond, 0);
 * ```
 */
export function profileDirtyModel(
  profile: XenTestbedProfile,
  forwardedPacketsPerSecond: number,
): DirtyComponent[] {
  const rx = Math.min(profile.rxBufferPages, profile.bufferPoolPages);
  return [
    hotSet(profile.hotPages),
    forwardingBuffers({
      packetsPerSecond: forwardedPacketsPerSecond,
      netfront: "rx-flip",
      rxBufferPages: rx,
      otherBufferPages: profile.bufferPoolPages - rx,
      otherPagesPerPacket: Math.max(0, profile.bufferPagesPerPacket - 1),
    }),
    roundRobinWrites({ pagesPerSecond: profile.backgroundPagesPerSecond }),
  ];
}

/**
 * Pre-copy options for a profile's VM forwarding `forwardedPacketsPerSecond`
 * under Xen 4.0's policy as it ships (`xen4`: the limiter compiled out),
 * with `overrides` applied on top: each field given replaces the
 * profile's (a `dirty` list replaces the whole dirtying model).
 *
 * @param overrides Pre-copy options that take precedence. Default none.
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { PAPER_TESTBED, profilePrecopyOptions } from "@vnmig/vnmig/xen";
 * import { precopyMigration, xen4 } from "@vnmig/vnmig/precopy";
 * const r = precopyMigration(profilePrecopyOptions(PAPER_TESTBED, 1000));
 * deepStrictEqual(r.stopReasons, ["max-iters"]);
 * const limited = profilePrecopyOptions(PAPER_TESTBED, 1000, {
 *   policy: xen4({ adaptiveSave: true }),
 * });
 * deepStrictEqual(limited.policy !== undefined && typeof limited.policy !== "string" && limited.policy.rateLimiter?.maxMbitPerSecond, 500);
 * ```
 */
export function profilePrecopyOptions(
  profile: XenTestbedProfile,
  forwardedPacketsPerSecond: number,
  overrides: PrecopyOptions = {},
): PrecopyOptions {
  return {
    policy: "xen4",
    memoryBytes: profile.memoryBytes,
    pageSizeBytes: profile.pageSizeBytes,
    linkBitsPerSecond: profile.linkBitsPerSecond,
    perPageOverheadBytes: profile.perPageOverheadBytes,
    setupSeconds: profile.setupSeconds,
    roundOverheadSeconds: profile.roundOverheadSeconds,
    stateBytes: profile.stateBytes,
    resumeSeconds: profile.resumeSeconds,
    dirty: profileDirtyModel(profile, forwardedPacketsPerSecond),
    ...overrides,
  };
}

/**
 * How a guest dirties its memory during pre-copy: a list of dirtying
 * components, each owning a region of the VM's pages, laid out in the order
 * given from page 0 (the pages no component claims, the clean pages, come
 * last). Every component answers the questions the engine asks of a round:
 * how many distinct pages its writes touched (a page written twice counts
 * once), how many of the pages it must still send were written again
 * before the sender reached them, and which of its pages wait for the final
 * round.
 *
 * The components:
 * - {@linkcode hotSet}: pages written continuously (kernel data, the
 *   routing daemon's tables): dirty again in any interval of positive
 *   length.
 * - {@linkcode roundRobinWrites}: a cursor that writes the pages of a
 *   working set in turn at a rate (a process sweeping a buffer; also the
 *   background writes of an idle guest: logs, timers, page cache, over the
 *   cold pages). w consecutive writes touch min(W, w) distinct pages. By
 *   default the working set is every page no other component claims.
 * - {@linkcode uniformWrites}: writes at a rate to pages drawn uniformly at
 *   random from a region of M pages: the expected distinct pages in t
 *   seconds are M (1 - exp(-D t / M)) (whole-page accounting rounds it).
 * - {@linkcode forwardingBuffers}: a router forwarding packets. Each packet
 *   lands in one page of the RX ring (256 slots, one page each, in Xen's
 *   netfront), whatever its size, and writes `otherPagesPerPacket` pages of
 *   a bounded pool (sk_buff slabs, socket buffers, route and conntrack
 *   caches) in turn: the working set saturates at the pool. With
 *   `netfront: "rx-flip"` (page flipping, Xen's classic PV netfront) the RX
 *   pages are unmapped when Xen's sender scans them (`to_fix`) and are sent
 *   in the final round only, those a packet wrote since round 1 began (an
 *   RX page no packet wrote is a posted buffer, still unmapped at the
 *   close, which Xen lists rather than sends); with `"rx-copy"` (pvops
 *   netfront, virtio) they
 *   are ordinary pages. Default: `"rx-flip"` under a policy whose hypervisor
 *   flips pages (`xen4`), `"rx-copy"` otherwise: Xen 4.0's XenLinux
 *   netfront (linux-2.6.18-xen) flips by default for paravirtualised
 *   guests, which the papers' router VM is, and QEMU/KVM guests cannot flip.
 * - {@linkcode dirtyTrace}: a measured count of pages dirtied in each
 *   iterative round (e.g. a real migration's per-round counters), used as
 *   given whatever the round's length; after its last entry the last value
 *   repeats.
 *
 * Write events are exact on the model's clock (0 = the migration trigger):
 * the k-th write of a rate-r writer at k / r, k = 0, 1, ...; intervals are
 * half-open. With whole-page accounting the counts are exact integers for
 * the decimals given (see the engine's notes on exact arithmetic); with
 * fluid-byte accounting a writer's w = r t writes are a real number and
 * regions may be fractional pages.
 *
 * @module
 */

import {
  assertAtLeast,
  assertFinite,
  assertInteger,
  assertKnownKeys,
  assertOneOf,
} from "../_validate.ts";
import { eventsBefore, rationalOf } from "./_exact.ts";

/** How a page-flipping netfront receives (see the module doc). */
export type Netfront = "rx-flip" | "rx-copy";

/**
 * Whole pages (exact integer counts) or fluid bytes (real amounts, as
 * SimGrid and Liu et al.). A result names the one it used.
 *
 * @example
 * ```ts
 * import { precopyMigration } from "@vnmig/vnmig/precopy";
 * // 100 pages and 1000 bytes: whole pages round the memory up to 101,
 * // fluid bytes keep the fraction.
 * const pages = precopyMigration({ memoryBytes: 100 * 4096 + 1000 });
 * const bytes = precopyMigration({ memoryBytes: 100 * 4096 + 1000, accounting: "bytes" });
 * if (pages.accounting !== "pages" || pages.memoryPages !== 101) throw new Error();
 * if (bytes.accounting !== "bytes" || bytes.memoryPages !== 100 + 1000 / 4096) throw new Error();
 * ```
 */
export type Accounting = "pages" | "bytes";

/** Pages written continuously: dirty in any interval of positive length. */
export interface HotSet {
  /** Discriminator. */
  readonly kind: "hot-set";
  /** Pages in the hot set. */
  readonly pages: number;
}

/** A cursor writing a working set's pages in turn at a rate. */
export interface RoundRobinWrites {
  /** Discriminator. */
  readonly kind: "round-robin";
  /** Page writes per second. */
  readonly pagesPerSecond: number;
  /** Pages the cursor cycles over. Default: every page no other component claims. */
  readonly workingSetPages?: number;
}

/** Writes at a rate to uniformly random pages of a region. */
export interface UniformWrites {
  /** Discriminator. */
  readonly kind: "uniform";
  /** Page writes per second. */
  readonly pagesPerSecond: number;
  /** Pages the writes fall on. Default: every page no other component claims. */
  readonly regionPages?: number;
}

/** The network buffers of a VM that forwards packets. */
export interface ForwardingBuffers {
  /** Discriminator. */
  readonly kind: "forwarding";
  /** Packets the VM forwards per second. */
  readonly packetsPerSecond: number;
  /** RX page flipping or copying. Default: `"rx-flip"` under a page-flipping policy (xen4), else `"rx-copy"`. */
  readonly netfront?: Netfront;
  /** RX ring pages, one per slot, one written per packet. Default 256 (Xen netfront's RX ring). */
  readonly rxBufferPages?: number;
  /** Other buffer pages written per packet (slabs, socket buffers, caches), in turn. Default 0. */
  readonly otherBufferPages?: number;
  /** Distinct pages of that pool one packet writes. Default 1. */
  readonly otherPagesPerPacket?: number;
}

/** Measured pages dirtied per iterative round, used as given. */
export interface DirtyTrace {
  /** Discriminator. */
  readonly kind: "trace";
  /** Pages dirtied during iterative round 1, 2, ...; the last value repeats after the end. */
  readonly pagesPerRound: readonly number[];
}

/** One dirtying component. */
export type DirtyComponent =
  | HotSet
  | RoundRobinWrites
  | UniformWrites
  | ForwardingBuffers
  | DirtyTrace;

/**
 * Xen netfront's RX ring: 256 slots, one page each.
 *
 * @example
 * ```ts
 * import { dirtyLayout, forwardingBuffers, XEN_RX_RING_PAGES } from "@vnmig/vnmig/precopy";
 * // The default RX buffer pages of a forwarding VM.
 * const layout = dirtyLayout(1000, [forwardingBuffers({ packetsPerSecond: 1 })]);
 * if (layout.regions[0].pages !== XEN_RX_RING_PAGES) throw new Error();
 * ```
 */
export const XEN_RX_RING_PAGES: number = 256;

const KEYS: Readonly<Record<DirtyComponent["kind"], readonly string[]>> = {
  "hot-set": ["kind", "pages"],
  "round-robin": ["kind", "pagesPerSecond", "workingSetPages"],
  "uniform": ["kind", "pagesPerSecond", "regionPages"],
  "forwarding": [
    "kind",
    "packetsPerSecond",
    "netfront",
    "rxBufferPages",
    "otherBufferPages",
    "otherPagesPerPacket",
  ],
  "trace": ["kind", "pagesPerRound"],
};

/**
 * A hot set of `pages` pages, written continuously.
 *
 * @example
 * ```ts
 * import { hotSet, precopyMigration } from "@vnmig/vnmig/precopy";
 * if (hotSet(730).pages !== 730) throw new Error();
 * // Dirty again after every round, however short: under Xen's policy the
 * // 50-page test never holds and the iteration cap ends pre-copy.
 * const r = precopyMigration({ memoryPages: 32768, dirty: [hotSet(730)] });
 * if (r.stopReasons[0] !== "max-iters" || r.rounds[5].pagesSent !== 730) throw new Error();
 * ```
 */
export function hotSet(pages: number): HotSet {
  const c: HotSet = { kind: "hot-set", pages };
  checkComponent(c, "hotSet");
  return Object.freeze(c);
}

/**
 * A round-robin writer (see {@linkcode RoundRobinWrites}).
 *
 * @example
 * ```ts
 * import { dirtyLayout, roundRobinWrites, uniqueDirtyPages } from "@vnmig/vnmig/precopy";
 * // A process writing 2000 pages/s over a 64 MiB buffer.
 * const sweep = roundRobinWrites({ pagesPerSecond: 2000, workingSetPages: 16384 });
 * if (sweep.workingSetPages !== 16384) throw new Error();
 * // Every write a new page until the cursor laps the working set.
 * const layout = dirtyLayout(32768, [sweep]);
 * if (uniqueDirtyPages(layout, 0, 1).totalPages !== 2000) throw new Error();
 * if (uniqueDirtyPages(layout, 0, 10).totalPages !== 16384) throw new Error();
 * ```
 */
export function roundRobinWrites(
  options: Omit<RoundRobinWrites, "kind">,
): RoundRobinWrites {
  const c: RoundRobinWrites = { ...options, kind: "round-robin" };
  checkComponent(c, "roundRobinWrites");
  return Object.freeze(c);
}

/**
 * Uniform random writes (see {@linkcode UniformWrites}).
 *
 * @example
 * ```ts
 * import { dirtyLayout, uniformWrites, uniqueDirtyPages } from "@vnmig/vnmig/precopy";
 * // 3000 random writes/s over 4000 pages touch 4000 (1 - exp(-3000 t / 4000))
 * // distinct pages in t seconds: rounded with whole pages, exact when fluid.
 * const writes = uniformWrites({ pagesPerSecond: 3000 });
 * const unique = 4000 * (1 - Math.exp(-1.5));
 * const pages = dirtyLayout(4000, [writes]);
 * if (uniqueDirtyPages(pages, 0, 2).totalPages !== Math.round(unique)) throw new Error();
 * const fluid = dirtyLayout(4000, [writes], { accounting: "bytes" });
 * if (uniqueDirtyPages(fluid, 0, 2).totalPages !== unique) throw new Error();
 * ```
 */
export function uniformWrites(
  options: Omit<UniformWrites, "kind">,
): UniformWrites {
  const c: UniformWrites = { ...options, kind: "uniform" };
  checkComponent(c, "uniformWrites");
  return Object.freeze(c);
}

/**
 * Forwarding buffers (see {@linkcode ForwardingBuffers}).
 *
 * @example
 * ```ts
 * import { dirtyLayout, forwardingBuffers, uniqueDirtyPages } from "@vnmig/vnmig/precopy";
 * const f = forwardingBuffers({ packetsPerSecond: 5000, netfront: "rx-copy", otherBufferPages: 97 });
 * if (f.netfront !== "rx-copy") throw new Error();
 * // 10 ms: 50 packets, 50 RX pages and 50 pool pages; in 1 s the working
 * // set saturates at the 256 RX pages and the 97 of the pool.
 * const layout = dirtyLayout(1000, [f]);
 * if (uniqueDirtyPages(layout, 0, 0.01).totalPages !== 100) throw new Error();
 * if (uniqueDirtyPages(layout, 0, 1).totalPages !== 353) throw new Error();
 * ```
 */
export function forwardingBuffers(
  options: Omit<ForwardingBuffers, "kind">,
): ForwardingBuffers {
  const c: ForwardingBuffers = { ...options, kind: "forwarding" };
  checkComponent(c, "forwardingBuffers");
  return Object.freeze(c);
}

/**
 * A measured dirty trace (see {@linkcode DirtyTrace}).
 *
 * @example
 * ```ts
 * import { dirtyTrace, precopyMigration } from "@vnmig/vnmig/precopy";
 * const trace = dirtyTrace([15160, 9954, 6535]);
 * // Each round dirties the trace's count; the next sends it.
 * const r = precopyMigration({ memoryPages: 65536, dirty: trace });
 * if (r.rounds.slice(0, 3).map((x) => x.pagesDirtied).join() !== "15160,9954,6535") throw new Error();
 * if (r.rounds[1].pagesSent !== 15160 || r.rounds[3].pagesDirtied !== 6535) throw new Error();
 * ```
 */
export function dirtyTrace(pagesPerRound: readonly number[]): DirtyTrace {
  const c: DirtyTrace = {
    kind: "trace",
    pagesPerRound: Object.freeze([...pagesPerRound]),
  };
  checkComponent(c, "dirtyTrace");
  return Object.freeze(c);
}

function checkComponent(c: DirtyComponent, name: string): void {
  if (typeof c !== "object" || c === null) {
    throw new TypeError(`${name} must be a dirtying component object`);
  }
  assertOneOf(
    `${name}.kind`,
    c.kind,
    Object.keys(KEYS) as DirtyComponent["kind"][],
  );
  assertKnownKeys(name, c, KEYS[c.kind]);
  switch (c.kind) {
    case "hot-set":
      assertAtLeast(`${name}.pages`, c.pages, 0);
      break;
    case "round-robin":
      assertAtLeast(`${name}.pagesPerSecond`, c.pagesPerSecond, 0);
      if (c.workingSetPages !== undefined) {
        assertAtLeast(`${name}.workingSetPages`, c.workingSetPages, 0);
      }
      break;
    case "uniform":
      assertAtLeast(`${name}.pagesPerSecond`, c.pagesPerSecond, 0);
      if (c.regionPages !== undefined) {
        assertAtLeast(`${name}.regionPages`, c.regionPages, 0);
      }
      break;
    case "forwarding":
      assertAtLeast(`${name}.packetsPerSecond`, c.packetsPerSecond, 0);
      if (c.netfront !== undefined) {
        assertOneOf(`${name}.netfront`, c.netfront, ["rx-flip", "rx-copy"]);
      }
      if (c.rxBufferPages !== undefined) {
        assertAtLeast(`${name}.rxBufferPages`, c.rxBufferPages, 0);
      }
      if (c.otherBufferPages !== undefined) {
        assertAtLeast(`${name}.otherBufferPages`, c.otherBufferPages, 0);
      }
      if (c.otherPagesPerPacket !== undefined) {
        assertInteger(`${name}.otherPagesPerPacket`, c.otherPagesPerPacket, 0);
      }
      break;
    case "trace":
      if (!Array.isArray(c.pagesPerRound) || c.pagesPerRound.length === 0) {
        throw new RangeError(
          `${name}.pagesPerRound must be a non-empty array of page counts; got ${
            Array.isArray(c.pagesPerRound) ? "[]" : String(c.pagesPerRound)
          }`,
        );
      }
      c.pagesPerRound.forEach((v, i) =>
        assertAtLeast(`${name}.pagesPerRound[${i}]`, v, 0)
      );
      break;
  }
}

// ------------------------------------------------------------ the writers

/**
 * One writer of a resolved layout, as the engine sees it (internal: the
 * engine and the layout functions share it).
 */
export interface Writer {
  /** Which component and part ("hot-set", "round-robin", "forwarding rx", ...). */
  readonly label: string;
  /** Index of its component in the list given. */
  readonly component: number;
  /** First page of its region. */
  readonly firstPage: number;
  /** Pages of its region. */
  readonly pages: number;
  /** Forwarding buffer pages (reported apart in stop-and-copy). */
  readonly buffer: boolean;
  /** Page-flipped RX pages: never sent before the final round. */
  readonly deferred: boolean;
  /** Write events per second (Infinity: continuous; 0: none; trace: 0). */
  readonly eventsPerSecond: number;
  /** Distinct pages one write event touches. */
  readonly pagesPerEvent: number;
  /** Whether the rewritten pages of its to-send set are spread over the scan (uniform) rather than its first ones. */
  readonly spread: boolean;
  /** For a spread writer: the share of its to-send pages written again by `writes` writes. */
  share(writes: number): number;
  /** Distinct pages touched by `writes` page writes in one round (round index from 0). */
  unique(writes: number, round: number): number;
  /** Of its `toSend` pages (oldest first), those written again by `writes` writes. */
  rewritten(toSend: number, writes: number): number;
  /** The pages dirty at a round's end: `leftover` unsent ones joined with `writes` writes. */
  union(leftover: number, writes: number, round: number): number;
  /** Whether round `round`'s counts over `seconds` repeat in every later round of that length. */
  stationary(seconds: number, round: number): boolean;
}

class HotWriter implements Writer {
  readonly buffer = false;
  readonly deferred = false;
  readonly eventsPerSecond = Infinity;
  readonly pagesPerEvent = 1;
  readonly spread = false;
  constructor(
    readonly label: string,
    readonly component: number,
    readonly firstPage: number,
    readonly pages: number,
  ) {}
  unique(writes: number): number {
    return writes > 0 ? this.pages : 0;
  }
  rewritten(toSend: number, writes: number): number {
    return writes > 0 ? toSend : 0;
  }
  union(leftover: number, writes: number): number {
    return writes > 0 ? this.pages : leftover;
  }
  share(writes: number): number {
    return writes > 0 ? 1 : 0;
  }
  stationary(): boolean {
    return true;
  }
}

class SweepWriter implements Writer {
  readonly spread = false;
  constructor(
    readonly label: string,
    readonly component: number,
    readonly firstPage: number,
    readonly pages: number,
    readonly eventsPerSecond: number,
    readonly pagesPerEvent: number,
    readonly buffer: boolean,
    readonly deferred: boolean,
    private readonly fluid: boolean,
  ) {}
  unique(writes: number): number {
    return Math.min(this.pages, writes);
  }
  // The to-send pages are the last ones written before the round began, in
  // cursor order: the cursor reaches the oldest after W - n writes.
  rewritten(toSend: number, writes: number): number {
    return Math.min(toSend, Math.max(0, writes - (this.pages - toSend)));
  }
  // The leftover is the newest of them, just behind the cursor: joined with
  // the new writes it stays one run of pages ending at the cursor.
  union(leftover: number, writes: number): number {
    return Math.min(this.pages, leftover + writes);
  }
  share(writes: number): number {
    return this.pages > 0 ? Math.min(1, writes / this.pages) : 0;
  }
  stationary(seconds: number): boolean {
    const writes = seconds * this.eventsPerSecond * this.pagesPerEvent;
    return this.fluid || this.eventsPerSecond === 0 ||
      writes >= this.pages + 2 * this.pagesPerEvent;
  }
}

class UniformWriter implements Writer {
  readonly buffer = false;
  readonly deferred = false;
  readonly pagesPerEvent = 1;
  readonly spread = true;
  constructor(
    readonly label: string,
    readonly component: number,
    readonly firstPage: number,
    readonly pages: number,
    readonly eventsPerSecond: number,
    private readonly fluid: boolean,
  ) {}
  private miss(writes: number): number {
    return this.pages > 0 ? Math.exp(-writes / this.pages) : 1;
  }
  private whole(x: number): number {
    return this.fluid ? x : Math.round(x);
  }
  unique(writes: number): number {
    return this.whole(this.pages * (1 - this.miss(writes)));
  }
  rewritten(toSend: number, writes: number): number {
    return this.whole(toSend * this.share(writes));
  }
  share(writes: number): number {
    return 1 - this.miss(writes);
  }
  union(leftover: number, writes: number): number {
    return this.whole(this.pages - (this.pages - leftover) * this.miss(writes));
  }
  stationary(): boolean {
    return true;
  }
}

class TraceWriter implements Writer {
  readonly buffer = false;
  readonly deferred = false;
  readonly eventsPerSecond = 0;
  readonly pagesPerEvent = 0;
  readonly spread = false;
  constructor(
    readonly label: string,
    readonly component: number,
    readonly firstPage: number,
    readonly pages: number,
    private readonly values: readonly number[],
  ) {}
  unique(_writes: number, round: number): number {
    return this.values[Math.min(round, this.values.length - 1)];
  }
  rewritten(): number {
    return 0;
  }
  union(leftover: number, _writes: number, round: number): number {
    return Math.min(this.pages, leftover + this.unique(0, round));
  }
  share(): number {
    return 0;
  }
  stationary(_seconds: number, round: number): boolean {
    return round >= this.values.length - 1;
  }
}

/** A region of the layout. */
export interface DirtyRegion {
  /** The writer's label ("hot-set", "round-robin", "uniform", "forwarding rx", "forwarding other", "trace"). */
  readonly label: string;
  /** Index of its component in the list given. */
  readonly component: number;
  /** First page. */
  readonly firstPage: number;
  /** Pages. */
  readonly pages: number;
  /** Page-flipped RX buffers, sent in the final round only. */
  readonly deferred: boolean;
}

/** A checked layout of dirtying components over a VM's memory. */
export interface DirtyLayout {
  /** The VM's memory, pages. */
  readonly memoryPages: number;
  /** The accounting the counts use. */
  readonly accounting: Accounting;
  /** The regions, in page order (the clean pages after them). */
  readonly regions: readonly DirtyRegion[];
  /** Pages no component writes. */
  readonly cleanPages: number;
  /** The writers (internal to the engine). */
  readonly writers: readonly Writer[];
}

/** Options of {@linkcode dirtyLayout}. */
export interface DirtyLayoutOptions {
  /** Whole pages or fluid bytes. Default "pages". */
  accounting?: Accounting;
  /** Whether the hypervisor flips RX pages (sets the forwarding default). Default false. */
  pageFlipping?: boolean;
}

/**
 * Checks dirtying components against a memory size and lays them out (see
 * the module doc). Throws a RangeError naming the bad parameter: regions
 * must fit in memory together, and at most one component may take "the
 * rest" of memory by leaving its size out.
 *
 * @example
 * ```ts
 * import { dirtyLayout, hotSet, roundRobinWrites } from "@vnmig/vnmig/precopy";
 * const layout = dirtyLayout(32768, [hotSet(100), roundRobinWrites({ pagesPerSecond: 50 })]);
 * // The sweep takes every page the hot set leaves.
 * if (layout.regions[1].pages !== 32668 || layout.cleanPages !== 0) throw new Error();
 * ```
 */
export function dirtyLayout(
  memoryPages: number,
  components: DirtyComponent | readonly DirtyComponent[] = [],
  options: DirtyLayoutOptions = {},
): DirtyLayout {
  assertKnownKeys("dirtyLayout options", options, LAYOUT_OPTION_KEYS);
  return layoutOf(
    memoryPages,
    components,
    options.accounting ?? "pages",
    options.pageFlipping === true,
  );
}

const LAYOUT_OPTION_KEYS = ["accounting", "pageFlipping"];
const LAYOUTS = new WeakMap<object, Map<number, (DirtyLayout | undefined)[]>>();

/**
 * {@linkcode dirtyLayout} with checked options (internal: the engine's
 * entry). A frozen component (what the constructors return) or a frozen
 * list of them cannot change: its layout is computed once per memory size,
 * accounting and page flipping.
 */
export function layoutOf(
  memoryPages: number,
  components: DirtyComponent | readonly DirtyComponent[],
  accounting: Accounting,
  pageFlipping: boolean,
): DirtyLayout {
  const slot = (accounting === "bytes" ? 2 : 0) + (pageFlipping ? 1 : 0);
  // The same call again (a sweep's next point): no lookup at all.
  if (
    components === last.components && memoryPages === last.memoryPages &&
    slot === last.slot && last.layout !== null
  ) return last.layout;
  const frozen = typeof components === "object" && components !== null &&
    Object.isFrozen(components) &&
    (!Array.isArray(components) || components.every(Object.isFrozen));
  let bySize: Map<number, (DirtyLayout | undefined)[]> | undefined;
  if (frozen) {
    bySize = LAYOUTS.get(components);
    const hit = bySize?.get(memoryPages)?.[slot];
    if (hit) return remember(components, memoryPages, slot, hit);
  }
  const layout = computeLayout(memoryPages, components, {
    accounting,
    pageFlipping,
  });
  if (frozen) {
    if (!bySize) LAYOUTS.set(components, bySize = new Map());
    if (bySize.size < 64) {
      let slots = bySize.get(memoryPages);
      if (!slots) bySize.set(memoryPages, slots = []);
      slots[slot] = layout;
    }
    remember(components, memoryPages, slot, layout);
  }
  return layout;
}

// The last frozen input and its layout.
const last: {
  components: unknown;
  memoryPages: number;
  slot: number;
  layout: DirtyLayout | null;
} = { components: null, memoryPages: 0, slot: 0, layout: null };

function remember(
  components: unknown,
  memoryPages: number,
  slot: number,
  layout: DirtyLayout,
): DirtyLayout {
  last.components = components;
  last.memoryPages = memoryPages;
  last.slot = slot;
  last.layout = layout;
  return layout;
}

function computeLayout(
  memoryPages: number,
  components: DirtyComponent | readonly DirtyComponent[],
  options: DirtyLayoutOptions,
): DirtyLayout {
  const accounting = options.accounting ?? "pages";
  assertOneOf("accounting", accounting, ["pages", "bytes"]);
  const fluid = accounting === "bytes";
  assertFinite("memoryPages", memoryPages);
  if (fluid) assertAtLeast("memoryPages", memoryPages, 0);
  else assertInteger("memoryPages", memoryPages, 1);
  const list: readonly DirtyComponent[] = Array.isArray(components)
    ? components
    : [components as DirtyComponent];
  const pageCheck = (name: string, v: number) => {
    if (!fluid) assertInteger(name, v, 0);
  };
  // Sizes: explicit ones first; one component may take the rest.
  const sizes: (number | undefined)[] = [];
  let claimed = 0;
  let restIndex = -1;
  list.forEach((c, i) => {
    const name = `dirty[${i}]`;
    checkComponent(c, name);
    let size: number | undefined;
    switch (c.kind) {
      case "hot-set":
        pageCheck(`${name}.pages`, c.pages);
        size = c.pages;
        break;
      case "round-robin":
      case "uniform": {
        const key = c.kind === "uniform" ? "regionPages" : "workingSetPages";
        const given = c.kind === "uniform" ? c.regionPages : c.workingSetPages;
        if (given === undefined) {
          if (restIndex >= 0) {
            throw new RangeError(
              `dirty[${i}].${key} must be given: dirty[${restIndex}] already takes the pages no other component claims`,
            );
          }
          restIndex = i;
        } else pageCheck(`${name}.${key}`, given);
        size = given;
        break;
      }
      case "forwarding": {
        const rx = c.rxBufferPages ?? XEN_RX_RING_PAGES;
        const other = c.otherBufferPages ?? 0;
        pageCheck(`${name}.rxBufferPages`, rx);
        pageCheck(`${name}.otherBufferPages`, other);
        if (
          c.netfront === "rx-flip" && options.pageFlipping !== true && rx > 0
        ) {
          throw new RangeError(
            `${name}.netfront must be "rx-copy" under a policy whose hypervisor does not flip pages (only xen4 does); got "rx-flip"`,
          );
        }
        size = rx + other;
        break;
      }
      case "trace":
        c.pagesPerRound.forEach((v, k) =>
          pageCheck(`${name}.pagesPerRound[${k}]`, v)
        );
        size = Math.max(...c.pagesPerRound);
        break;
    }
    sizes.push(size);
    claimed += size ?? 0;
  });
  if (claimed > memoryPages) {
    throw new RangeError(
      `the dirtying components' pages must fit in memory: their sum must be in [0, memoryPages = ${memoryPages}]; got ${claimed}`,
    );
  }
  if (restIndex >= 0) {
    sizes[restIndex] = memoryPages - claimed;
    claimed = memoryPages;
  }
  const writers: Writer[] = [];
  let first = 0;
  list.forEach((c, i) => {
    const size = sizes[i]!;
    switch (c.kind) {
      case "hot-set":
        writers.push(new HotWriter("hot-set", i, first, size));
        break;
      case "round-robin":
        writers.push(
          new SweepWriter(
            "round-robin",
            i,
            first,
            size,
            c.pagesPerSecond,
            1,
            false,
            false,
            fluid,
          ),
        );
        break;
      case "uniform":
        writers.push(
          new UniformWriter("uniform", i, first, size, c.pagesPerSecond, fluid),
        );
        break;
      case "forwarding": {
        const rx = c.rxBufferPages ?? XEN_RX_RING_PAGES;
        const flip =
          (c.netfront ?? (options.pageFlipping ? "rx-flip" : "rx-copy")) ===
            "rx-flip";
        writers.push(
          new SweepWriter(
            "forwarding rx",
            i,
            first,
            rx,
            c.packetsPerSecond,
            1,
            true,
            flip,
            fluid,
          ),
          new SweepWriter(
            "forwarding other",
            i,
            first + rx,
            size - rx,
            c.packetsPerSecond,
            c.otherPagesPerPacket ?? 1,
            true,
            false,
            fluid,
          ),
        );
        break;
      }
      case "trace":
        writers.push(new TraceWriter("trace", i, first, size, c.pagesPerRound));
        break;
    }
    first += size;
  });
  return Object.freeze({
    memoryPages,
    accounting,
    regions: Object.freeze(writers.map((w) =>
      Object.freeze({
        label: w.label,
        component: w.component,
        firstPage: w.firstPage,
        pages: w.pages,
        deferred: w.deferred,
      })
    )),
    cleanPages: memoryPages - claimed,
    writers: Object.freeze(writers),
  });
}

// ----------------------------------------------------- counting on a clock

/**
 * Distinct pages the layout's writers dirty in [fromSeconds, toSeconds)
 * (0 = the migration trigger; no throttling), by region, and their sum.
 * Whole-page counts are exact for the decimals given.
 *
 * @example
 * ```ts
 * import { dirtyLayout, hotSet, roundRobinWrites, uniqueDirtyPages } from "@vnmig/vnmig/precopy";
 * const layout = dirtyLayout(1000, [hotSet(10), roundRobinWrites({ pagesPerSecond: 100 })]);
 * // 100 writes/s for 2 s touch 200 pages; in 20 s the 990-page working set.
 * if (uniqueDirtyPages(layout, 0, 2).totalPages !== 210) throw new Error();
 * if (uniqueDirtyPages(layout, 0, 20).totalPages !== 1000) throw new Error();
 * ```
 */
export function uniqueDirtyPages(
  layout: DirtyLayout,
  fromSeconds: number,
  toSeconds: number,
): { readonly byRegion: readonly number[]; readonly totalPages: number } {
  assertFinite("fromSeconds", fromSeconds);
  assertAtLeast("toSeconds", toSeconds, fromSeconds);
  const fluid = layout.accounting === "bytes";
  const byRegion = layout.writers.map((w) => {
    let writes: number;
    if (w.eventsPerSecond === Infinity) {
      writes = toSeconds > fromSeconds ? 1 : 0;
    } else if (fluid || w.label === "uniform") {
      writes = w.eventsPerSecond * w.pagesPerEvent * (toSeconds - fromSeconds);
    } else if (w.eventsPerSecond === 0) writes = 0;
    else {
      const r = rationalOf(w.eventsPerSecond);
      const count = (t: number) =>
        eventsBefore(w.eventsPerSecond, () => r, t, 2, () => rationalOf(t));
      writes = (count(toSeconds) - count(fromSeconds)) * w.pagesPerEvent;
    }
    return w.unique(writes, 0);
  });
  return { byRegion, totalPages: byRegion.reduce((a, b) => a + b, 0) };
}

/**
 * Guest RAM images (QEMU `pmemsave` dumps), page by page: how many pages
 * hold data (QEMU sends a zero page in a few bytes, a data page whole),
 * and which pages differ between the source and the destination after a
 * migration. Pure.
 *
 * @module
 */

/** Bytes of a guest page (x86). */
export const PAGE_BYTES = 4096;

function words(bytes: Uint8Array): BigUint64Array | Uint8Array {
  return bytes.byteOffset % 8 === 0 && bytes.byteLength % 8 === 0
    ? new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8)
    : bytes;
}

/**
 * Pages of `ram` that hold a non-zero byte (a trailing partial page counts
 * as a page).
 *
 * @example
 * ```ts
 * import { countNonZeroPages, PAGE_BYTES } from "@vnmig/vnmig/testbed/qemu";
 * const ram = new Uint8Array(4 * PAGE_BYTES);
 * ram[PAGE_BYTES + 7] = 1;
 * ram[3 * PAGE_BYTES] = 9;
 * if (countNonZeroPages(ram) !== 2) throw new Error();
 * ```
 */
export function countNonZeroPages(ram: Uint8Array): number {
  const w = words(ram);
  const perPage = w instanceof BigUint64Array ? PAGE_BYTES / 8 : PAGE_BYTES;
  let count = 0;
  for (let start = 0; start < w.length; start += perPage) {
    const end = Math.min(w.length, start + perPage);
    for (let i = start; i < end; i++) {
      if (w[i] !== 0 && w[i] !== 0n) {
        count++;
        break;
      }
    }
  }
  return count;
}

/** Pages that differ between two RAM images. */
export interface RamComparison {
  /** Pages compared. */
  readonly pages: number;
  /** Pages with at least one differing byte. */
  readonly differingPages: number;
  /** The first differing page numbers (at most 20). */
  readonly firstDifferingPages: readonly number[];
}

/**
 * Compares two RAM images page by page. Images of different sizes are an
 * error (the guests had different RAM).
 *
 * @example
 * ```ts
 * import { compareRamPages, PAGE_BYTES } from "@vnmig/vnmig/testbed/qemu";
 * const a = new Uint8Array(3 * PAGE_BYTES);
 * const b = a.slice();
 * if (compareRamPages(a, b).differingPages !== 0) throw new Error();
 * b[2 * PAGE_BYTES + 100] = 1;
 * const r = compareRamPages(a, b);
 * if (r.differingPages !== 1 || r.firstDifferingPages[0] !== 2) throw new Error();
 * ```
 */
export function compareRamPages(a: Uint8Array, b: Uint8Array): RamComparison {
  if (a.length !== b.length) {
    throw new RangeError(
      `RAM images must be the same size; got ${a.length} and ${b.length} bytes`,
    );
  }
  const wa = words(a);
  const wb = words(b);
  const perPage = wa instanceof BigUint64Array && wb instanceof BigUint64Array
    ? PAGE_BYTES / 8
    : PAGE_BYTES;
  const va = perPage === PAGE_BYTES ? a : wa;
  const vb = perPage === PAGE_BYTES ? b : wb;
  const pages = Math.ceil(a.length / PAGE_BYTES);
  let differing = 0;
  const first: number[] = [];
  for (let page = 0; page < pages; page++) {
    const start = page * perPage;
    const end = Math.min(va.length, start + perPage);
    for (let i = start; i < end; i++) {
      if (va[i] !== vb[i]) {
        differing++;
        if (first.length < 20) first.push(page);
        break;
      }
    }
  }
  return { pages, differingPages: differing, firstDifferingPages: first };
}

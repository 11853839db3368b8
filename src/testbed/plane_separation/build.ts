/**
 * Builds the testbed's two C programs (the Domain 0 control relay and the
 * guest route daemon) with the machine's gcc, statically linked so the
 * guest one runs in a busybox initramfs, into a cache folder keyed by the
 * sources' hash (rebuilt only when a source changes).
 *
 * @module
 */

import { runCommand } from "../host/command.ts";

/** The built programs. */
export interface PlaneSepBinaries {
  /** The Domain 0 control relay. */
  readonly relay: string;
  /** The guest route daemon. */
  readonly routes: string;
}

/** The default cache folder: $XDG_CACHE_HOME/vnmig/planesep or ~/.cache/vnmig/planesep. */
export function defaultCacheDir(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ??
    `${Deno.env.get("HOME") ?? "/root"}/.cache`;
  return `${base}/vnmig/planesep`;
}

async function sourceHash(texts: readonly string[]): Promise<string> {
  const data = new TextEncoder().encode(texts.join("\0"));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * Compiles psrelay and psroutes (gcc -static -O2) into `cacheDir` unless the
 * same sources were built there already; returns their paths.
 */
export async function buildBinaries(
  cacheDir: string = defaultCacheDir(),
): Promise<PlaneSepBinaries> {
  const names = ["psrelay", "psroutes"] as const;
  const sources = names.map((n) => new URL(`./c/${n}.c`, import.meta.url));
  const texts = sources.map((u) => Deno.readTextFileSync(u));
  const dir = `${cacheDir}/${await sourceHash(texts)}`;
  Deno.mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (const [i, name] of names.entries()) {
    const target = `${dir}/${name}`;
    try {
      Deno.statSync(target);
    } catch {
      const tmp = `${target}.tmp${Deno.pid}`;
      await runCommand([
        "gcc",
        "-static",
        "-O2",
        "-Wall",
        "-o",
        tmp,
        sources[i].pathname,
      ]);
      Deno.renameSync(tmp, target);
    }
    out.push(target);
  }
  return { relay: out[0], routes: out[1] };
}

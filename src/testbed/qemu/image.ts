/**
 * The guest image: Debian's cloud kernel (see {@linkcode fetchGuestKernel})
 * and an initramfs of busybox-static, the kernel modules the guest needs
 * (with their dependencies, in load order), the memory dirtier compiled
 * from guest/dirtier.c with the host's gcc, and an /init
 * ({@linkcode guestInitScript}). Extensible: extra kernel modules, extra
 * binaries copied with their shared libraries, extra files and extra init
 * steps (a routing daemon, say). Built once per content and cached in a
 * folder the caller names; a build is written whole or not at all.
 *
 * @module
 */

import { runCommand } from "../host/command.ts";
import { cpioArchive, type CpioEntry } from "./_cpio.ts";
import { moduleDepends, moduleLoadOrder, parseLdd } from "./_modules.ts";
import { guestInitScript } from "./guest_config.ts";
import { fetchGuestKernel, type GuestKernel } from "./kernel.ts";

/** Kernel modules every guest loads: the virtio PCI transport and network driver. */
export const BASE_GUEST_MODULES: readonly string[] = [
  "virtio_pci",
  "virtio_net",
];

/** A host binary to copy into the guest with the shared libraries it links. */
export interface GuestBinary {
  /** Absolute host path ("/usr/sbin/bird"). */
  readonly hostPath: string;
  /** Path in the guest; default the host path. */
  readonly guestPath?: string;
}

/** A file to put into the guest. */
export interface GuestFile {
  /** Absolute path in the guest ("/etc/bird.conf"). */
  readonly guestPath: string;
  /** Its content (text or bytes); or give `hostPath`. */
  readonly content?: string | Uint8Array;
  /** A host file to copy; or give `content`. */
  readonly hostPath?: string;
  /** Permission bits; default 0o644 (0o755 for binaries you mark so). */
  readonly mode?: number;
}

/** Options of {@linkcode buildGuestImage}. */
export interface GuestImageOptions {
  /** Kernel package; default the current Debian cloud kernel. */
  readonly kernelPackage?: string;
  /** Kernel modules beyond {@linkcode BASE_GUEST_MODULES} (dependencies added); default none. */
  readonly extraModules?: readonly string[];
  /** Binaries copied with their shared libraries; default none. */
  readonly extraBinaries?: readonly GuestBinary[];
  /** Files; default none. */
  readonly extraFiles?: readonly GuestFile[];
  /** Shell lines /init runs after the network is up, before the ready line; default none. */
  readonly initSteps?: readonly string[];
  /** Run `apt-get update` when apt does not know the kernel package; default true. */
  readonly aptUpdate?: boolean;
  /** Progress messages; default none. */
  readonly log?: (line: string) => void;
}

/** A built guest image. */
export interface GuestImage {
  /** The kernel image to pass to QEMU's -kernel. */
  readonly kernelPath: string;
  /** The initramfs (newc cpio) for -initrd. */
  readonly initrdPath: string;
  /** The kernel package it came from. */
  readonly kernel: GuestKernel;
  /** Modules /init loads, in order. */
  readonly modules: readonly string[];
  /** Content hash of the image (its cache key). */
  readonly imageHash: string;
  /** Whether it came from the cache (false: built now). */
  readonly cached: boolean;
}

const BUSYBOX = "/bin/busybox";
const DIRTIER_SOURCE = new URL("./guest/dirtier.c", import.meta.url);

async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data;
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

async function readSource(url: URL): Promise<string> {
  if (url.protocol === "file:") return await Deno.readTextFile(url);
  const r = await fetch(url);
  if (!r.ok) throw new Error(`cannot read ${url}: ${r.status}`);
  return await r.text();
}

/** Every .ko under `dir`, by module name (dashes as underscores). */
function indexModules(dir: string): Map<string, string> {
  const index = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.name.endsWith(".ko")) {
        index.set(e.name.slice(0, -3).replaceAll("-", "_"), p);
      } else if (/\.ko\.(xz|zst|gz)$/.test(e.name)) {
        index.set(e.name.replace(/\.ko\..*$/, "").replaceAll("-", "_"), p);
      }
    }
  };
  walk(dir);
  return index;
}

function checkGuestPath(name: string, path: string): string {
  if (
    !path.startsWith("/") || path.includes("/../") || path.endsWith("/") ||
    path.includes("//")
  ) {
    throw new RangeError(
      `${name} must be an absolute file path; got ${JSON.stringify(path)}`,
    );
  }
  return path.slice(1);
}

/** A staging tree in memory: files by relative path, parents created on demand. */
class Tree {
  readonly entries: CpioEntry[] = [];
  readonly #dirs = new Set<string>();
  readonly #paths = new Set<string>();

  dir(path: string): void {
    if (path === "" || this.#dirs.has(path)) return;
    const parent = path.includes("/")
      ? path.slice(0, path.lastIndexOf("/"))
      : "";
    this.dir(parent);
    this.#dirs.add(path);
    this.#paths.add(path);
    this.entries.push({ kind: "dir", path });
  }

  #parent(path: string): void {
    if (this.#paths.has(path)) {
      throw new RangeError(`guest image: two entries for /${path}`);
    }
    this.#paths.add(path);
    if (path.includes("/")) this.dir(path.slice(0, path.lastIndexOf("/")));
  }

  file(path: string, data: Uint8Array, mode: number): void {
    this.#parent(path);
    this.entries.push({ kind: "file", path, data, mode });
  }

  has(path: string): boolean {
    return this.#paths.has(path);
  }

  add(entry: CpioEntry): void {
    this.#parent(entry.path);
    this.entries.push(entry);
  }
}

async function checkTools(): Promise<void> {
  const missing: string[] = [];
  if (
    (await runCommand(["sh", "-c", "command -v gcc"], { allowFailure: true }))
      .code !== 0
  ) {
    missing.push("gcc libc6-dev");
  }
  try {
    const ldd = await runCommand(["ldd", BUSYBOX], { allowFailure: true });
    if (!`${ldd.stdout}${ldd.stderr}`.includes("not a dynamic executable")) {
      missing.push("busybox-static (the installed busybox is not static)");
    }
  } catch {
    missing.push("busybox-static");
  }
  try {
    Deno.statSync(BUSYBOX);
  } catch {
    if (!missing.some((m) => m.startsWith("busybox"))) {
      missing.push("busybox-static");
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `the guest image needs: ${
        missing.join(", ")
      }; install with: apt-get install -y --no-install-recommends gcc libc6-dev busybox-static`,
    );
  }
}

/**
 * Builds the guest image into `<cacheDir>/images/<hash>/` (kernel package
 * fetched into `<cacheDir>/kernels/` first), or returns the cached one
 * with the same content. The hash covers the kernel package, busybox, the
 * dirtier's source, gcc's version and every extra.
 *
 * @example
 * ```ts ignore
 * import { buildGuestImage } from "@vnmig/vnmig/testbed/qemu";
 * const image = await buildGuestImage("/var/cache/vnmig", {
 *   extraBinaries: [{ hostPath: "/usr/sbin/bird" }, { hostPath: "/usr/sbin/birdc" }],
 *   extraFiles: [{ guestPath: "/etc/bird/bird.conf", content: "router id 10.1.0.254;\n" }],
 *   initSteps: ["mkdir -p /run/bird", "bird -c /etc/bird/bird.conf"],
 * });
 * if (!image.initrdPath.endsWith("initrd.cpio")) throw new Error();
 * ```
 */
export async function buildGuestImage(
  cacheDir: string,
  options: GuestImageOptions = {},
): Promise<GuestImage> {
  if (cacheDir === "") {
    throw new RangeError(
      `cacheDir must be a folder path; got ${JSON.stringify(cacheDir)}`,
    );
  }
  const log = options.log ?? (() => {});
  await checkTools();
  const kernel = await fetchGuestKernel(cacheDir, {
    kernelPackage: options.kernelPackage,
    aptUpdate: options.aptUpdate,
    log,
  });
  const moduleIndex = indexModules(kernel.modulesDir);
  const depsCache = new Map<string, string[]>();
  const modules = moduleLoadOrder(
    [...BASE_GUEST_MODULES, ...(options.extraModules ?? [])],
    (name) => {
      const path = moduleIndex.get(name);
      if (path === undefined) return undefined;
      if (!path.endsWith(".ko")) {
        throw new Error(
          `kernel module ${name} is compressed (${path}); pick a kernel package with plain .ko modules (Debian 12's 6.1 cloud kernel)`,
        );
      }
      if (!depsCache.has(name)) {
        depsCache.set(name, moduleDepends(Deno.readFileSync(path)));
      }
      return depsCache.get(name);
    },
  );
  const dirtierSource = await readSource(DIRTIER_SOURCE);
  const gccVersion =
    (await runCommand(["gcc", "--version"])).stdout.split("\n")[0];
  const busybox = Deno.readFileSync(BUSYBOX);

  // Extras, resolved now so that their content enters the hash.
  const binaries: { guestPath: string; data: Uint8Array }[] = [];
  const libraries = new Map<string, Uint8Array>();
  for (const [k, b] of (options.extraBinaries ?? []).entries()) {
    checkGuestPath(`extraBinaries[${k}].hostPath`, b.hostPath);
    const guestPath = checkGuestPath(
      `extraBinaries[${k}].guestPath`,
      b.guestPath ?? b.hostPath,
    );
    let data: Uint8Array;
    try {
      data = Deno.readFileSync(b.hostPath);
    } catch {
      throw new RangeError(
        `extraBinaries[${k}].hostPath: no such file ${b.hostPath}`,
      );
    }
    binaries.push({ guestPath, data });
    const ldd = await runCommand(["ldd", b.hostPath], { allowFailure: true });
    for (const lib of parseLdd(ldd.stdout + ldd.stderr)) {
      if (!libraries.has(lib)) libraries.set(lib, Deno.readFileSync(lib));
    }
  }
  const files: { guestPath: string; data: Uint8Array; mode: number }[] = [];
  for (const [k, f] of (options.extraFiles ?? []).entries()) {
    const guestPath = checkGuestPath(`extraFiles[${k}].guestPath`, f.guestPath);
    if ((f.content === undefined) === (f.hostPath === undefined)) {
      throw new RangeError(
        `extraFiles[${k}] must give exactly one of content, hostPath`,
      );
    }
    const data = f.content !== undefined
      ? (typeof f.content === "string"
        ? new TextEncoder().encode(f.content)
        : f.content)
      : Deno.readFileSync(f.hostPath!);
    const mode = f.mode ?? 0o644;
    if (!(Number.isInteger(mode) && mode >= 0 && mode <= 0o7777)) {
      throw new RangeError(
        `extraFiles[${k}].mode must be an integer in [0, 0o7777]; got ${mode}`,
      );
    }
    files.push({ guestPath, data, mode });
  }
  const initSteps = [...(options.initSteps ?? [])];
  const init = guestInitScript(modules, initSteps);

  const hashInput = JSON.stringify({
    format: 1,
    kernel: [kernel.packageName, kernel.packageVersion],
    busybox: await sha256Hex(busybox),
    dirtier: await sha256Hex(dirtierSource),
    gccVersion,
    init,
    binaries: await Promise.all(
      binaries.map(async (b) => [b.guestPath, await sha256Hex(b.data)]),
    ),
    libraries: await Promise.all(
      [...libraries].map(async ([p, d]) => [p, await sha256Hex(d)]),
    ),
    files: await Promise.all(
      files.map(async (f) => [f.guestPath, f.mode, await sha256Hex(f.data)]),
    ),
  });
  const imageHash = (await sha256Hex(hashInput)).slice(0, 16);
  const final = `${cacheDir}/images/${imageHash}`;
  const result = (cached: boolean): GuestImage => ({
    kernelPath: kernel.vmlinuzPath,
    initrdPath: `${final}/initrd.cpio`,
    kernel,
    modules,
    imageHash,
    cached,
  });
  try {
    Deno.statSync(`${final}/initrd.cpio`);
    return result(true);
  } catch {
    // Not built yet.
  }
  log(`building guest image ${imageHash}`);
  await Deno.mkdir(`${cacheDir}/images`, { recursive: true });
  const work = await Deno.makeTempDir({
    dir: `${cacheDir}/images`,
    prefix: `.${imageHash}-`,
  });
  try {
    Deno.writeTextFileSync(`${work}/dirtier.c`, dirtierSource);
    const cc = await runCommand(
      [
        "gcc",
        "-static",
        "-O2",
        "-Wall",
        "-o",
        `${work}/vnmig-dirtier`,
        `${work}/dirtier.c`,
      ],
      { allowFailure: true, timeoutSeconds: 300 },
    );
    if (cc.code !== 0) {
      throw new Error(
        `gcc could not build the dirtier statically (is libc6-dev installed?):\n${cc.stderr.trim()}`,
      );
    }
    const tree = new Tree();
    for (
      const d of [
        "bin",
        "sbin",
        "dev",
        "proc",
        "sys",
        "tmp",
        "etc",
        "lib/modules",
      ]
    ) tree.dir(d);
    tree.add({
      kind: "chardev",
      path: "dev/console",
      major: 5,
      minor: 1,
      mode: 0o600,
    });
    tree.add({
      kind: "chardev",
      path: "dev/null",
      major: 1,
      minor: 3,
      mode: 0o666,
    });
    tree.file("init", new TextEncoder().encode(init), 0o755);
    tree.file("bin/busybox", busybox, 0o755);
    tree.add({ kind: "symlink", path: "bin/sh", target: "busybox" });
    tree.file(
      "bin/vnmig-dirtier",
      Deno.readFileSync(`${work}/vnmig-dirtier`),
      0o755,
    );
    for (const m of modules) {
      tree.file(
        `lib/modules/${m}.ko`,
        Deno.readFileSync(moduleIndex.get(m)!),
        0o644,
      );
    }
    for (const [path, data] of libraries) {
      const rel = checkGuestPath("library", path);
      if (!tree.has(rel)) tree.file(rel, data, 0o755);
    }
    for (const b of binaries) tree.file(b.guestPath, b.data, 0o755);
    for (const f of files) tree.file(f.guestPath, f.data, f.mode);
    Deno.writeFileSync(`${work}/initrd.cpio`, cpioArchive(tree.entries));
    Deno.writeTextFileSync(
      `${work}/image.json`,
      JSON.stringify(
        {
          imageHash,
          kernel,
          modules,
          initSteps,
          hashInput: JSON.parse(hashInput),
        },
        null,
        1,
      ) +
        "\n",
    );
    Deno.removeSync(`${work}/dirtier.c`);
    try {
      Deno.renameSync(work, final);
    } catch (error) {
      // Another build of the same content finished first: use it.
      Deno.statSync(`${final}/initrd.cpio`);
      Deno.removeSync(work, { recursive: true });
      if (!(error instanceof Error)) throw error;
    }
    return result(false);
  } catch (error) {
    try {
      Deno.removeSync(work, { recursive: true });
    } catch {
      // Already renamed or removed.
    }
    throw error;
  }
}

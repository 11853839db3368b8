/**
 * The guest kernel: Debian's cloud kernel package, downloaded with
 * `apt-get download` and unpacked with `dpkg-deb -x` into the cache (never
 * installed on the host). The package is the one Debian's
 * `linux-image-cloud-amd64` meta-package depends on, unless named.
 *
 * @module
 */

import { runCommand } from "../host/command.ts";

/** Debian's meta-package whose dependency names the current cloud kernel. */
export const CLOUD_KERNEL_META_PACKAGE = "linux-image-cloud-amd64";

/** An unpacked guest kernel in the cache. */
export interface GuestKernel {
  /** Debian package name ("linux-image-6.1.0-57-cloud-amd64"). */
  readonly packageName: string;
  /** Its version ("6.1.192-3"). */
  readonly packageVersion: string;
  /** Path of the kernel image (vmlinuz). */
  readonly vmlinuzPath: string;
  /** Folder holding its modules tree (lib/modules/<release>/kernel). */
  readonly modulesDir: string;
}

/** Options of {@linkcode fetchGuestKernel}. */
export interface FetchKernelOptions {
  /** Kernel package to use; default the one {@linkcode CLOUD_KERNEL_META_PACKAGE} depends on. */
  readonly kernelPackage?: string;
  /** Run `apt-get update` when apt does not know the package (a fresh machine); default true. */
  readonly aptUpdate?: boolean;
  /** Progress messages; default none. */
  readonly log?: (line: string) => void;
}

async function haveBinary(name: string): Promise<boolean> {
  return (await runCommand(["sh", "-c", 'command -v "$0"', name], {
    allowFailure: true,
  })).code === 0;
}

/** The package the meta-package depends on (undefined when apt does not know it). */
async function resolveMeta(): Promise<string | undefined> {
  const r = await runCommand(
    ["apt-cache", "depends", CLOUD_KERNEL_META_PACKAGE],
    { allowFailure: true },
  );
  const m = r.stdout.match(/Depends:\s*(linux-image-\S+-cloud-amd64)\b/);
  return m?.[1];
}

/** Whether apt knows a package (a candidate version exists). */
async function aptKnows(pkg: string): Promise<boolean> {
  const r = await runCommand(["apt-cache", "policy", pkg], {
    allowFailure: true,
  });
  return /Candidate:\s*(?!\(none\))\S+/.test(r.stdout);
}

/**
 * Downloads and unpacks the guest kernel package into
 * `<cacheDir>/kernels/<package>/` unless it is there already; the folder is
 * written whole or not at all (unpacked beside, then renamed).
 *
 * @example
 * ```ts ignore
 * import { fetchGuestKernel } from "@vnmig/vnmig/testbed/qemu";
 * const kernel = await fetchGuestKernel("/var/cache/vnmig");
 * if (!kernel.packageName.startsWith("linux-image-")) throw new Error();
 * ```
 */
export async function fetchGuestKernel(
  cacheDir: string,
  options: FetchKernelOptions = {},
): Promise<GuestKernel> {
  const log = options.log ?? (() => {});
  for (
    const [binary, pkg] of [["apt-get", "apt"], ["apt-cache", "apt"], [
      "dpkg-deb",
      "dpkg",
    ]]
  ) {
    if (!(await haveBinary(binary))) {
      throw new Error(
        `${binary} not found: the guest kernel comes from Debian's ${CLOUD_KERNEL_META_PACKAGE} package, fetched with apt-get download and dpkg-deb (package ${pkg}; a Debian or Ubuntu host)`,
      );
    }
  }
  const cached = (pkg: string) =>
    readCachedKernel(`${cacheDir}/kernels/${pkg}`);
  let pkg = options.kernelPackage;
  if (pkg !== undefined) {
    if (!/^linux-image-[a-z0-9.+-]+$/.test(pkg)) {
      throw new RangeError(
        `kernelPackage must be a Debian linux-image-* package name; got ${
          JSON.stringify(pkg)
        }`,
      );
    }
    const hit = cached(pkg);
    if (hit !== undefined) return hit;
  }
  const known = async () =>
    pkg === undefined
      ? (pkg = await resolveMeta()) !== undefined
      : await aptKnows(pkg);
  if (!(await known())) {
    if (!(options.aptUpdate ?? true)) {
      throw new Error(
        `apt does not know ${
          pkg ?? CLOUD_KERNEL_META_PACKAGE
        }; run apt-get update (or allow it)`,
      );
    }
    log("apt does not know the kernel package yet: apt-get update");
    await runCommand(["apt-get", "update"], { timeoutSeconds: 600 });
    if (!(await known())) {
      throw new Error(
        `apt knows no package ${
          pkg ?? CLOUD_KERNEL_META_PACKAGE
        } even after apt-get update; name one with --kernel-package (apt-cache search linux-image | grep cloud)`,
      );
    }
  }
  const name = pkg!;
  const hit = cached(name);
  if (hit !== undefined) return hit;
  await Deno.mkdir(`${cacheDir}/kernels`, { recursive: true });
  const work = await Deno.makeTempDir({
    dir: `${cacheDir}/kernels`,
    prefix: `.${name}-`,
  });
  try {
    log(`downloading ${name} (about 27 MB) with apt-get download`);
    const dl = await runCommand([
      "sh",
      "-c",
      'cd "$0" && apt-get download "$1"',
      work,
      name,
    ], {
      timeoutSeconds: 900,
      allowFailure: true,
    });
    if (dl.code !== 0) {
      throw new Error(`apt-get download ${name} failed:\n${dl.stderr.trim()}`);
    }
    const deb = [...Deno.readDirSync(work)].find((e) =>
      e.name.endsWith(".deb")
    );
    if (deb === undefined) {
      throw new Error(`apt-get download ${name} left no .deb`);
    }
    const debPath = `${work}/${deb.name}`;
    const version = (await runCommand(["dpkg-deb", "-f", debPath, "Version"]))
      .stdout.trim();
    await runCommand(["dpkg-deb", "-x", debPath, `${work}/root`], {
      timeoutSeconds: 300,
    });
    Deno.removeSync(debPath);
    const boot = [...Deno.readDirSync(`${work}/root/boot`)].find((e) =>
      e.name.startsWith("vmlinuz-")
    );
    const release = [...Deno.readDirSync(`${work}/root/lib/modules`)][0]?.name;
    if (boot === undefined || release === undefined) {
      throw new Error(
        `${name} holds no boot/vmlinuz-* or lib/modules/<release>`,
      );
    }
    const info = {
      packageName: name,
      packageVersion: version,
      vmlinuz: `root/boot/${boot.name}`,
      modules: `root/lib/modules/${release}/kernel`,
    };
    Deno.writeTextFileSync(
      `${work}/kernel.json`,
      JSON.stringify(info, null, 1) + "\n",
    );
    const final = `${cacheDir}/kernels/${name}`;
    Deno.renameSync(work, final);
    log(`guest kernel ${name} ${version} unpacked in ${final}`);
    return readCachedKernel(final)!;
  } catch (error) {
    Deno.removeSync(work, { recursive: true });
    throw error;
  }
}

function readCachedKernel(dir: string): GuestKernel | undefined {
  try {
    const info = JSON.parse(Deno.readTextFileSync(`${dir}/kernel.json`));
    return {
      packageName: info.packageName,
      packageVersion: info.packageVersion,
      vmlinuzPath: `${dir}/${info.vmlinuz}`,
      modulesDir: `${dir}/${info.modules}`,
    };
  } catch {
    return undefined;
  }
}

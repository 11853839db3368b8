/**
 * One QEMU guest of the testbed: the command line ({@linkcode qemuArgv},
 * pure; software emulation, `-accel tcg -cpu qemu64`, because the host's
 * nested KVM runs an unmodified guest about 1000x too slow), and
 * {@linkcode QemuVm}: the process (started and tracked by a
 * {@linkcode HostRun}, inside a host namespace so that it opens that
 * namespace's taps), its QMP client and its serial console.
 *
 * @module
 */

import type { HostRun } from "../host/run.ts";
import type { GuestImage } from "./image.ts";
import { QmpClient } from "./qmp.ts";

/** A virtio NIC on a tap. */
export interface QemuNic {
  /** Tap device (in the namespace QEMU runs in). */
  readonly tap: string;
  /** Guest MAC address. */
  readonly mac: string;
}

/** Options of {@linkcode qemuArgv}. */
export interface QemuArgvOptions {
  /** The guest image (kernel and initramfs). */
  readonly image: Pick<GuestImage, "kernelPath" | "initrdPath">;
  /** Guest RAM, KiB. */
  readonly memoryKiB: number;
  /** Kernel command line. */
  readonly kernelCommandLine: string;
  /** NICs, in PCI slot order (slot 3, 4, ...). */
  readonly nics: readonly QemuNic[];
  /** QMP unix socket path. */
  readonly qmpSocketPath: string;
  /** File the serial console is written to. */
  readonly consolePath: string;
  /** Wait for an incoming migration (`-incoming defer`, then QMP `migrate-incoming`). Default false. */
  readonly incoming?: boolean;
  /** Do not start the guest by itself (`-S`): on a destination, stay paused after the migration until `cont`. Default false. */
  readonly startPaused?: boolean;
  /** Name shown by QEMU. Default "vnmig". */
  readonly name?: string;
}

/**
 * The QEMU command line. Source and destination get the same one (plus
 * `-incoming defer` on the destination), as migration requires; the
 * machine type is versioned so both sides agree on the device model.
 *
 * @example
 * ```ts
 * import { qemuArgv } from "@vnmig/vnmig/testbed/qemu";
 * const argv = qemuArgv({
 *   image: { kernelPath: "/k", initrdPath: "/i" }, memoryKiB: 262136, kernelCommandLine: "console=ttyS0",
 *   nics: [{ tap: "vnab12atap0", mac: "52:54:00:00:01:fe" }], qmpSocketPath: "/q", consolePath: "/c", incoming: true,
 * });
 * const text = argv.join(" ");
 * if (!text.includes("-accel tcg -cpu qemu64") || !text.includes("-m 262136k") || !text.includes("-incoming defer")) throw new Error(text);
 * ```
 */
export function qemuArgv(options: QemuArgvOptions): string[] {
  const argv = [
    "qemu-system-x86_64",
    "-name",
    options.name ?? "vnmig",
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-machine",
    "pc-i440fx-7.2",
    "-accel",
    "tcg",
    "-cpu",
    "qemu64",
    "-smp",
    "1",
    "-m",
    `${options.memoryKiB}k`,
    "-kernel",
    options.image.kernelPath,
    "-initrd",
    options.image.initrdPath,
    "-append",
    options.kernelCommandLine,
  ];
  options.nics.forEach((nic, i) => {
    argv.push(
      "-netdev",
      `tap,id=n${i},ifname=${nic.tap},script=no,downscript=no`,
      "-device",
      `virtio-net-pci,netdev=n${i},mac=${nic.mac},addr=0x${
        (3 + i).toString(16)
      },romfile=`,
    );
  });
  argv.push(
    "-chardev",
    `socket,id=qmp,path=${options.qmpSocketPath},server=on,wait=off`,
    "-mon",
    "chardev=qmp,mode=control",
    "-chardev",
    `file,id=con,path=${options.consolePath}`,
    "-serial",
    "chardev:con",
  );
  if (options.incoming) argv.push("-incoming", "defer");
  if (options.startPaused) argv.push("-S");
  return argv;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A running QEMU of the testbed. */
export class QemuVm {
  /** The QMP connection. */
  readonly qmp: QmpClient;
  /** The process. */
  readonly process: Deno.ChildProcess;
  /** The console file. */
  readonly consolePath: string;
  readonly #run: HostRun;

  private constructor(
    run: HostRun,
    process: Deno.ChildProcess,
    qmp: QmpClient,
    consolePath: string,
  ) {
    this.#run = run;
    this.process = process;
    this.qmp = qmp;
    this.consolePath = consolePath;
  }

  /** Starts QEMU in `namespace` under `run` and connects to its QMP socket. */
  static async start(
    run: HostRun,
    namespace: string,
    options: QemuArgvOptions,
  ): Promise<QemuVm> {
    Deno.writeTextFileSync(options.consolePath, "");
    const child = run.spawn(qemuArgv(options), {
      namespace,
      stdout: "null",
      stderr: "piped",
    });
    const stderr = new Response(child.stderr).text();
    let exited = false;
    child.status.then(() => (exited = true));
    try {
      const qmp = await Promise.race([
        QmpClient.connect(options.qmpSocketPath, {
          timeoutSeconds: 60,
          signal: run.signal,
        }),
        child.status.then(async (s) => {
          throw new Error(
            `QEMU exited (code ${s.code}) at start: ${(await stderr).trim()}`,
          );
        }),
      ]);
      return new QemuVm(run, child, qmp, options.consolePath);
    } catch (error) {
      if (!exited) await run.stopProcess(child);
      throw error;
    }
  }

  /** The console's text so far. */
  console(): string {
    try {
      return Deno.readTextFileSync(this.consolePath);
    } catch {
      return "";
    }
  }

  /** Waits until the console holds every one of `lines` (as substrings); returns the console. */
  async waitForConsole(
    lines: readonly string[],
    timeoutSeconds: number,
  ): Promise<string> {
    const deadline = performance.now() + timeoutSeconds * 1000;
    for (;;) {
      this.#run.signal.throwIfAborted();
      const text = this.console();
      if (lines.every((l) => text.includes(l))) return text;
      const error = text.match(/vnmig-guest error: .*/);
      if (error) throw new Error(`guest: ${error[0]}`);
      if (performance.now() > deadline) {
        throw new Error(
          `guest console did not show ${
            lines.join(", ")
          } within ${timeoutSeconds} s; console:\n${text.slice(-2000)}`,
        );
      }
      await sleep(100);
    }
  }

  /** Dumps guest physical memory [0, bytes) to `path` (QMP pmemsave) and reads it back. */
  async dumpRam(path: string, bytes: number): Promise<Uint8Array> {
    await this.qmp.execute("pmemsave", { val: 0, size: bytes, filename: path });
    const data = Deno.readFileSync(path);
    Deno.removeSync(path);
    if (data.length !== bytes) {
      throw new Error(`pmemsave wrote ${data.length} bytes, not ${bytes}`);
    }
    return data;
  }

  /** Quits QEMU (QMP quit, then the process is ended if it lingers). */
  async quit(): Promise<void> {
    try {
      await Promise.race([this.qmp.execute("quit"), sleep(3000)]);
    } catch {
      // The connection closes as QEMU quits.
    }
    this.qmp.close();
    await Promise.race([this.process.status, sleep(3000)]);
    await this.#run.stopProcess(this.process);
  }
}

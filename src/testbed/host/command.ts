/**
 * Running host commands: to completion ({@linkcode runCommand}), optionally
 * inside a network namespace ({@linkcode inNamespace}), and checking that
 * the binaries a testbed needs are there ({@linkcode checkHost}), naming the
 * Debian package and the command that installs a missing one.
 *
 * @module
 */

/** The result of a finished command. */
export interface CommandResult {
  /** Exit code. */
  readonly code: number;
  /** Standard output, decoded. */
  readonly stdout: string;
  /** Standard error, decoded. */
  readonly stderr: string;
}

/** Options of {@linkcode runCommand}. */
export interface RunCommandOptions {
  /** Network namespace to run in (through `ip netns exec`); default none (this process's). */
  readonly namespace?: string;
  /** Extra environment variables; default none (the inherited environment). */
  readonly env?: Record<string, string>;
  /** Return a failed command's result instead of throwing; default false. */
  readonly allowFailure?: boolean;
  /** Kill the command after this many seconds (then it fails); default none. */
  readonly timeoutSeconds?: number;
}

/**
 * The argv that runs `argv` inside `namespace` (`ip netns exec` execs the
 * command, so its process id is the command's own); `argv` itself when no
 * namespace is given.
 *
 * @example
 * ```ts
 * import { inNamespace } from "@vnmig/vnmig/testbed/host";
 * const argv = inNamespace(["ping", "-c1", "10.0.0.1"], "vnab12c");
 * if (argv.join(" ") !== "ip netns exec vnab12c ping -c1 10.0.0.1") throw new Error();
 * if (inNamespace(["true"]).length !== 1) throw new Error();
 * ```
 */
export function inNamespace(
  argv: readonly string[],
  namespace?: string,
): string[] {
  return namespace === undefined
    ? [...argv]
    : ["ip", "netns", "exec", namespace, ...argv];
}

/**
 * Runs a command to completion; throws an Error with its stderr when it
 * fails (unless `allowFailure`), or when it outlives `timeoutSeconds`.
 *
 * @example
 * ```ts
 * import { runCommand } from "@vnmig/vnmig/testbed/host";
 * const r = await runCommand(["sh", "-c", "echo hi; exit 3"], { allowFailure: true });
 * if (r.code !== 3 || r.stdout !== "hi\n") throw new Error();
 * ```
 */
export async function runCommand(
  argv: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const full = inNamespace(argv, options.namespace);
  const timeoutSeconds = options.timeoutSeconds;
  if (
    timeoutSeconds !== undefined &&
    !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)
  ) {
    throw new RangeError(
      `timeoutSeconds must be a finite number in (0, +inf); got ${timeoutSeconds}`,
    );
  }
  const child = new Deno.Command(full[0], {
    args: full.slice(1),
    env: options.env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let timedOut = false;
  const timer = timeoutSeconds === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, timeoutSeconds * 1000);
  const output = await child.output();
  clearTimeout(timer);
  const result = {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
  if (timedOut) {
    throw new Error(
      `command timed out after ${timeoutSeconds} s: ${full.join(" ")}`,
    );
  }
  if (result.code !== 0 && !options.allowFailure) {
    throw new Error(
      `command failed (exit ${result.code}): ${
        full.join(" ")
      }\n${result.stderr.trim()}`,
    );
  }
  return result;
}

/** A binary a testbed needs and the Debian package that provides it. */
export interface RequiredBinary {
  /** Name looked up on PATH ("qemu-system-x86_64"). */
  readonly binary: string;
  /** Debian package that installs it ("qemu-system-x86"). */
  readonly debianPackage: string;
}

/** Whether the host can run a testbed, and if not, why. */
export interface HostAvailability {
  /** True when every requirement holds. */
  readonly available: boolean;
  /** Why not, with the command that fixes it where there is one ("" when available). */
  readonly reason: string;
}

/** Options of {@linkcode checkHost}. */
export interface CheckHostOptions {
  /** Binaries needed beyond `ip` and `tc` (iproute2); default none. */
  readonly binaries?: readonly RequiredBinary[];
  /** Try to create (and remove) a network namespace; default true. */
  readonly probeNamespace?: boolean;
}

/** Whether `binary` is on PATH. */
async function onPath(binary: string): Promise<boolean> {
  const found = await runCommand(["sh", "-c", 'command -v "$0"', binary], {
    allowFailure: true,
  });
  return found.code === 0;
}

/**
 * Whether this process can run a testbed: Linux, root, `ip` and `tc`, the
 * binaries listed, and (by default) the right to create a network namespace
 * (tried and removed). A missing binary is named with the `apt-get install`
 * command that installs every missing package.
 *
 * @example
 * ```ts ignore
 * import { checkHost } from "@vnmig/vnmig/testbed/host";
 * const host = await checkHost({ binaries: [{ binary: "qemu-system-x86_64", debianPackage: "qemu-system-x86" }] });
 * if (!host.available && host.reason === "") throw new Error("a refusal names its reason");
 * ```
 */
export async function checkHost(
  options: CheckHostOptions = {},
): Promise<HostAvailability> {
  if (Deno.build.os !== "linux") {
    return { available: false, reason: "the testbed needs Linux" };
  }
  if (Deno.uid() !== 0) {
    return {
      available: false,
      reason: "the testbed needs root (network namespaces, links, tc)",
    };
  }
  const wanted: RequiredBinary[] = [
    { binary: "ip", debianPackage: "iproute2" },
    { binary: "tc", debianPackage: "iproute2" },
    ...(options.binaries ?? []),
  ];
  const missing: RequiredBinary[] = [];
  for (const w of wanted) if (!(await onPath(w.binary))) missing.push(w);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((m) => m.debianPackage))];
    return {
      available: false,
      reason: `${missing.map((m) => m.binary).join(", ")} not found; install ${
        packages.length > 1 ? "them" : "it"
      } with: apt-get install -y --no-install-recommends ${packages.join(" ")}`,
    };
  }
  if (options.probeNamespace ?? true) {
    const probe = `vnprobe${Deno.pid % 100000}`;
    const made = await runCommand(["ip", "netns", "add", probe], {
      allowFailure: true,
    });
    if (made.code !== 0) {
      return {
        available: false,
        reason: `cannot create a network namespace: ${made.stderr.trim()}`,
      };
    }
    await runCommand(["ip", "netns", "del", probe], { allowFailure: true });
  }
  return { available: true, reason: "" };
}

/**
 * {@linkcode HostRun}: one testbed run's host resources. It installs its
 * signal handling before it creates anything, registers itself (a state
 * file and a liveness lock under the project run directory, see
 * `registry.ts`), refuses to start over a killed run's leftovers (naming
 * them and the command that removes them), gives run-unique names, records
 * every namespace, link, qdisc, process and path before (processes: right
 * after) creating it, and removes them all in reverse order on
 * {@linkcode HostRun.teardown}, on SIGINT, SIGTERM and SIGHUP, and (after a
 * kill -9) through {@linkcode cleanRuns}.
 *
 * @module
 */

import {
  type CommandResult,
  inNamespace,
  runCommand,
  type RunCommandOptions,
} from "./command.ts";
import {
  DEFAULT_RUN_ROOT,
  describeStaleRuns,
  forgetRun,
  type HostResource,
  listRuns,
  type RemovalFailure,
  removeRunResources,
  runPaths,
  type RunState,
  withRegistryLock,
  writeRunState,
} from "./registry.ts";
import { bootId, processStartTicks } from "./_proc.ts";

/** Options of {@linkcode HostRun.start}. */
export interface HostRunOptions {
  /** Which testbed runs ("vmtestbed"), written in the state file; default "vnmig". */
  readonly label?: string;
  /** The command that cleans this testbed's leftovers, for messages; default `deno task <label> clean`. */
  readonly cleanCommand?: string;
  /** Project run directory; default {@linkcode DEFAULT_RUN_ROOT}. */
  readonly runRoot?: string;
  /** What to do when killed runs of the same label left resources: "refuse" (throw, naming them and the clean command) or "warn" (print that and go on); default "refuse". Other labels' leftovers are always only reported (their names cannot collide with this run's). */
  readonly staleLeftovers?: "refuse" | "warn";
  /** After a signal and the teardown, exit with 128 + the signal number; default true (false: only abort {@linkcode HostRun.signal} and tear down). */
  readonly exitOnSignal?: boolean;
  /** Keep the run's private directory (logs, sockets) after teardown; default false. */
  readonly keepRunDir?: boolean;
  /** Seconds a process gets between SIGTERM and SIGKILL at teardown; default 3. */
  readonly processGraceSeconds?: number;
}

/** Options of {@linkcode HostRun.spawn}. */
export interface SpawnOptions {
  /** Network namespace to run in; default this process's. */
  readonly namespace?: string;
  /** Extra environment variables; default none. */
  readonly env?: Record<string, string>;
  /** Standard input; default "null". */
  readonly stdin?: "piped" | "inherit" | "null";
  /** Standard output; default "piped". */
  readonly stdout?: "piped" | "inherit" | "null";
  /** Standard error; default "piped". */
  readonly stderr?: "piped" | "inherit" | "null";
}

/** Options of {@linkcode HostRun.shapeEgress}: a token bucket (tc tbf) on a device's egress. */
export interface ShapeOptions {
  /** The device's namespace; default the root namespace. */
  readonly namespace?: string;
  /** Rate, bits per second (1e3 .. 1e11). */
  readonly rateBitsPerSecond: number;
  /** Bucket size, bytes; default max(3028, rate x 1 ms / 8): the rate holds at millisecond scale. */
  readonly burstBytes?: number;
  /** Longest a packet may queue, seconds (sets tbf's limit); default 0.05. */
  readonly queueSeconds?: number;
}

/** What a teardown did. */
export interface TeardownReport {
  /** Resources removed. */
  readonly removed: readonly HostResource[];
  /** Resources that could not be removed (left in the state file for `clean`). */
  readonly failed: readonly RemovalFailure[];
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
type SignalName = keyof typeof SIGNALS;
const active = new Set<HostRun>();
const listeners = new Map<SignalName, () => void>();

/** One signal tears down every live run of this process, then exits. */
function installSignalHandling(): void {
  if (listeners.size > 0) return;
  for (const name of Object.keys(SIGNALS) as SignalName[]) {
    const listener = () => {
      const runs = [...active];
      console.error(
        `vnmig: ${name}: tearing down ${runs.length} run(s); please wait`,
      );
      const exit = runs.some((r) => r.exitOnSignal);
      Promise.allSettled(runs.map((r) => r.interrupt(name))).finally(() => {
        if (exit) Deno.exit(128 + SIGNALS[name]);
      });
    };
    listeners.set(name, listener);
    Deno.addSignalListener(name, listener);
  }
}

function removeSignalHandling(): void {
  if (active.size > 0) return;
  for (const [name, listener] of listeners) {
    Deno.removeSignalListener(name, listener);
  }
  listeners.clear();
}

function randomRunId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  let id = "";
  for (const b of bytes) id += (b % 36).toString(36);
  return id;
}

const SUFFIX = /^[a-z0-9]{1,9}$/;

/**
 * A testbed run's host resources, removed in reverse order on teardown,
 * on a signal, or by `clean` after a kill -9.
 *
 * @example
 * ```ts ignore
 * import { HostRun } from "@vnmig/vnmig/testbed/host";
 * const run = await HostRun.start({ label: "vmtestbed" });
 * try {
 *   const ns = await run.addNamespace("h");
 *   const [a] = await run.addVethPair("ma", "mb", { namespaceA: ns, mtu: 1500 });
 *   await run.shapeEgress(a, { namespace: ns, rateBitsPerSecond: 100e6 });
 *   const child = run.spawn(["sleep", "10"], { namespace: ns });
 *   await run.stopProcess(child);
 * } finally {
 *   await run.teardown();
 * }
 * ```
 */
export class HostRun {
  /** The run's id (4 letters or digits). */
  readonly runId: string;
  /** Prefix of every name the run gives: "vn" + the run id. */
  readonly namePrefix: string;
  /** The project run directory. */
  readonly runRoot: string;
  /** The run's private directory (sockets, logs), removed at teardown unless kept. */
  readonly dir: string;
  /** The testbed's label. */
  readonly label: string;
  /** Whether a signal makes the process exit after the teardown. */
  readonly exitOnSignal: boolean;
  readonly #abort = new AbortController();
  readonly #cleanCommand: string;
  readonly #graceSeconds: number;
  readonly #keepRunDir: boolean;
  readonly #children = new Map<Deno.ChildProcess, HostResource>();
  #state: RunState;
  #teardown: Promise<TeardownReport> | undefined;

  private constructor(
    runRoot: string,
    runId: string,
    options: HostRunOptions,
  ) {
    this.runRoot = runRoot;
    this.runId = runId;
    this.namePrefix = `vn${runId}`;
    this.dir = runPaths(runRoot, runId).dir;
    this.label = options.label ?? "vnmig";
    this.exitOnSignal = options.exitOnSignal ?? true;
    this.#cleanCommand = options.cleanCommand ??
      `deno task ${this.label} clean`;
    this.#graceSeconds = options.processGraceSeconds ?? 3;
    this.#keepRunDir = options.keepRunDir ?? false;
    const ownerTicks = processStartTicks(Deno.pid) ?? 0;
    this.#state = {
      version: 1,
      runId,
      namePrefix: this.namePrefix,
      label: this.label,
      cleanCommand: this.#cleanCommand,
      owner: { pid: Deno.pid, startTicks: ownerTicks, bootId: bootId() },
      startedAt: new Date().toISOString(),
      resources: [],
    };
  }

  /**
   * Installs the signal handling, then registers a new run under a fresh
   * id (refusing, by default, when killed runs left resources), and
   * creates its private directory.
   */
  static async start(options: HostRunOptions = {}): Promise<HostRun> {
    const label = options.label ?? "vnmig";
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(label)) {
      throw new RangeError(
        `label must be 1-32 lower-case letters, digits or '-', starting with a letter; got ${
          JSON.stringify(label)
        }`,
      );
    }
    const grace = options.processGraceSeconds ?? 3;
    if (!(Number.isFinite(grace) && grace >= 0 && grace <= 600)) {
      throw new RangeError(
        `processGraceSeconds must be a finite number in [0, 600]; got ${grace}`,
      );
    }
    const policy = options.staleLeftovers ?? "refuse";
    if (policy !== "refuse" && policy !== "warn") {
      throw new RangeError(
        `staleLeftovers must be one of "refuse", "warn"; got ${
          JSON.stringify(policy)
        }`,
      );
    }
    const runRoot = options.runRoot ?? DEFAULT_RUN_ROOT;
    installSignalHandling();
    let lockFile: Deno.FsFile | undefined;
    try {
      const run = await withRegistryLock(runRoot, async () => {
        const runs = await listRuns(runRoot);
        // Another testbed's leftovers cannot collide with this run (names
        // are run-unique): they are reported; this testbed's refuse a start.
        const stale = runs.filter((r) => !r.live);
        const own = stale.filter((r) => r.state.label === label);
        const others = describeStaleRuns(
          stale.filter((r) => r.state.label !== label),
        );
        if (own.length > 0 && policy === "refuse") {
          throw new Error(describeStaleRuns(own));
        }
        const warning = describeStaleRuns(policy === "warn" ? stale : []) ||
          others;
        if (warning !== "") console.error(`warning: ${warning}`);
        const taken = new Set(runs.map((r) => r.state.runId));
        let runId = randomRunId();
        while (taken.has(runId)) runId = randomRunId();
        const run = new HostRun(runRoot, runId, { ...options, label });
        // The liveness lock, held (never inherited: close-on-exec) until the process ends.
        lockFile = Deno.openSync(runPaths(runRoot, runId).lock, {
          create: true,
          write: true,
        });
        await lockFile.lock(true);
        run.#lockFile = lockFile;
        active.add(run);
        if (!run.#keepRunDir) run.#record({ kind: "path", path: run.dir });
        else writeRunState(runRoot, run.#state);
        Deno.mkdirSync(run.dir, { recursive: true, mode: 0o700 });
        return run;
      });
      return run;
    } catch (error) {
      lockFile?.close();
      removeSignalHandling();
      throw error;
    }
  }

  #lockFile: Deno.FsFile | undefined;

  /** Aborted when the run is interrupted by a signal or torn down: pass it to waits. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** What the run has created and not yet removed, in creation order. */
  get resources(): readonly HostResource[] {
    return this.#state.resources;
  }

  /**
   * The run-unique name for `suffix` (1-9 lower-case letters or digits):
   * the prefix then the suffix, at most 15 characters (an interface name).
   */
  name(suffix: string): string {
    if (!SUFFIX.test(suffix)) {
      throw new RangeError(
        `name suffix must be 1-9 lower-case letters or digits; got ${
          JSON.stringify(suffix)
        }`,
      );
    }
    return `${this.namePrefix}${suffix}`;
  }

  #assertLive(): void {
    if (this.#teardown !== undefined) {
      throw new Error(`run ${this.namePrefix} is torn down`);
    }
  }

  #record(resource: HostResource): void {
    this.#state = {
      ...this.#state,
      resources: [...this.#state.resources, resource],
    };
    writeRunState(this.runRoot, this.#state);
  }

  #forget(resource: HostResource): void {
    this.#state = {
      ...this.#state,
      resources: this.#state.resources.filter((r) => r !== resource),
    };
    writeRunState(this.runRoot, this.#state);
  }

  /** Runs a command to completion (not recorded: it creates nothing that lasts). */
  exec(
    argv: readonly string[],
    options: RunCommandOptions = {},
  ): Promise<CommandResult> {
    return runCommand(argv, options);
  }

  /** Records a file or folder the run creates outside its private directory, so teardown and `clean` remove it. */
  trackPath(path: string): void {
    this.#assertLive();
    if (!path.startsWith("/")) {
      throw new RangeError(
        `path must be absolute; got ${JSON.stringify(path)}`,
      );
    }
    this.#record({ kind: "path", path });
  }

  /** Creates a network namespace (loopback up); returns its name. */
  async addNamespace(suffix: string): Promise<string> {
    this.#assertLive();
    const name = this.name(suffix);
    this.#record({ kind: "namespace", name });
    await runCommand(["ip", "netns", "add", name]);
    await runCommand(["ip", "-n", name, "link", "set", "lo", "up"]);
    return name;
  }

  /** Records, then creates, a link named for `suffix` with `ip [-n ns] link|tuntap add ...`. */
  async #addLink(
    suffix: string,
    namespace: string | undefined,
    add: (name: string) => string[],
  ): Promise<string> {
    this.#assertLive();
    const name = this.name(suffix);
    this.#record({ kind: "link", name, namespace });
    await runCommand(["ip", ...nsArgs(namespace), ...add(name)]);
    return name;
  }

  /** Creates a Linux bridge (STP off, up); returns its name. */
  async addBridge(
    suffix: string,
    options: { readonly namespace?: string } = {},
  ): Promise<string> {
    const name = await this.#addLink(suffix, options.namespace, (n) => [
      "link",
      "add",
      n,
      "type",
      "bridge",
      "stp_state",
      "0",
      "forward_delay",
      "0",
    ]);
    await this.#configure(name, options.namespace, undefined, undefined);
    return name;
  }

  /** Creates a tap device (for a VM's NIC; the process that opens it must run in its namespace), optionally enslaved to a bridge, up; returns its name. */
  async addTap(
    suffix: string,
    options: {
      readonly namespace?: string;
      readonly master?: string;
      readonly mtu?: number;
    } = {},
  ): Promise<string> {
    const name = await this.#addLink(suffix, options.namespace, (n) => [
      "tuntap",
      "add",
      "dev",
      n,
      "mode",
      "tap",
    ]);
    await this.#configure(name, options.namespace, options.master, options.mtu);
    return name;
  }

  /**
   * Creates a veth pair, each end in its namespace (default the root one)
   * and optionally enslaved to a bridge there, both up; returns both names.
   */
  async addVethPair(
    suffixA: string,
    suffixB: string,
    options: {
      readonly namespaceA?: string;
      readonly namespaceB?: string;
      readonly masterA?: string;
      readonly masterB?: string;
      readonly mtu?: number;
    } = {},
  ): Promise<[string, string]> {
    this.#assertLive();
    const a = this.name(suffixA);
    const b = this.name(suffixB);
    // Deleting either end deletes the pair; record both in case one namespace goes first.
    this.#record({ kind: "link", name: b, namespace: options.namespaceB });
    this.#record({ kind: "link", name: a, namespace: options.namespaceA });
    const where = (n?: string) => (n === undefined ? [] : ["netns", n]);
    await runCommand([
      "ip",
      "link",
      "add",
      a,
      ...where(options.namespaceA),
      "type",
      "veth",
      "peer",
      "name",
      b,
      ...where(options.namespaceB),
    ]);
    await this.#configure(a, options.namespaceA, options.masterA, options.mtu);
    await this.#configure(b, options.namespaceB, options.masterB, options.mtu);
    return [a, b];
  }

  async #configure(
    name: string,
    namespace: string | undefined,
    master: string | undefined,
    mtu: number | undefined,
  ): Promise<void> {
    const ns = nsArgs(namespace);
    if (mtu !== undefined) {
      if (!(Number.isInteger(mtu) && mtu >= 68 && mtu <= 65535)) {
        throw new RangeError(
          `mtu must be an integer in [68, 65535]; got ${mtu}`,
        );
      }
      await runCommand(["ip", ...ns, "link", "set", name, "mtu", String(mtu)]);
    }
    if (master !== undefined) {
      await runCommand(["ip", ...ns, "link", "set", name, "master", master]);
    }
    await runCommand(["ip", ...ns, "link", "set", name, "up"]);
  }

  /** Shapes a device's egress with a token bucket (tc tbf), replacing its root qdisc. */
  async shapeEgress(device: string, options: ShapeOptions): Promise<void> {
    this.#assertLive();
    const rate = options.rateBitsPerSecond;
    if (!(Number.isFinite(rate) && rate >= 1e3 && rate <= 1e11)) {
      throw new RangeError(
        `rateBitsPerSecond must be a finite number in [1000, 100000000000]; got ${rate}`,
      );
    }
    const burst = options.burstBytes ?? Math.max(3028, Math.ceil(rate / 8000));
    if (!(Number.isInteger(burst) && burst >= 1514 && burst <= 1 << 30)) {
      throw new RangeError(
        `burstBytes must be an integer in [1514, ${1 << 30}]; got ${burst}`,
      );
    }
    const queueSeconds = options.queueSeconds ?? 0.05;
    if (
      !(Number.isFinite(queueSeconds) && queueSeconds > 0 && queueSeconds <= 10)
    ) {
      throw new RangeError(
        `queueSeconds must be a finite number in (0, 10]; got ${queueSeconds}`,
      );
    }
    this.#record({ kind: "qdisc", device, namespace: options.namespace });
    await runCommand([
      "tc",
      ...nsArgs(options.namespace),
      "qdisc",
      "replace",
      "dev",
      device,
      "root",
      "tbf",
      "rate",
      `${Math.round(rate)}bit`,
      "burst",
      String(burst),
      "latency",
      `${Math.round(queueSeconds * 1e6)}us`,
    ]);
  }

  /**
   * Starts a process (in a namespace if given) and records it (process id
   * and start time) at once. Teardown ends it (SIGTERM, then SIGKILL).
   */
  spawn(
    argv: readonly string[],
    options: SpawnOptions = {},
  ): Deno.ChildProcess {
    this.#assertLive();
    if (argv.length === 0) throw new RangeError("argv must not be empty");
    const full = inNamespace(argv, options.namespace);
    const child = new Deno.Command(full[0], {
      args: full.slice(1),
      env: options.env,
      stdin: options.stdin ?? "null",
      stdout: options.stdout ?? "piped",
      stderr: options.stderr ?? "piped",
    }).spawn();
    const resource: HostResource = {
      kind: "process",
      pid: child.pid,
      startTicks: processStartTicks(child.pid) ?? -1,
      command: argv.join(" ").slice(0, 200),
    };
    this.#record(resource);
    this.#children.set(child, resource);
    return child;
  }

  /** Ends a process this run spawned (SIGTERM, then SIGKILL after the grace), waits for it, and forgets it. */
  async stopProcess(child: Deno.ChildProcess): Promise<Deno.CommandStatus> {
    const resource = this.#children.get(child);
    if (resource === undefined || resource.kind !== "process") {
      throw new RangeError("stopProcess: not a process of this run");
    }
    const status = await endChild(child, this.#graceSeconds);
    this.#children.delete(child);
    this.#forget(resource);
    return status;
  }

  /** Called by the signal handler: aborts {@linkcode signal}, then tears down. */
  interrupt(signal: string): Promise<TeardownReport> {
    this.#abort.abort(new Error(`interrupted by ${signal}`));
    return this.teardown();
  }

  /**
   * Removes everything the run created, in reverse order (processes end
   * before their namespaces go), then its state. Safe to call more than
   * once and after a partial setup; what cannot be removed stays in the
   * state file (for `clean`) and is reported, never thrown.
   */
  teardown(): Promise<TeardownReport> {
    this.#teardown ??= this.#doTeardown();
    return this.#teardown;
  }

  async #doTeardown(): Promise<TeardownReport> {
    if (!this.#abort.signal.aborted) {
      this.#abort.abort(new Error("run torn down"));
    }
    // Our own children first, through their handles: their process ids
    // cannot be reused before we reap them.
    for (const child of [...this.#children.keys()].reverse()) {
      await endChild(child, this.#graceSeconds);
    }
    const { removed, failed } = await removeRunResources(
      this.runRoot,
      this.#state,
      this.#graceSeconds,
    );
    this.#state = {
      ...this.#state,
      resources: this.#state.resources.filter((r) => !removed.includes(r)),
    };
    // Reap our own children (they were ended above).
    for (const child of this.#children.keys()) {
      await child.status.catch(() => {});
    }
    this.#children.clear();
    if (failed.length === 0) {
      await withRegistryLock(this.runRoot, () => {
        forgetRun(this.runRoot, this.runId);
      });
    } else {
      for (const f of failed) {
        console.error(
          `warning: could not remove ${f.resource.kind} (${f.message}); run: ${this.#cleanCommand}`,
        );
      }
    }
    this.#lockFile?.close();
    this.#lockFile = undefined;
    active.delete(this);
    removeSignalHandling();
    return { removed, failed };
  }
}

/** Ends a child of this process: SIGTERM, SIGKILL after `graceSeconds`; waits for it. */
async function endChild(
  child: Deno.ChildProcess,
  graceSeconds: number,
): Promise<Deno.CommandStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const exited = Promise.race([
    child.status.then(() => true),
    new Promise<false>((
      r,
    ) => (timer = setTimeout(() => r(false), graceSeconds * 1000))),
  ]);
  try {
    child.kill("SIGTERM");
  } catch {
    // Already exited.
  }
  if (!(await exited)) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited meanwhile.
    }
  }
  clearTimeout(timer);
  return await child.status;
}

function nsArgs(namespace?: string): string[] {
  return namespace === undefined ? [] : ["-n", namespace];
}

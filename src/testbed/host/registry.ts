/**
 * The run registry: one state file per testbed run under a project run
 * directory (default {@linkcode DEFAULT_RUN_ROOT}), listing, in creation
 * order, every host resource the run created. A run holds an exclusive lock
 * on its own lock file for as long as it lives, so a run whose lock can be
 * taken is dead (killed, crashed) whatever its process id became: its
 * resources are leftovers. {@linkcode cleanRuns} removes exactly those, in
 * reverse order, and nothing else; live runs are never touched.
 *
 * Files in the run root: `registry.lock` (serialises starting and
 * cleaning), and per run `<runId>.json` (the state), `<runId>.lock` (the
 * liveness lock) and `<runId>/` (the run's private directory).
 *
 * @module
 */

import { runCommand } from "./command.ts";
import { processAlive, processStartTicks } from "./_proc.ts";

/** Default project run directory (a tmpfs on Linux: gone after a reboot, like namespaces). */
export const DEFAULT_RUN_ROOT = "/run/vnmig";

/** A host resource a run created, as its state file lists it. */
export type HostResource =
  | {
    /** A network namespace (`ip netns add`). */
    readonly kind: "namespace";
    /** Its name. */
    readonly name: string;
  }
  | {
    /** A network interface: veth (one end is enough), bridge, tap. */
    readonly kind: "link";
    /** Its name. */
    readonly name: string;
    /** The namespace it lives in (none: the root namespace). */
    readonly namespace?: string;
  }
  | {
    /** A root queueing discipline (tc shaping) on a device. */
    readonly kind: "qdisc";
    /** The device. */
    readonly device: string;
    /** The device's namespace (none: the root namespace). */
    readonly namespace?: string;
  }
  | {
    /** A process the run started. */
    readonly kind: "process";
    /** Its process id. */
    readonly pid: number;
    /** Its start time, clock ticks since boot (tells a reused pid apart). */
    readonly startTicks: number;
    /** The command, for messages. */
    readonly command: string;
  }
  | {
    /** A file or directory the run created (removed recursively). */
    readonly kind: "path";
    /** Absolute path. */
    readonly path: string;
  };

/** The state file of a run. */
export interface RunState {
  /** Format version (1). */
  readonly version: 1;
  /** The run's id: its name prefix without the project letters. */
  readonly runId: string;
  /** Prefix of every name the run gives (namespaces, links). */
  readonly namePrefix: string;
  /** Which testbed started it ("vmtestbed"). */
  readonly label: string;
  /** The command that removes its leftovers ("deno task vmtestbed clean"). */
  readonly cleanCommand: string;
  /** The owning process: id, start ticks, boot id. */
  readonly owner: {
    readonly pid: number;
    readonly startTicks: number;
    readonly bootId: string;
  };
  /** ISO time the run started. */
  readonly startedAt: string;
  /** What it created, in creation order. */
  readonly resources: readonly HostResource[];
}

/** A registered run and whether its owner still lives. */
export interface RegisteredRun {
  /** Its state file's content. */
  readonly state: RunState;
  /** Whether the owner holds its lock (false: its resources are leftovers). */
  readonly live: boolean;
}

/** Paths of a run's files in the run root. */
export function runPaths(
  runRoot: string,
  runId: string,
): { state: string; lock: string; dir: string } {
  return {
    state: `${runRoot}/${runId}.json`,
    lock: `${runRoot}/${runId}.lock`,
    dir: `${runRoot}/${runId}`,
  };
}

/** Writes a state file whole or not at all (temporary file beside it, then rename). */
export function writeRunState(runRoot: string, state: RunState): void {
  const { state: path } = runPaths(runRoot, state.runId);
  const tmp = `${path}.tmp`;
  Deno.writeTextFileSync(tmp, JSON.stringify(state, null, 1) + "\n");
  Deno.renameSync(tmp, path);
}

/**
 * Runs `body` holding the registry lock of `runRoot` (created if missing),
 * so that starting and cleaning runs never interleave.
 */
export async function withRegistryLock<T>(
  runRoot: string,
  body: () => Promise<T> | T,
): Promise<T> {
  Deno.mkdirSync(runRoot, { recursive: true, mode: 0o755 });
  const file = Deno.openSync(`${runRoot}/registry.lock`, {
    create: true,
    write: true,
  });
  try {
    await file.lock(true);
    return await body();
  } finally {
    file.close();
  }
}

function readState(path: string): RunState | undefined {
  try {
    const state = JSON.parse(Deno.readTextFileSync(path)) as RunState;
    return state.version === 1 && typeof state.runId === "string" &&
        Array.isArray(state.resources)
      ? state
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a run's owner still lives: it holds the lock on its lock file (an
 * exclusive lock another open cannot take; the kernel drops it when the
 * owner dies, however it dies). The lock decides; the owner's process id
 * is consulted only when the lock file is missing.
 */
function ownerLive(runRoot: string, state: RunState): boolean {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(runPaths(runRoot, state.runId).lock, { read: true });
  } catch {
    // No lock file: the run never finished starting, or lost it: judge by the process.
    return processAlive(
      state.owner.pid,
      state.owner.startTicks,
      state.owner.bootId,
    );
  }
  try {
    return !file.tryLockSync(true);
  } finally {
    file.close();
  }
}

/**
 * Every run registered under `runRoot` (default {@linkcode DEFAULT_RUN_ROOT}),
 * live or not, oldest first. A missing run root holds no runs.
 *
 * @example
 * ```ts
 * import { listRuns } from "@vnmig/vnmig/testbed/host";
 * const runRoot = Deno.makeTempDirSync();
 * if ((await listRuns(runRoot)).length !== 0) throw new Error();
 * Deno.removeSync(runRoot, { recursive: true });
 * ```
 */
export function listRuns(
  runRoot: string = DEFAULT_RUN_ROOT,
): Promise<RegisteredRun[]> {
  const runs: RegisteredRun[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(runRoot)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return Promise.resolve([]);
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const state = readState(`${runRoot}/${entry.name}`);
    if (state === undefined) continue;
    runs.push({ state, live: ownerLive(runRoot, state) });
  }
  runs.sort((a, b) =>
    a.state.startedAt < b.state.startedAt
      ? -1
      : a.state.startedAt > b.state.startedAt
      ? 1
      : 0
  );
  return Promise.resolve(runs);
}

/** Counts of a run's resources by kind, for messages ("2 namespaces, 1 process"). */
export function describeResources(resources: readonly HostResource[]): string {
  const names: Record<HostResource["kind"], [string, string]> = {
    namespace: ["namespace", "namespaces"],
    link: ["link", "links"],
    qdisc: ["qdisc", "qdiscs"],
    process: ["process", "processes"],
    path: ["file or folder", "files or folders"],
  };
  const counts = new Map<HostResource["kind"], number>();
  for (const r of resources) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  const parts = [...counts].map(([kind, n]) =>
    `${n} ${names[kind][n === 1 ? 0 : 1]}`
  );
  return parts.length === 0 ? "nothing" : parts.join(", ");
}

/**
 * The message for leftovers found at start: which runs, what they left, and
 * the command that removes them ("" when there are none).
 *
 * @example
 * ```ts
 * import { describeStaleRuns, type RegisteredRun } from "@vnmig/vnmig/testbed/host";
 * const stale: RegisteredRun = { live: false, state: {
 *   version: 1, runId: "ab12", namePrefix: "vnab12", label: "vmtestbed",
 *   cleanCommand: "deno task vmtestbed clean", startedAt: "2025-01-01T00:00:00Z",
 *   owner: { pid: 42, startTicks: 1, bootId: "x" },
 *   resources: [{ kind: "namespace", name: "vnab12h" }, { kind: "process", pid: 43, startTicks: 2, command: "qemu" }],
 * } };
 * const message = describeStaleRuns([stale]);
 * if (!message.includes("1 namespace, 1 process") || !message.includes("deno task vmtestbed clean")) throw new Error(message);
 * if (describeStaleRuns([]) !== "") throw new Error();
 * ```
 */
export function describeStaleRuns(stale: readonly RegisteredRun[]): string {
  if (stale.length === 0) return "";
  const lines = stale.map((r) =>
    `  run ${r.state.namePrefix} (${r.state.label}, pid ${r.state.owner.pid}, started ${r.state.startedAt}): ${
      describeResources(r.state.resources)
    }`
  );
  const commands = [...new Set(stale.map((r) => r.state.cleanCommand))];
  return `leftovers of ${stale.length} killed run(s) found:\n${
    lines.join("\n")
  }\nremove them with: ${commands.join(" ; ")}`;
}

/** A resource that could not be removed, and why. */
export interface RemovalFailure {
  /** The resource. */
  readonly resource: HostResource;
  /** The error message. */
  readonly message: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Ends a process of this boot (SIGTERM, then SIGKILL after `graceSeconds`), only if (pid, startTicks) still names it. */
export async function endProcess(
  pid: number,
  startTicks: number,
  graceSeconds: number,
): Promise<void> {
  const alive = () => processStartTicks(pid) === startTicks;
  if (!alive()) return;
  for (
    const [signal, waitMs] of [["SIGTERM", graceSeconds * 1000], [
      "SIGKILL",
      5000,
    ]] as const
  ) {
    try {
      Deno.kill(pid, signal);
    } catch {
      return; // Gone between the check and the signal.
    }
    for (let t = 0; t < waitMs && alive(); t += 20) await sleep(20);
    if (!alive()) return;
  }
  throw new Error(`process ${pid} did not end after SIGKILL`);
}

const GONE =
  /Cannot find device|No such file|does not exist|Cannot open network namespace|Invalid handle|Cannot delete qdisc with handle of zero|No such device/i;

/** Removes one resource; a resource already gone counts as removed. */
export async function removeResource(
  resource: HostResource,
  graceSeconds: number,
): Promise<void> {
  const ns = (n?: string) => (n === undefined ? [] : ["-n", n]);
  let argv: string[];
  switch (resource.kind) {
    case "process":
      return await endProcess(resource.pid, resource.startTicks, graceSeconds);
    case "path":
      try {
        Deno.removeSync(resource.path, { recursive: true });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      return;
    case "namespace":
      argv = ["ip", "netns", "del", resource.name];
      break;
    case "link":
      argv = ["ip", ...ns(resource.namespace), "link", "del", resource.name];
      break;
    case "qdisc":
      argv = [
        "tc",
        ...ns(resource.namespace),
        "qdisc",
        "del",
        "dev",
        resource.device,
        "root",
      ];
      break;
  }
  const r = await runCommand(argv, { allowFailure: true, timeoutSeconds: 30 });
  if (r.code !== 0 && !GONE.test(r.stderr)) {
    throw new Error(`${argv.join(" ")}: ${r.stderr.trim()}`);
  }
}

/**
 * Removes `state`'s resources in reverse creation order, rewriting the
 * state file after each removal so that a kill during removal leaves an
 * exact list. Returns what could not be removed (those stay in the file).
 */
export async function removeRunResources(
  runRoot: string,
  state: RunState,
  graceSeconds: number,
): Promise<{ removed: HostResource[]; failed: RemovalFailure[] }> {
  let remaining = [...state.resources];
  const removed: HostResource[] = [];
  const failed: RemovalFailure[] = [];
  for (const resource of [...state.resources].reverse()) {
    try {
      await removeResource(resource, graceSeconds);
      removed.push(resource);
      remaining = remaining.filter((r) => r !== resource);
      writeRunState(runRoot, { ...state, resources: remaining });
    } catch (error) {
      failed.push({
        resource,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { removed, failed };
}

/** Deletes a run's state and lock files (after its resources are gone). */
export function forgetRun(runRoot: string, runId: string): void {
  const paths = runPaths(runRoot, runId);
  for (const p of [paths.state, paths.lock]) {
    try {
      Deno.removeSync(p);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

/** Options of {@linkcode cleanRuns}. */
export interface CleanOptions {
  /** Project run directory; default {@linkcode DEFAULT_RUN_ROOT}. */
  readonly runRoot?: string;
  /** Clean only runs of this label ("vmtestbed"); default every label. */
  readonly label?: string;
  /** Seconds a leftover process gets between SIGTERM and SIGKILL; default 2. */
  readonly graceSeconds?: number;
}

/** What {@linkcode cleanRuns} did, per dead run. */
export interface CleanReport {
  /** The dead runs cleaned (or partly cleaned). */
  readonly runs: readonly {
    /** The run's name prefix. */
    readonly namePrefix: string;
    /** Its label. */
    readonly label: string;
    /** Resources removed. */
    readonly removed: readonly HostResource[];
    /** Resources that could not be removed (still listed in its state file). */
    readonly failed: readonly RemovalFailure[];
  }[];
  /** Live runs left alone. */
  readonly liveRuns: number;
}

/**
 * Removes what killed runs left (the resources their state files list, in
 * reverse order) and nothing else: live runs, other labels (when `label` is
 * given) and anything no state file lists are left alone. A run's state file
 * goes once all its resources are gone.
 *
 * @example
 * ```ts
 * import { cleanRuns } from "@vnmig/vnmig/testbed/host";
 * const runRoot = Deno.makeTempDirSync();
 * const report = await cleanRuns({ runRoot });
 * if (report.runs.length !== 0 || report.liveRuns !== 0) throw new Error();
 * Deno.removeSync(runRoot, { recursive: true });
 * ```
 */
export async function cleanRuns(
  options: CleanOptions = {},
): Promise<CleanReport> {
  const runRoot = options.runRoot ?? DEFAULT_RUN_ROOT;
  const graceSeconds = options.graceSeconds ?? 2;
  try {
    Deno.statSync(runRoot);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { runs: [], liveRuns: 0 };
    throw error;
  }
  return await withRegistryLock(runRoot, async () => {
    const runs: CleanReport["runs"][number][] = [];
    let liveRuns = 0;
    for (const { state, live } of await listRuns(runRoot)) {
      if (options.label !== undefined && state.label !== options.label) {
        continue;
      }
      if (live) {
        liveRuns++;
        continue;
      }
      const { removed, failed } = await removeRunResources(
        runRoot,
        state,
        graceSeconds,
      );
      if (failed.length === 0) forgetRun(runRoot, state.runId);
      runs.push({
        namePrefix: state.namePrefix,
        label: state.label,
        removed,
        failed,
      });
    }
    return { runs, liveRuns };
  });
}

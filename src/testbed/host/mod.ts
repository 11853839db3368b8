/**
 * Host resources for every testbed: network namespaces, veth pairs,
 * bridges, taps, tc shaping and processes, owned by one
 * {@linkcode HostRun} per run. A run installs its signal handling before it
 * creates anything, gets run-unique names and a state file under the
 * project run directory (with a liveness lock, so two runs never collide
 * and a killed run is recognised), refuses to start over a killed run's
 * leftovers (saying how to remove them), and removes what it created in
 * reverse order on teardown, failure, SIGINT/SIGTERM/SIGHUP. After a
 * kill -9, {@linkcode cleanRuns} removes what the state files list and
 * nothing else.
 *
 * Needs Linux and root for namespaces and links (`ip`, `tc` from iproute2);
 * the registry itself (state files, locks, processes, paths) works without.
 *
 * @example
 * ```ts
 * import { cleanRuns, HostRun, listRuns } from "@vnmig/vnmig/testbed/host";
 * const runRoot = Deno.makeTempDirSync();
 * const run = await HostRun.start({ label: "demo", runRoot, exitOnSignal: false });
 * const child = run.spawn(["sleep", "30"]);
 * if (run.name("br0") !== `${run.namePrefix}br0`) throw new Error();
 * if ((await listRuns(runRoot))[0].live !== true) throw new Error("a running run is live");
 * if ((await cleanRuns({ runRoot })).liveRuns !== 1) throw new Error("clean leaves live runs alone");
 * await run.teardown();
 * if ((await child.status).success) throw new Error("teardown ended the process");
 * if ((await listRuns(runRoot)).length !== 0) throw new Error("state removed");
 * Deno.removeSync(runRoot, { recursive: true });
 * ```
 *
 * @module
 */

export {
  checkHost,
  type CheckHostOptions,
  type CommandResult,
  type HostAvailability,
  inNamespace,
  type RequiredBinary,
  runCommand,
  type RunCommandOptions,
} from "./command.ts";
export {
  type CleanOptions,
  type CleanReport,
  cleanRuns,
  DEFAULT_RUN_ROOT,
  describeResources,
  describeStaleRuns,
  type HostResource,
  listRuns,
  type RegisteredRun,
  type RemovalFailure,
  type RunState,
} from "./registry.ts";
export {
  HostRun,
  type HostRunOptions,
  type ShapeOptions,
  type SpawnOptions,
  type TeardownReport,
} from "./run.ts";

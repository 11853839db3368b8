/**
 * `deno task testbed clean` (like Mininet's `mn -c`): removes what killed
 * Open vSwitch testbed runs left, and nothing else:
 *
 * - every resource the host registry lists for a dead run of this testbed
 *   (namespaces, veths, bridge taps, both Open vSwitch daemons, the run
 *   directory), through the shared host layer's {@linkcode cleanRuns};
 * - the userspace datapath's tap `ovs-netdev` when no ovs-vswitchd is
 *   running at all and no Open vSwitch testbed run is live (ovs-vswitchd
 *   removes it when it ends; only a vswitchd killed with SIGKILL leaves it);
 * - what the testbed's earlier version (before the registry) left: names
 *   `vnm` + one or two letters or digits + its own suffixes (b0, l0a, h0,
 *   h0i, h0o, d0a), its daemons (their command lines name its run
 *   directories) and those directories (`vnmig-ovs-*` in the temporary
 *   folder).
 *
 * Live runs and dead runs of other testbeds are left alone (the report
 * names the latter with their own clean command).
 *
 * @module
 */

import {
  type CleanReport,
  cleanRuns,
  DEFAULT_RUN_ROOT,
  listRuns,
  type RegisteredRun,
  runCommand,
} from "../host/mod.ts";
import { OVS_DATAPATH_TAP, OVS_TESTBED_LABEL } from "./harness.ts";
import { linkNames, processes } from "./_procs.ts";

/** What {@linkcode cleanOvsTestbed} did. */
export interface OvsCleanReport {
  /** Dead runs of this testbed cleaned through the registry. */
  readonly runs: CleanReport["runs"];
  /** Live runs (of any testbed) left alone. */
  readonly liveRuns: number;
  /** Whether an orphaned `ovs-netdev` tap was removed. */
  readonly datapathTapRemoved: boolean;
  /** Leftovers of the earlier version removed (names, pids, paths). */
  readonly legacyRemoved: readonly string[];
  /** Dead runs of other testbeds, left to their own clean command. */
  readonly otherTestbeds: readonly RegisteredRun[];
}

/** Options of {@linkcode cleanOvsTestbed} and {@linkcode findOvsLeftovers}. */
export interface OvsCleanOptions {
  /** The host registry's run directory; default /run/vnmig. */
  readonly runRoot?: string;
}

/** Names the earlier version gave: "vnm" + its 1-2 character tag + a suffix. */
const LEGACY_LINK = /^vnm[0-9a-z]{1,2}(b\d+|l\d+[ab]|h\d+[io]|d\d+[ab])$/;
const LEGACY_NAMESPACE = /^vnm[0-9a-z]{1,2}h\d+$/;
const LEGACY_DIR = /^vnmig-ovs-/;

function tempDir(): string {
  try {
    return Deno.env.get("TMPDIR") ?? "/tmp";
  } catch {
    return "/tmp";
  }
}

async function namespaceNames(): Promise<string[]> {
  const r = await runCommand(["ip", "netns", "list"]);
  return r.stdout.split("\n").map((l) => l.split(" ")[0]).filter((n) =>
    n !== ""
  );
}

/** Whether an Open vSwitch testbed run holds the machine-wide lock now. */
function ovsRunLive(runRoot: string): boolean {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(`${runRoot}/ovs-testbed.lock`, { read: true });
  } catch {
    return false;
  }
  try {
    return !file.tryLockSync(true);
  } finally {
    file.close();
  }
}

interface Leftovers {
  readonly dead: RegisteredRun[];
  readonly others: RegisteredRun[];
  readonly orphanTap: boolean;
  readonly legacyNamespaces: string[];
  readonly legacyLinks: string[];
  readonly legacyPids: number[];
  readonly legacyDirs: string[];
}

async function scan(runRoot: string): Promise<Leftovers> {
  const runs = await listRuns(runRoot);
  const dead = runs.filter((r) =>
    !r.live && r.state.label === OVS_TESTBED_LABEL
  );
  const others = runs.filter((r) =>
    !r.live && r.state.label !== OVS_TESTBED_LABEL
  );
  // Names some registered run owns are never "legacy", whatever they look like.
  const owned = new Set<string>();
  for (const r of runs) {
    for (const res of r.state.resources) {
      if (res.kind === "namespace" || res.kind === "link") owned.add(res.name);
    }
  }
  const links = await linkNames();
  const procs = processes();
  const vswitchdRunning = procs.some(([, comm]) => comm === "ovs-vswitchd");
  const tmp = tempDir();
  const legacyDirs: string[] = [];
  try {
    for (const e of Deno.readDirSync(tmp)) {
      if (e.isDirectory && LEGACY_DIR.test(e.name)) {
        legacyDirs.push(`${tmp}/${e.name}`);
      }
    }
  } catch {
    // No temporary folder to read.
  }
  return {
    dead,
    others,
    orphanTap: links.includes(OVS_DATAPATH_TAP) && !vswitchdRunning &&
      !ovsRunLive(runRoot),
    legacyNamespaces: (await namespaceNames()).filter((n) =>
      LEGACY_NAMESPACE.test(n) && !owned.has(n)
    ),
    legacyLinks: links.filter((n) => LEGACY_LINK.test(n) && !owned.has(n)),
    legacyPids: procs.filter(([, comm, cmdline]) =>
      (comm === "ovsdb-server" || comm === "ovs-vswitchd") &&
      cmdline.includes(`${tmp}/vnmig-ovs-`)
    ).map(([pid]) => pid),
    legacyDirs,
  };
}

/**
 * What killed Open vSwitch testbed runs left, as a message saying how to
 * remove it ("" when nothing is left): the testbed prints it at start.
 *
 * @example
 * ```ts ignore
 * import { findOvsLeftovers } from "@vnmig/vnmig/testbed";
 * const message = await findOvsLeftovers();
 * if (message !== "" && !message.includes("deno task testbed clean")) throw new Error();
 * ```
 */
export async function findOvsLeftovers(
  options: OvsCleanOptions = {},
): Promise<string> {
  const found = await scan(options.runRoot ?? DEFAULT_RUN_ROOT);
  const parts: string[] = [];
  if (found.orphanTap) {
    parts.push(
      `the datapath tap ${OVS_DATAPATH_TAP} with no ovs-vswitchd running`,
    );
  }
  const legacy = found.legacyNamespaces.length + found.legacyLinks.length +
    found.legacyPids.length + found.legacyDirs.length;
  if (legacy > 0) {
    parts.push(
      `${found.legacyNamespaces.length} namespaces, ${found.legacyLinks.length} links, ${found.legacyPids.length} Open vSwitch daemons and ${found.legacyDirs.length} run directories of an earlier version`,
    );
  }
  // Registered dead runs are reported by the host layer when a run starts.
  return parts.length === 0
    ? ""
    : `leftovers of killed Open vSwitch testbed runs: ${
      parts.join("; ")
    }\nremove them with: deno task testbed clean`;
}

async function endPid(pid: number): Promise<void> {
  for (
    const [signal, waitMs] of [["SIGTERM", 3000], ["SIGKILL", 3000]] as const
  ) {
    try {
      Deno.kill(pid, signal);
    } catch {
      return;
    }
    for (let t = 0; t < waitMs; t += 20) {
      try {
        Deno.statSync(`/proc/${pid}`);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/**
 * Removes what killed Open vSwitch testbed runs left (see the module doc)
 * and nothing else.
 *
 * @example
 * ```ts ignore
 * import { cleanOvsTestbed } from "@vnmig/vnmig/testbed";
 * const report = await cleanOvsTestbed();
 * console.error(`${report.runs.length} runs cleaned`);
 * ```
 */
export async function cleanOvsTestbed(
  options: OvsCleanOptions = {},
): Promise<OvsCleanReport> {
  const runRoot = options.runRoot ?? DEFAULT_RUN_ROOT;
  const report = await cleanRuns({ runRoot, label: OVS_TESTBED_LABEL });
  const found = await scan(runRoot);
  const legacyRemoved: string[] = [];
  for (const pid of found.legacyPids) {
    await endPid(pid);
    legacyRemoved.push(`process ${pid}`);
  }
  for (const name of found.legacyNamespaces) {
    await runCommand(["ip", "netns", "del", name], { allowFailure: true });
    legacyRemoved.push(`namespace ${name}`);
  }
  for (const name of found.legacyLinks) {
    await runCommand(["ip", "link", "del", name], { allowFailure: true });
    legacyRemoved.push(`link ${name}`);
  }
  for (const dir of found.legacyDirs) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    legacyRemoved.push(`folder ${dir}`);
  }
  // Scan again: ending a daemon above may have removed the tap by itself.
  const tapOrphan = (await scan(runRoot)).orphanTap;
  if (tapOrphan) {
    await runCommand(["ip", "link", "del", OVS_DATAPATH_TAP], {
      allowFailure: true,
    });
  }
  return {
    runs: report.runs,
    liveRuns: report.liveRuns,
    datapathTapRemoved: tapOrphan,
    legacyRemoved,
    otherTestbeds: found.others,
  };
}

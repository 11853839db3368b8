// Processes and links of the host, as the Open vSwitch testbed needs to see
// them: which ovs-vswitchd processes run (only one userspace datapath can
// hold the tap ovs-netdev), and whether that tap exists.

import { runCommand } from "../host/mod.ts";

/** Running processes as [pid, command name, command line] (zombies, which run nothing, left out). */
export function processes(): [number, string, string][] {
  const out: [number, string, string][] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const state = stat.slice(
        stat.lastIndexOf(")") + 2,
        stat.lastIndexOf(")") + 3,
      );
      if (state === "Z" || state === "X") continue;
      const comm = Deno.readTextFileSync(`/proc/${entry.name}/comm`).trim();
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`)
        .replaceAll("\0", " ");
      out.push([Number(entry.name), comm, cmdline]);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Process ids of the running ovs-vswitchd processes. */
export function vswitchdPids(): number[] {
  return processes().filter(([, comm]) => comm === "ovs-vswitchd").map((
    [pid],
  ) => pid);
}

/** Names of the links of the root namespace. */
export async function linkNames(): Promise<string[]> {
  const r = await runCommand(["ip", "-o", "link", "show"]);
  return r.stdout.split("\n").map((l) => l.split(": ")[1]?.split("@")[0])
    .filter((n): n is string => n !== undefined && n !== "");
}

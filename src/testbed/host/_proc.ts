// Process identity on Linux: a process id alone can be reused after the
// process ends, so a tracked process is (pid, start time in clock ticks
// since boot, field 22 of /proc/PID/stat), and the boot it belongs to.
//
// Deno lets only a fully privileged process (-A) read /proc itself; a
// testbed run with narrower permissions (but --allow-run) reads the same
// files through cat(1).

function readProcFile(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    if (!(error instanceof Deno.errors.NotCapable)) return undefined;
  }
  try {
    const out = new Deno.Command("cat", {
      args: [path],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).outputSync();
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

/** Start time of process `pid` in clock ticks since boot; undefined when it does not exist (or is a zombie). */
export function processStartTicks(pid: number): number | undefined {
  const stat = readProcFile(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); field 22 is fields[19].
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  const ticks = Number(fields[19]);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
}

let boot: string | undefined;

/** This boot's id, so that state written before a reboot is told apart. */
export function bootId(): string {
  boot ??= readProcFile("/proc/sys/kernel/random/boot_id")?.trim() ??
    "unknown";
  return boot;
}

/** Whether the process (pid, startTicks) of this boot still runs. */
export function processAlive(
  pid: number,
  startTicks: number,
  boot: string,
): boolean {
  return boot === bootId() && processStartTicks(pid) === startTicks;
}

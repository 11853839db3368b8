// Runs SimGrid 3.32's VM live-migration plugin (precopy.cpp beside this
// file) on the reference cases and writes what it prints as CSV: one row per
// migration (simgrid_precopy.csv) and one per round (simgrid_rounds.csv) for
// the migrations that complete. See README.md beside this file.
//
//   deno run -A tools/simgrid/run.ts --out data/reference
//
// Needs Debian 12's libsimgrid-dev (libsimgrid3.32) and g++. Exit codes: 0
// done, 1 a run failed unexpectedly, 2 bad usage.

import { parseArgs } from "node:util";

const USAGE = "usage: deno run -A tools/simgrid/run.ts --out DIR";

interface Case {
  readonly name: string;
  readonly memoryBytes: number;
  readonly linkBytesPerSecond: number;
  readonly dirtyPagesPerSecond: number;
  readonly workingSetBytes: number;
}

const PAGE = 4096;
const MIB = 2 ** 20;

// 512 MiB over 1 Gbit/s (125e6 bytes/s) at several uniform dirty rates; the
// working set is the whole memory. Then the cap that makes a fast writer
// converge (a working set below the 30 ms threshold), and other shapes.
const CASES: readonly Case[] = [
  ...[5000, 10000, 20000, 25000, 28000, 30000, 40000].map((d) => ({
    name: `512MiB-1Gbps-${d}`,
    memoryBytes: 512 * MIB,
    linkBytesPerSecond: 125e6,
    dirtyPagesPerSecond: d,
    workingSetBytes: 512 * MIB,
  })),
  {
    name: "512MiB-1Gbps-40000-ws655",
    memoryBytes: 512 * MIB,
    linkBytesPerSecond: 125e6,
    dirtyPagesPerSecond: 40000,
    workingSetBytes: 655 * PAGE,
  },
  {
    name: "1GiB-10Gbps-100000",
    memoryBytes: 1024 * MIB,
    linkBytesPerSecond: 1.25e9,
    dirtyPagesPerSecond: 100000,
    workingSetBytes: 1024 * MIB,
  },
  {
    name: "2GiB-100Mbps-1000",
    memoryBytes: 2048 * MIB,
    linkBytesPerSecond: 12.5e6,
    dirtyPagesPerSecond: 1000,
    workingSetBytes: 2048 * MIB,
  },
];

const FLAGS = ["--cfg=network/model:CM02", "--cfg=network/crosstraffic:0"];

async function run(binary: string, c: Case, debug: boolean) {
  const args = [
    String(c.memoryBytes),
    String(c.linkBytesPerSecond),
    String(c.dirtyPagesPerSecond * PAGE),
    String(c.workingSetBytes),
    ...FLAGS,
    `--log=vm_live_migration.thres:${debug ? "debug" : "verbose"}`,
  ];
  const out = await new Deno.Command(binary, {
    args,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
    command: ["precopy", ...args].join(" "),
  };
}

const ROUND =
  /^\[[^\]]* ([0-9.]+)\] \S+ \[vm_live_migration\/DEBUG\] mig-stage(\d)(?:\.(\d+))?: sent (\d+) duration ([0-9.]+)/;

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: { out: { type: "string" }, help: { type: "boolean" } },
      strict: true,
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.out) {
    console.error(USAGE);
    return 2;
  }
  const dir = await Deno.makeTempDir({ prefix: "vnmig-simgrid-" });
  try {
    const binary = `${dir}/precopy`;
    const source = new URL("./precopy.cpp", import.meta.url).pathname;
    const cc = await new Deno.Command("g++", {
      args: ["-O2", "-std=c++17", source, "-o", binary, "-lsimgrid"],
    }).output();
    if (cc.code !== 0) {
      console.error(new TextDecoder().decode(cc.stderr));
      return 1;
    }
    const summary = [
      "case,memory_bytes,link_bytes_per_second,dirty_pages_per_second,page_size_bytes,working_set_bytes,outcome,total_seconds,downtime_seconds,iterative_rounds,stop_and_copy_bytes,end_seconds,command",
    ];
    const roundRows = [
      "case,round,stage,end_seconds,bytes,duration_seconds",
    ];
    for (const c of CASES) {
      // A completed run's rounds come from the debug log; a run that
      // cannot converge is run with the verbose log only (millions of
      // rounds), which still prints its time-out.
      let r = await run(binary, c, false);
      const completed = r.code === 0;
      if (completed) r = await run(binary, c, true);
      const head = [
        c.name,
        c.memoryBytes,
        c.linkBytesPerSecond,
        c.dirtyPagesPerSecond,
        PAGE,
        c.workingSetBytes,
      ];
      if (completed) {
        const m = r.stdout.match(
          /total_seconds ([0-9.]+) downtime_seconds ([0-9.]+)/,
        );
        if (!m) throw new Error(`${c.name}: no result line`);
        let rounds = 0;
        let stopBytes = 0;
        let end = 0;
        for (const line of r.stderr.split("\n")) {
          const g = line.match(ROUND);
          if (!g) continue;
          const stage = Number(g[2]);
          if (stage === 3) stopBytes = Number(g[4]);
          else rounds++;
          end = Number(g[1]);
          roundRows.push(
            [c.name, stage === 3 ? "" : rounds, stage, g[1], g[4], g[5]].join(
              ",",
            ),
          );
        }
        summary.push(
          [...head, "completed", m[1], m[2], rounds, stopBytes, end, r.command]
            .join(","),
        );
      } else {
        // SimGrid aborts: the receiver dies of the comm's time-out.
        const timeout = r.stderr.match(
          /\[[^\]]* ([0-9.]+)\] \S+ \[vm_live_migration\/VERBOSE\] mig-stage2\.(\d+): timeout/,
        );
        if (!timeout || !/TimeoutException/.test(r.stderr)) {
          console.error(
            `${c.name}: exit ${r.code}\n${r.stderr.slice(0, 2000)}`,
          );
          return 1;
        }
        // Stage 1 and stage-2 rounds 0 .. N-1 completed.
        const rounds = 1 + Number(timeout[2]);
        summary.push(
          [...head, "aborted", "", "", rounds, "", timeout[1], r.command].join(
            ",",
          ),
        );
      }
      console.log(summary.at(-1));
    }
    await Deno.mkdir(values.out, { recursive: true });
    await writeAtomic(
      `${values.out}/simgrid_precopy.csv`,
      summary.join("\n") + "\n",
    );
    await writeAtomic(
      `${values.out}/simgrid_rounds.csv`,
      roundRows.join("\n") + "\n",
    );
    return 0;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.exit(await main());

/**
 * `deno task vmtestbed` (as root): the real QEMU pre-copy testbed. A router
 * VM forwarding a CBR UDP stream is migrated live between two namespaces
 * ("physical machines") over a shaped link, measured, and predicted.
 *
 * ```sh
 * deno task vmtestbed run --rate 5000 --busy --ram-check   # one migration
 * deno task vmtestbed sweep --out data/vmtestbed           # the experiments
 * deno task vmtestbed sweep --shard 2/4 --out DIR          # a quarter of them
 * deno task vmtestbed merge --out DIR                      # join the shards, predict, plot
 * deno task vmtestbed image                                # build (or show) the cached guest image
 * deno task vmtestbed clean                                # remove what a killed run left
 * ```
 *
 * Exit codes: 0 done; 1 a run failed or broke an invariant; 2 usage
 * error; 3 this host cannot run the testbed (the reason names what to
 * install); 130/143 interrupted (everything created was removed).
 *
 * @module
 */

import {
  type ParsedFlags,
  parseFlags,
  parseIntegerFlag,
  parseNumberFlag,
  runProgram,
  stringFlag,
  UsageError,
} from "../_args.ts";
import { cleanRuns, describeResources } from "../testbed/host/registry.ts";
import {
  analyzeVmRun,
  type VmMigrationResult,
  vmRunInvariants,
} from "../testbed/qemu/analysis.ts";
import type { VmRunRecord } from "../testbed/qemu/record.ts";
import {
  parseShard,
  type PlannedVmRun,
  shardOf,
  VM_EXPERIMENTS,
  type VmExperiment,
  vmExperimentPlan,
} from "../testbed/qemu/experiments.ts";
import { buildGuestImage } from "../testbed/qemu/image.ts";
import {
  parseRowsCsv,
  type Row,
  rowsToCsv,
  VM_ROUND_COLUMNS,
  VM_RUN_COLUMNS,
  vmRoundRows,
  vmRunRow,
} from "../testbed/qemu/rows.ts";
import {
  runVmMigration,
  VM_TESTBED_LABEL,
  vmTestbedAvailability,
} from "../testbed/qemu/run.ts";
import {
  BUSY_DIRTIER,
  resolveVmScenario,
  type VmScenario,
} from "../testbed/qemu/scenario.ts";
import { writeVmOutputs } from "../testbed/qemu/outputs.ts";
import { vmSummary } from "../testbed/qemu/results.ts";

const USAGE = `Usage: deno task vmtestbed COMMAND [options]   (as root)

Commands:
  run     one migration; prints the measured outcome and the invariants
  sweep   the experiments (${VM_EXPERIMENTS.join(", ")}), one CSV row per run,
          written after every run (so an interruption keeps what finished)
  reanalyze  rebuild the sweep's parts from the raw records (after a change
          to the analysis), without running anything
  merge   join the sweep's parts in --out, add the predictions, write
          runs.csv, rounds.csv and the figures
  image   build the guest image (or find it in the cache) and print its paths
  clean   remove what killed VM testbed runs left (and nothing else)

Common options:
  --cache DIR              guest kernel and image cache
                           (default $XDG_CACHE_HOME/vnmig or ~/.cache/vnmig)
  --run-dir DIR            run registry (default /run/vnmig)
  --kernel-package NAME    guest kernel package (default: what Debian's
                           linux-image-cloud-amd64 depends on)

run options:
  --rate R                 probes per second, 1..20000 (default 1000)
  --bytes N                probe size, 44..1500 (default 64)
  --busy                   run the dirtier (${BUSY_DIRTIER.pagesPerSecond} pages/s round-robin over ${BUSY_DIRTIER.workingSetPages} pages)
  --dirty-rate R           dirtier pages per second, 1..10000000 (implies a dirtier)
  --working-set N          dirtier working set, pages (default ${BUSY_DIRTIER.workingSetPages})
  --pattern rr|random      dirtier pattern (default rr)
  --downtime-limit S       QEMU downtime-limit, seconds, 0.001..100 (default 0.3)
  --link-mbit M            shaped migration link, Mbit/s, 1..10000 (default 100)
  --memory-kib N           guest RAM, KiB (default 262136)
  --refuse-memory          refuse (rather than adjust) a RAM size QEMU 7.2 corrupts
  --auto-converge          QEMU auto-converge
  --ram-check              compare guest RAM page by page on both sides
  --max-migration S        cancel after S seconds, 5..3600 (default 120)
  --seed N                 seed of the dirtier's random pattern (default 0)
  --json                   print the whole measured outcome as JSON

sweep options:
  --out DIR                output folder (default out/vmtestbed)
  --experiments A,B        some of ${VM_EXPERIMENTS.join(", ")} (default all)
  --repeats N              repeats per point, 1..100 (default 3)
  --shard K/N              run only shard K of N (every N-th run from the K-th)
  --resume                 skip runs already in this shard's part file
  --records DIR            keep each run's raw record there, gzipped JSON, for
                           reanalyze (default <out>/records)

reanalyze options:
  --records DIR            raw records to analyse again into <out>/parts
  --out DIR                (default out/vmtestbed)

Exit codes: 0 done; 1 a run failed or broke an invariant; 2 usage error;
3 the host cannot run the testbed; 130/143 interrupted (all removed).`;

const FLAGS = {
  cache: { type: "string" },
  "run-dir": { type: "string" },
  "kernel-package": { type: "string" },
  rate: { type: "string" },
  bytes: { type: "string" },
  busy: { type: "boolean" },
  "dirty-rate": { type: "string" },
  "working-set": { type: "string" },
  pattern: { type: "string" },
  "downtime-limit": { type: "string" },
  "link-mbit": { type: "string" },
  "memory-kib": { type: "string" },
  "refuse-memory": { type: "boolean" },
  "auto-converge": { type: "boolean" },
  "ram-check": { type: "boolean" },
  "max-migration": { type: "string" },
  seed: { type: "string" },
  json: { type: "boolean" },
  out: { type: "string" },
  experiments: { type: "string" },
  repeats: { type: "string" },
  shard: { type: "string" },
  resume: { type: "boolean" },
  records: { type: "string" },
} as const;

/** Flags each command accepts beyond the common ones. */
const COMMAND_FLAGS: Record<string, readonly string[]> = {
  run: [
    "rate",
    "bytes",
    "busy",
    "dirty-rate",
    "working-set",
    "pattern",
    "downtime-limit",
    "link-mbit",
    "memory-kib",
    "refuse-memory",
    "auto-converge",
    "ram-check",
    "max-migration",
    "seed",
    "json",
  ],
  sweep: ["out", "experiments", "repeats", "shard", "resume", "records"],
  reanalyze: ["out", "records"],
  merge: ["out"],
  image: [],
  clean: [],
};
const COMMON = ["cache", "run-dir", "kernel-package"];

function log(line: string): void {
  console.error(line);
}

function defaultCacheDir(): string {
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/vnmig`;
  const home = Deno.env.get("HOME");
  if (!home) {
    throw new UsageError(
      "--cache is needed: neither XDG_CACHE_HOME nor HOME is set",
    );
  }
  return `${home}/.cache/vnmig`;
}

function scenarioFromFlags(flags: ParsedFlags): VmScenario {
  const num = (name: string, min: number, max: number) => {
    const t = stringFlag(flags, name);
    return t === undefined ? undefined : parseNumberFlag(name, t, min, max);
  };
  const int = (name: string, min: number, max: number) => {
    const t = stringFlag(flags, name);
    return t === undefined ? undefined : parseIntegerFlag(name, t, min, max);
  };
  const pattern = stringFlag(flags, "pattern");
  if (pattern !== undefined && pattern !== "rr" && pattern !== "random") {
    throw new UsageError(
      `--pattern must be rr or random; got ${JSON.stringify(pattern)}`,
    );
  }
  const dirtyRate = num("dirty-rate", 1, 1e7);
  const workingSet = int("working-set", 1, 1 << 22);
  const busy = flags.values.busy === true || dirtyRate !== undefined ||
    workingSet !== undefined ||
    pattern !== undefined;
  const link = num("link-mbit", 1, 10000);
  const seed = int("seed", 0, Number.MAX_SAFE_INTEGER);
  return {
    packetsPerSecond: num("rate", 1, 20000),
    packetSizeBytes: int("bytes", 44, 1500),
    seed,
    memoryKiB: int("memory-kib", 32768, 3145728),
    adjustMemory: flags.values["refuse-memory"] !== true,
    linkBitsPerSecond: link === undefined ? undefined : link * 1e6,
    downtimeLimitSeconds: num("downtime-limit", 0.001, 100),
    autoConverge: flags.values["auto-converge"] === true,
    ramCheck: flags.values["ram-check"] === true,
    maxMigrationSeconds: num("max-migration", 5, 3600),
    dirtier: busy
      ? {
        pagesPerSecond: dirtyRate ?? BUSY_DIRTIER.pagesPerSecond,
        workingSetPages: workingSet ?? BUSY_DIRTIER.workingSetPages,
        pattern: pattern ?? "rr",
        seed: seed ?? 0,
      }
      : undefined,
  };
}

function summary(r: VmMigrationResult): string {
  const ms = (
    s: number | null,
  ) => (s === null ? "-" : `${(s * 1000).toFixed(1)} ms`);
  return [
    `${r.completed ? "completed" : "NOT completed"}${
      r.note ? ` (${r.note})` : ""
    }`,
    `downtime (STOP..RESUME) ${ms(r.downtimeSeconds)}; QEMU says ${
      r.qemu && r.completed ? `${r.qemu.downtimeMs} ms` : "-"
    }; total ${
      r.totalMigrationSeconds.toFixed(2)
    } s; ${r.rounds.length} rounds, ${r.syncCount} syncs`,
    `probes: ${r.data.sentPackets} sent, ${r.data.lostPackets} lost (before ${r.lostByPhase.beforeTrigger}, pre-copy ${r.lostByPhase.precopy}, outage ${r.lostByPhase.outage}, after ${r.lostByPhase.after}), ${r.data.delayedPackets} delayed (max ${
      ms(r.data.maxDelaySeconds)
    })`,
    ...(r.ramCheck
      ? [
        `RAM: ${r.ramCheck.differingPages} of ${r.ramCheck.pages} pages differ`,
      ]
      : []),
  ].join("\n");
}

async function requireHost(): Promise<void> {
  const host = await vmTestbedAvailability();
  if (!host.available) {
    console.error(
      `vmtestbed: this host cannot run the VM testbed: ${host.reason}`,
    );
    Deno.exit(3);
  }
}

function writeWhole(path: string, text: string): void {
  const tmp = `${path}.tmp-${Deno.pid}`;
  Deno.writeTextFileSync(tmp, text);
  Deno.renameSync(tmp, path);
}

function readPart(path: string, schema: typeof VM_RUN_COLUMNS): Row[] {
  try {
    return parseRowsCsv(Deno.readTextFileSync(path), schema);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

async function sweep(
  flags: ParsedFlags,
  cacheDir: string,
  runRoot: string | undefined,
  kernelPackage?: string,
): Promise<number> {
  const out = stringFlag(flags, "out", "out/vmtestbed")!;
  if (out.trim() === "") throw new UsageError("--out must name a folder");
  const experiments =
    (stringFlag(flags, "experiments") ?? VM_EXPERIMENTS.join(",")).split(",");
  for (const e of experiments) {
    if (!VM_EXPERIMENTS.includes(e as VmExperiment)) {
      throw new UsageError(
        `--experiments must list some of ${VM_EXPERIMENTS.join(", ")}; got ${
          JSON.stringify(e)
        }`,
      );
    }
  }
  const repeats = parseIntegerFlag(
    "repeats",
    stringFlag(flags, "repeats", "3")!,
    1,
    100,
  );
  let shard = { index: 1, count: 1 };
  const shardText = stringFlag(flags, "shard");
  if (shardText !== undefined) {
    try {
      shard = parseShard(shardText);
    } catch (error) {
      throw new UsageError(`--${(error as Error).message}`);
    }
  }
  const plan = shardOf(
    vmExperimentPlan({ experiments: experiments as VmExperiment[], repeats }),
    shard,
  );
  await requireHost();
  const parts = `${out}/parts`;
  Deno.mkdirSync(parts, { recursive: true });
  const records = stringFlag(flags, "records", `${out}/records`)!;
  Deno.mkdirSync(records, { recursive: true });
  const runsPath = `${parts}/runs.${shard.index}-of-${shard.count}.csv`;
  const roundsPath = `${parts}/rounds.${shard.index}-of-${shard.count}.csv`;
  let runRows = readPart(runsPath, VM_RUN_COLUMNS);
  let roundRows = readPart(roundsPath, VM_ROUND_COLUMNS);
  if (runRows.length > 0 && flags.values.resume !== true) {
    throw new UsageError(
      `${runsPath} already holds ${runRows.length} runs: pass --resume to keep them and run the rest, or remove it`,
    );
  }
  const done = new Set(runRows.map((r) => r.key));
  let failed = 0;
  const todo = plan.filter((p) => !done.has(p.key));
  log(
    `vmtestbed sweep: shard ${shard.index}/${shard.count}: ${todo.length} runs to do (${done.size} done)`,
  );
  for (const [i, planned] of todo.entries()) {
    log(`[${i + 1}/${todo.length}] ${planned.key}`);
    let result: VmMigrationResult;
    try {
      const record = await runVmMigration(planned.scenario, {
        cacheDir,
        runRoot,
        log,
        image: { kernelPackage },
      });
      await writeRecord(`${records}/${recordName(planned.key)}`, {
        planned,
        record,
      });
      result = analyzeVmRun(record);
    } catch (error) {
      failed++;
      log(`  run failed: ${error instanceof Error ? error.message : error}`);
      continue;
    }
    log(summary(result).replace(/^/gm, "  "));
    runRows = [
      ...runRows.filter((r) => r.key !== planned.key),
      vmRunRow(planned, result),
    ];
    roundRows = [
      ...roundRows.filter((r) => r.key !== planned.key),
      ...vmRoundRows(planned, result),
    ];
    writeWhole(runsPath, rowsToCsv(runRows, VM_RUN_COLUMNS));
    writeWhole(roundsPath, rowsToCsv(roundRows, VM_ROUND_COLUMNS));
  }
  log(
    `vmtestbed sweep: ${runsPath} holds ${runRows.length} runs; ${failed} failed`,
  );
  return failed > 0 ? 1 : 0;
}

/** A record file's name for a run key. */
function recordName(key: string): string {
  return `${key.replaceAll("/", "_")}.json.gz`;
}

async function writeRecord(
  path: string,
  value: { planned: PlannedVmRun; record: VmRunRecord },
): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  const body = new Blob([JSON.stringify(value)]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  await Deno.writeFile(tmp, body);
  Deno.renameSync(tmp, path);
}

async function reanalyze(flags: ParsedFlags): Promise<number> {
  const out = stringFlag(flags, "out", "out/vmtestbed")!;
  const records = stringFlag(flags, "records");
  if (records === undefined) {
    throw new UsageError("reanalyze needs --records DIR");
  }
  const runRows: Row[] = [];
  const roundRows: Row[] = [];
  const names = [...Deno.readDirSync(records)].map((e) => e.name).filter((n) =>
    n.endsWith(".json.gz")
  ).sort();
  for (const name of names) {
    const file = await Deno.open(`${records}/${name}`);
    const text = await new Response(
      file.readable.pipeThrough(new DecompressionStream("gzip")),
    ).text();
    const { planned, record } = JSON.parse(text) as {
      planned: PlannedVmRun;
      record: VmRunRecord;
    };
    const result = analyzeVmRun(record);
    runRows.push(vmRunRow(planned, result));
    roundRows.push(...vmRoundRows(planned, result));
  }
  Deno.mkdirSync(`${out}/parts`, { recursive: true });
  for (const e of [...Deno.readDirSync(`${out}/parts`)]) {
    if (/^(runs|rounds)\.\d+-of-\d+\.csv$/.test(e.name)) {
      Deno.removeSync(`${out}/parts/${e.name}`);
    }
  }
  writeWhole(
    `${out}/parts/runs.1-of-1.csv`,
    rowsToCsv(runRows, VM_RUN_COLUMNS),
  );
  writeWhole(
    `${out}/parts/rounds.1-of-1.csv`,
    rowsToCsv(roundRows, VM_ROUND_COLUMNS),
  );
  log(
    `vmtestbed reanalyze: ${runRows.length} records into ${out}/parts/runs.1-of-1.csv`,
  );
  return 0;
}

async function merge(flags: ParsedFlags): Promise<number> {
  const out = stringFlag(flags, "out", "out/vmtestbed")!;
  const parts = `${out}/parts`;
  let names: string[];
  try {
    names = [...Deno.readDirSync(parts)].map((e) => e.name).sort();
  } catch {
    throw new UsageError(
      `${parts} holds no sweep parts (run sweep --out ${out} first)`,
    );
  }
  const runs: Row[] = [];
  const rounds: Row[] = [];
  const owner = new Map<string, string>();
  for (const name of names) {
    const m = /^(runs|rounds)\.(\d+)-of-(\d+)\.csv$/.exec(name);
    if (m === null) continue;
    const rows = parseRowsCsv(
      Deno.readTextFileSync(`${parts}/${name}`),
      m[1] === "runs" ? VM_RUN_COLUMNS : VM_ROUND_COLUMNS,
    );
    if (m[1] === "rounds") {
      rounds.push(...rows);
      continue;
    }
    for (const r of rows) {
      const seen = owner.get(String(r.key));
      if (seen !== undefined) {
        throw new Error(`run ${r.key} is in both ${seen} and ${name}`);
      }
      owner.set(String(r.key), name);
      runs.push(r);
    }
  }
  if (runs.length === 0) {
    throw new UsageError(`${parts} holds no runs.*-of-*.csv`);
  }
  const merged = await writeVmOutputs(out, runs, rounds, log);
  const ms = (v: number | null) =>
    v === null ? "-" : `${(v * 1000).toFixed(0)} ms`;
  const n = (v: number | null, d = 0) => v === null ? "-" : v.toFixed(d);
  log(
    "experiment/role: runs, completion agrees, within tolerance; |error| mean/max: downtime, total, lost; rounds within",
  );
  for (const l of vmSummary(merged)) {
    log(
      `  ${l.experiment}/${l.role}: ${l.runs}, ${l.completionAgrees}, ${l.withinTolerance}; ` +
        `${ms(l.meanAbsDowntimeErrorSeconds)}/${
          ms(l.maxAbsDowntimeErrorSeconds)
        }, ` +
        `${n(l.meanAbsTotalErrorSeconds, 2)}/${
          n(l.maxAbsTotalErrorSeconds, 2)
        } s, ` +
        `${n(l.meanAbsLostError)}/${
          n(l.maxAbsLostError)
        }; ${l.roundsWithin} of ${l.bothCompleted}`,
    );
  }
  return 0;
}

async function main(): Promise<number> {
  const flags = parseFlags(Deno.args, FLAGS);
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...rest] = flags.positionals;
  if (command === undefined) throw new UsageError("a command is needed");
  if (rest.length > 0) throw new UsageError(`unexpected word ${rest[0]}`);
  const allowed = COMMAND_FLAGS[command];
  if (allowed === undefined) throw new UsageError(`unknown command ${command}`);
  for (const name of Object.keys(flags.values)) {
    if (
      flags.values[name] !== undefined && !allowed.includes(name) &&
      !COMMON.includes(name)
    ) {
      throw new UsageError(`--${name} does not apply to ${command}`);
    }
  }
  const runRoot = stringFlag(flags, "run-dir");
  const kernelPackage = stringFlag(flags, "kernel-package");
  if (command === "clean") {
    const report = await cleanRuns({ runRoot, label: VM_TESTBED_LABEL });
    for (const r of report.runs) {
      log(
        `removed run ${r.namePrefix}: ${describeResources(r.removed)}${
          r.failed.length > 0
            ? `; could not remove ${r.failed.map((f) => f.message).join("; ")}`
            : ""
        }`,
      );
    }
    log(
      `vmtestbed clean: ${report.runs.length} killed run(s) cleaned; ${report.liveRuns} live run(s) left alone`,
    );
    return report.runs.some((r) => r.failed.length > 0) ? 1 : 0;
  }
  if (command === "merge") return await merge(flags);
  if (command === "reanalyze") return await reanalyze(flags);
  const cacheDir = stringFlag(flags, "cache") ?? defaultCacheDir();
  if (cacheDir.trim() === "") {
    throw new UsageError("--cache must name a folder");
  }
  if (command === "image") {
    const image = await buildGuestImage(cacheDir, { kernelPackage, log });
    console.log(JSON.stringify(image, null, 1));
    return 0;
  }
  if (command === "sweep") {
    return await sweep(flags, cacheDir, runRoot, kernelPackage);
  }
  // run
  let scenario: VmScenario;
  try {
    scenario = scenarioFromFlags(flags);
    resolveVmScenario(scenario);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  await requireHost();
  const result = analyzeVmRun(
    await runVmMigration(scenario, {
      cacheDir,
      runRoot,
      log,
      image: { kernelPackage },
    }),
  );
  if (flags.values.json === true) console.log(JSON.stringify(result, null, 1));
  else console.log(summary(result));
  const checks = vmRunInvariants(result);
  for (const c of checks) {
    log(`${c.holds ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
  }
  return checks.every((c) => c.holds) ? 0 : 1;
}

if (import.meta.main) await runProgram("vmtestbed", USAGE, main);

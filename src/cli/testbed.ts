/**
 * `deno task testbed` (as root): the OpenFlow migration on Open vSwitch
 * with real UDP traffic, measured against the model's prediction.
 *
 * ```sh
 * deno task testbed --out DIR [--repeats N] [--quick] [--overwrite]
 * deno task testbed run [--ordering O] [--rate N] [--bytes N] [--gap S] [--cached] [--out DIR]
 * deno task testbed calibrate --out FILE
 * deno task testbed clean
 * ```
 *
 * The sweep writes DIR/migration.csv after every finished run (whole:
 * written aside, then renamed), so an interrupted sweep keeps its finished
 * runs, and the figures at the end (or at the interruption). `calibrate`
 * runs the paper's ordering ten times after a warm-up run and writes the
 * calibration {@linkcode OVS_TESTBED_PROFILE} is derived from. `clean`
 * removes what killed runs left. No output has a default: nothing is
 * written where it was not asked to be.
 *
 * Permissions: all (`-A`). Deno grants reading `/proc` and `/sys` only
 * with every permission, and the testbed reads both (the host registry
 * tells processes apart by their start time in `/proc/PID/stat`; the loss
 * counters are sysfs statistics); its probe tools run with the network
 * permission only.
 *
 * Exit codes (the convention of every vnmig program): 0 done; 1 a run
 * failed; 2 usage error; 3 the machine cannot do it (not root, a package
 * missing, a killed run's Open vSwitch still running, an output that
 * cannot be written); 128 + n after signal n (130 for Ctrl-C), once what
 * was finished is written.
 *
 * @module
 */

import { compareOutcomes } from "../migration/mod.ts";
import { type Ordering, ORDERINGS } from "../openflow/plan.ts";
import { describeStaleRuns, listRuns } from "../testbed/host/mod.ts";
import {
  EnvironmentError,
  EXIT_CODES,
  type ParsedFlags,
  parseFlags,
  parseIntegerFlag,
  parseNumberFlag,
  runProgram,
  stringFlag,
  UsageError,
} from "../_args.ts";
import {
  calibrationOf,
  cleanOvsTestbed,
  findOvsLeftovers,
  gapPhaseIndex,
  OVS_CALIBRATION_FACTOR,
  OVS_TESTBED_LABEL,
  OVS_TESTBED_PROFILE,
  OVS_TESTBED_TOLERANCES,
  type OvsMeasuredOutcome,
  ovsStartBlocker,
  ovsSweepPlan,
  type OvsSweepPoint,
  ovsTestbedAvailability,
  type OvsVariant,
  PAPER_AS_PLANNED,
  predictOvsMigration,
  profileFromCalibration,
  runOvsMigration,
  sweepPointScenario,
  testbedLossFigure,
  type TestbedRow,
  testbedRow,
  testbedRowsCsv,
  testbedTimingFigure,
} from "../testbed/mod.ts";

const USAGE = `Usage: deno task testbed [command] [options]   (as root)

Commands:
  (none), sweep
              the sweep: the paper's ordering over rates and packet sizes,
              then the drained paper ordering, the broken orderings and the
              cached datapath; writes DIR/migration.csv after every run and
              the figures at the end
                --out DIR      output folder (required)
                --repeats N    repetitions, 1..100 (default 3)
                --quick        one repetition, fewer rates (10 runs)
                --overwrite    replace an existing DIR/migration.csv
  run         one migration, measured and predicted; prints the comparison
                --ordering O   ${ORDERINGS.join(", ")} (default paper)
                --rate N       probes per second, 1..100000 (default 2000)
                --bytes N      probe size (IPv4 length), 44..1500 (default 64)
                --gap S        wait after the first phase, 0..10 s (default 0)
                --cached       Open vSwitch's datapath flow cache on
                --out DIR      also write DIR/migration.csv (one row)
                --overwrite    replace an existing DIR/migration.csv
  calibrate   ten runs of the paper's ordering after a warm-up; writes the
              calibration the profile is derived from
                --out FILE     the calibration JSON (required)
                --overwrite    replace an existing FILE
  clean       remove what killed testbed runs left (namespaces, links,
              Open vSwitch daemons, run folders), and nothing else

  -h, --help  this text

Exit codes: 0 done; 1 a run failed; 2 usage error; 3 the machine cannot do it
(not root, a package missing, a killed run's Open vSwitch still running: then
run clean, an output that cannot be written); 128 + n after signal n (130 for
Ctrl-C).`;

const FLAGS = {
  out: { type: "string" },
  repeats: { type: "string" },
  quick: { type: "boolean" },
  overwrite: { type: "boolean" },
  ordering: { type: "string" },
  rate: { type: "string" },
  bytes: { type: "string" },
  gap: { type: "string" },
  cached: { type: "boolean" },
} as const;

/** Which flags each command takes. */
const COMMAND_FLAGS: Record<string, readonly string[]> = {
  sweep: ["out", "repeats", "quick", "overwrite"],
  run: ["ordering", "rate", "bytes", "gap", "cached", "out", "overwrite"],
  calibrate: ["out", "overwrite"],
  clean: [],
};

const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;
/** The first signal received, if any: the sweep stops after it. */
let interrupted: keyof typeof SIGNALS | undefined;
/** Runs when a signal comes while no run is in flight. */
let onIdleSignal: (() => void) | undefined;
let running = false;

function installSignals(): void {
  for (const name of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) {
    Deno.addSignalListener(name, () => {
      interrupted ??= name;
      // A run in flight is torn down by its host run's own handler, and then
      // fails; the sweep sees `interrupted` and stops there.
      if (!running) (onIdleSignal ?? (() => Deno.exit(128 + SIGNALS[name])))();
    });
  }
}

/** Writes a file whole or not at all: aside, then renamed over the target. */
async function writeWhole(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw new EnvironmentError(
      `cannot write ${path}: ${(error as Error).message}`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Checks (and creates) an output folder before any run, so a bad --out costs nothing. */
async function prepareOutFolder(
  out: string,
  overwrite: boolean,
): Promise<string> {
  if (out.trim() === "") throw new UsageError("--out must not be empty");
  try {
    const info = await Deno.stat(out);
    if (!info.isDirectory) {
      throw new UsageError(`--out must be a folder; ${out} is a file`);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    try {
      await Deno.mkdir(out, { recursive: true });
    } catch (e) {
      throw new EnvironmentError(
        `cannot create ${out}: ${(e as Error).message}`,
      );
    }
  }
  const csv = `${out}/migration.csv`;
  if (!overwrite && await exists(csv)) {
    throw new UsageError(
      `${csv} exists; pass --overwrite to replace it, or choose another --out`,
    );
  }
  return csv;
}

function label(v: OvsVariant): string {
  return `${v.ordering} (${v.variant})`;
}

/** One sweep point: the run, the prediction of the same scenario, the row. */
async function runPoint(
  point: OvsSweepPoint,
): Promise<{ row: TestbedRow; measured: OvsMeasuredOutcome }> {
  const scenario = sweepPointScenario(point);
  running = true;
  let measured: OvsMeasuredOutcome;
  try {
    measured = await runOvsMigration(scenario, { exitOnSignal: false });
  } finally {
    running = false;
  }
  const predicted = predictOvsMigration(scenario, {
    sendOffsetsSeconds: measured.windowSendOffsetsSeconds,
  });
  const v = point.variant;
  const row = testbedRow(measured, predicted, {
    variant: v.variant,
    gapSeconds: v.gapSeconds,
    gapAfterPhase: v.gapSeconds > 0
      ? gapPhaseIndex(scenario.flows.plan, v)
      : "",
    repeat: point.repeat,
  });
  const within = compareOutcomes(measured, predicted, OVS_TESTBED_TOLERANCES)
    .every((c) => c.within);
  console.error(
    `${label(v)} ${point.packetsPerSecond}/s ${point.packetSizeBytes} B: ` +
      `total ${(row.measuredTotalMigrationSeconds * 1e3).toFixed(2)} ms ` +
      `(model ${(row.predictedTotalMigrationSeconds * 1e3).toFixed(2)}), ` +
      `table drops ${row.measuredTableMissPackets} ${row.tableMissSwitches}, ` +
      `receiver lost ${row.measuredLostPackets} ` +
      `(model ${row.predictedLostPackets}) ` +
      `of ${row.windowPackets} in window; outside ${row.lostOutsideWindowPackets}` +
      `; socket drops ${measured.receiverDropPackets ?? "?"}` +
      `; ${within ? "within" : "OUTSIDE"} the model's tolerance` +
      (row.lostOutsideWindowPackets > 0
        ? ` (lost ranges ${JSON.stringify(measured.receiver.lostRanges)})`
        : ""),
  );
  return { row, measured };
}

async function writeFigures(
  out: string,
  rows: readonly TestbedRow[],
): Promise<void> {
  const saved = [
    ...await (await testbedLossFigure(rows)).save(`${out}/migration_loss`, [
      "svg",
    ]),
    ...await (await testbedTimingFigure(rows)).save(
      `${out}/migration_timing`,
      ["svg"],
    ),
  ];
  console.error(`wrote ${saved.join(", ")}`);
}

/** Runs the points in order, writing the CSV after each; stops at a signal or a failure. */
async function runPoints(
  points: readonly OvsSweepPoint[],
  csvPath: string | undefined,
  out: string | undefined,
): Promise<number> {
  const rows: TestbedRow[] = [];
  let finished = false;
  const finish = async (code: number): Promise<number> => {
    if (finished) return code;
    finished = true;
    if (out !== undefined && rows.length > 0) await writeFigures(out, rows);
    if (csvPath !== undefined) {
      console.error(
        rows.length > 0
          ? `wrote ${csvPath} (${rows.length} of ${points.length} runs)`
          : `nothing written: no run finished`,
      );
    }
    return code;
  };
  onIdleSignal = () => {
    finish(128 + SIGNALS[interrupted!]).then((code) => Deno.exit(code));
  };
  for (const [i, point] of points.entries()) {
    if (interrupted) break;
    console.error(
      `[${i + 1}/${points.length}] ${
        label(point.variant)
      } ${point.packetsPerSecond}/s ${point.packetSizeBytes} B, repeat ${point.repeat}`,
    );
    try {
      const { row } = await runPoint(point);
      rows.push(row);
    } catch (error) {
      if (interrupted) break;
      console.error(`run failed: ${(error as Error).message}`);
      return await finish(EXIT_CODES.failed);
    }
    if (csvPath !== undefined) await writeWhole(csvPath, testbedRowsCsv(rows));
  }
  if (interrupted) {
    console.error(`${interrupted}: stopped after ${rows.length} runs`);
    return await finish(128 + SIGNALS[interrupted]);
  }
  return await finish(0);
}

function only(flags: ParsedFlags, command: string): void {
  const allowed = COMMAND_FLAGS[command];
  for (const [name, value] of Object.entries(flags.values)) {
    if (value !== undefined && !allowed.includes(name)) {
      throw new UsageError(`${command} takes no --${name}`);
    }
  }
}

async function requireTestbed(): Promise<number | undefined> {
  const { available, reason } = await ovsTestbedAvailability();
  if (!available) {
    console.error(`testbed: cannot run here: ${reason}`);
    return EXIT_CODES.environment;
  }
  const blocker = await ovsStartBlocker();
  if (blocker !== "") {
    console.error(`testbed: cannot start: ${blocker}`);
    return EXIT_CODES.environment;
  }
  const registered = (await listRuns()).filter((r) =>
    !r.live && r.state.label === OVS_TESTBED_LABEL
  );
  for (
    const message of [describeStaleRuns(registered), await findOvsLeftovers()]
  ) {
    if (message !== "") console.error(`warning: ${message}`);
  }
  return undefined;
}

async function sweep(flags: ParsedFlags): Promise<number> {
  const out = stringFlag(flags, "out");
  if (out === undefined) {
    throw new UsageError(
      "the sweep needs --out DIR (no default: nothing is written where it was not asked to be)",
    );
  }
  const quick = flags.values.quick === true;
  const repeatsText = stringFlag(flags, "repeats");
  if (quick && repeatsText !== undefined) {
    throw new UsageError("--quick runs one repetition; drop --repeats");
  }
  const repeats = repeatsText === undefined
    ? 3
    : parseIntegerFlag("repeats", repeatsText, 1, 100);
  const points = ovsSweepPlan({ repeats, quick });
  const csv = await prepareOutFolder(out, flags.values.overwrite === true);
  const unavailable = await requireTestbed();
  if (unavailable !== undefined) return unavailable;
  return await runPoints(points, csv, out);
}

async function one(flags: ParsedFlags): Promise<number> {
  const ordering = stringFlag(flags, "ordering", "paper")!;
  if (!(ORDERINGS as readonly string[]).includes(ordering)) {
    throw new UsageError(
      `--ordering must be one of ${ORDERINGS.join(", ")}; got ${
        JSON.stringify(ordering)
      }`,
    );
  }
  const packetsPerSecond = parseIntegerFlag(
    "rate",
    stringFlag(flags, "rate", "2000")!,
    1,
    100_000,
  );
  const packetSizeBytes = parseIntegerFlag(
    "bytes",
    stringFlag(flags, "bytes", "64")!,
    44,
    1500,
  );
  const gapSeconds = parseNumberFlag(
    "gap",
    stringFlag(flags, "gap", "0")!,
    0,
    10,
  );
  const cached = flags.values.cached === true;
  const variant: OvsVariant = {
    ...PAPER_AS_PLANNED,
    ordering: ordering as Ordering,
    variant: [
      gapSeconds > 0 ? "gap after first phase" : "as planned",
      ...(cached ? ["cached datapath"] : []),
    ].join(", "),
    gapSeconds,
    datapathFlowCache: cached,
  };
  const out = stringFlag(flags, "out");
  const csv = out === undefined
    ? undefined
    : await prepareOutFolder(out, flags.values.overwrite === true);
  const unavailable = await requireTestbed();
  if (unavailable !== undefined) return unavailable;
  return await runPoints(
    [{ variant, packetsPerSecond, packetSizeBytes, repeat: 0 }],
    csv,
    out,
  );
}

async function calibrate(flags: ParsedFlags): Promise<number> {
  const out = stringFlag(flags, "out");
  if (out === undefined || out.trim() === "") {
    throw new UsageError("calibrate needs --out FILE (no default)");
  }
  if (flags.values.overwrite !== true && await exists(out)) {
    throw new UsageError(`${out} exists; pass --overwrite to replace it`);
  }
  const unavailable = await requireTestbed();
  if (unavailable !== undefined) return unavailable;
  const load = async () => {
    try {
      return Number((await Deno.readTextFile("/proc/loadavg")).split(" ")[0]);
    } catch {
      return undefined;
    }
  };
  const loadAtStart = await load();
  const executions = [];
  // One warm-up run (cold JIT in the controller), then ten measured ones.
  for (let i = 0; i <= 10; i++) {
    if (interrupted) return 128 + SIGNALS[interrupted];
    console.error(
      `[${i + 1}/11] paper (as planned) 1000/s 64 B${
        i === 0 ? ", warm-up" : ""
      }`,
    );
    let measured: OvsMeasuredOutcome;
    try {
      measured = (await runPoint({
        variant: PAPER_AS_PLANNED,
        packetsPerSecond: 1000,
        packetSizeBytes: 64,
        repeat: i,
      })).measured;
    } catch (error) {
      if (interrupted) return 128 + SIGNALS[interrupted];
      console.error(`run failed: ${(error as Error).message}`);
      return EXIT_CODES.failed;
    }
    if (i > 0) executions.push(measured.execution);
  }
  const loadAtEnd = await load();
  const calibration = calibrationOf(
    executions,
    new Date().toISOString(),
    loadAtStart === undefined || loadAtEnd === undefined
      ? undefined
      : { atStart: loadAtStart, atEnd: loadAtEnd },
  );
  await writeWhole(out, JSON.stringify(calibration, null, 2) + "\n");
  console.log(JSON.stringify(
    {
      derived: profileFromCalibration(calibration),
      current: OVS_TESTBED_PROFILE,
    },
    null,
    2,
  ));
  const derived = profileFromCalibration(calibration);
  const ratio = (a: number, b: number) => Math.max(a / b, b / a);
  const worst = Math.max(
    ratio(
      derived.controllerPerMessageSeconds,
      OVS_TESTBED_PROFILE.controllerPerMessageSeconds,
    ),
    ratio(
      derived.controlChannelLatencySeconds,
      OVS_TESTBED_PROFILE.controlChannelLatencySeconds,
    ),
  );
  console.error(
    `wrote ${out}; the profile lies ${
      worst <= OVS_CALIBRATION_FACTOR ? "within" : "OUTSIDE"
    } a factor ${OVS_CALIBRATION_FACTOR} of it (worst ${worst.toFixed(2)})`,
  );
  return EXIT_CODES.ok;
}

async function clean(): Promise<number> {
  if (Deno.uid() !== 0) {
    console.error("testbed clean: needs root (namespaces, links, daemons)");
    return EXIT_CODES.environment;
  }
  const report = await cleanOvsTestbed();
  let failed = 0;
  for (const r of report.runs) {
    console.error(
      `run ${r.namePrefix}: removed ${r.removed.length} resources${
        r.failed.length > 0 ? `, could not remove ${r.failed.length}` : ""
      }`,
    );
    for (const f of r.failed) {
      console.error(`  ${f.resource.kind}: ${f.message}`);
    }
    failed += r.failed.length;
  }
  if (report.datapathTapRemoved) {
    console.error("removed the orphaned ovs-netdev tap");
  }
  for (const l of report.legacyRemoved) {
    console.error(`removed ${l} (earlier version)`);
  }
  if (report.otherTestbeds.length > 0) {
    console.error(`left alone: ${describeStaleRuns(report.otherTestbeds)}`);
  }
  const removed = report.runs.length + report.legacyRemoved.length +
    (report.datapathTapRemoved ? 1 : 0);
  console.error(
    removed === 0
      ? `nothing to clean (${report.liveRuns} live runs left alone)`
      : `clean: done (${report.liveRuns} live runs left alone)`,
  );
  return failed > 0 ? EXIT_CODES.failed : EXIT_CODES.ok;
}

async function main(): Promise<number> {
  installSignals();
  const flags = parseFlags(Deno.args, FLAGS);
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (flags.positionals.length > 1) {
    throw new UsageError(`unexpected word ${flags.positionals[1]}`);
  }
  const command = flags.positionals[0] ?? "sweep";
  if (!(command in COMMAND_FLAGS)) {
    throw new UsageError(
      `unknown command ${
        JSON.stringify(command)
      } (commands: run, calibrate, clean; none for the sweep)`,
    );
  }
  only(flags, command);
  switch (command) {
    case "run":
      return await one(flags);
    case "calibrate":
      return await calibrate(flags);
    case "clean":
      return await clean();
    default:
      return await sweep(flags);
  }
}

if (import.meta.main) await runProgram("testbed", USAGE, main);

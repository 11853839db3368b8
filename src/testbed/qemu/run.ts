/**
 * One live migration of the router VM on the testbed, end to end:
 * {@linkcode runVmMigration} builds the network ({@linkcode buildVmTestbedNetwork}),
 * boots the router under QEMU on host A and a destination QEMU waiting for
 * the migration on host B, measures the prediction's inputs (non-zero
 * pages, the link's goodput, the dirtier's achieved rate), streams CBR UDP
 * probes through the router with the project's sender and receiver,
 * triggers the migration over QMP, follows it (events and `query-migrate`),
 * cancels it when it does not converge in time, optionally compares the
 * RAM of both sides page by page, and returns the raw
 * {@linkcode VmRunRecord}. Everything it creates belongs to one
 * {@linkcode HostRun}: removed on success, failure, SIGINT/SIGTERM, and by
 * `deno task vmtestbed clean` after a kill -9.
 *
 * Needs root, QEMU (qemu-system-x86), busybox-static, gcc and iproute2
 * ({@linkcode vmTestbedAvailability}).
 *
 * @module
 */

import { checkHost, type HostAvailability } from "../host/command.ts";
import { HostRun } from "../host/run.ts";
import { wallClockMs } from "../udp/clock.ts";
import {
  JsonLinesProcess,
  receiverArgv,
  type ReceiverEnd,
  type ReceiverReady,
  senderArgv,
  type SenderEnd,
  type SenderStart,
} from "../udp/tools.ts";
import {
  buildGuestImage,
  type GuestImage,
  type GuestImageOptions,
} from "./image.ts";
import {
  DIRTIER_READY_LINE,
  GUEST_READY_LINE,
  type GuestConfig,
  guestKernelCommandLine,
} from "./guest_config.ts";
import {
  buildVmTestbedNetwork,
  VM_TESTBED_ADDRESSES as ADDR,
} from "./network.ts";
import { QemuVm } from "./qemu_vm.ts";
import type { QmpClient, QmpEvent } from "./qmp.ts";
import { compareRamPages, countNonZeroPages, PAGE_BYTES } from "./ram.ts";
import type {
  MigrationSample,
  QemuFigures,
  RamCheckRecord,
  SyncRecord,
  VmRunRecord,
} from "./record.ts";
import { resolveVmScenario, type VmScenario } from "./scenario.ts";

/** The label of the VM testbed's runs in the host run registry. */
export const VM_TESTBED_LABEL = "vmtestbed";

/** Options of {@linkcode runVmMigration} beyond the scenario. */
export interface VmRunOptions {
  /** Folder of the cached guest kernel and images (required: the caller names it). */
  readonly cacheDir: string;
  /** Project run directory (state files, sockets); default the host module's. */
  readonly runRoot?: string;
  /** Image extras (modules, binaries, files, init steps); default none. */
  readonly image?: Omit<GuestImageOptions, "log">;
  /** Extra guest parameters for the image's init steps; default none. */
  readonly guestExtra?: GuestConfig["extra"];
  /** Progress lines; default none. */
  readonly log?: (line: string) => void;
  /** Longest the guest may take to boot, seconds; default 180. */
  readonly bootTimeoutSeconds?: number;
}

/**
 * Whether this host can run the VM testbed: root, iproute2, QEMU,
 * busybox-static, gcc; otherwise the reason, with the install command.
 *
 * @example
 * ```ts ignore
 * import { vmTestbedAvailability } from "@vnmig/vnmig/testbed/qemu";
 * const { available, reason } = await vmTestbedAvailability();
 * if (!available && reason === "") throw new Error();
 * ```
 */
export function vmTestbedAvailability(): Promise<HostAvailability> {
  return checkHost({
    binaries: [
      { binary: "qemu-system-x86_64", debianPackage: "qemu-system-x86" },
      { binary: "busybox", debianPackage: "busybox-static" },
      { binary: "gcc", debianPackage: "gcc" },
      { binary: "apt-get", debianPackage: "apt" },
      { binary: "dpkg-deb", debianPackage: "dpkg" },
    ],
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}

function scriptPath(name: string): string {
  const url = new URL(name, import.meta.url);
  if (url.protocol !== "file:") {
    throw new Error(
      `the VM testbed runs from a local checkout; ${url.href} is not a file`,
    );
  }
  return decodeURIComponent(url.pathname);
}

/** `deno run` argv of a program of this package, run with network access only. */
function denoProgram(relative: string, args: readonly string[]): string[] {
  return [
    Deno.execPath(),
    "run",
    "--no-config",
    "--allow-net",
    "--unstable-net",
    scriptPath(relative),
    ...args,
  ];
}

type Ram = Record<string, number | undefined>;

function condense(
  atMs: number,
  info: Record<string, unknown>,
): MigrationSample {
  const ram = (info.ram ?? {}) as Ram;
  return {
    atMs,
    status: String(info.status ?? "unknown"),
    transferredBytes: ram.transferred ?? 0,
    remainingBytes: ram.remaining ?? 0,
    zeroPages: ram.duplicate ?? 0,
    normalPages: ram.normal ?? 0,
    dirtySyncCount: ram["dirty-sync-count"] ?? 0,
    dirtyPagesRate: ram["dirty-pages-rate"] ?? 0,
    mbps: ram.mbps ?? 0,
    cpuThrottlePercent: Number(info["cpu-throttle-percentage"] ?? 0),
  };
}

function figures(info: Record<string, unknown>): QemuFigures {
  const ram = (info.ram ?? {}) as Ram;
  return {
    status: String(info.status ?? "unknown"),
    totalTimeMs: Number(info["total-time"] ?? 0),
    downtimeMs: Number(info.downtime ?? 0),
    setupTimeMs: Number(info["setup-time"] ?? 0),
    ramTotalBytes: ram.total ?? 0,
    transferredBytes: ram.transferred ?? 0,
    zeroPages: ram.duplicate ?? 0,
    normalPages: ram.normal ?? 0,
    normalBytes: ram["normal-bytes"] ?? 0,
    dirtySyncCount: ram["dirty-sync-count"] ?? 0,
    mbps: ram.mbps ?? 0,
    precopyBytes: ram["precopy-bytes"] ?? null,
    downtimeBytes: ram["downtime-bytes"] ?? null,
  };
}

/** The dirtier's pages per second between its first and last progress lines on a console (null: fewer than two lines). */
export function dirtierRateFromConsole(consoleText: string): number | null {
  const points = [
    ...consoleText.matchAll(
      /vnmig-dirtier written=(\d+) elapsed_seconds=([\d.]+)/g,
    ),
  ]
    .map((m) => [Number(m[1]), Number(m[2])] as const);
  if (points.length < 2) return null;
  const [w0, t0] = points[0];
  const [w1, t1] = points[points.length - 1];
  return t1 > t0 ? (w1 - w0) / (t1 - t0) : null;
}

/** Arrival times of probes 0..sent-1 from a receiver report (it lists them up to the last probe that came). */
function arrivalsFrom(report: ReceiverEnd, sent: number): (number | null)[] {
  const given = report.arrivalMsBySeq;
  if (given === undefined) {
    throw new Error("the receiver reported no arrival times");
  }
  return Array.from({ length: sent }, (_, k) => given[k] ?? null);
}

/**
 * Runs one migration and returns its raw record (analyse it with
 * {@linkcode analyzeVmRun}). A migration that does not complete within
 * `maxMigrationSeconds` is cancelled and recorded as not completed, with
 * what it sent.
 *
 * @example
 * ```ts ignore
 * import { analyzeVmRun, runVmMigration } from "@vnmig/vnmig/testbed/qemu";
 * const record = await runVmMigration({ packetsPerSecond: 2000 }, { cacheDir: "/var/cache/vnmig" });
 * const result = analyzeVmRun(record);
 * if (result.completed && result.data.lostPackets === 0) throw new Error("an outage loses packets");
 * ```
 */
export async function runVmMigration(
  scenarioInput: VmScenario,
  options: VmRunOptions,
): Promise<VmRunRecord> {
  const scenario = resolveVmScenario(scenarioInput);
  if (typeof options.cacheDir !== "string" || options.cacheDir === "") {
    throw new RangeError(
      `cacheDir must name a folder; got ${JSON.stringify(options.cacheDir)}`,
    );
  }
  const log = options.log ?? (() => {});
  const notes: string[] = scenario.memoryNote === ""
    ? []
    : [scenario.memoryNote];
  const startedAt = new Date().toISOString();
  const image: GuestImage = await buildGuestImage(options.cacheDir, {
    ...options.image,
    log,
  });

  const run = await HostRun.start({
    label: VM_TESTBED_LABEL,
    runRoot: options.runRoot,
  });
  const signal = run.signal;
  const processes: JsonLinesProcess[] = [];
  try {
    log(`run ${run.namePrefix}: network`);
    const net = await buildVmTestbedNetwork(run, {
      linkBitsPerSecond: scenario.linkBitsPerSecond,
    });
    const guest: GuestConfig = {
      interfaces: [
        {
          mac: ADDR.vmClientSideMac,
          ipv4Cidr: `${ADDR.vmClientSideIpv4}/${ADDR.lanPrefixLength}`,
        },
        {
          mac: ADDR.vmServerSideMac,
          ipv4Cidr: `${ADDR.vmServerSideIpv4}/${ADDR.lanPrefixLength}`,
        },
      ],
      neighbours: [
        {
          interfaceMac: ADDR.vmClientSideMac,
          ipv4: ADDR.clientIpv4,
          mac: ADDR.clientMac,
        },
        {
          interfaceMac: ADDR.vmServerSideMac,
          ipv4: ADDR.serverIpv4,
          mac: ADDR.serverMac,
        },
      ],
      forwarding: true,
      dirtier: scenario.dirtier,
      extra: options.guestExtra,
    };
    const common = {
      image,
      memoryKiB: scenario.memoryKiB,
      kernelCommandLine: guestKernelCommandLine(guest),
    };
    const memoryBytes = scenario.memoryKiB * 1024;

    // The link's goodput, measured while the guest boots (it needs little CPU).
    const probePort = "4445";
    const probeSeconds = "1.5";
    const linkServer = new JsonLinesProcess(
      run.spawn(
        denoProgram("./link_probe.ts", [
          "serve",
          ADDR.migrationDestinationIpv4,
          probePort,
          probeSeconds,
        ]),
        { namespace: net.destination.namespace },
      ),
    );
    await linkServer.next<{ ready: boolean }>("link probe start");
    const linkClient = run.spawn(
      denoProgram("./link_probe.ts", [
        "send",
        ADDR.migrationDestinationIpv4,
        probePort,
        probeSeconds,
      ]),
      { namespace: net.source.namespace, stdout: "null", stderr: "null" },
    );

    log(`run ${run.namePrefix}: booting the router VM`);
    const bootStart = performance.now();
    const source = await QemuVm.start(run, net.source.namespace, {
      ...common,
      name: "vnmig-source",
      nics: [
        { tap: net.source.clientTap, mac: ADDR.vmClientSideMac },
        { tap: net.source.serverTap, mac: ADDR.vmServerSideMac },
      ],
      qmpSocketPath: `${run.dir}/source.qmp`,
      consolePath: `${run.dir}/source-console.log`,
    });
    const { goodputBytesPerSecond } = await linkServer.next<
      { goodputBytesPerSecond: number }
    >("link probe report");
    await linkClient.status;
    await run.stopProcess(linkServer.child);
    await run.stopProcess(linkClient);
    if (!(goodputBytesPerSecond > 0)) {
      throw new Error("the migration link carried nothing");
    }
    const ready = [
      GUEST_READY_LINE,
      ...(scenario.dirtier ? [DIRTIER_READY_LINE] : []),
    ];
    await source.waitForConsole(ready, options.bootTimeoutSeconds ?? 180);
    const bootSeconds = (performance.now() - bootStart) / 1000;
    log(
      `run ${run.namePrefix}: guest ready after ${
        bootSeconds.toFixed(1)
      } s; link ${(goodputBytesPerSecond * 8 / 1e6).toFixed(1)} Mbit/s goodput`,
    );
    const nonZeroPages = countNonZeroPages(
      await source.dumpRam(`${run.dir}/source-before.ram`, memoryBytes),
    );

    const destination = await QemuVm.start(run, net.destination.namespace, {
      ...common,
      name: "vnmig-destination",
      nics: [
        { tap: net.destination.clientTap, mac: ADDR.vmClientSideMac },
        { tap: net.destination.serverTap, mac: ADDR.vmServerSideMac },
      ],
      qmpSocketPath: `${run.dir}/destination.qmp`,
      consolePath: `${run.dir}/destination-console.log`,
      incoming: true,
      startPaused: scenario.ramCheck,
    });
    const events = [{ capability: "events", state: true }];
    await destination.qmp.execute("migrate-set-capabilities", {
      capabilities: events,
    });
    if (scenario.ramCheck) {
      // Held paused for the dump: announce after `cont` instead, as the guest would at resume.
      await destination.qmp.execute("migrate-set-parameters", {
        "announce-rounds": 0,
      });
    }
    await destination.qmp.execute("migrate-incoming", {
      uri: `tcp:${ADDR.migrationDestinationIpv4}:4444`,
    });

    // Probes: capacity for the longest run, stopped through standard input.
    const capacity = Math.ceil(
      scenario.packetsPerSecond *
        (scenario.warmupSeconds + scenario.maxMigrationSeconds +
          scenario.cooldownSeconds + 60),
    );
    const runId = crypto.getRandomValues(new Uint32Array(1))[0];
    const receiver = new JsonLinesProcess(
      run.spawn(
        receiverArgv({
          port: 5001,
          expect: capacity,
          runId,
          maxSeconds: Math.ceil(capacity / scenario.packetsPerSecond) + 60,
          arrivals: true,
        }),
        { namespace: net.serverNamespace, stdin: "piped" },
      ),
    );
    processes.push(receiver);
    await receiver.next<ReceiverReady>("receiver start");
    const sender = new JsonLinesProcess(
      run.spawn(
        senderArgv({
          dst: ADDR.serverIpv4,
          port: 5001,
          packetsPerSecond: scenario.packetsPerSecond,
          packetBytes: scenario.packetSizeBytes,
          count: capacity,
          runId,
        }),
        { namespace: net.clientNamespace, stdin: "piped" },
      ),
    );
    processes.push(sender);
    await sender.next<SenderStart>("sender start");

    const qmp = source.qmp;
    const capabilities = [
      ...events,
      { capability: "auto-converge", state: scenario.autoConverge },
    ];
    await qmp.execute("migrate-set-capabilities", { capabilities });
    await qmp.execute("migrate-set-parameters", {
      "downtime-limit": Math.round(scenario.downtimeLimitSeconds * 1000),
      "max-bandwidth": scenario.maxBandwidthBytesPerSecond,
    });
    await sleep(scenario.warmupSeconds * 1000, signal);
    const dirtierAchievedPagesPerSecond = scenario.dirtier
      ? dirtierRateFromConsole(source.console())
      : null;

    log(`run ${run.namePrefix}: migrate`);
    const followed = await followMigration(
      source.qmp,
      scenario.maxMigrationSeconds,
      signal,
      log,
    );
    const { completed, failure } = followed;

    let ramCheck: RamCheckRecord | null = null;
    let resumeMs: number | null = null;
    if (completed) {
      if (scenario.ramCheck) {
        const done = await destination.qmp.waitForEvent(
          (e) => e.event === "MIGRATION" && e.data.status === "completed",
          { timeoutSeconds: 60, signal },
        );
        const dst = await destination.dumpRam(
          `${run.dir}/destination.ram`,
          memoryBytes,
        );
        const src = await source.dumpRam(`${run.dir}/source.ram`, memoryBytes);
        const cmp = compareRamPages(src, dst);
        const contMs = wallClockMs();
        // Announce, then start, sent together (QMP answers in order), as
        // QEMU resumes a migrated guest itself: the announcement waits in
        // QEMU's queue and goes out as the guest starts. Sent on cont's
        // reply it went out up to 43 ms after RESUME, the switches sending
        // the probes to the source until then.
        await Promise.all([
          destination.qmp.execute("announce-self", {
            initial: 50,
            max: 550,
            rounds: 5,
            step: 100,
          }),
          destination.qmp.execute("cont"),
        ]);
        ramCheck = {
          pages: cmp.pages,
          differingPages: cmp.differingPages,
          firstDifferingPages: cmp.firstDifferingPages,
          holdSeconds: (contMs - done.timestampMs) / 1000,
        };
      }
      const resume = await destination.qmp.waitForEvent(
        (e) => e.event === "RESUME",
        { timeoutSeconds: 60, signal },
      );
      resumeMs = resume.timestampMs;
      await sleep(scenario.cooldownSeconds * 1000, signal);
    } else {
      await sleep(scenario.cooldownSeconds * 1000, signal);
    }
    await sender.closeStdin();
    const senderEnd = await sender.next<SenderEnd>("sender end");
    // Let the last probes arrive, then stop the receiver.
    await sleep(500, signal);
    await receiver.command("stop");
    const receiverEnd = await receiver.next<ReceiverEnd>("receiver report");
    const destConsole = destination.console();
    const guestError = `${source.console()}\n${destConsole}`.match(
      /(vnmig-guest error: .*|Kernel panic.*|Oops.*)/,
    );
    if (guestError) notes.push(`guest console: ${guestError[0]}`);
    const event = (
      q: QmpClient,
      name: string,
      status?: string,
    ): QmpEvent | undefined =>
      q.events.find((e) =>
        e.event === name && (status === undefined || e.data.status === status)
      );
    return {
      scenario,
      runLabel: run.namePrefix,
      startedAt,
      qemuVersion: source.qmp.qemuVersion,
      kernelPackage:
        `${image.kernel.packageName} ${image.kernel.packageVersion}`,
      imageHash: image.imageHash,
      measured: {
        nonZeroPages,
        totalPages: memoryBytes / PAGE_BYTES,
        linkGoodputBytesPerSecond: goodputBytesPerSecond,
        bootSeconds,
        dirtierAchievedPagesPerSecond,
      },
      triggerMs: followed.triggerMs,
      stopMs: event(source.qmp, "STOP")?.timestampMs ?? null,
      resumeMs,
      sourceCompletedMs:
        event(source.qmp, "MIGRATION", "completed")?.timestampMs ?? null,
      destinationCompletedMs:
        event(destination.qmp, "MIGRATION", "completed")?.timestampMs ?? null,
      statusEvents: source.qmp.events.filter((e) => e.event === "MIGRATION")
        .map((e) => ({
          status: String(e.data.status),
          atMs: e.timestampMs,
        })),
      syncs: followed.syncs,
      samples: followed.samples,
      qemu: followed.final,
      completed,
      failure,
      sentMs: senderEnd.sentMsBySeq,
      arrivalMs: arrivalsFrom(receiverEnd, senderEnd.sentPackets),
      duplicatedPackets: receiverEnd.duplicatedPackets,
      reorderedPackets: receiverEnd.reorderedPackets,
      sendErrors: senderEnd.sendErrors,
      ramCheck,
      notes,
    };
  } finally {
    for (const p of processes) await p.closeStdin();
    const report = await run.teardown();
    if (report.failed.length > 0) {
      log(
        `run ${run.namePrefix}: ${report.failed.length} resource(s) left; run deno task vmtestbed clean`,
      );
    }
  }
}

interface Followed {
  triggerMs: number;
  completed: boolean;
  failure: string;
  syncs: SyncRecord[];
  samples: MigrationSample[];
  final: QemuFigures | null;
}

const FINAL = new Set(["completed", "failed", "cancelled"]);

/** Triggers the migration and follows it: a sample about every 100 ms and one right after every bitmap sync (QMP answers in order, so it comes as soon as the sync has finished), until a final status or the time limit (then cancelled). */
async function followMigration(
  qmp: QmpClient,
  maxSeconds: number,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<Followed> {
  const samples: MigrationSample[] = [];
  const syncs: Promise<SyncRecord>[] = [];
  const query = async () => {
    const info = await qmp.execute<Record<string, unknown>>("query-migrate");
    return { info, sample: condense(wallClockMs(), info) };
  };
  let wake: () => void = () => {};
  const stopListening = qmp.onEvent((e) => {
    if (e.event === "MIGRATION_PASS") {
      syncs.push(
        query().then((q) => ({
          pass: Number(e.data.pass),
          atMs: e.timestampMs,
          sample: q.sample,
        })),
      );
    }
    if (e.event === "MIGRATION") wake();
  });
  const triggerMs = wallClockMs();
  let status = "setup";
  let info: Record<string, unknown> = {};
  let cancelled = false;
  let lastLog = 0;
  try {
    await qmp.execute("migrate", {
      uri: `tcp:${ADDR.migrationDestinationIpv4}:4444`,
    });
    const deadline = triggerMs + maxSeconds * 1000;
    while (!FINAL.has(status)) {
      signal.throwIfAborted();
      const q = await query();
      info = q.info;
      status = q.sample.status;
      // QEMU reports "completed" with total-time 0 for a moment: wait for the figures.
      if (status === "completed" && Number(info["total-time"] ?? 0) === 0) {
        status = "active";
      }
      samples.push(q.sample);
      if (q.sample.atMs - lastLog > 5000) {
        lastLog = q.sample.atMs;
        log(
          `  ${status}: ${
            (q.sample.transferredBytes / 1e6).toFixed(0)
          } MB sent, ${
            (q.sample.remainingBytes / 1e6).toFixed(1)
          } MB pending, pass ${q.sample.dirtySyncCount}`,
        );
      }
      if (!FINAL.has(status) && wallClockMs() > deadline && !cancelled) {
        log(`  not converged after ${maxSeconds} s: cancelling`);
        cancelled = true;
        await qmp.execute("migrate_cancel");
      }
      if (!FINAL.has(status)) {
        await Promise.race([
          sleep(100, signal),
          new Promise<void>((r) => (wake = r)),
        ]);
      }
    }
  } finally {
    stopListening();
  }
  const completed = status === "completed";
  let failure = "";
  if (cancelled) {
    // After a cancel QEMU's figures are empty: the last samples say what
    // was sent.
    const sent = samples.reduce((m, s) => Math.max(m, s.transferredBytes), 0);
    failure = `did not converge within ${maxSeconds} s (cancelled after ${
      (sent / 1e6).toFixed(0)
    } MB sent)`;
  } else if (!completed) {
    failure = `QEMU reported ${status}${
      info["error-desc"] ? `: ${info["error-desc"]}` : ""
    }`;
  }
  return {
    triggerMs,
    completed,
    failure,
    syncs: await Promise.all(syncs),
    samples,
    final: figures(info),
  };
}

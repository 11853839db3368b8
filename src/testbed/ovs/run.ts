/**
 * One testbed run: build the scenario's topology on Open vSwitch, install
 * the initial entries, start a CBR UDP stream from the sender's namespace
 * to the receiver's, execute the migration plan mid-stream, stop, record
 * ({@linkcode recordOvsRun}), and analyse what was recorded
 * ({@linkcode analyzeOvsRecording}, pure) into a measured outcome
 * ({@linkcode runOvsMigration}). Needs root and Open vSwitch (see
 * {@linkcode ovsTestbedAvailability}).
 *
 * @module
 */

import {
  assertAtLeast,
  assertInteger,
  assertKnownKeys,
  assertPositive,
} from "../../_validate.ts";
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
import { waitForDrainedSocket } from "../udp/socket_stats.ts";
import {
  analyzeOvsRecording,
  type OvsCounters,
  type OvsRecording,
} from "./analysis.ts";
import { OpenFlowController } from "./controller.ts";
import { OvsHarness } from "./harness.ts";
import { buildNetwork, portKey } from "./network.ts";
import type { OvsMeasuredOutcome } from "./outcome.ts";
import { executePlan, flowModOptions } from "./plan_executor.ts";
import type { OvsScenario } from "./scenario.ts";

/** Options of a run beyond its scenario: how the testbed runs it. */
export interface OvsRunOptions {
  /** Traffic before the migration starts, seconds; default 0.5. */
  readonly warmupSeconds?: number;
  /** Traffic after the plan was applied, seconds; default 0.5. */
  readonly cooldownSeconds?: number;
  /** UDP destination port, 1..65535; default 5001. */
  readonly udpPort?: number;
  /** The host registry's run directory; default /run/vnmig. */
  readonly runRoot?: string;
  /** After a signal's teardown, exit with 128 + the signal; default true (false: the run rejects and the caller decides). */
  readonly exitOnSignal?: boolean;
  /** Keep Open vSwitch's run directory (logs, database); default false. */
  readonly keepRunDir?: boolean;
  /** How long to wait for another Open vSwitch testbed run, seconds; default 600. */
  readonly lockWaitSeconds?: number;
}

const RUN_OPTIONS = [
  "warmupSeconds",
  "cooldownSeconds",
  "udpPort",
  "runRoot",
  "exitOnSignal",
  "keepRunDir",
  "lockWaitSeconds",
] as const;

/** The OpenFlow port of each switch's sink veth (must be unused by the topology). */
const SINK_PORT = 0xfe00;

/** Resolves `promise`, or rejects when `signal` aborts or `timeoutMs` passes. */
function bounded<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (error: unknown) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      reject(error);
    };
    const onAbort = () =>
      fail(new Error(`${what}: ${String(signal.reason ?? "aborted")}`));
    const timer = setTimeout(
      () => fail(new Error(`${what}: timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then((value) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    }, fail);
  });
}

/**
 * Runs `scenario` on Open vSwitch and returns what was recorded, raw.
 * Everything it creates belongs to one host run and is removed afterwards,
 * on failure, on a signal, and by `deno task testbed clean` after a kill -9.
 *
 * @example
 * ```ts ignore
 * import { analyzeOvsRecording, ovsScenario, recordOvsRun } from "@vnmig/vnmig/testbed";
 * declare const scenario: ReturnType<typeof ovsScenario>;
 * const recording = await recordOvsRun(scenario);
 * if (analyzeOvsRecording(scenario, recording).source !== "measured") throw new Error();
 * ```
 */
export async function recordOvsRun(
  scenario: OvsScenario,
  options: OvsRunOptions = {},
): Promise<OvsRecording> {
  assertKnownKeys("recordOvsRun options", options, RUN_OPTIONS);
  const warmupSeconds = options.warmupSeconds ?? 0.5;
  const cooldownSeconds = options.cooldownSeconds ?? 0.5;
  const udpPort = options.udpPort ?? 5001;
  assertAtLeast("warmupSeconds", warmupSeconds);
  assertPositive("cooldownSeconds", cooldownSeconds);
  assertInteger("udpPort", udpPort, 1, 65535);
  const { topology, flows, branch } = scenario;
  const receiver = topology.hosts.find((h) =>
    h.id === scenario.receiverHostId
  )!;
  for (const sw of topology.switches) {
    if (sw.ports.includes(SINK_PORT)) {
      throw new RangeError(
        `topology switch ${sw.id} must not use port ${SINK_PORT} (the testbed's sink port)`,
      );
    }
  }
  const rate = scenario.packetsPerSecond;
  const gapTotal = scenario.gapAfterPhaseSeconds.reduce((s, g) => s + g, 0);
  // Room for the plan itself (a few ms on a software switch) and slack.
  const trafficSeconds = warmupSeconds + gapTotal + 0.2 + cooldownSeconds;
  const count = Math.ceil(rate * trafficSeconds);
  const runId = crypto.getRandomValues(new Uint32Array(1))[0];

  const harness = await OvsHarness.start({
    datapathFlowCache: scenario.datapathFlowCache,
    runRoot: options.runRoot,
    exitOnSignal: options.exitOnSignal,
    keepRunDir: options.keepRunDir,
    lockWaitSeconds: options.lockWaitSeconds,
  });
  const signal = harness.signal;
  let controller: OpenFlowController | undefined;
  try {
    controller = OpenFlowController.listen();
    const net = await buildNetwork(harness, topology, controller.port);
    const dpidOf = (id: string) => {
      const d = net.datapathIdOf.get(id);
      if (d === undefined) {
        throw new RangeError(
          `plan switchId must be a topology switch; got ${id}`,
        );
      }
      return d;
    };
    await bounded(
      controller.waitForSwitches([...net.datapathIdOf.values()]),
      signal,
      20_000,
      "switches connecting",
    );
    for (const entry of flows.initialEntries) {
      await controller.sendFlowMod(
        dpidOf(entry.switchId),
        flowModOptions({ command: "add", entry }),
      );
    }
    // A lowest-priority IPv4 entry on every switch sends what a table miss
    // would drop (fail-mode secure) into a sink veth instead, whose kernel
    // counter then tells the probes the flow tables dropped apart from
    // probes lost elsewhere (a starved receiver or datapath on a busy
    // host). (Open vSwitch's own entry counters are not exact here: stats
    // of a cached datapath flow can be credited to the entry it was
    // revalidated to.)
    const sinks: { switchId: string; interfaceName: string }[] = [];
    for (const [i, sw] of topology.switches.entries()) {
      const [a] = await harness.addVethPair(`d${i}a`, `d${i}b`);
      await harness.addPort(net.bridgeOf.get(sw.id)!, a, SINK_PORT);
      sinks.push({ switchId: sw.id, interfaceName: a });
      await controller.sendFlowMod(dpidOf(sw.id), {
        command: "add",
        priority: 0,
        match: { ethType: 0x0800 },
        outPorts: [SINK_PORT],
      });
    }
    await Promise.all(
      [...net.datapathIdOf.values()].map((d) => controller!.barrier(d)),
    );
    if (controller.errors.length > 0) {
      throw new Error(
        `switches rejected the initial entries (${controller.errors.length} errors)`,
      );
    }
    const portCounter = async (port: number | undefined) =>
      port === undefined || branch === null ? null : await harness.txPackets(
        net.interfaceOf.get(portKey(branch.switchId, port))!,
      );
    const counters = async (): Promise<OvsCounters> => {
      const sinkPacketsBySwitch: Record<string, number> = {};
      for (const s of sinks) {
        sinkPacketsBySwitch[s.switchId] = await harness.txPackets(
          s.interfaceName,
        );
      }
      return {
        sinkPacketsBySwitch,
        oldPortPackets: await portCounter(branch?.oldPort),
        newPortPackets: await portCounter(branch?.newPort),
      };
    };
    const before = await counters();

    const receiverNs = net.namespaceOf.get(scenario.receiverHostId)!;
    const receiverProc = new JsonLinesProcess(harness.host.spawn(
      receiverArgv({
        port: udpPort,
        expect: count,
        runId,
        maxSeconds: trafficSeconds + 60,
      }),
      { namespace: receiverNs, stdin: "piped" },
    ));
    const startupMs = 30_000;
    const ready = await bounded(
      receiverProc.next<ReceiverReady>("receiver start"),
      signal,
      startupMs,
      "receiver start",
    );
    const senderProc = new JsonLinesProcess(harness.host.spawn(
      senderArgv({
        dst: receiver.ipv4,
        port: ready.port,
        packetsPerSecond: rate,
        packetBytes: scenario.packetSizeBytes,
        count,
        runId,
      }),
      {
        namespace: net.namespaceOf.get(scenario.senderHostId)!,
        stdin: "piped",
      },
    ));
    const { startMs } = await bounded(
      senderProc.next<SenderStart>("sender start"),
      signal,
      startupMs,
      "sender start",
    );
    const migrateAtMs = startMs + warmupSeconds * 1000;
    await new Promise((r) =>
      setTimeout(r, Math.max(0, migrateAtMs - wallClockMs()))
    );
    const execution = await bounded(
      executePlan(controller, flows.plan, dpidOf, {
        gapAfterPhaseSeconds: scenario.gapAfterPhaseSeconds,
      }),
      signal,
      60_000 + gapTotal * 1000,
      "plan execution",
    );
    const sender = await bounded(
      senderProc.next<SenderEnd>("sender end"),
      signal,
      (trafficSeconds + 60) * 1000,
      "sender end",
    );
    // Every probe that reached the receiver's socket is read, or counted
    // as dropped by the kernel, once its queue is empty.
    const drained = await bounded(
      waitForDrainedSocket(() => harness.procNetUdp(receiverNs), ready.port, {
        timeoutSeconds: 30,
      }),
      signal,
      40_000,
      "receiver drain",
    );
    await receiverProc.command("stop");
    const report = await bounded(
      receiverProc.next<ReceiverEnd>("receiver report"),
      signal,
      30_000,
      "receiver report",
    );
    await harness.host.stopProcess(senderProc.child);
    await harness.host.stopProcess(receiverProc.child);
    const after = await counters();
    return {
      execution,
      sender,
      receiver: report,
      receiverDropPackets: drained.drained ? drained.drops : null,
      before,
      after,
    };
  } finally {
    controller?.close();
    await harness.teardown();
  }
}

/**
 * Runs `scenario` on Open vSwitch ({@linkcode recordOvsRun}) and returns
 * the measured outcome ({@linkcode analyzeOvsRecording}): the contract's
 * fields with `source: "measured"`, and the testbed's detail beside them.
 * Compare it with {@linkcode predictOvsMigration} of the same scenario
 * (given the run's `windowSendOffsetsSeconds`) through `compareOutcomes`.
 *
 * @example
 * ```ts ignore
 * import { compareOutcomes } from "@vnmig/vnmig/migration";
 * import { OVS_TESTBED_TOLERANCES, paperOvsScenario, predictOvsMigration, runOvsMigration } from "@vnmig/vnmig/testbed";
 * const scenario = paperOvsScenario({ ordering: "paper", packetsPerSecond: 2000 });
 * const measured = await runOvsMigration(scenario);
 * const predicted = predictOvsMigration(scenario, { sendOffsetsSeconds: measured.windowSendOffsetsSeconds });
 * const rows = compareOutcomes(measured, predicted, OVS_TESTBED_TOLERANCES);
 * if (!rows.every((r) => r.within)) console.error(rows);
 * ```
 */
export async function runOvsMigration(
  scenario: OvsScenario,
  options: OvsRunOptions = {},
): Promise<OvsMeasuredOutcome> {
  return analyzeOvsRecording(scenario, await recordOvsRun(scenario, options));
}

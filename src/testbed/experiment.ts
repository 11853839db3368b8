/**
 * One testbed run: build the topology on Open vSwitch, install the initial
 * entries, start a CBR UDP stream from the client namespace to the server
 * namespace, execute a migration plan mid-stream, stop, and report what was
 * measured. Needs root and Open vSwitch (see {@linkcode testbedAvailability}).
 *
 * Loss is judged in the migration window: probes sent between the first
 * flow-change message minus a margin and the moment every change was applied
 * plus a margin. Probes lost outside that window (a stalled receiver on a
 * busy machine, say) are reported separately, never hidden.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInRange,
  assertInteger,
  assertPositive,
} from "../_validate.ts";
import type { Topology } from "../openflow/topology.ts";
import { OpenFlowController } from "./controller.ts";
import { buildNetwork, portKey } from "./network.ts";
import { OvsHarness } from "./ovs.ts";
import {
  executePlan,
  flowModOptions,
  type PlanExecution,
  wallClockMs,
} from "./plan_executor.ts";
import {
  branchPorts,
  probeMigration,
  type TestbedFlows,
} from "./probe_flow.ts";
import {
  MAX_PACKET_BYTES,
  MIN_PACKET_BYTES,
  type ReceiverReport,
} from "./udp_tools.ts";

/** Options of {@linkcode runTestbedMigration}. */
export interface TestbedRunOptions {
  /** The host that sends (default "client"). */
  readonly senderHostId?: string;
  /** The host that receives (default "server"). */
  readonly receiverHostId?: string;
  /** Probe rate, packets per second (default 2000). */
  readonly packetsPerSecond?: number;
  /** Probe size as IPv4 packet length, 44..1500 bytes (default 64). */
  readonly packetBytes?: number;
  /** Traffic before the migration starts, seconds (default 0.5). */
  readonly warmupSeconds?: number;
  /** Traffic after the plan was applied, seconds (default 0.5). */
  readonly cooldownSeconds?: number;
  /** Extra wait after each plan phase, seconds (default none). */
  readonly gapAfterPhaseSeconds?: readonly number[];
  /** Margin around the migration window when judging loss, seconds (default 0.02). */
  readonly windowMarginSeconds?: number;
  /** UDP destination port (default 5001). */
  readonly udpPort?: number;
  /** Let Open vSwitch cache datapath flows (default false; see OvsHarnessOptions.datapathFlowCache). */
  readonly datapathFlowCache?: boolean;
}

/** What one testbed run measured. */
export interface TestbedRunResult {
  /** The plan's ordering. */
  readonly ordering: string;
  /** Whether the datapath cached flows. */
  readonly datapathFlowCache: boolean;
  /** Probe rate, packets per second. */
  readonly packetsPerSecond: number;
  /** Probe size, bytes (IPv4 length). */
  readonly packetBytes: number;
  /** The controller's timing of the plan. */
  readonly execution: PlanExecution;
  /** The receiver's report over the whole run. */
  readonly receiver: ReceiverReport;
  /** Probes lost whose send time lies in the migration window. */
  readonly lostInWindowPackets: number;
  /** Probes lost outside it. */
  readonly lostOutsideWindowPackets: number;
  /** Probes sent in the migration window. */
  readonly windowPackets: number;
  /** Send time of each probe in the window, seconds after the first flow-change message. */
  readonly windowSendOffsetsSeconds: readonly number[];
  /** The migration window, seconds (first message - margin to all applied + margin). */
  readonly windowSeconds: number;
  /**
   * IPv4 packets the switches' flow tables dropped for want of an entry
   * (sent by a lowest-priority entry that stands for the table miss into a
   * sink veth, and counted there by the kernel): the loss the plan's
   * ordering causes, apart from losses a busy host adds elsewhere.
   */
  readonly tableMissPackets: number;
  /** The same, by switch id (switches that dropped none are left out). */
  readonly tableMissBySwitch: Readonly<Record<string, number>>;
  /** Packets the probe flow's branching switch ({@linkcode branchPorts}) sent out of its old-path port during the run. */
  readonly oldPortPackets: number;
  /** Packets it sent out of its new-path port during the run. */
  readonly newPortPackets: number;
  /**
   * Seconds from the first flow-change message until the first probe that
   * left the branching switch by its new port was sent (after it, every
   * probe took the new port). Null when the run cannot tell (the old and
   * new paths do not part, or no probe took the new port).
   */
  readonly newPathAfterSeconds: number | null;
  /** Seconds from the first flow-change message until every change was applied (final barrier). */
  readonly allAppliedAfterSeconds: number;
  /** Probes the sender could not send (socket errors). */
  readonly sendErrors: number;
}

interface SenderStart {
  startMs: number;
}
interface SenderEnd {
  sentMsBySeq: number[];
  sentPackets: number;
  firstSendMs: number;
  lastSendMs: number;
  sendErrors: number;
}

/** The OpenFlow port of each switch's sink veth (must be unused by the topology). */
const SINK_PORT = 0xfe00;

function scriptPath(name: string): string {
  const url = new URL(name, import.meta.url);
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
}

/** A child process whose stdout is read line by line as JSON. */
class JsonLines {
  readonly child: Deno.ChildProcess;
  readonly #lines: AsyncIterator<string>;
  #stderr: Promise<string>;

  constructor(argv: string[]) {
    this.child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#lines = this.child.stdout
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(splitLines())[Symbol.asyncIterator]();
    this.#stderr = new Response(this.child.stderr).text();
  }

  async next<T>(what: string): Promise<T> {
    const { value, done } = await this.#lines.next();
    if (done) {
      const status = await this.child.status;
      throw new Error(
        `${what}: process ended (exit ${status.code}) ${await this.#stderr}`,
      );
    }
    return JSON.parse(value) as T;
  }

  kill(): void {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
  }
}

/** `deno run` of a script of this folder inside a network namespace. */
function denoScriptIn(
  namespace: string,
  script: string,
  args: readonly string[],
): JsonLines {
  return new JsonLines([
    "ip",
    "netns",
    "exec",
    namespace,
    Deno.execPath(),
    "run",
    "--no-config",
    "--allow-net",
    "--unstable-net",
    scriptPath(script),
    ...args,
  ]);
}

function splitLines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const p of parts) if (p.trim() !== "") controller.enqueue(p);
    },
    flush(controller) {
      if (rest.trim() !== "") controller.enqueue(rest);
    },
  });
}

/**
 * Runs one migration on the testbed and tears everything down afterwards
 * (also on failure and on SIGINT).
 *
 * @example
 * ```ts ignore
 * import { paperTestbedInitialEntries, paperTestbedMigrations, paperTestbedPlan, paperTestbedTopology, runTestbedMigration } from "@vnmig/vnmig";
 * const net = paperTestbedTopology();
 * const result = await runTestbedMigration(net, {
 *   initialEntries: paperTestbedInitialEntries(net),
 *   plan: paperTestbedPlan(net, "paper"),
 *   migrations: paperTestbedMigrations(net),
 * }, { packetsPerSecond: 2000 });
 * console.log(result.lostInWindowPackets); // 0
 * ```
 */
export async function runTestbedMigration(
  topology: Topology,
  flows: TestbedFlows,
  options: TestbedRunOptions = {},
): Promise<TestbedRunResult> {
  const senderHostId = options.senderHostId ?? "client";
  const receiverHostId = options.receiverHostId ?? "server";
  const rate = options.packetsPerSecond ?? 2000;
  const packetBytes = options.packetBytes ?? 64;
  const warmupSeconds = options.warmupSeconds ?? 0.5;
  const cooldownSeconds = options.cooldownSeconds ?? 0.5;
  const gaps = options.gapAfterPhaseSeconds ?? [];
  const marginSeconds = options.windowMarginSeconds ?? 0.02;
  const udpPort = options.udpPort ?? 5001;
  assertInRange("packetsPerSecond", rate, 1, 100_000);
  assertInteger("packetBytes", packetBytes);
  assertInRange("packetBytes", packetBytes, MIN_PACKET_BYTES, MAX_PACKET_BYTES);
  assertAtLeast("warmupSeconds", warmupSeconds);
  assertPositive("cooldownSeconds", cooldownSeconds);
  assertAtLeast("windowMarginSeconds", marginSeconds);
  assertInteger("udpPort", udpPort, 1);
  assertInRange("udpPort", udpPort, 1, 65535);
  gaps.forEach((g, i) => assertAtLeast(`gapAfterPhaseSeconds[${i}]`, g));
  const sender = topology.hosts.find((h) => h.id === senderHostId);
  const receiver = topology.hosts.find((h) => h.id === receiverHostId);
  if (sender === undefined || receiver === undefined) {
    throw new RangeError(
      `senderHostId and receiverHostId must be hosts of the topology (${
        topology.hosts.map((h) => h.id).join(", ")
      }); got ${senderHostId}, ${receiverHostId}`,
    );
  }
  // The probes' flow and where its old and new paths part, as the model
  // (and so the prediction) defines them.
  const branch = branchPorts(
    topology,
    probeMigration(flows.migrations, senderHostId, receiverHostId),
  );
  const gapTotal = gaps.reduce((s, g) => s + g, 0);
  // Room for the plan itself (a few ms on a software switch) and slack.
  const trafficSeconds = warmupSeconds + gapTotal + 0.2 + cooldownSeconds;
  const count = Math.ceil(rate * trafficSeconds);
  const runId = (Deno.pid * 7919 + Math.floor(performance.now())) >>> 0;

  const harness = await OvsHarness.start({
    datapathFlowCache: options.datapathFlowCache ?? false,
  });
  const controller = OpenFlowController.listen();
  const processes: JsonLines[] = [];
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    for (const p of processes) p.kill();
    controller.close();
    harness.teardown().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
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
    await controller.waitForSwitches([...net.datapathIdOf.values()]);
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
      if (sw.ports.includes(SINK_PORT)) {
        throw new RangeError(
          `topology switch ${sw.id} must not use port ${SINK_PORT} (the testbed's sink port)`,
        );
      }
      const a = `${harness.namePrefix}d${i}a`;
      await harness.addVethPair(a, `${harness.namePrefix}d${i}b`);
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
      [...net.datapathIdOf.values()].map((d) => controller.barrier(d)),
    );
    if (controller.errors.length > 0) {
      throw new Error(
        `switches rejected the initial entries (${controller.errors.length} errors)`,
      );
    }
    const counter = async (port: number | undefined) =>
      port === undefined || branch === null ? 0 : await harness.txPackets(
        net.interfaceOf.get(portKey(branch.switchId, port))!,
      );
    const sinkCounts = async () => {
      const counts = new Map<string, number>();
      for (const s of sinks) {
        counts.set(s.switchId, await harness.txPackets(s.interfaceName));
      }
      return counts;
    };
    const sinkBefore = await sinkCounts();
    const oldBefore = await counter(branch?.oldPort);
    const newBefore = await counter(branch?.newPort);

    const receiverProc = denoScriptIn(
      net.namespaceOf.get(receiverHostId)!,
      "./udp_receiver.ts",
      [
        `--port=${udpPort}`,
        `--expect=${count}`,
        `--run-id=${runId}`,
        "--idle-ms=300",
        `--max-seconds=${trafficSeconds + 20}`,
      ],
    );
    processes.push(receiverProc);
    await receiverProc.next<{ ready: boolean }>("receiver start");
    const senderProc = denoScriptIn(
      net.namespaceOf.get(senderHostId)!,
      "./udp_sender.ts",
      [
        `--dst=${receiver.ipv4}`,
        `--port=${udpPort}`,
        `--rate=${rate}`,
        `--bytes=${packetBytes}`,
        `--count=${count}`,
        `--run-id=${runId}`,
      ],
    );
    processes.push(senderProc);
    const { startMs } = await senderProc.next<SenderStart>("sender start");
    const migrateAtMs = startMs + warmupSeconds * 1000;
    await new Promise((r) =>
      setTimeout(r, Math.max(0, migrateAtMs - wallClockMs()))
    );
    const execution = await executePlan(controller, flows.plan, dpidOf, {
      gapAfterPhaseSeconds: gaps,
    });
    const senderEnd = await senderProc.next<SenderEnd>("sender end");
    const report = await receiverProc.next<ReceiverReport>("receiver report");
    await senderProc.child.status;
    await receiverProc.child.status;
    const sinkAfter = await sinkCounts();
    const tableMissBySwitch: Record<string, number> = {};
    let tableMissPackets = 0;
    for (const [id, n] of sinkAfter) {
      const dropped = n - (sinkBefore.get(id) ?? 0);
      tableMissPackets += dropped;
      if (dropped > 0) tableMissBySwitch[id] = dropped;
    }
    const oldPortPackets = (await counter(branch?.oldPort)) - oldBefore;
    const newPortPackets = (await counter(branch?.newPort)) - newBefore;

    const sentMs = senderEnd.sentMsBySeq;
    const windowStartMs = execution.firstMessageMs - marginSeconds * 1000;
    const windowEndMs = execution.allAppliedMs + marginSeconds * 1000;
    const lost = new Uint8Array(senderEnd.sentPackets);
    for (const [first, last] of report.lostRanges) {
      lost.fill(1, first, last + 1);
    }
    const windowSendOffsetsSeconds: number[] = [];
    let lostInWindow = 0;
    for (let seq = 0; seq < senderEnd.sentPackets; seq++) {
      if (sentMs[seq] < windowStartMs || sentMs[seq] > windowEndMs) continue;
      windowSendOffsetsSeconds.push(
        (sentMs[seq] - execution.firstMessageMs) / 1000,
      );
      lostInWindow += lost[seq];
    }
    let newPathAfterSeconds: number | null = null;
    if (branch !== null && newPortPackets > 0) {
      const firstNewSeq = senderEnd.sentPackets - newPortPackets;
      if (firstNewSeq >= 0 && firstNewSeq < senderEnd.sentPackets) {
        newPathAfterSeconds = (sentMs[firstNewSeq] - execution.firstMessageMs) /
          1000;
      }
    }
    return {
      ordering: flows.plan.ordering,
      datapathFlowCache: options.datapathFlowCache ?? false,
      packetsPerSecond: rate,
      packetBytes,
      execution,
      receiver: report,
      lostInWindowPackets: lostInWindow,
      lostOutsideWindowPackets: report.lostPackets - lostInWindow,
      windowPackets: windowSendOffsetsSeconds.length,
      windowSendOffsetsSeconds,
      windowSeconds: (windowEndMs - windowStartMs) / 1000,
      oldPortPackets,
      newPortPackets,
      tableMissPackets,
      tableMissBySwitch,
      newPathAfterSeconds,
      allAppliedAfterSeconds: (execution.allAppliedMs -
        execution.firstMessageMs) / 1000,
      sendErrors: senderEnd.sendErrors,
    };
  } finally {
    // After a signal the handler has started the same teardown: wait for it.
    for (const p of processes) p.kill();
    for (const p of processes) await p.child.status.catch(() => {});
    controller.close();
    await harness.teardown();
    if (!interrupted) {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
    }
  }
}

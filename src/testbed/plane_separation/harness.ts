/**
 * One plane-separation (or Xen standard) migration on the real testbed,
 * step by step, every step timestamped (needs root, BIRD 2, nftables, gcc;
 * QEMU for the VM router). It builds the network ({@linkcode buildNetwork}),
 * starts the neighbours' and the router's BIRD, waits for OSPF to converge
 * with every injected route, builds host A's table through the daemon pair,
 * installs the frame classifier, runs CBR data and control probes, migrates,
 * and records everything the analysis needs ({@linkcode RecordedRun}). Any
 * failing step (BIRD not converging, the tunnel not coming up, a sync that
 * does not finish) throws with a message naming it; the run's
 * {@linkcode HostRun} tears everything down in every case.
 *
 * @module
 */

import { HostRun } from "../host/run.ts";
import { checkHost } from "../host/command.ts";
import { type DaemonEvent, LineDaemon } from "./_daemon.ts";
import {
  neighbourConfig,
  type OspfNeighbour,
  parseOspfNeighbours,
} from "./bird.ts";
import {
  buildBinaries,
  defaultCacheDir,
  type PlaneSepBinaries,
} from "./build.ts";
import { VmRouter } from "./vm_router.ts";
import { udpSocketStats } from "../udp/socket_stats.ts";
import {
  classifierRuleset,
  type ProbeReceipts,
  tableRuleCommands,
} from "./dataplane.ts";
import {
  NamespaceRouter,
  nftApply,
  type RouterHandle,
  type RouterMigrationRecord,
} from "./router.ts";
import {
  ADDRESS_PLAN,
  type PlaneSepScenario,
  type PlaneSepScenarioOptions,
  resolveScenario,
} from "./scenario.ts";
import {
  buildNetwork,
  type HostSide,
  macOf,
  type PlaneSepNetwork,
} from "./topology.ts";

/** The Debian packages the testbed needs, by binary. */
export const PLANESEP_BINARIES: readonly {
  binary: string;
  debianPackage: string;
}[] = [
  { binary: "bird", debianPackage: "bird2" },
  { binary: "birdc", debianPackage: "bird2" },
  { binary: "nft", debianPackage: "nftables" },
  { binary: "gcc", debianPackage: "gcc" },
  { binary: "sysctl", debianPackage: "procps" },
];

/** One poll of both neighbours' OSPF state. */
export interface AdjacencySample {
  /** Wall-clock ms. */
  readonly tMs: number;
  /** The client neighbour's view of the router (undefined: not listed). */
  readonly client: OspfNeighbour | undefined;
  /** The server neighbour's view. */
  readonly server: OspfNeighbour | undefined;
}

/** Step costs measured before the migration, seconds. */
export interface StepCalibration {
  /** Host A's relay binding the router's two NICs at start-up. */
  readonly bindingSeconds: number;
  /** Peer commands to the first tunnel answer. */
  readonly tunnelSetupSeconds: number;
  /** Round trip of a tunnel probe. */
  readonly tunnelRttSeconds: number;
  /** Host A's table built at start-up as host B's is in the migration: rules, sync of the same routes, classifier. */
  readonly syncSeconds: number;
  /** The stand-in's link switch (0 for the VM). */
  readonly linkSwitchSeconds: number;
  /** The first probe of each control flow, wall-clock ms (their phase against the trigger). */
  readonly probeStartMs: readonly number[];
}

/** A sync daemon's "synced" report. */
export interface SyncRecord {
  /** Sync command sent, wall-clock ms. */
  readonly startMs: number;
  /** TCP connected. */
  readonly connectedMs: number;
  /** Last route of the dump received. */
  readonly dumpedMs: number;
  /** Every route in the table. */
  readonly appliedMs: number;
  /** Routes the guest reported. */
  readonly routes: number;
  /** Of which bound to a Domain 0 bridge (the rest: the dedicated network). */
  readonly boundRoutes: number;
  /** `ip` commands that failed. */
  readonly ipErrors: number;
}

/** A sender's final report (the project's UDP sender). */
export interface SenderRecord {
  /** Packets sent. */
  readonly sentPackets: number;
  /** Send time of every packet, wall-clock ms. */
  readonly sentMsBySeq: readonly number[];
}

/** Everything a run recorded (the analysis' input; pure data, JSON-safe). */
export interface RecordedRun {
  /** The scenario. */
  readonly scenario: PlaneSepScenario;
  /** The router's own migration instants. */
  readonly router: RouterMigrationRecord;
  /** Step instants, wall-clock ms (absent when a step does not apply). */
  readonly steps: Readonly<Record<string, number>>;
  /** Host A's initial table sync (before the migration). */
  readonly initialSync: SyncRecord;
  /** Host B's sync during the migration (plane separation). */
  readonly destinationSync: SyncRecord | undefined;
  /** Step costs measured before the migration, in the same run (the prediction's inputs). */
  readonly calibration: StepCalibration;
  /** The relays' events, host A then host B. */
  readonly relayA: readonly DaemonEvent[];
  /** Host B's relay's events. */
  readonly relayB: readonly DaemonEvent[];
  /** The sync daemons' events (host A, host B): route updates after the syncs among them. */
  readonly syncEvents: readonly (readonly DaemonEvent[])[];
  /** The data stream's sender report. */
  readonly dataSender: SenderRecord;
  /** The data receiver's report (lost ranges by sequence number). */
  readonly dataReceiver: {
    readonly receivedPackets: number;
    readonly lostPackets: number;
    readonly lostRanges: readonly (readonly [number, number])[];
    readonly duplicatedPackets: number;
    /** Datagrams the receiving socket's kernel buffer dropped (counted by the kernel, /proc/net/udp). */
    readonly socketDrops?: number;
  };
  /** Control probe senders (client, server). */
  readonly probeSenders: readonly SenderRecord[];
  /** The probes the router received, per sender. */
  readonly probeReceipts: readonly ProbeReceipts[];
  /** OSPF adjacency polls through the run. */
  readonly adjacency: readonly AdjacencySample[];
  /** Data frames Domain 0 routed, per host (nft counters at the end of the run, before removal for A). */
  readonly classifiedPackets: {
    readonly hostA: number;
    readonly hostB: number;
  };
}

/** Options of {@linkcode runPlaneSeparation}. */
export interface RunOptions {
  /** Cache folder of the built programs; default {@linkcode defaultCacheDir}. */
  readonly cacheDir?: string;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
  /** Cache folder of the VM's guest image; default {@linkcode defaultCacheDir}/vm. */
  readonly vmCacheDir?: string;
  /** Seconds BIRD may take to converge (default 60 + routes / 100). */
  readonly convergeSeconds?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ipBatch(
  run: HostRun,
  namespace: string,
  lines: readonly string[],
): Promise<void> {
  const child = new Deno.Command("ip", {
    args: ["-n", namespace, "-force", "-batch", "-"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(lines.join("\n") + "\n"));
  await w.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(
      `ip -batch in ${namespace} failed: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  void run;
}

async function classifiedCount(
  run: HostRun,
  namespace: string,
): Promise<number> {
  const out = await run.exec([
    "ip",
    "netns",
    "exec",
    namespace,
    "nft",
    "list",
    "table",
    "bridge",
    "vnps",
  ], {
    allowFailure: true,
  });
  let total = 0;
  for (const m of out.stdout.matchAll(/counter packets (\d+)/g)) {
    total += Number(m[1]);
  }
  return total;
}

function syncRecord(e: DaemonEvent): SyncRecord {
  return {
    startMs: Number(e.startMs),
    connectedMs: Number(e.connectedMs),
    dumpedMs: Number(e.dumpedMs),
    appliedMs: Number(e.appliedMs),
    routes: Number(e.routes),
    boundRoutes: Number(e.boundRoutes),
    ipErrors: Number(e.ipErrors),
  };
}

function relayDaemon(
  run: HostRun,
  binaries: PlaneSepBinaries,
  host: HostSide,
  scenario: PlaneSepScenario,
  name: string,
): LineDaemon {
  return new LineDaemon(run, name, [
    binaries.relay,
    "--buffer-packets",
    String(scenario.bufferPackets),
    "--buffer-bytes",
    String(scenario.bufferBytes),
  ], host.namespace);
}

function syncDaemon(run: HostRun, host: HostSide, name: string): LineDaemon {
  const script = new URL("./sync_daemon.ts", import.meta.url).pathname;
  const [g1, g2] = ADDRESS_PLAN.guestInterfaces;
  return new LineDaemon(run, name, [
    Deno.execPath(),
    "run",
    "-A",
    script,
    "--vm",
    `${ADDRESS_PLAN.dedicated.router}:7000`,
    "--table",
    String(ADDRESS_PLAN.table),
    "--map",
    `${g1}=${host.clientBridge},${g2}=${host.serverBridge}`,
  ], host.namespace);
}

/** The argv that runs the project's UDP sender or receiver. */
function udpTool(name: "sender" | "receiver"): string[] {
  const script = new URL(`../udp/${name}.ts`, import.meta.url).pathname;
  return [
    Deno.execPath(),
    "run",
    "--no-config",
    "--allow-net",
    "--unstable-net",
    script,
  ];
}

/** A running sender: stop it, then await its report. */
interface RunningSender {
  stop(): Promise<void>;
  readonly report: Promise<SenderRecord>;
}

/** Spawns the project's UDP sender in a namespace (it stops when told, or after `count` probes). */
function startSender(
  run: HostRun,
  namespace: string,
  dst: string,
  port: number,
  rate: number,
  bytes: number,
  count: number,
  runId: number,
): RunningSender {
  const child = run.spawn([
    ...udpTool("sender"),
    "--dst",
    dst,
    "--port",
    String(port),
    "--rate",
    String(rate),
    "--bytes",
    String(bytes),
    "--count",
    String(count),
    "--run-id",
    String(runId),
    "--stdin-control",
  ], { namespace, stdin: "piped" });
  const report = child.output().then((out) => {
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    const last = JSON.parse(lines[lines.length - 1] || "{}");
    if (!Array.isArray(last.sentMsBySeq)) {
      throw new Error(
        `planesep: the sender to ${dst}:${port} gave no report: ${
          new TextDecoder().decode(out.stderr).trim()
        }`,
      );
    }
    return { sentPackets: last.sentPackets, sentMsBySeq: last.sentMsBySeq };
  });
  report.catch(() => {});
  return {
    stop: () => child.stdin.close().catch(() => {}),
    report,
  };
}

function startReceiver(
  run: HostRun,
  namespace: string,
  port: number,
  expect: number,
  runId: number,
  maxSeconds: number,
): {
  ready: Promise<void>;
  stop(): Promise<void>;
  report: Promise<RecordedRun["dataReceiver"]>;
} {
  const child = run.spawn([
    ...udpTool("receiver"),
    "--port",
    String(port),
    "--expect",
    String(expect),
    "--run-id",
    String(runId),
    "--max-seconds",
    String(Math.ceil(maxSeconds)),
    "--stdin-control",
  ], { namespace, stdin: "piped" });
  const lines: string[] = [];
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((r) => (readyResolve = r));
  const report = (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of child.stdout) {
      rest += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        lines.push(line);
        if (line.includes('"ready"')) readyResolve();
      }
    }
    if (rest !== "") lines.push(rest);
    const status = await child.status;
    const last = JSON.parse(lines[lines.length - 1] || "{}");
    if (typeof last.lostPackets !== "number") {
      throw new Error(
        `planesep: the data receiver gave no report (exit ${status.code}; ${
          lines.join(" | ")
        })`,
      );
    }
    return {
      receivedPackets: last.receivedPackets,
      lostPackets: last.lostPackets,
      lostRanges: last.lostRanges,
      duplicatedPackets: last.duplicatedPackets,
    };
  })();
  report.catch(() => {});
  return { ready, stop: () => child.stdin.close().catch(() => {}), report };
}

async function pollAdjacency(
  run: HostRun,
  socket: string,
): Promise<OspfNeighbour | undefined> {
  const out = await run.exec([
    "birdc",
    "-s",
    socket,
    "show",
    "ospf",
    "neighbors",
  ], {
    allowFailure: true,
    timeoutSeconds: 5,
  });
  return parseOspfNeighbours(out.stdout).find((n) =>
    n.routerId === ADDRESS_PLAN.clientLan.router
  );
}

/**
 * Runs one migration (see the module doc) and returns what it recorded.
 * Throws with the failing step's name; always tears down.
 */
export async function runPlaneSeparation(
  options: PlaneSepScenarioOptions,
  runOptions: RunOptions = {},
): Promise<RecordedRun> {
  const scenario = resolveScenario(options);
  const log = runOptions.log ?? (() => {});
  const host = await checkHost({ binaries: PLANESEP_BINARIES });
  if (!host.available) throw new Error(`planesep: ${host.reason}`);
  const binaries = await buildBinaries(runOptions.cacheDir);
  const run = await HostRun.start({
    label: "planesep",
    cleanCommand: "deno task planesep clean",
  });
  try {
    return await runSteps(run, scenario, binaries, runOptions, log);
  } finally {
    const report = await run.teardown();
    if (report.failed.length > 0) {
      log(
        `teardown left ${report.failed.length} resource(s); run: deno task planesep clean`,
      );
    }
  }
}

async function runSteps(
  run: HostRun,
  scenario: PlaneSepScenario,
  binaries: PlaneSepBinaries,
  runOptions: RunOptions,
  log: (line: string) => void,
): Promise<RecordedRun> {
  const plan = ADDRESS_PLAN;
  const separated = scenario.mechanism === "plane-separation";
  log(`building the network (${run.namePrefix})`);
  const net: PlaneSepNetwork = await buildNetwork(run, scenario);
  const a = net.hostA;
  const b = net.hostB;

  // Neighbours: BIRD with the injected routes on the server side.
  const sockets: string[] = [];
  for (const [i, nbr] of [net.client, net.server].entries()) {
    const conf = `${run.dir}/nbr${i}.conf`;
    Deno.writeTextFileSync(
      conf,
      neighbourConfig({
        routerId: i === 0 ? plan.clientLan.neighbour : plan.serverLan.neighbour,
        interfaceName: nbr.device,
        injectCount: i === 0 ? 0 : scenario.routeCount,
        helloSeconds: scenario.helloSeconds,
        deadCount: scenario.deadCount,
      }),
    );
    await run.exec(["bird", "-p", "-c", conf]);
    const socket = `${run.dir}/nbr${i}.ctl`;
    sockets.push(socket);
    run.spawn([
      "bird",
      "-f",
      "-c",
      conf,
      "-s",
      socket,
      "-P",
      `${run.dir}/nbr${i}.pid`,
    ], {
      namespace: nbr.namespace,
      stdout: "null",
      stderr: "null",
    });
  }

  // Relays: A binds the router now, B waits.
  const relayA = relayDaemon(run, binaries, a, scenario, "relay A");
  const relayB = relayDaemon(run, binaries, b, scenario, "relay B");
  for (const [relay, h] of [[relayA, a], [relayB, b]] as const) {
    await relay.waitFor("start", (e) => e.event === "ready", 10, 0);
    await relay.request(`side 0 ${h.relayTaps[0]}`, "side");
    await relay.request(`side 1 ${h.relayTaps[1]}`, "side");
  }

  let router: RouterHandle;
  if (scenario.router === "namespace") {
    const r = new NamespaceRouter(run, net, scenario);
    await r.start(binaries);
    router = r;
  } else {
    const r = new VmRouter(run, net, scenario);
    await r.start(binaries, {
      cacheDir: runOptions.vmCacheDir ?? `${defaultCacheDir()}/vm`,
      log,
    });
    router = r;
  }
  const [ifc, ifs] = router.interfacesA;
  const bindStart = Date.now();
  await relayA.request(`bind 0 ${ifc}`, "bound");
  await relayA.request(`bind 1 ${ifs}`, "bound");
  const bound = await relayA.request("mode local", "mode");
  const bindingSeconds = (Number(bound.t) / 1e6 - bindStart) / 1000;

  // OSPF converges: both neighbours Full with the router, every route in its kernel.
  const convergeSeconds = runOptions.convergeSeconds ??
    60 + scenario.routeCount / 100;
  log("waiting for OSPF");
  const convergeDeadline = Date.now() + convergeSeconds * 1000;
  for (;;) {
    const [c, s] = await Promise.all(sockets.map((k) => pollAdjacency(run, k)));
    const routes = await router.ospfRouteCount();
    if (
      c?.state.startsWith("Full") && s?.state.startsWith("Full") &&
      routes >= scenario.routeCount
    ) break;
    if (Date.now() > convergeDeadline) {
      throw new Error(
        `planesep: BIRD did not converge within ${convergeSeconds} s (client neighbour: ${
          c?.state ?? "no adjacency"
        }, server neighbour: ${
          s?.state ?? "no adjacency"
        }, router routes ${routes} of ${scenario.routeCount})`,
      );
    }
    await sleep(250);
  }

  // Host A's table, through the daemon pair, then its classifier.
  const bridges = (h: HostSide) => [h.clientBridge, h.serverBridge];
  const classifier = async (h: HostSide) =>
    nftApply(
      h.namespace,
      classifierRuleset({
        tableName: "vnps",
        sides: [
          {
            bridge: h.clientBridge,
            routerMac: router.macs[0],
            bridgeMac: await macOf(run, h.namespace, h.clientBridge),
          },
          {
            bridge: h.serverBridge,
            routerMac: router.macs[1],
            bridgeMac: await macOf(run, h.namespace, h.serverBridge),
          },
        ],
        routerAddresses: [plan.clientLan.router, plan.serverLan.router],
      }),
    );
  const syncA = syncDaemon(run, a, "sync daemon A");
  const syncB = syncDaemon(run, b, "sync daemon B");
  await syncA.waitFor("start", (e) => e.event === "ready", 20, 0);
  await syncB.waitFor("start", (e) => e.event === "ready", 20, 0);
  log("initial sync of host A's table");
  // Timed as host B's step is: the table's rules, the sync, the classifier.
  const tableStart = Date.now();
  if (separated) {
    await ipBatch(
      run,
      a.namespace,
      tableRuleCommands(bridges(a), plan.table, "add"),
    );
  }
  const initialSync = syncRecord(
    await syncA.request("sync", "synced", 60 + scenario.routeCount / 50),
  );
  if (initialSync.boundRoutes < scenario.routeCount) {
    throw new Error(
      `planesep: host A's table got ${initialSync.boundRoutes} routes, fewer than the ${scenario.routeCount} injected`,
    );
  }
  if (separated) await classifier(a);
  const tableSeconds = (Date.now() - tableStart) / 1000;

  // Tunnel set-up, measured once before the migration, then closed again.
  const t0 = Date.now();
  await relayA.request(
    `peer ${a.migrationAddress} ${b.migrationAddress}`,
    "peer",
  );
  await relayB.request(
    `peer ${b.migrationAddress} ${a.migrationAddress}`,
    "peer",
  );
  const pingFrom = relayA.events.length;
  await relayA.send("ping");
  const up = await relayA.waitFor(
    "the tunnel calibration",
    (e) => e.event === "tunnel-up",
    5,
  );
  const ping = relayA.events.slice(pingFrom).find((e) =>
    e.event === "ping-sent"
  );
  const tunnelSetupSeconds = (Number(up.t) / 1e6 - t0) / 1000;
  const tunnelRttSeconds = ping === undefined
    ? 0
    : (Number(up.t) - Number(ping.t)) / 1e9;

  // Traffic: data through the router, control probes to it, adjacency
  // polls. The senders run until told to stop (10 minutes at most).
  const maxStreamSeconds = 600;
  const dataCount = Math.ceil(scenario.packetsPerSecond * maxStreamSeconds);
  const receiver = startReceiver(
    run,
    net.server.namespace,
    5001,
    dataCount,
    scenario.runId,
    maxStreamSeconds + 60,
  );
  await Promise.race([
    receiver.ready,
    receiver.report.then(() => {
      throw new Error("planesep: the data receiver ended before it was ready");
    }),
  ]);
  const dataSender = startSender(
    run,
    net.client.namespace,
    plan.dataDestination,
    5001,
    scenario.packetsPerSecond,
    scenario.packetSizeBytes,
    dataCount,
    scenario.runId,
  );
  const probeCount = Math.ceil(
    scenario.controlProbesPerSecond * maxStreamSeconds,
  );
  const probeSenders = scenario.controlProbesPerSecond > 0
    ? [
      startSender(
        run,
        net.client.namespace,
        plan.clientLan.router,
        5999,
        scenario.controlProbesPerSecond,
        64,
        probeCount,
        scenario.runId,
      ),
      startSender(
        run,
        net.server.namespace,
        plan.serverLan.router,
        5999,
        scenario.controlProbesPerSecond,
        64,
        probeCount,
        scenario.runId,
      ),
    ]
    : [];
  const adjacency: AdjacencySample[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const tMs = Date.now();
      const [client, server] = await Promise.all(
        sockets.map((k) => pollAdjacency(run, k)),
      );
      adjacency.push({ tMs, client, server });
      await sleep(200);
    }
  })();

  await sleep(scenario.leadSeconds * 1000);
  log("migrating");
  const steps: Record<string, number> = {};
  const relayT = (e: DaemonEvent) => Number(e.t) / 1e6;
  let classifiedA = 0;
  const removeOldPath = async () => {
    steps.oldPathRemovedMs = Date.now();
    if (separated) {
      classifiedA = await classifiedCount(run, a.namespace);
      await run.exec([
        "ip",
        "netns",
        "exec",
        a.namespace,
        "nft",
        "delete",
        "table",
        "bridge",
        "vnps",
      ]);
      await ipBatch(
        run,
        a.namespace,
        tableRuleCommands(bridges(a), plan.table, "del"),
      );
    }
    await relayA.request("mode down", "mode");
    steps.sourceFreedMs = Date.now();
  };
  const bind = async () => {
    const [bc, bs] = router.interfacesB;
    await relayB.request(`bind 0 ${bc}`, "bound");
    await relayB.request(`bind 1 ${bs}`, "bound");
    const m = await relayB.request(
      `mode ${separated ? "remote" : "local"}`,
      "mode",
    );
    steps.bindingDoneMs = relayT(m);
  };
  let tunnelIsUp = false;
  let arpDone = false;
  const garp = async () => {
    // The links move: A stops tunnelling the copies of multicast B now gets itself.
    if (separated && scenario.whatIf !== "remove-at-resume") {
      // Before the tunnel is up (arp-before-sync) A keeps holding.
      await relayA.request(tunnelIsUp ? "mode drain" : "mode buffer", "mode");
    }
    arpDone = true;
    const g = await relayB.request(
      `garp 0 ${router.macs[0]} ${plan.clientLan.router}`,
      "garp",
    );
    await relayB.request(
      `garp 1 ${router.macs[1]} ${plan.serverLan.router}`,
      "garp",
    );
    steps.arpSentMs = relayT(g);
    await relayB.request("mode local", "mode");
    if (separated && scenario.whatIf !== "remove-at-resume") {
      // Before the tunnel is up (arp-before-sync) A keeps holding.
      await relayA.request(tunnelIsUp ? "mode drain" : "mode buffer", "mode");
    }
    arpDone = true;
  };
  const tunnel = async () => {
    const t = Date.now();
    steps.tunnelStartMs = t;
    await relayA.request(
      `peer ${a.migrationAddress} ${b.migrationAddress}`,
      "peer",
    );
    await relayB.request(
      `peer ${b.migrationAddress} ${a.migrationAddress}`,
      "peer",
    );
    await relayA.send("ping");
    await relayA.waitFor(
      "the GRE tunnel to host B",
      (e) => e.event === "tunnel-up",
      5,
    );
    // Once the links moved, only unicast stragglers still need the tunnel.
    const m = await relayA.request(
      arpDone ? "mode drain" : "mode tunnel",
      "mode",
    );
    steps.tunnelUpMs = relayT(m);
    tunnelIsUp = true;
  };
  let destinationSync: SyncRecord | undefined;
  const syncDestination = async () => {
    steps.syncStartMs = Date.now();
    await ipBatch(
      run,
      b.namespace,
      tableRuleCommands(bridges(b), plan.table, "add"),
    );
    destinationSync = syncRecord(
      await syncB.request("sync", "synced", 60 + scenario.routeCount / 50),
    );
    await classifier(b);
    steps.destinationReadyMs = Date.now();
  };

  let removal: Promise<void> | undefined;
  const record = await router.migrate({
    onPause: async () => {
      if (separated) {
        const m = await relayA.request("mode buffer", "mode");
        steps.bufferStartMs = relayT(m);
      }
      if (scenario.whatIf === "remove-at-resume") {
        // The old data path goes at the resume (see onResume).
      }
    },
    onResume: () => {
      // Host A removes its path while host B binds: the two Domain 0s act at once.
      if (scenario.whatIf === "remove-at-resume") removal = removeOldPath();
      return Promise.resolve();
    },
  });
  if (!separated) {
    await bind();
    await garp();
  } else {
    await bind();
    if (scenario.whatIf === "arp-before-sync") await garp();
    if (scenario.whatIf !== "remove-at-resume") await tunnel();
    await syncDestination();
    if (scenario.whatIf !== "arp-before-sync") await garp();
    if (scenario.whatIf !== "remove-at-resume") {
      await sleep(scenario.removalWaitSeconds * 1000);
      await removeOldPath();
    }
  }
  await removal;
  log("migrated; tail traffic");
  await sleep(scenario.tailSeconds * 1000);
  for (const sender of [dataSender, ...probeSenders]) await sender.stop();
  const data = await dataSender.report;
  const probes = await Promise.all(probeSenders.map((p) => p.report));
  await sleep(300);
  // The kernel's count of datagrams the receiving socket itself dropped
  // (its buffer full): loss in the measuring tool, not in the prototype.
  const udp = await run.exec(["cat", "/proc/net/udp"], {
    namespace: net.server.namespace,
  });
  const receiverSocketDrops = udpSocketStats(udp.stdout, 5001)
    .reduce((n, x) => n + x.drops, 0);
  await receiver.stop();
  const dataReceiver = await receiver.report;
  await sleep(500);
  polling = false;
  await poller;
  // The probes the router got, asked through B's daemon (Xen standard: a sync just for that).
  if (!separated) {
    await syncB.request("sync", "synced", 60 + scenario.routeCount / 50);
  }
  const probeEvent = await syncB.request("probes", "probes", 10);
  const report = probeEvent.report as { sources?: ProbeReceipts[] } | undefined;
  const classifiedB = separated ? await classifiedCount(run, b.namespace) : 0;
  await relayA.send("quit").catch(() => {});
  await relayB.send("quit").catch(() => {});
  await sleep(100);
  return {
    scenario,
    router: record,
    steps,
    initialSync,
    destinationSync,
    calibration: {
      bindingSeconds,
      tunnelSetupSeconds,
      tunnelRttSeconds,
      syncSeconds: tableSeconds,
      linkSwitchSeconds: Number(record.detail.linkSwitchSeconds ?? 0),
      probeStartMs: probes.map((p) => p.sentMsBySeq[0] ?? NaN),
    },
    relayA: relayA.events,
    relayB: relayB.events,
    syncEvents: [syncA.events, syncB.events],
    dataSender: data,
    dataReceiver: { ...dataReceiver, socketDrops: receiverSocketDrops },
    probeSenders: probes,
    probeReceipts: report?.sources ?? [],
    adjacency,
    classifiedPackets: { hostA: classifiedA, hostB: classifiedB },
  };
}

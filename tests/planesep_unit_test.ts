// The plane-separation testbed's pure parts (no root): scenario checks,
// BIRD configurations and parsing, the Domain 0 rules, the analysis of a
// recorded run, the prediction and the comparison.
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  classifierRuleset,
  injectedPrefix,
  measuredOutcome,
  neighbourConfig,
  parseGuestLine,
  parseOspfNeighbours,
  predictRun,
  type RecordedRun,
  resolveScenario,
  routeCommand,
  routerConfig,
  standInPrecopy,
  type StepCalibration,
} from "../src/testbed/plane_separation/mod.ts";
import { compareRun, csvRow } from "../src/testbed/plane_separation/results.ts";

Deno.test("scenario: defaults, ranges refused with the range, unknown names with the nearest", () => {
  const s = resolveScenario();
  strictEqual(s.routeCount, 100);
  strictEqual(s.mechanism, "plane-separation");
  throws(
    () => resolveScenario({ routeCount: 9 }),
    /routeCount must be .*\[10, 10000\]; got 9/,
  );
  throws(() => resolveScenario({ routeCount: 10001 }), /\[10, 10000\]/);
  throws(
    () => resolveScenario({ packetsPerSecond: 20000 }),
    /packetsPerSecond must be a finite number in \[100, 10000\]/,
  );
  throws(
    () => resolveScenario({ routeCount: 100.5 }),
    /routeCount must be an integer/,
  );
  throws(() => resolveScenario({ packetsPerSecond: NaN }), /packetsPerSecond/);
  throws(
    () => resolveScenario({ routCount: 10 } as never),
    /did you mean "routeCount"/,
  );
  throws(
    () =>
      resolveScenario({
        mechanism: "xen-standard",
        whatIf: "remove-at-resume",
      }),
    /whatIf must be "none" for mechanism "xen-standard"/,
  );
  // Negative control: the edges of the ranges are accepted.
  strictEqual(
    resolveScenario({ routeCount: 10000, packetsPerSecond: 10000 }).routeCount,
    10000,
  );
});

Deno.test("injected prefixes: consecutive /24s from 10.128.0.0, distinct", () => {
  strictEqual(injectedPrefix(0), "10.128.0.0/24");
  strictEqual(injectedPrefix(255), "10.128.255.0/24");
  strictEqual(injectedPrefix(256), "10.129.0.0/24");
  strictEqual(injectedPrefix(9999), "10.167.15.0/24");
  const all = new Set(
    Array.from({ length: 10000 }, (_, i) => injectedPrefix(i)),
  );
  strictEqual(all.size, 10000);
  throws(() => injectedPrefix(16384), /\[0, 16383\]/);
});

Deno.test("BIRD configurations: every injected route, the timers, the kernel export", () => {
  const nbr = neighbourConfig({
    routerId: "10.2.0.1",
    interfaceName: "x0",
    injectCount: 137,
    helloSeconds: 1,
    deadCount: 4,
  });
  strictEqual(nbr.match(/ unreachable;/g)?.length, 137);
  ok(
    nbr.includes("hello 1;") && nbr.includes("dead count 4;") &&
      nbr.includes("wait 2;"),
  );
  ok(nbr.includes("export where source = RTS_STATIC"));
  const none = neighbourConfig({
    routerId: "10.1.0.1",
    interfaceName: "x0",
    injectCount: 0,
    helloSeconds: 10,
    deadCount: 4,
  });
  ok(!none.includes("protocol static"));
  ok(none.includes("wait 10;"));
  const r = routerConfig({
    routerId: "10.1.0.10",
    interfaceNames: ["eth1", "eth2"],
    helloSeconds: 1,
    deadCount: 4,
  });
  ok(r.includes("protocol kernel { ipv4 { export all; import none; }; }"));
});

Deno.test("birdc show ospf neighbors: rows parsed, header and other lines skipped", () => {
  const text = [
    "BIRD 2.0.12 ready.",
    "core:",
    "Router ID   \tPri\t     State     \tDTime\tInterface  Router IP",
    "10.1.0.10\t  1\tFull/DR       \t3.456\tvnab1c0    10.1.0.10",
    "10.9.9.9\t  1\tInit/Other    \t1:05.500\tvnab1c0    10.1.0.99",
  ].join("\n");
  const rows = parseOspfNeighbours(text);
  strictEqual(rows.length, 2);
  deepStrictEqual(rows[0], {
    routerId: "10.1.0.10",
    priority: 1,
    state: "Full/DR",
    deadTimerSeconds: 3.456,
    interfaceName: "vnab1c0",
    address: "10.1.0.10",
  });
  strictEqual(rows[1].deadTimerSeconds, 65.5);
  strictEqual(parseOspfNeighbours("BIRD 2.0.12 ready.\ncore:\n").length, 0);
});

Deno.test("Domain 0 table: guest routes mapped to the bridges; unbound interfaces left out", () => {
  const map = { eth1: "brc", eth2: "brs" };
  strictEqual(
    routeCommand(
      {
        op: "add",
        dst: "10.128.0.0/24",
        gw: "10.2.0.1",
        oif: "eth2",
        proto: 12,
      },
      map,
      100,
    ),
    "route replace 10.128.0.0/24 via 10.2.0.1 dev brs table 100 proto static",
  );
  strictEqual(
    routeCommand(
      { op: "add", dst: "10.1.0.0/24", gw: "", oif: "eth1", proto: 2 },
      map,
      100,
    ),
    "route replace 10.1.0.0/24 scope link dev brc table 100 proto static",
  );
  strictEqual(
    routeCommand(
      {
        op: "del",
        dst: "10.128.0.0/24",
        gw: "10.2.0.1",
        oif: "eth2",
        proto: 12,
      },
      map,
      7,
    ),
    "route del 10.128.0.0/24 table 7",
  );
  strictEqual(
    routeCommand(
      { op: "add", dst: "10.250.0.0/24", gw: "", oif: "eth0", proto: 2 },
      map,
      100,
    ),
    undefined,
  );
  // Nothing from the guest reaches `ip` unless it is an address.
  strictEqual(
    routeCommand(
      { op: "add", dst: "1.2.3.0/24; reboot", gw: "", oif: "eth1", proto: 2 },
      map,
      100,
    ),
    undefined,
  );
  strictEqual(
    routeCommand(
      { op: "add", dst: "1.2.3.0/24", gw: "x y", oif: "eth1", proto: 2 },
      map,
      100,
    ),
    undefined,
  );
  strictEqual(
    routeCommand(
      { op: "add", dst: "1.2.3.0/24", gw: "", oif: "toString", proto: 2 },
      map,
      100,
    ),
    undefined,
  );
});

Deno.test("frame classifier: one rule per side, the router's addresses and multicast excluded", () => {
  const text = classifierRuleset({
    tableName: "vnps",
    sides: [
      {
        bridge: "brc",
        routerMac: "52:54:00:00:00:01",
        bridgeMac: "02:00:00:00:00:01",
      },
      {
        bridge: "brs",
        routerMac: "52:54:00:00:00:02",
        bridgeMac: "02:00:00:00:00:02",
      },
    ],
    routerAddresses: ["10.1.0.10", "10.2.0.10"],
  });
  strictEqual(text.match(/meta pkttype set host/g)?.length, 2);
  ok(text.includes("ip daddr != { 10.1.0.10, 10.2.0.10, 224.0.0.0/4 }"));
  ok(text.includes("ether daddr set 02:00:00:00:00:02"));
});

Deno.test("guest daemon lines", () => {
  const r = parseGuestLine(
    '{"op":"add","dst":"10.128.0.0/24","gw":"10.2.0.1","oif":"eth2","proto":12}',
  );
  strictEqual(r?.kind, "route");
  deepStrictEqual(parseGuestLine('{"op":"end","count":3,"dumpNs":5}'), {
    kind: "end",
    count: 3,
    dumpNs: 5,
  });
  const p = parseGuestLine(
    '{"op":"probes","sources":[{"from":"10.1.0.1","received":4,"ranges":[[0,3]]}]}',
  );
  strictEqual(p?.kind === "probes" && p.sources[0].received, 4);
  strictEqual(parseGuestLine("not json"), undefined);
  strictEqual(parseGuestLine('{"op":"add"}'), undefined);
});

// A recorded run made by hand: trigger at 1000 ms, pause at once, resume at
// 1300, bound 1320, tunnel up 1322, B ready 1340, ARP 1341, old path gone 2341.
function syntheticRun(lostRanges: [number, number][]): RecordedRun {
  const scenario = resolveScenario({
    router: "namespace",
    packetsPerSecond: 1000,
    controlProbesPerSecond: 10,
    standInPauseSeconds: 0.3,
  });
  const sentMsBySeq = Array.from({ length: 4000 }, (_, i) => i); // 0..3999 ms
  const probeTimes = Array.from({ length: 40 }, (_, i) => 5 + i * 100);
  const relayA: { event: string; [k: string]: unknown }[] = [];
  const relayB: { event: string; [k: string]: unknown }[] = [];
  for (const [seq, t] of probeTimes.entries()) {
    const frame = {
      event: "frame",
      kind: "udp",
      port: 5999,
      src: "10.1.0.1",
      seq,
      multicast: false,
    };
    if (t >= 1000 && t < 1322) {
      relayA.push({ ...frame, fate: "buffered", t: t * 1e6, arrival: t * 1e6 });
      relayB.push({
        ...frame,
        fate: "tunnel-deliver",
        t: 1322.5e6,
        arrival: 1322.4e6,
      });
    } else if (t >= 1322 && t < 1341) {
      relayA.push({
        ...frame,
        fate: "tunnelled",
        t: t * 1e6,
        arrival: t * 1e6,
      });
      relayB.push({
        ...frame,
        fate: "tunnel-deliver",
        t: (t + 0.2) * 1e6,
        arrival: t * 1e6,
      });
    } else {
      relayA.push({ ...frame, fate: "deliver", t: t * 1e6, arrival: t * 1e6 });
    }
  }
  const sync = {
    startMs: 1322,
    connectedMs: 1323,
    dumpedMs: 1330,
    appliedMs: 1335,
    routes: 104,
    boundRoutes: 104,
    ipErrors: 0,
  };
  return {
    scenario,
    router: { triggerMs: 1000, pauseMs: 1000, resumeMs: 1300, detail: {} },
    steps: {
      bufferStartMs: 1000,
      bindingDoneMs: 1320,
      tunnelStartMs: 1320,
      tunnelUpMs: 1322,
      syncStartMs: 1322,
      destinationReadyMs: 1340,
      arpSentMs: 1341,
      oldPathRemovedMs: 2341,
      sourceFreedMs: 2360,
    },
    initialSync: { ...sync, startMs: 0, appliedMs: 18 },
    destinationSync: sync,
    calibration: {
      bindingSeconds: 0.02,
      tunnelSetupSeconds: 0.002,
      tunnelRttSeconds: 0.0004,
      syncSeconds: 0.018,
      linkSwitchSeconds: 0,
      probeStartMs: [5],
    },
    relayA,
    relayB,
    syncEvents: [[], []],
    dataSender: { sentPackets: 4000, sentMsBySeq },
    dataReceiver: {
      receivedPackets: 4000,
      lostPackets: 0,
      lostRanges,
      duplicatedPackets: 0,
    },
    probeSenders: [{ sentPackets: 40, sentMsBySeq: probeTimes }],
    probeReceipts: [{ from: "10.1.0.1", received: 40, ranges: [[0, 39]] }],
    adjacency: [
      {
        tMs: 900,
        client: {
          routerId: "10.1.0.10",
          priority: 1,
          state: "Full/DR",
          deadTimerSeconds: 3.5,
          interfaceName: "x",
          address: "10.1.0.10",
        },
        server: {
          routerId: "10.1.0.10",
          priority: 1,
          state: "Full/BDR",
          deadTimerSeconds: 2.9,
          interfaceName: "y",
          address: "10.2.0.10",
        },
      },
    ],
    classifiedPackets: { hostA: 2341, hostB: 1659 },
  };
}

Deno.test("analysis: exact data and control counts, delays from the relays' clock", () => {
  const m = measuredOutcome(syntheticRun([]));
  strictEqual(m.source, "measured");
  strictEqual(m.data.lostPackets, 0);
  strictEqual(m.data.sentPackets, 4000);
  // Probes at 1005, 1105, 1205, 1305 buffered; none tunnelled (1322..1341 holds none).
  strictEqual(m.control.delayedPackets, 4);
  strictEqual(m.control.lostPackets, 0);
  ok(Math.abs(m.control.maxDelaySeconds - 0.3175) < 1e-9);
  ok(Math.abs(m.downtimeSeconds - 0.3) < 1e-12);
  ok(Math.abs(m.totalMigrationSeconds - 0.341) < 1e-12);
  strictEqual(m.detail.heldFrames, 4);
  strictEqual(m.detail.adjacencyHeld, true);
  strictEqual(m.detail.minDeadTimerSeconds, 2.9);
  // Negative controls: a lost range and a missing probe are counted.
  const lossy = syntheticRun([[1300, 1339], [3990, 5000]]);
  const l = measuredOutcome({
    ...lossy,
    probeReceipts: [{
      from: "10.1.0.1",
      received: 39,
      ranges: [[0, 11], [13, 39]],
    }],
  });
  strictEqual(l.data.lostPackets, 40 + 10);
  ok(Math.abs(l.dataOutageSeconds - (0.039 + 0.001 + 0.009 + 0.001)) < 1e-9);
  strictEqual(l.control.lostPackets, 1);
  // Probe 12 (at 1205 ms) was held at A and delivered at B: lost in the router.
  strictEqual(l.detail.probesLostAfterDelivery, 1);
  strictEqual(l.detail.probesLostUnseen + l.detail.probesLostInRelay, 0);
});

const calibration: StepCalibration = {
  bindingSeconds: 0.02,
  tunnelSetupSeconds: 0.002,
  tunnelRttSeconds: 0.0004,
  syncSeconds: 0.018,
  linkSwitchSeconds: 0,
  probeStartMs: [5],
};

Deno.test("prediction: the paper's order loses nothing; the what-ifs lose what their windows hold", () => {
  const base = {
    router: "namespace",
    packetsPerSecond: 1000,
    controlProbesPerSecond: 10,
  } as const;
  const paper = predictRun(
    resolveScenario(base),
    calibration,
    standInPrecopy(0.3, 0),
    0,
  );
  strictEqual(paper.source, "model");
  strictEqual(paper.data.lostPackets, 0);
  strictEqual(paper.control.lostPackets, 0);
  strictEqual(paper.ospf.verdict, "survives");
  // The probes due from the pause to the tunnel (0.005, 0.105, 0.205, 0.305) are delayed.
  strictEqual(paper.control.delayedPackets, 4);
  // Links moved after binding: the stream meets B's empty table for the sync (18 ms, 18 packets).
  const early = predictRun(
    resolveScenario({ ...base, whatIf: "arp-before-sync" }),
    calibration,
    standInPrecopy(0.3, 0),
    0,
  );
  strictEqual(early.data.lostPackets, 20);
  // Removed at resume: lost from resume to the ARP after the sync (binding 20 + sync 18 ms).
  const removed = predictRun(
    resolveScenario({ ...base, whatIf: "remove-at-resume" }),
    calibration,
    standInPrecopy(0.3, 0),
    0,
  );
  strictEqual(removed.data.lostPackets, 38);
  ok(removed.control.lostPackets > 0);
  // Xen standard: the VM's outage (0.3 s + binding 20 ms) at 1000 packets/s.
  const xen = predictRun(
    resolveScenario({ ...base, mechanism: "xen-standard" }),
    calibration,
    standInPrecopy(0.3, 0),
    0,
  );
  strictEqual(xen.data.lostPackets, 320);
});

Deno.test("comparison: a run measured as predicted is within tolerance; a lossy one is not", () => {
  const c = compareRun(syntheticRun([]))!;
  ok(c.comparison.every((x) => x.within), JSON.stringify(c.comparison));
  const row = csvRow(c, "2026-01-01T00:00:00Z");
  strictEqual(row.withinAll, true);
  strictEqual(row.measuredDataLostPackets, 0);
  const bad = compareRun(syntheticRun([[1300, 1499]]))!;
  strictEqual(
    bad.comparison.find((x) => x.metric === "data.lostPackets")?.within,
    false,
  );
  strictEqual(csvRow(bad, "x").withinAll, false);
});

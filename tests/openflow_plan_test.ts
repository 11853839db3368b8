// The topology, routing and plan builder: the paper's testbed, exact plans
// on the paper's diamond, and the tricky path pairs (several shared
// switches, split and merge twice, part of the old path run backwards, no
// shared switch).
import assert from "node:assert/strict";
import {
  analyzePathPair,
  flow,
  type FlowMigration,
  gridPath,
  gridTopology,
  initialEntries,
  ORDERINGS,
  paperTestbedInitialEntries,
  paperTestbedMigrations,
  paperTestbedPlan,
  paperTestbedTopology,
  pathEntries,
  planMigration,
  shortestPath,
  topology,
} from "../mod.ts";
import { indexTopology } from "../src/openflow/topology.ts";
import { backwardsTopology } from "./_openflow_fixtures.ts";

const summary = (plan: ReturnType<typeof planMigration>) =>
  plan.phases.map((p) =>
    `${p.name}${p.barrier ? "|" : ""}: ` +
    p.messages.map((m) =>
      `${m.command} ${m.entry.switchId} ${
        m.entry.match.inPort ?? "*"
      }>${m.entry.outPort}`
    ).join(", ")
  );

Deno.test("paper testbed: two alternative paths, controller within two hops", () => {
  const net = paperTestbedTopology();
  const index = indexTopology(net);
  assert.ok(net.controller.channels.every((c) => c.hops <= 2));
  assert.deepEqual(net.controller.channels.map((c) => c.hops), [1, 2, 2, 1]);
  assert.deepEqual(shortestPath(net, "s1", "s4", { avoid: ["s3"] }), [
    "s1",
    "s2",
    "s4",
  ]);
  assert.deepEqual(shortestPath(net, "s1", "s4", { avoid: ["s2"] }), [
    "s1",
    "s3",
    "s4",
  ]);
  assert.equal(index.portToward("s4", "s3"), 3);
  assert.deepEqual(index.peer("s1", 1), {
    kind: "host",
    hostId: "client",
    latencySeconds: 0.00005,
    bitsPerSecond: 1e9,
  });
});

Deno.test("paper testbed: initial entries are both flows over the old path, with topology ports", () => {
  const net = paperTestbedTopology();
  const entries = paperTestbedInitialEntries(net);
  assert.deepEqual(
    entries.map((e) =>
      `${e.flowId} ${e.switchId} ${e.match.inPort}>${e.outPort}`
    ),
    [
      "client->server s1 1>2",
      "client->server s2 1>2",
      "client->server s4 2>1",
      "server->client s4 1>2",
      "server->client s2 2>1",
      "server->client s1 2>1",
    ],
  );
  assert.deepEqual(entries[0].match, {
    inPort: 1,
    ethType: 0x0800,
    ipv4Src: "10.0.0.1",
    ipv4Dst: "10.0.0.2",
  });
});

Deno.test("paper ordering on the paper testbed: add, then redirect the branching switches, then delete", () => {
  const net = paperTestbedTopology();
  assert.deepEqual(summary(paperTestbedPlan(net)), [
    "install new path|: add s3 1>2, add s4 3>1, add s3 2>1, add s1 3>1",
    "redirect s1, s4|: modify s1 1>3, modify s4 1>3",
    "delete old path|: delete s2 1>2, delete s4 2>1, delete s2 2>1, delete s1 2>1",
  ]);
  // Without the ingress port in the match the merge switch needs nothing.
  assert.deepEqual(
    summary(paperTestbedPlan(net, "paper", { matchInPort: false })),
    [
      "install new path|: add s3 *>2, add s3 *>1",
      "redirect s1, s4|: modify s1 *>3, modify s4 *>3",
      "delete old path|: delete s2 *>2, delete s2 *>1",
    ],
  );
});

Deno.test("every ordering carries the same changes; only the order and barriers differ", () => {
  const net = paperTestbedTopology();
  const key = (p: ReturnType<typeof planMigration>) =>
    p.phases.flatMap((ph) => ph.messages).map((m) =>
      `${m.command} ${m.entry.switchId} ${m.entry.match.inPort}`
    ).sort();
  const paper = key(paperTestbedPlan(net));
  for (
    const o of ["all-at-once", "delete-old-first", "branching-first"] as const
  ) {
    assert.deepEqual(key(paperTestbedPlan(net, o)), paper, o);
  }
  assert.equal(paperTestbedPlan(net, "all-at-once").phases.length, 1);
  assert.equal(paperTestbedPlan(net, "all-at-once").phases[0].barrier, false);
  assert.deepEqual(
    paperTestbedPlan(net, "delete-old-first").phases.map((p) => p.name),
    ["delete old path", "install new path", "redirect s1, s4"],
  );
  assert.deepEqual(
    paperTestbedPlan(net, "branching-first").phases.map((p) => p.name),
    ["redirect s1, s4", "install new path", "delete old path"],
  );
  assert.equal(ORDERINGS.length, 5);
});

Deno.test("two-phase update: tagged entries at higher priority, the ingress stamps, the egress strips", () => {
  const net = paperTestbedTopology();
  const plan = paperTestbedPlan(net, "two-phase");
  const [install, stamp, remove] = plan.phases;
  assert.deepEqual(
    install.messages.map((m) =>
      `${m.entry.switchId} vid=${m.entry.match.vlanVid} prio=${m.entry.priority} pop=${
        m.entry.popVlan ?? false
      }`
    ),
    [
      "s3 vid=2 prio=101 pop=false",
      "s4 vid=2 prio=101 pop=true",
      "s3 vid=2 prio=101 pop=false",
      "s1 vid=2 prio=101 pop=true",
    ],
  );
  assert.deepEqual(
    stamp.messages.map((m) =>
      `${m.command} ${m.entry.switchId} set=${m.entry.setVlanVid} out=${m.entry.outPort}`
    ),
    ["modify s1 set=2 out=3", "modify s4 set=2 out=3"],
  );
  assert.deepEqual(remove.messages.map((m) => m.entry.switchId), [
    "s2",
    "s4",
    "s2",
    "s1",
  ]);
});

Deno.test("several shared switches, split and merge twice: modifies from the egress back, one barrier each", () => {
  const net = gridTopology({ rows: 3, columns: 4 });
  const f = flow(net, "h1_0", "h1_3");
  const oldPath = gridPath([1, 0], [1, 3], "row-first");
  const newPath = [
    "s1_0",
    "s0_0",
    "s0_1",
    "s1_1",
    "s2_1",
    "s2_2",
    "s1_2",
    "s1_3",
  ];
  const a = analyzePathPair(oldPath, newPath);
  assert.deepEqual(a.sharedSwitches, ["s1_0", "s1_1", "s1_2", "s1_3"]);
  assert.equal(a.branchSwitch, "s1_0");
  assert.deepEqual(a.splitSwitches, ["s1_0", "s1_1"]);
  assert.deepEqual(a.mergeSwitches, ["s1_1", "s1_2"]);
  assert.equal(a.reversed, false);
  const m: FlowMigration[] = [{ flow: f, oldPath, newPath }];
  assert.deepEqual(summary(planMigration(net, m, { matchInPort: false })), [
    "install new path|: add s0_0 *>3, add s0_1 *>4, add s2_1 *>3, add s2_2 *>2",
    "redirect s1_1|: modify s1_1 *>4",
    "redirect s1_0|: modify s1_0 *>2",
  ]);
  // With the ingress port matched, merge points get a new entry instead.
  const withPorts = planMigration(net, m);
  assert.deepEqual(withPorts.phases.map((p) => p.name), [
    "install new path",
    "redirect s1_0",
    "delete old path",
  ]);
  assert.deepEqual(
    withPorts.phases[2].messages.map((x) => x.entry.switchId),
    ["s1_1", "s1_2"],
  );
});

Deno.test("part of the old path run backwards: every split switch is redirected, egress side first", () => {
  const net = backwardsTopology();
  const f = flow(net, "src", "dst");
  const m = [{
    flow: f,
    oldPath: ["A", "B", "C", "D", "E"],
    newPath: ["A", "C", "B", "E"],
  }];
  const a = analyzePathPair(m[0].oldPath, m[0].newPath);
  assert.equal(a.reversed, true);
  assert.deepEqual(a.splitSwitches, ["A", "C", "B"]);
  assert.deepEqual(summary(planMigration(net, m, { matchInPort: false })), [
    "redirect B|: modify B *>4",
    "redirect C|: modify C *>2",
    "redirect A|: modify A *>3",
    "delete old path|: delete D *>3",
  ]);
});

Deno.test("paths sharing no switch, or starting apart: says what is needed instead", () => {
  const none = analyzePathPair(["a", "b"], ["c", "d"]);
  assert.equal(none.feasible, false);
  assert.equal(none.branchSwitch, null);
  assert.match(none.needed!, /share no switch/);
  const apart = analyzePathPair(["a", "b", "z"], ["c", "b", "z"]);
  assert.equal(apart.feasible, false);
  assert.match(apart.needed!, /re-pointed/);
  const net = paperTestbedTopology();
  const f = flow(net, "client", "server");
  assert.throws(
    () => planMigration(net, [{ flow: f, oldPath: ["s2"], newPath: ["s3"] }]),
    (e: unknown) =>
      e instanceof RangeError && /share no switch/.test(e.message),
  );
  const same = analyzePathPair(["a", "b"], ["a", "b"]);
  assert.equal(same.branchSwitch, null);
  assert.equal(same.feasible, true);
  assert.deepEqual(
    planMigration(net, [{
      flow: f,
      oldPath: ["s1", "s2", "s4"],
      newPath: ["s1", "s2", "s4"],
    }]).phases,
    [],
  );
});

Deno.test("bad inputs raise RangeErrors naming the parameter", () => {
  const net = paperTestbedTopology();
  const f = flow(net, "client", "server");
  const bad: [() => unknown, RegExp][] = [
    [
      () => paperTestbedTopology({ linkLatencySeconds: -1 }),
      /links\[0\]\.latencySeconds/,
    ],
    [() => paperTestbedTopology({ linkBitsPerSecond: 0 }), /bitsPerSecond/],
    [() => flow(net, "nobody", "server"), /srcHost/],
    [() => flow(net, "client", "client"), /dstHost/],
    [() => flow(net, "client", "server", { priority: 70000 }), /priority/],
    [() => pathEntries(net, f, ["s1", "s4"]), /must be linked to s1/],
    [() => pathEntries(net, f, ["s2", "s4"]), /path\[0\]/],
    [() => pathEntries(net, f, ["s1", "s2", "s1", "s3", "s4"]), /repeat/],
    [
      () =>
        planMigration(net, paperTestbedMigrations(net), {
          ordering: "random" as never,
        }),
      /ordering/,
    ],
    [() => planMigration(net, []), /migrations/],
    [
      () =>
        planMigration(net, paperTestbedMigrations(net), {
          versionVlanVid: 5000,
        }),
      /versionVlanVid/,
    ],
    [
      () =>
        initialEntries(net, [
          ...paperTestbedMigrations(net),
          ...paperTestbedMigrations(net),
        ]),
      /unique/,
    ],
    [() => paperTestbedMigrations(net, { flowPairs: 0 }), /flowPairs/],
    [() => gridTopology({ rows: 0 }), /rows/],
    [() => gridTopology({ columns: 256 }), /columns .*\[1, 255\]; got 256/],
    [
      () => flow(net, "client", "server", { priority: 65535 }),
      /priority .*\[0, 65534\]; got 65535/,
    ],
    [() =>
      topology({
        switches: [{ id: "a", ports: [65280] }],
        controller: {
          id: "c",
          channels: [{ switchId: "a", hops: 1, latencySeconds: 0 }],
        },
      }), /ports\[0\] .*\[1, 65279\]; got 65280/],
    [() =>
      topology({
        switches: [{ id: "a", ports: [1, 1] }],
        controller: {
          id: "c",
          channels: [{ switchId: "a", hops: 1, latencySeconds: 0 }],
        },
      }), /ports\[1\]/],
    [() =>
      topology({
        switches: [{ id: "a", ports: [1] }, { id: "b", ports: [1] }],
        controller: {
          id: "c",
          channels: [{ switchId: "a", hops: 1, latencySeconds: 0 }],
        },
      }), /controller\.channels.*missing b/],
    [() =>
      topology({
        switches: [{ id: "a", ports: [1] }],
        hosts: [{
          id: "h",
          ipv4: "10.0.0.300",
          switchId: "a",
          port: 1,
          latencySeconds: 0,
          bitsPerSecond: 1,
        }],
        controller: {
          id: "c",
          channels: [{ switchId: "a", hops: 1, latencySeconds: 0 }],
        },
      }), /hosts\[0\]\.ipv4/],
  ];
  for (const [fn, pattern] of bad) {
    assert.throws(
      fn,
      (e: unknown) => e instanceof RangeError && pattern.test(e.message),
      String(pattern),
    );
  }
});

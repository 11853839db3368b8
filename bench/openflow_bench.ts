// Plan + timing + exact packet-level consistency for 10,000 flows over a
// 100-switch grid (issue 5's performance target: under one second).
import {
  type FlowMigration,
  gridHostId,
  gridPath,
  gridTopology,
  initialEntries,
  migrationScaling,
  migrationTiming,
  packetConsistency,
  paperTestbedInitialEntries,
  paperTestbedMigrations,
  paperTestbedPlan,
  paperTestbedTopology,
  planMigration,
  SOFTWARE_SWITCH,
  timedChanges,
} from "../src/openflow/mod.ts";
import { cbrStream } from "../src/traffic/mod.ts";
import { randomLcg } from "../src/random.ts";

const net = gridTopology({ rows: 10, columns: 10 });
const hosts = new Map(net.hosts.map((h) => [h.id, h]));
const random = randomLcg(1);
const cell = (): [number, number] => [
  Math.floor(random() * 10),
  Math.floor(random() * 10),
];
const migrations: FlowMigration[] = [];
for (let i = 0; i < 10_000; i++) {
  const a = cell();
  let b = cell();
  if (a[0] === b[0] && a[1] === b[1]) b = [(b[0] + 1) % 10, b[1]];
  const src = hosts.get(gridHostId(...a))!;
  const dst = hosts.get(gridHostId(...b))!;
  migrations.push({
    flow: {
      id: `f${i}`,
      srcHost: src.id,
      dstHost: dst.id,
      priority: 100,
      // Many sources behind each host: one virtual source address per flow.
      match: {
        ethType: 0x0800,
        ipv4Src: `10.200.${i >> 8}.${i & 255}`,
        ipv4Dst: dst.ipv4,
      },
    },
    oldPath: gridPath(a, b, "row-first"),
    newPath: gridPath(a, b, "column-first"),
  });
}

Deno.bench(
  "openflow: plan + timing + exact consistency, 10,000 flows, 100 switches",
  () => {
    const plan = planMigration(net, migrations);
    const timing = migrationTiming(plan, net, { install: SOFTWARE_SWITCH });
    const report = packetConsistency(net, {
      initial: initialEntries(net, migrations),
      changes: timedChanges(timing),
      migrations,
    }, {
      stream: cbrStream({
        packetsPerSecond: 10_000,
        endSeconds: timing.completedSeconds + 0.01,
      }),
    });
    if (report.lostPackets !== 0) {
      throw new Error("the paper's ordering lost packets");
    }
  },
);

Deno.bench(
  "openflow: scaling rows (1 to 100,000 flow pairs, distance, install rate)",
  () => {
    migrationScaling();
  },
);

const paper = paperTestbedTopology();
const paperTimeline = {
  initial: paperTestbedInitialEntries(paper),
  changes: timedChanges(migrationTiming(paperTestbedPlan(paper), paper)),
  migrations: paperTestbedMigrations(paper),
};
Deno.bench(
  "openflow: paper testbed, 1500-byte packets at 10,000/s over 1 s (120 Mbit/s on 100 Mbit/s links: queued, traced packet by packet)",
  { n: 5, warmup: 1 },
  () => {
    const r = packetConsistency(paper, paperTimeline, {
      stream: cbrStream({
        packetsPerSecond: 10_000,
        packetSizeBytes: 1500,
        endSeconds: 1,
      }),
    });
    if (r.feasible) throw new Error("120 Mbit/s fitted 100 Mbit/s links");
  },
);

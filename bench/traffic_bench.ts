// Speed of the two loss engines (issue 11 targets: interval counting of 1e9
// packets through 100 state changes well under 1 ms; the per-packet
// simulator at 5e7 packet events per second or more on the realistic
// shape, client -> router -> server with 1 ms links at 100,000 packets/s for
// 60 s, no records, memory flat; the old one-element shape beside it).
// Events/s = events / (time per iteration): the names give the events.
import {
  cbrStream,
  countFates,
  outage,
  pathElement,
  poissonStream,
  simulatePackets,
  type StateChange,
} from "../src/traffic/mod.ts";

const changes: StateChange[] = Array.from({ length: 100 }, (_, i) => ({
  atSeconds: 0.5 + i * 0.01,
  state: i % 2 === 0 ? "drop" : "forward",
}));
const router = pathElement({ name: "router", changes });

const billion = cbrStream({ packetsPerSecond: 1e9, endSeconds: 1 });
Deno.bench("countFates: 1e9 CBR packets, 100 state changes", () => {
  countFates(billion, [router]);
});

const saturated = [pathElement({
  name: "router VM",
  forwardingPacketsPerSecond: 8000,
  queueCapacityPackets: 256,
  changes: [
    { atSeconds: 10, state: "forward", forwardingPacketsPerSecond: 6000 },
    { atSeconds: 40, state: "drop" },
    { atSeconds: 40.5, state: "forward" },
  ],
})];
const busy = cbrStream({ packetsPerSecond: 10_000, endSeconds: 60 });
Deno.bench(
  "countFates: 600,000 packets into a saturated router VM (busy periods, 3 changes)",
  () => {
    countFates(busy, [...saturated]);
  },
);

const tenMillion = cbrStream({ packetsPerSecond: 10_000_000, endSeconds: 1 });
Deno.bench(
  "simulatePackets, old shape: 1e7 CBR packets, 1 element, 100 state changes (1.00001e7 events)",
  { n: 3, warmup: 1 },
  () => {
    simulatePackets(tenMillion, [router]);
  },
);

const realistic = cbrStream({ packetsPerSecond: 100_000, endSeconds: 60 });
const clientRouterServer = [
  pathElement({ name: "client", latencySeconds: 0.001 }),
  pathElement({ name: "router", latencySeconds: 0.001 }),
  pathElement({ name: "server" }),
];
Deno.bench(
  "simulatePackets, realistic shape: client -> router -> server, 1 ms links, 1e5/s for 60 s, no records (1.8e7 events)",
  { n: 5, warmup: 1 },
  () => {
    simulatePackets(realistic, clientRouterServer);
  },
);

const outaged = [
  ...clientRouterServer.slice(0, 2),
  pathElement({ name: "server", changes: outage(20, 20.5, "buffer") }),
];
Deno.bench(
  "simulatePackets, realistic shape with a 0.5 s buffered outage (50,000 packets held, exact delays) (1.8e7 events)",
  { n: 3, warmup: 1 },
  () => {
    simulatePackets(realistic, outaged);
  },
);

const poisson = poissonStream({ packetsPerSecond: 100_000, endSeconds: 10 });
Deno.bench(
  "countFates: Poisson 1e6 packets sampled, 100 changes",
  { n: 3, warmup: 1 },
  () => {
    countFates(poisson, [router]);
  },
);

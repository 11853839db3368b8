// Speed of the two loss engines (issue 2 targets: interval counting of 1e9
// packets through 100 state changes in under 1 ms; the per-packet simulator
// at 10 million packet events per second or more).
import {
  cbrStream,
  countFates,
  pathElement,
  simulatePackets,
  type StateChange,
} from "../mod.ts";

const changes: StateChange[] = Array.from({ length: 100 }, (_, i) => ({
  atSeconds: 0.5 + i * 0.01,
  state: i % 2 === 0 ? "drop" : "forward",
}));
const router = pathElement({ name: "router", changes });

const billion = cbrStream({ packetsPerSecond: 1e9, endSeconds: 1 });
Deno.bench("countFates: 1e9 CBR packets, 100 state changes", () => {
  countFates(billion, [router]);
});

const tenMillion = cbrStream({ packetsPerSecond: 10_000_000, endSeconds: 1 });
Deno.bench(
  "simulatePackets: 1e7 CBR packets, 100 state changes (events/s = 1e7 / time)",
  {
    n: 3,
    warmup: 1,
  },
  () => {
    simulatePackets(tenMillion, [router]);
  },
);

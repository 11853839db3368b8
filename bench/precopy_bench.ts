// Throughput of the pre-copy engine on SimGrid's reference shape (issue
// 12). Targets: at least 1e6 round-by-round migrations per second warm on
// 512 MiB over 1 Gbit/s with uniform dirtying at 20,000 pages/s (12 rounds),
// and the non-converging 40,000 pages/s case (SimGrid's 2,328,306 rounds to
// its 1e7 s time-out) answered in under 1 ms. This file holds that shape
// alone, so that the engine is measured warm on it; the other models'
// shapes are in precopy_models_bench.ts.
import {
  closedFormPrecopy,
  precopyMigration,
  type PrecopyOptions,
  roundRobinWrites,
} from "../src/precopy/mod.ts";

const simgrid = (pagesPerSecond: number): PrecopyOptions => ({
  policy: "simgrid",
  memoryBytes: 512 * 2 ** 20,
  linkBitsPerSecond: 1e9,
  dirty: roundRobinWrites({ pagesPerSecond }),
});
const converging = simgrid(20_000);
const convergingNoTrace = { ...converging, recordRounds: false };
const diverging = simgrid(40_000);

Deno.bench("simgrid 512 MiB / 1 Gbit/s / 20,000 pages/s, 12 rounds recorded", {
  group: "simgrid",
  baseline: true,
}, () => {
  precopyMigration(converging);
});

Deno.bench("simgrid same, no round trace", { group: "simgrid" }, () => {
  precopyMigration(convergingNoTrace);
});

Deno.bench("simgrid 40,000 pages/s: converged false at the 1e7 s time-out", {
  group: "simgrid",
}, () => {
  precopyMigration(diverging);
});

let n = 0;
Deno.bench("closed form: one evaluation", () => {
  n = (n + 1) % 29;
  closedFormPrecopy({
    memoryPages: 32768,
    dirtyPagesPerSecond: 100 + n,
    linkPagesPerSecond: 3046,
    iterativeRounds: n,
  });
});

// Throughput of the pre-copy engine (issue 12). Targets: at least 1e6
// round-by-round migrations per second warm on SimGrid's reference shape
// (512 MiB over 1 Gbit/s, uniform dirtying at 20,000 pages/s: 12 rounds,
// <= 1 us each), and the non-converging 40,000 pages/s case (SimGrid's
// 2,328,306 rounds to its 1e7 s time-out) answered in under 1 ms.
import {
  closedFormPrecopy,
  hotSet,
  precopyMigration,
  type PrecopyOptions,
  roundRobinWrites,
} from "../src/precopy/mod.ts";
import { PAPER_TESTBED, profilePrecopyOptions } from "../src/xen/mod.ts";
import { xenStandardMigration } from "../src/xen/mod.ts";

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

const testbed: PrecopyOptions = {
  policy: "qemu",
  memoryPages: 65534,
  nonZeroPages: 23_000,
  linkBitsPerSecond: 100e6,
  dirty: [
    hotSet(300),
    roundRobinWrites({ pagesPerSecond: 2000, workingSetPages: 16384 }),
  ],
};
Deno.bench(
  "qemu testbed shape (256 MiB, 100 Mbit/s, 2000 pages/s sweep)",
  () => {
    precopyMigration(testbed);
  },
);

const paper = profilePrecopyOptions(PAPER_TESTBED, 5000);
Deno.bench("xen4 paper profile at 5000 packets/s, 29 rounds", () => {
  precopyMigration(paper);
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

Deno.bench("xen standard: migration + exact loss count", () => {
  xenStandardMigration({ packetsPerSecond: 5000 });
});

// Throughput of the Xen models. Targets (issue 3): >= 100,000 full
// round-by-round migrations per second on the paper profile (<= 10 us each)
// and >= 10 million closed-form evaluations per second (<= 100 ns each).
import {
  closedFormPrecopy,
  PAPER_TESTBED,
  precopyMigration,
  profilePrecopyOptions,
  xenStandardMigration,
} from "../src/xen/mod.ts";

const paper = profilePrecopyOptions(PAPER_TESTBED, 5000);
const paperNoTrace = { ...paper, recordRounds: false };

Deno.bench("precopy: paper profile, 29 rounds recorded", {
  group: "precopy",
  baseline: true,
}, () => {
  precopyMigration(paper);
});

Deno.bench(
  "precopy: paper profile, no round trace",
  { group: "precopy" },
  () => {
    precopyMigration(paperNoTrace);
  },
);

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

// The pre-copy engine under the other policies' shapes, and the Xen
// standard model around it (whole pages: exact counts, Xen's batches,
// QEMU's checks).
import {
  hotSet,
  precopyMigration,
  type PrecopyOptions,
  roundRobinWrites,
} from "../src/precopy/mod.ts";
import {
  PAPER_TESTBED,
  profilePrecopyOptions,
  xenStandardMigration,
} from "../src/xen/mod.ts";

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

Deno.bench("xen standard: migration + exact loss count", () => {
  xenStandardMigration({ packetsPerSecond: 5000 });
});

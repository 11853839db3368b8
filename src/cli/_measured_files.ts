// The measured evidence the reproduction checks the claims on: the
// testbeds' committed CSVs, read from the repository's data/ folder when it
// is there (a package installed from JSR has none: the report then says no
// testbed measured the claims).

import { parseCsv } from "../sweep/csv.ts";
import {
  groupBy,
  measuredOpenflowRows,
  measuredPlaneSeparationRows,
  measuredVmTestbedRows,
} from "../reproduce/measured.ts";
import type { MeasuredEvidence } from "../reproduce/measured.ts";
import type { SweepRow } from "../sweep/sweep.ts";

const DATA = new URL("../../data/", import.meta.url);

async function readRows(relative: string): Promise<SweepRow[] | null> {
  if (DATA.protocol !== "file:") return null;
  try {
    return parseCsv(await Deno.readTextFile(new URL(relative, DATA)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

const WHAT_IFS: Readonly<Record<string, { claim: string; change: string }>> = {
  "arp-before-sync": {
    claim: "C4",
    change: "links moved (gratuitous ARP) before the table was synchronised",
  },
  "remove-at-resume": {
    claim: "C4",
    change: "old data path removed at resume",
  },
};

/** The measured evidence found under data/. */
export async function loadMeasuredEvidence(): Promise<MeasuredEvidence[]> {
  const out: MeasuredEvidence[] = [];
  const ovs = await readRows("testbed/migration.csv");
  if (ovs) {
    out.push({
      source: "Open vSwitch testbed (data/testbed/migration.csv)",
      rows: measuredOpenflowRows(ovs),
      controls: [],
    });
  }
  for (const file of ["planesep/runs.csv", "planesep/vm_runs.csv"]) {
    const planesep = await readRows(file);
    if (!planesep) continue;
    for (const [router, rows] of groupBy(planesep, "router")) {
      const paper = measuredPlaneSeparationRows(rows, "none");
      out.push({
        source: `plane-separation prototype, ${router} router (data/${file})`,
        rows: paper,
        controls: Object.entries(WHAT_IFS).map(([whatIf, c]) => ({
          ...c,
          rows: [
            ...paper.filter((r) => r.mechanism !== "plane-separation"),
            ...measuredPlaneSeparationRows(rows, whatIf),
          ],
        })).filter((c) =>
          c.rows.some((r) => r.mechanism === "plane-separation")
        ),
      });
    }
  }
  const vm = await readRows("vmtestbed/runs.csv");
  if (vm) {
    for (const [router, rows] of groupBy(measuredVmTestbedRows(vm), "router")) {
      out.push({
        source:
          `VM testbed, QEMU pre-copy of the ${router} router VM (data/vmtestbed/runs.csv)`,
        rows,
        controls: [],
      });
    }
  }
  return out;
}

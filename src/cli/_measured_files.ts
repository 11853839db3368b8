// The measured evidence the reproduction checks the claims on: the
// testbeds' committed CSVs, read from the repository's data/ folder when it
// is there (a package installed from JSR has none: the report then says no
// testbed measured the claims).

import { parseCsv } from "../sweep/csv.ts";
import { measuredOpenflowRows } from "../reproduce/measured.ts";
import type { MeasuredEvidence } from "../reproduce/run.ts";
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

/** The measured evidence found under data/. */
export async function loadMeasuredEvidence(): Promise<MeasuredEvidence[]> {
  const out: MeasuredEvidence[] = [];
  const ovs = await readRows("testbed/migration.csv");
  if (ovs) {
    out.push({
      source: "Open vSwitch testbed (data/testbed/migration.csv)",
      rows: measuredOpenflowRows(ovs),
    });
  }
  return out;
}

// What tests/node_portability_test.ts runs under Node (bundled by `deno
// bundle`): the models, sweeps and CSV, and the figures (SVG, saved through
// node:fs; PNG when resvg is given). Prints one JSON line of results.

import process from "node:process";
import { xenStandardMigration } from "../src/xen/mod.ts";
import { planeSeparationMigration } from "../src/xen/mod.ts";
import { openflowMigration } from "../src/openflow/mod.ts";
import { tunnelLink } from "../src/vnet/mod.ts";
import { parseCsv, stderrProgress, sweep, toCsv } from "../src/sweep/mod.ts";
import { sweepFigure } from "../src/plot/mod.ts";

const dir = process.argv[2];
const fontFile = process.argv[3];
const lines: string[] = [];
const progress = stderrProgress("runs", { write: (t) => lines.push(t) });
const rows = sweep(
  { packetsPerSecond: [1000, 5000] },
  ({ packetsPerSecond, seed }) => {
    const r = xenStandardMigration({ packetsPerSecond, seed });
    return {
      lostPackets: r.data.lostPackets,
      downtimeSeconds: r.downtimeSeconds,
    };
  },
  { repetitions: 2, onProgress: progress },
);
const figure = await sweepFigure(rows, {
  x: "packetsPerSecond",
  y: "lostPackets",
});
const saved = await figure.save(`${dir}/figure`, ["svg"]);
let pngBytes = 0;
if (fontFile) pngBytes = (await figure.toPng({ fontFile })).length;
let misspelt = "";
try {
  xenStandardMigration({ packetPerSecond: 5000 } as never);
} catch (error) {
  misspelt = (error as Error).message;
}
console.log(JSON.stringify({
  standardLost:
    xenStandardMigration({ packetsPerSecond: 5000 }).data.lostPackets,
  separatedLost:
    planeSeparationMigration({ packetsPerSecond: 5000 }).data.lostPackets,
  openflowLost:
    openflowMigration({ packetsPerSecond: 100_000 }).data.lostPackets,
  tunnelFate: tunnelLink({ packetSizeBytes: 1500 }).fate,
  rows: parseCsv(toCsv(rows)).length,
  progress: lines,
  saved,
  svgStart: figure.svg.slice(0, 4),
  pngBytes,
  misspelt,
  deno: typeof (globalThis as { Deno?: unknown }).Deno,
}));

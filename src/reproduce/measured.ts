/**
 * Measured runs as claim evidence: each testbed's committed CSV rows mapped
 * to the evidence rows' columns (see {@linkcode ClaimInputs}), so that the
 * claims are checked on what real systems did, beside the model.
 *
 * @module
 */

import type { SweepRow } from "../sweep/sweep.ts";

const num = (row: SweepRow, key: string): number => {
  const v = row[key];
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(n)) {
    throw new RangeError(
      `measured row's ${JSON.stringify(key)} must be a finite number; got ${
        JSON.stringify(v)
      }`,
    );
  }
  return n;
};

/**
 * The Open vSwitch testbed's runs of the paper's ordering, as planned (no
 * inserted gap, no datapath cache), as OpenFlow evidence: nothing pauses
 * (downtime 0), the data outage is the longest run of lost probes at the
 * probe rate, the total time is the measured first to last flow-mod.
 *
 * @example
 * ```ts
 * import { measuredOpenflowRows } from "@vnmig/vnmig/reproduce";
 * const rows = measuredOpenflowRows([{
 *   ordering: "paper", variant: "as planned", packetsPerSecond: 1000, packetBytes: 64,
 *   measuredTotalMigrationSeconds: 0.0017, measuredLostPackets: 0, sentPackets: 1200, longestGapPackets: 0,
 * }]);
 * if (rows[0].mechanism !== "openflow" || rows[0]["data.lostPackets"] !== 0) throw new Error();
 * ```
 */
export function measuredOpenflowRows(
  csvRows: readonly SweepRow[],
): SweepRow[] {
  return csvRows.filter((r) =>
    r.ordering === "paper" && r.variant === "as planned"
  ).map((r) => {
    const rate = num(r, "packetsPerSecond");
    return {
      mechanism: "openflow",
      source: "measured",
      packetsPerSecond: rate,
      packetSizeBytes: num(r, "packetBytes"),
      downtimeSeconds: 0,
      dataOutageSeconds: num(r, "longestGapPackets") / rate,
      totalMigrationSeconds: num(r, "measuredTotalMigrationSeconds"),
      "data.sentPackets": num(r, "sentPackets"),
      "data.lostPackets": num(r, "measuredLostPackets"),
    };
  });
}

/**
 * Measured runs as claim evidence: each testbed's committed CSV rows mapped
 * to the evidence rows' columns (see {@linkcode ClaimInputs}), so that the
 * claims are checked on what real systems did, beside the model.
 *
 * @module
 */

import type { SweepRow } from "../sweep/sweep.ts";
import type { ClaimCheck } from "./claims.ts";

/** Runs measured on a real system, in the evidence rows' columns (see {@linkcode ClaimInputs}). */
export interface MeasuredEvidence {
  /** Where they come from, e.g. "Open vSwitch testbed (data/testbed/migration.csv)". */
  readonly source: string;
  /** The runs. */
  readonly rows: readonly SweepRow[];
  /** Measured negative controls: runs of a changed mechanism (e.g. the prototype's what-ifs) under which a claim must fail. Default none. */
  readonly controls?: readonly {
    readonly claim: string;
    readonly change: string;
    readonly rows: readonly SweepRow[];
  }[];
}

/** The claims' verdicts on one source of measured evidence. */
export interface MeasuredChecks {
  /** The evidence's source. */
  readonly source: string;
  /** Runs in it. */
  readonly runs: number;
  /** Each claim's check (its shape, for a system of another scale), by id. */
  readonly checks: Readonly<Record<string, ClaimCheck>>;
  /** The measured negative controls, each with its claim's check. */
  readonly controls: readonly {
    readonly claim: string;
    readonly change: string;
    readonly check: ClaimCheck;
    readonly behaved: boolean;
  }[];
}

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

/**
 * The plane-separation prototype's runs (data/planesep/runs.csv) as
 * evidence: Xen standard (forwarding in the router) and plane separation
 * on the same router and traffic, in the paper's step order (`whatIf` none).
 * Rows of another router kind (the namespace stand-in, the VM) go to
 * separate evidence by {@linkcode groupBy}.
 *
 * @example
 * ```ts
 * import { measuredPlaneSeparationRows } from "@vnmig/vnmig/reproduce";
 * const rows = measuredPlaneSeparationRows([{
 *   mechanism: "plane-separation", whatIf: "none", router: "vm", packetsPerSecond: 5000, packetSizeBytes: 64,
 *   measuredDowntimeSeconds: 0.36, measuredDataOutageSeconds: 0, measuredTotalSeconds: 0.43,
 *   dataSentPackets: 10000, measuredDataLostPackets: 0, controlSentPackets: 40,
 *   measuredControlLostPackets: 0, measuredControlDelayedPackets: 17,
 * }], "none");
 * if (rows[0]["control.delayedPackets"] !== 17) throw new Error();
 * ```
 */
export function measuredPlaneSeparationRows(
  csvRows: readonly SweepRow[],
  whatIf: string,
): SweepRow[] {
  return csvRows.filter((r) => r.whatIf === whatIf).map((r) => ({
    mechanism: String(r.mechanism),
    source: "measured",
    router: String(r.router),
    packetsPerSecond: num(r, "packetsPerSecond"),
    packetSizeBytes: num(r, "packetSizeBytes"),
    downtimeSeconds: num(r, "measuredDowntimeSeconds"),
    dataOutageSeconds: num(r, "measuredDataOutageSeconds"),
    totalMigrationSeconds: num(r, "measuredTotalSeconds"),
    "data.sentPackets": num(r, "dataSentPackets"),
    "data.lostPackets": num(r, "measuredDataLostPackets"),
    "control.sentPackets": num(r, "controlSentPackets"),
    "control.lostPackets": num(r, "measuredControlLostPackets"),
    "control.delayedPackets": num(r, "measuredControlDelayedPackets"),
  }));
}

/**
 * The VM testbed's runs (data/vmtestbed/runs.csv) of the rates experiment
 * that completed, as Xen standard evidence: a real router VM forwarding in
 * the VM, migrated live by QEMU's pre-copy (the pre-copy mechanism Xen
 * standard migration is an instance of). Downtime is STOP..RESUME, the
 * data outage the run's loss window, lost every probe lost in the run (in
 * pre-copy too: a router that saturates while dirty logging runs loses
 * more than rate x outage, and the claims see it), and of them those lost
 * outside the outage (`data.lostOutsideOutagePackets`). Runs that did not
 * complete are no result and are left out.
 *
 * @example
 * ```ts
 * import { measuredVmTestbedRows } from "@vnmig/vnmig/reproduce";
 * const rows = measuredVmTestbedRows([{
 *   experiment: "rates", router: "idle", completed: true, packetsPerSecond: 1000, packetSizeBytes: 64,
 *   downtimeSeconds: 0.29, dataOutageSeconds: 0.294, totalMigrationSeconds: 8.5, sentPackets: 13000, lostPackets: 294, lostOutage: 290,
 * }, { experiment: "rates", router: "busy", completed: false, packetsPerSecond: 1000, packetSizeBytes: 64 }]);
 * if (rows.length !== 1 || rows[0].mechanism !== "xen-standard" || rows[0]["data.lostOutsideOutagePackets"] !== 4) throw new Error();
 * ```
 */
export function measuredVmTestbedRows(
  csvRows: readonly SweepRow[],
): SweepRow[] {
  return csvRows.filter((r) =>
    r.experiment === "rates" && (r.completed === true || r.completed === "true")
  ).map((r) => ({
    mechanism: "xen-standard",
    source: "measured",
    router: String(r.router),
    packetsPerSecond: num(r, "packetsPerSecond"),
    packetSizeBytes: num(r, "packetSizeBytes"),
    downtimeSeconds: num(r, "downtimeSeconds"),
    dataOutageSeconds: num(r, "dataOutageSeconds"),
    totalMigrationSeconds: num(r, "totalMigrationSeconds"),
    "data.sentPackets": num(r, "sentPackets"),
    "data.lostPackets": num(r, "lostPackets"),
    "data.lostOutsideOutagePackets": num(r, "lostPackets") -
      num(r, "lostOutage"),
  }));
}

/**
 * Rows split by the values of a column, in first-seen order.
 *
 * @example
 * ```ts
 * import { groupBy } from "@vnmig/vnmig/reproduce";
 * const groups = groupBy([{ router: "vm" }, { router: "namespace" }, { router: "vm" }], "router");
 * if (groups.get("vm")?.length !== 2) throw new Error();
 * ```
 */
export function groupBy(
  rows: readonly SweepRow[],
  column: string,
): Map<string, SweepRow[]> {
  const groups = new Map<string, SweepRow[]>();
  for (const r of rows) {
    const key = String(r[column]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return groups;
}

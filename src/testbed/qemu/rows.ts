/**
 * The VM testbed's tidy rows (pure): one row per run (scenario, measured
 * inputs, measured outcome, QEMU's figures, losses by phase, the loss
 * window, delays, the RAM check, the invariants) and one per round; a
 * typed schema so that reading a CSV back gives the same values (numbers
 * as numbers, booleans as booleans, empty cells as null, text as text).
 *
 * @module
 */

import type { VmMigrationResult } from "./analysis.ts";
import { vmRunInvariants } from "./analysis.ts";
import type { PlannedVmRun } from "./experiments.ts";

/** A CSV cell. */
export type Cell = string | number | boolean | null;
/** A row: column name to cell. */
export type Row = Record<string, Cell>;

// A cell as a finite number, or null (empty, text, or not finite): what
// the prediction and the figures read from a merged row.
export const numberOrNull = (v: unknown): number | null =>
  typeof v === "number" && Number.isFinite(v) ? v : null;
/** A column's type in the schema. */
export type ColumnType = "text" | "number" | "boolean";

/** The run rows' columns and their types, in CSV order. */
export const VM_RUN_COLUMNS: Readonly<Record<string, ColumnType>> = {
  key: "text",
  experiment: "text",
  router: "text",
  repeat: "number",
  packetsPerSecond: "number",
  packetSizeBytes: "number",
  memoryKiB: "number",
  linkBitsPerSecond: "number",
  downtimeLimitSeconds: "number",
  autoConverge: "boolean",
  dirtierPagesPerSecond: "number",
  dirtierWorkingSetPages: "number",
  dirtierPattern: "text",
  ramCheck: "boolean",
  runLabel: "text",
  startedAt: "text",
  qemuVersion: "text",
  kernelPackage: "text",
  imageHash: "text",
  inNonZeroPages: "number",
  inTotalPages: "number",
  inLinkGoodputBytesPerSecond: "number",
  inDirtierAchievedPagesPerSecond: "number",
  bootSeconds: "number",
  completed: "boolean",
  note: "text",
  downtimeSeconds: "number",
  holdSeconds: "number",
  dataOutageSeconds: "number",
  totalMigrationSeconds: "number",
  stopSeconds: "number",
  resumeSeconds: "number",
  rounds: "number",
  syncCount: "number",
  setupSeconds: "number",
  precopySeconds: "number",
  round1Seconds: "number",
  round1Pages: "number",
  lastRoundPendingPages: "number",
  lastSyncPendingPages: "number",
  lastSyncDirtiedPages: "number",
  lastSyncSinceLastSeconds: "number",
  transferredBytes: "number",
  qemuRamTotalPages: "number",
  stopAndCopyBytes: "number",
  qemuTotalTimeSeconds: "number",
  qemuDowntimeSeconds: "number",
  qemuDowntimeErrorSeconds: "number",
  qemuMbps: "number",
  maxCpuThrottlePercent: "number",
  sentPackets: "number",
  lostPackets: "number",
  lostBeforeTrigger: "number",
  lostPrecopy: "number",
  lostOutage: "number",
  lostAfter: "number",
  lostInSetup: "number",
  sentPrecopy: "number",
  windowLostPackets: "number",
  windowStartMinusStopSeconds: "number",
  windowEndMinusResumeSeconds: "number",
  rateTimesDowntimePackets: "number",
  delayedPackets: "number",
  maxDelaySeconds: "number",
  meanDelaySeconds: "number",
  delayedPrecopy: "number",
  delayedOutage: "number",
  delayedAfter: "number",
  baselineDelaySeconds: "number",
  duplicatedPackets: "number",
  reorderedPackets: "number",
  sendErrors: "number",
  ramCheckedPages: "number",
  ramDifferingPages: "number",
  invariantsHold: "boolean",
  invariantFailures: "text",
};

/** The round rows' columns. */
export const VM_ROUND_COLUMNS: Readonly<Record<string, ColumnType>> = {
  key: "text",
  round: "number",
  startSeconds: "number",
  endSeconds: "number",
  pendingPagesAtStart: "number",
  dirtiedPagesAtSync: "number",
  sentPages: "number",
  sentNormalPages: "number",
  sentBytes: "number",
};

/** The row of one run. */
export function vmRunRow(planned: PlannedVmRun, r: VmMigrationResult): Row {
  const s = r.scenario;
  const checks = vmRunInvariants(r);
  const failures = checks.filter((c) => !c.holds).map((c) =>
    `${c.name}: ${c.detail}`
  );
  return {
    key: planned.key,
    experiment: planned.experiment,
    router: planned.router,
    repeat: planned.repeat,
    packetsPerSecond: s.packetsPerSecond,
    packetSizeBytes: s.packetSizeBytes,
    memoryKiB: s.memoryKiB,
    linkBitsPerSecond: s.linkBitsPerSecond,
    downtimeLimitSeconds: s.downtimeLimitSeconds,
    autoConverge: s.autoConverge,
    dirtierPagesPerSecond: s.dirtier?.pagesPerSecond ?? 0,
    dirtierWorkingSetPages: s.dirtier?.workingSetPages ?? 0,
    dirtierPattern: s.dirtier?.pattern ?? "",
    ramCheck: s.ramCheck,
    runLabel: r.runLabel,
    startedAt: r.startedAt,
    qemuVersion: r.qemuVersion,
    kernelPackage: r.kernelPackage,
    imageHash: r.imageHash,
    inNonZeroPages: r.measured.nonZeroPages,
    inTotalPages: r.measured.totalPages,
    inLinkGoodputBytesPerSecond: r.measured.linkGoodputBytesPerSecond,
    inDirtierAchievedPagesPerSecond: r.measured.dirtierAchievedPagesPerSecond,
    bootSeconds: r.measured.bootSeconds,
    completed: r.completed,
    note: r.note,
    downtimeSeconds: r.downtimeSeconds,
    holdSeconds: r.holdSeconds,
    dataOutageSeconds: r.dataOutageSeconds,
    totalMigrationSeconds: r.totalMigrationSeconds,
    stopSeconds: r.stopSeconds,
    resumeSeconds: r.resumeSeconds,
    rounds: r.rounds.length,
    syncCount: r.syncCount,
    setupSeconds: r.rounds[0]?.startSeconds ?? null,
    precopySeconds: r.stopSeconds ?? r.totalMigrationSeconds,
    round1Seconds: r.rounds[0]
      ? r.rounds[0].endSeconds - r.rounds[0].startSeconds
      : null,
    round1Pages: r.rounds[0]?.sentPages ?? null,
    lastRoundPendingPages: r.rounds.at(-1)?.pendingPagesAtStart ?? null,
    lastSyncPendingPages: r.lastSyncBeforeStop?.pendingPages ?? null,
    lastSyncDirtiedPages: r.lastSyncBeforeStop?.dirtiedPages ?? null,
    lastSyncSinceLastSeconds: r.lastSyncBeforeStop?.sinceLastSyncSeconds ??
      null,
    transferredBytes: r.transferredBytes,
    qemuRamTotalPages: r.qemu ? r.qemu.ramTotalBytes / 4096 : null,
    stopAndCopyBytes: r.stopAndCopyBytes,
    qemuTotalTimeSeconds: r.qemu ? r.qemu.totalTimeMs / 1000 : null,
    qemuDowntimeSeconds: r.qemu && r.completed
      ? r.qemu.downtimeMs / 1000
      : null,
    qemuDowntimeErrorSeconds: r.qemuDowntimeErrorSeconds,
    qemuMbps: r.qemu?.mbps ?? null,
    maxCpuThrottlePercent: r.maxCpuThrottlePercent,
    sentPackets: r.data.sentPackets,
    lostPackets: r.data.lostPackets,
    lostBeforeTrigger: r.lostByPhase.beforeTrigger,
    lostPrecopy: r.lostByPhase.precopy,
    lostOutage: r.lostByPhase.outage,
    lostAfter: r.lostByPhase.after,
    lostInSetup: r.lostInSetupPackets,
    sentPrecopy: r.sentByPhase.precopy,
    windowLostPackets: r.lossWindow?.lostPackets ?? 0,
    windowStartMinusStopSeconds: r.lossWindow?.startMinusStopSeconds ?? null,
    windowEndMinusResumeSeconds: r.lossWindow?.endMinusResumeSeconds ?? null,
    rateTimesDowntimePackets: s.packetsPerSecond * r.downtimeSeconds,
    delayedPackets: r.data.delayedPackets,
    maxDelaySeconds: r.data.maxDelaySeconds,
    meanDelaySeconds: r.data.meanDelaySeconds,
    delayedPrecopy: r.delayedByPhase.precopy,
    delayedOutage: r.delayedByPhase.outage,
    delayedAfter: r.delayedByPhase.after,
    baselineDelaySeconds: r.baselineDelaySeconds,
    duplicatedPackets: r.duplicatedPackets,
    reorderedPackets: r.reorderedPackets,
    sendErrors: r.sendErrors,
    ramCheckedPages: r.ramCheck?.pages ?? null,
    ramDifferingPages: r.ramCheck?.differingPages ?? null,
    invariantsHold: failures.length === 0,
    invariantFailures: failures.join("; "),
  };
}

/** The rows of a run's rounds. */
export function vmRoundRows(
  planned: PlannedVmRun,
  r: VmMigrationResult,
): Row[] {
  return r.rounds.map((x) => ({ key: planned.key, ...x }));
}

function escape(cell: Cell): string {
  if (cell === null) return "";
  const text = typeof cell === "number"
    ? (Number.isFinite(cell) ? String(cell) : "")
    : String(cell);
  return /[",\n\r]/.test(text) || text !== text.trim()
    ? `"${text.replaceAll('"', '""')}"`
    : text;
}

/**
 * CSV text of `rows` in the schema's column order (every column of the
 * schema, and only those; a non-finite number is refused).
 *
 * @example
 * ```ts
 * import { parseRowsCsv, rowsToCsv } from "@vnmig/vnmig/testbed/qemu";
 * const schema = { key: "text", n: "number", ok: "boolean" } as const;
 * const rows = [{ key: "007", n: 1.5, ok: true }, { key: "a,b", n: null, ok: false }];
 * const back = parseRowsCsv(rowsToCsv(rows, schema), schema);
 * if (JSON.stringify(back) !== JSON.stringify(rows)) throw new Error(JSON.stringify(back));
 * ```
 */
export function rowsToCsv(
  rows: readonly Row[],
  schema: Readonly<Record<string, ColumnType>>,
): string {
  const columns = Object.keys(schema);
  const lines = [columns.join(",")];
  for (const [i, row] of rows.entries()) {
    for (const k of Object.keys(row)) {
      if (!(k in schema)) {
        throw new RangeError(`row ${i} has a column ${k} the schema lacks`);
      }
    }
    lines.push(
      columns.map((c) => {
        const v = row[c] ?? null;
        if (typeof v === "number" && !Number.isFinite(v)) {
          throw new RangeError(
            `row ${i} column ${c} must be a finite number or empty; got ${v}`,
          );
        }
        return escape(v);
      }).join(","),
    );
  }
  return lines.join("\n") + "\n";
}

function splitCsvLine(text: string, at: { i: number }): string[] | undefined {
  if (at.i >= text.length) return undefined;
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (; at.i < text.length; at.i++) {
    const ch = text[at.i];
    if (quoted) {
      if (ch === '"' && text[at.i + 1] === '"') {
        cell += '"';
        at.i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else if (ch === "\n") {
      at.i++;
      break;
    } else if (ch !== "\r") cell += ch;
  }
  cells.push(cell);
  return cells;
}

/** Reads CSV written by {@linkcode rowsToCsv} against `schema` (the header must match it). */
export function parseRowsCsv(
  text: string,
  schema: Readonly<Record<string, ColumnType>>,
): Row[] {
  const at = { i: 0 };
  const header = splitCsvLine(text, at);
  const columns = Object.keys(schema);
  if (header === undefined || header.join(",") !== columns.join(",")) {
    throw new RangeError(
      `CSV header must be the schema's columns (${
        columns.slice(0, 4).join(",")
      },...); got ${(header ?? []).slice(0, 4).join(",")},...`,
    );
  }
  const rows: Row[] = [];
  for (let line = 2;; line++) {
    const cells = splitCsvLine(text, at);
    if (cells === undefined) break;
    if (cells.length !== columns.length) {
      throw new RangeError(
        `CSV line ${line} has ${cells.length} cells, not ${columns.length}`,
      );
    }
    const row: Row = {};
    columns.forEach((c, k) => {
      const raw = cells[k];
      const type = schema[c];
      if (type === "text") row[c] = raw;
      else if (raw === "") row[c] = null;
      else if (type === "boolean") {
        if (raw !== "true" && raw !== "false") {
          throw new RangeError(
            `CSV line ${line} column ${c} must be true or false; got ${
              JSON.stringify(raw)
            }`,
          );
        }
        row[c] = raw === "true";
      } else {
        const v = Number(raw);
        if (!Number.isFinite(v) || raw.trim() !== raw) {
          throw new RangeError(
            `CSV line ${line} column ${c} must be a number; got ${
              JSON.stringify(raw)
            }`,
          );
        }
        row[c] = v;
      }
    });
    rows.push(row);
  }
  return rows;
}

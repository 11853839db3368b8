/**
 * Figures of the VM testbed's merged runs (rows of `runs.csv` in, a
 * Figure out; Plot loads on the first figure): measured (dots) against
 * the model's prediction (lines) for downtime and lost probes by probe
 * rate, downtime by QEMU's downtime-limit, and the round counts.
 *
 * @module
 */

import { type Figure, plotFigure } from "../../plot/figure.ts";
import { numberOrNull, type Row } from "./rows.ts";

const num = numberOrNull;

/** Mean of `value` per group of the other fields, sorted by `x` (a line per group). */
function means(
  points: readonly Record<string, unknown>[],
  x: string,
  groupBy: readonly string[],
): Record<string, unknown>[] {
  const groups = new Map<
    string,
    { base: Record<string, unknown>; sum: number; n: number }
  >();
  for (const p of points) {
    const id = JSON.stringify([...groupBy, x].map((k) => p[k]));
    const g = groups.get(id);
    if (g) {
      g.sum += p.value as number;
      g.n++;
    } else groups.set(id, { base: { ...p }, sum: p.value as number, n: 1 });
  }
  return [...groups.values()].map((g): Record<string, unknown> => ({
    ...g.base,
    value: g.sum / g.n,
  })).sort((a, b) => (a[x] as number) - (b[x] as number));
}

function ratesRows(rows: readonly Row[]): Row[] {
  return rows.filter((r) => r.experiment === "rates");
}

/** Tidy points of the rates experiment: one measured and one predicted per run. */
function tidyRates(
  rows: readonly Row[],
  measured: string | ((r: Row) => number | null),
  predicted: string,
): Record<string, unknown>[] {
  return ratesRows(rows).flatMap((r) => {
    const m = typeof measured === "string" ? num(r[measured]) : measured(r);
    const p = num(r[predicted]);
    const base = {
      rate: r.packetsPerSecond,
      router: r.router,
      size: `${r.packetSizeBytes} B probes`,
    };
    return [
      ...(m === null || r.completed !== true
        ? []
        : [{ ...base, source: "measured", value: m }]),
      ...(p === null || r.predictedCompleted !== true
        ? []
        : [{ ...base, source: "model", value: p }]),
    ];
  });
}

// The model's mean per rate, a line per router and probe size.
const modelMeansByRate = (tidy: readonly Record<string, unknown>[]) =>
  means(tidy.filter((d) => d.source === "model"), "rate", ["router", "size"]);

/**
 * Downtime (STOP..RESUME) by probe rate, measured (dots, one per run)
 * against the model (dashed line, the mean of its predictions per rate),
 * one panel per router (idle, busy), colour by probe size.
 *
 * @example
 * ```ts
 * import { vmDowntimeFigure } from "@vnmig/vnmig/testbed/qemu";
 * if (!(await vmDowntimeFigure([])).svg.includes("<svg")) throw new Error();
 * ```
 */
export function vmDowntimeFigure(rows: readonly Row[]): Promise<Figure> {
  const tidy = tidyRates(rows, "downtimeSeconds", "predictedDowntimeSeconds");
  return plotFigure((Plot) => ({
    title: "VM migration downtime by probe rate: measured vs model",
    grid: true,
    x: { label: "probe rate (packets/s)" },
    y: { label: "downtime (STOP..RESUME)", unit: "seconds", zero: true },
    fx: { label: "router" },
    color: { legend: true },
    legendItems: [
      { label: "measured run", symbol: "circle" },
      { label: "model (mean)", line: "4 3" },
    ],
    marks: [
      Plot.dot(tidy.filter((d) => d.source === "measured"), {
        x: "rate",
        y: "value",
        fx: "router",
        stroke: "size",
      }),
      Plot.line(
        modelMeansByRate(tidy),
        {
          x: "rate",
          y: "value",
          fx: "router",
          z: "size",
          stroke: "size",
          strokeDasharray: "4,3",
        },
      ),
    ],
  }));
}

/**
 * Lost probes by probe rate (log scale), measured from the trigger on
 * (dots) against the model
 * (dashed line, mean per rate), with rate x the measured outage (grey
 * line, mean per rate): the probes the outage alone explains; above it,
 * the router lost probes during pre-copy (saturated while dirty logging
 * runs). One panel per router and probe size.
 *
 * @example
 * ```ts
 * import { vmLossFigure } from "@vnmig/vnmig/testbed/qemu";
 * if (!(await vmLossFigure([])).svg.includes("<svg")) throw new Error();
 * ```
 */
export function vmLossFigure(rows: readonly Row[]): Promise<Figure> {
  // From the trigger on, as compared with the model (vmOutcomes).
  const lost = (r: Row) => {
    const all = num(r.lostPackets);
    return all === null ? null : all - (num(r.lostBeforeTrigger) ?? 0);
  };
  const tidy = tidyRates(rows, lost, "predictedLostPackets").filter((d) =>
    (d.value as number) > 0
  );
  const outage = ratesRows(rows).flatMap((r) => {
    const v = num(r.rateTimesDowntimePackets);
    return v === null || v <= 0 || r.completed !== true ? [] : [{
      rate: r.packetsPerSecond,
      router: r.router,
      size: `${r.packetSizeBytes} B probes`,
      value: v,
    }];
  });
  return plotFigure((Plot) => ({
    title: "Lost probes by probe rate: measured vs model",
    grid: true,
    x: { label: "probe rate (packets/s)" },
    y: { label: "lost probes", type: "log", unit: "count" },
    fx: { label: "router" },
    fy: { label: null },
    legendItems: [
      { label: "measured run", symbol: "circle", stroke: "#1f77b4" },
      { label: "model (mean)", line: "4 3", stroke: "#d62728" },
      { label: "rate x measured outage (mean)", line: true, stroke: "#999" },
    ],
    marks: [
      Plot.line(means(outage, "rate", ["router", "size"]), {
        x: "rate",
        y: "value",
        fx: "router",
        fy: "size",
        z: (d: Record<string, unknown>) => `${d.router} ${d.size}`,
        stroke: "#999",
      }),
      Plot.dot(tidy.filter((d) => d.source === "measured"), {
        x: "rate",
        y: "value",
        fx: "router",
        fy: "size",
        stroke: "#1f77b4",
      }),
      Plot.line(
        modelMeansByRate(tidy),
        {
          x: "rate",
          y: "value",
          fx: "router",
          fy: "size",
          z: (d: Record<string, unknown>) => `${d.router} ${d.size}`,
          stroke: "#d62728",
          strokeDasharray: "4,3",
        },
      ),
    ],
  }));
}

/**
 * Downtime by QEMU's downtime-limit (the downtime-limit experiment: a busy
 * router at 1000 probes/s), measured (dots) against the model (dashed
 * line, mean per limit); the grey line is downtime = limit. Runs that did
 * not complete are left out (see the non-converging experiment).
 *
 * @example
 * ```ts
 * import { vmDowntimeLimitFigure } from "@vnmig/vnmig/testbed/qemu";
 * if (!(await vmDowntimeLimitFigure([])).svg.includes("<svg")) throw new Error();
 * ```
 */
export function vmDowntimeLimitFigure(rows: readonly Row[]): Promise<Figure> {
  const of = rows.filter((r) => r.experiment === "downtime-limit");
  const measured = of.flatMap((r) =>
    r.completed === true && num(r.downtimeSeconds) !== null
      ? [{ limit: r.downtimeLimitSeconds, value: r.downtimeSeconds }]
      : []
  );
  const model = of.flatMap((r) =>
    r.predictedCompleted === true && num(r.predictedDowntimeSeconds) !== null
      ? [{ limit: r.downtimeLimitSeconds, value: r.predictedDowntimeSeconds }]
      : []
  );
  const limits = [...new Set(of.map((r) => num(r.downtimeLimitSeconds)))]
    .flatMap((x) => x === null ? [] : [x]).sort((a, b) => a - b);
  const diagonal = limits.length === 0
    ? []
    : [{ limit: limits[0], value: limits[0] }, {
      limit: limits.at(-1)!,
      value: limits.at(-1)!,
    }];
  return plotFigure((Plot) => ({
    title: "Downtime by QEMU's downtime-limit (busy router): measured vs model",
    grid: true,
    x: { label: "downtime-limit", unit: "seconds" },
    y: { label: "downtime (STOP..RESUME)", unit: "seconds", zero: true },
    legendItems: [
      { label: "measured run", symbol: "circle", stroke: "#1f77b4" },
      { label: "model (mean)", line: "4 3", stroke: "#d62728" },
      { label: "downtime = limit", line: true, stroke: "#999" },
    ],
    marks: [
      Plot.line(diagonal, { x: "limit", y: "value", stroke: "#999" }),
      Plot.dot(measured, { x: "limit", y: "value", stroke: "#1f77b4" }),
      Plot.line(means(model, "limit", []), {
        x: "limit",
        y: "value",
        stroke: "#d62728",
        strokeDasharray: "4,3",
      }),
    ],
  }));
}

/**
 * Iterative rounds, measured (y) against predicted (x), one dot per run
 * that completed in both, by experiment and router; the grey diagonal is
 * agreement.
 *
 * @example
 * ```ts
 * import { vmRoundsFigure } from "@vnmig/vnmig/testbed/qemu";
 * if (!(await vmRoundsFigure([])).svg.includes("<svg")) throw new Error();
 * ```
 */
export function vmRoundsFigure(rows: readonly Row[]): Promise<Figure> {
  const tidy = rows.flatMap((r) =>
    r.completed === true && r.predictedCompleted === true &&
      num(r.rounds) !== null && num(r.predictedRounds) !== null
      ? [{
        run: `${r.experiment} (${r.router})`,
        measured: r.rounds,
        predicted: r.predictedRounds,
      }]
      : []
  );
  const top = Math.max(
    2,
    ...tidy.map((d) => Math.max(d.measured as number, d.predicted as number)),
  );
  return plotFigure((Plot) => ({
    title: "Pre-copy rounds: measured vs model (completed runs)",
    grid: true,
    x: { label: "predicted rounds", zero: true },
    y: { label: "measured rounds", zero: true },
    symbol: { legend: true },
    marks: [
      Plot.line([{ x: 0, y: 0 }, { x: top, y: top }], {
        x: "x",
        y: "y",
        stroke: "#999",
      }),
      Plot.dot(tidy, {
        x: "predicted",
        y: "measured",
        stroke: "run",
        symbol: "run",
      }),
    ],
  }));
}

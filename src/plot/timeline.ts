/**
 * The packet timeline: every packet of a stream at the time it reached the
 * end of the path (y: its sequence number), coloured by fate; packets that
 * never arrived at their send time. Gaps in the delivered line are the
 * outages; held packets arrive late, in a vertical burst.
 *
 * Consecutive packets that meet the same fate along a straight line (a
 * constant-rate stream through a constant delay, a burst released at
 * once) are drawn as one segment, so that the figure stays small at any
 * rate: 200,000 packets/s draw as a few segments, not 80,000 dots.
 *
 * @module
 */

import { PACKET_FATES, type PacketRecords } from "../traffic/simulate.ts";
import { assertAtLeast, assertKnownKeys } from "../_validate.ts";
import { type Figure, plotFigure } from "./figure.ts";
import { categoryScale } from "./styles.ts";

// How a fate of the traffic engine reads in a legend.
const FATE_LABELS: Readonly<Record<string, string>> = {
  delivered: "delivered",
  drop: "lost (element down)",
  overflow: "lost (buffer full)",
  flush: "lost (buffer flushed)",
  stranded: "stranded (never released)",
  queue: "lost (queue full)",
};

const HELD = "held, then delivered";

/** Every fate a timeline shows, in legend order: the traffic engine's {@linkcode PACKET_FATES}, with delivered packets split by whether a buffer held them. */
export const TIMELINE_FATES: readonly string[] = Object.freeze([
  "delivered",
  HELD,
  ...PACKET_FATES.slice(1).map((f) => FATE_LABELS[f] ?? `lost (${f})`),
]);

const TIMELINE_COLORS: readonly string[] = [
  "#4c78a8",
  "#f58518",
  "#e45756",
  "#b279a2",
  "#ff9da6",
  "#9d755d",
  "#bab0ac",
];

function fateOf(records: PacketRecords, k: number): string {
  const fate = records.fate[k];
  if (fate === 0) return records.heldSeconds[k] > 0 ? HELD : "delivered";
  const name = PACKET_FATES[fate];
  return FATE_LABELS[name] ?? `lost (${name})`;
}

function timeOf(records: PacketRecords, k: number): number {
  return records.fate[k] === 0
    ? records.deliverySeconds[k]
    : records.sendSeconds[k];
}

/** One packet of a timeline, as a tidy row. */
export interface TimelineRow {
  /** Sequence number (0-based send order). */
  readonly sequence: number;
  /** Send time, seconds. */
  readonly sendSeconds: number;
  /** Time shown: delivery time if delivered, else send time. */
  readonly timeSeconds: number;
  /** One of {@linkcode TIMELINE_FATES}. */
  readonly fate: string;
}

/**
 * Tidy rows of a per-packet simulation's records, at most `maxPackets`
 * (evenly thinned, always keeping every packet that was not simply
 * delivered, so that losses never disappear from a picture).
 *
 * @example
 * ```ts
 * import { cbrStream, outage, pathElement, simulatePackets, timelineRows } from "@vnmig/vnmig";
 * const { packets } = simulatePackets(
 *   cbrStream({ packetsPerSecond: 10 }),
 *   [pathElement({ changes: outage(0.5, 0.7) })],
 *   { recordPackets: true },
 * );
 * const lost = timelineRows(packets!).filter((r) => r.fate.startsWith("lost"));
 * if (lost.length !== 2) throw new Error();
 * ```
 */
export function timelineRows(
  records: PacketRecords,
  maxPackets = 5000,
): TimelineRow[] {
  const n = records.sendSeconds.length;
  const step = Math.max(1, Math.ceil(n / maxPackets));
  const rows: TimelineRow[] = [];
  for (let k = 0; k < n; k++) {
    const fate = fateOf(records, k);
    if (fate === "delivered" && k % step !== 0) continue;
    rows.push({
      sequence: k,
      sendSeconds: records.sendSeconds[k],
      timeSeconds: timeOf(records, k),
      fate,
    });
  }
  return rows;
}

/** A run of consecutive packets with one fate, on one straight line of the timeline. */
export interface TimelineRun {
  /** Their fate, one of {@linkcode TIMELINE_FATES}. */
  readonly fate: string;
  /** First packet's sequence number. */
  readonly fromSequence: number;
  /** Last packet's sequence number. */
  readonly toSequence: number;
  /** Time shown for the first packet (delivery if delivered, else send), seconds. */
  readonly fromSeconds: number;
  /** Time shown for the last packet, seconds. */
  readonly toSeconds: number;
  /** Packets in the run. */
  readonly packets: number;
}

/** Options of {@linkcode timelineRuns}. */
export interface TimelineRunsOptions {
  /** How far (seconds) a packet may lie off its run's straight line. Default 1/2000 of the time span (under half a pixel at 1000 px). */
  toleranceSeconds?: number;
}

/**
 * The timeline as runs: consecutive packets of one fate whose times lie on
 * one straight line (within `toleranceSeconds`) are one run. A
 * constant-rate stream through a path that goes down once gives three
 * runs, whatever its rate.
 *
 * @example
 * ```ts
 * import { cbrStream, outage, pathElement, simulatePackets, timelineRuns } from "@vnmig/vnmig";
 * const { packets } = simulatePackets(
 *   cbrStream({ packetsPerSecond: 100_000, endSeconds: 1 }),
 *   [pathElement({ changes: outage(0.5, 0.7) })],
 *   { recordPackets: true },
 * );
 * const runs = timelineRuns(packets!);
 * if (runs.map((r) => r.packets).join() !== "50000,20000,30000") throw new Error();
 * ```
 */
export function timelineRuns(
  records: PacketRecords,
  options: TimelineRunsOptions = {},
): TimelineRun[] {
  assertKnownKeys("options", options, ["toleranceSeconds"]);
  const n = records.sendSeconds.length;
  const runs: TimelineRun[] = [];
  if (n === 0) return runs;
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < n; k++) {
    const t = timeOf(records, k);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const tolerance = options.toleranceSeconds ?? Math.max(hi - lo, 1e-9) / 2000;
  assertAtLeast("toleranceSeconds", tolerance, 0);
  // The cone of slopes (seconds per packet) that keep every packet of the
  // run within the tolerance of a line from its first packet.
  let start = 0;
  let fate = fateOf(records, 0);
  let t0 = timeOf(records, 0);
  let slopeLo = -Infinity;
  let slopeHi = Infinity;
  let end = 0;
  const close = () => {
    const slope = end === start
      ? 0
      : Number.isFinite(slopeLo) && Number.isFinite(slopeHi)
      ? (slopeLo + slopeHi) / 2
      : Number.isFinite(slopeLo)
      ? slopeLo
      : slopeHi;
    runs.push({
      fate,
      fromSequence: start,
      toSequence: end,
      fromSeconds: t0,
      toSeconds: end === start ? t0 : t0 + slope * (end - start),
      packets: end - start + 1,
    });
  };
  for (let k = 1; k < n; k++) {
    const f = fateOf(records, k);
    const t = timeOf(records, k);
    const d = k - start;
    const lowest = Math.max(slopeLo, (t - t0 - tolerance) / d);
    const highest = Math.min(slopeHi, (t - t0 + tolerance) / d);
    if (f === fate && lowest <= highest) {
      slopeLo = lowest;
      slopeHi = highest;
      end = k;
      continue;
    }
    close();
    start = k;
    end = k;
    fate = f;
    t0 = t;
    slopeLo = -Infinity;
    slopeHi = Infinity;
  }
  close();
  return runs;
}

/** Options of {@linkcode timelineFigure}. */
export interface TimelineFigureOptions {
  /** Figure title. Default "Packet timeline". */
  title?: string;
  /** Shaded intervals (e.g. an outage) with a label. Default none. */
  intervals?: readonly {
    fromSeconds: number;
    toSeconds: number;
    label: string;
  }[];
  /** Width in pixels. Default 720. */
  width?: number;
  /** Height in pixels. Default 360. */
  height?: number;
}

const FIGURE_KEYS: readonly string[] = [
  "title",
  "intervals",
  "width",
  "height",
];

/**
 * The packet timeline figure of per-packet records: runs of packets as
 * segments, single packets as dots, coloured by fate (the legend lists the
 * fates present).
 *
 * @example
 * ```ts
 * import { cbrStream, outage, pathElement, simulatePackets, timelineFigure } from "@vnmig/vnmig";
 * const { packets } = simulatePackets(
 *   cbrStream({ packetsPerSecond: 200, endSeconds: 2 }),
 *   [pathElement({ changes: outage(0.8, 1.3) })],
 *   { recordPackets: true },
 * );
 * const figure = await timelineFigure(packets!, { intervals: [{ fromSeconds: 0.8, toSeconds: 1.3, label: "down" }] });
 * if (!figure.svg.includes(">lost (element down)</text>")) throw new Error("the legend names the lost packets");
 * if (figure.svg.includes(">stranded")) throw new Error("no fate that is absent");
 * ```
 */
export function timelineFigure(
  records: PacketRecords,
  options: TimelineFigureOptions = {},
): Promise<Figure> {
  assertKnownKeys("options", options, FIGURE_KEYS);
  const runs = timelineRuns(records);
  const segments = runs.filter((r) => r.packets > 1);
  const singles = runs.filter((r) => r.packets === 1);
  const intervals = options.intervals ?? [];
  const color = categoryScale(
    TIMELINE_FATES,
    TIMELINE_COLORS,
    runs.map((r) => r.fate),
    { name: "fate" },
  );
  return plotFigure((Plot) => ({
    title: options.title ?? "Packet timeline",
    width: options.width ?? 720,
    height: options.height ?? 360,
    x: { label: "time", unit: "seconds" },
    y: { label: "packet sequence number", grid: true },
    color,
    marks: [
      Plot.rectX(intervals, {
        x1: "fromSeconds",
        x2: "toSeconds",
        fill: "#dddddd",
        fillOpacity: 0.6,
      }),
      Plot.text(intervals, {
        x: (d) => (d.fromSeconds + d.toSeconds) / 2,
        frameAnchor: "top",
        dy: 4,
        text: "label",
      }),
      Plot.link(segments, {
        x1: "fromSeconds",
        y1: "fromSequence",
        x2: "toSeconds",
        y2: "toSequence",
        stroke: "fate",
        strokeWidth: 3,
      }),
      Plot.dot(singles, {
        x: "fromSeconds",
        y: "fromSequence",
        fill: "fate",
        r: 1.5,
      }),
    ],
  }));
}

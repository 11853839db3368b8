/**
 * A grid of switches, for larger studies: `rows x columns` switches, each
 * with one host, linked to their north, east, south and west neighbours,
 * and dimension-ordered paths (row first, or column first) between them.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInteger,
  assertKnownKeys,
  assertPositive,
} from "../_validate.ts";
import {
  type Host,
  inBandChannels,
  type Link,
  type Switch,
  type Topology,
  topology,
} from "./topology.ts";

/** Options of {@linkcode gridTopology}. */
export interface GridOptions {
  /** Rows, 1..255. Default 10. */
  rows?: number;
  /** Columns, 1..255. Default 10. */
  columns?: number;
  /** One-way latency of every link, seconds. Default 0.0001. */
  linkLatencySeconds?: number;
  /** Bandwidth of every link, bits per second. Default 1e9. */
  linkBitsPerSecond?: number;
  /** One-way control latency per hop, seconds. Default 0.0005. */
  controlHopLatencySeconds?: number;
  /** Switches the (in-band) controller is attached to. Default the middle switch. */
  controllerAttachedTo?: readonly string[];
}

/**
 * The id of the grid switch at row r, column c.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { gridSwitchId } from "@vnmig/vnmig/openflow";
 * deepStrictEqual(gridSwitchId(2, 3), "s2_3");
 * ```
 */
export function gridSwitchId(r: number, c: number): string {
  return `s${r}_${c}`;
}

/**
 * The id of the host on the grid switch at row r, column c.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { gridHostId } from "@vnmig/vnmig/openflow";
 * deepStrictEqual(gridHostId(2, 3), "h2_3");
 * ```
 */
export function gridHostId(r: number, c: number): string {
  return `h${r}_${c}`;
}

/**
 * A grid topology. Ports: 1 host, 2 north, 3 east, 4 south, 5 west. Host
 * `h{r}_{c}` has address 10.{r}.{c}.1.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { gridTopology } from "@vnmig/vnmig/openflow";
 * const net = gridTopology({ rows: 10, columns: 10 });
 * deepStrictEqual(net.switches.length, 100);
 * deepStrictEqual(net.links.length, 180);
 * ```
 */
export function gridTopology(options: GridOptions = {}): Topology {
  assertKnownKeys("options", options, [
    "rows",
    "columns",
    "linkLatencySeconds",
    "linkBitsPerSecond",
    "controlHopLatencySeconds",
    "controllerAttachedTo",
  ]);
  const rows = options.rows ?? 10;
  const columns = options.columns ?? 10;
  // Host h{r}_{c} has address 10.{r}.{c}.1: each index is an octet.
  assertInteger("rows", rows, 1, 255);
  assertInteger("columns", columns, 1, 255);
  const latencySeconds = options.linkLatencySeconds ?? 0.0001;
  const bitsPerSecond = options.linkBitsPerSecond ?? 1e9;
  assertAtLeast("linkLatencySeconds", latencySeconds, 0);
  assertPositive("linkBitsPerSecond", bitsPerSecond);
  const switches: Switch[] = [];
  const links: Link[] = [];
  const hosts: Host[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const id = gridSwitchId(r, c);
      switches.push({ id, ports: [1, 2, 3, 4, 5] });
      hosts.push({
        id: gridHostId(r, c),
        ipv4: `10.${r}.${c}.1`,
        switchId: id,
        port: 1,
        latencySeconds,
        bitsPerSecond,
      });
      if (c + 1 < columns) {
        links.push({
          a: { switchId: id, port: 3 },
          b: { switchId: gridSwitchId(r, c + 1), port: 5 },
          latencySeconds,
          bitsPerSecond,
        });
      }
      if (r + 1 < rows) {
        links.push({
          a: { switchId: id, port: 4 },
          b: { switchId: gridSwitchId(r + 1, c), port: 2 },
          latencySeconds,
          bitsPerSecond,
        });
      }
    }
  }
  const middle = gridSwitchId(Math.floor(rows / 2), Math.floor(columns / 2));
  return topology({
    switches,
    links,
    hosts,
    controller: {
      id: "controller",
      channels: inBandChannels(switches, links, {
        attachedTo: options.controllerAttachedTo ?? [middle],
        perHopLatencySeconds: options.controlHopLatencySeconds ?? 0.0005,
      }),
    },
  });
}

/**
 * A dimension-ordered path on a grid: "row-first" moves along the row (to
 * the destination column) then along the column; "column-first" the other
 * way round. The two are the old and new paths of the grid studies: they
 * share both ends and, when the endpoints share a row or column, more.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { gridPath } from "@vnmig/vnmig/openflow";
 * deepStrictEqual(gridPath([0, 0], [1, 1], "row-first"), ["s0_0", "s0_1", "s1_1"]);
 * ```
 */
export function gridPath(
  from: readonly [number, number],
  to: readonly [number, number],
  order: "row-first" | "column-first",
): string[] {
  const path: string[] = [];
  let [r, c] = from;
  path.push(gridSwitchId(r, c));
  const moveColumns = () => {
    while (c !== to[1]) {
      c += c < to[1] ? 1 : -1;
      path.push(gridSwitchId(r, c));
    }
  };
  const moveRows = () => {
    while (r !== to[0]) {
      r += r < to[0] ? 1 : -1;
      path.push(gridSwitchId(r, c));
    }
  };
  if (order === "row-first") {
    moveColumns();
    moveRows();
  } else {
    moveRows();
    moveColumns();
  }
  return path;
}

/**
 * BIRD 2 for the plane-separation testbed (pure): the configurations of the
 * neighbour routers and of the virtual router, and the parsing of
 * `birdc show ospf neighbors`.
 *
 * @module
 */

import { injectedPrefix } from "./scenario.ts";

/** Options of {@linkcode neighbourConfig}. */
export interface NeighbourConfigOptions {
  /** OSPF router id (an IPv4 address). */
  readonly routerId: string;
  /** The interface facing the router's LAN. */
  readonly interfaceName: string;
  /** Prefixes this neighbour injects (as OSPF external routes); 0 for none. */
  readonly injectCount: number;
  /** Hello interval, s. */
  readonly helloSeconds: number;
  /** Dead count. */
  readonly deadCount: number;
}

function ospfInterface(
  names: readonly string[],
  helloSeconds: number,
  deadCount: number,
): string {
  const list = names.map((n) => JSON.stringify(n)).join(", ");
  return `    interface ${list} {\n      type broadcast;\n      hello ${helloSeconds};\n      dead count ${deadCount};\n      wait ${
    Math.max(2, helloSeconds)
  };\n    };`;
}

/**
 * A neighbour's configuration: OSPF on its LAN interface, the injected
 * prefixes as static unreachable routes exported into OSPF (the
 * neighbour's own kernel routes are not touched).
 *
 * @example
 * ```ts
 * import { neighbourConfig } from "@vnmig/vnmig/testbed/plane_separation";
 * const text = neighbourConfig({ routerId: "10.2.0.1", interfaceName: "x", injectCount: 2, helloSeconds: 1, deadCount: 4 });
 * if (!text.includes("route 10.128.1.0/24 unreachable;")) throw new Error();
 * ```
 */
export function neighbourConfig(options: NeighbourConfigOptions): string {
  const routes: string[] = [];
  for (let i = 0; i < options.injectCount; i++) {
    routes.push(`  route ${injectedPrefix(i)} unreachable;`);
  }
  return [
    `router id ${options.routerId};`,
    "protocol device { scan time 10; }",
    routes.length > 0
      ? `protocol static injected {\n  ipv4;\n${routes.join("\n")}\n}`
      : "",
    "protocol ospf v2 core {",
    "  ipv4 { import all; export where source = RTS_STATIC; };",
    "  area 0 {",
    ospfInterface(
      [options.interfaceName],
      options.helloSeconds,
      options.deadCount,
    ),
    "  };",
    "}",
    "",
  ].join("\n");
}

/**
 * The virtual router's configuration: OSPF on its two data interfaces, and
 * every OSPF route exported to the kernel's main table (where the route
 * daemon reads them).
 *
 * @example
 * ```ts
 * import { routerConfig } from "@vnmig/vnmig/testbed/plane_separation";
 * const text = routerConfig({ routerId: "10.1.0.10", interfaceNames: ["eth1", "eth2"], helloSeconds: 1, deadCount: 4 });
 * if (!text.includes('interface "eth1", "eth2"')) throw new Error();
 * ```
 */
export function routerConfig(options: {
  readonly routerId: string;
  readonly interfaceNames: readonly string[];
  readonly helloSeconds: number;
  readonly deadCount: number;
}): string {
  return [
    `router id ${options.routerId};`,
    "protocol device { scan time 10; }",
    "protocol kernel { ipv4 { export all; import none; }; }",
    "protocol ospf v2 core {",
    "  ipv4 { import all; export none; };",
    "  area 0 {",
    ospfInterface(
      options.interfaceNames,
      options.helloSeconds,
      options.deadCount,
    ),
    "  };",
    "}",
    "",
  ].join("\n");
}

/** One row of `birdc show ospf neighbors`. */
export interface OspfNeighbour {
  /** The neighbour's router id. */
  readonly routerId: string;
  /** Its priority. */
  readonly priority: number;
  /** Its state ("Full/DR", "Full/BDR", "Init/Other", ...). */
  readonly state: string;
  /** Seconds left on its dead timer. */
  readonly deadTimerSeconds: number;
  /** The interface it is heard on. */
  readonly interfaceName: string;
  /** Its address. */
  readonly address: string;
}

/**
 * Parses `birdc show ospf neighbors` (BIRD 2.0): the rows after the header
 * line.
 *
 * @example
 * ```ts
 * import { parseOspfNeighbours } from "@vnmig/vnmig/testbed/plane_separation";
 * const rows = parseOspfNeighbours([
 *   "BIRD 2.0.12 ready.",
 *   "core:",
 *   "Router ID   \tPri\t     State     \tDTime\tInterface  Router IP",
 *   "10.1.0.10\t  1\tFull/DR       \t3.456\tvnab1c0    10.1.0.10",
 * ].join("\n"));
 * if (rows.length !== 1 || rows[0].state !== "Full/DR" || rows[0].deadTimerSeconds !== 3.456) throw new Error();
 * ```
 */
export function parseOspfNeighbours(text: string): OspfNeighbour[] {
  const rows: OspfNeighbour[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^\d+\.\d+\.\d+\.\d+$/.test(f[0])) continue;
    const priority = Number(f[1]);
    const dead = parseDeadTimer(f[3]);
    if (!Number.isFinite(priority) || !Number.isFinite(dead)) continue;
    rows.push({
      routerId: f[0],
      priority,
      state: f[2],
      deadTimerSeconds: dead,
      interfaceName: f[4],
      address: f[5],
    });
  }
  return rows;
}

// BIRD prints the dead timer as seconds ("3.456") or, above a minute, as m:ss.
function parseDeadTimer(text: string): number {
  const m = /^(\d+):(\d+(?:\.\d+)?)$/.exec(text);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  return Number(text);
}

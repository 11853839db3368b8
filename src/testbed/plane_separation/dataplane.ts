/**
 * The Domain 0 data plane of one virtual router on one host (pure): its
 * routing table (the kernel has no VRF here, so a numbered table selected
 * by `ip rule iif <bridge>`), the translation of the VM's routes into that
 * table (guest interface -> Domain 0 bridge: the interface binding), and the
 * nftables bridge rules that classify each frame for the router: data
 * (to the router's MAC, not to its own addresses, not multicast) is handed
 * to Domain 0's IP layer and routed there; everything else (its addresses,
 * OSPF multicast, ARP) is bridged on to the control relay and the VM.
 *
 * @module
 */

/** One route as the guest route daemon reports it. */
export interface GuestRoute {
  /** "add" or "del". */
  readonly op: "add" | "del";
  /** Destination prefix, "10.128.0.0/24". */
  readonly dst: string;
  /** Gateway, "" for a connected route. */
  readonly gw: string;
  /** Guest output interface. */
  readonly oif: string;
  /** Kernel route protocol number (12: BIRD, 2: kernel). */
  readonly proto: number;
}

/** The control probes one sender got through to the VM, as the guest daemon counted them. */
export interface ProbeReceipts {
  /** The sender's address. */
  readonly from: string;
  /** Distinct sequence numbers received. */
  readonly received: number;
  /** Received sequence numbers as [first, last] ranges (inclusive). */
  readonly ranges: readonly (readonly [number, number])[];
}

/** The binding of guest interfaces to the Domain 0 bridges. */
export type InterfaceMap = Readonly<Record<string, string>>;

/**
 * The `ip -batch` line that applies one guest route to the router's table,
 * or undefined when its interface is not bound (the dedicated network,
 * loopback).
 *
 * @example
 * ```ts
 * import { routeCommand } from "@vnmig/vnmig/testbed/plane_separation";
 * const line = routeCommand({ op: "add", dst: "10.128.0.0/24", gw: "10.2.0.1", oif: "eth2", proto: 12 }, { eth2: "brs" }, 100);
 * if (line !== "route replace 10.128.0.0/24 via 10.2.0.1 dev brs table 100 proto static") throw new Error(line);
 * if (routeCommand({ op: "add", dst: "10.250.0.0/24", gw: "", oif: "eth0", proto: 2 }, { eth2: "brs" }, 100) !== undefined) throw new Error();
 * ```
 */
export function routeCommand(
  route: GuestRoute,
  map: InterfaceMap,
  table: number,
): string | undefined {
  const dev = Object.hasOwn(map, route.oif) ? map[route.oif] : undefined;
  if (dev === undefined) return undefined;
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(route.dst)) return undefined;
  if (route.gw !== "" && !/^\d+\.\d+\.\d+\.\d+$/.test(route.gw)) {
    return undefined;
  }
  const via = route.gw === "" ? "scope link" : `via ${route.gw}`;
  if (route.op === "del") {
    return `route del ${route.dst} table ${table}`;
  }
  return `route replace ${route.dst} ${via} dev ${dev} table ${table} proto static`;
}

/** What classifies the router's frames in one Domain 0. */
export interface ClassifierOptions {
  /** nftables table name (bridge family). */
  readonly tableName: string;
  /** Per data interface: the router's MAC there, and the Domain 0 bridge MAC to hand its data frames to. */
  readonly sides: readonly {
    readonly bridge: string;
    readonly routerMac: string;
    readonly bridgeMac: string;
  }[];
  /** The router's own addresses (control: to the VM). */
  readonly routerAddresses: readonly string[];
}

/**
 * The nftables ruleset (for `nft -f -`) of the frame classifier: in the
 * bridge's prerouting hook, an IPv4 frame to the router's MAC that is not
 * for one of the router's addresses nor multicast gets the bridge's MAC and
 * packet type host, so the bridge passes it up and Domain 0 routes it by the
 * router's table; the counters count the data frames so handled.
 *
 * @example
 * ```ts
 * import { classifierRuleset } from "@vnmig/vnmig/testbed/plane_separation";
 * const text = classifierRuleset({
 *   tableName: "vnps",
 *   sides: [{ bridge: "brc", routerMac: "52:54:00:00:00:01", bridgeMac: "02:00:00:00:00:01" }],
 *   routerAddresses: ["10.1.0.10"],
 * });
 * if (!text.includes("ether daddr 52:54:00:00:00:01 ip daddr != { 10.1.0.10, 224.0.0.0/4 }")) throw new Error(text);
 * ```
 */
export function classifierRuleset(options: ClassifierOptions): string {
  const own = [...options.routerAddresses, "224.0.0.0/4"].join(", ");
  const rules = options.sides.map((s) =>
    `    iifname != "${s.bridge}" ether daddr ${s.routerMac} ip daddr != { ${own} } counter ether daddr set ${s.bridgeMac} meta pkttype set host`
  );
  return [
    `table bridge ${options.tableName} {`,
    "  chain data {",
    "    type filter hook prerouting priority -300; policy accept;",
    ...rules,
    "  }",
    "}",
    "",
  ].join("\n");
}

/** The `ip -batch` lines that select the router's table for frames routed from its bridges (and nothing else). */
export function tableRuleCommands(
  bridges: readonly string[],
  table: number,
  op: "add" | "del",
): string[] {
  const lines = bridges.map((b, i) =>
    `rule ${op} iif ${b} lookup ${table} pref ${1000 + i}`
  );
  // Nothing falls through to Domain 0's own main table.
  lines.push(
    op === "add"
      ? `route replace unreachable default table ${table}`
      : `route flush table ${table}`,
  );
  return lines;
}

/**
 * Parses the guest route daemon's JSON lines; other lines (and malformed
 * ones) are returned as undefined.
 *
 * @example
 * ```ts
 * import { parseGuestLine } from "@vnmig/vnmig/testbed/plane_separation";
 * const r = parseGuestLine('{"op":"add","dst":"10.128.0.0/24","gw":"10.2.0.1","oif":"eth2","proto":12}');
 * if (r?.kind !== "route" || r.route.gw !== "10.2.0.1") throw new Error();
 * if (parseGuestLine('{"op":"end","count":3,"dumpNs":5}')?.kind !== "end") throw new Error();
 * ```
 */
export function parseGuestLine(
  line: string,
):
  | { kind: "route"; route: GuestRoute }
  | { kind: "end"; count: number; dumpNs: number }
  | { kind: "probes"; sources: ProbeReceipts[] }
  | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== "object") return undefined;
  if (
    (v.op === "add" || v.op === "del") && typeof v.dst === "string" &&
    typeof v.gw === "string" && typeof v.oif === "string"
  ) {
    return {
      kind: "route",
      route: {
        op: v.op,
        dst: v.dst,
        gw: v.gw,
        oif: v.oif,
        proto: Number(v.proto),
      },
    };
  }
  if (v.op === "end" && typeof v.count === "number") {
    return { kind: "end", count: v.count, dumpNs: Number(v.dumpNs) };
  }
  if (v.op === "probes" && Array.isArray(v.sources)) {
    return { kind: "probes", sources: v.sources as ProbeReceipts[] };
  }
  return undefined;
}

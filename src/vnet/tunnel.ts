/**
 * Multi-hop link migration (the paper's Fig. 2): when a migrated router's
 * new host is not one physical hop from a virtual neighbour's host, the
 * virtual link is carried by a tunnel. The tunnel adds latency per physical
 * hop and encapsulation bytes, so a packet that filled the MTU no longer
 * fits: the outer packet is fragmented, or lost when that is not allowed
 * (DF set on the inner packet, or VXLAN, whose RFC forbids fragmenting).
 *
 * Packet sizes are IP packet sizes (what the MTU limits): a "1500-byte
 * packet" fills a 1500-byte Ethernet MTU exactly.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInteger,
  assertKnownKeys,
  assertOneOf,
  assertPositive,
} from "../_validate.ts";
import { type PathElement, pathElement } from "../traffic/path.ts";

/** A tunnel encapsulation. */
export type Encapsulation = "gre" | "ipip" | "vxlan";

/** The encapsulations, for validation and legends. */
export const ENCAPSULATIONS: readonly Encapsulation[] = [
  "gre",
  "ipip",
  "vxlan",
];

/** What an encapsulation adds to every packet and whether it may fragment. */
export interface EncapsulationSpec {
  /** Bytes added to the inner IP packet. */
  readonly overheadBytes: number;
  /** Whether the outer packet may be fragmented by the tunnel endpoint. */
  readonly fragmentable: boolean;
  /** Where the numbers come from. */
  readonly source: string;
}

/** IPv4 header without options, bytes. */
export const IPV4_HEADER_BYTES = 20;

/**
 * Per-encapsulation overhead over IPv4 (outer header included).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { ENCAPSULATION_SPECS } from "@vnmig/vnmig/vnet";
 * deepStrictEqual(ENCAPSULATION_SPECS.gre.overheadBytes, 24);
 * ```
 */
export const ENCAPSULATION_SPECS: Readonly<
  Record<Encapsulation, EncapsulationSpec>
> = {
  gre: {
    overheadBytes: IPV4_HEADER_BYTES + 4,
    fragmentable: true,
    source: "RFC 2784: outer IPv4 (20) + GRE base header (4)",
  },
  ipip: {
    overheadBytes: IPV4_HEADER_BYTES,
    fragmentable: true,
    source: "RFC 2003: outer IPv4 header (20)",
  },
  vxlan: {
    overheadBytes: IPV4_HEADER_BYTES + 8 + 8 + 14,
    fragmentable: false,
    source:
      "RFC 7348: outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14); VTEPs MUST NOT fragment",
  },
};

/** What happens to one packet in the tunnel. */
export type TunnelPacketFate = "fits" | "fragmented" | "dropped";

/** Options of {@linkcode tunnelLink}. */
export interface TunnelOptions {
  /** Physical hops the tunnel crosses, 1..255 (the outer TTL). Default 2. */
  physicalHops?: number;
  /** Propagation and processing latency per physical hop, seconds. Default 0.0001. */
  perHopLatencySeconds?: number;
  /** Rate of every physical link on the way, bit/s. Default 1e9 (Gigabit Ethernet). */
  linkBitsPerSecond?: number;
  /** Encapsulation. Default "gre". */
  encapsulation?: Encapsulation;
  /** Extra GRE header bytes (key 4, sequence number 4, checksum 4). Default 0. */
  greOptionBytes?: number;
  /** Path MTU of every physical link, bytes. Default 1500. */
  mtuBytes?: number;
  /** Inner IP packet size, bytes. Default 1500. */
  packetSizeBytes?: number;
  /** Whether the inner packet has Don't Fragment set. Default false. */
  dontFragment?: boolean;
  /** Time to encapsulate and decapsulate one packet, seconds. Default 0.00001. */
  encapsulationSeconds?: number;
}

const TUNNEL_KEYS: readonly (keyof TunnelOptions)[] = [
  "physicalHops",
  "perHopLatencySeconds",
  "linkBitsPerSecond",
  "encapsulation",
  "greOptionBytes",
  "mtuBytes",
  "packetSizeBytes",
  "dontFragment",
  "encapsulationSeconds",
];

/** The largest IPv4 packet, bytes (the 16-bit total length field). */
export const IPV4_MAX_PACKET_BYTES = 65535;

/** The most hops a tunnel can cross (the outer header's 8-bit TTL). */
export const MAX_TUNNEL_HOPS = 255;

/** One virtual link carried by a tunnel: its costs for one packet size. */
export interface TunnelResult {
  /** The encapsulation used. */
  readonly encapsulation: Encapsulation;
  /** Physical hops crossed. */
  readonly physicalHops: number;
  /** Bytes added per packet. */
  readonly overheadBytes: number;
  /** Inner packet plus encapsulation, bytes. */
  readonly outerPacketBytes: number;
  /** The largest inner packet that fits without fragmenting (what PMTUD would settle on). */
  readonly innerMtuBytes: number;
  /** What happens to a packet of `packetSizeBytes`. */
  readonly fate: TunnelPacketFate;
  /** Why, in words. */
  readonly reason: string;
  /** IP fragments per packet on the wire (0 when dropped). */
  readonly fragments: number;
  /** Sizes of the fragments, bytes, in sending order. */
  readonly fragmentBytes: readonly number[];
  /** Bytes on the wire per packet (0 when dropped). */
  readonly wireBytes: number;
  /** Inner bytes delivered over wire bytes sent (0 when dropped). */
  readonly efficiency: number;
  /** One-way latency of a packet through the tunnel, seconds (0 when dropped). */
  readonly latencySeconds: number;
  /** Latency of the same packet over one physical hop with no tunnel, seconds. */
  readonly directLatencySeconds: number;
}

/**
 * The cost of carrying a virtual link through a tunnel of `physicalHops`
 * hops: encapsulation overhead, fragmentation or loss at the MTU, and
 * latency. Latency is store-and-forward over identical hops: for fragments
 * f1..fn sent back to back over h hops the last one arrives after
 * (sum f + (h - 1) max f) * 8 / rate (the proportionate flow-shop makespan),
 * plus h times the per-hop latency and the encapsulation time.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { tunnelLink } from "@vnmig/vnmig/vnet";
 * const t = tunnelLink({ encapsulation: "gre", packetSizeBytes: 1500 });
 * deepStrictEqual(t.fate, "fragmented");
 * deepStrictEqual(t.fragments, 2);
 * const df = tunnelLink({ encapsulation: "gre", packetSizeBytes: 1500, dontFragment: true });
 * deepStrictEqual(df.fate, "dropped");
 * ```
 */
export function tunnelLink(options: TunnelOptions = {}): TunnelResult {
  assertKnownKeys("options", options, TUNNEL_KEYS);
  const physicalHops = options.physicalHops ?? 2;
  const perHopLatencySeconds = options.perHopLatencySeconds ?? 0.0001;
  const linkBitsPerSecond = options.linkBitsPerSecond ?? 1e9;
  const encapsulation = options.encapsulation ?? "gre";
  const greOptionBytes = options.greOptionBytes ?? 0;
  const mtuBytes = options.mtuBytes ?? 1500;
  const packetSizeBytes = options.packetSizeBytes ?? 1500;
  const dontFragment = options.dontFragment ?? false;
  const encapsulationSeconds = options.encapsulationSeconds ?? 0.00001;
  assertInteger("physicalHops", physicalHops, 1, MAX_TUNNEL_HOPS);
  assertAtLeast("perHopLatencySeconds", perHopLatencySeconds, 0);
  assertPositive("linkBitsPerSecond", linkBitsPerSecond);
  assertOneOf("encapsulation", encapsulation, ENCAPSULATIONS);
  if (![0, 4, 8, 12].includes(greOptionBytes)) {
    throw new RangeError(
      `greOptionBytes must be one of 0, 4, 8, 12; got ${
        JSON.stringify(greOptionBytes)
      }`,
    );
  }
  const spec = ENCAPSULATION_SPECS[encapsulation];
  const overheadBytes = spec.overheadBytes +
    (encapsulation === "gre" ? greOptionBytes : 0);
  // The MTU must leave room for the outer header and one 8-byte fragment.
  assertInteger(
    "mtuBytes",
    mtuBytes,
    Math.max(68, overheadBytes + 8),
    IPV4_MAX_PACKET_BYTES,
  );
  assertInteger(
    "packetSizeBytes",
    packetSizeBytes,
    IPV4_HEADER_BYTES,
    IPV4_MAX_PACKET_BYTES,
  );
  if (packetSizeBytes > mtuBytes) {
    throw new RangeError(
      `packetSizeBytes must be in [${IPV4_HEADER_BYTES}, mtuBytes = ${mtuBytes}] (the inner packet crossed a link of that MTU); got ${packetSizeBytes}`,
    );
  }
  assertAtLeast("encapsulationSeconds", encapsulationSeconds, 0);

  const outerPacketBytes = packetSizeBytes + overheadBytes;
  const innerMtuBytes = mtuBytes - overheadBytes;
  const serialization = (bytes: number) => bytes * 8 / linkBitsPerSecond;
  const directLatencySeconds = perHopLatencySeconds +
    serialization(packetSizeBytes);

  let fate: TunnelPacketFate;
  let reason: string;
  let fragmentBytes: number[];
  if (outerPacketBytes <= mtuBytes) {
    fate = "fits";
    reason = `${outerPacketBytes} bytes fit the ${mtuBytes}-byte MTU`;
    fragmentBytes = [outerPacketBytes];
  } else if (!spec.fragmentable) {
    fate = "dropped";
    reason =
      `${outerPacketBytes} bytes exceed the ${mtuBytes}-byte MTU and ${encapsulation} packets must not be fragmented`;
    fragmentBytes = [];
  } else if (dontFragment) {
    fate = "dropped";
    reason =
      `${outerPacketBytes} bytes exceed the ${mtuBytes}-byte MTU and DF is set (ICMP fragmentation needed, MTU ${innerMtuBytes})`;
    fragmentBytes = [];
  } else {
    fate = "fragmented";
    fragmentBytes = fragmentSizes(outerPacketBytes, mtuBytes);
    reason =
      `${outerPacketBytes} bytes exceed the ${mtuBytes}-byte MTU: ${fragmentBytes.length} fragments`;
  }
  const wireBytes = fragmentBytes.reduce((a, b) => a + b, 0);
  const largest = fragmentBytes.reduce((a, b) => Math.max(a, b), 0);
  const latencySeconds = fate === "dropped" ? 0 : encapsulationSeconds +
    physicalHops * perHopLatencySeconds +
    serialization(wireBytes + (physicalHops - 1) * largest);
  return {
    encapsulation,
    physicalHops,
    overheadBytes,
    outerPacketBytes,
    innerMtuBytes,
    fate,
    reason,
    fragments: fragmentBytes.length,
    fragmentBytes,
    wireBytes,
    efficiency: wireBytes === 0 ? 0 : packetSizeBytes / wireBytes,
    latencySeconds,
    directLatencySeconds,
  };
}

/**
 * IPv4 fragment sizes of an IP packet of `packetBytes` (20..65535, the
 * IPv4 total length) at `mtuBytes` (68..65535): every fragment repeats the
 * 20-byte header and carries a multiple of 8 payload bytes, except the
 * last.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { fragmentSizes } from "@vnmig/vnmig/vnet";
 * deepStrictEqual(fragmentSizes(1524, 1500), [1500, 44]);
 * ```
 */
export function fragmentSizes(packetBytes: number, mtuBytes: number): number[] {
  // An IPv4 packet is at most 65535 bytes (its total length field), so at
  // most 1365 fragments (at the smallest MTU, 68).
  assertInteger("mtuBytes", mtuBytes, 68, IPV4_MAX_PACKET_BYTES);
  assertInteger(
    "packetBytes",
    packetBytes,
    IPV4_HEADER_BYTES,
    IPV4_MAX_PACKET_BYTES,
  );
  if (packetBytes <= mtuBytes) return [packetBytes];
  const perFragment = Math.floor((mtuBytes - IPV4_HEADER_BYTES) / 8) * 8;
  const sizes: number[] = [];
  let payload = packetBytes - IPV4_HEADER_BYTES;
  while (payload > 0) {
    const take = Math.min(perFragment, payload);
    sizes.push(take + IPV4_HEADER_BYTES);
    payload -= take;
  }
  return sizes;
}

/**
 * The tunnel as an element of a forwarding path for the traffic engine:
 * forwarding with the tunnel's latency, or dropping every packet when the
 * packet size does not get through.
 *
 * @param tunnel A {@linkcode tunnelLink} result.
 * @param name The element's name. Default `"<encapsulation> tunnel"` ("gre tunnel").
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { cbrStream, countFates } from "@vnmig/vnmig/traffic";
 * import { tunnelLink, tunnelPathElement } from "@vnmig/vnmig/vnet";
 * const tunnel = tunnelLink({ encapsulation: "vxlan", packetSizeBytes: 1500 });
 * const stream = cbrStream({ packetsPerSecond: 100, packetSizeBytes: 1500 });
 * deepStrictEqual(countFates(stream, [tunnelPathElement(tunnel)]).lostPackets, 100);
 * ```
 */
export function tunnelPathElement(
  tunnel: TunnelResult,
  name = `${tunnel.encapsulation} tunnel`,
): PathElement {
  return pathElement({
    name,
    latencySeconds: tunnel.latencySeconds,
    initialState: tunnel.fate === "dropped" ? "drop" : "forward",
  });
}

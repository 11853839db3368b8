/**
 * Virtual networks (the papers' Figs. 1 and 2): where a virtual router can
 * move so that every virtual neighbour stays one physical hop away, and
 * what a tunnel costs when it cannot (latency per hop, encapsulation
 * bytes, fragmentation or loss at the MTU).
 *
 * @example
 * ```ts
 * import { tunnelLink } from "@vnmig/vnmig/vnet";
 * const link = tunnelLink({ physicalHops: 2, encapsulation: "gre" });
 * if (!(link.latencySeconds > 0)) throw new Error();
 * ```
 *
 * @module
 */

export {
  type Encapsulation,
  ENCAPSULATION_SPECS,
  ENCAPSULATIONS,
  type EncapsulationSpec,
  fragmentSizes,
  IPV4_HEADER_BYTES,
  IPV4_MAX_PACKET_BYTES,
  MAX_TUNNEL_HOPS,
  tunnelLink,
  type TunnelOptions,
  type TunnelPacketFate,
  tunnelPathElement,
  type TunnelResult,
} from "./tunnel.ts";
export {
  type PhysicalTopology,
  type PlacementCandidate,
  placementCandidates,
  type PlacementOptions,
  type PlacementRequest,
  type PlacementResult,
  type RejectedNode,
  type TunnelPath,
  type VirtualNetwork,
} from "./placement.ts";
export type {
  ElementState,
  HeldAction,
  PathElement,
  StateChange,
} from "../traffic/path.ts";

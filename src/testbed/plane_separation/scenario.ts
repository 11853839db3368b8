/**
 * The one scenario value that both a plane-separation testbed run and its
 * prediction take: the mechanism (plane separation or Xen standard), the
 * what-if ordering, the route count, the data stream, the control traffic
 * and the step parameters. Pure: no I/O.
 *
 * @module
 */

import {
  assertInRange,
  assertInteger,
  assertKnownKeys,
  assertOneOf,
} from "../../_validate.ts";

/** How the router migrates. */
export type PlaneSepMechanism = "plane-separation" | "xen-standard";

/** The paper's step order, or one of the two what-ifs that must lose packets. */
export type PlaneSepWhatIf = "none" | "arp-before-sync" | "remove-at-resume";

/** What plays the router: the QEMU VM, or a namespace stand-in (its control plane frozen, its links moved; no memory copied). */
export type RouterKind = "vm" | "namespace";

/** The scenario of one run (every field has a default, see {@linkcode resolveScenario}). */
export interface PlaneSepScenarioOptions {
  /** Default "plane-separation". */
  readonly mechanism?: PlaneSepMechanism;
  /** Default "none" (the paper's order). */
  readonly whatIf?: PlaneSepWhatIf;
  /** Default "namespace" (the VM needs the QEMU testbed). */
  readonly router?: RouterKind;
  /** Prefixes the server-side neighbour injects into OSPF, 10..10000. Default 100. */
  readonly routeCount?: number;
  /** CBR data packets per second through the router, 100..10000. Default 1000. */
  readonly packetsPerSecond?: number;
  /** Data packet size (IPv4 length), 44..1500 bytes. Default 64. */
  readonly packetSizeBytes?: number;
  /** Control probes per second each neighbour sends to the router's address, 0..200. Default 20. */
  readonly controlProbesPerSecond?: number;
  /** OSPF hello interval on every interface, 1..60 s. Default 1. */
  readonly helloSeconds?: number;
  /** OSPF dead count (dead interval = count x hello), 2..20. Default 4. */
  readonly deadCount?: number;
  /** Control packets the source relay holds, 0..100000. Default 512. */
  readonly bufferPackets?: number;
  /** Control bytes the source relay holds, 0..100000000. Default 262144. */
  readonly bufferBytes?: number;
  /** Shaped migration link, 1e6..1e10 bit/s. Default 100e6. */
  readonly linkBitsPerSecond?: number;
  /** Wait after the gratuitous ARP before the old data path goes, 0..10 s. Default 1. */
  readonly removalWaitSeconds?: number;
  /** Namespace stand-in only: how long the frozen control plane stays frozen, 0.01..10 s. Default 0.3. */
  readonly standInPauseSeconds?: number;
  /** Seconds of traffic before the migration trigger, 0.5..60. Default 2. */
  readonly leadSeconds?: number;
  /** Seconds of traffic after the last step, 0.5..60. Default 2. */
  readonly tailSeconds?: number;
  /** Run id stamped into the probes, 1..4294967295. Default 1. */
  readonly runId?: number;
}

/** A scenario with every field resolved. */
export type PlaneSepScenario = Required<PlaneSepScenarioOptions>;

/** Defaults of {@linkcode resolveScenario}. */
export const DEFAULT_SCENARIO: PlaneSepScenario = Object.freeze({
  mechanism: "plane-separation",
  whatIf: "none",
  router: "namespace",
  routeCount: 100,
  packetsPerSecond: 1000,
  packetSizeBytes: 64,
  controlProbesPerSecond: 20,
  helloSeconds: 1,
  deadCount: 4,
  bufferPackets: 512,
  bufferBytes: 256 * 1024,
  linkBitsPerSecond: 100e6,
  removalWaitSeconds: 1,
  standInPauseSeconds: 0.3,
  leadSeconds: 2,
  tailSeconds: 2,
  runId: 1,
});

/** The valid range of each numeric field, [min, max], and whether it is an integer. */
export const SCENARIO_RANGES: Readonly<
  Record<string, readonly [number, number, boolean]>
> = Object.freeze({
  routeCount: [10, 10000, true],
  packetsPerSecond: [100, 10000, false],
  packetSizeBytes: [44, 1500, true],
  controlProbesPerSecond: [0, 200, false],
  helloSeconds: [1, 60, true],
  deadCount: [2, 20, true],
  bufferPackets: [0, 100000, true],
  bufferBytes: [0, 100_000_000, true],
  linkBitsPerSecond: [1e6, 1e10, false],
  removalWaitSeconds: [0, 10, false],
  standInPauseSeconds: [0.01, 10, false],
  leadSeconds: [0.5, 60, false],
  tailSeconds: [0.5, 60, false],
  runId: [1, 4294967295, true],
});

/**
 * Fills in the defaults and checks every field: a number out of its range
 * is refused with the range, an unknown option name with the nearest known
 * one, and the what-ifs only apply to plane separation.
 *
 * @example
 * ```ts
 * import { resolveScenario } from "@vnmig/vnmig/testbed/plane_separation";
 * const s = resolveScenario({ routeCount: 1000 });
 * if (s.routeCount !== 1000 || s.packetsPerSecond !== 1000) throw new Error();
 * let refused = false;
 * try { resolveScenario({ routeCount: 20000 }); } catch { refused = true; }
 * if (!refused) throw new Error("20000 routes must be refused");
 * ```
 */
export function resolveScenario(
  options: PlaneSepScenarioOptions = {},
): PlaneSepScenario {
  assertKnownKeys("scenario", options, Object.keys(DEFAULT_SCENARIO));
  const s: PlaneSepScenario = { ...DEFAULT_SCENARIO, ...options };
  assertOneOf("mechanism", s.mechanism, ["plane-separation", "xen-standard"]);
  assertOneOf("whatIf", s.whatIf, [
    "none",
    "arp-before-sync",
    "remove-at-resume",
  ]);
  assertOneOf("router", s.router, ["vm", "namespace"]);
  for (const [key, [min, max, integer]] of Object.entries(SCENARIO_RANGES)) {
    const value = s[key as keyof PlaneSepScenario] as number;
    assertInRange(key, value, min, max);
    if (integer) assertInteger(key, value, min);
  }
  if (s.mechanism === "xen-standard" && s.whatIf !== "none") {
    throw new RangeError(
      `whatIf must be "none" for mechanism "xen-standard" (its what-ifs are plane separation's steps); got ${
        JSON.stringify(s.whatIf)
      }`,
    );
  }
  return s;
}

/** The addresses and names of the testbed (one virtual router, two hosts). */
export interface AddressPlan {
  /** Client LAN prefix length 24: neighbour, router, host A's and host B's Domain 0. */
  readonly clientLan: {
    readonly neighbour: string;
    readonly router: string;
    readonly hostA: string;
    readonly hostB: string;
  };
  /** Server LAN, same roles. */
  readonly serverLan: {
    readonly neighbour: string;
    readonly router: string;
    readonly hostA: string;
    readonly hostB: string;
  };
  /** Dedicated VM-Domain 0 network: the same Domain 0 address on every host. */
  readonly dedicated: { readonly domain0: string; readonly router: string };
  /** Migration link (and tunnel underlay) between host A and host B. */
  readonly migration: { readonly hostA: string; readonly hostB: string };
  /** The address behind the server neighbour that the data stream goes to (in the first injected prefix). */
  readonly dataDestination: string;
  /** The routing table number of the virtual router in each Domain 0. */
  readonly table: number;
  /** The guest interfaces: client side, server side, dedicated network. */
  readonly guestInterfaces: readonly [string, string, string];
}

/** The testbed's address plan. */
export const ADDRESS_PLAN: AddressPlan = Object.freeze({
  clientLan: {
    neighbour: "10.1.0.1",
    router: "10.1.0.10",
    hostA: "10.1.0.250",
    hostB: "10.1.0.251",
  },
  serverLan: {
    neighbour: "10.2.0.1",
    router: "10.2.0.10",
    hostA: "10.2.0.250",
    hostB: "10.2.0.251",
  },
  dedicated: { domain0: "10.250.0.1", router: "10.250.0.10" },
  migration: { hostA: "10.99.0.1", hostB: "10.99.0.2" },
  dataDestination: "10.128.0.1",
  table: 100,
  guestInterfaces: ["eth1", "eth2", "eth0"] as const,
});

/**
 * The `i`-th injected prefix (0-based): consecutive /24s from 10.128.0.0,
 * 16384 of them at most.
 *
 * @example
 * ```ts
 * import { injectedPrefix } from "@vnmig/vnmig/testbed/plane_separation";
 * if (injectedPrefix(0) !== "10.128.0.0/24") throw new Error();
 * if (injectedPrefix(300) !== "10.129.44.0/24") throw new Error();
 * ```
 */
export function injectedPrefix(i: number): string {
  assertInteger("i", i, 0);
  assertInRange("i", i, 0, 16383);
  return `10.${128 + (i >> 8)}.${i & 255}.0/24`;
}

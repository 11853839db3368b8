/**
 * The one scenario value an Open vSwitch testbed run and its prediction
 * both take: the topology and flows, who sends to whom, the probe rate and
 * size, the waits inserted after phases, the loss window's margin, the
 * datapath cache, and the model's seed. Built once by
 * {@linkcode ovsScenario} (defaults applied, every value checked, frozen),
 * so a measurement and the prediction it is compared with cannot describe
 * different experiments: like for like is enforced by the type, and
 * {@linkcode testbedRow} also checks it is the very same value.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInRange,
  assertInteger,
  assertKnownKeys,
} from "../../_validate.ts";
import type { FlowMigration } from "../../openflow/plan.ts";
import type { Topology } from "../../openflow/topology.ts";
import type { MigrationScenario } from "../../migration/mod.ts";
import { MAX_PACKET_BYTES, MIN_PACKET_BYTES } from "../udp/probe.ts";
import {
  type BranchPorts,
  branchPorts,
  probeMigration,
  type TestbedFlows,
} from "./probe_flow.ts";

/** Options of {@linkcode ovsScenario}: what to run, with documented defaults. */
export interface OvsScenarioOptions extends MigrationScenario {
  /** The model topology the testbed builds. */
  readonly topology: Topology;
  /** Initial entries, the plan to execute and the flows it migrates. */
  readonly flows: TestbedFlows;
  /** The host that sends the probes; default "client". */
  readonly senderHostId?: string;
  /** The host that receives them; default "server". */
  readonly receiverHostId?: string;
  /** Probe rate, packets per second, 1..100000; default 2000. */
  readonly packetsPerSecond?: number;
  /** Probe size as IPv4 packet length, 44..1500 bytes; default 64 (the model serialises it on every link). */
  readonly packetSizeBytes?: number;
  /** Extra wait after each plan phase, seconds, indexed by phase; default none. */
  readonly gapAfterPhaseSeconds?: readonly number[];
  /** Margin around the migration window when judging loss, seconds; default 0.02. */
  readonly windowMarginSeconds?: number;
  /** Let Open vSwitch cache datapath flows (see OvsHarnessOptions.datapathFlowCache); default false. The model does not represent the cache, and says so in its note. */
  readonly datapathFlowCache?: boolean;
  /** Seed of the model's installation times; default 0 (the real switch varies by itself). */
  readonly seed?: number;
}

/** A checked scenario with every default applied. */
export interface OvsScenario {
  /** The model topology. */
  readonly topology: Topology;
  /** The flows, initial entries and plan. */
  readonly flows: TestbedFlows;
  /** The sending host. */
  readonly senderHostId: string;
  /** The receiving host. */
  readonly receiverHostId: string;
  /** Probe rate, packets per second. */
  readonly packetsPerSecond: number;
  /** Probe size (IPv4 length), bytes. */
  readonly packetSizeBytes: number;
  /** Extra wait after each plan phase, seconds. */
  readonly gapAfterPhaseSeconds: readonly number[];
  /** Margin around the migration window, seconds. */
  readonly windowMarginSeconds: number;
  /** Whether Open vSwitch caches datapath flows. */
  readonly datapathFlowCache: boolean;
  /** The model's seed. */
  readonly seed: number;
  /** The migration of the probes' flow (sender to receiver). */
  readonly probeMigration: FlowMigration;
  /** Where the probes' old and new paths part (null when they do not). */
  readonly branch: BranchPorts | null;
}

const KNOWN = [
  "topology",
  "flows",
  "senderHostId",
  "receiverHostId",
  "packetsPerSecond",
  "packetSizeBytes",
  "gapAfterPhaseSeconds",
  "windowMarginSeconds",
  "datapathFlowCache",
  "seed",
] as const;

/**
 * Checks `options`, applies the defaults and returns the frozen scenario.
 *
 * @example
 * ```ts
 * import { paperTestbedInitialEntries, paperTestbedMigrations, paperTestbedPlan, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { ovsScenario } from "@vnmig/vnmig/testbed";
 * const topology = paperTestbedTopology();
 * const scenario = ovsScenario({
 *   topology,
 *   flows: {
 *     initialEntries: paperTestbedInitialEntries(topology),
 *     plan: paperTestbedPlan(topology),
 *     migrations: paperTestbedMigrations(topology),
 *   },
 *   packetsPerSecond: 3000,
 * });
 * if (scenario.packetSizeBytes !== 64 || scenario.branch?.switchId !== "s1") throw new Error();
 * ```
 */
export function ovsScenario(options: OvsScenarioOptions): OvsScenario {
  assertKnownKeys("ovsScenario options", options, KNOWN);
  if (options === undefined || options === null) {
    throw new TypeError("ovsScenario needs options with topology and flows");
  }
  const { topology, flows } = options;
  if (topology === undefined || flows === undefined) {
    throw new TypeError("ovsScenario options must give topology and flows");
  }
  const senderHostId = options.senderHostId ?? "client";
  const receiverHostId = options.receiverHostId ?? "server";
  const packetsPerSecond = options.packetsPerSecond ?? 2000;
  const packetSizeBytes = options.packetSizeBytes ?? 64;
  const gapAfterPhaseSeconds = [...(options.gapAfterPhaseSeconds ?? [])];
  const windowMarginSeconds = options.windowMarginSeconds ?? 0.02;
  const seed = options.seed ?? 0;
  assertInRange("packetsPerSecond", packetsPerSecond, 1, 100_000);
  assertInteger("packetSizeBytes", packetSizeBytes);
  assertInRange(
    "packetSizeBytes",
    packetSizeBytes,
    MIN_PACKET_BYTES,
    MAX_PACKET_BYTES,
  );
  assertAtLeast("windowMarginSeconds", windowMarginSeconds);
  assertInteger("seed", seed);
  if (gapAfterPhaseSeconds.length > flows.plan.phases.length) {
    throw new RangeError(
      `gapAfterPhaseSeconds must have at most one entry per plan phase (${flows.plan.phases.length}); got ${gapAfterPhaseSeconds.length}`,
    );
  }
  gapAfterPhaseSeconds.forEach((g, i) =>
    assertAtLeast(`gapAfterPhaseSeconds[${i}]`, g)
  );
  for (
    const [name, id] of [["senderHostId", senderHostId], [
      "receiverHostId",
      receiverHostId,
    ]]
  ) {
    if (!topology.hosts.some((h) => h.id === id)) {
      throw new RangeError(
        `${name} must be a host of the topology (${
          topology.hosts.map((h) => h.id).join(", ")
        }); got ${JSON.stringify(id)}`,
      );
    }
  }
  const migration = probeMigration(
    flows.migrations,
    senderHostId,
    receiverHostId,
  );
  return Object.freeze({
    topology,
    flows,
    senderHostId,
    receiverHostId,
    packetsPerSecond,
    packetSizeBytes,
    gapAfterPhaseSeconds: Object.freeze(gapAfterPhaseSeconds),
    windowMarginSeconds,
    datapathFlowCache: options.datapathFlowCache ?? false,
    seed,
    probeMigration: migration,
    branch: branchPorts(topology, migration),
  });
}

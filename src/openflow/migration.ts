/**
 * OpenFlow flow migration end to end, in the shared outcome contract: a
 * plan for the flows (the paper's ordering or another), timed from the
 * controller's trigger, then every data packet of every flow traced through
 * the rule states in force (exact, by runs of packets).
 *
 * Neither plane stops (C9), so `downtimeSeconds` is 0 by mechanism; the
 * data outage is what the trace measures: the longest run of packets of any
 * flow not delivered, at that flow's rate. Nothing is buffered, so no packet
 * is delayed.
 *
 * @module
 */

import {
  assertAtLeast,
  assertKnownKeys,
  assertPositive,
} from "../_validate.ts";
import type { Mechanism, MigrationScenario } from "../migration/mechanism.ts";
import {
  type MigrationOutcome,
  NO_PACKETS,
  type Phase,
  sortPhases,
} from "../migration/outcome.ts";
import { cbrStream } from "../traffic/stream.ts";
import {
  type ConsistencyReport,
  packetConsistency,
  timedChanges,
} from "./consistency.ts";
import {
  paperTestbedMigrations,
  paperTestbedTopology,
} from "./paper_topology.ts";
import {
  type FlowMigration,
  initialEntries,
  type Ordering,
  planMigration,
} from "./plan.ts";
import type { FlowEntry, MigrationPlan } from "./plan_types.ts";
import {
  type MigrationTiming,
  migrationTiming,
  TIMING_KEYS,
  type TimingOptions,
} from "./timing.ts";
import { checkFlowEntries } from "./routing.ts";
import { indexTopology, type Topology } from "./topology.ts";

/** Options of {@linkcode openflowMigration}. */
export interface OpenflowMigrationOptions extends MigrationScenario {
  /** Data packets per second of every migrated flow (CBR). Default 1000. */
  packetsPerSecond?: number;
  /** Data packet size, bytes. Default 64. */
  packetSizeBytes?: number;
  /** Seed of the switches' installation times. Default 0. */
  seed?: number;
  /** The network. Default {@linkcode paperTestbedTopology}(). */
  topology?: Topology;
  /** The flows to move. Default {@linkcode paperTestbedMigrations} of the topology (client->server and back). */
  migrations?: readonly FlowMigration[];
  /** The entries in force before the migration. Default the old paths' entries ({@linkcode initialEntries}). */
  initialEntries?: readonly FlowEntry[];
  /** The ordering of the plan built when `plan` is not given. Default "paper". */
  ordering?: Ordering;
  /** The migration plan. Default {@linkcode planMigration} of the flows for `ordering`. */
  plan?: MigrationPlan;
  /** Timing of the controller, channels and switches (its `seed` and `startSeconds` come from this call). Default the paper testbed's. */
  timing?: Omit<TimingOptions, "seed" | "startSeconds">;
  /** When the controller starts the migration, on the streams' clock (they start at 0), s. Default 0.5. */
  triggerSeconds?: number;
  /** How long the streams go on after the last barrier reply, s. Default 0.5. */
  tailSeconds?: number;
}

const OPTION_KEYS: readonly (keyof OpenflowMigrationOptions)[] = [
  "packetsPerSecond",
  "packetSizeBytes",
  "seed",
  "topology",
  "migrations",
  "initialEntries",
  "ordering",
  "plan",
  "timing",
  "triggerSeconds",
  "tailSeconds",
];

/** The outcome of an OpenFlow flow migration, with the plan, its timing and the packet trace beside it. */
export interface OpenflowMigrationResult extends MigrationOutcome {
  /** The plan executed. */
  readonly plan: MigrationPlan;
  /** When each flow-mod was sent and took effect (on the streams' clock). */
  readonly timing: MigrationTiming;
  /** What became of every flow's packets. */
  readonly consistency: ConsistencyReport;
}

/**
 * Migrates flows with an OpenFlow controller and traces every data packet
 * (see the module doc).
 *
 * @example
 * ```ts
 * import { openflowMigration } from "@vnmig/vnmig/openflow";
 * const paper = openflowMigration({ packetsPerSecond: 100_000 });
 * if (paper.data.lostPackets !== 0 || paper.downtimeSeconds !== 0) throw new Error();
 * const early = openflowMigration({ packetsPerSecond: 100_000, ordering: "delete-old-first" });
 * if (!(early.data.lostPackets > 0 && early.dataOutageSeconds > 0)) throw new Error();
 * ```
 */
export function openflowMigration(
  options: OpenflowMigrationOptions = {},
): OpenflowMigrationResult {
  assertKnownKeys("options", options, OPTION_KEYS);
  const packetsPerSecond = options.packetsPerSecond ?? 1000;
  const packetSizeBytes = options.packetSizeBytes ?? 64;
  const triggerSeconds = options.triggerSeconds ?? 0.5;
  const tailSeconds = options.tailSeconds ?? 0.5;
  assertPositive("packetsPerSecond", packetsPerSecond);
  assertPositive("packetSizeBytes", packetSizeBytes);
  assertAtLeast("triggerSeconds", triggerSeconds, 0);
  assertAtLeast("tailSeconds", tailSeconds, 0);
  const net = options.topology ?? paperTestbedTopology();
  const migrations = options.migrations ?? paperTestbedMigrations(net);
  const initial = options.initialEntries ?? initialEntries(net, migrations);
  if (options.initialEntries !== undefined) {
    checkFlowEntries(indexTopology(net), initial, "initialEntries");
  }
  // seed and startSeconds come from this call: refuse them in timing.
  assertKnownKeys(
    "timing",
    options.timing,
    TIMING_KEYS.filter((k) => k !== "seed" && k !== "startSeconds"),
  );
  const plan = options.plan ??
    planMigration(net, migrations, { ordering: options.ordering ?? "paper" });
  const timing = migrationTiming(plan, net, {
    ...options.timing,
    seed: options.seed ?? 0,
    startSeconds: triggerSeconds,
  });
  const stream = cbrStream({
    packetsPerSecond,
    packetSizeBytes,
    endSeconds: timing.completedSeconds + tailSeconds,
  });
  const consistency = packetConsistency(net, {
    initial,
    changes: timedChanges(timing),
    migrations,
  }, { stream });

  const rel = (t: number) => t - triggerSeconds;
  const timeline: Phase[] = timing.phases.map((p) => ({
    lane: "controller",
    phase: p.name,
    startSeconds: rel(p.startSeconds),
    endSeconds: rel(p.endSeconds),
  }));
  if (timing.messages.length > 0) {
    timeline.push({
      lane: "switches",
      phase: "flow-mods take effect",
      startSeconds: rel(
        Math.min(...timing.messages.map((m) => m.effectiveSeconds)),
      ),
      endSeconds: rel(
        Math.max(...timing.messages.map((m) => m.effectiveSeconds)),
      ),
    });
  }
  return {
    mechanism: "openflow",
    source: "model",
    completed: true,
    feasible: consistency.feasible,
    note: consistency.feasible
      ? ""
      : `offered load exceeds ${
        consistency.overloadedLinks.map((l) =>
          `${l.from}:${l.port} (${l.offeredBitsPerSecond / 1e6} of ${
            l.capacityBitsPerSecond / 1e6
          } Mbit/s)`
        ).join(", ")
      }`,
    downtimeSeconds: 0,
    dataOutageSeconds: consistency.downtimeSeconds,
    totalMigrationSeconds: timing.totalMigrationSeconds,
    data: {
      sentPackets: consistency.sentPackets,
      deliveredPackets: consistency.deliveredPackets,
      lostPackets: consistency.lostPackets,
      delayedPackets: 0,
      maxDelaySeconds: 0,
      meanDelaySeconds: 0,
    },
    control: NO_PACKETS,
    timeline: sortPhases(timeline),
    plan,
    timing,
    consistency,
  };
}

/**
 * OpenFlow flow migration driven by a controller: the registry's entry.
 *
 * @example
 * ```ts
 * import { OPENFLOW } from "@vnmig/vnmig/openflow";
 * const outcome = OPENFLOW.migrate({ packetsPerSecond: 5000 });
 * if (outcome.data.lostPackets !== 0 || outcome.totalMigrationSeconds > 0.05) throw new Error();
 * ```
 */
export const OPENFLOW: Mechanism<
  OpenflowMigrationOptions,
  OpenflowMigrationResult
> = {
  id: "openflow",
  label: "OpenFlow",
  summary:
    "A controller moves the flows from the old path to the new one: install, redirect, delete, with barriers.",
  color: "#2ca02c",
  symbol: "triangle",
  migrate: openflowMigration,
};

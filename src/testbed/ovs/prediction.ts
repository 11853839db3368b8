/**
 * What the OpenFlow model predicts for a testbed run, computed by the
 * model's own mechanisms: the plan's timing from {@linkcode migrationTiming}
 * (with the testbed's timing profile and the same waits after phases the
 * run inserts), then the probes traced hop by hop through the rule state in
 * force when each reaches each switch by {@linkcode packetConsistency} (the
 * very send times the sender used, when given: a measured input, not the
 * outcome), to count the probes the plan loses. It takes the same
 * {@linkcode OvsScenario} the run takes and answers in the same outcome
 * shape, with `source: "model"`.
 *
 * @module
 */

import {
  assertAtLeast,
  assertFinite,
  assertKnownKeys,
} from "../../_validate.ts";
import { NO_PACKETS, sortPhases } from "../../migration/mod.ts";
import { packetConsistency, timedChanges } from "../../openflow/consistency.ts";
import { migrationTiming } from "../../openflow/timing.ts";
import {
  type Topology,
  topology as makeTopology,
} from "../../openflow/topology.ts";
import { cbrStream, explicitStream } from "../../traffic/stream.ts";
import type { OvsPredictedOutcome } from "./outcome.ts";
import { OVS_TESTBED_PROFILE, type OvsTestbedProfile } from "./profiles.ts";
import type { OvsScenario } from "./scenario.ts";

/**
 * The model topology as the testbed realises it: the same switches, links
 * and hosts, but the controller reaches every switch directly over loopback
 * (one hop of `latencySeconds`).
 *
 * @example
 * ```ts
 * import { paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { testbedControlTopology } from "@vnmig/vnmig/testbed";
 * const net = testbedControlTopology(paperTestbedTopology());
 * if (!net.controller.channels.every((c) => c.hops === 1)) throw new Error();
 * ```
 */
export function testbedControlTopology(
  topology: Topology,
  latencySeconds: number = OVS_TESTBED_PROFILE.controlChannelLatencySeconds,
): Topology {
  assertAtLeast("latencySeconds", latencySeconds);
  return makeTopology({
    switches: topology.switches,
    links: topology.links,
    hosts: topology.hosts,
    controller: {
      id: topology.controller.id,
      channels: topology.switches.map((s) => ({
        switchId: s.id,
        hops: 1,
        latencySeconds,
      })),
    },
  });
}

/** Options of {@linkcode predictOvsMigration}: what the prediction takes beyond the scenario. */
export interface OvsPredictionOptions {
  /**
   * Send times of the probes to trace, seconds after the first flow-mod, in
   * send order; default a CBR stream at the scenario's rate over the
   * migration window. A run passes the real send times, so that sender
   * jitter does not count as model error.
   */
  readonly sendOffsetsSeconds?: readonly number[];
  /** The model's timing parameters; default {@linkcode OVS_TESTBED_PROFILE}. */
  readonly profile?: OvsTestbedProfile;
}

/**
 * The model's prediction for a run of `scenario`: the plan timed on
 * {@linkcode testbedControlTopology} of the scenario's topology with the
 * profile, the probes of the sender-to-receiver flow traced through the
 * rule states in force. Times are seconds after the first flow-mod;
 * `data` counts the probes sent in the migration window and those the
 * plan loses (dropped or looped).
 *
 * @example
 * ```ts
 * import { paperTestbedInitialEntries, paperTestbedMigrations, paperTestbedPlan, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { ovsScenario, predictOvsMigration } from "@vnmig/vnmig/testbed";
 * const topology = paperTestbedTopology();
 * const flows = (ordering: "paper" | "delete-old-first") => ({
 *   initialEntries: paperTestbedInitialEntries(topology),
 *   plan: paperTestbedPlan(topology, ordering),
 *   migrations: paperTestbedMigrations(topology),
 * });
 * const paper = predictOvsMigration(ovsScenario({ topology, flows: flows("paper") }));
 * if (paper.source !== "model" || paper.data.lostPackets !== 0) throw new Error();
 * // Deleting the old path first, with 50 ms before the redirect: about 0.05 s x 2000/s lost.
 * const broken = predictOvsMigration(ovsScenario({
 *   topology, flows: flows("delete-old-first"), gapAfterPhaseSeconds: [0.05],
 * }));
 * if (broken.data.lostPackets < 100 || broken.data.lostPackets > 110) throw new Error();
 * ```
 */
export function predictOvsMigration(
  scenario: OvsScenario,
  options: OvsPredictionOptions = {},
): OvsPredictedOutcome {
  assertKnownKeys("predictOvsMigration options", options, [
    "sendOffsetsSeconds",
    "profile",
  ]);
  const profile = options.profile ?? OVS_TESTBED_PROFILE;
  const { topology, flows, packetsPerSecond, windowMarginSeconds } = scenario;
  const migration = scenario.probeMigration;
  const timing = migrationTiming(
    flows.plan,
    testbedControlTopology(topology, profile.controlChannelLatencySeconds),
    {
      controllerPerMessageSeconds: profile.controllerPerMessageSeconds,
      install: profile.install,
      seed: scenario.seed,
      gapAfterPhaseSeconds: scenario.gapAfterPhaseSeconds,
    },
  );
  const start = timing.firstFlowModSentSeconds;
  const changes = timedChanges(timing);

  // When the branching switch starts to send the flow's (untagged) packets
  // out of the new-path entry's port.
  const branch = scenario.branch;
  const redirect = branch === null ? undefined : changes
    .filter((c) =>
      c.mod.command !== "delete" && c.mod.entry.switchId === branch.switchId &&
      c.mod.entry.flowId === migration.flow.id &&
      c.mod.entry.match.vlanVid === undefined &&
      c.mod.entry.outPort === branch.newPort
    )
    .reduce<number | undefined>(
      (a, c) => a === undefined || c.atSeconds < a ? c.atSeconds : a,
      undefined,
    );

  const offsets = options.sendOffsetsSeconds;
  offsets?.forEach((o, i) => {
    assertFinite(`sendOffsetsSeconds[${i}]`, o);
    if (i > 0) assertAtLeast(`sendOffsetsSeconds[${i}]`, o, offsets[i - 1]);
  });
  const window = offsets === undefined
    ? cbrStream({
      packetsPerSecond,
      packetSizeBytes: scenario.packetSizeBytes,
      startSeconds: start - windowMarginSeconds,
      endSeconds: timing.completedSeconds + windowMarginSeconds,
    })
    : explicitStream(offsets.map((o) => start + o), {
      packetsPerSecond,
      packetSizeBytes: scenario.packetSizeBytes,
    });
  const report = packetConsistency(topology, {
    initial: flows.initialEntries,
    changes,
    migrations: [migration],
  }, { streams: { [migration.flow.id]: window } });
  const probes = report.flows[0];
  const newPathFrom = probes.newPathFromSendSeconds;
  return {
    mechanism: "openflow",
    source: "model",
    completed: true,
    note: scenario.datapathFlowCache
      ? "the model does not represent Open vSwitch's datapath flow cache: it assumes every packet meets the OpenFlow tables in force"
      : "",
    downtimeSeconds: 0,
    dataOutageSeconds: probes.downtimeSeconds,
    totalMigrationSeconds: timing.totalMigrationSeconds,
    data: {
      ...NO_PACKETS,
      sentPackets: report.sentPackets,
      deliveredPackets: report.deliveredPackets,
      lostPackets: report.lostPackets,
    },
    control: NO_PACKETS,
    // A phase runs from its first flow-mod sent, as the run measures it.
    timeline: sortPhases(timing.phases.map((p, i) => {
      const first = timing.messages.find((m) => m.phase === i);
      return {
        lane: "controller",
        phase: p.name,
        startSeconds: (first?.sentSeconds ?? p.startSeconds) - start,
        endSeconds: p.endSeconds - start,
      };
    })),
    scenario,
    messagesSent: timing.flowModsSent,
    newPathAfterSeconds: newPathFrom === null ? null : newPathFrom - start,
    redirectAfterSeconds: redirect === undefined ? null : redirect - start,
    allAppliedAfterSeconds: timing.completedSeconds - start,
  };
}

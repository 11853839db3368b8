/**
 * What the OpenFlow model predicts for a testbed run, computed by the
 * model's own mechanisms: the plan's timing from {@linkcode migrationTiming}
 * (with the testbed's timing profile and the same waits after phases the
 * run inserts), then the probes traced hop by hop through the rule state in
 * force when each reaches each switch by {@linkcode packetConsistency} (the
 * very send times the sender used, when given), to count the probes the
 * plan loses.
 *
 * @module
 */

import {
  assertAtLeast,
  assertFinite,
  assertInRange,
  assertInteger,
} from "../_validate.ts";
import { packetConsistency, timedChanges } from "../openflow/consistency.ts";
import {
  type InstallTimeDistribution,
  migrationTiming,
} from "../openflow/timing.ts";
import {
  type Topology,
  topology as makeTopology,
} from "../openflow/topology.ts";
import { cbrStream } from "../traffic/stream.ts";
import {
  branchPorts,
  probeMigration,
  type TestbedFlows,
} from "./probe_flow.ts";
import { MAX_PACKET_BYTES, MIN_PACKET_BYTES } from "./udp_tools.ts";

/**
 * The Open vSwitch testbed's timing parameters for the model, calibrated on
 * this machine (Open vSwitch 3.1, userspace datapath, controller in Deno on
 * 127.0.0.1, 2 shared cores) with `deno task testbed calibrate` (ten runs of
 * the paper's ordering on the paper testbed topology after a warm-up run,
 * 2026-11-22):
 * - `controllerPerMessageSeconds` 0.02 ms: the median spacing between
 *   consecutive FLOW_MODs the controller writes within a phase (0.022 ms);
 * - `controlChannelLatencySeconds` 0.21 ms: one-way loopback TCP latency
 *   including ovs-vswitchd's main-loop wake-up, set so that the model's
 *   barrier round trip (2 x latency + installation) matches the median
 *   measured barrier round trip (0.48 ms);
 * - `install` 0.02 ms minimum, 0.05 ms mean: the model's software-switch
 *   preset, kept (the barrier round trips bound it from above; a flow-mod
 *   on Open vSwitch's classifier is not measurable apart from them here).
 *
 * @example
 * ```ts
 * import { OVS_TESTBED_PROFILE } from "@vnmig/vnmig";
 * console.log(OVS_TESTBED_PROFILE.controlChannelLatencySeconds); // 0.00021
 * ```
 */
export const OVS_TESTBED_PROFILE: {
  readonly controllerPerMessageSeconds: number;
  readonly controlChannelLatencySeconds: number;
  readonly install: InstallTimeDistribution;
} = {
  controllerPerMessageSeconds: 0.00002,
  controlChannelLatencySeconds: 0.00021,
  install: { minSeconds: 0.00002, meanSeconds: 0.00005 },
};

/**
 * The model topology as the testbed realises it: the same switches, links
 * and hosts, but the controller reaches every switch directly over loopback
 * (one hop of `latencySeconds`).
 *
 * @example
 * ```ts
 * import { paperTestbedTopology, testbedControlTopology } from "@vnmig/vnmig";
 * const net = testbedControlTopology(paperTestbedTopology());
 * console.log(net.controller.channels.every((c) => c.hops === 1)); // true
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

/** Options of {@linkcode predictTestbedRun}. */
export interface PredictionOptions {
  /** The sending host (default "client"). */
  readonly senderHostId?: string;
  /** The receiving host (default "server"). */
  readonly receiverHostId?: string;
  /** Probe rate, packets per second (default 2000). */
  readonly packetsPerSecond?: number;
  /** Probe size as IPv4 packet length, 44..1500 bytes (default 64): the model serialises it on every link. */
  readonly packetBytes?: number;
  /** Extra wait after each phase, seconds (default none), as in the run: the model's `gapAfterPhaseSeconds`. */
  readonly gapAfterPhaseSeconds?: readonly number[];
  /** Margin around the migration window, seconds (default 0.02), as in the run. */
  readonly windowMarginSeconds?: number;
  /**
   * Send times of the probes to trace, seconds after the first flow-mod, in
   * send order (default: a CBR stream at packetsPerSecond over the
   * migration window). A run passes the real send times, so that sender
   * jitter does not count as model error.
   */
  readonly sendOffsetsSeconds?: readonly number[];
  /** Seed of the model's installation times (default 0). */
  readonly seed?: number;
}

/** What the model predicts for one run. */
export interface TestbedPrediction {
  /** First to last flow-mod sent, seconds (the paper's total migration time). */
  readonly totalMigrationSeconds: number;
  /** From the first flow-mod to the send time of the first probe from which every probe takes the new path, seconds: what the testbed measures from its port counters (null if the probes never move). */
  readonly newPathAfterSeconds: number | null;
  /** From the first flow-mod until the probe flow's branching switch outputs to its new port, seconds (null if the plan never makes it). */
  readonly redirectAfterSeconds: number | null;
  /** From the first flow-mod until every change is in effect, seconds. */
  readonly allAppliedAfterSeconds: number;
  /** Probes sent in the migration window that the plan loses (dropped or looped). */
  readonly lostPackets: number;
  /** Probes sent in the migration window. */
  readonly windowPackets: number;
}

/**
 * The model's prediction for a testbed run of `flows.plan` (after
 * `flows.initialEntries`) on `topology`, timed on
 * {@linkcode testbedControlTopology} of it with
 * {@linkcode OVS_TESTBED_PROFILE}; the probes are the packets of the flow
 * from the sender to the receiver among `flows.migrations`.
 *
 * @example
 * ```ts
 * import { paperTestbedInitialEntries, paperTestbedMigrations, paperTestbedPlan, paperTestbedTopology, predictTestbedRun } from "@vnmig/vnmig";
 * const net = paperTestbedTopology();
 * const p = predictTestbedRun(net, {
 *   initialEntries: paperTestbedInitialEntries(net),
 *   plan: paperTestbedPlan(net),
 *   migrations: paperTestbedMigrations(net),
 * });
 * console.log(p.lostPackets); // 0
 * ```
 */
export function predictTestbedRun(
  topology: Topology,
  flows: TestbedFlows,
  options: PredictionOptions = {},
): TestbedPrediction {
  const rate = options.packetsPerSecond ?? 2000;
  assertInRange("packetsPerSecond", rate, 1, 100_000);
  const packetBytes = options.packetBytes ?? 64;
  assertInteger("packetBytes", packetBytes);
  assertInRange("packetBytes", packetBytes, MIN_PACKET_BYTES, MAX_PACKET_BYTES);
  const margin = options.windowMarginSeconds ?? 0.02;
  assertAtLeast("windowMarginSeconds", margin);
  const migration = probeMigration(
    flows.migrations,
    options.senderHostId ?? "client",
    options.receiverHostId ?? "server",
  );
  const timing = migrationTiming(
    flows.plan,
    testbedControlTopology(topology),
    {
      controllerPerMessageSeconds:
        OVS_TESTBED_PROFILE.controllerPerMessageSeconds,
      install: OVS_TESTBED_PROFILE.install,
      seed: options.seed ?? 0,
      gapAfterPhaseSeconds: options.gapAfterPhaseSeconds ?? [],
    },
  );
  const start = timing.firstFlowModSentSeconds;
  const changes = timedChanges(timing);

  // When the branching switch starts to send the flow's (untagged) packets
  // out of the new-path entry's port.
  const branch = branchPorts(topology, migration);
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

  const id = migration.flow.id;
  const offsets = options.sendOffsetsSeconds;
  offsets?.forEach((o, i) => {
    assertFinite(`sendOffsetsSeconds[${i}]`, o);
    if (i > 0) assertAtLeast(`sendOffsetsSeconds[${i}]`, o, offsets[i - 1]);
  });
  const report = packetConsistency(topology, {
    initial: flows.initialEntries,
    changes,
    migrations: [migration],
  }, {
    stream: cbrStream({
      packetsPerSecond: rate,
      packetSizeBytes: packetBytes,
      startSeconds: start - margin,
      // Unused with explicit send times (they replace the stream's).
      endSeconds: offsets === undefined
        ? timing.completedSeconds + margin
        : start - margin,
    }),
    ...(offsets === undefined
      ? {}
      : { sendTimesSeconds: { [id]: offsets.map((o) => start + o) } }),
  });
  const newPathFrom = report.flows[0].newPathFromSendSeconds;
  return {
    totalMigrationSeconds: timing.totalMigrationSeconds,
    newPathAfterSeconds: newPathFrom === null ? null : newPathFrom - start,
    redirectAfterSeconds: redirect === undefined ? null : redirect - start,
    allAppliedAfterSeconds: timing.completedSeconds - start,
    lostPackets: report.lostPackets,
    windowPackets: report.sentPackets,
  };
}

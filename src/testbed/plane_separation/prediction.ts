/**
 * The model's prediction of a plane-separation testbed run (pure): the same
 * scenario value through `planeSeparationMigration` (or
 * `xenStandardMigration`), with the step costs measured before the
 * migration in the same run ({@linkcode StepCalibration}) as its inputs,
 * never the run's own outcome:
 *
 * - interface binding: host A's relay binding the two NICs at start-up,
 *   per interface;
 * - tunnel: the set-up and round trip of the GRE tunnel measured before the
 *   migration;
 * - table sync: host A's initial sync of the same routes (as a per-route
 *   cost times the route count);
 * - the router's pause and downtime: the stand-in's pause is a scenario
 *   parameter plus its measured link switch (the VM's come from a
 *   pre-copy prediction, {@linkcode PrecopyTiming});
 * - control traffic: the two probe flows, periodic at the scenario's rate,
 *   with the phase their senders started at.
 *
 * The pre-copy of the model stands for the router's own: a one-page VM on
 * an unbounded link whose set-up time is the predicted pause and whose
 * resume time is the predicted downtime, so the model's pre-copy engine adds
 * nothing of its own (Xen's dirty model does not describe a QEMU guest or a
 * namespace).
 *
 * @module
 */

import type { MigrationOutcome } from "../../migration/outcome.ts";
import {
  type AdjacencySurvival,
  adjacencySurvival,
  type ControlFlow,
} from "../../xen/control_plane.ts";
import {
  PAPER_TESTBED,
  type XenTestbedProfile,
} from "../../xen/paper_profile.ts";
import { planeSeparationMigration } from "../../xen/plane_separation.ts";
import { xenStandardMigration } from "../../xen/standard.ts";
import type { StepCalibration } from "./harness.ts";
import type { PlaneSepScenario } from "./scenario.ts";

/** When the router pauses and how long, as predicted, seconds. */
export interface PrecopyTiming {
  /** Trigger to the pause. */
  readonly pauseSeconds: number;
  /** Pause to running on host B. */
  readonly downtimeSeconds: number;
}

/** The predicted outcome with the OSPF survival verdict at the scenario's timers. */
export interface PlaneSepPredicted extends MigrationOutcome {
  /** OSPF with the scenario's hello and dead interval. */
  readonly ospf: AdjacencySurvival;
  /** Predicted step instants, seconds after the trigger (plane separation; empty for Xen standard). */
  readonly stepSeconds: Readonly<Record<string, number>>;
}

/**
 * The stand-in's pause: at the trigger, for the scenario's pause plus the
 * measured link switch.
 *
 * @example
 * ```ts
 * import { standInPrecopy } from "@vnmig/vnmig/testbed/plane_separation";
 * const t = standInPrecopy(0.3, 0.02);
 * if (t.pauseSeconds !== 0 || Math.abs(t.downtimeSeconds - 0.32) > 1e-12) throw new Error();
 * ```
 */
export function standInPrecopy(
  standInPauseSeconds: number,
  linkSwitchSeconds: number,
): PrecopyTiming {
  return {
    pauseSeconds: 0,
    downtimeSeconds: standInPauseSeconds + linkSwitchSeconds,
  };
}

/** A profile whose pre-copy is exactly `timing` (see the module doc). */
function givenPrecopyProfile(
  timing: PrecopyTiming,
  arpLearningSeconds: number,
): XenTestbedProfile {
  return {
    ...PAPER_TESTBED,
    memoryBytes: PAPER_TESTBED.pageSizeBytes,
    linkBitsPerSecond: 1e15,
    perPageOverheadBytes: 0,
    setupSeconds: timing.pauseSeconds,
    roundOverheadSeconds: 0,
    stateBytes: 0,
    resumeSeconds: timing.downtimeSeconds,
    hotPages: 0,
    backgroundPagesPerSecond: 0,
    bufferPoolPages: 0,
    arpLearningSeconds,
    vmForwardingLatencySeconds: 0,
  };
}

/** The control probe flows of a scenario, with their measured phases against the trigger. */
export function probeFlows(
  scenario: PlaneSepScenario,
  probeStartMs: readonly number[],
  triggerMs: number,
): ControlFlow[] {
  if (scenario.controlProbesPerSecond === 0) return [];
  const period = 1 / scenario.controlProbesPerSecond;
  return probeStartMs.map((start, i) => {
    const offset = (start - triggerMs) / 1000;
    const phase = ((offset % period) + period) % period;
    return {
      name: i === 0 ? "probe (client)" : "probe (server)",
      protocol: "ospf" as const,
      arrival: "periodic" as const,
      packetsPerSecond: scenario.controlProbesPerSecond,
      packetSizeBytes: 64,
      phaseSeconds: phase,
    };
  });
}

/**
 * The model's prediction of a run from its scenario and the step costs
 * measured before its migration.
 *
 * @example
 * ```ts
 * import { predictRun, resolveScenario, standInPrecopy } from "@vnmig/vnmig/testbed/plane_separation";
 * const scenario = resolveScenario({ router: "namespace", whatIf: "remove-at-resume", packetsPerSecond: 1000 });
 * const calibration = { bindingSeconds: 0.02, tunnelSetupSeconds: 0.002, tunnelRttSeconds: 0.0004, syncSeconds: 0.01, linkSwitchSeconds: 0.02, probeStartMs: [5, 12] };
 * const p = predictRun(scenario, calibration, standInPrecopy(0.3, 0.02), 0);
 * if (!(p.data.lostPackets > 0)) throw new Error("removing the old path at resume loses packets");
 * ```
 */
export function predictRun(
  scenario: PlaneSepScenario,
  calibration: StepCalibration,
  precopy: PrecopyTiming,
  triggerMs: number,
): PlaneSepPredicted {
  const hello = scenario.helloSeconds;
  const ospfTimers = {
    protocol: "ospf" as const,
    intervalSeconds: hello,
    deadSeconds: hello * scenario.deadCount,
    source: `BIRD: hello ${hello}, dead count ${scenario.deadCount}`,
  };
  const flows = probeFlows(scenario, calibration.probeStartMs, triggerMs);
  if (scenario.mechanism === "xen-standard") {
    const r = xenStandardMigration({
      packetsPerSecond: scenario.packetsPerSecond,
      packetSizeBytes: scenario.packetSizeBytes,
      profile: givenPrecopyProfile(precopy, calibration.bindingSeconds),
      triggerSeconds: 0,
      tailSeconds: scenario.tailSeconds,
    });
    const [ospf] = adjacencySurvival({
      pauseSeconds: precopy.pauseSeconds,
      sendResumeSeconds: precopy.pauseSeconds + precopy.downtimeSeconds +
        calibration.bindingSeconds,
      tunnelUpSeconds: precopy.pauseSeconds + precopy.downtimeSeconds +
        calibration.bindingSeconds,
      tunnelLatencySeconds: 0,
      incomingBuffered: false,
    }, [ospfTimers]);
    // Xen standard holds no control packet: the probes due in the outage are lost.
    const period = flows.length > 0 ? 1 / scenario.controlProbesPerSecond : 0;
    let lostProbes = 0;
    for (const f of flows) {
      const from = precopy.pauseSeconds;
      const to = precopy.pauseSeconds + precopy.downtimeSeconds +
        calibration.bindingSeconds;
      const first = Math.ceil((from - (f.phaseSeconds ?? 0)) / period);
      const last = Math.ceil((to - (f.phaseSeconds ?? 0)) / period) - 1;
      lostProbes += Math.max(0, last - first + 1);
    }
    return {
      ...outcomeFields(r),
      control: {
        sentPackets: 0,
        deliveredPackets: 0,
        lostPackets: lostProbes,
        delayedPackets: 0,
        maxDelaySeconds: 0,
        meanDelaySeconds: 0,
      },
      ospf,
      stepSeconds: {},
    };
  }
  const removeAtResume = scenario.whatIf === "remove-at-resume";
  const r = planeSeparationMigration({
    packetsPerSecond: scenario.packetsPerSecond,
    packetSizeBytes: scenario.packetSizeBytes,
    profile: givenPrecopyProfile(precopy, 0),
    arpTiming: scenario.whatIf === "arp-before-sync"
      ? "after-binding"
      : "after-sync",
    oldPathRemoval: removeAtResume ? "after-resume" : "after-arp",
    steps: {
      routeCount: scenario.routeCount,
      syncFixedSeconds: 0,
      syncPerRouteSeconds: calibration.syncSeconds / scenario.routeCount,
      interfaceCount: 2,
      bindingFixedSeconds: 0,
      bindingPerInterfaceSeconds: calibration.bindingSeconds / 2,
      tunnelSetupSeconds: removeAtResume ? 0 : calibration.tunnelSetupSeconds,
      tunnelLatencySeconds: calibration.tunnelRttSeconds / 2,
      // A frame over two learning bridges: well under a millisecond.
      arpPropagationSeconds: 0,
      removalWaitSeconds: scenario.removalWaitSeconds,
      removalSeconds: 0,
      controlBufferPackets: scenario.bufferPackets,
      controlBufferBytes: scenario.bufferBytes,
      controlFlows: flows,
    },
  });
  const times = r.times;
  const [ospf] = adjacencySurvival({
    pauseSeconds: times.pauseSeconds,
    sendResumeSeconds: times.bindingDoneSeconds,
    tunnelUpSeconds: times.oldPathRemovedSeconds > times.tunnelUpSeconds
      ? Math.min(times.tunnelUpSeconds, times.arpEffectiveSeconds)
      : times.arpEffectiveSeconds,
    tunnelLatencySeconds: calibration.tunnelRttSeconds / 2,
    incomingBuffered: r.control.lostPackets === 0,
  }, [ospfTimers]);
  return {
    ...outcomeFields(r),
    ospf,
    stepSeconds: {
      pause: times.pauseSeconds,
      resume: times.resumeSeconds,
      bound: times.bindingDoneSeconds,
      tunnelUp: times.tunnelUpSeconds,
      ready: times.destinationReadySeconds,
      arp: times.arpSentSeconds,
      removed: times.oldPathRemovedSeconds,
    },
  };
}

function outcomeFields(r: MigrationOutcome): MigrationOutcome {
  return {
    mechanism: r.mechanism,
    source: r.source,
    completed: r.completed,
    note: r.note,
    downtimeSeconds: r.downtimeSeconds,
    dataOutageSeconds: r.dataOutageSeconds,
    totalMigrationSeconds: r.totalMigrationSeconds,
    data: r.data,
    control: r.control,
    timeline: r.timeline,
  };
}

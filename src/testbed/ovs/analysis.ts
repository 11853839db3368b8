/**
 * The analysis of a recorded Open vSwitch testbed run (pure): from what the
 * run recorded (the controller's timing of the plan, every probe's send
 * time, the receiver's report, the kernel counters before and after) to the
 * measured {@linkcode OvsMeasuredOutcome}.
 *
 * Loss is judged in the migration window: probes sent between the first
 * flow-change message minus the scenario's margin and the moment every
 * change was applied plus the margin. Probes lost outside that window (a
 * stalled receiver on a busy machine, say) are reported separately, never
 * hidden; so are the probes the flow tables dropped (their sink counters)
 * and those the kernel dropped at the receiver's socket.
 *
 * @module
 */

import { NO_PACKETS, sortPhases } from "../../migration/mod.ts";
import type { ReceiverEnd, SenderEnd } from "../udp/tools.ts";
import type { OvsMeasuredOutcome } from "./outcome.ts";
import type { PlanExecution } from "./plan_executor.ts";
import type { OvsScenario } from "./scenario.ts";

/** Kernel packet counters the run reads before and after the traffic. */
export interface OvsCounters {
  /** Transmitted packets of each switch's sink veth (table misses), by switch id. */
  readonly sinkPacketsBySwitch: Readonly<Record<string, number>>;
  /** Transmitted packets of the branching switch's old-path port (null: the paths do not part). */
  readonly oldPortPackets: number | null;
  /** Transmitted packets of its new-path port (null: the paths do not part). */
  readonly newPortPackets: number | null;
}

/** Everything a run records, as raw as it comes (wall-clock ms, counters). */
export interface OvsRecording {
  /** The controller's timing of the plan. */
  readonly execution: PlanExecution;
  /** The sender's last line: every probe's send time. */
  readonly sender: SenderEnd;
  /** The receiver's report. */
  readonly receiver: ReceiverEnd;
  /** The kernel's drop count at the receiver's socket once its queue was empty (null: not known). */
  readonly receiverDropPackets: number | null;
  /** Counters before the traffic started. */
  readonly before: OvsCounters;
  /** Counters after it ended. */
  readonly after: OvsCounters;
}

function delta(after: number | null, before: number | null): number {
  return after === null || before === null ? 0 : after - before;
}

/**
 * The measured outcome of a recorded run of `scenario`.
 *
 * @example
 * ```ts
 * import { paperTestbedInitialEntries, paperTestbedMigrations, paperTestbedPlan, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { analyzeOvsRecording, ovsScenario, ReceiverTally } from "@vnmig/vnmig/testbed";
 * const topology = paperTestbedTopology();
 * const scenario = ovsScenario({
 *   topology, packetsPerSecond: 1000,
 *   flows: { initialEntries: paperTestbedInitialEntries(topology), plan: paperTestbedPlan(topology), migrations: paperTestbedMigrations(topology) },
 * });
 * // 1000 probes 1 ms apart from t = 0; the plan ran from 500 to 502 ms;
 * // probes 499 and 500 were lost.
 * const tally = new ReceiverTally(1000);
 * for (let seq = 0; seq < 1000; seq++) if (seq !== 499 && seq !== 500) tally.add(seq, seq + 1);
 * const sentMsBySeq = Array.from({ length: 1000 }, (_, k) => k);
 * const counters = (n: number) => ({ sinkPacketsBySwitch: { s2: n }, oldPortPackets: 0, newPortPackets: 0 });
 * const outcome = analyzeOvsRecording(scenario, {
 *   execution: { ordering: "paper", phases: [], firstMessageMs: 500, lastMessageMs: 501.5, allAppliedMs: 502, totalMigrationSeconds: 0.0015, messagesSent: 10, errorCount: 0 },
 *   sender: { sentPackets: 1000, firstSendMs: 0, lastSendMs: 999, sendErrors: 0, stopped: false, sentMsBySeq },
 *   receiver: { ...tally.report(1000), foreignPackets: 0, outOfRangePackets: 0 },
 *   receiverDropPackets: 0,
 *   before: counters(0), after: counters(2),
 * });
 * // Window 480 ms .. 522 ms: 43 probes, 2 lost, both in one run of 2 ms.
 * if (outcome.data.sentPackets !== 43 || outcome.data.lostPackets !== 2) throw new Error();
 * if (outcome.dataOutageSeconds !== 0.002 || outcome.tableMissPackets !== 2 || outcome.otherLostPackets !== 0) throw new Error();
 * ```
 */
export function analyzeOvsRecording(
  scenario: OvsScenario,
  recording: OvsRecording,
): OvsMeasuredOutcome {
  const { execution, sender, receiver } = recording;
  const sent = sender.sentPackets;
  if (receiver.sentPackets < sent) {
    throw new RangeError(
      `receiver.sentPackets must cover the ${sent} probes sent; got ${receiver.sentPackets}`,
    );
  }
  if (sender.sentMsBySeq.length !== sent) {
    throw new RangeError(
      `sender.sentMsBySeq must hold one time per probe sent (${sent}); got ${sender.sentMsBySeq.length}`,
    );
  }
  const sentMs = sender.sentMsBySeq;
  const first = execution.firstMessageMs;
  const marginMs = scenario.windowMarginSeconds * 1000;
  const windowStartMs = first - marginMs;
  const windowEndMs = execution.allAppliedMs + marginMs;
  const lost = new Uint8Array(sent);
  let lostTotal = 0;
  for (const [a, b] of receiver.lostRanges) {
    // Probes the receiver was told to expect but the sender never sent
    // (a stopped sender) are not losses.
    const last = Math.min(b, sent - 1);
    if (last < a) continue;
    lost.fill(1, a, last + 1);
    lostTotal += last - a + 1;
  }
  const windowSendOffsetsSeconds: number[] = [];
  let lostInWindow = 0;
  let run = 0;
  let longestRun = 0;
  for (let seq = 0; seq < sent; seq++) {
    if (sentMs[seq] < windowStartMs || sentMs[seq] > windowEndMs) continue;
    windowSendOffsetsSeconds.push((sentMs[seq] - first) / 1000);
    lostInWindow += lost[seq];
    run = lost[seq] ? run + 1 : 0;
    longestRun = Math.max(longestRun, run);
  }
  const tableMissBySwitch: Record<string, number> = {};
  let tableMissPackets = 0;
  for (const [id, n] of Object.entries(recording.after.sinkPacketsBySwitch)) {
    const dropped = n - (recording.before.sinkPacketsBySwitch[id] ?? 0);
    tableMissPackets += dropped;
    if (dropped > 0) tableMissBySwitch[id] = dropped;
  }
  const oldPortPackets = delta(
    recording.after.oldPortPackets,
    recording.before.oldPortPackets,
  );
  const newPortPackets = delta(
    recording.after.newPortPackets,
    recording.before.newPortPackets,
  );
  // Every probe after the first one out of the new port takes it too, so
  // the first of them is the sent count minus the new port's count.
  let newPathAfterSeconds: number | null = null;
  if (scenario.branch !== null && newPortPackets > 0) {
    const firstNewSeq = sent - newPortPackets;
    if (firstNewSeq >= 0 && firstNewSeq < sent) {
      newPathAfterSeconds = (sentMs[firstNewSeq] - first) / 1000;
    }
  }
  const drops = recording.receiverDropPackets;
  const windowPackets = windowSendOffsetsSeconds.length;
  const notes: string[] = [];
  if (lostTotal > lostInWindow) {
    notes.push(
      `${
        lostTotal - lostInWindow
      } probes lost outside the migration window (not the plan's doing)`,
    );
  }
  if (sender.stopped) notes.push("the sender was stopped early");
  return {
    mechanism: "openflow",
    source: "measured",
    completed: execution.errorCount === 0 && !sender.stopped,
    note: notes.join("; "),
    downtimeSeconds: 0,
    dataOutageSeconds: longestRun / scenario.packetsPerSecond,
    totalMigrationSeconds: execution.totalMigrationSeconds,
    data: {
      ...NO_PACKETS,
      sentPackets: windowPackets,
      deliveredPackets: windowPackets - lostInWindow,
      lostPackets: lostInWindow,
    },
    control: NO_PACKETS,
    timeline: sortPhases(execution.phases.map((p) => ({
      lane: "controller",
      phase: p.name,
      startSeconds: (p.firstSendMs - first) / 1000,
      endSeconds: (p.doneMs - first) / 1000,
    }))),
    scenario,
    messagesSent: execution.messagesSent,
    newPathAfterSeconds,
    allAppliedAfterSeconds: (execution.allAppliedMs - first) / 1000,
    execution,
    receiver,
    lostOutsideWindowPackets: lostTotal - lostInWindow,
    windowSendOffsetsSeconds,
    windowSeconds: (windowEndMs - windowStartMs) / 1000,
    tableMissPackets,
    tableMissBySwitch,
    receiverDropPackets: drops,
    otherLostPackets: drops === null ? null : lostTotal - tableMissPackets -
      drops,
    oldPortPackets,
    newPortPackets,
    sendErrors: sender.sendErrors,
  };
}

/**
 * The outcome types of the Open vSwitch testbed: a run's measured outcome
 * and the model's predicted one, both {@linkcode MigrationOutcome}s of the
 * OpenFlow mechanism with the same testbed detail beside the contract, so
 * that measured against predicted is {@linkcode compareOutcomes} over the
 * contract's metrics and a column by column reading of the shared detail.
 *
 * @module
 */

import type { MigrationOutcome } from "../../migration/mod.ts";
import type { ReceiverEnd } from "../udp/tools.ts";
import type { PlanExecution } from "./plan_executor.ts";
import type { OvsScenario } from "./scenario.ts";

/** What both a run and its prediction report beside the contract. */
export interface OvsOutcomeDetail {
  /** The scenario the outcome is of (the very value both took). */
  readonly scenario: OvsScenario;
  /** Flow-change messages the plan sent. */
  readonly messagesSent: number;
  /**
   * From the first flow-mod to the send time of the first probe from which
   * every probe takes the new path (measured: from the branching switch's
   * port counters and the probes' send times), seconds; null when it
   * cannot tell (the paths do not part, or no probe took the new port).
   */
  readonly newPathAfterSeconds: number | null;
  /** From the first flow-mod until every change was applied (the final barrier), seconds. */
  readonly allAppliedAfterSeconds: number;
}

/**
 * What a run on Open vSwitch measured. The contract's `data` counts the
 * probes sent in the migration window (first flow-mod minus the margin to
 * the final barrier plus the margin) and those of them the receiver never
 * got; `dataOutageSeconds` is the longest run of consecutive lost window
 * probes at the probe rate, as the model counts it; `downtimeSeconds` is 0
 * (no plane stops); times are seconds after the first flow-mod.
 */
export interface OvsMeasuredOutcome extends MigrationOutcome, OvsOutcomeDetail {
  /** Always "measured". */
  readonly source: "measured";
  /** The controller's wall-clock timing of the plan. */
  readonly execution: PlanExecution;
  /** The receiver's report over the whole run. */
  readonly receiver: ReceiverEnd;
  /** Probes lost outside the migration window (not the plan's doing). */
  readonly lostOutsideWindowPackets: number;
  /** Send time of each probe in the window, seconds after the first flow-mod: what the prediction traces. */
  readonly windowSendOffsetsSeconds: readonly number[];
  /** The migration window's length, seconds. */
  readonly windowSeconds: number;
  /**
   * IPv4 packets the switches' flow tables dropped for want of an entry
   * (sent by a lowest-priority entry that stands for the table miss into a
   * sink veth, and counted there by the kernel): the loss the plan's
   * ordering causes, apart from losses a busy host adds elsewhere.
   */
  readonly tableMissPackets: number;
  /** The same, by switch id (switches that dropped none are left out). */
  readonly tableMissBySwitch: Readonly<Record<string, number>>;
  /** Probes the kernel dropped at the receiver's full socket (a starved receiver), over the whole run; null when not known. */
  readonly receiverDropPackets: number | null;
  /** Probes lost over the whole run that neither a flow table nor the receiver's socket accounts for (a busy datapath or veth queue); null when the socket drops are not known. */
  readonly otherLostPackets: number | null;
  /** Packets the branching switch sent out of its old-path port during the run. */
  readonly oldPortPackets: number;
  /** Packets it sent out of its new-path port during the run. */
  readonly newPortPackets: number;
  /** Probes the sender could not send (socket errors). */
  readonly sendErrors: number;
}

/** What the model predicts for a run (times after the first flow-mod). */
export interface OvsPredictedOutcome
  extends MigrationOutcome, OvsOutcomeDetail {
  /** Always "model". */
  readonly source: "model";
  /** From the first flow-mod until the branching switch outputs the probes to its new port, seconds (null if the plan never makes it). */
  readonly redirectAfterSeconds: number | null;
}

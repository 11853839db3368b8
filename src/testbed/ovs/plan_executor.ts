/**
 * Executes a {@linkcode MigrationPlan} on real switches through an
 * {@linkcode OpenFlowController}: phase by phase, each message mapped to a
 * FLOW_MOD (add; modify as modify-strict; delete as delete-strict), then a
 * barrier to every switch the phase touched when the phase asks for one.
 *
 * @module
 */

import { assertAtLeast } from "../../_validate.ts";
import type {
  FlowEntry,
  FlowMod,
  MigrationPlan,
} from "../../openflow/plan_types.ts";
import type { OpenFlowController } from "./controller.ts";
import type { FlowModOptions, VlanActions } from "../../openflow13/mod.ts";
import { wallClockMs } from "../udp/clock.ts";

// Timers overshoot by a few ms: sleep to just before the target, then yield
// until it passes, so an inserted gap is accurate to about one timer tick.
async function waitUntil(targetMs: number): Promise<void> {
  const coarseMs = targetMs - wallClockMs() - 5;
  if (coarseMs > 0) await new Promise((r) => setTimeout(r, coarseMs));
  while (wallClockMs() < targetMs) {
    await new Promise((r) => setTimeout(r, 0));
  }
}

/**
 * The FLOW_MOD that carries a plan message: `add` installs the entry,
 * `modify` is modify-strict (match and priority identify the entry, the
 * output changes), `delete` is delete-strict.
 *
 * @example
 * ```ts
 * import { flowModOptions } from "@vnmig/vnmig/testbed";
 * const options = flowModOptions({
 *   command: "modify",
 *   entry: { switchId: "s1", priority: 100, match: { inPort: 1 }, outPort: 3, flowId: "c->s" },
 * });
 * if (options.command !== "modify-strict" || options.outPorts?.[0] !== 3) throw new Error();
 * ```
 */
export function flowModOptions(message: FlowMod): FlowModOptions {
  const { entry } = message;
  switch (message.command) {
    case "add":
    case "modify":
      return {
        command: message.command === "add" ? "add" : "modify-strict",
        priority: entry.priority,
        match: entry.match,
        outPorts: [entry.outPort],
        vlan: vlanActions(entry),
      };
    case "delete":
      return {
        command: "delete-strict",
        priority: entry.priority,
        match: entry.match,
      };
    default:
      throw new RangeError(
        `message.command must be add, modify or delete; got ${
          JSON.stringify((message as FlowMod).command)
        }`,
      );
  }
}

function vlanActions(entry: FlowEntry): VlanActions {
  return {
    ...(entry.popVlan ? { popVlan: true } : {}),
    ...(entry.setVlanVid !== undefined ? { setVlanVid: entry.setVlanVid } : {}),
  };
}

/** When one phase's messages went out and its barrier came back. */
export interface ExecutedPhase {
  /** The phase name from the plan. */
  readonly name: string;
  /** Messages sent. */
  readonly messages: number;
  /** Wall-clock ms when the first message was written (NaN-free: equals barrier time if none). */
  readonly firstSendMs: number;
  /** Wall-clock ms when the last message was written. */
  readonly lastSendMs: number;
  /** Wall-clock ms when every barrier reply had arrived (= lastSendMs without a barrier). */
  readonly doneMs: number;
}

/** What executing a plan measured. */
export interface PlanExecution {
  /** The plan's ordering name. */
  readonly ordering: string;
  /** Per-phase timing. */
  readonly phases: readonly ExecutedPhase[];
  /** Wall-clock ms of the first flow-change message. */
  readonly firstMessageMs: number;
  /** Wall-clock ms of the last flow-change message. */
  readonly lastMessageMs: number;
  /** Wall-clock ms when a final barrier to every touched switch returned: all changes applied. */
  readonly allAppliedMs: number;
  /** The paper's total migration time: first to last flow-change message sent, in seconds. */
  readonly totalMigrationSeconds: number;
  /** Flow-change messages sent. */
  readonly messagesSent: number;
  /** ERROR messages the switches returned during the plan. */
  readonly errorCount: number;
}

/** Options of {@linkcode executePlan}. */
export interface ExecutePlanOptions {
  /**
   * Extra wait after each phase, in seconds, indexed by phase (missing = 0).
   * Models a slow controller or switch between phases, so that a broken
   * ordering's exposure window is long enough to count losses.
   */
  readonly gapAfterPhaseSeconds?: readonly number[];
  /** Barrier timeout in ms; default 5000. */
  readonly barrierTimeoutMs?: number;
}

/**
 * Executes the plan; `datapathIdOf` maps a plan switch id to the datapath id
 * of its bridge. Throws if a switch returns an ERROR.
 *
 * @example
 * ```ts ignore
 * import { executePlan, OpenFlowController } from "@vnmig/vnmig/testbed";
 * const controller = OpenFlowController.listen();
 * // ... switches connect ...
 * const run = await executePlan(controller, { ordering: "none", phases: [] }, () => 1n);
 * if (run.messagesSent !== 0) throw new Error();
 * ```
 */
export async function executePlan(
  controller: OpenFlowController,
  plan: MigrationPlan,
  datapathIdOf: (switchId: string) => bigint,
  options: ExecutePlanOptions = {},
): Promise<PlanExecution> {
  const gaps = options.gapAfterPhaseSeconds ?? [];
  gaps.forEach((g, i) => assertAtLeast(`gapAfterPhaseSeconds[${i}]`, g));
  const timeoutMs = options.barrierTimeoutMs ?? 5000;
  const errorsBefore = controller.errors.length;
  const phases: ExecutedPhase[] = [];
  const touchedAll = new Set<bigint>();
  let firstMessageMs = NaN;
  let lastMessageMs = NaN;
  let messagesSent = 0;
  for (const [index, phase] of plan.phases.entries()) {
    const touched = new Set<bigint>();
    let firstSendMs = NaN;
    let lastSendMs = NaN;
    for (const message of phase.messages) {
      const dpid = datapathIdOf(message.entry.switchId);
      touched.add(dpid);
      touchedAll.add(dpid);
      const sending = controller.sendFlowMod(dpid, flowModOptions(message));
      const at = wallClockMs();
      if (Number.isNaN(firstSendMs)) firstSendMs = at;
      if (Number.isNaN(firstMessageMs)) firstMessageMs = at;
      lastSendMs = at;
      lastMessageMs = at;
      messagesSent++;
      await sending;
    }
    if (phase.barrier) {
      await Promise.all(
        [...touched].map((d) => controller.barrier(d, timeoutMs)),
      );
    }
    const doneMs = wallClockMs();
    phases.push({
      name: phase.name,
      messages: phase.messages.length,
      firstSendMs: Number.isNaN(firstSendMs) ? doneMs : firstSendMs,
      lastSendMs: Number.isNaN(lastSendMs) ? doneMs : lastSendMs,
      doneMs,
    });
    const gapSeconds = gaps[index] ?? 0;
    if (gapSeconds > 0) await waitUntil(doneMs + gapSeconds * 1000);
  }
  await Promise.all(
    [...touchedAll].map((d) => controller.barrier(d, timeoutMs)),
  );
  const allAppliedMs = wallClockMs();
  const errorCount = controller.errors.length - errorsBefore;
  if (errorCount > 0) {
    const e = controller.errors[errorsBefore].error;
    throw new Error(
      `switches returned ${errorCount} OpenFlow error(s); first: type ${e.errorType} code ${e.errorCode}`,
    );
  }
  if (Number.isNaN(firstMessageMs)) {
    firstMessageMs = allAppliedMs;
    lastMessageMs = allAppliedMs;
  }
  return {
    ordering: plan.ordering,
    phases,
    firstMessageMs,
    lastMessageMs,
    allAppliedMs,
    totalMigrationSeconds: (lastMessageMs - firstMessageMs) / 1000,
    messagesSent,
    errorCount,
  };
}

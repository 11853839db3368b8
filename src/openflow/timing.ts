/**
 * When each flow-mod of a plan is sent, reaches its switch and takes
 * effect.
 *
 * The mechanism: the controller handles one message at a time and spends
 * `controllerPerMessageSeconds` on each (flow-mods and barrier requests
 * alike), sending it when done. A message reaches switch s after the
 * channel's one-way latency (optionally through FlowVisor: an extra latency
 * and a per-message cost, first come first served). A switch applies its
 * flow-mods in order, one at a time, each taking an installation time drawn
 * from its distribution (a shifted exponential, from the seed). After a
 * phase with a barrier the controller sends a barrier request to every
 * switch the phase touched; a switch replies once everything before the
 * request is in effect, and the next phase starts when the last reply is
 * back. Without a barrier the next phase follows at once. Optionally the
 * controller waits before a phase of deletes only, for the old path to drain,
 * and after given phases (a slow controller, or an experiment's inserted
 * gap).
 *
 * @module
 */

import {
  assertAtLeast,
  assertFinite,
  assertInRange,
  assertInteger,
  assertKnownKeys,
} from "../_validate.ts";
import { randomExponential, randomLcg } from "../random.ts";
import type { FlowMod, MigrationPlan } from "./plan_types.ts";
import {
  type InstallTimeDistribution,
  PAPER_TESTBED_PROFILE,
} from "./profiles.ts";

export type { InstallTimeDistribution };
import type { Topology } from "./topology.ts";

/** FlowVisor between the controller and the switches. */
export interface FlowVisorOptions {
  /** Extra one-way latency through FlowVisor, seconds. */
  readonly extraLatencySeconds: number;
  /** FlowVisor's processing per message, seconds (first come first served). */
  readonly perMessageSeconds: number;
}

/** Options of {@linkcode migrationTiming}. */
export interface TimingOptions {
  /** Controller cost per message, seconds. Default {@linkcode PAPER_TESTBED_PROFILE}. */
  controllerPerMessageSeconds?: number;
  /** Installation time of every switch. Default {@linkcode PAPER_TESTBED_PROFILE}.install. */
  install?: InstallTimeDistribution;
  /** Per-switch installation times, overriding `install` for the switches named. Default none. */
  installBySwitch?: Readonly<Record<string, InstallTimeDistribution>>;
  /** FlowVisor in the control path. Default none. */
  flowVisor?: FlowVisorOptions;
  /** When the controller starts the migration, seconds. Default 0. */
  startSeconds?: number;
  /** Seed of the installation times. Default 0. */
  seed?: number;
  /**
   * Wait this long before a phase of deletes only (not the first phase), so
   * that packets still in flight on the old path drain first, as Reitblatt
   * et al. do before removing an old version, seconds. Default 0 (the paper
   * deletes as soon as the redirect's barrier is back).
   */
  drainBeforeDeleteSeconds?: number;
  /**
   * Extra wait after each phase, seconds, indexed by phase (missing = 0):
   * once a phase is over (its barrier replies back, or its last message
   * sent) the controller idles this long before it starts the next phase,
   * as a slow controller would, or as the testbed does to widen a broken
   * ordering's window. A wait after the last phase delays nothing. At most
   * one entry per phase. Default none.
   */
  gapAfterPhaseSeconds?: readonly number[];
}

/** The option names of {@linkcode TimingOptions}. */
export const TIMING_KEYS: readonly (keyof TimingOptions)[] = [
  "controllerPerMessageSeconds",
  "install",
  "installBySwitch",
  "flowVisor",
  "startSeconds",
  "seed",
  "drainBeforeDeleteSeconds",
  "gapAfterPhaseSeconds",
];

/** When one flow-mod was sent, arrived and took effect. */
export interface MessageTiming {
  /** Phase index in the plan. */
  readonly phase: number;
  /** Index of the message within its phase. */
  readonly index: number;
  /** The flow-mod. */
  readonly message: FlowMod;
  /** Sent by the controller, seconds. */
  readonly sentSeconds: number;
  /** Reached the switch, seconds. */
  readonly arrivedSeconds: number;
  /** In effect at the switch, seconds. */
  readonly effectiveSeconds: number;
}

/** The timing of a plan's phases. */
export interface PhaseTiming {
  /** Phase name. */
  readonly name: string;
  /** The controller starts sending it, seconds. */
  readonly startSeconds: number;
  /** Its last message (or last barrier reply) is back, seconds. */
  readonly endSeconds: number;
}

/** The timing of a whole plan. */
export interface MigrationTiming {
  /** Every flow-mod, in plan order. */
  readonly messages: readonly MessageTiming[];
  /** Phases, in order. */
  readonly phases: readonly PhaseTiming[];
  /** Flow-mods sent. */
  readonly flowModsSent: number;
  /** Barrier requests sent. */
  readonly barriersSent: number;
  /** First flow-mod sent, seconds (start time if none). */
  readonly firstFlowModSentSeconds: number;
  /** Last flow-mod sent, seconds (start time if none). */
  readonly lastFlowModSentSeconds: number;
  /** The paper's total migration time: first to last flow-mod sent, seconds. */
  readonly totalMigrationSeconds: number;
  /** Last add or modify in effect (the new path complete), seconds from the start. */
  readonly newPathInForceSeconds: number;
  /** Last delete in effect (old entries freed), seconds from the start. */
  readonly oldEntriesFreedSeconds: number;
  /** Last barrier reply back (or last flow-mod in effect), seconds from the start. */
  readonly completedSeconds: number;
}

/** A plan reduced to what timing needs: per phase, switch indices and commands. */
export interface CompactPhase {
  /** Phase name. */
  readonly name: string;
  /** Switch index (in the topology's switch order) of each flow-mod. */
  readonly switchIndex: Int32Array;
  /** Command of each flow-mod: 0 add, 1 modify, 2 delete. */
  readonly command: Uint8Array;
  /** Barrier after the phase. */
  readonly barrier: boolean;
}

const COMMAND_CODE = { add: 0, modify: 1, delete: 2 } as const;

/**
 * Reduces a plan to {@linkcode CompactPhase}s over a topology's switches.
 *
 * @example
 * ```ts
 * import { paperTestbedPlan, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { compactPlan } from "./timing.ts";
 * const net = paperTestbedTopology();
 * if ([...compactPlan(paperTestbedPlan(net), net)[1].switchIndex].join() !== "0,3") throw new Error();
 * ```
 */
export function compactPlan(
  plan: MigrationPlan,
  topology: Topology,
): CompactPhase[] {
  const ids = new Map(topology.switches.map((s, i) => [s.id, i]));
  return plan.phases.map((p, pi) => {
    const switchIndex = new Int32Array(p.messages.length);
    const command = new Uint8Array(p.messages.length);
    p.messages.forEach((m, i) => {
      const s = ids.get(m.entry.switchId);
      if (s === undefined) {
        throw new RangeError(
          `plan.phases[${pi}].messages[${i}].entry.switchId must be a switch of the topology; got ${
            JSON.stringify(m.entry.switchId)
          }`,
        );
      }
      switchIndex[i] = s;
      command[i] = COMMAND_CODE[m.command];
    });
    return { name: p.name, switchIndex, command, barrier: p.barrier };
  });
}

function checkDistribution(name: string, d: InstallTimeDistribution): void {
  assertKnownKeys(name, d, ["minSeconds", "meanSeconds"]);
  assertAtLeast(`${name}.minSeconds`, d.minSeconds, 0);
  assertAtLeast(`${name}.meanSeconds`, d.meanSeconds, d.minSeconds);
}

/** The raw result of {@linkcode compactTiming}: per-message times, in plan order. */
export interface CompactTiming {
  /** Sent times, seconds. */
  readonly sentSeconds: Float64Array;
  /** Arrival times at the switch, seconds. */
  readonly arrivedSeconds: Float64Array;
  /** Times in effect, seconds. */
  readonly effectiveSeconds: Float64Array;
  /** Per-phase timing. */
  readonly phases: readonly PhaseTiming[];
  /** Barrier requests sent. */
  readonly barriersSent: number;
  /** Last barrier reply back, seconds (or the start if no barrier). */
  readonly lastReplySeconds: number;
}

/**
 * The timing mechanism over a compact plan (see the module doc): the one
 * engine behind {@linkcode migrationTiming} and the scaling study.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { paperTestbedPlan, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { compactPlan, compactTiming } from "./timing.ts";
 * const net = paperTestbedTopology();
 * const t = compactTiming(compactPlan(paperTestbedPlan(net), net), net);
 * deepStrictEqual(t.effectiveSeconds.length, 10);
 * ```
 */
export function compactTiming(
  phases: readonly CompactPhase[],
  topology: Topology,
  options: TimingOptions = {},
): CompactTiming {
  assertKnownKeys("options", options, TIMING_KEYS);
  const perMessage = options.controllerPerMessageSeconds ??
    PAPER_TESTBED_PROFILE.controllerPerMessageSeconds;
  assertAtLeast("controllerPerMessageSeconds", perMessage, 0);
  const start = options.startSeconds ?? 0;
  assertFinite("startSeconds", start);
  const seed = options.seed ?? 0;
  assertInteger("seed", seed, 0);
  const drain = options.drainBeforeDeleteSeconds ?? 0;
  assertAtLeast("drainBeforeDeleteSeconds", drain, 0);
  const gaps = options.gapAfterPhaseSeconds ?? [];
  assertInRange("gapAfterPhaseSeconds.length", gaps.length, 0, phases.length);
  gaps.forEach((g, i) => assertAtLeast(`gapAfterPhaseSeconds[${i}]`, g, 0));
  const fv = options.flowVisor;
  if (fv) {
    assertKnownKeys("flowVisor", fv, [
      "extraLatencySeconds",
      "perMessageSeconds",
    ]);
    assertAtLeast("flowVisor.extraLatencySeconds", fv.extraLatencySeconds, 0);
    assertAtLeast("flowVisor.perMessageSeconds", fv.perMessageSeconds, 0);
  }
  const base = options.install ?? PAPER_TESTBED_PROFILE.install;
  checkDistribution("install", base);
  const ids = new Map(topology.switches.map((s, i) => [s.id, i]));
  const installs = topology.switches.map(() => base);
  for (const [id, d] of Object.entries(options.installBySwitch ?? {})) {
    const i = ids.get(id);
    if (i === undefined) {
      throw new RangeError(
        `installBySwitch keys must be switch ids; got ${JSON.stringify(id)}`,
      );
    }
    checkDistribution(`installBySwitch.${id}`, d);
    installs[i] = d;
  }
  const channel = new Float64Array(topology.switches.length);
  const byId = new Map(
    topology.controller.channels.map((c) => [c.switchId, c]),
  );
  topology.switches.forEach((s, i) => {
    channel[i] = byId.get(s.id)!.latencySeconds;
  });
  const random = randomLcg(seed);
  const total = phases.reduce((n, p) => n + p.switchIndex.length, 0);
  const sent = new Float64Array(total);
  const arrived = new Float64Array(total);
  const effective = new Float64Array(total);
  const busy = new Float64Array(topology.switches.length).fill(-Infinity);
  let controller = start;
  let flowVisorFree = -Infinity;
  // Downward path from the controller: through FlowVisor (FIFO) if any.
  const down = (sentAt: number, s: number): number => {
    if (!fv) return sentAt + channel[s];
    const atVisor = sentAt + fv.extraLatencySeconds;
    flowVisorFree = Math.max(atVisor, flowVisorFree) + fv.perMessageSeconds;
    return flowVisorFree + channel[s];
  };
  const up = (s: number): number =>
    channel[s] + (fv ? fv.extraLatencySeconds + fv.perMessageSeconds : 0);
  const phaseTimes: PhaseTiming[] = [];
  let barriers = 0;
  let lastReply = start;
  let k = 0;
  phases.forEach((p, pi) => {
    if (pi > 0 && p.command.length > 0 && p.command.every((c) => c === 2)) {
      controller += drain;
    }
    const phaseStart = controller;
    const touched: number[] = [];
    const seen = new Set<number>();
    let phaseEnd = controller;
    for (let i = 0; i < p.switchIndex.length; i++, k++) {
      const s = p.switchIndex[i];
      controller += perMessage;
      sent[k] = controller;
      arrived[k] = down(controller, s);
      const d = installs[s];
      const install = d.meanSeconds > d.minSeconds
        ? d.minSeconds + randomExponential(random, d.meanSeconds - d.minSeconds)
        : d.minSeconds;
      busy[s] = Math.max(arrived[k], busy[s]) + install;
      effective[k] = busy[s];
      phaseEnd = Math.max(phaseEnd, effective[k]);
      if (!seen.has(s)) {
        seen.add(s);
        touched.push(s);
      }
    }
    if (p.barrier && touched.length > 0) {
      let replies = controller;
      for (const s of touched) {
        controller += perMessage;
        barriers++;
        const reached = down(controller, s);
        const replyAt = Math.max(reached, busy[s]) + up(s);
        replies = Math.max(replies, replyAt);
      }
      controller = replies;
      lastReply = Math.max(lastReply, replies);
      phaseEnd = replies;
    }
    phaseTimes.push({
      name: p.name,
      startSeconds: phaseStart,
      endSeconds: phaseEnd,
    });
    controller += gaps[pi] ?? 0;
  });
  return {
    sentSeconds: sent,
    arrivedSeconds: arrived,
    effectiveSeconds: effective,
    phases: phaseTimes,
    barriersSent: barriers,
    lastReplySeconds: lastReply,
  };
}

/** The summary figures of a compact timing. */
export interface CompactSummary {
  /** Flow-mods sent. */
  readonly flowModsSent: number;
  /** Barrier requests sent. */
  readonly barriersSent: number;
  /** The paper's total migration time: first to last flow-mod sent, seconds. */
  readonly totalMigrationSeconds: number;
  /** Last add or modify in effect, seconds from the start. */
  readonly newPathInForceSeconds: number;
  /** Last delete in effect, seconds from the start. */
  readonly oldEntriesFreedSeconds: number;
}

/**
 * Summarises a {@linkcode compactTiming} result (start time `startSeconds`).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { paperTestbedPlan, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { compactPlan, compactTiming, summarizeCompactTiming } from "./timing.ts";
 * const net = paperTestbedTopology();
 * const phases = compactPlan(paperTestbedPlan(net), net);
 * deepStrictEqual(summarizeCompactTiming(phases, compactTiming(phases, net)).flowModsSent, 10);
 * ```
 */
export function summarizeCompactTiming(
  phases: readonly CompactPhase[],
  timing: CompactTiming,
  startSeconds = 0,
): CompactSummary {
  let k = 0;
  let newPath = startSeconds;
  let freed = startSeconds;
  for (const p of phases) {
    for (let i = 0; i < p.command.length; i++, k++) {
      const e = timing.effectiveSeconds[k];
      if (p.command[i] === 2) freed = Math.max(freed, e);
      else newPath = Math.max(newPath, e);
    }
  }
  const n = timing.sentSeconds.length;
  return {
    flowModsSent: n,
    barriersSent: timing.barriersSent,
    totalMigrationSeconds: n > 0
      ? timing.sentSeconds[n - 1] - timing.sentSeconds[0]
      : 0,
    newPathInForceSeconds: newPath - startSeconds,
    oldEntriesFreedSeconds: freed - startSeconds,
  };
}

/**
 * The timing of a plan on a topology (see the module doc for the
 * mechanism): when every flow-mod is sent and in effect, and the summary
 * figures (the paper's total migration time, the time until the new path is
 * in force, the time until the old entries are freed, messages sent).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { migrationTiming, paperTestbedPlan, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * const net = paperTestbedTopology();
 * const timing = migrationTiming(paperTestbedPlan(net), net);
 * deepStrictEqual(timing.flowModsSent, 10);
 * deepStrictEqual(timing.totalMigrationSeconds > 0, true);
 * ```
 */
export function migrationTiming(
  plan: MigrationPlan,
  topology: Topology,
  options: TimingOptions = {},
): MigrationTiming {
  const compact = compactPlan(plan, topology);
  const t = compactTiming(compact, topology, options);
  const start = options.startSeconds ?? 0;
  const messages: MessageTiming[] = [];
  let k = 0;
  plan.phases.forEach((p, pi) => {
    p.messages.forEach((message, i) => {
      messages.push({
        phase: pi,
        index: i,
        message,
        sentSeconds: t.sentSeconds[k],
        arrivedSeconds: t.arrivedSeconds[k],
        effectiveSeconds: t.effectiveSeconds[k],
      });
      k++;
    });
  });
  const s = summarizeCompactTiming(compact, t, start);
  const n = messages.length;
  return {
    messages,
    phases: t.phases,
    flowModsSent: s.flowModsSent,
    barriersSent: s.barriersSent,
    firstFlowModSentSeconds: n > 0 ? messages[0].sentSeconds : start,
    lastFlowModSentSeconds: n > 0 ? messages[n - 1].sentSeconds : start,
    totalMigrationSeconds: s.totalMigrationSeconds,
    newPathInForceSeconds: s.newPathInForceSeconds,
    oldEntriesFreedSeconds: s.oldEntriesFreedSeconds,
    // Done when the last barrier reply is back and every flow-mod is in effect.
    completedSeconds: Math.max(
      t.lastReplySeconds - start,
      s.newPathInForceSeconds,
      s.oldEntriesFreedSeconds,
    ),
  };
}

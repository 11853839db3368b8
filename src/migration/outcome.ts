/**
 * The one outcome contract every migration answers in: a model (Xen
 * standard, plane separation, OpenFlow, QEMU pre-copy...) or a testbed run
 * (measured on real systems). The same fields mean the same thing for all,
 * so a reproduction, a "which mechanism" table or a measured-against-
 * predicted comparison iterates over outcomes without knowing which
 * mechanism made them. A mechanism adds its own detail beside these fields
 * (its result type extends {@linkcode MigrationOutcome}).
 *
 * Times are seconds after the migration trigger unless a name says
 * otherwise.
 *
 * @module
 */

/**
 * One phase of a migration on a named lane: a Gantt bar. Lanes name where
 * the phase happens ("VM", "source Domain 0", "destination Domain 0",
 * "network", "controller", "switch s3", "migration link").
 */
export interface Phase {
  /** Where the phase happens. */
  readonly lane: string;
  /** What happens ("iterative pre-copy", "stop-and-copy", "ARP learning"...). */
  readonly phase: string;
  /** Start, seconds after the trigger. */
  readonly startSeconds: number;
  /** End, seconds after the trigger (>= start). */
  readonly endSeconds: number;
}

/** What happened to one class of packets (data or control) across a migration. */
export interface PacketOutcome {
  /** Packets sent by their sources over the observed span. */
  readonly sentPackets: number;
  /** Packets that reached their destination. */
  readonly deliveredPackets: number;
  /** Packets lost (dropped, overflowed, flushed, looped, or never arrived). */
  readonly lostPackets: number;
  /** Delivered packets that the migration delayed (held in a buffer, carried in a paused VM's memory, or detoured through a tunnel): a subset of delivered. A path that is merely longer after the migration delays nothing. */
  readonly delayedPackets: number;
  /** Largest delay the migration added to a delayed packet, seconds (0 when none). */
  readonly maxDelaySeconds: number;
  /** Mean delay the migration added to the delayed packets, seconds (0 when none). */
  readonly meanDelaySeconds: number;
}

/** Whether an outcome was computed by a model or measured on a real system. */
export type OutcomeSource = "model" | "measured";

/** The outcome of one migration, in the shape every mechanism shares. */
export interface MigrationOutcome {
  /** The mechanism's id in the registry ("xen-standard", "plane-separation", "openflow", ...). */
  readonly mechanism: string;
  /** `"model"` for a prediction, `"measured"` for a testbed run. */
  readonly source: OutcomeSource;
  /** Whether the migration finished (false: a pre-copy that cannot converge, a cancelled run; see `note`). */
  readonly completed: boolean;
  /** Why it did not complete, or other caveats ("" when none). */
  readonly note: string;
  /** Whether the offered traffic fits every link and element on its path; false: the run's losses or their absence are no evidence about the mechanism (see `note`). Default (absent) true. */
  readonly feasible?: boolean;
  /** Time the migrated entity was stopped (VM paused to running; 0 when no plane stops), seconds. */
  readonly downtimeSeconds: number;
  /** Time data packets met no working forwarding path (sum of outages), seconds. */
  readonly dataOutageSeconds: number;
  /** Trigger to the first data packet through the new location (the papers' total migration time; OpenFlow: first to last flow-change message), seconds. */
  readonly totalMigrationSeconds: number;
  /** Data packets. */
  readonly data: PacketOutcome;
  /** Control packets (routing protocols); all zero where the mechanism carries none. */
  readonly control: PacketOutcome;
  /** Phases on named lanes, in start order. */
  readonly timeline: readonly Phase[];
}

/** A packet outcome of nothing sent: for mechanisms with no control traffic. */
export const NO_PACKETS: PacketOutcome = Object.freeze({
  sentPackets: 0,
  deliveredPackets: 0,
  lostPackets: 0,
  delayedPackets: 0,
  maxDelaySeconds: 0,
  meanDelaySeconds: 0,
});

/**
 * Sorts phases into start order (ties by end, then lane), as the contract
 * requires; returns a new array.
 *
 * @example
 * ```ts
 * import { sortPhases } from "@vnmig/vnmig/migration";
 * const phases = sortPhases([
 *   { lane: "VM", phase: "b", startSeconds: 1, endSeconds: 2 },
 *   { lane: "VM", phase: "a", startSeconds: 0, endSeconds: 1 },
 * ]);
 * if (phases[0].phase !== "a") throw new Error("not in start order");
 * ```
 */
export function sortPhases(phases: readonly Phase[]): Phase[] {
  return [...phases].sort((a, b) =>
    a.startSeconds - b.startSeconds || a.endSeconds - b.endSeconds ||
    (a.lane < b.lane ? -1 : a.lane > b.lane ? 1 : 0)
  );
}

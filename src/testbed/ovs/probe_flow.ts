/**
 * The flow a testbed run probes, as the OpenFlow model defines it: the
 * migration of the sender->receiver flow, and its branching switch (from
 * the model's {@linkcode analyzePathPair}) with the ports of the flow's old
 * and new entries there. The run counts probes on these two ports and the
 * prediction times the change between them, so both name "old" and "new"
 * the same way (pure).
 *
 * @module
 */

import { analyzePathPair, type FlowMigration } from "../../openflow/plan.ts";
import type { FlowEntry, MigrationPlan } from "../../openflow/plan_types.ts";
import { entriesWithIndex } from "../../openflow/routing.ts";
import { indexTopology, type Topology } from "../../openflow/topology.ts";

/** What a testbed run executes: the model's flows, their entries before the migration, and the plan. */
export interface TestbedFlows {
  /** Entries in place before the migration (every flow over its old path). */
  readonly initialEntries: readonly FlowEntry[];
  /** The plan to execute. */
  readonly plan: MigrationPlan;
  /** The flow migrations the plan was built for (old and new paths). */
  readonly migrations: readonly FlowMigration[];
}

/**
 * The migration of the flow from `senderHostId` to `receiverHostId` (the
 * flow the probes belong to).
 *
 * @example
 * ```ts
 * import { paperTestbedMigrations, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { probeMigration } from "@vnmig/vnmig/testbed";
 * const m = probeMigration(paperTestbedMigrations(paperTestbedTopology()), "client", "server");
 * if (m.oldPath.join() !== "s1,s2,s4" || m.newPath.join() !== "s1,s3,s4") throw new Error();
 * ```
 */
export function probeMigration(
  migrations: readonly FlowMigration[],
  senderHostId: string,
  receiverHostId: string,
): FlowMigration {
  const m = migrations.find((x) =>
    x.flow.srcHost === senderHostId && x.flow.dstHost === receiverHostId
  );
  if (m === undefined) {
    throw new RangeError(
      `migrations must hold a flow from senderHostId to receiverHostId (${senderHostId}->${receiverHostId}); got ${
        migrations.map((x) => `${x.flow.srcHost}->${x.flow.dstHost}`).join(
          ", ",
        ) || "none"
      }`,
    );
  }
  return m;
}

/** A flow's branching switch and the output ports of its old and new entries there. */
export interface BranchPorts {
  /** The branching switch: the last switch the old and new paths share before they part. */
  readonly switchId: string;
  /** Output port of the flow's old-path entry on it. */
  readonly oldPort: number;
  /** Output port of the flow's new-path entry on it. */
  readonly newPort: number;
}

/**
 * The branching switch of a migration ({@linkcode analyzePathPair}) and the
 * output ports of the flow's old-path and new-path entries on it; null when
 * the paths do not part after a common start.
 *
 * @example
 * ```ts
 * import { paperTestbedMigrations, paperTestbedTopology } from "@vnmig/vnmig/openflow";
 * import { branchPorts } from "@vnmig/vnmig/testbed";
 * const net = paperTestbedTopology();
 * const b = branchPorts(net, paperTestbedMigrations(net)[0]);
 * if (b?.switchId !== "s1" || b.oldPort !== 2 || b.newPort !== 3) throw new Error();
 * ```
 */
export function branchPorts(
  topology: Topology,
  migration: FlowMigration,
): BranchPorts | null {
  const { oldPath, newPath, flow } = migration;
  const branch = analyzePathPair(oldPath, newPath).branchSwitch;
  if (branch === null) return null;
  const index = indexTopology(topology);
  const at = (path: readonly string[]) =>
    entriesWithIndex(index, flow, path).find((e) => e.switchId === branch)!;
  const oldPort = at(oldPath).outPort;
  const newPort = at(newPath).outPort;
  return oldPort === newPort ? null : { switchId: branch, oldPort, newPort };
}

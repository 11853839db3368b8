// One OpenFlow migration of the paper testbed at one data rate: the paper's
// plan timed with seeded installation times, then every data packet traced
// through the rule states in force (exact, by runs of packets).

import { cbrStream } from "../traffic/stream.ts";
import { packetConsistency, timedChanges } from "../openflow/consistency.ts";
import {
  paperTestbedInitialEntries,
  paperTestbedMigrations,
  paperTestbedPlan,
  paperTestbedTopology,
} from "../openflow/paper_topology.ts";
import { migrationTiming } from "../openflow/timing.ts";
import type { PaperRunResult } from "./paper.ts";

/** The controller starts the migration this long into the stream, s. */
const TRIGGER_SECONDS = 0.5;
/** The stream goes on this long after the last rule change, s. */
const TAIL_SECONDS = 0.5;

export function openflowPaperRun(
  packetsPerSecond: number,
  packetSizeBytes: number,
  seed: number,
): PaperRunResult {
  const net = paperTestbedTopology();
  const timing = migrationTiming(paperTestbedPlan(net), net, {
    seed,
    startSeconds: TRIGGER_SECONDS,
  });
  // The papers' UDP traffic runs from client to server; the reverse flow is
  // migrated too and carries the same load here, so both are checked.
  const stream = cbrStream({
    packetsPerSecond,
    packetSizeBytes,
    endSeconds: timing.completedSeconds + TAIL_SECONDS,
  });
  const report = packetConsistency(net, {
    initial: paperTestbedInitialEntries(net),
    changes: timedChanges(timing),
    migrations: paperTestbedMigrations(net),
  }, { stream });
  const forward = report.flows.find((f) => f.flowId === "client->server")!;
  return {
    downtimeSeconds: report.downtimeSeconds,
    lostPackets: report.lostPackets,
    sentPackets: forward.sentPackets,
    totalMigrationSeconds: timing.totalMigrationSeconds,
    controlLostPackets: 0,
    controlDelayedPackets: 0,
  };
}

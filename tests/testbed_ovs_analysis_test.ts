// The analysis of a recorded Open vSwitch testbed run (pure: no root, no
// Open vSwitch): recordings written by hand, with the answer known exactly.

import assert from "node:assert/strict";
import {
  analyzeOvsRecording,
  BROKEN_VARIANTS,
  type OvsRecording,
  paperOvsScenario,
  predictOvsMigration,
  ReceiverTally,
} from "../src/testbed/mod.ts";
import type { PlanExecution } from "../src/testbed/ovs/plan_executor.ts";

/** Probes 1 ms apart from t = 0, those in `lost` never received. */
function recording(
  options: {
    sent?: number;
    lost?: readonly number[];
    execution?: Partial<PlanExecution>;
    sink?: [Record<string, number>, Record<string, number>];
    ports?: [number | null, number | null, number | null, number | null];
    drops?: number | null;
    stopped?: boolean;
  } = {},
): OvsRecording {
  const sent = options.sent ?? 1000;
  const lost = new Set(options.lost ?? []);
  const tally = new ReceiverTally(1000);
  for (let seq = 0; seq < sent; seq++) {
    if (!lost.has(seq)) tally.add(seq, seq + 0.3);
  }
  const [oldBefore, oldAfter, newBefore, newAfter] = options.ports ??
    [0, 0, 0, 0];
  return {
    execution: {
      ordering: "paper",
      phases: [
        {
          name: "install new path",
          messages: 4,
          firstSendMs: 500,
          lastSendMs: 500.1,
          doneMs: 500.6,
        },
        {
          name: "redirect",
          messages: 2,
          firstSendMs: 500.6,
          lastSendMs: 500.7,
          doneMs: 501.2,
        },
      ],
      firstMessageMs: 500,
      lastMessageMs: 501.5,
      allAppliedMs: 502,
      totalMigrationSeconds: 0.0015,
      messagesSent: 10,
      errorCount: 0,
      ...options.execution,
    },
    sender: {
      sentPackets: sent,
      firstSendMs: 0,
      lastSendMs: sent - 1,
      sendErrors: 0,
      stopped: options.stopped ?? false,
      sentMsBySeq: Array.from({ length: sent }, (_, k) => k),
    },
    receiver: {
      ...tally.report(options.stopped ? 1000 : sent),
      foreignPackets: 0,
      outOfRangePackets: 0,
    },
    receiverDropPackets: options.drops === undefined ? 0 : options.drops,
    before: {
      sinkPacketsBySwitch: options.sink?.[0] ?? { s1: 0, s2: 0 },
      oldPortPackets: oldBefore,
      newPortPackets: newBefore,
    },
    after: {
      sinkPacketsBySwitch: options.sink?.[1] ?? { s1: 0, s2: 0 },
      oldPortPackets: oldAfter,
      newPortPackets: newAfter,
    },
  };
}

const scenario = paperOvsScenario({ packetsPerSecond: 1000 });

Deno.test("loss is judged in the migration window, exactly, with the window's ends included", () => {
  // Window: 500 - 20 = 480 ms to 502 + 20 = 522 ms: probes 480..522 (43).
  // Lost: 479 (just before), 480 (first in), 500..502 (a run of 3), 510,
  // 522 (last in), 523 (just after), 900 (far outside).
  const lost = [479, 480, 500, 501, 502, 510, 522, 523, 900];
  const m = analyzeOvsRecording(
    scenario,
    recording({
      lost,
      sink: [{ s1: 10, s2: 7, s3: 0 }, { s1: 10, s2: 12, s3: 1 }],
      ports: [100, 601, 50, 549],
      drops: 2,
    }),
  );
  assert.equal(m.source, "measured");
  assert.equal(m.mechanism, "openflow");
  assert.equal(m.data.sentPackets, 43);
  assert.equal(m.windowSendOffsetsSeconds.length, 43);
  assert.equal(m.windowSendOffsetsSeconds[0], -0.02);
  assert.equal(m.windowSendOffsetsSeconds[42], 0.022);
  assert.equal(m.data.lostPackets, 6);
  assert.equal(m.data.deliveredPackets, 37);
  assert.equal(m.lostOutsideWindowPackets, 3);
  assert.match(m.note, /3 probes lost outside the migration window/);
  // The longest run of lost window probes (500..502) at 1000 probes/s.
  assert.equal(m.dataOutageSeconds, 0.003);
  assert.equal(m.windowSeconds, 0.042);
  // Sink counters: deltas, switches that dropped nothing left out.
  assert.equal(m.tableMissPackets, 6);
  assert.deepEqual(m.tableMissBySwitch, { s2: 5, s3: 1 });
  assert.equal(m.receiverDropPackets, 2);
  assert.equal(m.otherLostPackets, 9 - 6 - 2);
  assert.equal(m.oldPortPackets, 501);
  assert.equal(m.newPortPackets, 499);
  // The first of the 499 probes out of the new port is probe 501.
  assert.equal(m.newPathAfterSeconds, 0.001);
  assert.equal(m.allAppliedAfterSeconds, 0.002);
  assert.equal(m.totalMigrationSeconds, 0.0015);
  assert.equal(m.messagesSent, 10);
  assert.equal(m.downtimeSeconds, 0);
  assert.equal(m.completed, true);
  assert.deepEqual(
    m.timeline.map((p) => [p.phase, p.lane]),
    [["install new path", "controller"], ["redirect", "controller"]],
  );
  assert.equal(m.timeline[0].startSeconds, 0);
  assert.ok(Math.abs(m.timeline[1].startSeconds - 0.0006) < 1e-9);
  assert.ok(Math.abs(m.timeline[1].endSeconds - 0.0012) < 1e-9);
  assert.equal(m.scenario, scenario);
});

Deno.test("no loss, no outage; unknown socket drops stay unknown; no probe out of the new port, no new-path time", () => {
  const none = analyzeOvsRecording(scenario, recording({ drops: null }));
  assert.equal(none.data.lostPackets, 0);
  assert.equal(none.dataOutageSeconds, 0);
  assert.equal(none.note, "");
  assert.equal(none.receiverDropPackets, null);
  assert.equal(none.otherLostPackets, null);
  // No probe out of the new port: the run cannot tell when the path moved.
  assert.equal(none.newPathAfterSeconds, null);
});

Deno.test("a stopped sender: the probes it never sent are not losses, and the run did not complete", () => {
  const m = analyzeOvsRecording(
    scenario,
    recording({ sent: 600, lost: [505], stopped: true }),
  );
  assert.equal(m.receiver.lostPackets, 401); // 400 never sent + 1
  assert.equal(m.data.lostPackets, 1);
  assert.equal(m.lostOutsideWindowPackets, 0);
  assert.equal(m.completed, false);
  assert.match(m.note, /stopped early/);
  assert.throws(
    () =>
      analyzeOvsRecording(scenario, {
        ...recording(),
        sender: { ...recording().sender, sentMsBySeq: [0, 1] },
      }),
    /sentMsBySeq must hold one time per probe sent \(1000\); got 2/,
  );
});

Deno.test("the analysis and the model count the same thing: a recording that loses exactly the model's probes agrees with the prediction on every data metric", () => {
  // delete-old-first with 50 ms before the redirect, at 1000 probes/s.
  const s = paperOvsScenario({
    variant: BROKEN_VARIANTS[0],
    packetsPerSecond: 1000,
  });
  const predicted = predictOvsMigration(s, {
    sendOffsetsSeconds: Array.from({ length: 93 }, (_, k) => -0.02 + k / 1000),
  });
  assert.ok(predicted.data.lostPackets > 40);
  // The same 93 window probes, losing a run of the model's size from the
  // first flow-mod on (probe 500 is sent at 0 s after it).
  const lost = Array.from(
    { length: predicted.data.lostPackets },
    (_, k) => 500 + k,
  );
  const m = analyzeOvsRecording(
    s,
    recording({ lost, execution: { allAppliedMs: 552 } }),
  );
  assert.equal(m.data.sentPackets, predicted.data.sentPackets);
  assert.equal(m.data.lostPackets, predicted.data.lostPackets);
  assert.equal(m.data.deliveredPackets, predicted.data.deliveredPackets);
  assert.equal(m.dataOutageSeconds, predicted.dataOutageSeconds);
  // Negative control: one probe more lost, and they differ.
  const more = analyzeOvsRecording(
    s,
    recording({
      lost: [...lost, lost.at(-1)! + 1],
      execution: { allAppliedMs: 552 },
    }),
  );
  assert.notEqual(more.data.lostPackets, predicted.data.lostPackets);
  assert.notEqual(more.dataOutageSeconds, predicted.dataOutageSeconds);
});

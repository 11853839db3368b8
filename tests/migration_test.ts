// The outcome contract: every mechanism of the registry answers in it, and
// the generic comparison and the option checks behave as documented.

import assert from "node:assert/strict";
import {
  MECHANISM_IDS,
  mechanismById,
  MECHANISMS,
} from "../src/mechanisms/mod.ts";
import {
  compareOutcomes,
  type MigrationOutcome,
  NO_PACKETS,
  OUTCOME_METRICS,
  outcomeRow,
  outcomeValue,
  triggerPhaseSeconds,
} from "../src/migration/mod.ts";
import { assertKnownKeys } from "../src/_validate.ts";

const RATES = [500, 5000, 10000];

Deno.test("every mechanism answers in the contract: packets add up, phases ordered, ids match", () => {
  assert.deepEqual(MECHANISM_IDS, [
    "xen-standard",
    "plane-separation",
    "openflow",
  ]);
  for (const m of MECHANISMS) {
    for (const packetsPerSecond of RATES) {
      const o = m.migrate({ packetsPerSecond, packetSizeBytes: 1500 });
      assert.equal(o.mechanism, m.id);
      assert.equal(o.source, "model");
      assert.equal(o.completed, true);
      for (const plane of [o.data, o.control]) {
        assert.equal(
          plane.sentPackets,
          plane.deliveredPackets + plane.lostPackets,
          `${m.id} at ${packetsPerSecond}/s: sent = delivered + lost`,
        );
        assert.ok(plane.delayedPackets <= plane.deliveredPackets);
        assert.ok(plane.maxDelaySeconds >= plane.meanDelaySeconds);
        assert.equal(plane.delayedPackets === 0, plane.maxDelaySeconds === 0);
      }
      assert.ok(o.data.sentPackets > 0);
      assert.ok(o.dataOutageSeconds >= 0 && o.downtimeSeconds >= 0);
      assert.ok(o.timeline.length > 0);
      o.timeline.forEach((p, i) => {
        assert.ok(p.endSeconds >= p.startSeconds, `${m.id} ${p.phase}`);
        if (i > 0) {
          assert.ok(p.startSeconds >= o.timeline[i - 1].startSeconds);
        }
      });
      // Every metric is a finite number in a row of the same columns.
      for (const metric of OUTCOME_METRICS) {
        assert.ok(Number.isFinite(outcomeValue(o, metric)), metric);
      }
      assert.deepEqual(
        Object.keys(outcomeRow(o)),
        Object.keys(outcomeRow(MECHANISMS[0].migrate())),
      );
    }
  }
});

Deno.test("the data-plane outage carries the loss: lost = packets sent during it, and none without it", () => {
  for (const m of MECHANISMS) {
    const o = m.migrate({ packetsPerSecond: 10000 });
    if (o.dataOutageSeconds === 0) assert.equal(o.data.lostPackets, 0);
    else {
      // A CBR stream loses the packets sent in its outage, to one packet.
      assert.ok(
        Math.abs(o.data.lostPackets - 10000 * o.dataOutageSeconds) <= 1,
        `${m.id}: ${o.data.lostPackets} lost in ${o.dataOutageSeconds} s`,
      );
    }
  }
});

Deno.test("mechanismById names the known ids on a miss", () => {
  assert.equal(mechanismById("plane-separation").label, "Xen plane separation");
  assert.throws(
    () => mechanismById("vmware"),
    /mechanism must be one of "xen-standard", "plane-separation", "openflow"; got "vmware"/,
  );
});

Deno.test("a misspelt option is an error naming it and the nearest name, in every mechanism", () => {
  for (const m of MECHANISMS) {
    assert.throws(
      () => m.migrate({ packetPerSecond: 5000 } as never),
      /options has no option "packetPerSecond"; did you mean "packetsPerSecond"\?/,
      m.id,
    );
  }
  assert.throws(
    () => assertKnownKeys("options", { zzz: 1 }, ["alpha", "beta"]),
    /^RangeError: options has no option "zzz" \(known: alpha, beta\)$/,
  );
  assert.throws(
    () => assertKnownKeys("options", [1], ["alpha"]),
    /options must be an options object; got an array/,
  );
  assertKnownKeys("options", undefined, ["alpha"]);
});

Deno.test("seeds vary the trigger's phase within one packet interval, deterministically", () => {
  const offsets = Array.from(
    { length: 200 },
    (_, seed) => triggerPhaseSeconds(seed, 1000),
  );
  assert.ok(offsets.every((x) => x >= 0 && x < 0.001));
  assert.ok(new Set(offsets).size > 190);
  assert.equal(triggerPhaseSeconds(5, 1000), triggerPhaseSeconds(5, 1000));
  assert.equal(triggerPhaseSeconds(undefined, 1000), 0);
  // Without a seed a mechanism is exactly nominal; with one it moves.
  const xen = mechanismById("xen-standard");
  assert.deepEqual(xen.migrate({}), xen.migrate({}));
  const lost = new Set(
    Array.from(
      { length: 20 },
      (_, seed) =>
        xen.migrate({ packetsPerSecond: 3000, seed }).data.lostPackets,
    ),
  );
  assert.ok(lost.size >= 2);
});

const BASE: MigrationOutcome = {
  mechanism: "example",
  source: "model",
  completed: true,
  note: "",
  downtimeSeconds: 0.3,
  dataOutageSeconds: 0.35,
  totalMigrationSeconds: 8,
  data: {
    ...NO_PACKETS,
    sentPackets: 10000,
    deliveredPackets: 9650,
    lostPackets: 350,
  },
  control: NO_PACKETS,
  timeline: [],
};

Deno.test("compareOutcomes: within the allowance, outside it, and in metric order", () => {
  const measured: MigrationOutcome = {
    ...BASE,
    source: "measured",
    dataOutageSeconds: 0.36,
    data: { ...BASE.data, lostPackets: 368, deliveredPackets: 9632 },
  };
  const rows = compareOutcomes(measured, BASE, {
    "data.lostPackets": { relative: 0.05 },
    dataOutageSeconds: { absolute: 0.01 },
    totalMigrationSeconds: { relative: 0.1 },
  });
  assert.deepEqual(rows.map((r) => r.metric), [
    "dataOutageSeconds",
    "totalMigrationSeconds",
    "data.lostPackets",
  ]);
  const [outage, total, lost] = rows;
  assert.equal(outage.within, true); // 10 ms off, 10 ms allowed: exact
  const farther = compareOutcomes(
    { ...measured, dataOutageSeconds: 0.3600001 },
    BASE,
    { dataOutageSeconds: { absolute: 0.01 } },
  );
  assert.equal(farther[0].within, false);
  assert.equal(total.within, true);
  assert.equal(total.relativeDifference, 0);
  assert.equal(lost.difference, 18);
  assert.equal(lost.allowance, 17.5);
  assert.equal(lost.within, false); // 18 > 5 % of 350
  const zero = compareOutcomes(BASE, { ...BASE, data: NO_PACKETS }, {
    "data.lostPackets": { absolute: 1 },
  });
  assert.equal(zero[0].relativeDifference, null);
  assert.throws(
    () => compareOutcomes(BASE, BASE, { downtime: { absolute: 1 } } as never),
    /tolerances has no option "downtime"; did you mean "downtimeSeconds"\?/,
  );
  assert.throws(
    () => compareOutcomes(BASE, BASE, { downtimeSeconds: { relative: -1 } }),
    /tolerances\.downtimeSeconds\.relative must be a finite number in \[0, \+inf\); got -1/,
  );
});

// Issue 11, item 8, in the Xen standard model: the router VM's forwarding
// capacity, lower while the migration's dirty logging runs, with a bounded
// FIFO queue; the losses split into the outage's and the saturated
// router's, counted exactly by the traffic engine.
import assert from "node:assert/strict";
import {
  packetsBetween,
  pathElement,
  simulatePackets,
} from "../src/traffic/mod.ts";
import {
  PAPER_TESTBED,
  XEN_STANDARD,
  xenStandardMigration,
  type XenStandardOptions,
} from "../src/xen/mod.ts";
import { MECHANISMS } from "../src/mechanisms/mod.ts";
import { outcomeRow } from "../src/migration/mod.ts";
import { sweep } from "../src/sweep/mod.ts";

const TRIGGER = 1; // the model's default trigger, on the stream's clock
const LATENCY = PAPER_TESTBED.vmForwardingLatencySeconds;

// The VM of the design notes' testbed: 12,000/s, 9000/s while logging.
const SLOWED: XenStandardOptions = {
  packetsPerSecond: 10_000,
  vmForwardingPacketsPerSecond: 12_000,
  vmDirtyLoggingForwardingPacketsPerSecond: 9000,
};

Deno.test("router capacity: exact counts agree with simulatePackets on the same path, and on a path built by hand", () => {
  const cases: XenStandardOptions[] = [
    SLOWED,
    { ...SLOWED, vmQueueCapacityPackets: 17 },
    { ...SLOWED, vmQueueCapacityPackets: 0 },
    { packetsPerSecond: 3000, vmForwardingPacketsPerSecond: 2500 },
    {
      packetsPerSecond: 4000,
      vmDirtyLoggingForwardingPacketsPerSecond: 3333,
      profile: { ...PAPER_TESTBED, vmForwardingLatencySeconds: 0 },
      seed: 5,
    },
  ];
  for (const options of cases) {
    const r = xenStandardMigration(options);
    const name = JSON.stringify(options);
    assert.deepEqual(simulatePackets(r.stream, r.path).counts, r.fates, name);
    assert.equal(
      r.dataLosses.outagePackets + r.dataLosses.saturationPackets,
      r.data.lostPackets,
      name,
    );
  }
  // The 12,000 / 9000 VM built from the outcome's times alone.
  const r = xenStandardMigration(SLOWED);
  const susp = TRIGGER + r.outageStartSeconds;
  const learned = TRIGGER + r.outageEndSeconds;
  const resumed = learned - PAPER_TESTBED.arpLearningSeconds;
  const path = [
    pathElement({
      changes: [{ atSeconds: susp, state: "drop" }, {
        atSeconds: learned,
        state: "forward",
      }],
    }),
    pathElement({
      latencySeconds: LATENCY,
      bufferCapacityPackets: 256,
      forwardingPacketsPerSecond: 12_000,
      queueCapacityPackets: 256,
      changes: [
        {
          atSeconds: TRIGGER,
          state: "forward",
          forwardingPacketsPerSecond: 9000,
        },
        { atSeconds: susp - LATENCY, state: "buffer" },
        { atSeconds: resumed, state: "forward" },
      ],
    }),
  ];
  const sim = simulatePackets(r.stream, path).counts;
  assert.equal(sim.lostPackets, r.data.lostPackets);
  assert.equal(
    sim.losses.find((l) => l.cause === "queue")?.packets,
    r.dataLosses.saturationPackets,
  );
  assert.equal(sim.deliveredPackets, r.fates.deliveredPackets);
});

Deno.test("router capacity: above the rate (or exactly at it) loses nothing extra; defaults are the unbounded VM (negative control)", () => {
  const unbounded = xenStandardMigration({ packetsPerSecond: 10_000 });
  assert.equal(unbounded.dataLosses.saturationPackets, 0);
  assert.equal(
    unbounded.dataLosses.outagePackets,
    unbounded.data.lostPackets,
  );
  assert.equal(unbounded.feasible, true);
  for (
    const [normal, logging] of [[12_000, 11_000], [10_000, 10_000], [
      Infinity,
      10_000,
    ]]
  ) {
    const r = xenStandardMigration({
      packetsPerSecond: 10_000,
      vmForwardingPacketsPerSecond: normal,
      vmDirtyLoggingForwardingPacketsPerSecond: logging,
    });
    const at = `${normal}/${logging}`;
    assert.equal(r.dataLosses.saturationPackets, 0, at);
    // Only the RX ring's packets, released together at resume into a VM
    // with a capacity, wait (behind the first).
    assert.equal(r.fates.heldPackets, unbounded.fates.heldPackets, at);
    assert.equal(
      r.fates.queuedPackets,
      normal === Infinity ? 0 : r.fates.heldPackets - 1,
      at,
    );
    assert.equal(r.data.lostPackets, unbounded.data.lostPackets, at);
    assert.equal(r.data.delayedPackets, unbounded.data.delayedPackets, at);
    assert.equal(r.feasible, true, at);
    assert.equal(r.note, unbounded.note, at);
  }
  // The queue's length alone changes nothing without a capacity.
  assert.deepEqual(
    xenStandardMigration({
      packetsPerSecond: 10_000,
      vmQueueCapacityPackets: 3,
    }),
    unbounded,
  );
});

Deno.test("router capacity: below the rate during pre-copy it loses (rate - capacity) x pre-copy time less the queue, exactly", () => {
  const unbounded = xenStandardMigration({ packetsPerSecond: 10_000 });
  for (const [logging, queue] of [[9000, 256], [9000, 17], [7500, 1000]]) {
    const r = xenStandardMigration({
      ...SLOWED,
      vmDirtyLoggingForwardingPacketsPerSecond: logging,
      vmQueueCapacityPackets: queue,
    });
    // Served at the logging capacity: the packets reaching the VM from the
    // trigger until its RX ring starts holding them for suspension.
    const n = packetsBetween(
      r.stream,
      TRIGGER,
      TRIGGER + r.outageStartSeconds - LATENCY,
    );
    // One busy period from the trigger (the 12,000/s server is idle
    // then): departures every 1/logging s, each letting in one arrival
    // once the queue and server hold queue + 1; the last of the n
    // arrivals, (n - 1) / 10,000 s after the first, sees
    // floor((n - 1) logging / 10,000) departures.
    const admitted = queue + 1 + Math.floor((n - 1) * logging / 10_000);
    const at = `${logging}/s, queue ${queue}`;
    assert.equal(r.dataLosses.saturationPackets, n - admitted, at);
    // Against (rate - capacity) x pre-copy time - (queue + 1): n is that
    // time's packets rounded up, the departures rounded down, so the exact
    // count lies in [capacity / rate, 2) above it.
    const seconds = r.outageStartSeconds - LATENCY;
    const above = r.dataLosses.saturationPackets -
      ((10_000 - logging) * seconds - (queue + 1));
    assert.ok(above >= logging / 10_000 - 1e-6 && above < 2, `${at}: ${above}`);
    // The outage loses what the unbounded VM loses, no more.
    assert.equal(r.dataLosses.outagePackets, unbounded.data.lostPackets, at);
    assert.equal(
      r.data.lostPackets,
      unbounded.data.lostPackets + r.dataLosses.saturationPackets,
      at,
    );
    assert.equal(r.feasible, false, at);
    assert.match(
      r.note,
      new RegExp(
        `offered load 10000 packets/s exceeds .*while dirty logging runs \\(${logging} packets/s\\): ${r.dataLosses.saturationPackets} packets lost to saturation`,
      ),
    );
  }
  // A VM too slow even before the migration: infeasible, and saying so.
  const slow = xenStandardMigration({
    packetsPerSecond: 10_000,
    vmForwardingPacketsPerSecond: 9000,
  });
  assert.equal(slow.feasible, false);
  assert.match(slow.note, /forwarding capacity \(9000 packets\/s\)/);
  assert.ok(
    slow.dataLosses.saturationPackets >
      xenStandardMigration(SLOWED).dataLosses.saturationPackets,
  );
});

Deno.test("router capacity: the registry and sweeps take the options and give finite rows", () => {
  assert.ok(MECHANISMS.includes(XEN_STANDARD));
  const rows = sweep(
    { vmDirtyLoggingForwardingPacketsPerSecond: [9000, 12_000] },
    ({ vmDirtyLoggingForwardingPacketsPerSecond, seed }) =>
      XEN_STANDARD.migrate({
        ...SLOWED,
        vmDirtyLoggingForwardingPacketsPerSecond,
        seed,
      }),
  );
  assert.equal(rows.length, 2);
  assert.ok(Number(rows[0]["dataLosses.saturationPackets"]) > 0);
  assert.equal(rows[1]["dataLosses.saturationPackets"], 0);
  assert.equal(rows[0].feasible, false);
  assert.equal(outcomeRow(XEN_STANDARD.migrate(SLOWED)).feasible, false);
});

Deno.test("router capacity: bad values are refused, naming the option, its value and range", () => {
  const refused: [XenStandardOptions, RegExp][] = [
    [
      { vmForwardingPacketsPerSecond: 0 },
      /vmForwardingPacketsPerSecond must be a number in \(0, \+inf\]; got 0/,
    ],
    [{ vmForwardingPacketsPerSecond: -5 }, /vmForwardingPacketsPerSecond.*-5/],
    [
      { vmForwardingPacketsPerSecond: NaN },
      /vmForwardingPacketsPerSecond.*NaN/,
    ],
    [
      { vmForwardingPacketsPerSecond: "fast" as unknown as number },
      /vmForwardingPacketsPerSecond.*got fast/,
    ],
    [
      {
        vmForwardingPacketsPerSecond: 12_000,
        vmDirtyLoggingForwardingPacketsPerSecond: 13_000,
      },
      /vmDirtyLoggingForwardingPacketsPerSecond must be a number in \(0, 12000\] \(at most vmForwardingPacketsPerSecond\); got 13000/,
    ],
    [
      {
        vmForwardingPacketsPerSecond: 12_000,
        vmDirtyLoggingForwardingPacketsPerSecond: Infinity,
      },
      /vmDirtyLoggingForwardingPacketsPerSecond.*\(0, 12000\].*Infinity/,
    ],
    [
      { vmDirtyLoggingForwardingPacketsPerSecond: 0 },
      /vmDirtyLoggingForwardingPacketsPerSecond.*\(0, \+inf\]; got 0/,
    ],
    [
      { vmQueueCapacityPackets: -1 },
      /vmQueueCapacityPackets must be an integer in \[0, 2\^53 - 1\] or Infinity; got -1/,
    ],
    [{ vmQueueCapacityPackets: 2.5 }, /vmQueueCapacityPackets.*2\.5/],
    [{ vmQueueCapacityPackets: NaN }, /vmQueueCapacityPackets.*NaN/],
  ];
  for (const [options, message] of refused) {
    assert.throws(() => xenStandardMigration(options), message);
  }
  assert.throws(
    () =>
      xenStandardMigration({
        vmForwardingPacketPerSecond: 1,
      } as unknown as XenStandardOptions),
    /vmForwardingPacketsPerSecond/,
  );
});

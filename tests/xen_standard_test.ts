import assert from "node:assert/strict";
import {
  cbrStream,
  packetsBetween,
  pathElement,
  simulatePackets,
} from "../src/traffic/mod.ts";
import {
  PAPER_TESTBED,
  profilePrecopyOptions,
  xenStandardMigration,
  type XenTestbedProfile,
} from "../src/xen/mod.ts";
import { precopyMigration } from "../src/precopy/mod.ts";
import { PAPER_EXPERIMENT } from "../src/reproduce/mod.ts";

const RATES = PAPER_EXPERIMENT.packetRatesPerSecond;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

Deno.test("C1: downtime is nearly flat in the packet rate on the paper profile", () => {
  const downtimes = RATES.map((pps) =>
    xenStandardMigration({ packetsPerSecond: pps }).downtimeSeconds
  );
  const spread = Math.max(...downtimes) - Math.min(...downtimes);
  assert.ok(spread / mean(downtimes) < 0.05, `spread ${spread}`);
});

Deno.test("C1 by mechanism: without the bounded buffer pool downtime would grow with the rate", () => {
  // Same profile, but a pool so large the forwarding working set never
  // saturates: every packet's pages must then be sent in stop-and-copy.
  const unbounded: XenTestbedProfile = {
    ...PAPER_TESTBED,
    memoryBytes: 2 ** 30,
    bufferPoolPages: 200_000,
  };
  const low = xenStandardMigration({
    profile: unbounded,
    packetsPerSecond: 500,
  });
  const high = xenStandardMigration({
    profile: unbounded,
    packetsPerSecond: 10_000,
  });
  assert.ok(high.downtimeSeconds > 2 * low.downtimeSeconds);
  // And with the profile's pool it saturates at the pool size.
  const sat = xenStandardMigration({ packetsPerSecond: 500 });
  assert.equal(
    sat.precopy.stopAndCopyBufferPages,
    PAPER_TESTBED.bufferPoolPages,
  );
});

Deno.test("C2 prerequisite: forwarding adds ~0.2 s of downtime (the buffer pages)", () => {
  const idle = precopyMigration(profilePrecopyOptions(PAPER_TESTBED, 0));
  for (const pps of RATES) {
    const busy = xenStandardMigration({ packetsPerSecond: pps });
    const extra = busy.downtimeSeconds - idle.downtimeSeconds;
    assert.ok(extra > 0.15 && extra < 0.25, `extra ${extra} at ${pps}`);
  }
});

Deno.test("C3: loss is linear in the rate, about 0.5 s worth of traffic, counted exactly", () => {
  const lost: number[] = [];
  for (const pps of RATES) {
    const r = xenStandardMigration({ packetsPerSecond: pps });
    // Independent count: the packets sent while the data plane was out.
    const stream = cbrStream({
      packetsPerSecond: pps,
      endSeconds: 1 + r.outageEndSeconds + 1,
    });
    assert.equal(
      r.data.lostPackets,
      packetsBetween(stream, 1 + r.outageStartSeconds, 1 + r.outageEndSeconds),
    );
    const seconds = r.data.lostPackets / pps;
    assert.ok(seconds > 0.4 && seconds < 0.6, `${seconds} s at ${pps}`);
    lost.push(r.data.lostPackets);
  }
  // Least-squares line through (rate, lost): residuals under 2 packets.
  const xs = [...RATES];
  const mx = mean(xs);
  const my = mean(lost);
  const slope = xs.reduce((s, x, i) => s + (x - mx) * (lost[i] - my), 0) /
    xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const intercept = my - slope * mx;
  xs.forEach((x, i) =>
    assert.ok(Math.abs(lost[i] - (intercept + slope * x)) < 2)
  );
  assert.ok(slope > 0.45 && slope < 0.55);
});

Deno.test("C7: 64 and 1500 byte packets give the same downtime, loss and delay", () => {
  for (const pps of RATES) {
    const [small, large] = PAPER_EXPERIMENT.packetSizesBytes.map((size) =>
      xenStandardMigration({ packetsPerSecond: pps, packetSizeBytes: size })
    );
    assert.equal(small.downtimeSeconds, large.downtimeSeconds);
    assert.equal(small.data.lostPackets, large.data.lostPackets);
    assert.equal(small.data.delayedPackets, large.data.delayedPackets);
    assert.ok(large.fates.deliveredBytes > small.fates.deliveredBytes);
  }
});

Deno.test("RX ring: packets in the ring at suspension are delayed, not lost; a full ring overflows", () => {
  const r = xenStandardMigration({ packetsPerSecond: 10_000 });
  const L = PAPER_TESTBED.vmForwardingLatencySeconds;
  const susp = 1 + r.outageStartSeconds;
  assert.equal(r.data.delayedPackets, packetsBetween(r.stream, susp - L, susp));
  assert.ok(r.data.delayedPackets > 0);
  assert.equal(r.fates.strandedPackets, 0);
  assert.equal(
    r.fates.sentPackets,
    r.fates.deliveredPackets + r.fates.lostPackets,
  );
  // Held until resume: each delayed packet waits about the downtime.
  assert.ok(r.fates.delay.minSeconds >= r.downtimeSeconds);
  // The first packet through the destination is a held one, at resume.
  assert.equal(
    r.totalMigrationSeconds,
    r.outageStartSeconds + r.downtimeSeconds + L,
  );

  const noLatency = xenStandardMigration({
    packetsPerSecond: 10_000,
    profile: { ...PAPER_TESTBED, vmForwardingLatencySeconds: 0 },
  });
  assert.equal(noLatency.data.delayedPackets, 0);
  assert.ok(noLatency.totalMigrationSeconds >= noLatency.outageEndSeconds);

  // 50 ms in the VM at 10,000 packets/s = 500 packets > 256 ring entries.
  const slow = xenStandardMigration({
    packetsPerSecond: 10_000,
    profile: { ...PAPER_TESTBED, vmForwardingLatencySeconds: 0.05 },
  });
  assert.equal(slow.data.delayedPackets, 256);
  const overflow = slow.fates.losses.find((l) => l.cause === "overflow");
  assert.equal(overflow?.packets, 500 - 256);
});

Deno.test("the interval count agrees with the per-packet simulation on a hand-built path", () => {
  for (const pps of [500, 3000, 10_000]) {
    const r = xenStandardMigration({ packetsPerSecond: pps });
    const L = PAPER_TESTBED.vmForwardingLatencySeconds;
    const susp = 1 + r.outageStartSeconds;
    const learned = 1 + r.outageEndSeconds;
    const resumed = learned - PAPER_TESTBED.arpLearningSeconds;
    const path = [
      pathElement({
        changes: [{ atSeconds: susp, state: "drop" }, {
          atSeconds: learned,
          state: "forward",
        }],
      }),
      pathElement({
        latencySeconds: L,
        bufferCapacityPackets: 256,
        changes: [{ atSeconds: susp - L, state: "buffer" }, {
          atSeconds: resumed,
          state: "forward",
        }],
      }),
    ];
    const sim = simulatePackets(r.stream, path).counts;
    assert.equal(sim.lostPackets, r.data.lostPackets);
    assert.equal(sim.heldPackets, r.data.delayedPackets);
    assert.equal(sim.deliveredPackets, r.fates.deliveredPackets);
  }
});

Deno.test("invariants: downtime < outage, total time after resume; phases ordered; loss never zero when the plane is out", () => {
  for (const pps of [1, 50, 700, 9000]) {
    const r = xenStandardMigration({ packetsPerSecond: pps });
    assert.ok(r.downtimeSeconds < r.dataOutageSeconds);
    // Nothing passes the destination before the VM runs there; without
    // held packets, nothing before the switch learned its port.
    assert.ok(
      r.totalMigrationSeconds >= r.outageStartSeconds + r.downtimeSeconds,
    );
    if (r.data.delayedPackets === 0) {
      assert.ok(r.totalMigrationSeconds >= r.outageEndSeconds);
    }
    assert.equal(r.bytesSent, r.precopy.totalBytesSent);
    assert.equal(r.rounds.length, r.precopy.iterations);
    const seq = r.timeline.filter((p) => p.phase !== "data-plane outage");
    seq.forEach((p, i) => {
      assert.ok(p.endSeconds >= p.startSeconds);
      if (i > 0) assert.equal(p.startSeconds, seq[i - 1].endSeconds);
    });
    // An outage longer than the packet gap always loses packets.
    if (r.dataOutageSeconds > 1 / pps) assert.ok(r.data.lostPackets > 0);
  }
});

Deno.test("deterministic, and bad input is a RangeError", () => {
  assert.deepEqual(
    xenStandardMigration({ packetsPerSecond: 1234 }),
    xenStandardMigration({ packetsPerSecond: 1234 }),
  );
  assert.throws(
    () => xenStandardMigration({ packetsPerSecond: 0 }),
    /packetsPerSecond.*got 0/,
  );
  assert.throws(
    () => xenStandardMigration({ packetSizeBytes: NaN }),
    /packetSizeBytes.*NaN/,
  );
  assert.throws(
    () => xenStandardMigration({ precopy: { linkBitsPerSecond: 0 } }),
    /linkBitsPerSecond/,
  );
  assert.throws(
    () =>
      xenStandardMigration({
        profile: { ...PAPER_TESTBED, arpLearningSeconds: -1 },
      }),
    /arpLearningSeconds/,
  );
});

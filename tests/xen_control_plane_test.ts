import assert from "node:assert/strict";
import fc from "fast-check";
import {
  adjacencySurvival,
  bfdTimers,
  type ControlFlow,
  controlFlowStream,
  controlPath,
  controlTraffic,
  type ControlWindow,
  countFates,
  delayQuantiles,
  type ProtocolTimers,
  QUAGGA_TIMERS,
  simulatePackets,
} from "../mod.ts";

const hello: ControlFlow = {
  name: "OSPF hello",
  protocol: "ospf",
  arrival: "periodic",
  packetsPerSecond: 0.1,
  packetSizeBytes: 68,
};

const window: ControlWindow = {
  pauseSeconds: 15,
  tunnelUpSeconds: 37,
  arpEffectiveSeconds: 55,
  oldPathRemovedSeconds: 56,
  tunnelLatencySeconds: 0.5,
  endSeconds: 100,
};

Deno.test("hellos are buffered during the hold, tunnelled, then direct: exact counts and delays", () => {
  const r = controlTraffic(window, [hello]);
  const f = r.flows[0];
  // Hellos at 0, 10, ..., 90: 0, 10 direct; 20, 30 held; 40, 50 tunnelled;
  // 60..90 direct to the new host.
  assert.equal(f.sentPackets, 10);
  assert.equal(f.bufferedPackets, 2);
  assert.equal(f.tunnelledPackets, 2);
  assert.equal(f.directPackets, 6);
  assert.equal(f.lostPackets, 0);
  assert.deepEqual([...r.delaysSeconds], [0.5, 0.5, 7.5, 17.5]);
  assert.equal(r.delay.maxSeconds, 17.5);
  assert.equal(r.delay.medianSeconds, 4);
  assert.equal(r.peakBufferPackets, 2);
  assert.equal(r.peakBufferBytes, 136);
});

Deno.test("the shared buffer overflows by packets and by bytes", () => {
  const flows: ControlFlow[] = [
    { ...hello, name: "a", packetsPerSecond: 1, packetSizeBytes: 100 },
    { ...hello, name: "b", packetsPerSecond: 1, packetSizeBytes: 300 },
  ];
  const w = { ...window, pauseSeconds: 10, tunnelUpSeconds: 15 };
  // Arrivals in [10, 15): a,b at 10, 11, 12, 13, 14 (a first at ties).
  const byPackets = controlTraffic(w, flows, { bufferCapacityPackets: 3 });
  assert.equal(byPackets.flows[0].bufferedPackets, 2); // a@10, a@11
  assert.equal(byPackets.flows[1].bufferedPackets, 1); // b@10
  assert.equal(byPackets.lostPackets, 7);
  assert.equal(byPackets.flows[0].overflowPackets, 3);
  // 1000 bytes: a@10 (100) b@10 (400) a@11 (500) b@11 (800) a@12 (900),
  // b@12 no room, a@13 (1000), the rest no room.
  const byBytes = controlTraffic(w, flows, { bufferCapacityBytes: 1000 });
  assert.equal(byBytes.flows[0].bufferedPackets, 4);
  assert.equal(byBytes.flows[1].bufferedPackets, 2);
  assert.equal(byBytes.peakBufferBytes, 1000);
  assert.equal(byBytes.lostPackets, 4);
});

Deno.test("removing the source path too early flushes the buffer and drops later packets", () => {
  const w = { ...window, oldPathRemovedSeconds: 25 };
  const f = controlTraffic(w, [hello]).flows[0];
  assert.equal(f.flushedPackets, 1); // 20: held, flushed at 25
  assert.equal(f.droppedPackets, 3); // 30, 40, 50 reach a removed path
  assert.equal(f.lostPackets, 4);
  assert.equal(f.directPackets, 6);
});

Deno.test("control traffic agrees with the traffic engine's buffer element", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 20, noNaN: true }),
      fc.double({ min: 0, max: 10, noNaN: true }),
      fc.double({ min: 0, max: 10, noNaN: true }),
      fc.double({ min: 0, max: 10, noNaN: true }),
      fc.double({ min: 0.05, max: 50, noNaN: true }),
      fc.double({ min: 0, max: 5, noNaN: true }),
      fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 40 })),
      (pause, hold, toArp, toRemoval, rate, phase, capacity) => {
        const w: ControlWindow = {
          pauseSeconds: pause,
          tunnelUpSeconds: pause + hold,
          arpEffectiveSeconds: pause + toArp,
          oldPathRemovedSeconds: pause + toRemoval,
          tunnelLatencySeconds: 0.001,
          endSeconds: 40,
        };
        const flow = { ...hello, packetsPerSecond: rate, phaseSeconds: phase };
        const mine = controlTraffic(w, [flow], {
          bufferCapacityPackets: capacity,
        });
        // The engine sees the packets sent before the ARP took effect.
        const stream = controlFlowStream(flow, Math.max(phase, pause + toArp));
        const path = controlPath(w, { bufferCapacityPackets: capacity });
        const engine = countFates(stream, path);
        const perPacket = simulatePackets(stream, path).counts;
        const f = mine.flows[0];
        for (const counts of [engine, perPacket]) {
          assert.equal(f.bufferedPackets, counts.heldPackets);
          assert.equal(f.lostPackets, counts.lostPackets);
          assert.equal(counts.strandedPackets, 0);
        }
        if (f.bufferedPackets > 0) {
          // The engine's holding delay plus the tunnel is the added delay.
          assert.ok(
            Math.abs(f.maxDelaySeconds - (engine.delay.maxSeconds + 0.001)) <
              1e-9,
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("delay quantiles: nearest-rank p95, median of even samples", () => {
  const q = delayQuantiles(Float64Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(q.p95Seconds, 19);
  assert.equal(q.medianSeconds, 10.5);
  assert.equal(q.meanSeconds, 10.5);
  assert.equal(delayQuantiles(new Float64Array()).maxSeconds, 0);
});

// Brute force: the gap a listener sees for one timer phase.
function gapFor(
  h: number,
  phase: number,
  silenceFrom: number,
  silenceTo: number,
  deliver: (t: number) => number | null,
): number {
  // Packets at silenceFrom - phase + k h; find the last delivered before the
  // silence and the first delivered after it.
  const last = silenceFrom - phase;
  let next = Infinity;
  for (let k = 1; k < 100_000; k++) {
    const t = last + k * h;
    const at = deliver(t);
    if (at !== null) next = Math.min(next, at);
    if (t > silenceTo + h) break;
  }
  return next - last;
}

Deno.test("survival gaps match a brute force over every timer phase", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.5, max: 60, noNaN: true }),
      fc.double({ min: 0, max: 200, noNaN: true }),
      fc.double({ min: 0, max: 200, noNaN: true }),
      fc.boolean(),
      (h, send, hold, buffered) => {
        // Skip silences a hair off a whole number of periods: there the
        // best case needs a phase finer than any sample.
        for (const x of [send / h, hold / h]) {
          const frac = x - Math.floor(x);
          fc.pre(frac === 0 || (frac > 1e-6 && frac < 1 - 1e-6));
        }
        const p = 1000;
        const lat = 0.001;
        const [row] = adjacencySurvival({
          pauseSeconds: p,
          sendResumeSeconds: p + send,
          tunnelUpSeconds: p + hold,
          tunnelLatencySeconds: lat,
          incomingBuffered: buffered,
        }, [
          {
            protocol: "ospf",
            intervalSeconds: h,
            deadSeconds: 40,
          } as ProtocolTimers,
        ]);
        let outMax = 0;
        let outMin = Infinity;
        let inMax = 0;
        let inMin = Infinity;
        // Phases in (0, h]: a tiny one for the best case, a grid, and h.
        const phases = [
          h * 1e-9,
          ...Array.from(
            { length: 400 },
            (_, i) => h * (i + 1) / 400,
          ),
        ];
        for (const phase of phases) {
          const out = gapFor(
            h,
            phase,
            p,
            p + send,
            (t) => (t >= p && t < p + send) ? null : t,
          );
          const inc = gapFor(h, phase, p, p + hold, (t) => {
            if (t < p) return t;
            if (t < p + hold) return buffered ? p + hold + lat : null;
            return t + lat;
          });
          outMax = Math.max(outMax, out);
          outMin = Math.min(outMin, out);
          inMax = Math.max(inMax, inc);
          inMin = Math.min(inMin, inc);
        }
        const tol = 1e-6 * (h + send + hold);
        // The sampled phases reach the worst case (phase = h) and the best
        // one (phase -> 0).
        assert.ok(Math.abs(outMax - row.outgoingWorstGapSeconds) < tol);
        assert.ok(Math.abs(inMax - row.incomingWorstGapSeconds) < tol);
        assert.ok(Math.abs(outMin - row.outgoingBestGapSeconds) < tol);
        assert.ok(Math.abs(inMin - row.incomingBestGapSeconds) < tol);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("survival table with Quagga's timers and BFD", () => {
  const silence = {
    pauseSeconds: 100,
    sendResumeSeconds: 103,
    tunnelUpSeconds: 103.1,
    tunnelLatencySeconds: 0,
    incomingBuffered: true,
  };
  const table = adjacencySurvival(silence, [
    QUAGGA_TIMERS.ospf,
    QUAGGA_TIMERS.bgp,
    QUAGGA_TIMERS.rip,
    bfdTimers({ intervalSeconds: 0.05, multiplier: 3 }),
  ]);
  assert.deepEqual(table.map((r) => r.verdict), [
    "survives",
    "survives",
    "survives",
    "fails",
  ]);
  // OSPF: the VM's hello due at the pause is lost, the next is 10 s later.
  assert.equal(table[0].outgoingWorstGapSeconds, 20);
  assert.equal(table[0].outgoingBestGapSeconds, 10);
  assert.ok(Math.abs(table[0].incomingWorstGapSeconds - 13.1) < 1e-9);
  assert.equal(table[0].marginSeconds, 20);
  // BFD: a 3 s silence is 60 intervals.
  assert.ok(Math.abs(table[3].outgoingBestGapSeconds - 3.05) < 1e-9);

  // A 25 s silence: OSPF survives or not depending on the hello phase; a
  // 35 s one always kills it; BGP's 180 s hold rides both out.
  const long = adjacencySurvival(
    { ...silence, sendResumeSeconds: 125, tunnelUpSeconds: 125 },
    [QUAGGA_TIMERS.ospf, QUAGGA_TIMERS.bgp],
  );
  assert.deepEqual(long.map((r) => r.verdict), ["phase-dependent", "survives"]);
  const longer = adjacencySurvival(
    { ...silence, sendResumeSeconds: 135, tunnelUpSeconds: 135 },
    [QUAGGA_TIMERS.ospf],
  );
  assert.equal(longer[0].verdict, "fails");
  // Losing instead of buffering the incoming packets can only lengthen gaps.
  const lost = adjacencySurvival({ ...silence, incomingBuffered: false }, [
    QUAGGA_TIMERS.ospf,
  ]);
  assert.ok(
    lost[0].incomingWorstGapSeconds >= table[0].incomingWorstGapSeconds,
  );
});

Deno.test("control plane: bad input is a RangeError naming the parameter", () => {
  assert.throws(
    () => controlTraffic({ ...window, tunnelUpSeconds: 1 }, [hello]),
    /window.tunnelUpSeconds/,
  );
  assert.throws(
    () => controlTraffic(window, [{ ...hello, packetsPerSecond: 0 }]),
    /flows\[0\].packetsPerSecond/,
  );
  assert.throws(
    () => controlTraffic(window, [hello], { bufferCapacityPackets: -1 }),
    /bufferCapacityPackets/,
  );
  assert.throws(() => bfdTimers({ multiplier: 0 }), /multiplier/);
  assert.throws(
    () =>
      adjacencySurvival({
        pauseSeconds: 5,
        sendResumeSeconds: 4,
        tunnelUpSeconds: 6,
        tunnelLatencySeconds: 0,
        incomingBuffered: true,
      }, [QUAGGA_TIMERS.ospf]),
    /sendResumeSeconds/,
  );
  assert.throws(
    () =>
      adjacencySurvival({
        pauseSeconds: 5,
        sendResumeSeconds: 6,
        tunnelUpSeconds: 6,
        tunnelLatencySeconds: 0,
        incomingBuffered: true,
      }, [{ ...QUAGGA_TIMERS.ospf, deadSeconds: NaN }]),
    /deadSeconds/,
  );
});

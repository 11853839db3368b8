// The UDP probe tools on plain loopback (no root, no Open vSwitch): the
// sender paces a CBR stream on Deno's native UDP socket, the receiver
// tallies it, and the tally must agree exactly with the kernel's own count
// of the datagrams it dropped at the receiver's socket (/proc/net/udp), so
// the test holds however busy the machine is: a starved receiver loses
// probes, and then the kernel counts exactly those. The held receiver makes
// the kernel drop for certain (the negative control: loss happens, and is
// accounted for exactly, in the order the kernel keeps).

import assert from "node:assert/strict";
import {
  decodeProbe,
  encodeProbe,
  JsonLinesProcess,
  receiverArgv,
  type ReceiverEnd,
  type ReceiverReady,
  ReceiverTally,
  senderArgv,
  type SenderEnd,
  type SenderStart,
  udpSocketStats,
  waitForDrainedSocket,
} from "../src/testbed/udp/mod.ts";
import { testUnless } from "./_skip.ts";

Deno.test("ReceiverTally counts lost, duplicated, reordered packets and gaps exactly", () => {
  const tally = new ReceiverTally(20);
  // 0..19 sent; 5..8 lost; 12 lost; 3 duplicated twice; 10 arrives after 11.
  const arrivals = [0, 1, 2, 3, 3, 4, 9, 11, 10, 13, 3, 14, 15, 16, 17, 18, 19];
  arrivals.forEach((seq, i) => tally.add(seq, i * 10));
  const r = tally.report(20);
  assert.equal(r.receivedPackets, 15);
  assert.equal(r.lostPackets, 5);
  assert.equal(r.duplicatedPackets, 2);
  assert.equal(r.reorderedPackets, 1);
  assert.equal(r.longestGapPackets, 4);
  assert.deepEqual(r.lostRanges, [[5, 8], [12, 12]]);
  assert.equal(r.longestArrivalGapSeconds, 0.01);
  assert.equal(r.receivedPackets + r.lostPackets, r.sentPackets);
  // The report is repeatable and looks only below sentPackets.
  assert.deepEqual(tally.report(20).lostRanges.at(-1), [12, 12]);
  const early = tally.report(12);
  assert.deepEqual(early.lostRanges, [[5, 8]]);
  assert.equal(early.receivedPackets, 8);
  assert.equal(early.lostPackets, 4);
  // Sent but never seen at the end counts as lost too.
  const tail = new ReceiverTally(10);
  tail.add(0, 0);
  assert.deepEqual(tail.report(10).lostRanges, [[1, 9]]);
  assert.throws(() => tally.report(21), /sentPackets must be .*\[0, 20\]/);
  assert.throws(() => new ReceiverTally(0), /capacity must be an integer/);
});

Deno.test("probes round-trip and have the requested IPv4 size", () => {
  for (const bytes of [44, 64, 1500]) {
    const payload = encodeProbe(
      { seq: 123456, runId: 42, sentMs: 1763840000123.25 },
      bytes,
    );
    assert.equal(payload.length + 28, bytes);
    assert.deepEqual(decodeProbe(payload), {
      seq: 123456,
      runId: 42,
      sentMs: 1763840000123.25,
    });
  }
  assert.equal(decodeProbe(new Uint8Array(15)), undefined);
  assert.throws(
    () => encodeProbe({ seq: 0, runId: 0, sentMs: 0 }, 1501),
    /packetBytes must be .*\[44, 1500\]; got 1501/,
  );
});

Deno.test("/proc/net/udp lines: the socket's receive queue and drop counter, by port", () => {
  const text = [
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
    "  129: 00000000:1389 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4321 2 0000000000000000 0",
    "  130: 0100007F:A5B2 00000000:0000 07 00000000:00000C00 00:00000000 00000000     0        0 4322 2 0000000000000000 964",
  ].join("\n");
  assert.deepEqual(udpSocketStats(text, 5001), [
    { localPort: 5001, rxQueueBytes: 0, drops: 0 },
  ]);
  assert.deepEqual(udpSocketStats(text, 0xa5b2), [
    { localPort: 0xa5b2, rxQueueBytes: 0xc00, drops: 964 },
  ]);
  assert.deepEqual(udpSocketStats(text, 5002), []);
  assert.throws(() => udpSocketStats(text, 0), /localPort must be/);
});

Deno.test("UDP ports outside 1..65535 (0 for a listener) are refused with the option, the value and the range", async () => {
  const sender = {
    dst: "10.0.0.2",
    port: 5001,
    packetsPerSecond: 10,
    packetBytes: 64,
    count: 1,
    runId: 1,
  };
  const receiver = { port: 5001, expect: 1, runId: 1, maxSeconds: 1 };
  const above53 = 2 ** 53 + 2;
  for (const port of [0, -1, 65536, 1.5, NaN, above53]) {
    assert.throws(
      () => senderArgv({ ...sender, port }),
      new RangeError(
        `port must be an integer in [1, 65535]; got ${port}`,
      ),
    );
    assert.throws(
      () => udpSocketStats("", port),
      new RangeError(
        `localPort must be an integer in [1, 65535]; got ${port}`,
      ),
    );
  }
  for (const port of [-1, 65536, 0.5, above53]) {
    assert.throws(
      () => receiverArgv({ ...receiver, port }),
      new RangeError(`port must be an integer in [0, 65535]; got ${port}`),
    );
  }
  // The Open vSwitch run checks its port before it creates anything (no
  // root needed to be refused).
  const { paperOvsScenario, recordOvsRun } = await import(
    "../src/testbed/mod.ts"
  );
  await assert.rejects(
    recordOvsRun(paperOvsScenario(), { udpPort: 70000 }),
    new RangeError("udpPort must be an integer in [1, 65535]; got 70000"),
  );
  // Negative control: the ends of each range are accepted.
  for (const port of [1, 65535]) {
    assert.ok(senderArgv({ ...sender, port }).includes(`--port=${port}`));
    assert.deepEqual(udpSocketStats("header", port), []);
  }
  for (const port of [0, 65535]) {
    assert.ok(receiverArgv({ ...receiver, port }).includes(`--port=${port}`));
  }
});

Deno.test("waitForDrainedSocket waits for two empty reads in a row, and gives up on a missing socket", async () => {
  const line = (rx: number, drops: number) =>
    `h\n 1: 00000000:1389 00000000:0000 07 00000000:${
      rx.toString(16)
    } 00:0 0 0 0 0 1 2 0 ${drops}`;
  // Empty, then busy again: one empty read is not enough.
  const reads = [line(0, 1), line(64, 2), line(0, 3), line(0, 3)];
  let n = 0;
  const r = await waitForDrainedSocket(
    () => Promise.resolve(reads[Math.min(n++, reads.length - 1)]),
    5001,
    { pollMs: 1 },
  );
  assert.deepEqual(r, { drained: true, drops: 3 });
  assert.equal(n, 4);
  assert.deepEqual(
    await waitForDrainedSocket(() => Promise.resolve("h\n"), 5001, {
      pollMs: 1,
    }),
    { drained: false, drops: null },
  );
  const never = await waitForDrainedSocket(
    () => Promise.resolve(line(64, 9)),
    5001,
    { pollMs: 1, timeoutSeconds: 0.05 },
  );
  assert.deepEqual(never, { drained: false, drops: 9 });
});

const linux = Deno.build.os === "linux";
const NOT_LINUX = linux
  ? undefined
  : "not Linux: no /proc/net/udp to check the tally against";
if (!linux) {
  console.log(
    "testbed_udp_test: not Linux: no /proc/net/udp to check the tally against; skipping",
  );
}

function spawn(argv: string[]): JsonLinesProcess {
  return new JsonLinesProcess(
    new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn(),
  );
}

async function stream(count: number, rate: number, hold: boolean) {
  const receiver = spawn(
    receiverArgv({
      port: 0,
      expect: count,
      runId: 77,
      maxSeconds: 120,
      hold,
      arrivals: !hold,
    }),
  );
  const { port } = await receiver.next<ReceiverReady>("receiver start");
  const sender = spawn(senderArgv({
    dst: "127.0.0.1",
    port,
    packetsPerSecond: rate,
    packetBytes: 64,
    count,
    runId: 77,
  }));
  const start = await sender.next<SenderStart>("sender start");
  const sent = await sender.next<SenderEnd>("sender end");
  await sender.child.status;
  if (hold) await receiver.command("read");
  // Everything that reached the socket is read (or was dropped) once its
  // queue is empty; then the kernel's drop count is final.
  const socket = await waitForDrainedSocket(
    () => Deno.readTextFile("/proc/net/udp"),
    port,
    { timeoutSeconds: 60 },
  );
  await receiver.command("stop");
  const report = await receiver.next<ReceiverEnd>("receiver report");
  await receiver.child.status;
  return { start, sent, report, socket };
}

testUnless(NOT_LINUX, {
  name:
    "udp probes on loopback: every probe sent is received once, in order, or counted as dropped by the kernel",
  async fn() {
    const count = 2000;
    const rate = 4000;
    const { start, sent, report, socket } = await stream(count, rate, false);
    assert.equal(sent.sentPackets, count);
    assert.equal(sent.sendErrors, 0);
    assert.equal(sent.stopped, false);
    // No probe leaves before it is due: probe k at start + k / rate or later.
    for (let k = 0; k < count; k++) {
      assert.ok(sent.sentMsBySeq[k] >= start.startMs + k * 1000 / rate - 1e-6);
      if (k > 0) assert.ok(sent.sentMsBySeq[k] >= sent.sentMsBySeq[k - 1]);
    }
    assert.ok(socket.drained, "the receiver read its socket empty");
    assert.equal(report.sentPackets, count);
    assert.equal(report.receivedPackets + report.lostPackets, count);
    // The receiver misses exactly what the kernel dropped at its socket.
    assert.equal(report.lostPackets, socket.drops);
    assert.equal(report.duplicatedPackets, 0);
    assert.equal(report.reorderedPackets, 0);
    assert.equal(report.foreignPackets, 0);
    // Each probe that came has its first arrival time, after its send time;
    // the ones that never came have none.
    const arrivals = report.arrivalMsBySeq!;
    assert.ok(arrivals.length <= count);
    const missing = new Set(
      report.lostRanges.flatMap(([a, b]) =>
        Array.from({ length: b - a + 1 }, (_, k) => a + k)
      ),
    );
    for (let k = 0; k < count; k++) {
      const t = arrivals[k] ?? null;
      assert.equal(t === null, missing.has(k), `probe ${k}`);
      if (t !== null) assert.ok(t >= sent.sentMsBySeq[k]);
    }
  },
});

testUnless(NOT_LINUX, {
  name:
    "udp probes on loopback, receiver held: the kernel keeps the first probes up to its buffer and drops the rest, and the tally says exactly that",
  async fn() {
    const count = 3000;
    const { sent, report, socket } = await stream(count, 20_000, true);
    assert.equal(sent.sentPackets, count);
    assert.ok(socket.drained);
    // 3000 probes cannot fit a default socket buffer: loss must happen.
    assert.ok(report.lostPackets > 0, "a held receiver lost nothing");
    assert.ok(report.receivedPackets > 0);
    assert.equal(report.lostPackets, socket.drops);
    // A full buffer keeps what came first and drops what came later.
    assert.deepEqual(report.lostRanges, [[report.receivedPackets, count - 1]]);
    assert.equal(report.reorderedPackets, 0);
    assert.equal(report.duplicatedPackets, 0);
  },
});

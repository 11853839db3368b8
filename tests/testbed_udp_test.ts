// The probe tools on plain loopback (no root, no Open vSwitch): the sender
// paces a CBR stream on Deno's native UDP socket and the receiver sees every
// probe once and in sequence order. Bounded: 2000 probes at 4000/s.

import assert from "node:assert/strict";
import type { ReceiverReport } from "../src/testbed/udp_tools.ts";

function script(name: string): string {
  return new URL(`../src/testbed/${name}`, import.meta.url).pathname;
}

function spawn(name: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-config",
      "--allow-net",
      "--unstable-net",
      script(name),
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** The JSON lines a child printed, read as they come. */
function lines(child: Deno.ChildProcess): AsyncIterator<string> {
  let rest = "";
  return child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TransformStream<string, string>({
      transform(chunk, out) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop() ?? "";
        for (const p of parts) if (p.trim() !== "") out.enqueue(p);
      },
    }),
  )[Symbol.asyncIterator]();
}

async function next<T>(it: AsyncIterator<string>, what: string): Promise<T> {
  const { value, done } = await it.next();
  assert.ok(!done, `${what}: the process ended early`);
  return JSON.parse(value) as T;
}

Deno.test({
  name:
    "udp probes on loopback: 2000 CBR probes arrive once each, none lost, in sequence order",
  async fn() {
    const count = 2000;
    const rate = 4000;
    const receiver = spawn("udp_receiver.ts", [
      "--port=0",
      `--expect=${count}`,
      "--run-id=77",
      "--idle-ms=300",
      "--max-seconds=20",
    ]);
    const fromReceiver = lines(receiver);
    const { port } = await next<{ port: number }>(fromReceiver, "receiver");
    const sender = spawn("udp_sender.ts", [
      "--dst=127.0.0.1",
      `--port=${port}`,
      `--rate=${rate}`,
      "--bytes=64",
      `--count=${count}`,
      "--run-id=77",
    ]);
    const fromSender = lines(sender);
    await next<{ startMs: number }>(fromSender, "sender start");
    const sent = await next<
      { sentPackets: number; sendErrors: number; sentMsBySeq: number[] }
    >(fromSender, "sender end");
    const report = await next<ReceiverReport>(fromReceiver, "receiver report");
    await Promise.all([sender.status, receiver.status]);
    await Promise.all([sender.stderr.cancel(), receiver.stderr.cancel()]);
    assert.equal(sent.sentPackets, count);
    assert.equal(sent.sendErrors, 0);
    // Send times never go backwards and hold the CBR schedule on average.
    for (let k = 1; k < count; k++) {
      assert.ok(sent.sentMsBySeq[k] >= sent.sentMsBySeq[k - 1]);
    }
    const spanMs = sent.sentMsBySeq[count - 1] - sent.sentMsBySeq[0];
    assert.ok(
      spanMs >= (count - 1) * 1000 / rate - 5,
      `sent ${count} probes in ${spanMs} ms, faster than ${rate}/s`,
    );
    assert.equal(report.sentPackets, count);
    assert.equal(report.receivedPackets, count);
    assert.equal(report.lostPackets, 0);
    assert.equal(report.duplicatedPackets, 0);
    assert.equal(report.reorderedPackets, 0);
  },
});

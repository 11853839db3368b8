/**
 * The UDP receiver (run it inside the server namespace):
 * `deno run --allow-net src/testbed/udp_receiver.ts --port 5001 --expect 4000
 * --run-id 1 --idle-ms 500 --max-seconds 30`.
 *
 * Prints {"ready": true} once bound, then, when no probe came for idle-ms
 * after the first one (or max-seconds passed), one JSON line: the
 * {@linkcode ReceiverReport} for `expect` packets plus, with `--record`,
 * `sentMsBySeq` (the send time carried by each received probe, null if lost).
 *
 * @module
 */

import dgram from "node:dgram";
import { parseArgs } from "node:util";
import { assertInteger, assertPositive } from "../_validate.ts";
import { decodeProbe, ReceiverTally } from "./udp_tools.ts";

function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string", default: "5001" },
      expect: { type: "string", default: "1000" },
      "run-id": { type: "string", default: "1" },
      "idle-ms": { type: "string", default: "500" },
      "max-seconds": { type: "string", default: "60" },
      record: { type: "boolean", default: false },
    },
  });
  const port = Number(values.port);
  const expect = Number(values.expect);
  const runId = Number(values["run-id"]);
  const idleMs = Number(values["idle-ms"]);
  const maxSeconds = Number(values["max-seconds"]);
  assertInteger("expect", expect, 1);
  assertPositive("idle-ms", idleMs);
  assertPositive("max-seconds", maxSeconds);
  const tally = new ReceiverTally(expect);
  let foreign = 0;
  let lastArrivalMs = NaN;
  const socket = dgram.createSocket("udp4");
  socket.on("message", (msg: Uint8Array) => {
    const arrivalMs = nowMs();
    const probe = decodeProbe(msg);
    if (probe === undefined || probe.runId !== runId) {
      foreign++;
      return;
    }
    lastArrivalMs = arrivalMs;
    tally.add(probe.seq, arrivalMs, probe.sentMs);
  });
  await new Promise<void>((resolve) => socket.bind(port, resolve));
  // A larger socket buffer rides out short receiver stalls on a busy host
  // (the kernel caps it at net.core.rmem_max).
  try {
    socket.setRecvBufferSize(8 * 1024 * 1024);
  } catch {
    // Not supported here: keep the default.
  }
  console.log(JSON.stringify({ ready: true }));
  const deadline = nowMs() + maxSeconds * 1000;
  while (nowMs() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    if (!Number.isNaN(lastArrivalMs) && nowMs() - lastArrivalMs > idleMs) break;
  }
  socket.close();
  const report = tally.report(expect);
  const out: Record<string, unknown> = {
    ...report,
    foreignPackets: foreign,
    outOfRangePackets: tally.outOfRangePackets,
  };
  if (values.record) {
    out.sentMsBySeq = Array.from(
      { length: expect },
      (_, seq) => tally.received(seq) ? tally.sentMsOf(seq) : null,
    );
  }
  console.log(JSON.stringify(out));
}

if (import.meta.main) await main();

/**
 * A constant-bit-rate UDP sender (run it inside the client namespace):
 * `deno run --allow-net --unstable-net src/testbed/udp_sender.ts --dst
 * 10.0.0.2 --port 5001 --rate 2000 --bytes 64 --count 4000 --run-id 1`.
 *
 * Packet k is due at start + k / rate; each timer tick (about 2 ms apart at
 * best in Deno) sends every packet that is due, so the schedule holds on
 * average, bursts last at most a tick, and each probe carries its actual
 * send time. It sends on Deno's native UDP socket (as the receiver
 * listens), one datagram after the other: each send completes before the
 * next starts, so the probes leave in sequence order. Prints one JSON line when it starts ({"startMs"}) and
 * one when it ends ({"sentPackets", "firstSendMs", "lastSendMs",
 * "sendErrors", "sentMsBySeq"}: the send time of every probe, so that the
 * time of a lost probe is known too).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { assertInRange, assertInteger, assertPositive } from "../_validate.ts";
import { wallClockMs } from "./plan_executor.ts";
import { encodeProbe } from "./udp_tools.ts";
import { listenUdp } from "./_datagram.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      dst: { type: "string" },
      port: { type: "string", default: "5001" },
      rate: { type: "string", default: "1000" },
      bytes: { type: "string", default: "64" },
      count: { type: "string", default: "1000" },
      "run-id": { type: "string", default: "1" },
    },
  });
  const dst = values.dst ?? "";
  const port = Number(values.port);
  const rate = Number(values.rate);
  const bytes = Number(values.bytes);
  const count = Number(values.count);
  const runId = Number(values["run-id"]);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(dst)) {
    throw new RangeError(`--dst must be an IPv4 address; got ${dst}`);
  }
  assertInteger("port", port, 1);
  assertInRange("port", port, 1, 65535);
  assertPositive("rate", rate);
  assertInteger("count", count, 1);
  const socket = listenUdp("0.0.0.0", 0);
  const to = { transport: "udp" as const, hostname: dst, port };
  let sendErrors = 0;
  const startMs = wallClockMs();
  console.log(JSON.stringify({ startMs }));
  let firstSendMs = NaN;
  let lastSendMs = NaN;
  const sentMsBySeq = new Array<number>(count);
  let seq = 0;
  while (seq < count) {
    const due = Math.min(
      count,
      Math.floor((wallClockMs() - startMs) * rate / 1000) + 1,
    );
    while (seq < due) {
      const sentMs = wallClockMs();
      sentMsBySeq[seq] = sentMs;
      if (seq === 0) firstSendMs = sentMs;
      lastSendMs = sentMs;
      try {
        await socket.send(encodeProbe({ seq, runId, sentMs }, bytes), to);
      } catch {
        sendErrors++;
      }
      seq++;
    }
    if (seq < count) {
      const nextDueMs = startMs + seq * 1000 / rate;
      // Timers fire about every 2 ms at best: below that, yield and catch up.
      const waitMs = nextDueMs - wallClockMs();
      await new Promise((r) => setTimeout(r, waitMs > 2 ? waitMs - 1 : 0));
    }
  }
  socket.close();
  console.log(
    JSON.stringify({
      sentPackets: count,
      firstSendMs,
      lastSendMs,
      sendErrors,
      sentMsBySeq,
    }),
  );
}

if (import.meta.main) await main();

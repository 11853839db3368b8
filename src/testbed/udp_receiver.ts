/**
 * The UDP receiver (run it inside the server namespace):
 * `deno run --allow-net --unstable-net src/testbed/udp_receiver.ts --port 5001 --expect 4000
 * --run-id 1 --idle-ms 500 --max-seconds 30`.
 *
 * Prints {"ready": true, "port"} once bound (`--port 0`: any free port),
 * then, when no probe came for idle-ms after the first one (or max-seconds
 * passed), one JSON line: the {@linkcode ReceiverReport} for `expect`
 * packets, with the counts of foreign and out-of-range datagrams.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { assertInteger, assertPositive } from "../_validate.ts";
import { wallClockMs } from "./plan_executor.ts";
import { decodeProbe, ReceiverTally } from "./udp_tools.ts";
import { listenUdp } from "./_datagram.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string", default: "5001" },
      expect: { type: "string", default: "1000" },
      "run-id": { type: "string", default: "1" },
      "idle-ms": { type: "string", default: "500" },
      "max-seconds": { type: "string", default: "60" },
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
  // Deno's native UDP socket (needs --unstable-net): node:dgram costs too
  // much per datagram here and overflows the socket buffer at a few
  // thousand packets per second on a busy host.
  const conn = listenUdp("0.0.0.0", port);
  console.log(JSON.stringify({ ready: true, port: conn.addr.port }));
  const deadline = wallClockMs() + maxSeconds * 1000;
  const watchdog = setInterval(() => {
    const now = wallClockMs();
    if (
      now > deadline ||
      (!Number.isNaN(lastArrivalMs) && now - lastArrivalMs > idleMs)
    ) {
      conn.close();
    }
  }, 20);
  try {
    for (;;) {
      const [msg] = await conn.receive();
      const arrivalMs = wallClockMs();
      const probe = decodeProbe(msg);
      if (probe === undefined || probe.runId !== runId) {
        foreign++;
        continue;
      }
      lastArrivalMs = arrivalMs;
      tally.add(probe.seq, arrivalMs);
    }
  } catch {
    // Closed by the watchdog.
  }
  clearInterval(watchdog);
  const report = tally.report(expect);
  console.log(JSON.stringify({
    ...report,
    foreignPackets: foreign,
    outOfRangePackets: tally.outOfRangePackets,
  }));
}

if (import.meta.main) await main();

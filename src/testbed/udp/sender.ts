/**
 * The constant-bit-rate UDP probe sender, a program (run it inside the
 * sending host's namespace):
 *
 * ```sh
 * deno run --no-config --allow-net --unstable-net src/testbed/udp/sender.ts \
 *   --dst 10.0.0.2 --port 5001 --rate 2000 --bytes 64 --count 4000 --run-id 1
 * ```
 *
 * Probe k is due at start + k / rate; each timer tick (about 2 ms apart at
 * best in Deno) sends every probe that is due, so the schedule holds on
 * average, bursts last at most a tick, no probe leaves before it is due,
 * and each probe carries its actual send time. It sends on Deno's native
 * UDP socket (as the receiver listens), one datagram after the other: each
 * send completes before the next starts, so the probes leave in sequence
 * order. Prints one JSON line when it starts (`{"startMs"}`) and one when
 * it ends (`{"sentPackets", "firstSendMs", "lastSendMs", "sendErrors",
 * "stopped", "sentMsBySeq"}`: the send time of every probe, so that the
 * time of a lost probe is known too). With `--stdin-control` the end of
 * standard input (the parent is gone) stops the stream early
 * (`"stopped": true`).
 *
 * Exit codes: 0 stream sent (or stopped); 2 usage error.
 *
 * @module
 */

import {
  parseFlags,
  parseIntegerFlag,
  parseNumberFlag,
  runProgram,
  stringFlag,
  UsageError,
} from "../../_args.ts";
import { wallClockMs } from "./clock.ts";
import { listenUdp } from "./_datagram.ts";
import { encodeProbe, MAX_PACKET_BYTES, MIN_PACKET_BYTES } from "./probe.ts";
import { readStdinLines } from "./_stdin.ts";

const USAGE =
  `Usage: deno run --allow-net --unstable-net src/testbed/udp/sender.ts --dst IPV4 [options]

  --dst IPV4        receiver's IPv4 address (required)
  --port N          receiver's UDP port, 1..65535 (default 5001)
  --rate R          probes per second, (0, 1000000] (default 1000)
  --bytes N         probe size as IPv4 packet length, ${MIN_PACKET_BYTES}..${MAX_PACKET_BYTES} (default 64)
  --count N         probes to send, 1..100000000 (default 1000)
  --run-id N        run id written into every probe, 0..4294967295 (default 1)
  --stdin-control   stop early at the end of standard input (the parent is gone)
  -h, --help        this text

Prints {"startMs"} when it starts and one JSON line with every send time at the end.
Exit codes: 0 stream sent (or stopped); 2 usage error.`;

async function main(): Promise<number> {
  const flags = parseFlags(Deno.args, {
    dst: { type: "string" },
    port: { type: "string" },
    rate: { type: "string" },
    bytes: { type: "string" },
    count: { type: "string" },
    "run-id": { type: "string" },
    "stdin-control": { type: "boolean" },
  });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (flags.positionals.length > 0) {
    throw new UsageError(`unexpected word ${flags.positionals[0]}`);
  }
  const dst = stringFlag(flags, "dst") ?? "";
  if (
    !/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(dst) ||
    dst.split(".").some((o) => Number(o) > 255)
  ) {
    throw new UsageError(
      `--dst must be an IPv4 address; got ${JSON.stringify(dst)}`,
    );
  }
  const port = parseIntegerFlag(
    "port",
    stringFlag(flags, "port", "5001")!,
    1,
    65535,
  );
  const rate = parseNumberFlag(
    "rate",
    stringFlag(flags, "rate", "1000")!,
    1e-6,
    1e6,
  );
  const bytes = parseIntegerFlag(
    "bytes",
    stringFlag(flags, "bytes", "64")!,
    MIN_PACKET_BYTES,
    MAX_PACKET_BYTES,
  );
  const count = parseIntegerFlag(
    "count",
    stringFlag(flags, "count", "1000")!,
    1,
    100_000_000,
  );
  const runId = parseIntegerFlag(
    "run-id",
    stringFlag(flags, "run-id", "1")!,
    0,
    0xffffffff,
  );
  let stopped = false;
  if (flags.values["stdin-control"] === true) {
    readStdinLines(() => {}, () => (stopped = true));
  }
  const socket = listenUdp("0.0.0.0", 0);
  const to = { transport: "udp" as const, hostname: dst, port };
  let sendErrors = 0;
  const startMs = wallClockMs();
  console.log(JSON.stringify({ startMs }));
  let firstSendMs = NaN;
  let lastSendMs = NaN;
  const sentMsBySeq: number[] = [];
  let seq = 0;
  while (seq < count && !stopped) {
    const due = Math.min(
      count,
      Math.floor((wallClockMs() - startMs) * rate / 1000) + 1,
    );
    while (seq < due && !stopped) {
      const sentMs = wallClockMs();
      sentMsBySeq.push(sentMs);
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
      sentPackets: seq,
      firstSendMs,
      lastSendMs,
      sendErrors,
      stopped,
      sentMsBySeq,
    }),
  );
  return 0;
}

if (import.meta.main) await runProgram("sender", USAGE, main);

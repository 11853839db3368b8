/**
 * The UDP probe receiver, a program (run it inside the receiving host's
 * namespace):
 *
 * ```sh
 * deno run --no-config --allow-net --unstable-net src/testbed/udp/receiver.ts \
 *   --port 5001 --expect 4000 --run-id 1 --stdin-control
 * ```
 *
 * Prints `{"ready": true, "port": P}` once bound (`--port 0`: any free
 * port), then, when it stops, one JSON line: the {@linkcode ReceiverReport}
 * for `--expect` probes, with the counts of foreign and out-of-range
 * datagrams. It stops on `stop` (or the end of standard input) with
 * `--stdin-control`, after `--idle-ms` without a probe (once one came) when
 * given, and after `--max-seconds` at the latest. With `--hold` it reads
 * nothing until `read` comes on standard input, so that the kernel's
 * socket buffer alone decides what is kept (the loss accounting's test).
 * With `--arrivals` the report also holds each probe's first arrival time.
 *
 * Exit codes: 0 report printed; 2 usage error.
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
import { decodeProbe } from "./probe.ts";
import { ReceiverTally } from "./tally.ts";
import { readStdinLines } from "./_stdin.ts";

const USAGE =
  `Usage: deno run --allow-net --unstable-net src/testbed/udp/receiver.ts [options]

  --port N          UDP port to listen on, 0 for any free port (default 5001)
  --expect N        most probes the sender sends, 1..100000000 (default 1000)
  --run-id N        run id of the probes to count, 0..4294967295 (default 1)
  --max-seconds S   stop after this long at the latest, (0, 86400] (default 60)
  --idle-ms N       also stop once no probe came for N ms after the first one
                    (default: off)
  --stdin-control   commands on standard input: "stop" (or the end of input)
                    stops and reports
  --hold            read nothing until "read" comes on standard input
                    (needs --stdin-control)
  --arrivals        also report each probe's first arrival time, wall-clock
                    ms (arrivalMsBySeq, up to the last probe that came;
                    null where none came)
  -h, --help        this text

Prints {"ready":true,"port":P} once bound, then one JSON line with the report.
Exit codes: 0 report printed; 2 usage error.`;

/** The arrival times up to the last probe that came (the rest never did). */
function untilLastArrival(times: (number | null)[]): (number | null)[] {
  return times.slice(0, times.findLastIndex((t) => t !== null) + 1);
}

async function main(): Promise<number> {
  const flags = parseFlags(Deno.args, {
    port: { type: "string" },
    expect: { type: "string" },
    "run-id": { type: "string" },
    "max-seconds": { type: "string" },
    "idle-ms": { type: "string" },
    "stdin-control": { type: "boolean" },
    hold: { type: "boolean" },
    arrivals: { type: "boolean" },
  });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (flags.positionals.length > 0) {
    throw new UsageError(`unexpected word ${flags.positionals[0]}`);
  }
  const port = parseIntegerFlag(
    "port",
    stringFlag(flags, "port", "5001")!,
    0,
    65535,
  );
  const expect = parseIntegerFlag(
    "expect",
    stringFlag(flags, "expect", "1000")!,
    1,
    100_000_000,
  );
  const runId = parseIntegerFlag(
    "run-id",
    stringFlag(flags, "run-id", "1")!,
    0,
    0xffffffff,
  );
  const maxSeconds = parseNumberFlag(
    "max-seconds",
    stringFlag(flags, "max-seconds", "60")!,
    1e-3,
    86400,
  );
  const idleText = stringFlag(flags, "idle-ms");
  const idleMs = idleText === undefined
    ? undefined
    : parseIntegerFlag("idle-ms", idleText, 1, 86_400_000);
  const control = flags.values["stdin-control"] === true;
  const hold = flags.values.hold === true;
  if (hold && !control) throw new UsageError("--hold needs --stdin-control");

  const arrivals = flags.values.arrivals === true;
  const tally = new ReceiverTally(expect, { recordArrivals: arrivals });
  let foreign = 0;
  let arrivalCount = 0;
  let lastArrivalMs = NaN;
  const conn = listenUdp("0.0.0.0", port);
  let closed = false;
  const stop = () => {
    if (closed) return;
    closed = true;
    conn.close();
  };
  let release: () => void = () => {};
  const released = new Promise<void>((r) => (release = r));
  if (!hold) release();
  if (control) {
    readStdinLines((line) => {
      if (line === "read") release();
      if (line === "stop") {
        release();
        stop();
      }
    }, () => {
      release();
      stop();
    });
  }
  console.log(JSON.stringify({ ready: true, port: conn.addr.port }));
  const deadline = wallClockMs() + maxSeconds * 1000;
  // Idle means no arrival for idleMs over two watchdog ticks in a row: a
  // receiver that was descheduled wakes to a tick and queued probes at
  // once, and must read those before it may judge itself idle.
  let quietTicks = 0;
  let arrivalsAtTick = 0;
  const watchdog = setInterval(() => {
    const now = wallClockMs();
    quietTicks = arrivalCount === arrivalsAtTick ? quietTicks + 1 : 0;
    arrivalsAtTick = arrivalCount;
    const idle = idleMs !== undefined && !Number.isNaN(lastArrivalMs) &&
      now - lastArrivalMs > idleMs && quietTicks >= 2;
    if (now > deadline || idle) {
      release();
      stop();
    }
  }, 20);
  await released;
  try {
    while (!closed) {
      const [msg] = await conn.receive();
      const arrivalMs = wallClockMs();
      const probe = decodeProbe(msg);
      if (probe === undefined || probe.runId !== runId) {
        foreign++;
        continue;
      }
      arrivalCount++;
      lastArrivalMs = arrivalMs;
      tally.add(probe.seq, arrivalMs);
    }
  } catch {
    // Closed: stop.
  }
  clearInterval(watchdog);
  stop();
  console.log(JSON.stringify({
    ...tally.report(expect),
    foreignPackets: foreign,
    outOfRangePackets: tally.outOfRangePackets,
    ...(arrivals
      ? { arrivalMsBySeq: untilLastArrival(tally.arrivalsMs(expect)) }
      : {}),
  }));
  return 0;
}

if (import.meta.main) await runProgram("receiver", USAGE, main);

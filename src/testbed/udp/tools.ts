/**
 * Launching the probe tools from a testbed: the argv of the sender and the
 * receiver programs (typed options instead of flag strings), the JSON lines
 * they print, and {@linkcode JsonLinesProcess}, which reads those lines and
 * writes commands to a tool's standard input. Spawning is the caller's (a
 * testbed spawns through its host run, which records the process), so the
 * same tools serve the Open vSwitch and the VM testbeds.
 *
 * @module
 */

import { assertInteger, assertPositive } from "../../_validate.ts";
import { MAX_PACKET_BYTES, MIN_PACKET_BYTES } from "./probe.ts";
import type { ReceiverReport } from "./tally.ts";

/** Options of {@linkcode senderArgv}. */
export interface SenderOptions {
  /** Receiver's IPv4 address. */
  readonly dst: string;
  /** Receiver's UDP port. */
  readonly port: number;
  /** Probes per second. */
  readonly packetsPerSecond: number;
  /** Probe size as IPv4 packet length, 44..1500 bytes. */
  readonly packetBytes: number;
  /** Probes to send. */
  readonly count: number;
  /** Run id written into every probe. */
  readonly runId: number;
}

/** Options of {@linkcode receiverArgv}. */
export interface ReceiverOptions {
  /** UDP port to listen on (0: any free port). */
  readonly port: number;
  /** The most probes the sender sends. */
  readonly expect: number;
  /** Run id of the probes to count. */
  readonly runId: number;
  /** Stop after this long at the latest, seconds. */
  readonly maxSeconds: number;
  /** Read nothing until told (`read` on standard input); default false. */
  readonly hold?: boolean;
  /** Report each probe's first arrival time; default false. */
  readonly arrivals?: boolean;
}

/** The sender's first line. */
export interface SenderStart {
  /** Wall-clock ms when it started (probe k is due at startMs + k / rate). */
  readonly startMs: number;
}

/** The sender's last line. */
export interface SenderEnd {
  /** Probes sent (fewer than asked only when stopped). */
  readonly sentPackets: number;
  /** Wall-clock ms of the first send. */
  readonly firstSendMs: number;
  /** Wall-clock ms of the last send. */
  readonly lastSendMs: number;
  /** Sends that failed (socket errors). */
  readonly sendErrors: number;
  /** Whether the end of its standard input stopped it early. */
  readonly stopped: boolean;
  /** Wall-clock ms of every send, by sequence number. */
  readonly sentMsBySeq: readonly number[];
}

/** The receiver's first line. */
export interface ReceiverReady {
  /** Always true. */
  readonly ready: true;
  /** The port it listens on. */
  readonly port: number;
}

/** The receiver's last line. */
export interface ReceiverEnd extends ReceiverReport {
  /** Datagrams that were not probes of this run. */
  readonly foreignPackets: number;
  /** Probes whose sequence number was beyond `expect`. */
  readonly outOfRangePackets: number;
  /** With `arrivals`: each probe's first arrival, wall-clock ms (null: never came), up to the last probe that came. */
  readonly arrivalMsBySeq?: readonly (number | null)[];
}

function scriptPath(name: string): string {
  const url = new URL(name, import.meta.url);
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
}

/** `deno run` of a probe tool with the least it needs: the network. */
function toolArgv(script: string, args: readonly string[]): string[] {
  return [
    Deno.execPath(),
    "run",
    "--no-config",
    "--allow-net",
    "--unstable-net",
    scriptPath(script),
    ...args,
  ];
}

/**
 * The argv that runs the sender with `options`, stopping if its standard
 * input ends (so spawn it with a piped stdin, and keep the pipe open).
 *
 * @example
 * ```ts
 * import { senderArgv } from "@vnmig/vnmig/testbed";
 * const argv = senderArgv({ dst: "10.0.0.2", port: 5001, packetsPerSecond: 2000, packetBytes: 64, count: 10, runId: 3 });
 * if (!argv.includes("--rate=2000") || !argv.includes("--stdin-control")) throw new Error();
 * ```
 */
export function senderArgv(options: SenderOptions): string[] {
  assertInteger("port", options.port, 1, 65535);
  assertPositive("packetsPerSecond", options.packetsPerSecond);
  assertInteger(
    "packetBytes",
    options.packetBytes,
    MIN_PACKET_BYTES,
    MAX_PACKET_BYTES,
  );
  assertInteger("count", options.count, 1);
  assertInteger("runId", options.runId);
  return toolArgv("./sender.ts", [
    `--dst=${options.dst}`,
    `--port=${options.port}`,
    `--rate=${options.packetsPerSecond}`,
    `--bytes=${options.packetBytes}`,
    `--count=${options.count}`,
    `--run-id=${options.runId}`,
    "--stdin-control",
  ]);
}

/**
 * The argv that runs the receiver with `options`, controlled on its
 * standard input (`stop`, `read`; the end of input stops it too).
 *
 * @example
 * ```ts
 * import { receiverArgv } from "@vnmig/vnmig/testbed";
 * const argv = receiverArgv({ port: 0, expect: 100, runId: 3, maxSeconds: 30 });
 * if (!argv.includes("--expect=100") || argv.includes("--hold")) throw new Error();
 * ```
 */
export function receiverArgv(options: ReceiverOptions): string[] {
  assertInteger("port", options.port, 0, 65535);
  assertInteger("expect", options.expect, 1);
  assertInteger("runId", options.runId);
  assertPositive("maxSeconds", options.maxSeconds);
  return toolArgv("./receiver.ts", [
    `--port=${options.port}`,
    `--expect=${options.expect}`,
    `--run-id=${options.runId}`,
    `--max-seconds=${options.maxSeconds}`,
    "--stdin-control",
    ...(options.hold ? ["--hold"] : []),
    ...(options.arrivals ? ["--arrivals"] : []),
  ]);
}

function splitLines(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const p of parts) if (p.trim() !== "") controller.enqueue(p);
    },
    flush(controller) {
      if (rest.trim() !== "") controller.enqueue(rest);
    },
  });
}

/**
 * A spawned probe tool (stdout and stderr piped; stdin piped for
 * commands): its JSON lines one at a time, and commands to it.
 *
 * @example
 * ```ts ignore
 * import { JsonLinesProcess, receiverArgv, type ReceiverReady } from "@vnmig/vnmig/testbed";
 * const argv = receiverArgv({ port: 0, expect: 10, runId: 1, maxSeconds: 5 });
 * const child = new Deno.Command(argv[0], { args: argv.slice(1), stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
 * const receiver = new JsonLinesProcess(child);
 * const { port } = await receiver.next<ReceiverReady>("receiver start");
 * await receiver.command("stop");
 * await receiver.next("receiver report");
 * ```
 */
export class JsonLinesProcess {
  /** The process. */
  readonly child: Deno.ChildProcess;
  readonly #lines: AsyncIterator<string>;
  readonly #stderr: Promise<string>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;

  /** Wraps a child spawned with stdout and stderr piped (and stdin piped, for {@linkcode command}). */
  constructor(child: Deno.ChildProcess) {
    this.child = child;
    this.#lines = child.stdout
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(splitLines())[Symbol.asyncIterator]();
    this.#stderr = new Response(child.stderr).text().catch(() => "");
    let writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
    try {
      writer = child.stdin.getWriter();
    } catch {
      writer = undefined; // stdin not piped
    }
    this.#stdin = writer;
  }

  /** The next JSON line, parsed; throws (with the tool's stderr) if the process ended first. */
  async next<T>(what: string): Promise<T> {
    const { value, done } = await this.#lines.next();
    if (done) {
      const status = await this.child.status;
      throw new Error(
        `${what}: process ended (exit ${status.code}) ${
          (await this.#stderr).trim()
        }`,
      );
    }
    return JSON.parse(value) as T;
  }

  /** Writes one command line to the tool's standard input. */
  async command(line: string): Promise<void> {
    if (this.#stdin === undefined) {
      throw new Error("the process was spawned without a piped stdin");
    }
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  /** Closes the tool's standard input (the tools stop at its end). */
  async closeStdin(): Promise<void> {
    await this.#stdin?.close().catch(() => {});
  }
}

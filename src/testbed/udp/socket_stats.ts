/**
 * The kernel's own count of a UDP socket's losses, to check the receiver's
 * tally against: Linux lists every UDP socket of a network namespace in
 * `/proc/net/udp` with its receive queue (bytes not yet read) and its drop
 * counter (datagrams the kernel discarded because the socket's buffer was
 * full). When the queue is empty, every probe that reached the socket was
 * either read or counted as dropped, so on loopback the receiver's lost
 * probes must equal the drops exactly, however busy the machine.
 *
 * Parsing is pure; how the text is read is the caller's (Deno needs
 * `--allow-all` to read `/proc` directly, so a testbed reads it with
 * `cat` inside the receiver's namespace).
 *
 * @module
 */

import { assertInteger, assertPositive } from "../../_validate.ts";

/** One socket's line of `/proc/net/udp`. */
export interface UdpSocketStats {
  /** Local port. */
  readonly localPort: number;
  /** Bytes waiting in the receive queue. */
  readonly rxQueueBytes: number;
  /** Datagrams the kernel dropped for this socket. */
  readonly drops: number;
}

/**
 * The sockets bound to `localPort` in the text of `/proc/net/udp` (IPv4).
 *
 * @example
 * ```ts
 * import { udpSocketStats } from "@vnmig/vnmig/testbed";
 * const text = [
 *   "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
 *   "  812: 00000000:1389 00000000:0000 07 00000000:00000300 00:00000000 00000000     0        0 41 2 0000000000000000 17",
 * ].join("\n");
 * const [s] = udpSocketStats(text, 5001);
 * if (s.rxQueueBytes !== 0x300 || s.drops !== 17) throw new Error();
 * ```
 */
export function udpSocketStats(
  text: string,
  localPort: number,
): UdpSocketStats[] {
  assertInteger("localPort", localPort, 1, 65535);
  const out: UdpSocketStats[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const port = parseInt(f[1].split(":")[1] ?? "", 16);
    if (port !== localPort) continue;
    const rx = parseInt(f[4].split(":")[1] ?? "", 16);
    const drops = Number(f[f.length - 1]);
    if (!Number.isSafeInteger(rx) || !Number.isSafeInteger(drops)) {
      throw new RangeError(
        `/proc/net/udp line must end with a drop count; got ${
          JSON.stringify(line)
        }`,
      );
    }
    out.push({ localPort: port, rxQueueBytes: rx, drops });
  }
  return out;
}

/** Options of {@linkcode waitForDrainedSocket}. */
export interface DrainOptions {
  /** Give up after this long, seconds; default 30. */
  readonly timeoutSeconds?: number;
  /** Time between reads, ms; default 20. */
  readonly pollMs?: number;
}

/**
 * Reads `/proc/net/udp` (through `read`) until the socket on `localPort`
 * has an empty receive queue on two reads in a row (the reader has taken
 * everything that arrived), and returns its drop counter then. `drained`
 * is false when it gave up after the timeout (a reader that never caught
 * up) or no such socket exists (`drops` is then null).
 *
 * @example
 * ```ts
 * import { waitForDrainedSocket } from "@vnmig/vnmig/testbed";
 * const lines = (rx: number) =>
 *   `header\n 1: 00000000:1389 00000000:0000 07 00000000:${rx.toString(16)} 00:0 0 0 0 0 1 2 0 4`;
 * const reads = [lines(96), lines(0), lines(0)];
 * const r = await waitForDrainedSocket(() => Promise.resolve(reads.shift() ?? lines(0)), 5001, { pollMs: 1 });
 * if (!r.drained || r.drops !== 4) throw new Error();
 * ```
 */
export async function waitForDrainedSocket(
  read: () => Promise<string>,
  localPort: number,
  options: DrainOptions = {},
): Promise<{ drained: boolean; drops: number | null }> {
  const timeoutSeconds = options.timeoutSeconds ?? 30;
  const pollMs = options.pollMs ?? 20;
  assertPositive("timeoutSeconds", timeoutSeconds);
  assertPositive("pollMs", pollMs);
  const deadline = performance.now() + timeoutSeconds * 1000;
  let emptyReads = 0;
  let drops: number | null = null;
  for (;;) {
    const [socket] = udpSocketStats(await read(), localPort);
    if (socket === undefined) return { drained: false, drops: null };
    drops = socket.drops;
    emptyReads = socket.rxQueueBytes === 0 ? emptyReads + 1 : 0;
    if (emptyReads >= 2) return { drained: true, drops };
    if (performance.now() > deadline) return { drained: false, drops };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

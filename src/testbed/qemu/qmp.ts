/**
 * A QMP client (QEMU's JSON machine protocol) over a unix socket: the
 * greeting, `qmp_capabilities`, commands with their replies, and every
 * asynchronous event kept with QEMU's own timestamp (host wall clock,
 * microseconds), so that STOP, RESUME, MIGRATION and MIGRATION_PASS can be
 * placed on the same clock as the UDP probes.
 *
 * @module
 */

/** An asynchronous QMP event. */
export interface QmpEvent {
  /** Event name ("STOP", "RESUME", "MIGRATION", "MIGRATION_PASS"...). */
  readonly event: string;
  /** Its data (e.g. {status: "completed"}, {pass: 3}). */
  readonly data: Record<string, unknown>;
  /** QEMU's timestamp, ms since the Unix epoch (microsecond resolution). */
  readonly timestampMs: number;
}

/** A QMP command QEMU answered with an error. */
export class QmpError extends Error {
  /** QMP error class ("GenericError", "CommandNotFound"...). */
  readonly errorClass: string;
  /** An error of `command`: QEMU's error class and text. */
  constructor(command: string, errorClass: string, description: string) {
    super(`QMP ${command}: ${errorClass}: ${description}`);
    this.name = "QmpError";
    this.errorClass = errorClass;
  }
}

/** Options of {@linkcode QmpClient.connect}. */
export interface QmpConnectOptions {
  /** Keep retrying the connection for this long (QEMU creates the socket at start), seconds; default 30. */
  readonly timeoutSeconds?: number;
  /** Give up early when aborted; default never. */
  readonly signal?: AbortSignal;
}

/** Options of a wait. */
export interface QmpWaitOptions {
  /** Give up after this long, seconds; default 60. */
  readonly timeoutSeconds?: number;
  /** Give up when aborted; default never. */
  readonly signal?: AbortSignal;
}

interface Pending {
  readonly command: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * One QMP connection. Commands are answered in order (QMP without
 * out-of-band execution); events arrive between replies and are all kept.
 *
 * @example
 * ```ts ignore
 * import { QmpClient } from "@vnmig/vnmig/testbed/qemu";
 * const qmp = await QmpClient.connect("/run/vnmig/ab12/src.qmp");
 * await qmp.execute("migrate-set-capabilities", { capabilities: [{ capability: "events", state: true }] });
 * await qmp.execute("migrate", { uri: "tcp:10.9.0.2:4444" });
 * const stop = await qmp.waitForEvent((e) => e.event === "STOP");
 * if (!(stop.timestampMs > 0)) throw new Error();
 * qmp.close();
 * ```
 */
export class QmpClient {
  /** Every event received so far, in arrival order. */
  readonly events: QmpEvent[] = [];
  /** The greeting's QEMU version ("7.2.22"). */
  readonly qemuVersion: string;
  readonly #conn: Deno.UnixConn;
  readonly #pending: Pending[] = [];
  readonly #waiters = new Set<() => void>();
  #closed: Error | undefined;
  #writeChain: Promise<void> = Promise.resolve();

  private constructor(conn: Deno.UnixConn, qemuVersion: string) {
    this.#conn = conn;
    this.qemuVersion = qemuVersion;
  }

  /** Connects (retrying until the socket exists), reads the greeting and leaves capability negotiation. */
  static async connect(
    path: string,
    options: QmpConnectOptions = {},
  ): Promise<QmpClient> {
    const deadline = performance.now() + (options.timeoutSeconds ?? 30) * 1000;
    let conn: Deno.UnixConn | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        conn = await Deno.connect({ transport: "unix", path });
        break;
      } catch (error) {
        // Only "not there yet" is worth waiting for; a permission error is not.
        const early = error instanceof Deno.errors.NotFound ||
          error instanceof Deno.errors.ConnectionRefused;
        if (!early || performance.now() > deadline) {
          throw new Error(`cannot connect to QMP socket ${path}: ${error}`);
        }
        await sleep(50);
      }
    }
    const lines = qmpMessages(conn.readable);
    const greeting = await lines.next();
    if (greeting.done) {
      conn.close();
      throw new Error(`QMP socket ${path} closed before its greeting`);
    }
    const g = JSON.parse(greeting.value);
    const v = g?.QMP?.version?.qemu;
    const client = new QmpClient(
      conn,
      v === undefined ? "unknown" : `${v.major}.${v.minor}.${v.micro}`,
    );
    client.#readLoop(lines);
    await client.execute("qmp_capabilities");
    return client;
  }

  async #readLoop(lines: AsyncIterator<string>): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await lines.next();
        if (done) break;
        const message = JSON.parse(value);
        if (typeof message.event === "string") {
          const ts = message.timestamp ?? {};
          this.events.push({
            event: message.event,
            data: message.data ?? {},
            timestampMs: (ts.seconds ?? 0) * 1000 +
              (ts.microseconds ?? 0) / 1000,
          });
          for (const w of this.#waiters) w();
          continue;
        }
        const pending = this.#pending.shift();
        if (pending === undefined) continue;
        if (message.error !== undefined) {
          pending.reject(
            new QmpError(
              pending.command,
              message.error.class,
              message.error.desc,
            ),
          );
        } else pending.resolve(message.return);
      }
      this.#fail(new Error("QMP connection closed by QEMU"));
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    for (const p of this.#pending.splice(0)) p.reject(error);
    for (const w of this.#waiters) w();
  }

  /** Runs a command and returns its `return` value; throws {@linkcode QmpError} on QEMU's error. */
  execute<T = unknown>(
    command: string,
    args?: Record<string, unknown>,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    const text = JSON.stringify(
      args === undefined
        ? { execute: command }
        : { execute: command, arguments: args },
    ) +
      "\n";
    const reply = new Promise<T>((resolve, reject) => {
      this.#pending.push({
        command,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
    });
    const bytes = new TextEncoder().encode(text);
    this.#writeChain = this.#writeChain.then(async () => {
      let at = 0;
      while (at < bytes.length) {
        at += await this.#conn.write(bytes.subarray(at));
      }
    }).catch((error) =>
      this.#fail(error instanceof Error ? error : new Error(String(error)))
    );
    return reply;
  }

  /**
   * The first event (already received or still to come) for which
   * `predicate` holds, searching from index `fromIndex` of
   * {@linkcode events} (default 0).
   */
  waitForEvent(
    predicate: (event: QmpEvent) => boolean,
    options: QmpWaitOptions & { readonly fromIndex?: number } = {},
  ): Promise<QmpEvent> {
    const timeoutMs = (options.timeoutSeconds ?? 60) * 1000;
    let searched = options.fromIndex ?? 0;
    return new Promise<QmpEvent>((resolve, reject) => {
      const done = () => {
        this.#waiters.delete(check);
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const check = () => {
        for (; searched < this.events.length; searched++) {
          if (predicate(this.events[searched])) {
            done();
            resolve(this.events[searched]);
            return;
          }
        }
        if (this.#closed) {
          done();
          reject(this.#closed);
        }
      };
      const onAbort = () => {
        done();
        reject(options.signal!.reason ?? new Error("aborted"));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching QMP event within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      options.signal?.addEventListener("abort", onAbort);
      this.#waiters.add(check);
      check();
    });
  }

  /** Calls `listener` on every event from now on; returns the function that stops it. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    let seen = this.events.length;
    const w = () => {
      for (; seen < this.events.length; seen++) listener(this.events[seen]);
    };
    this.#waiters.add(w);
    return () => this.#waiters.delete(w);
  }

  /** Closes the connection (QEMU keeps running). */
  close(): void {
    this.#fail(new Error("QMP connection closed"));
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** QMP's messages: one JSON object per CRLF-terminated line. */
async function* qmpMessages(
  readable: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of readable) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const message = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 1);
      if (message !== "") yield message;
    }
  }
}

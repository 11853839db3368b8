// A long-running child that takes line commands on stdin and answers with
// JSON lines on stdout (the control relay, the Domain 0 sync daemon): every
// event is kept, in order, and a caller can wait for the next matching one.

import type { HostRun } from "../host/run.ts";

/** One JSON event line of a daemon. */
export type DaemonEvent = Record<string, unknown> & { readonly event: string };

/** A daemon process of a run. */
export class LineDaemon {
  readonly name: string;
  readonly child: Deno.ChildProcess;
  readonly events: DaemonEvent[] = [];
  readonly stderr: string[] = [];
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #waiters: {
    match: (e: DaemonEvent) => boolean;
    from: number;
    resolve: (e: DaemonEvent) => void;
  }[] = [];
  #closed = false;

  constructor(
    run: HostRun,
    name: string,
    argv: readonly string[],
    namespace: string,
  ) {
    this.name = name;
    this.child = run.spawn(argv, { namespace, stdin: "piped" });
    this.#writer = this.child.stdin.getWriter();
    this.#pump(this.child.stdout, (line) => {
      let e: DaemonEvent;
      try {
        e = JSON.parse(line);
      } catch {
        return;
      }
      this.events.push(e);
      for (const w of [...this.#waiters]) {
        if (w.match(e)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    });
    this.#pump(this.child.stderr, (line) => this.stderr.push(line));
    this.child.status.then(() => {
      this.#closed = true;
    });
  }

  async #pump(
    stream: ReadableStream<Uint8Array>,
    onLine: (line: string) => void,
  ): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    try {
      for await (const chunk of stream) {
        rest += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = rest.indexOf("\n")) >= 0) {
          onLine(rest.slice(0, nl));
          rest = rest.slice(nl + 1);
        }
      }
    } catch {
      // The process ended.
    }
  }

  /** Sends one command line. */
  async send(line: string): Promise<void> {
    if (this.#closed) throw new Error(`${this.name} has exited`);
    await this.#writer.write(new TextEncoder().encode(line + "\n"));
  }

  /**
   * The first event from index `from` on (default: events after now) that
   * matches, within `timeoutSeconds`; an error event of the daemon, or the
   * time-out, throws with `what` in the message.
   */
  waitFor(
    what: string,
    match: (e: DaemonEvent) => boolean,
    timeoutSeconds: number,
    from: number = this.events.length,
  ): Promise<DaemonEvent> {
    for (let i = from; i < this.events.length; i++) {
      if (match(this.events[i])) return Promise.resolve(this.events[i]);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        const errors = this.events.filter((e) =>
          e.event === "error" || e.event === "connection-error"
        ).slice(-3).map((e) => JSON.stringify(e));
        reject(
          new Error(
            `${this.name}: ${what} did not happen within ${timeoutSeconds} s${
              errors.length > 0 ? `; its errors: ${errors.join("; ")}` : ""
            }${
              this.stderr.length > 0
                ? `; stderr: ${this.stderr.slice(-3).join(" | ")}`
                : ""
            }`,
          ),
        );
      }, timeoutSeconds * 1000);
      const waiter = {
        match,
        from,
        resolve: (e: DaemonEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Sends a command and waits for the event it answers with. */
  async request(
    line: string,
    event: string,
    timeoutSeconds = 10,
  ): Promise<DaemonEvent> {
    const from = this.events.length;
    await this.send(line);
    return await this.waitFor(
      `"${line}" -> ${event}`,
      (e) => e.event === event || e.event === "error",
      timeoutSeconds,
      from,
    ).then((e) => {
      if (e.event === "error") {
        throw new Error(`${this.name}: "${line}" failed: ${JSON.stringify(e)}`);
      }
      return e;
    });
  }
}

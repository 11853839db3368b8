/**
 * An OpenFlow 1.3 controller: a TCP server on 127.0.0.1 that accepts several
 * switches, answers HELLO and ECHO, learns each switch's datapath id from
 * FEATURES_REPLY, sends FLOW_MODs and waits for BARRIER replies, and records
 * every ERROR the switches send.
 *
 * @module
 */

import {
  decodeMessage,
  encodeFlowMod,
  encodeHello,
  encodeSimple,
  type ErrorMessage,
  type FlowModOptions,
  type OfpMessage,
  splitMessages,
} from "../../openflow13/mod.ts";

/** An ERROR received from a switch. */
export interface SwitchError {
  /** The switch's datapath id. */
  readonly datapathId: bigint;
  /** The error message. */
  readonly error: ErrorMessage;
}

class SwitchConnection {
  datapathId: bigint | undefined;
  readonly conn: Deno.TcpConn;
  readonly pending = new Map<number, (m: OfpMessage) => void>();
  #writeChain: Promise<void> = Promise.resolve();

  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  write(bytes: Uint8Array): Promise<void> {
    // Serialise writes so that messages keep their order on the wire.
    this.#writeChain = this.#writeChain.then(async () => {
      let at = 0;
      while (at < bytes.length) at += await this.conn.write(bytes.subarray(at));
    });
    return this.#writeChain;
  }
}

/** Options of {@linkcode OpenFlowController.listen}. */
export interface ControllerOptions {
  /** TCP port on 127.0.0.1; default 0 (any free port). */
  readonly port?: number;
}

/**
 * A minimal OpenFlow 1.3 controller for the testbed.
 *
 * @example
 * ```ts ignore
 * import { OpenFlowController } from "@vnmig/vnmig/testbed";
 * const controller = OpenFlowController.listen();
 * // ovs-vsctl set-controller BR tcp:127.0.0.1:<controller.port>
 * await controller.waitForSwitches([1n]);
 * await controller.sendFlowMod(1n, { command: "add", priority: 100, match: { inPort: 1 }, outPorts: [2] });
 * await controller.barrier(1n);
 * controller.close();
 * ```
 */
export class OpenFlowController {
  /** The TCP port it listens on. */
  readonly port: number;
  /** Errors received from the switches, in arrival order. */
  readonly errors: SwitchError[] = [];
  readonly #listener: Deno.TcpListener;
  readonly #switches = new Map<bigint, SwitchConnection>();
  readonly #connections = new Set<SwitchConnection>();
  #nextXid = 1;
  #closed = false;
  #switchWaiters: (() => void)[] = [];

  private constructor(listener: Deno.TcpListener) {
    this.#listener = listener;
    this.port = listener.addr.port;
    this.#acceptLoop();
  }

  /** Starts listening on 127.0.0.1. */
  static listen(options: ControllerOptions = {}): OpenFlowController {
    const listener = Deno.listen({
      hostname: "127.0.0.1",
      port: options.port ?? 0,
      transport: "tcp",
    });
    return new OpenFlowController(listener);
  }

  /** Datapath ids of the switches connected so far. */
  get datapathIds(): bigint[] {
    return [...this.#switches.keys()];
  }

  async #acceptLoop(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        conn.setNoDelay(true);
        const sw = new SwitchConnection(conn);
        this.#connections.add(sw);
        this.#readLoop(sw);
      }
    } catch {
      // Listener closed.
    }
  }

  async #readLoop(sw: SwitchConnection): Promise<void> {
    let buffer: Uint8Array = new Uint8Array(0);
    const chunk = new Uint8Array(65536);
    try {
      await sw.write(encodeHello(this.#xid()));
      for (;;) {
        const n = await sw.conn.read(chunk);
        if (n === null) break;
        const joined = new Uint8Array(buffer.length + n);
        joined.set(buffer);
        joined.set(chunk.subarray(0, n), buffer.length);
        const { messages, rest } = splitMessages(joined);
        buffer = rest;
        for (const bytes of messages) this.#handle(sw, decodeMessage(bytes));
      }
    } catch {
      // Connection reset or closed by close().
    } finally {
      this.#connections.delete(sw);
      if (
        sw.datapathId !== undefined &&
        this.#switches.get(sw.datapathId) === sw
      ) {
        this.#switches.delete(sw.datapathId);
      }
      try {
        sw.conn.close();
      } catch {
        // Already closed.
      }
    }
  }

  #handle(sw: SwitchConnection, message: OfpMessage): void {
    switch (message.type) {
      case "hello":
        sw.write(encodeSimple("features_request", this.#xid()));
        break;
      case "echo_request":
        sw.write(encodeSimple("echo_reply", message.xid, message.data));
        break;
      case "features_reply":
        sw.datapathId = message.datapathId;
        this.#switches.set(message.datapathId, sw);
        for (const wake of this.#switchWaiters.splice(0)) wake();
        break;
      case "error":
        this.errors.push({
          datapathId: sw.datapathId ?? -1n,
          error: message,
        });
        break;
      default:
        break;
    }
    const waiter = sw.pending.get(message.xid);
    if (waiter !== undefined && message.type !== "error") {
      sw.pending.delete(message.xid);
      waiter(message);
    }
  }

  #xid(): number {
    const xid = this.#nextXid;
    this.#nextXid = this.#nextXid >= 0xfffffff0 ? 1 : this.#nextXid + 1;
    return xid;
  }

  #switch(datapathId: bigint): SwitchConnection {
    const sw = this.#switches.get(datapathId);
    if (sw === undefined) {
      throw new RangeError(
        `datapathId must be a connected switch (${
          this.datapathIds.map((d) => d.toString(16)).join(", ") || "none"
        }); got ${datapathId.toString(16)}`,
      );
    }
    return sw;
  }

  /**
   * Resolves once every listed switch has connected and sent FEATURES_REPLY;
   * rejects after `timeoutMs` (default 15000).
   */
  async waitForSwitches(
    datapathIds: readonly bigint[],
    timeoutMs = 15_000,
  ): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!datapathIds.every((d) => this.#switches.has(d))) {
      const left = deadline - performance.now();
      if (left <= 0) {
        const missing = datapathIds.filter((d) => !this.#switches.has(d));
        throw new Error(
          `timed out waiting for switches ${
            missing.map((d) => d.toString(16)).join(", ")
          }`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#switchWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Sends a FLOW_MOD to a switch; resolves when the bytes are written
   * (returns its xid).
   */
  async sendFlowMod(
    datapathId: bigint,
    options: FlowModOptions,
  ): Promise<number> {
    const xid = this.#xid();
    await this.#switch(datapathId).write(encodeFlowMod(xid, options));
    return xid;
  }

  /**
   * Sends a BARRIER_REQUEST and resolves when its reply arrives: every
   * message sent before it on that connection has then been processed.
   * Rejects after `timeoutMs` (default 5000).
   */
  barrier(datapathId: bigint, timeoutMs = 5_000): Promise<void> {
    const sw = this.#switch(datapathId);
    const xid = this.#xid();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        sw.pending.delete(xid);
        reject(new Error(`barrier to ${datapathId.toString(16)} timed out`));
      }, timeoutMs);
      sw.pending.set(xid, () => {
        clearTimeout(timer);
        resolve();
      });
      sw.write(encodeSimple("barrier_request", xid)).catch((e) => {
        clearTimeout(timer);
        sw.pending.delete(xid);
        reject(e);
      });
    });
  }

  /** Closes the listener and every switch connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const sw of this.#connections) {
      try {
        sw.conn.close();
      } catch {
        // Already closed.
      }
    }
  }
}

/**
 * The Domain 0 half of the route-synchronisation daemon pair: run it inside
 * a host's Domain 0 namespace,
 * `deno run -A src/testbed/plane_separation/sync_daemon.ts --vm 10.250.0.10:7000 --table 100 --map eth1=brc,eth2=brs`.
 * It waits for commands on stdin (`sync`, `probes`, `quit`). `sync`
 * connects to the guest daemon (psroutes) on the dedicated network, asks
 * for a dump, writes every route into the router's table through one
 * long-lived `ip -force -batch -`, and reports when the table holds the
 * whole dump; later changes stream in and are applied as they come.
 * Events are JSON lines on stdout with `t` = wall-clock ms.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parseGuestLine, routeCommand } from "./dataplane.ts";

const encoder = new TextEncoder();
const now = () => performance.timeOrigin + performance.now();
const emit = (v: Record<string, unknown>) =>
  console.log(JSON.stringify({ t: now(), ...v }));

async function* lines(stream: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    rest += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
    }
  }
  if (rest !== "") yield rest;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      vm: { type: "string" },
      table: { type: "string" },
      map: { type: "string" },
    },
    strict: true,
  });
  const [host, portText] = (values.vm ?? "").split(":");
  const port = Number(portText);
  const table = Number(values.table);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(host) || !Number.isInteger(port)) {
    throw new RangeError(`--vm must be ADDRESS:PORT; got ${values.vm}`);
  }
  if (!Number.isInteger(table) || table < 1 || table > 252) {
    throw new RangeError(
      `--table must be an integer in [1, 252]; got ${values.table}`,
    );
  }
  const map: Record<string, string> = {};
  for (const pair of (values.map ?? "").split(",")) {
    const [guest, bridge] = pair.split("=");
    if (!guest || !bridge) {
      throw new RangeError(`--map must be g=b,...; got ${values.map}`);
    }
    map[guest] = bridge;
  }

  const ip = new Deno.Command("ip", {
    args: ["-force", "-batch", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const ipIn = ip.stdin.getWriter();
  let ipErrors = 0;
  (async () => {
    for await (const line of lines(ip.stderr)) {
      if (line.startsWith("Command failed")) ipErrors++;
    }
  })();
  // `ip -batch` runs its lines in order: when the marker's output appears,
  // every line written before it has been applied.
  const markers: (() => void)[] = [];
  (async () => {
    for await (const line of lines(ip.stdout)) {
      if (/^\d+: lo:/.test(line)) markers.shift()?.();
    }
  })();
  const applied = async () => {
    const done = new Promise<void>((r) => markers.push(r));
    await ipIn.write(encoder.encode("link show dev lo\n"));
    await done;
  };

  let conn: Deno.TcpConn | undefined;
  const probeWaiters: ((v: unknown) => void)[] = [];

  async function sync(): Promise<void> {
    const t0 = now();
    conn?.close();
    conn = await Deno.connect({ hostname: host, port });
    const tConnected = now();
    await conn.write(encoder.encode("dump\n"));
    let count = 0;
    let bound = 0;
    let firstRouteMs = NaN;
    let batch = "";
    let synced = false;
    const flush = async () => {
      if (batch !== "") await ipIn.write(encoder.encode(batch));
      batch = "";
    };
    const reader = conn.readable;
    (async () => {
      try {
        for await (const line of lines(reader)) {
          const msg = parseGuestLine(line);
          if (msg === undefined) continue;
          if (msg.kind === "route") {
            if (Number.isNaN(firstRouteMs)) firstRouteMs = now();
            count++;
            const cmd = routeCommand(msg.route, map, table);
            if (cmd !== undefined) {
              bound++;
              batch += cmd + "\n";
              if (batch.length > 32768 || synced) await flush();
            }
            if (synced) emit({ event: "update", route: msg.route });
          } else if (msg.kind === "end") {
            const tDumped = now();
            await flush();
            await applied();
            synced = true;
            emit({
              event: "synced",
              startMs: t0,
              connectedMs: tConnected,
              firstRouteMs,
              dumpedMs: tDumped,
              appliedMs: now(),
              routes: count,
              boundRoutes: bound,
              guestDumpNs: msg.dumpNs,
              ipErrors,
            });
          } else if (msg.kind === "probes") {
            probeWaiters.shift()?.(msg);
          }
        }
      } catch (error) {
        emit({ event: "connection-error", message: String(error) });
      }
      emit({ event: "disconnected" });
    })();
  }

  emit({ event: "ready" });
  for await (const line of lines(Deno.stdin.readable)) {
    const cmd = line.trim();
    try {
      if (cmd === "sync") await sync();
      else if (cmd === "probes") {
        if (conn === undefined) throw new Error("not connected");
        const got = new Promise((r) => probeWaiters.push(r));
        await conn.write(encoder.encode("probes\n"));
        emit({ event: "probes", report: await got });
      } else if (cmd === "quit") break;
      else if (cmd !== "") {
        emit({ event: "error", message: `unknown command ${cmd}` });
      }
    } catch (error) {
      emit({ event: "error", message: String(error) });
    }
  }
  conn?.close();
  await ipIn.close();
  await ip.status;
  Deno.exit(0);
}

if (import.meta.main) await main();

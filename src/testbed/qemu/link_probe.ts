/**
 * Measures the shaped migration link's TCP goodput before the migration
 * (the rate the prediction takes), a program run inside the hosts'
 * namespaces:
 *
 * ```sh
 * deno run --no-config --allow-net src/testbed/qemu/link_probe.ts serve 10.9.0.2 4445 1.5
 * deno run --no-config --allow-net src/testbed/qemu/link_probe.ts send 10.9.0.2 4445 1.5
 * ```
 *
 * `serve` accepts one connection, counts the bytes that arrive over the
 * last `seconds - 0.3` s (the first 0.3 s, TCP's slow start, are left out)
 * and prints `{"goodputBytesPerSecond", "bytes", "seconds"}`; `send`
 * writes as fast as the link takes for `seconds`, then closes.
 *
 * Exit codes: 0 measured; 2 usage error; 1 connection error.
 *
 * @module
 */

const USAGE = "Usage: link_probe.ts serve|send IPV4 PORT SECONDS";

async function serve(
  host: string,
  port: number,
  seconds: number,
): Promise<void> {
  const listener = Deno.listen({ hostname: host, port, transport: "tcp" });
  console.log(JSON.stringify({ ready: true }));
  const conn = await listener.accept();
  listener.close();
  const buffer = new Uint8Array(1 << 16);
  const t0 = performance.now();
  const skipMs = 300;
  let bytes = 0;
  let firstMs = NaN;
  let lastMs = NaN;
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) break;
    const now = performance.now() - t0;
    if (now >= skipMs) {
      if (Number.isNaN(firstMs)) firstMs = now;
      else bytes += n;
      lastMs = now;
    }
    if (now > seconds * 1000) break;
  }
  conn.close();
  const span = (lastMs - firstMs) / 1000;
  console.log(JSON.stringify({
    goodputBytesPerSecond: span > 0 ? bytes / span : 0,
    bytes,
    seconds: span,
  }));
}

async function send(
  host: string,
  port: number,
  seconds: number,
): Promise<void> {
  const conn = await Deno.connect({ hostname: host, port, transport: "tcp" });
  const chunk = new Uint8Array(1 << 16).fill(0x5a);
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) await conn.write(chunk);
  } catch {
    // The server closed first: done.
  }
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

async function main(): Promise<number> {
  const [mode, host, portText, secondsText, ...rest] = Deno.args;
  const port = Number(portText);
  const seconds = Number(secondsText);
  if (
    rest.length > 0 || (mode !== "serve" && mode !== "send") ||
    !/^\d+\.\d+\.\d+\.\d+$/.test(host ?? "") || !Number.isInteger(port) ||
    port < 1 || port > 65535 || !(seconds >= 0.5 && seconds <= 60)
  ) {
    console.error(USAGE + " (PORT 1..65535, SECONDS 0.5..60)");
    return 2;
  }
  if (mode === "serve") await serve(host, port, seconds);
  else await send(host, port, seconds);
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(
      `link_probe: ${error instanceof Error ? error.message : error}`,
    );
    Deno.exit(1);
  }
}

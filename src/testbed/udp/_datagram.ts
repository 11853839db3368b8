// Deno's native UDP socket (Deno.listenDatagram, needs --unstable-net),
// typed here because the stable type declarations leave it out. The probe
// tools use it rather than node:dgram: it costs less per datagram, and
// node:dgram's asynchronous sends reordered probes even on loopback.

/** The part of Deno's unstable DatagramConn the probe tools use. */
export interface DatagramConn {
  /** The bound address. */
  readonly addr: { readonly hostname: string; readonly port: number };
  receive(): Promise<[Uint8Array, unknown]>;
  send(
    data: Uint8Array,
    to: { transport: "udp"; hostname: string; port: number },
  ): Promise<number>;
  close(): void;
}

/** A UDP socket bound to hostname:port (port 0: any free port). */
export function listenUdp(hostname: string, port: number): DatagramConn {
  return (Deno as unknown as {
    listenDatagram(o: {
      transport: "udp";
      hostname: string;
      port: number;
    }): DatagramConn;
  }).listenDatagram({ transport: "udp", hostname, port });
}

// Shared fixtures of the OpenFlow tests.
import { type Topology, topology } from "../mod.ts";

/** Old A-B-C-D-E; extra links A-C and B-E let the new path run A-C-B-E (B and C crossed backwards). */
export function backwardsTopology(): Topology {
  const link = (a: string, pa: number, b: string, pb: number) => ({
    a: { switchId: a, port: pa },
    b: { switchId: b, port: pb },
    latencySeconds: 0.0001,
    bitsPerSecond: 1e9,
  });
  const ids = ["A", "B", "C", "D", "E"];
  return topology({
    switches: ids.map((id) => ({ id, ports: [1, 2, 3, 4] })),
    links: [
      link("A", 2, "B", 2),
      link("B", 3, "C", 2),
      link("C", 3, "D", 2),
      link("D", 3, "E", 2),
      link("A", 3, "C", 4),
      link("B", 4, "E", 3),
    ],
    hosts: [
      {
        id: "src",
        ipv4: "10.0.0.1",
        switchId: "A",
        port: 1,
        latencySeconds: 0.0001,
        bitsPerSecond: 1e9,
      },
      {
        id: "dst",
        ipv4: "10.0.0.2",
        switchId: "E",
        port: 1,
        latencySeconds: 0.0001,
        bitsPerSecond: 1e9,
      },
    ],
    controller: {
      id: "c",
      channels: ids.map((switchId) => ({
        switchId,
        hops: 1,
        latencySeconds: 0.001,
      })),
    },
  });
}

/** Two switches, s1 (channel 1 ms) and s2 (channel 2 ms), a host on each. */
export function twoSwitchTopology(): Topology {
  return topology({
    switches: [{ id: "s1", ports: [1, 2] }, { id: "s2", ports: [1, 2] }],
    links: [{
      a: { switchId: "s1", port: 2 },
      b: { switchId: "s2", port: 2 },
      latencySeconds: 0.0001,
      bitsPerSecond: 1e9,
    }],
    hosts: [
      {
        id: "a",
        ipv4: "10.0.0.1",
        switchId: "s1",
        port: 1,
        latencySeconds: 0,
        bitsPerSecond: 1e9,
      },
      {
        id: "b",
        ipv4: "10.0.0.2",
        switchId: "s2",
        port: 1,
        latencySeconds: 0,
        bitsPerSecond: 1e9,
      },
    ],
    controller: {
      id: "c",
      channels: [
        { switchId: "s1", hops: 1, latencySeconds: 0.001 },
        { switchId: "s2", hops: 2, latencySeconds: 0.002 },
      ],
    },
  });
}

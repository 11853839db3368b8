import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type PhysicalTopology,
  placementCandidates,
  type VirtualNetwork,
} from "../mod.ts";

// A Fig. 1-like substrate: virtual routers A, B, C on 1, 2, 3; B moves.
//   1 - 2 - 3      1 - 5 - 3      1 - 4 - 6 - 3      5 - 6      7 (isolated)
const physical: PhysicalTopology = {
  nodes: ["1", "2", "3", "4", "5", "6", "7"],
  links: [
    ["1", "2"],
    ["2", "3"],
    ["1", "5"],
    ["5", "3"],
    ["1", "4"],
    ["4", "6"],
    ["6", "3"],
    ["5", "6"],
  ],
};
const net: VirtualNetwork = {
  name: "red",
  hosts: { A: "1", B: "2", C: "3" },
  links: [["A", "B"], ["B", "C"]],
};

Deno.test("Fig. 1: the node keeping every virtual neighbour one hop away", () => {
  const r = placementCandidates(physical, {
    networks: [net],
    network: "red",
    router: "B",
  });
  assert.equal(r.currentHost, "2");
  assert.deepEqual(r.neighbours, [{ name: "A", host: "1" }, {
    name: "C",
    host: "3",
  }]);
  assert.deepEqual(r.oneHop, ["5"]);
  // 4 and 6 each need one 2-hop tunnel; ties broken by name.
  assert.deepEqual(r.ranked.map((c) => c.node), ["5", "4", "6"]);
  assert.deepEqual(r.ranked[1].tunnels, [{
    neighbour: "C",
    neighbourHost: "3",
    physicalPath: ["4", "6", "3"],
    physicalHops: 2,
  }]);
  // From 6, 1 is two hops via 4 or 5: the path goes via the smaller name.
  assert.deepEqual(r.ranked[2].tunnels[0].physicalPath, ["6", "4", "1"]);
  assert.deepEqual(
    r.rejected.map((x) => x.node),
    ["1", "3", "7"],
  );
  assert.match(r.rejected[2].reason, /cannot reach/);
});

Deno.test("placement: occupancy and shared hosts", () => {
  const blue: VirtualNetwork = {
    name: "blue",
    hosts: { X: "5" },
    links: [],
  };
  const full = placementCandidates(physical, {
    networks: [net, blue],
    network: "red",
    router: "B",
  }, { maxRoutersPerNode: 1 });
  assert.deepEqual(full.oneHop, []);
  assert.deepEqual(full.ranked.map((c) => c.node), ["4", "6"]);
  assert.ok(full.rejected.some((x) => x.node === "5" && /full/.test(x.reason)));

  const shared = placementCandidates(physical, {
    networks: [net],
    network: "red",
    router: "B",
  }, { allowSharedHost: true });
  // On A's host, A is local (0 hops) and C is two hops away.
  const on1 = shared.ranked.find((c) => c.node === "1")!;
  assert.equal(on1.tunnels.length, 1);
  assert.equal(on1.tunnels[0].neighbour, "C");
  assert.equal(on1.maxHops, 2);
});

Deno.test("a longer stretch ranks after a shorter one", () => {
  const line: PhysicalTopology = {
    nodes: ["a", "b", "c", "d", "e"],
    links: [["a", "b"], ["b", "c"], ["c", "d"], ["d", "e"]],
  };
  const r = placementCandidates(line, {
    networks: [{ name: "n", hosts: { P: "a", Q: "b" }, links: [["P", "Q"]] }],
    network: "n",
    router: "Q",
  });
  assert.deepEqual(r.ranked.map((c) => [c.node, c.extraHops]), [
    ["c", 1],
    ["d", 2],
    ["e", 3],
  ]);
});

// Independent check: all-pairs distances by Floyd-Warshall.
function distances(p: PhysicalTopology): Map<string, Map<string, number>> {
  const d = new Map(
    p.nodes.map((a) => [
      a,
      new Map(p.nodes.map((b) => [b, a === b ? 0 : Infinity])),
    ]),
  );
  for (const [a, b] of p.links) {
    d.get(a)!.set(b, 1);
    d.get(b)!.set(a, 1);
  }
  for (const k of p.nodes) {
    for (const i of p.nodes) {
      for (const j of p.nodes) {
        const via = d.get(i)!.get(k)! + d.get(k)!.get(j)!;
        if (via < d.get(i)!.get(j)!) d.get(i)!.set(j, via);
      }
    }
  }
  return d;
}

Deno.test("placement on random topologies: one-hop iff adjacent, tunnels are shortest paths", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 4, max: 9 }),
      fc.array(fc.tuple(fc.nat(8), fc.nat(8)), { maxLength: 20 }),
      fc.array(fc.nat(8), { minLength: 3, maxLength: 3 }),
      (n, rawLinks, rawHosts) => {
        const nodes = Array.from({ length: n }, (_, i) => `p${i}`);
        const links = rawLinks
          .map(([a, b]) => [a % n, b % n])
          .filter(([a, b]) => a !== b)
          .map(([a, b]) => [`p${a}`, `p${b}`] as [string, string]);
        const hosts = rawHosts.map((h) => `p${h % n}`);
        if (new Set(hosts).size < 3) return;
        const physical = { nodes, links };
        const network = {
          name: "v",
          hosts: { A: hosts[0], B: hosts[1], C: hosts[2] },
          links: [["A", "B"], ["B", "C"]] as [string, string][],
        };
        const d = distances(physical);
        const r = placementCandidates(physical, {
          networks: [network],
          network: "v",
          router: "B",
        });
        assert.equal(r.ranked.length + r.rejected.length, n - 1);
        for (const c of r.ranked) {
          const dA = d.get(c.node)!.get(hosts[0])!;
          const dC = d.get(c.node)!.get(hosts[2])!;
          assert.equal(c.oneHop, dA <= 1 && dC <= 1);
          for (const t of c.tunnels) {
            assert.equal(t.physicalHops, d.get(c.node)!.get(t.neighbourHost));
            t.physicalPath.slice(1).forEach((x, i) => {
              assert.equal(d.get(t.physicalPath[i])!.get(x), 1);
            });
          }
        }
        for (let i = 1; i < r.ranked.length; i++) {
          const [x, y] = [r.ranked[i - 1], r.ranked[i]];
          assert.ok(
            x.tunnels.length < y.tunnels.length ||
              (x.tunnels.length === y.tunnels.length &&
                x.extraHops <= y.extraHops),
          );
        }
      },
    ),
  );
});

Deno.test("placement: bad input is a RangeError naming the parameter", () => {
  const req = { networks: [net], network: "red", router: "B" };
  assert.throws(
    () => placementCandidates(physical, { ...req, network: "green" }),
    /request.network/,
  );
  assert.throws(
    () => placementCandidates(physical, { ...req, router: "Z" }),
    /request.router/,
  );
  assert.throws(
    () =>
      placementCandidates(
        { nodes: ["1"], links: [["1", "9"]] },
        req,
      ),
    /physical.links\[0\]/,
  );
  assert.throws(
    () => placementCandidates({ nodes: [], links: [] }, req),
    /physical.nodes/,
  );
  assert.throws(
    () => placementCandidates(physical, req, { maxRoutersPerNode: -1 }),
    /maxRoutersPerNode/,
  );
});

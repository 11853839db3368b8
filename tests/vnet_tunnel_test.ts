import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cbrStream,
  countFates,
  ENCAPSULATIONS,
  fragmentSizes,
  placementCandidates,
  tunnelLink,
  tunnelPathElement,
} from "../mod.ts";

Deno.test("1500-byte packets at a 1500-byte MTU: each encapsulation", () => {
  const gre = tunnelLink({ encapsulation: "gre", packetSizeBytes: 1500 });
  assert.equal(gre.overheadBytes, 24);
  assert.equal(gre.outerPacketBytes, 1524);
  assert.equal(gre.innerMtuBytes, 1476);
  assert.equal(gre.fate, "fragmented");
  // 1504 payload bytes: 1480 + 24, each fragment with its own 20-byte header.
  assert.deepEqual(gre.fragmentBytes, [1500, 44]);
  assert.equal(gre.wireBytes, 1544);

  const ipip = tunnelLink({ encapsulation: "ipip", packetSizeBytes: 1500 });
  assert.equal(ipip.outerPacketBytes, 1520);
  assert.deepEqual(ipip.fragmentBytes, [1500, 40]);

  // VXLAN must not fragment (RFC 7348): dropped even without DF.
  const vxlan = tunnelLink({ encapsulation: "vxlan", packetSizeBytes: 1500 });
  assert.equal(vxlan.overheadBytes, 50);
  assert.equal(vxlan.fate, "dropped");
  assert.equal(vxlan.fragments, 0);
  assert.equal(vxlan.latencySeconds, 0);

  for (const encapsulation of ["gre", "ipip"] as const) {
    const df = tunnelLink({
      encapsulation,
      packetSizeBytes: 1500,
      dontFragment: true,
    });
    assert.equal(df.fate, "dropped", encapsulation);
    assert.equal(df.wireBytes, 0);
    assert.match(df.reason, /DF/);
  }
});

Deno.test("64-byte packets fit every tunnel; the inner MTU is the boundary", () => {
  for (const encapsulation of ENCAPSULATIONS) {
    const small = tunnelLink({ encapsulation, packetSizeBytes: 64 });
    assert.equal(small.fate, "fits");
    assert.equal(small.fragments, 1);
    assert.equal(small.wireBytes, 64 + small.overheadBytes);
    const edge = tunnelLink({
      encapsulation,
      packetSizeBytes: small.innerMtuBytes,
      dontFragment: true,
    });
    assert.equal(edge.fate, "fits");
    const over = tunnelLink({
      encapsulation,
      packetSizeBytes: small.innerMtuBytes + 1,
      dontFragment: true,
    });
    assert.equal(over.fate, "dropped");
  }
  assert.equal(
    tunnelLink({ encapsulation: "gre", greOptionBytes: 8 }).overheadBytes,
    32,
  );
});

Deno.test("fragments: header per fragment, 8-byte aligned payloads, nothing lost", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 68, max: 9000 }),
      fc.integer({ min: 20, max: 20000 }),
      (mtu, size) => {
        const sizes = fragmentSizes(size, mtu);
        const payloads = sizes.map((s) => s - 20);
        assert.ok(sizes.every((s) => s <= Math.max(mtu, size)));
        if (size <= mtu) return assert.deepEqual(sizes, [size]);
        assert.ok(sizes.every((s) => s <= mtu));
        assert.equal(payloads.reduce((a, b) => a + b, 0), size - 20);
        payloads.slice(0, -1).forEach((p) => assert.equal(p % 8, 0));
        // As few fragments as the MTU allows.
        assert.equal(
          sizes.length,
          Math.ceil((size - 20) / (Math.floor((mtu - 20) / 8) * 8)),
        );
      },
    ),
  );
});

// Store-and-forward of fragments over identical hops, event by event.
function storeAndForward(
  fragments: readonly number[],
  hops: number,
  bitsPerSecond: number,
): number {
  const done = new Array(hops).fill(0);
  for (const f of fragments) {
    let ready = 0;
    for (let h = 0; h < hops; h++) {
      done[h] = Math.max(done[h], ready) + f * 8 / bitsPerSecond;
      ready = done[h];
    }
  }
  return done[hops - 1];
}

Deno.test("latency: closed form agrees with a hop-by-hop store-and-forward", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.constantFrom(...ENCAPSULATIONS),
      fc.integer({ min: 20, max: 1500 }),
      fc.constantFrom(1e7, 1e8, 1e9),
      (hops, encapsulation, size, rate) => {
        const t = tunnelLink({
          physicalHops: hops,
          encapsulation,
          packetSizeBytes: size,
          linkBitsPerSecond: rate,
          perHopLatencySeconds: 0.0002,
          encapsulationSeconds: 0.00001,
        });
        if (t.fate === "dropped") return;
        const expected = 0.00001 + hops * 0.0002 +
          storeAndForward(t.fragmentBytes, hops, rate);
        assert.ok(Math.abs(t.latencySeconds - expected) < 1e-12);
        assert.ok(t.latencySeconds > t.directLatencySeconds);
      },
    ),
  );
});

Deno.test("the tunnel on a path: DF-dropped 1500-byte stream is fully lost, 64-byte gets through", () => {
  const big = cbrStream({ packetsPerSecond: 1000, packetSizeBytes: 1500 });
  const df = tunnelLink({ packetSizeBytes: 1500, dontFragment: true });
  const lost = countFates(big, [tunnelPathElement(df)]);
  assert.equal(lost.lostPackets, 1000);
  assert.equal(lost.deliveredPackets, 0);
  const frag = tunnelLink({ packetSizeBytes: 1500 });
  assert.equal(countFates(big, [tunnelPathElement(frag)]).lostPackets, 0);
  const element = tunnelPathElement(tunnelLink({ packetSizeBytes: 64 }));
  assert.ok(element.latencySeconds > 0);
});

Deno.test("tunnel: bad input is a RangeError naming the parameter", () => {
  assert.throws(() => tunnelLink({ physicalHops: 0 }), /physicalHops/);
  assert.throws(() => tunnelLink({ mtuBytes: 40 }), /mtuBytes/);
  assert.throws(
    () => tunnelLink({ mtuBytes: 1500, packetSizeBytes: 1600 }),
    /packetSizeBytes/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => tunnelLink({ encapsulation: "mpls" as any }),
    /encapsulation/,
  );
  assert.throws(() => tunnelLink({ greOptionBytes: 3 }), /greOptionBytes/);
  assert.throws(
    () => tunnelLink({ linkBitsPerSecond: NaN }),
    RangeError,
  );
});

Deno.test("Fig. 2: the tunnel a multi-hop placement needs, and its cost per hop", () => {
  // B moves from 2 to 6; 6 is two hops from A's host 1.
  const physical = {
    nodes: ["1", "2", "3", "5", "6"],
    links: [["1", "2"], ["2", "3"], ["1", "5"], ["5", "6"], ["6", "3"]] as [
      string,
      string,
    ][],
  };
  const net = {
    name: "v",
    hosts: { A: "1", B: "2", C: "3" },
    links: [["A", "B"], ["B", "C"]] as [string, string][],
  };
  const r = placementCandidates(physical, {
    networks: [net],
    network: "v",
    router: "B",
  });
  const six = r.ranked.find((c) => c.node === "6")!;
  assert.equal(six.tunnels.length, 1);
  assert.deepEqual(six.tunnels[0].physicalPath, ["6", "5", "1"]);
  const t = tunnelLink({
    physicalHops: six.tunnels[0].physicalHops,
    packetSizeBytes: 64,
    perHopLatencySeconds: 0.001,
    encapsulationSeconds: 0,
    linkBitsPerSecond: 1e9,
  });
  // Two hops of 1 ms plus 88 bytes serialised twice at 1 Gbit/s.
  assert.ok(Math.abs(t.latencySeconds - (0.002 + 2 * 88 * 8 / 1e9)) < 1e-15);
  const longer = tunnelLink({
    physicalHops: 3,
    packetSizeBytes: 64,
    perHopLatencySeconds: 0.001,
    encapsulationSeconds: 0,
    linkBitsPerSecond: 1e9,
  });
  assert.ok(
    Math.abs(
      longer.latencySeconds - t.latencySeconds - (0.001 + 88 * 8 / 1e9),
    ) <
      1e-15,
  );
});

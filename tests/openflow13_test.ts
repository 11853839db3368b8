// The OpenFlow 1.3 codec against real bytes: Open vSwitch's own encoder
// (ovs-ofctl talking to a fake switch that records what it receives) and
// decoder (ovs-ofctl ofp-print reading our bytes). Pure round trips and bad
// input run everywhere; the ovs-ofctl cross-checks need ovs-ofctl.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  paperTestbedInitialEntries,
  paperTestbedPlan,
  paperTestbedTopology,
} from "../src/openflow/paper_topology.ts";
import { ORDERINGS } from "../src/openflow/plan.ts";
import { flowModOptions } from "../src/testbed/ovs/plan_executor.ts";
import {
  decodeMessage,
  encodeError,
  encodeFeaturesReply,
  encodeFlowMod,
  encodeHello,
  encodeSimple,
  type FlowModOptions,
  messageLength,
  splitMessages,
  toHex,
} from "../src/openflow13/mod.ts";
import { testUnless } from "./_skip.ts";

const hasOfctl = await new Deno.Command("sh", {
  args: ["-c", "command -v ovs-ofctl"],
  stdout: "null",
  stderr: "null",
}).output().then((o) => o.success).catch(() => false);
const OFCTL_SKIP = hasOfctl
  ? undefined
  : "needs ovs-ofctl (Debian package openvswitch-common)";
if (!hasOfctl) {
  console.log(
    "openflow13_test: ovs-ofctl not found (Debian package openvswitch-common); skipping the cross-checks against Open vSwitch",
  );
}

async function ofpPrint(bytes: Uint8Array): Promise<string> {
  const out = await new Deno.Command("ovs-ofctl", {
    args: ["ofp-print", toHex(bytes)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

/**
 * Runs `ovs-ofctl -O OpenFlow13 ARGS tcp:127.0.0.1:PORT FLOW` against a fake
 * switch and returns the FLOW_MODs it sent, as raw bytes.
 */
async function ofctlFlowMods(
  args: string[],
  flow: string,
): Promise<Uint8Array[]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const child = new Deno.Command("ovs-ofctl", {
    args: [
      "--no-names",
      "-O",
      "OpenFlow13",
      ...args,
      `tcp:127.0.0.1:${port}`,
      flow,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const conn = await listener.accept();
  listener.close();
  await conn.write(encodeHello(1));
  const flowMods: Uint8Array[] = [];
  let buffer: Uint8Array = new Uint8Array(0);
  const chunk = new Uint8Array(65536);
  for (;;) {
    const n = await conn.read(chunk);
    if (n === null) break;
    const joined = new Uint8Array(buffer.length + n);
    joined.set(buffer);
    joined.set(chunk.subarray(0, n), buffer.length);
    const { messages, rest } = splitMessages(joined);
    buffer = rest;
    for (const bytes of messages) {
      const m = decodeMessage(bytes);
      if (m.type === "flow_mod") flowMods.push(bytes);
      if (m.type === "barrier_request") {
        await conn.write(encodeSimple("barrier_reply", m.xid));
      }
      if (m.type === "echo_request") {
        await conn.write(encodeSimple("echo_reply", m.xid, m.data));
      }
    }
  }
  conn.close();
  const out = await child;
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return flowMods;
}

const CASES: { ofctl: string[]; flow: string; options: FlowModOptions }[] = [
  {
    ofctl: ["add-flow"],
    flow:
      "priority=100,udp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_dst=5001,actions=output:2",
    options: {
      command: "add",
      priority: 100,
      match: {
        inPort: 1,
        ethType: 0x0800,
        ipv4Src: "10.0.0.1",
        ipv4Dst: "10.0.0.2",
        ipProto: 17,
        udpDst: 5001,
      },
      outPorts: [2],
    },
  },
  {
    ofctl: ["add-flow"],
    flow: "priority=7,ip,in_port=3,nw_dst=192.168.255.254,actions=output:65279",
    options: {
      command: "add",
      priority: 7,
      match: { inPort: 3, ethType: 0x0800, ipv4Dst: "192.168.255.254" },
      outPorts: [65279],
    },
  },
  {
    ofctl: ["mod-flows", "--strict"],
    flow:
      "priority=100,ip,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,actions=output:3",
    options: {
      command: "modify-strict",
      priority: 100,
      match: {
        inPort: 1,
        ethType: 0x0800,
        ipv4Src: "10.0.0.1",
        ipv4Dst: "10.0.0.2",
      },
      outPorts: [3],
    },
  },
  {
    ofctl: ["del-flows", "--strict"],
    flow: "priority=100,ip,in_port=2,nw_src=10.0.0.2,nw_dst=10.0.0.1",
    options: {
      command: "delete-strict",
      priority: 100,
      match: {
        inPort: 2,
        ethType: 0x0800,
        ipv4Src: "10.0.0.2",
        ipv4Dst: "10.0.0.1",
      },
    },
  },
  {
    ofctl: ["add-flow"],
    flow:
      "priority=200,ip,in_port=1,nw_dst=10.0.0.2,actions=push_vlan:0x8100,set_field:4098->vlan_vid,output:3",
    options: {
      command: "add",
      priority: 200,
      match: { inPort: 1, ethType: 0x0800, ipv4Dst: "10.0.0.2" },
      outPorts: [3],
      vlan: { setVlanVid: 2 },
    },
  },
  {
    ofctl: ["add-flow"],
    flow:
      "priority=200,ip,in_port=3,dl_vlan=2,nw_dst=10.0.0.2,actions=pop_vlan,output:1",
    options: {
      command: "add",
      priority: 200,
      match: { inPort: 3, ethType: 0x0800, vlanVid: 2, ipv4Dst: "10.0.0.2" },
      outPorts: [1],
      vlan: { popVlan: true },
    },
  },
];

testUnless(OFCTL_SKIP, {
  name:
    "FLOW_MOD bytes equal what ovs-ofctl sends, and decode to the same fields",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    for (const c of CASES) {
      const sent = await ofctlFlowMods(c.ofctl, c.flow);
      assert.equal(sent.length, 1, c.flow);
      const ovsBytes = sent[0];
      const xid = decodeMessage(ovsBytes).xid;
      assert.equal(
        toHex(encodeFlowMod(xid, c.options)),
        toHex(ovsBytes),
        `${c.ofctl.join(" ")} ${c.flow}`,
      );
      const decoded = decodeMessage(ovsBytes);
      assert.equal(decoded.type, "flow_mod");
      if (decoded.type !== "flow_mod") continue;
      assert.equal(decoded.command, c.options.command);
      assert.equal(decoded.priority, c.options.priority);
      assert.deepEqual(decoded.match, c.options.match);
      assert.deepEqual(decoded.outPorts, c.options.outPorts ?? []);
      assert.deepEqual(decoded.vlan, c.options.vlan ?? {});
    }
  },
});

testUnless(OFCTL_SKIP, {
  name: "ovs-ofctl ofp-print reads our messages as intended",
  async fn() {
    assert.match(
      await ofpPrint(encodeHello(1)),
      /OFPT_HELLO \(OF1\.3\) \(xid=0x1\):\s+version bitmap: 0x04/,
    );
    assert.equal(
      await ofpPrint(encodeSimple("barrier_request", 0x2a)),
      "OFPT_BARRIER_REQUEST (OF1.3) (xid=0x2a):",
    );
    assert.equal(
      await ofpPrint(encodeSimple("barrier_reply", 3)),
      "OFPT_BARRIER_REPLY (OF1.3) (xid=0x3):",
    );
    assert.equal(
      await ofpPrint(encodeSimple("features_request", 4)),
      "OFPT_FEATURES_REQUEST (OF1.3) (xid=0x4):",
    );
    assert.match(
      await ofpPrint(
        encodeSimple("echo_request", 5, new Uint8Array([1, 2, 3, 4])),
      ),
      /^OFPT_ECHO_REQUEST \(OF1\.3\) \(xid=0x5\): 4 bytes of payload/,
    );
    assert.match(
      await ofpPrint(
        encodeFeaturesReply(6, { datapathId: 0x766e6d00000001n, nTables: 254 }),
      ),
      /dpid:00766e6d00000001\s+n_tables:254, n_buffers:0/,
    );
    assert.match(
      await ofpPrint(encodeError(7, { errorType: 5, errorCode: 0 })),
      /OFPT_ERROR \(OF1\.3\) \(xid=0x7\): OFPFMFC_UNKNOWN/,
    );
    for (const c of CASES) {
      const text = await ofpPrint(encodeFlowMod(9, c.options));
      const expected = {
        "add": "ADD",
        "modify": "MOD",
        "modify-strict": "MOD_STRICT",
        "delete": "DEL",
        "delete-strict": "DEL_STRICT",
      }[c.options.command];
      assert.ok(
        text.startsWith(`OFPT_FLOW_MOD (OF1.3) (xid=0x9): ${expected} `),
        text,
      );
      const actions = c.flow.match(/actions=(.*)$/)?.[1] ?? "drop";
      assert.ok(text.endsWith(`actions=${actions}`), `${text} vs ${actions}`);
    }
  },
});

Deno.test("decode(encode(flow mod)) is the identity on every field", () => {
  const ipv4 = fc.tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
  ).map((o) => o.join("."));
  fc.assert(
    fc.property(
      fc.record({
        command: fc.constantFrom(
          "add",
          "modify",
          "modify-strict",
          "delete",
          "delete-strict",
        ) as fc.Arbitrary<FlowModOptions["command"]>,
        priority: fc.integer({ min: 0, max: 65535 }),
        match: fc.record({
          inPort: fc.integer({ min: 1, max: 0xfeff }),
          ethType: fc.constant(0x0800),
          vlanVid: fc.integer({ min: 1, max: 4094 }),
          ipv4Src: ipv4,
          ipv4Dst: ipv4,
          ipProto: fc.constant(17),
          udpDst: fc.integer({ min: 0, max: 65535 }),
        }, { requiredKeys: [] }),
        outPorts: fc.array(fc.integer({ min: 1, max: 0xfffffff0 }), {
          maxLength: 3,
        }),
        vlan: fc.record({
          popVlan: fc.constant(true),
          setVlanVid: fc.integer({ min: 1, max: 4094 }),
        }, { requiredKeys: [] }),
        tableId: fc.integer({ min: 0, max: 254 }),
        cookie: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        flags: fc.integer({ min: 0, max: 0xffff }),
        xid: fc.integer({ min: 0, max: 0xffffffff }),
      }),
      ({ xid, ...options }) => {
        const o = { xid, ...options };
        const bytes = encodeFlowMod(xid, options);
        assert.equal(bytes.length % 8, 0);
        assert.equal(messageLength(bytes), bytes.length);
        const m = decodeMessage(bytes);
        assert.equal(m.type, "flow_mod");
        if (m.type !== "flow_mod") return;
        assert.equal(m.xid, o.xid);
        assert.equal(m.command, o.command);
        assert.equal(m.priority, o.priority);
        assert.deepEqual(m.match, { ...o.match });
        assert.deepEqual(m.outPorts, o.outPorts);
        assert.deepEqual(m.vlan, { ...o.vlan });
        assert.equal(m.tableId, o.tableId);
        assert.equal(m.cookie, o.cookie);
        assert.equal(m.flags, o.flags);
        assert.equal(m.idleTimeoutSeconds, 0);
        assert.equal(m.hardTimeoutSeconds, 0);
      },
    ),
  );
});

Deno.test("splitMessages cuts a byte stream at message boundaries", () => {
  const a = encodeHello(1);
  const b = encodeSimple("echo_request", 2, new Uint8Array([9, 9]));
  const c = encodeFlowMod(3, {
    command: "add",
    priority: 1,
    match: { inPort: 1 },
    outPorts: [2],
  });
  const stream = new Uint8Array([...a, ...b, ...c]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const first = splitMessages(stream.subarray(0, cut));
    const second = splitMessages(
      new Uint8Array([...first.rest, ...stream.subarray(cut)]),
    );
    const all = [...first.messages, ...second.messages].map(toHex);
    assert.deepEqual(all, [a, b, c].map(toHex), `cut at ${cut}`);
    assert.equal(second.rest.length, 0);
  }
});

Deno.test("decoding a HELLO, FEATURES_REPLY, ERROR and unknown types", () => {
  assert.deepEqual(decodeMessage(encodeHello(5)), {
    type: "hello",
    xid: 5,
    versions: [4],
  });
  const f = decodeMessage(
    encodeFeaturesReply(1, { datapathId: 0xfedcba9876543210n, nBuffers: 256 }),
  );
  assert.equal(f.type, "features_reply");
  if (f.type === "features_reply") {
    assert.equal(f.datapathId, 0xfedcba9876543210n);
    assert.equal(f.nBuffers, 256);
  }
  const e = decodeMessage(
    encodeError(9, { errorType: 5, errorCode: 1, data: new Uint8Array([4]) }),
  );
  assert.deepEqual(
    e.type === "error" ? [e.errorType, e.errorCode, [...e.data]] : [],
    [5, 1, [4]],
  );
  const other = new Uint8Array([4, 10, 0, 12, 0, 0, 0, 1, 7, 7, 7, 7]);
  const o = decodeMessage(other);
  assert.equal(o.type, "other");
  if (o.type === "other") assert.equal(o.ofpType, 10);
});

Deno.test("bad input raises RangeErrors that name the parameter", () => {
  const base: FlowModOptions = {
    command: "add",
    priority: 1,
    match: {},
    outPorts: [1],
  };
  assert.throws(
    () => encodeFlowMod(1, { ...base, priority: 70000 }),
    /priority must be .*\[0, 65535\]; got 70000/,
  );
  assert.throws(
    () => encodeFlowMod(1, { ...base, match: { ipv4Dst: "10.0.0.256" } }),
    /match\.ipv4Dst must be a dotted-quad IPv4 address; got "10\.0\.0\.256"/,
  );
  assert.throws(
    () => encodeFlowMod(1, { ...base, match: { vlanVid: 4095 } }),
    /match\.vlanVid/,
  );
  assert.throws(
    () =>
      encodeFlowMod(1, {
        ...base,
        command: "replace" as FlowModOptions["command"],
      }),
    /command must be one of/,
  );
  assert.throws(() => encodeFlowMod(-1, base), /xid must be/);
  assert.throws(
    () => encodeSimple("port_status" as "echo_request", 1),
    /type must be one of echo_request, .*; got "port_status"/,
  );
  assert.throws(
    () => decodeMessage(new Uint8Array([1, 14, 0, 8, 0, 0, 0, 0])),
    /version must be 4/,
  );
  assert.throws(
    () => decodeMessage(new Uint8Array([4, 0, 0, 9, 0, 0, 0, 0])),
    /header length must equal the message size 8; got 9/,
  );
  assert.throws(
    () => messageLength(new Uint8Array([4, 0, 0, 4, 0, 0, 0, 0])),
    /OpenFlow header length must be in \[8, 65535\]; got 4/,
  );
});

Deno.test("every integer refuses values outside its wire field, naming field, value and range; the field's limits encode exactly", () => {
  const base: FlowModOptions = { command: "add", priority: 1, match: {} };
  const flowMod = (o: Partial<FlowModOptions>) => () =>
    encodeFlowMod(1, { ...base, ...o });
  const features = (o: Record<string, unknown>) => () =>
    encodeFeaturesReply(
      1,
      { datapathId: 1n, ...o } as Parameters<typeof encodeFeaturesReply>[1],
    );
  const error = (o: Record<string, unknown>) => () =>
    encodeError(
      1,
      { errorType: 1, errorCode: 1, ...o } as Parameters<typeof encodeError>[1],
    );
  const above53 = 2 ** 53 + 2;
  // [what, call, message]: each names the field, its range and the value.
  const refused: [string, () => unknown, RegExp][] = [
    [
      "priority 2^16",
      flowMod({ priority: 65536 }),
      /^priority must be an integer in \[0, 65535\]; got 65536$/,
    ],
    [
      "priority -1",
      flowMod({ priority: -1 }),
      /^priority .*\[0, 65535\]; got -1$/,
    ],
    [
      "priority 1.5",
      flowMod({ priority: 1.5 }),
      /^priority .*\[0, 65535\]; got 1\.5$/,
    ],
    [
      "priority > 2^53",
      flowMod({ priority: above53 }),
      /^priority .*\[0, 65535\]; got 9007199254740994$/,
    ],
    [
      "priority NaN",
      flowMod({ priority: NaN }),
      /^priority .*\[0, 65535\]; got NaN$/,
    ],
    [
      "tableId 255 on add",
      flowMod({ tableId: 255 }),
      /^tableId .*\[0, 254\]; got 255$/,
    ],
    [
      "tableId 256 on delete",
      flowMod({ command: "delete", tableId: 256 }),
      /^tableId .*\[0, 255\]; got 256$/,
    ],
    [
      "flags 2^16",
      flowMod({ flags: 65536 }),
      /^flags .*\[0, 65535\]; got 65536$/,
    ],
    [
      "cookie -1n",
      flowMod({ cookie: -1n }),
      /^cookie must be a bigint in \[0, 2\^64 - 1\]; got -1n$/,
    ],
    [
      "cookie 2^64",
      flowMod({ cookie: 1n << 64n }),
      /^cookie .*; got 18446744073709551616n$/,
    ],
    [
      "cookie as a number",
      flowMod({ cookie: 5 as unknown as bigint }),
      /^cookie must be a bigint .*; got 5$/,
    ],
    [
      "out port 0",
      flowMod({ outPorts: [2, 0] }),
      /^outPorts\[1\] .*\[1, 4294967295\]; got 0$/,
    ],
    [
      "out port 2^32",
      flowMod({ outPorts: [2 ** 32] }),
      /^outPorts\[0\] .*\[1, 4294967295\]; got 4294967296$/,
    ],
    [
      "out port > 2^53",
      flowMod({ outPorts: [above53] }),
      /^outPorts\[0\] .*; got 9007199254740994$/,
    ],
    [
      "vlan id 4095",
      flowMod({ vlan: { setVlanVid: 4095 } }),
      /^vlan\.setVlanVid .*\[1, 4094\]; got 4095$/,
    ],
    [
      "match.inPort above OFPP_MAX",
      flowMod({ match: { inPort: 0xffffff01 } }),
      /^match\.inPort .*\[1, 4294967040\]; got 4294967041$/,
    ],
    [
      "match.inPort > 2^53",
      flowMod({ match: { inPort: above53 } }),
      /^match\.inPort .*\[1, 4294967040\]; got 9007199254740994$/,
    ],
    [
      "match.ethType 2^16",
      flowMod({ match: { ethType: 65536 } }),
      /^match\.ethType .*\[0, 65535\]; got 65536$/,
    ],
    [
      "match.ipProto 256",
      flowMod({ match: { ipProto: 256 } }),
      /^match\.ipProto .*\[0, 255\]; got 256$/,
    ],
    [
      "match.udpDst -1",
      flowMod({ match: { udpDst: -1 } }),
      /^match\.udpDst .*\[0, 65535\]; got -1$/,
    ],
    [
      "match.vlanVid 0",
      flowMod({ match: { vlanVid: 0 } }),
      /^match\.vlanVid .*\[1, 4094\]; got 0$/,
    ],
    [
      "xid 2^32",
      () => encodeFlowMod(2 ** 32, base),
      /^xid .*\[0, 4294967295\]; got 4294967296$/,
    ],
    [
      "xid > 2^53 on HELLO",
      () => encodeHello(above53),
      /^xid .*\[0, 4294967295\]; got 9007199254740994$/,
    ],
    [
      "65536 output ports",
      flowMod({ outPorts: Array(4096).fill(1) }),
      /^message length in bytes must be an integer in \[8, 65535\]; got 65600$/,
    ],
    [
      "echo data past 16 bits",
      () => encodeSimple("echo_request", 1, new Uint8Array(65528)),
      /^message length .*\[8, 65535\]; got 65536$/,
    ],
    [
      "datapathId 2^64",
      features({ datapathId: 1n << 64n }),
      /^datapathId .*\[0, 2\^64 - 1\]; got 18446744073709551616n$/,
    ],
    [
      "nBuffers 2^32",
      features({ nBuffers: 2 ** 32 }),
      /^nBuffers .*\[0, 4294967295\]; got 4294967296$/,
    ],
    [
      "nTables 256",
      features({ nTables: 256 }),
      /^nTables .*\[0, 255\]; got 256$/,
    ],
    [
      "capabilities -1",
      features({ capabilities: -1 }),
      /^capabilities .*\[0, 4294967295\]; got -1$/,
    ],
    [
      "errorType 2^16",
      error({ errorType: 65536 }),
      /^errorType .*\[0, 65535\]; got 65536$/,
    ],
    [
      "errorCode > 2^53",
      error({ errorCode: above53 }),
      /^errorCode .*\[0, 65535\]; got 9007199254740994$/,
    ],
    [
      "error data past 16 bits",
      error({ data: new Uint8Array(65524) }),
      /^message length .*\[8, 65535\]; got 65536$/,
    ],
    // A misspelt key would be a wildcard (a rule matching every packet) or a
    // default silently used.
    [
      "misspelt match key",
      flowMod({ match: { ipv4dst: "10.0.0.1" } as FlowModOptions["match"] }),
      /^match has no option "ipv4dst"; did you mean "ipv4Dst"\?/,
    ],
    [
      "misspelt option",
      () => encodeFlowMod(1, { ...base, priorty: 3 } as FlowModOptions),
      /^encodeFlowMod options has no option "priorty"; did you mean "priority"\?/,
    ],
    [
      "misspelt vlan key",
      flowMod({ vlan: { setVlanId: 5 } as FlowModOptions["vlan"] }),
      /^vlan has no option "setVlanId"; did you mean "setVlanVid"\?/,
    ],
    [
      "misspelt features key",
      features({ ntables: 3 }),
      /^encodeFeaturesReply options has no option "ntables"; did you mean "nTables"\?/,
    ],
    [
      "misspelt error key",
      error({ errorcode: 3 }),
      /^encodeError options has no option "errorcode"; did you mean "errorCode"\?/,
    ],
  ];
  for (const [what, call, message] of refused) {
    assert.throws(call, (e: unknown) => {
      assert.ok(e instanceof RangeError, `${what}: ${e}`);
      assert.match(e.message, message, what);
      return true;
    }, what);
  }
  // Negative control: every field's own limits pass and decode back exactly
  // (so the refusals above are about the range, not the field).
  const max = encodeFlowMod(0xffffffff, {
    command: "delete",
    priority: 65535,
    match: {
      inPort: 0xffffff00,
      ethType: 0xffff,
      vlanVid: 4094,
      ipProto: 255,
      udpDst: 65535,
    },
    outPorts: [0xffffffff],
    vlan: { setVlanVid: 4094 },
    tableId: 255,
    flags: 65535,
    cookie: (1n << 64n) - 1n,
  });
  const m = decodeMessage(max);
  assert.equal(m.type, "flow_mod");
  if (m.type === "flow_mod") {
    assert.deepEqual(
      [m.xid, m.priority, m.tableId, m.flags, m.cookie, m.outPorts],
      [0xffffffff, 65535, 255, 65535, (1n << 64n) - 1n, [0xffffffff]],
    );
    assert.deepEqual(m.match, {
      inPort: 0xffffff00,
      ethType: 0xffff,
      vlanVid: 4094,
      ipProto: 255,
      udpDst: 65535,
    });
  }
  const f = decodeMessage(
    encodeFeaturesReply(0, {
      datapathId: (1n << 64n) - 1n,
      nBuffers: 0xffffffff,
      nTables: 255,
      capabilities: 0xffffffff,
    }),
  );
  assert.deepEqual(f, {
    type: "features_reply",
    xid: 0,
    datapathId: (1n << 64n) - 1n,
    nBuffers: 0xffffffff,
    nTables: 255,
    capabilities: 0xffffffff,
  });
  const e = decodeMessage(
    encodeError(1, {
      errorType: 65535,
      errorCode: 65535,
      data: new Uint8Array(65523),
    }),
  );
  assert.equal(e.type, "error");
  if (e.type === "error") {
    assert.deepEqual([e.errorType, e.errorCode, e.data.length], [
      65535,
      65535,
      65523,
    ]);
  }
  assert.equal(
    encodeFlowMod(1, { ...base, outPorts: Array(4091).fill(1) }).length,
    65520,
  );
});

Deno.test("every plan message of every ordering maps to a FLOW_MOD that decodes back to its entry", () => {
  const net = paperTestbedTopology();
  const strict = {
    add: "add",
    modify: "modify-strict",
    delete: "delete-strict",
  };
  let messages = 0;
  for (const ordering of ORDERINGS) {
    const plan = paperTestbedPlan(net, ordering);
    const adds = paperTestbedInitialEntries(net).map((entry) => ({
      command: "add" as const,
      entry,
    }));
    for (
      const message of [
        ...adds,
        ...plan.phases.flatMap((p) => p.messages),
      ]
    ) {
      const { entry } = message;
      const m = decodeMessage(encodeFlowMod(1, flowModOptions(message)));
      assert.equal(m.type, "flow_mod");
      if (m.type !== "flow_mod") continue;
      assert.equal(m.command, strict[message.command]);
      assert.equal(m.priority, entry.priority);
      assert.deepEqual(m.match, { ...entry.match });
      if (message.command === "delete") {
        assert.deepEqual(m.outPorts, []);
        assert.deepEqual(m.vlan, {});
      } else {
        assert.deepEqual(m.outPorts, [entry.outPort]);
        assert.equal(m.vlan.popVlan, entry.popVlan || undefined);
        assert.equal(m.vlan.setVlanVid, entry.setVlanVid);
      }
      messages++;
    }
  }
  assert.ok(messages > ORDERINGS.length * 10);
  assert.throws(
    () =>
      flowModOptions({
        command: "replace" as "add",
        entry: paperTestbedInitialEntries(net)[0],
      }),
    /message\.command must be add, modify or delete; got "replace"/,
  );
});

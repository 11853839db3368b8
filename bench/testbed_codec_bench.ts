// Speed of the OpenFlow 1.3 codec the testbed's controller uses.
import {
  decodeMessage,
  encodeFlowMod,
  type FlowModOptions,
} from "../src/openflow13/mod.ts";

const flowMod: FlowModOptions = {
  command: "add",
  priority: 100,
  match: {
    inPort: 1,
    ethType: 0x0800,
    ipv4Src: "10.0.0.1",
    ipv4Dst: "10.0.0.2",
  },
  outPorts: [2],
};
const bytes = encodeFlowMod(1, flowMod);

Deno.bench("encodeFlowMod: IPv4 match, one output", () => {
  encodeFlowMod(1, flowMod);
});

Deno.bench("decodeMessage: that FLOW_MOD", () => {
  decodeMessage(bytes);
});

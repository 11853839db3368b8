// A testbed run for tests/vmtestbed_host_test.ts to kill: starts a HostRun
// under the run root given, creates what the arguments ask for, prints one
// JSON line describing it, then waits to be killed.
import { HostRun } from "../src/testbed/host/mod.ts";

const [runRoot, withNetwork] = Deno.args;
const run = await HostRun.start({ label: "hosttest", runRoot });
const file = `${run.dir}/marker`;
Deno.writeTextFileSync(file, "x");
const outside = `${runRoot}-tracked-${run.runId}`;
run.trackPath(outside);
Deno.writeTextFileSync(outside, "y");
const child = run.spawn(["sleep", "300"], { stdout: "null", stderr: "null" });
let namespace = "";
if (withNetwork === "network") {
  namespace = await run.addNamespace("h");
  await run.addBridge("br", { namespace });
  await run.addVethPair("va", "vb", { namespaceA: namespace, mtu: 1500 });
}
console.log(JSON.stringify({
  runId: run.runId,
  namePrefix: run.namePrefix,
  dir: run.dir,
  outside,
  sleepPid: child.pid,
  namespace,
}));
setInterval(() => {}, 1000);

// The shared host-resource module (src/testbed/host/): the run registry,
// leftovers of killed runs, clean, signals. The registry parts need no
// root (processes and paths); the network parts run as root only.
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import {
  checkHost,
  cleanRuns,
  describeResources,
  HostRun,
  listRuns,
} from "../src/testbed/host/mod.ts";
import { processStartTicks } from "../src/testbed/host/_proc.ts";
import { writeRunState } from "../src/testbed/host/registry.ts";
import { needsRoot, testUnless } from "./_skip.ts";

const CHILD = new URL("./vmtestbed_host_child.ts", import.meta.url).pathname;

function alive(pid: number): boolean {
  return processStartTicks(pid) !== undefined;
}

interface ChildInfo {
  runId: string;
  namePrefix: string;
  dir: string;
  outside: string;
  sleepPid: number;
  namespace: string;
}

/** Starts the child run and reads its description. */
async function startChild(
  runRoot: string,
  network = false,
  permissions: readonly string[] = ["-A"],
): Promise<{ proc: Deno.ChildProcess; info: ChildInfo }> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, CHILD, runRoot, network ? "network" : ""],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`child ended early: ${text}`);
    text += value;
  }
  reader.releaseLock();
  proc.stdout.cancel().catch(() => {});
  return { proc, info: JSON.parse(text.split("\n")[0]) };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("host: a run records, and its teardown removes, its processes and paths", async () => {
  const runRoot = Deno.makeTempDirSync();
  const run = await HostRun.start({
    label: "hosttest",
    runRoot,
    exitOnSignal: false,
  });
  const child = run.spawn(["sleep", "30"], { stdout: "null", stderr: "null" });
  const outside = `${runRoot}-outside`;
  run.trackPath(outside);
  Deno.writeTextFileSync(outside, "x");
  strictEqual(
    describeResources(run.resources),
    "2 files or folders, 1 process",
  );
  const [registered] = await listRuns(runRoot);
  strictEqual(registered.live, true);
  deepStrictEqual(registered.state.resources, run.resources);
  // Clean leaves a live run alone (negative control: it is listed).
  const report = await cleanRuns({ runRoot });
  strictEqual(report.liveRuns, 1);
  ok(alive(child.pid));
  const torn = await run.teardown();
  strictEqual(torn.failed.length, 0);
  strictEqual(torn.removed.length, 3);
  ok(!(await child.status).success);
  ok(!exists(outside) && !exists(run.dir));
  strictEqual((await listRuns(runRoot)).length, 0);
  // A second teardown is the same one.
  strictEqual(await run.teardown(), torn);
  Deno.removeSync(runRoot, { recursive: true });
});

Deno.test("host: names are run-unique and suffixes validated", async () => {
  const runRoot = Deno.makeTempDirSync();
  const a = await HostRun.start({ runRoot, exitOnSignal: false });
  const b = await HostRun.start({ runRoot, exitOnSignal: false });
  ok(a.namePrefix !== b.namePrefix);
  strictEqual(a.name("mig0").length <= 15, true);
  for (const bad of ["", "UPPER", "toolongsuffix", "a-b"]) {
    try {
      a.name(bad);
      throw new Error(`accepted ${bad}`);
    } catch (e) {
      ok(e instanceof RangeError && e.message.includes("name suffix"));
    }
  }
  await a.teardown();
  await b.teardown();
  await rejects(
    HostRun.start({ runRoot, label: "Bad Label" }),
    /label must be/,
  );
  await rejects(
    HostRun.start({ runRoot, staleLeftovers: "ignore" as "warn" }),
    /staleLeftovers must be one of/,
  );
  Deno.removeSync(runRoot, { recursive: true });
});

Deno.test("host: after kill -9, start refuses, clean removes the leftovers and nothing else", async () => {
  const runRoot = Deno.makeTempDirSync();
  const { proc, info } = await startChild(runRoot);
  // Bystanders clean must not touch: a process and a file of nobody's run.
  const bystander = new Deno.Command("sleep", { args: ["300"] }).spawn();
  const unrelated = `${runRoot}/unrelated.txt`;
  Deno.writeTextFileSync(unrelated, "keep");
  proc.kill("SIGKILL");
  await proc.status;
  ok(alive(info.sleepPid), "kill -9 leaves the run's process behind");
  ok(exists(info.outside) && exists(info.dir));
  const [stale] = await listRuns(runRoot);
  strictEqual(stale.live, false);
  await rejects(
    HostRun.start({ runRoot, label: "hosttest" }),
    (e: Error) =>
      e.message.includes(info.namePrefix) &&
      e.message.includes("2 files or folders, 1 process") &&
      e.message.includes("deno task hosttest clean"),
  );
  // Another testbed starts over them (its names cannot collide), warned.
  const other = await HostRun.start({
    runRoot,
    label: "other",
    exitOnSignal: false,
  });
  await other.teardown();
  // Another label's clean leaves it (negative control for the filter).
  strictEqual((await cleanRuns({ runRoot, label: "other" })).runs.length, 0);
  ok(alive(info.sleepPid));
  const report = await cleanRuns({ runRoot, label: "hosttest" });
  strictEqual(report.runs.length, 1);
  strictEqual(report.runs[0].failed.length, 0);
  strictEqual(report.runs[0].removed.length, 3);
  ok(!alive(info.sleepPid), "clean ended the leftover process");
  ok(!exists(info.outside) && !exists(info.dir));
  ok(alive(bystander.pid) && exists(unrelated), "clean touched nothing else");
  strictEqual((await listRuns(runRoot)).length, 0);
  // Now a run starts.
  const next = await HostRun.start({
    runRoot,
    label: "hosttest",
    exitOnSignal: false,
  });
  await next.teardown();
  bystander.kill("SIGKILL");
  await bystander.status;
  Deno.removeSync(runRoot, { recursive: true });
});

Deno.test("host: clean never signals a reused process id", async () => {
  const runRoot = Deno.makeTempDirSync();
  const bystander = new Deno.Command("sleep", { args: ["300"] }).spawn();
  const ticks = processStartTicks(bystander.pid)!;
  // A dead run whose state lists the bystander's pid with another start time.
  writeRunState(runRoot, {
    version: 1,
    runId: "zz99",
    namePrefix: "vnzz99",
    label: "hosttest",
    cleanCommand: "deno task hosttest clean",
    owner: { pid: 1, startTicks: 0, bootId: "another boot" },
    startedAt: new Date().toISOString(),
    resources: [{
      kind: "process",
      pid: bystander.pid,
      startTicks: ticks + 1,
      command: "sleep",
    }],
  });
  const report = await cleanRuns({ runRoot });
  strictEqual(report.runs.length, 1);
  ok(alive(bystander.pid), "a pid with another start time is another process");
  // Negative control: with the right start time it is ended.
  writeRunState(runRoot, {
    version: 1,
    runId: "zz98",
    namePrefix: "vnzz98",
    label: "hosttest",
    cleanCommand: "deno task hosttest clean",
    owner: { pid: 1, startTicks: 0, bootId: "another boot" },
    startedAt: new Date().toISOString(),
    resources: [{
      kind: "process",
      pid: bystander.pid,
      startTicks: ticks,
      command: "sleep",
    }],
  });
  await cleanRuns({ runRoot });
  await bystander.status;
  ok(!alive(bystander.pid));
  Deno.removeSync(runRoot, { recursive: true });
});

Deno.test("host: a run without -A (Deno reads no /proc then) is live to others, and its leftovers are cleaned", async () => {
  const runRoot = Deno.makeTempDirSync();
  const { proc, info } = await startChild(runRoot, false, [
    "--allow-read",
    "--allow-write",
    "--allow-run",
  ]);
  const [run] = await listRuns(runRoot);
  ok(
    run.state.owner.bootId !== "unknown" && run.state.owner.startTicks > 0,
    JSON.stringify(run.state.owner),
  );
  const sleep = run.state.resources.find((r) => r.kind === "process");
  ok(
    sleep?.kind === "process" &&
      sleep.startTicks === processStartTicks(info.sleepPid),
  );
  strictEqual(run.live, true);
  strictEqual((await cleanRuns({ runRoot })).liveRuns, 1);
  ok(alive(info.sleepPid) && exists(info.dir), "a live run is never cleaned");
  proc.kill("SIGKILL");
  await proc.status;
  strictEqual((await cleanRuns({ runRoot })).runs.length, 1);
  ok(!alive(info.sleepPid));
  Deno.removeSync(runRoot, { recursive: true });
});

Deno.test("host: SIGINT tears the run down and exits 130", async () => {
  const runRoot = Deno.makeTempDirSync();
  const { proc, info } = await startChild(runRoot);
  proc.kill("SIGINT");
  const status = await proc.status;
  strictEqual(status.code, 130);
  ok(!alive(info.sleepPid));
  ok(!exists(info.outside) && !exists(info.dir));
  strictEqual((await listRuns(runRoot)).length, 0);
  Deno.removeSync(runRoot, { recursive: true });
});

testUnless(needsRoot("creates namespaces, bridges, veths and shaping"), {
  name:
    "host (root): namespaces, bridges, veths and shaping, after teardown and after kill -9",
  fn: async () => {
    const host = await checkHost();
    ok(host.available, host.reason);
    const runRoot = Deno.makeTempDirSync();
    const netns = async () =>
      new TextDecoder().decode(
        (await new Deno.Command("ip", { args: ["netns", "list"] }).output())
          .stdout,
      );
    const run = await HostRun.start({
      label: "hosttest",
      runRoot,
      exitOnSignal: false,
    });
    const ns = await run.addNamespace("h");
    const br = await run.addBridge("br", { namespace: ns });
    const [a] = await run.addVethPair("va", "vb", {
      namespaceA: ns,
      masterA: br,
      mtu: 1500,
    });
    const tap = await run.addTap("tp", { namespace: ns, master: br });
    await run.shapeEgress(a, { namespace: ns, rateBitsPerSecond: 100e6 });
    const qdisc = new TextDecoder().decode(
      (await new Deno.Command("tc", {
        args: ["-n", ns, "qdisc", "show", "dev", a],
      }).output()).stdout,
    );
    ok(/tbf .*rate 100Mbit/.test(qdisc), qdisc);
    ok((await netns()).includes(ns));
    ok(tap.startsWith(run.namePrefix));
    const torn = await run.teardown();
    strictEqual(torn.failed.length, 0);
    ok(!(await netns()).includes(ns));
    const vb = run.name("vb");
    const rootLinks = new TextDecoder().decode(
      (await new Deno.Command("ip", { args: ["link"] }).output()).stdout,
    );
    ok(!rootLinks.includes(vb), "the root end of the veth went with the pair");

    const { proc, info } = await startChild(runRoot, true);
    proc.kill("SIGKILL");
    await proc.status;
    ok((await netns()).includes(info.namespace));
    const report = await cleanRuns({ runRoot });
    strictEqual(report.runs[0].failed.length, 0);
    ok(!(await netns()).includes(info.namespace));
    ok(!alive(info.sleepPid));
    Deno.removeSync(runRoot, { recursive: true });
  },
});

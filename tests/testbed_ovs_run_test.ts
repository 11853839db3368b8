// Short, bounded runs on Open vSwitch with real UDP traffic (need root and
// Open vSwitch; skipped with a plain reason otherwise), in one file so that
// they run one after the other: the paper's ordering (drained) loses
// nothing; delete-old-first with a gap loses what the model predicts for the
// very probes sent; a sweep interrupted by SIGINT keeps its finished runs;
// a run killed with SIGKILL mid-traffic leaves what `clean` removes, the
// next run says so instead of failing obscurely, and after `clean` a
// following run passes. Nothing is left behind.

import assert from "node:assert/strict";
import { compareOutcomes } from "../src/migration/mod.ts";
import {
  BROKEN_VARIANTS,
  OVS_TESTBED_LABEL,
  ovsTestbedAvailability,
  PAPER_DRAIN,
  paperOvsScenario,
  predictOvsMigration,
  runOvsMigration,
} from "../src/testbed/mod.ts";
import { listRuns, type RegisteredRun } from "../src/testbed/host/mod.ts";
import { readTestbedRows } from "../src/testbed/mod.ts";
import { testUnless } from "./_skip.ts";

const CLI = new URL("../src/cli/testbed.ts", import.meta.url).pathname;

/** Starts the testbed CLI; stderr is collected as it comes. */
function startCli(args: string[]): {
  child: Deno.ChildProcess;
  stderr: () => string;
  done: Promise<{ code: number; stderr: string }>;
} {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let text = "";
  const reading = (async () => {
    for await (
      const chunk of child.stderr.pipeThrough(new TextDecoderStream())
    ) text += chunk;
  })();
  // Bounded: no CLI run of this file may take longer than 3 minutes.
  const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
  const done = (async () => {
    const status = await child.status;
    await reading;
    clearTimeout(timer);
    return { code: status.code, stderr: text };
  })();
  return { child, stderr: () => text, done };
}

async function until(
  what: string,
  test: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function testbedRuns(): Promise<RegisteredRun[]> {
  return (await listRuns()).filter((r) => r.state.label === OVS_TESTBED_LABEL);
}

async function namespaces(): Promise<string[]> {
  const out = await new Deno.Command("ip", { args: ["netns", "list"] })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n").map((l) =>
    l.split(" ")[0]
  ).filter((n) => n !== "");
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2)[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

const availability = await ovsTestbedAvailability();
if (!availability.available) {
  console.log(
    `testbed_ovs_run_test: skipping the Open vSwitch runs: ${availability.reason}`,
  );
}
/** Deno.test for a test that runs Open vSwitch: skipped where it cannot, with the reason recorded for the summary. */
function ovsTest(definition: Deno.TestDefinition): void {
  testUnless(
    availability.available
      ? undefined
      : `needs Open vSwitch and root: ${availability.reason}`,
    definition,
  );
}

async function ourLinks(prefix: string): Promise<string[]> {
  const out = await new Deno.Command("ip", { args: ["-o", "link", "show"] })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n")
    .map((l) => l.split(": ")[1]?.split("@")[0] ?? "")
    .filter((n) => n.startsWith(prefix));
}

ovsTest({
  name:
    "Open vSwitch testbed: paper ordering (drained) loses nothing; delete-old-first with a 0.1 s gap loses what the model predicts",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const runOptions = { warmupSeconds: 0.3, cooldownSeconds: 0.3 };
    // The paper's ordering, with a wait between the redirect and the
    // deletes so that probes still queued on the old path drain first: on a
    // busy host a software switch can hold a packet between two bridges
    // longer than a barrier round trip, and then deleting the old path
    // right after the redirect's barrier drops it (the sweep measures that
    // too, as the "as planned" variant).
    const drained = paperOvsScenario({
      variant: { ...PAPER_DRAIN, gapSeconds: 0.05 },
      packetsPerSecond: 1000,
    });
    const good = await runOvsMigration(drained, runOptions);
    console.log(
      `paper: total ${
        (good.totalMigrationSeconds * 1e3).toFixed(2)
      } ms; flow-table drops ${good.tableMissPackets}; receiver lost ${good.data.lostPackets}/${good.data.sentPackets} in window, ${good.lostOutsideWindowPackets} outside; socket drops ${good.receiverDropPackets}; old port ${good.oldPortPackets}, new port ${good.newPortPackets}`,
    );
    assert.equal(good.source, "measured");
    assert.equal(good.completed, true);
    assert.equal(good.messagesSent, 10);
    assert.equal(good.execution.errorCount, 0);
    // The traffic really moved: both paths carried probes.
    assert.ok(good.oldPortPackets > 0 && good.newPortPackets > 0);
    assert.ok(good.data.sentPackets > 0);
    // No probe ever met a switch without an entry...
    assert.equal(good.tableMissPackets, 0);
    // ...and every probe lost anywhere is one the receiver's socket
    // dropped (a starved receiver on a busy host) or one lost elsewhere in
    // a busy host: nothing is unaccounted for by the flow tables.
    assert.ok(good.receiverDropPackets !== null);
    assert.equal(
      good.receiver.lostPackets,
      good.receiverDropPackets! + good.otherLostPackets!,
    );

    const broken = paperOvsScenario({
      variant: { ...BROKEN_VARIANTS[0], gapSeconds: 0.1 },
      packetsPerSecond: 1000,
    });
    const bad = await runOvsMigration(broken, runOptions);
    // The model traces the very probes the sender sent in the window.
    const predicted = predictOvsMigration(broken, {
      sendOffsetsSeconds: bad.windowSendOffsetsSeconds,
    });
    console.log(
      `delete-old-first + 0.1 s: flow-table drops ${bad.tableMissPackets}, receiver lost ${bad.data.lostPackets} in window (model ${predicted.data.lostPackets}), socket drops ${bad.receiverDropPackets}`,
    );
    const [sent] = compareOutcomes(bad, predicted, {
      "data.sentPackets": { absolute: 0 },
    });
    assert.ok(sent.within, "the model traced the probes the run sent");
    assert.ok(bad.tableMissPackets > 0);
    assert.ok(bad.data.lostPackets >= bad.tableMissPackets);
    // The flow tables dropped within 25% of what the model predicts (the
    // datapath applies changes a few ms late).
    assert.ok(
      Math.abs(bad.tableMissPackets - predicted.data.lostPackets) <=
        0.25 * predicted.data.lostPackets,
      `measured ${bad.tableMissPackets}, predicted ${predicted.data.lostPackets}`,
    );
    // Nothing left: no registered run, no links of the runs.
    const runs = (await listRuns()).filter((r) =>
      r.state.label === OVS_TESTBED_LABEL
    );
    assert.deepEqual(runs.filter((r) => r.live), []);
    assert.deepEqual(await ourLinks("ovs-netdev"), []);
  },
});

ovsTest({
  name:
    "a sweep interrupted by SIGINT keeps its finished runs, whole, with their figures, and leaves nothing",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const out = await Deno.makeTempDir();
    try {
      const cli = startCli(["--quick", "--out", out]);
      // The third run starts once two are finished and written.
      await until(
        "two finished runs",
        () => /^\[3\/10\]/m.test(cli.stderr()),
        120_000,
      );
      const csv = await Deno.readTextFile(`${out}/migration.csv`);
      assert.equal(
        readTestbedRows(csv).length,
        2,
        "written as each run finished",
      );
      cli.child.kill("SIGINT");
      const { code, stderr } = await cli.done;
      assert.equal(code, 130, stderr);
      const finished = Number(/stopped after (\d+) runs/.exec(stderr)?.[1]);
      assert.ok(finished >= 2 && finished < 10, stderr);
      const rows = readTestbedRows(
        await Deno.readTextFile(`${out}/migration.csv`),
      );
      assert.equal(rows.length, finished);
      assert.deepEqual(
        rows.map((
          r,
        ) => [r.ordering, r.variant, r.packetsPerSecond, r.packetBytes]).slice(
          0,
          2,
        ),
        [["paper", "as planned", 1000, 64], ["paper", "as planned", 4000, 64]],
      );
      for (const f of ["migration_loss.svg", "migration_timing.svg"]) {
        assert.match(await Deno.readTextFile(`${out}/${f}`), /^<svg/);
      }
      // No temporary files beside the outputs.
      assert.deepEqual(
        [...Deno.readDirSync(out)].map((e) => e.name).sort(),
        ["migration.csv", "migration_loss.svg", "migration_timing.svg"],
      );
      assert.deepEqual(await testbedRuns(), []);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

ovsTest({
  name:
    "SIGKILL mid-run: the leftovers are registered; the next run refuses, naming clean; clean removes exactly them; a following run passes",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const before = new Set((await testbedRuns()).map((r) => r.state.runId));
    const killed = startCli(["run", "--rate", "1000"]);
    // Kill it while the probes flow: its sender is a recorded process.
    let run: RegisteredRun | undefined;
    await until("traffic", async () => {
      run = (await testbedRuns()).find((r) =>
        !before.has(r.state.runId) &&
        r.state.resources.some((x) =>
          x.kind === "process" && x.command.includes("sender.ts")
        )
      );
      return run !== undefined;
    });
    killed.child.kill("SIGKILL");
    assert.equal((await killed.done).code, 137);
    const left = (await testbedRuns()).find((r) =>
      r.state.runId === run!.state.runId
    )!;
    assert.equal(left.live, false, "a killed run is recognised as dead");
    const daemons = left.state.resources.filter((x) =>
      x.kind === "process" && /^ovs(db-server|-vswitchd)/.test(x.command)
    );
    assert.equal(daemons.length, 2);
    assert.ok(daemons.every((d) => d.kind === "process" && alive(d.pid)));
    const leftNamespaces = left.state.resources.flatMap((x) =>
      x.kind === "namespace" ? [x.name] : []
    );
    assert.equal(leftNamespaces.length, 2);
    assert.ok(leftNamespaces.every((n) => n.startsWith(left.state.namePrefix)));
    const present = await namespaces();
    assert.ok(leftNamespaces.every((n) => present.includes(n)));
    assert.ok((await ourLinks(left.state.namePrefix)).length >= 20);

    // The next run does not fail obscurely: it says what is left and how
    // to remove it.
    const blocked = await startCli(["run", "--rate", "1000"]).done;
    assert.equal(blocked.code, 3, blocked.stderr);
    assert.match(
      blocked.stderr,
      /left its ovs-vswitchd running .* deno task testbed clean/,
    );

    const clean = await startCli(["clean"]).done;
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(
      clean.stderr,
      new RegExp(`run ${left.state.namePrefix}: removed \\d+ resources`),
    );
    assert.ok(
      !(await testbedRuns()).some((r) => r.state.runId === left.state.runId),
    );
    assert.ok(daemons.every((d) => d.kind === "process" && !alive(d.pid)));
    const after = await namespaces();
    assert.ok(leftNamespaces.every((n) => !after.includes(n)));
    assert.deepEqual(await ourLinks(left.state.namePrefix), []);
    assert.deepEqual(await ourLinks("ovs-netdev"), []);
    const dir = left.state.resources.find((x) => x.kind === "path");
    assert.ok(dir?.kind === "path");
    assert.throws(() => Deno.statSync(dir.path), Deno.errors.NotFound);

    // A second clean finds nothing of this testbed's.
    const again = await startCli(["clean"]).done;
    assert.equal(again.code, 0);
    assert.doesNotMatch(again.stderr, /run vn\w+: removed/);

    const following = await startCli(["run", "--rate", "1000"]).done;
    assert.equal(following.code, 0, following.stderr);
    assert.match(following.stderr, /paper \(as planned\) 1000\/s 64 B: total/);
    assert.deepEqual(await testbedRuns(), []);
  },
});

ovsTest({
  name:
    "SIGINT while Open vSwitch starts: both daemons end, nothing is left, exit 130",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const before = new Set((await testbedRuns()).map((r) => r.state.runId));
    const cli = startCli(["run", "--rate", "1000"]);
    let run: RegisteredRun | undefined;
    await until("ovs-vswitchd started", async () => {
      run = (await testbedRuns()).find((r) =>
        !before.has(r.state.runId) &&
        r.state.resources.some((x) =>
          x.kind === "process" && x.command.startsWith("ovs-vswitchd")
        )
      );
      return run !== undefined;
    });
    cli.child.kill("SIGINT");
    const { code, stderr } = await cli.done;
    assert.equal(code, 130, stderr);
    const daemons = run!.state.resources.filter((x) => x.kind === "process");
    assert.ok(daemons.length >= 2);
    assert.ok(daemons.every((d) => d.kind === "process" && !alive(d.pid)));
    assert.deepEqual(await testbedRuns(), []);
    assert.deepEqual(await ourLinks(run!.state.namePrefix), []);
    assert.deepEqual(await ourLinks("ovs-netdev"), []);
  },
});

ovsTest({
  name:
    "clean removes what the earlier version left, by its names, and nothing else",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const ip = (args: string[]) =>
      new Deno.Command("ip", { args, stdout: "null", stderr: "null" }).output();
    // The earlier harness's names: "vnm" + a 1-2 character tag + b0, l0a, h0...
    await ip(["netns", "add", "vnm9zh0"]);
    await ip([
      "link",
      "add",
      "vnm9zl0a",
      "type",
      "veth",
      "peer",
      "name",
      "vnm9zl0b",
    ]);
    // Not its names: a look-alike with another suffix, and another prefix.
    await ip([
      "link",
      "add",
      "vnm9zq0",
      "type",
      "veth",
      "peer",
      "name",
      "vnx9zb0",
    ]);
    try {
      const clean = await startCli(["clean"]).done;
      assert.equal(clean.code, 0, clean.stderr);
      assert.match(
        clean.stderr,
        /removed namespace vnm9zh0 \(earlier version\)/,
      );
      assert.match(clean.stderr, /removed link vnm9zl0a/);
      assert.ok(!(await namespaces()).includes("vnm9zh0"));
      assert.deepEqual(await ourLinks("vnm9zl"), []);
      assert.deepEqual(await ourLinks("vnm9zq0"), ["vnm9zq0"]);
      assert.deepEqual(await ourLinks("vnx9zb0"), ["vnx9zb0"]);
    } finally {
      for (const n of ["vnm9zq0", "vnm9zl0a"]) {
        await ip(["link", "del", n]);
      }
      await ip(["netns", "del", "vnm9zh0"]);
    }
  },
});

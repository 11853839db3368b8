// Least privilege (issue 16): each program's deno task names the
// permissions it needs instead of -A, and starts under them (--help
// exits 0 with the usage). The tasks still on -A say why here.

import assert from "node:assert/strict";

const config = JSON.parse(
  await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
);
const tasks: Record<string, string> = config.tasks;

/** Runs deno with `args` in the repository, as a user would. */
async function deno(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

// Tasks that keep -A, and why.
const ALL_PERMISSIONS: Record<string, string> = {
  test: "runs every test: the testbeds as root, VMs, Jupyter, Node",
  bench: "benchmarks every area, the testbed codecs included",
  testbed:
    "reads /proc (processes by start time, ovs-vswitchd) and /sys (loss counters), which Deno grants only with every permission",
};

Deno.test("every program's task names its permissions; only the listed ones keep -A", () => {
  const withAll = Object.entries(tasks)
    .filter(([, command]) => /(^|\s)(-A|--allow-all)(\s|$)/.test(command))
    .map(([name]) => name)
    .sort();
  assert.deepEqual(withAll, Object.keys(ALL_PERMISSIONS).sort());
  // The programs with a narrowed set: never write anywhere for reproduce.
  assert.match(tasks.reproduce, /--allow-write=out,/);
  assert.doesNotMatch(tasks.notebooks, /--allow-(net|env|ffi|sys)/);
  // planesep's set ran the smoke (namespace router) and clean; the VM
  // router adds what the VM testbed's set has (net).
  assert.match(tasks.planesep, /--allow-env=HOME,XDG_CACHE_HOME,TMPDIR /);
  assert.match(tasks.planesep, /--allow-sys=uid /);
});

for (
  const name of ["reproduce", "notebooks", "vmtestbed", "testbed", "planesep"]
) {
  Deno.test(`deno task ${name} --help starts under its permissions and exits 0 with the usage`, async () => {
    const { code, stdout, stderr } = await deno("task", "-q", name, "--help");
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`^usage: deno task ${name}`, "i"));
    assert.doesNotMatch(stderr, /NotCapable|Requires .* access/);
  });
}

Deno.test("deno task notebooks --check does its work (deno fmt and lint on every notebook) under the task's permissions", async () => {
  const { code, stdout, stderr } = await deno(
    "task",
    "-q",
    "notebooks",
    "--check",
  );
  assert.equal(code, 0, stdout + stderr);
  const checked = stdout.split("\n").filter((l) =>
    /^ok {3}notebooks\//.test(l)
  );
  const notebooks = [
    ...Deno.readDirSync(new URL("../notebooks/", import.meta.url)),
  ]
    .filter((e) => e.name.endsWith(".ipynb"));
  assert.equal(checked.length, notebooks.length, stdout);
  assert.doesNotMatch(stderr, /NotCapable|Requires .* access/);
});

Deno.test("a program run without a permission it needs exits 3 with one line, not a stack trace", async () => {
  const program = new URL("../src/cli/notebooks.ts", import.meta.url).pathname;
  const run = (...permissions: string[]) =>
    deno("run", ...permissions, program, "--check");
  const narrow = await run("--allow-read", "--allow-run");
  assert.equal(narrow.code, 3, narrow.stderr);
  assert.match(
    narrow.stderr,
    /^notebooks: a Deno permission is missing: Requires write access to .*\(the program's deno task grants what it needs\)\n$/,
  );
  assert.doesNotMatch(narrow.stderr, /\n\s+at /);
  // Negative control: with write too, the same command passes.
  assert.equal(
    (await run("--allow-read", "--allow-run", "--allow-write")).code,
    0,
  );
});

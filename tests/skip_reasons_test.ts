// Every skipped test says why: a test skips only through tests/_skip.ts
// (testUnless or skipIf), which records the reason that the README's test
// command (tests/_run.ts) prints in its closing summary. A bare
// `ignore: !root` would skip silently; this finds one in any test file.

import assert from "node:assert/strict";

/** The `ignore:` expressions of a test file that do not come from skipIf: one `line: text` each. */
function unrecordedSkips(text: string): string[] {
  const fromSkipIf = new Set(
    [...text.matchAll(/(\w+) = skipIf\(/g)].map((m) => m[1]),
  );
  const found: string[] = [];
  text.split("\n").forEach((line, i) => {
    const m = line.match(/^\s*ignore:\s*(.*?),?\s*$/);
    if (m === null) return;
    const expression = m[1];
    const ident = expression.match(/^(\w+) !== undefined$/)?.[1];
    const recorded = expression.startsWith("skipIf(") ||
      (ident !== undefined && fromSkipIf.has(ident));
    if (!recorded) found.push(`${i + 1}: ${line.trim()}`);
  });
  return found;
}

Deno.test("no test file skips without a recorded reason", async () => {
  const dir = new URL("./", import.meta.url);
  const offenders: string[] = [];
  let files = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    if (entry.name === "_skip.ts") continue; // the mechanism itself
    files++;
    const text = await Deno.readTextFile(new URL(entry.name, dir));
    for (const o of unrecordedSkips(text)) offenders.push(`${entry.name}:${o}`);
  }
  assert.ok(files > 40, `read only ${files} test files`);
  assert.deepEqual(offenders, []);
});

Deno.test("the check finds a bare ignore and accepts the recorded forms (negative control)", () => {
  assert.deepEqual(
    unrecordedSkips(
      "Deno.test({\n  name: 'x',\n  ignore: !root,\n  fn() {},\n});",
    ),
    ["3: ignore: !root,"],
  );
  assert.deepEqual(
    unrecordedSkips(
      "  ignore: missing !== null,\n  ignore: !(await have('gcc')),",
    ),
    ["1: ignore: missing !== null,", "2: ignore: !(await have('gcc')),"],
  );
  // `skip` from somewhere other than skipIf is not a recorded reason.
  assert.deepEqual(
    unrecordedSkips("const skip = reasonOf();\n  ignore: skip !== undefined,"),
    ["2: ignore: skip !== undefined,"],
  );
  assert.deepEqual(
    unrecordedSkips(
      'const skip = skipIf(NAME, why);\n  ignore: skip !== undefined,\n  ignore: skipIf("n", r) !== undefined,',
    ),
    [],
  );
});

Deno.test("the test command's summary gives each skipped test its reason, and calls a bare ignore unrecorded", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vnmig-skip-" });
  try {
    const fixture = `${dir}/fixture_test.ts`;
    const skip = new URL("./_skip.ts", import.meta.url).href;
    await Deno.writeTextFile(
      fixture,
      [
        `import { testUnless } from ${JSON.stringify(skip)};`,
        `testUnless("needs a flux capacitor", { name: "skipped with a reason", fn() {} });`,
        `testUnless(undefined, { name: "runs", fn() {} });`,
        `Deno.test({ name: "bare ignore", ignore: true, fn() {} });`,
      ].join("\n"),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./_run.ts", import.meta.url).pathname,
        fixture,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, stdout);
    const summary = stdout.slice(stdout.lastIndexOf("Skipped"));
    assert.equal(
      summary,
      [
        "Skipped 2:",
        "  - skipped with a reason: needs a flux capacitor",
        "  - bare ignore: ignored (no reason recorded)",
        "1 passed, 0 failed, 2 skipped",
        "",
      ].join("\n"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

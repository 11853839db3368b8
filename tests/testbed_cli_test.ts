// The testbed's programs follow the one command-line convention (no root
// needed: every case here fails, or prints usage, before anything runs):
// --help/-h print usage and exit 0; an unknown flag or word, or a number
// not written strictly, exits 2 with usage; no output has a default, and
// committed data is never overwritten unless asked for by name.

import assert from "node:assert/strict";

const CLI = new URL("../src/cli/testbed.ts", import.meta.url).pathname;
const SENDER = new URL("../src/testbed/udp/sender.ts", import.meta.url)
  .pathname;
const RECEIVER = new URL("../src/testbed/udp/receiver.ts", import.meta.url)
  .pathname;
const COMMITTED = new URL("../data/testbed/migration.csv", import.meta.url)
  .pathname;

async function run(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

async function digest(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  return Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

Deno.test("testbed --help and -h print usage and exit 0, running nothing", async () => {
  for (const flag of ["--help", "-h", "run --help", "clean -h"]) {
    const r = await run(CLI, flag.split(" "));
    assert.equal(r.code, 0, flag);
    assert.match(r.stdout, /^Usage: deno task testbed/, flag);
    assert.match(r.stdout, /Exit codes: 0 done; 1 .* 2 usage error; 3 /s);
    assert.equal(r.stderr, "", flag);
  }
});

Deno.test("testbed: bad numbers, unknown flags and words exit 2 with usage, and write nothing, committed data included", async () => {
  const before = await digest(COMMITTED);
  const out = await Deno.makeTempDir();
  try {
    const cases: [string[], RegExp][] = [
      [
        ["--repeats=abc", "--out", out],
        /--repeats must be an integer in \[1, 100\]; got "abc"/,
      ],
      [
        ["--repeats=0", "--out", out],
        /--repeats must be an integer in \[1, 100\]; got "0"/,
      ],
      [
        ["--repeats", "-1", "--out", out],
        /--repeats must be an integer in \[1, 100\]; got "-1"/,
      ],
      [
        ["--repeats", "1e9", "--out", out],
        /--repeats must be an integer .*got "1e9"/,
      ],
      [
        ["--repeats", "", "--out", out],
        /--repeats must be an integer .*got ""/,
      ],
      [["bogus"], /unknown command "bogus"/],
      [["bogus", "--out", out], /unknown command "bogus"/],
      [["run", "extra"], /unexpected word extra/],
      [["--bogus"], /unknown option --bogus/],
      [
        ["--out", out, "--repets", "2"],
        /unknown option --repets; did you mean --repeats\?/,
      ],
      [[], /the sweep needs --out DIR \(no default/],
      [["--out="], /--out must not be empty/],
      [["--out"], /--out needs a value/],
      [
        ["--quick", "--repeats", "2", "--out", out],
        /--quick runs one repetition/,
      ],
      [
        ["run", "--rate", "1e9"],
        /--rate must be an integer in \[1, 100000\]; got "1e9"/,
      ],
      [["run", "--rate", "2000.5"], /--rate must be an integer/],
      [
        ["run", "--bytes", "43"],
        /--bytes must be an integer in \[44, 1500\]; got "43"/,
      ],
      [
        ["run", "--gap", "-0.1"],
        /--gap must be a number in \[0, 10\]; got "-0.1"/,
      ],
      [["run", "--ordering", "sideways"], /--ordering must be one of paper, /],
      [["run", "--repeats", "2"], /run takes no --repeats/],
      [["calibrate"], /calibrate needs --out FILE \(no default\)/],
      [["clean", "--out", out], /clean takes no --out/],
      [["--quick", "--quick", "--out", out], /--quick given twice/],
      [["--quick=yes", "--out", out], /--quick takes no value/],
    ];
    for (const [args, message] of cases) {
      const r = await run(CLI, args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.match(r.stderr, /Usage: deno task testbed/, args.join(" "));
      assert.equal(r.stdout, "");
    }
    assert.deepEqual([...Deno.readDirSync(out)], [], "nothing written");
    // The sweep into the committed data's folder refuses: its CSV exists
    // (checked above, so this can never start a sweep there).
    // Committed data is not a default, and is not replaced unless asked.
    const dataDir = new URL("../data/testbed", import.meta.url).pathname;
    const r = await run(CLI, ["--quick", "--out", dataDir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /migration\.csv exists; pass --overwrite/);
    // Nor is an existing calibration file replaced unless asked.
    const existing = `${out}/calibration.json`;
    await Deno.writeTextFile(existing, "{}");
    const c = await run(CLI, ["calibrate", "--out", existing]);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /exists; pass --overwrite/);
    assert.equal(await Deno.readTextFile(existing), "{}");
    // A folder that cannot be made is the machine's limit (exit 3), said
    // plainly, before any run.
    const noDir = await run(CLI, ["--quick", "--out", "/proc/vnmig-out"]);
    assert.equal(noDir.code, 3, noDir.stderr);
    assert.match(noDir.stderr, /^testbed: cannot create \/proc\/vnmig-out: /);
    // --out naming a file is a usage error, not a stack trace.
    const file = `${out}/a-file`;
    await Deno.writeTextFile(file, "x");
    const f = await run(CLI, ["--quick", "--out", file]);
    assert.equal(f.code, 2);
    assert.match(f.stderr, /--out must be a folder; .* is a file/);
    assert.doesNotMatch(f.stderr, /\n\s+at .*:\d+:\d+/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
  assert.equal(await digest(COMMITTED), before, "committed data unchanged");
});

Deno.test("the probe tools: --help exits 0; bad flags and numbers exit 2 with usage", async () => {
  for (const script of [SENDER, RECEIVER]) {
    const r = await run(script, ["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: deno run --allow-net --unstable-net/);
  }
  const cases: [string, string[], RegExp][] = [
    [SENDER, [], /--dst must be an IPv4 address; got ""/],
    [SENDER, ["--dst", "10.0.0.256"], /--dst must be an IPv4 address/],
    [
      SENDER,
      ["--dst", "10.0.0.2", "--rate", "abc"],
      /--rate must be a number in .*; got "abc"/,
    ],
    [
      SENDER,
      ["--dst", "10.0.0.2", "--count", "0"],
      /--count must be an integer in \[1, 100000000\]; got "0"/,
    ],
    [
      SENDER,
      ["--dst", "10.0.0.2", "--bytes", "1501"],
      /--bytes must be an integer in \[44, 1500\]; got "1501"/,
    ],
    [
      SENDER,
      ["--dst", "10.0.0.2", "--rat", "5"],
      /unknown option --rat; did you mean --rate\?/,
    ],
    [
      RECEIVER,
      ["--expect", "-1"],
      /--expect must be an integer in \[1, 100000000\]; got "-1"/,
    ],
    [
      RECEIVER,
      ["--port", "65536"],
      /--port must be an integer in \[0, 65535\]; got "65536"/,
    ],
    // UDP ports: 1..65535 for the sender, 0 (any free port) too for the
    // receiver; anything else is refused as written, never Number("") = 0.
    ...["0", "-1", "65536", "", "1e3", "0x10", "99999999999999999", "80.5"]
      .map((port): [string, string[], RegExp] => [
        SENDER,
        ["--dst", "10.0.0.2", "--port", port],
        new RegExp(
          `--port must be an integer in \\[1, 65535\\]; got ${
            JSON.stringify(port).replace(/[.]/g, "\\.")
          }`,
        ),
      ]),
    ...["-1", "", "abc", "1e3"].map((port): [string, string[], RegExp] => [
      RECEIVER,
      ["--port", port],
      new RegExp(
        `--port must be an integer in \\[0, 65535\\]; got ${
          JSON.stringify(port)
        }`,
      ),
    ]),
    [RECEIVER, ["--hold"], /--hold needs --stdin-control/],
    [RECEIVER, ["now"], /unexpected word now/],
  ];
  for (const [script, args, message] of cases) {
    const r = await run(script, args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /Usage:/);
  }
});

Deno.test("one command-line parser: every program's flags go through src/_args.ts", async () => {
  // No second copy anywhere under src/: the one definition is in
  // src/_args.ts (found by walking the tree, so a new copy fails here).
  const definitions: string[] = [];
  const walk = async (dir: URL) => {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) await walk(url);
      else if (
        entry.name.endsWith(".ts") &&
        /function parseFlags\b/.test(await Deno.readTextFile(url))
      ) definitions.push(url.pathname.replace(/^.*\/src\//, "src/"));
    }
  };
  await walk(new URL("../src/", import.meta.url));
  assert.deepEqual(definitions, ["src/_args.ts"]);
  // The plane-separation CLI, which moved over, keeps the convention.
  const planesep = new URL("../src/cli/planesep.ts", import.meta.url).pathname;
  const help = await run(planesep, ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: deno task planesep/);
  for (
    const [args, message] of [
      [["bogus"], /unknown command "bogus"/],
      [["run", "--rat", "5"], /unknown option --rat; did you mean --rate\?/],
      [["run", "--routes", ""], /--routes must be an integer in .*; got ""/],
    ] as const
  ) {
    const r = await run(planesep, [...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

Deno.test("planesep: --out is checked before anything runs; an existing file is replaced only with --overwrite", async () => {
  const planesep = new URL("../src/cli/planesep.ts", import.meta.url).pathname;
  // Without --allow-run and --allow-sys: should a check be missing, the
  // program fails at its first command instead of starting a testbed.
  const narrow = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", planesep, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  };
  const dir = await Deno.makeTempDir();
  try {
    const existing = `${dir}/runs.csv`;
    await Deno.writeTextFile(existing, "committed\n");
    for (
      const [args, code, message] of [
        [
          ["sweep", "--out", existing],
          2,
          /--out .*runs\.csv exists; pass --overwrite/,
        ],
        [
          ["run", "--out", existing],
          2,
          /--out .*runs\.csv exists; pass --overwrite/,
        ],
        [["sweep", "--out", dir], 2, /is a folder: name the CSV file/],
        [["sweep", "--out", ""], 2, /--out must name a CSV file; got ""/],
        [
          ["sweep", "--out", `${dir}/no/such/runs.csv`],
          3,
          /^planesep: cannot write .*no\/such\/runs\.csv/,
        ],
        [["clean", "--overwrite"], 2, /--overwrite does not apply to clean/],
      ] as const
    ) {
      const r = await narrow(...args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.doesNotMatch(r.stderr, / run 1\//, "nothing ran");
    }
    assert.equal(await Deno.readTextFile(existing), "committed\n");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [
      "runs.csv",
    ]);
    // Negative control: with --overwrite the checks pass and the sweep
    // starts (then stops at the permission it was not given), the file
    // untouched since no run finished.
    const r = await narrow("sweep", "--out", existing, "--overwrite");
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, / run 1\/16: /);
    assert.equal(await Deno.readTextFile(existing), "committed\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// `deno task reproduce` as a user meets it (issue 16): the real command as a
// subprocess. Usage errors exit 2 before anything is computed or written,
// the output set is written whole or not at all (kills, full disks,
// previous sets), the machine's shortcomings exit 3, the data describe
// themselves (meta.json, units in headers, Parquet), and PNGs need no
// system font.

import assert from "node:assert/strict";
import { parquetReadObjects } from "hyparquet";
import { EnvironmentError } from "../src/_args.ts";
import {
  defaultFontFile,
  findFontFile,
  shippedFontFile,
} from "../src/plot/_font.ts";
import { prepareOutputSet } from "../src/cli/_output_set.ts";
import { parseCsv } from "../src/sweep/csv.ts";
import { needsRoot, skipIf } from "./_skip.ts";

const decoder = new TextDecoder();
const CLI = "src/cli/reproduce.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function reproduce(
  args: string[],
  options: { permissions?: string[]; cwd?: string } = {},
): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.permissions ?? ["-A"]), CLI, ...args],
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

function listing(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

const tmp = (prefix: string) => Deno.makeTempDirSync({ prefix });

Deno.test("usage errors exit 2 with the usage, before computing or writing anything", async () => {
  const dir = tmp("vnmig-cli-usage-");
  try {
    const cases: [string[], RegExp][] = [
      [["--out", ""], /--out must name a folder; got ""/],
      [["--out", "/"], /--out must not be the root folder/],
      [
        ["--formats", ""],
        /--formats must list one or more of svg, png, comma-separated; got ""/,
      ],
      [
        ["--formats", "svg,gif"],
        /--formats must list one or more of svg, png, comma-separated; got "gif"/,
      ],
      [["--formats", "svg,"], /--formats must list .*; got "svg,"/],
      [["--formats", "svg,svg"], /--formats lists "svg" twice/],
      [["--seed", ""], /--seed must be an integer in \[0, 9007199254740991\]/],
      [["--seed", "-1"], /--seed must be an integer .*got "-1"/],
      [["--seed", "1e3"], /--seed must be an integer .*got "1e3"/],
      [
        ["--repetitions", "-1"],
        /--repetitions must be an integer in \[1, 1000\]/,
      ],
      [
        ["--repetitions", "1e9"],
        /--repetitions must be an integer in \[1, 1000\] \(each repetition is 66 migrations/,
      ],
      [["--repetitions", "1001"], /got "1001"/],
      [["--bogus"], /unknown option --bogus/],
      [
        ["--fromats", "svg"],
        /unknown option --fromats; did you mean --formats\?/,
      ],
      [["bogus"], /unexpected word "bogus"/],
      [["-x"], /unknown option -x/],
      [["--quick=yes"], /--quick takes no value/],
    ];
    for (const [args, message] of cases) {
      const run = await reproduce(args, { cwd: Deno.cwd() });
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(" "));
      assert.match(run.stderr, /Usage: deno task reproduce/);
      assert.doesNotMatch(run.stderr, /^migrations \d/m, "nothing computed");
    }
    // A file, and a folder holding someone else's files.
    const file = `${dir}/notes.txt`;
    Deno.writeTextFileSync(file, "mine");
    let run = await reproduce(["--out", file]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /is a file: name a folder/);
    run = await reproduce(["--out", dir]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /holds files that are not an output of this program \(notes\.txt\)/,
    );
    assert.equal(Deno.readTextFileSync(file), "mine");
    assert.deepEqual(listing(dir), ["notes.txt"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("--help and -h print the usage with the exit codes and exit 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const run = await reproduce([flag]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Usage: deno task reproduce/);
    assert.match(run.stdout, /Exit codes: 0 every claim holds; 1 a claim/);
    assert.equal(run.stderr, "");
  }
});

Deno.test({
  name:
    "a set is replaced whole: meta.json, units in every header, Parquet, no progress bars in logs",
  sanitizeResources: false,
  fn: async () => {
    const parent = tmp("vnmig-cli-set-");
    const out = `${parent}/out`;
    try {
      let run = await reproduce(["--quick", "--out", out, "--parquet"]);
      assert.ok(run.code === 0 || run.code === 1, run.stderr);
      assert.ok(listing(out).includes("fig5_downtime.png"));
      assert.doesNotMatch(
        run.stderr,
        /\r/,
        "plain progress lines off a terminal",
      );
      assert.match(run.stderr, /^migrations 1\/72 \(1%\)$/m);
      const meta = JSON.parse(Deno.readTextFileSync(`${out}/meta.json`));
      assert.equal(meta.generator, "vnmig reproduce");
      assert.equal(meta.seed, 0);
      assert.equal(meta.repetitions, 2);
      assert.match(meta.commit ?? "", /^[0-9a-f]{40}$/);
      assert.match(meta.seeds, /deriveSeed/);
      assert.deepEqual(meta.command.slice(3), [
        "--quick",
        "--out",
        out,
        "--parquet",
      ]);
      // Every CSV: described in meta.json, every numeric column with a unit.
      const csvs = listing(out).filter((n) => n.endsWith(".csv"));
      assert.deepEqual(
        meta.files.map((f: { name: string }) => f.name).sort(),
        csvs,
      );
      for (const file of meta.files) {
        for (const column of file.columns) {
          if (column.type === "number" || column.type === "integer") {
            assert.notEqual(
              column.unit,
              null,
              `${file.name}: ${column.name} has no unit`,
            );
          }
        }
        const rows = parseCsv(Deno.readTextFileSync(`${out}/${file.name}`));
        assert.equal(rows.length, file.rows);
        // Parquet holds the same rows (integers as BigInt).
        const bytes = Deno.readFileSync(
          `${out}/${file.name.replace(".csv", ".parquet")}`,
        );
        const parquet = await parquetReadObjects({ file: bytes.buffer });
        assert.equal(parquet.length, rows.length);
        const plain = parquet.map((r) =>
          Object.fromEntries(
            Object.entries(r).filter(([, v]) => v !== null).map((
              [k, v],
            ) => [k, typeof v === "bigint" ? Number(v) : v]),
          )
        );
        assert.deepEqual(plain, rows, file.name);
      }
      assert.match(
        Deno.readTextFileSync(`${out}/fig5_downtime.csv`).split("\n")[0],
        /^mechanism,packetSizeBytes,packetsPerSecond,meanDowntimeSeconds,sdDowntimeSeconds,minDowntimeSeconds,maxDowntimeSeconds,runs$/,
      );
      // Run again with SVG only: the PNGs and Parquet files of the old set
      // are gone, not mixed in.
      run = await reproduce([
        "--quick",
        "--out",
        out,
        "--formats",
        "svg",
        "--seed",
        "4294967296",
      ]);
      assert.ok(run.code === 0 || run.code === 1, run.stderr);
      const names = listing(out);
      assert.equal(
        names.filter((n) => n.endsWith(".png") || n.endsWith(".parquet"))
          .length,
        0,
      );
      assert.ok(names.includes("fig5_downtime.svg"));
      assert.deepEqual(listing(parent), ["out"], "no staging folder left");
      assert.equal(
        JSON.parse(Deno.readTextFileSync(`${out}/meta.json`)).seed,
        4294967296,
      );
    } finally {
      Deno.removeSync(parent, { recursive: true });
    }
  },
});

Deno.test("--seed 4294967296 does not reproduce --seed 0", async () => {
  const parent = tmp("vnmig-cli-seed-");
  try {
    const seeds: unknown[][] = [];
    for (const seed of ["0", "4294967296"]) {
      const run = await reproduce([
        "--quick",
        "--formats",
        "svg",
        "--out",
        `${parent}/s${seed}`,
        "--seed",
        seed,
      ]);
      assert.ok(run.code === 0 || run.code === 1, run.stderr);
      seeds.push(
        parseCsv(Deno.readTextFileSync(`${parent}/s${seed}/paper_runs.csv`))
          .map((r) => r.seed),
      );
    }
    assert.equal(seeds[0].length, 72);
    assert.notDeepEqual(seeds[0], seeds[1]);
  } finally {
    Deno.removeSync(parent, { recursive: true });
  }
});

Deno.test("an interrupted run (SIGINT, or SIGKILL then a rerun) never leaves old and new files mixed", async () => {
  const parent = tmp("vnmig-cli-kill-");
  const out = `${parent}/out`;
  try {
    let run = await reproduce(["--quick", "--formats", "svg", "--out", out]);
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    const before = listing(out);
    const report = Deno.readTextFileSync(`${out}/REPORT.md`);
    for (const signal of ["SIGINT", "SIGKILL"] as const) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CLI, "--repetitions", "400", "--out", out],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      // Wait for the computing to start (its first progress line).
      const reader = child.stderr.getReader();
      let seen = "";
      while (!/^migrations \d/m.test(seen)) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += decoder.decode(value);
      }
      child.kill(signal);
      // Read on to the end: a closed pipe would fail the child's writes.
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += decoder.decode(value);
      }
      const status = await child.status;
      assert.equal(status.success, false);
      if (signal === "SIGINT") {
        assert.equal(status.code, 130);
        assert.deepEqual(
          listing(parent),
          ["out"],
          "the staging folder is removed",
        );
      }
      assert.deepEqual(listing(out), before);
      assert.equal(Deno.readTextFileSync(`${out}/REPORT.md`), report);
    }
    // After the kill its staging folder is left; the next run clears it.
    assert.deepEqual(listing(parent), [".out.partial", "out"]);
    run = await reproduce(["--quick", "--formats", "svg", "--out", out]);
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    assert.deepEqual(listing(parent), ["out"]);
  } finally {
    Deno.removeSync(parent, { recursive: true });
  }
});

Deno.test("a write that fails half-way (a full disk) leaves the previous set whole and no partial file", async () => {
  const parent = tmp("vnmig-cli-fault-");
  const target = `${parent}/out`;
  const previous = {
    "REPORT.md": "# vnmig: old\n",
    "fig5_downtime.csv": "old\n",
  };
  try {
    Deno.mkdirSync(target);
    for (const [name, text] of Object.entries(previous)) {
      Deno.writeTextFileSync(`${target}/${name}`, text);
    }
    let written = 0;
    const set = await prepareOutputSet(target, {
      isPreviousOutput: (_, read) =>
        (read("REPORT.md") ?? "").startsWith("# vnmig"),
      writer: {
        async writeFile(path, data) {
          if (++written === 3) {
            // What a full disk does: part of the file, then ENOSPC.
            await Deno.writeFile(path, data.subarray(0, data.length >> 1));
            throw new Error("No space left on device (os error 28)");
          }
          await Deno.writeFile(path, data);
        },
      },
    });
    await set.add("REPORT.md", "# vnmig: new\n");
    await set.add("fig5_downtime.csv", "new\n");
    await assert.rejects(
      () => set.add("fig5_downtime.png", new Uint8Array(1000)),
      (e: Error) =>
        e instanceof EnvironmentError &&
        /No space left on device/.test(e.message) &&
        /left as it was/.test(e.message),
    );
    assert.deepEqual(listing(parent), ["out"]);
    for (const [name, text] of Object.entries(previous)) {
      assert.equal(Deno.readTextFileSync(`${target}/${name}`), text);
    }
    // Control: the same writer, no fault: the new set replaces the old one.
    const ok = await prepareOutputSet(target, {
      isPreviousOutput: (_, read) =>
        (read("REPORT.md") ?? "").startsWith("# vnmig"),
    });
    await ok.add("REPORT.md", "# vnmig: new\n");
    await ok.commit();
    assert.deepEqual(listing(target), ["REPORT.md"]);
    assert.deepEqual(listing(parent), ["out"]);
  } finally {
    Deno.removeSync(parent, { recursive: true });
  }
});

const tmpfsSkip = skipIf(
  "a full disk (a small tmpfs) is found before computing: exit 3",
  needsRoot("mounts a small tmpfs"),
);
Deno.test({
  name: "a full disk (a small tmpfs) is found before computing: exit 3",
  ignore: tmpfsSkip !== undefined,
  fn: async () => {
    const mount = tmp("vnmig-cli-tmpfs-");
    const mounted = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mount],
    }).output();
    assert.ok(mounted.success, decoder.decode(mounted.stderr));
    try {
      const run = await reproduce(["--quick", "--out", `${mount}/out`]);
      assert.equal(run.code, 3, run.stderr);
      assert.match(
        run.stderr,
        /not enough free space for the output .* KiB needed, \d+ KiB free/,
      );
      assert.doesNotMatch(run.stderr, /^migrations \d/m);
      assert.deepEqual(listing(mount), []);
    } finally {
      await new Deno.Command("umount", { args: [mount] }).output();
      Deno.removeSync(mount, { recursive: true });
    }
  },
});

Deno.test("no write permission for the output folder: exit 3 naming the permission, before computing", async () => {
  const parent = tmp("vnmig-cli-perm-");
  try {
    const run = await reproduce(["--quick", "--out", `${parent}/out`], {
      permissions: [
        "--allow-read",
        "--allow-ffi",
        "--allow-sys",
        `--allow-write=${parent}/elsewhere`,
      ],
    });
    assert.equal(run.code, 3, run.stderr);
    assert.match(
      run.stderr,
      /write access to .*out is not granted: run with --allow-write=/,
    );
    assert.doesNotMatch(run.stderr, /migrations/);
    assert.deepEqual(listing(parent), []);
  } finally {
    Deno.removeSync(parent, { recursive: true });
  }
});

Deno.test("the font: the package's own first; none at all is an exit-3 error before computing", async () => {
  const shipped = shippedFontFile()!;
  assert.ok(shipped.endsWith("fonts/DejaVuSans.ttf"));
  assert.deepEqual(findFontFile(undefined, () => []), {
    path: shipped,
    source: "package",
  });
  // Without the package's copy, the system's; without either, none.
  const notShipped = (p: string) => p !== shipped && p === "/sys/font.ttf";
  assert.deepEqual(
    findFontFile(undefined, () => ["/sys/font.ttf"], notShipped),
    { path: "/sys/font.ttf", source: "system" },
  );
  assert.deepEqual(
    defaultFontFile(() => ["/sys/font.ttf"], notShipped),
    "/sys/font.ttf",
  );
  // The system paths are not even listed while the package's font is there
  // (listing them asks for the home folder: a permission prompt).
  assert.deepEqual(
    findFontFile(undefined, () => {
      throw new Error("system paths listed");
    }),
    { path: shipped, source: "package" },
  );
  assert.equal(findFontFile(undefined, () => [], () => false), undefined);
  // The library's default on a system with neither: an error that names
  // the option that fixes it and what was looked for.
  assert.throws(
    () =>
      defaultFontFile(() => ["/usr/share/fonts/DejaVuSans.ttf"], () => false),
    /^Error: no DejaVu Sans for the PNG text: the package's .*fonts\/DejaVuSans\.ttf is not on disk and none of \/usr\/share\/fonts\/DejaVuSans\.ttf exists; pass fontFile/,
  );
  const run = await reproduce([
    "--quick",
    "--out",
    "/tmp/vnmig-never",
    "--font",
    "/nonexistent.ttf",
  ]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--font \/nonexistent\.ttf does not exist/);
  // A file that is not a font fails the check before computing: exit 3.
  const bad = Deno.makeTempFileSync({ suffix: ".ttf" });
  try {
    Deno.writeTextFileSync(bad, "not a font");
    const r = await reproduce([
      "--quick",
      "--out",
      "/tmp/vnmig-never",
      "--font",
      bad,
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /PNG figures cannot be rendered here/);
    assert.doesNotMatch(r.stderr, /^migrations \d/m);
  } finally {
    Deno.removeSync(bad);
  }
});

const fontsSkip = skipIf(
  "reproduce passes with the system fonts hidden",
  needsRoot("hides /usr/share/fonts in a mount namespace"),
);
Deno.test({
  name: "reproduce passes with the system fonts hidden",
  ignore: fontsSkip !== undefined,
  sanitizeResources: false,
  fn: async () => {
    const parent = tmp("vnmig-cli-nofonts-");
    try {
      // A private mount namespace with an empty tmpfs over the fonts folder
      // (and fontconfig's cache): no font the system has can be found.
      const script =
        `mount -t tmpfs none /usr/share/fonts && ! ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf 2>/dev/null && exec "$0" "$@"`;
      const out = await new Deno.Command("unshare", {
        args: [
          "--mount",
          "--propagation",
          "private",
          "sh",
          "-c",
          script,
          Deno.execPath(),
          "run",
          "-A",
          CLI,
          "--quick",
          "--out",
          `${parent}/out`,
        ],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const stdout = decoder.decode(out.stdout);
      const stderr = decoder.decode(out.stderr);
      // Every claim holds (exit 0; exit 1 only for a negative control that
      // did not fail, which has nothing to do with fonts).
      assert.ok(out.code === 0 || out.code === 1, stdout + stderr);
      assert.match(stdout, /^pass C9 /m, stdout + stderr);
      assert.doesNotMatch(stdout, /^FAIL /m);
      const png = Deno.readFileSync(`${parent}/out/fig5_downtime.png`);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
      const meta = JSON.parse(Deno.readTextFileSync(`${parent}/out/meta.json`));
      assert.match(meta.pngFont, /fonts\/DejaVuSans\.ttf$/);
      assert.ok(!meta.pngFont.startsWith("/usr/share/fonts"));
    } finally {
      Deno.removeSync(parent, { recursive: true });
    }
  },
});

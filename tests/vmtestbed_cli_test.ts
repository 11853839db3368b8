// deno task vmtestbed's command-line convention: --help exits 0, usage
// errors exit 2 with the usage, clean and merge need no root.
import { ok, strictEqual } from "node:assert/strict";

const CLI = new URL("../src/cli/vmtestbed.ts", import.meta.url).pathname;

async function cli(
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return {
    code: r.code,
    out: new TextDecoder().decode(r.stdout),
    err: new TextDecoder().decode(r.stderr),
  };
}

Deno.test("vmtestbed cli: --help, usage errors with exit 2", async () => {
  const help = await cli("--help");
  strictEqual(help.code, 0);
  ok(help.out.includes("Usage: deno task vmtestbed COMMAND"));
  for (
    const [args, message] of [
      [[], "a command is needed"],
      [["bogus"], "unknown command bogus"],
      [["run", "extra"], "unexpected word extra"],
      [["run", "--rat", "5"], "did you mean --rate?"],
      [["run", "--rate", "abc"], "--rate must be a number"],
      [["run", "--rate", "0"], "--rate must be a number in [1, 20000]"],
      [["run", "--pattern", "zigzag"], "--pattern must be rr or random"],
      [["run", "--memory-kib", "262138"], "multiple of 4"],
      [
        ["run", "--memory-kib", "262144", "--refuse-memory"],
        "multiple of 256 KiB",
      ],
      [["run", "--out", "x"], "--out does not apply to run"],
      [["sweep", "--shard", "5/3"], "shard must be K/N"],
      [["sweep", "--experiments", "rates,bogus"], "--experiments must list"],
      [["sweep", "--repeats", "-1"], "--repeats must be an integer"],
      [["sweep", "--out", ""], "--out must name a folder"],
      [["reanalyze"], "needs --records"],
    ] as const
  ) {
    const r = await cli(...args);
    strictEqual(r.code, 2, `${args.join(" ")}: ${r.err}`);
    ok(r.err.includes(message), `${args.join(" ")}: ${r.err}`);
    ok(r.err.includes("Usage:"), "usage follows the error");
  }
});

Deno.test("vmtestbed cli: clean on an empty registry, merge of nothing", async () => {
  const dir = Deno.makeTempDirSync();
  const clean = await cli("clean", "--run-dir", `${dir}/run`);
  strictEqual(clean.code, 0, clean.err);
  ok(clean.err.includes("0 killed run(s) cleaned"));
  const merge = await cli("merge", "--out", `${dir}/none`);
  strictEqual(merge.code, 2);
  ok(merge.err.includes("holds no sweep parts"));
  Deno.removeSync(dir, { recursive: true });
});

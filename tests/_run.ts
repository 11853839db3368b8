// The README's test command (`deno task test`): runs every test and doc
// example, passes their output through, and ends with what was skipped and
// why (tests record their reasons with tests/_skip.ts), then one plain
// closing line "N passed, N failed, N skipped". Exits with the test run's
// code.

const args = Deno.args.length > 0
  ? Deno.args
  : ["--parallel", "--doc", "tests/", "mod.ts", "src/"];
const log = await Deno.makeTempFile({ prefix: "vnmig-skips-" });
const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", ...args],
  stdout: "piped",
  stderr: "inherit",
  env: { VNMIG_SKIP_LOG: log },
}).spawn();

const decoder = new TextDecoder();
const ignored: string[] = [];
let summary = "";
let pending = "";
const strip = (line: string) =>
  // deno-lint-ignore no-control-regex
  line.replace(/\x1b\[[0-9;]*m/g, "");
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  pending += decoder.decode(chunk, { stream: true });
  const lines = pending.split("\n");
  pending = lines.pop()!;
  for (const raw of lines) {
    const line = strip(raw);
    const test = line.match(/^(.*) \.\.\. ignored \(/);
    if (test) ignored.push(test[1].trim());
    if (/^(ok|FAILED) \| \d+ passed/.test(line)) summary = line;
  }
}
const status = await child.status;

const reasons = new Map<string, string>();
for (const line of (await Deno.readTextFile(log)).split("\n")) {
  if (line.trim() === "") continue;
  const { test, reason } = JSON.parse(line);
  reasons.set(test, reason);
}
await Deno.remove(log);

const count = (word: string) =>
  Number(summary.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
console.log("");
if (ignored.length === 0) {
  console.log("Skipped: nothing.");
} else {
  console.log(`Skipped ${ignored.length}:`);
  for (const name of ignored) {
    console.log(
      `  - ${name}: ${reasons.get(name) ?? "ignored (no reason recorded)"}`,
    );
  }
}
console.log(
  `${count("passed")} passed, ${
    count("failed")
  } failed, ${ignored.length} skipped`,
);
Deno.exit(status.code);

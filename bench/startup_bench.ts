// Start-up as whole processes (issue 10): an empty `deno run` against a
// script that imports only the traffic entry and counts once (the target:
// at most 1.5 times the empty run), the same through the root module, and
// 1000 pre-copy migrations. Compare the means `deno task bench` prints.

const dir = new URL("./_startup/", import.meta.url).pathname;
const config = new URL("../deno.json", import.meta.url).pathname;

async function run(script: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--config", config, `${dir}${script}`],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
}

for (
  const [name, script] of [
    ["deno run of an empty script", "empty.ts"],
    ["import the traffic entry and count once", "traffic_once.ts"],
    ["import the root module and count once", "root_once.ts"],
    ["1000 Xen standard migrations, start-up included", "precopy_1000.ts"],
  ]
) {
  Deno.bench(name, { group: "start-up" }, async () => await run(script));
}

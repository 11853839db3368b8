// The models and figures run under Node (issue 16, "any OS"): the model
// areas, sweeps, CSV, progress and figures (SVG saved through node:fs, PNG
// through resvg) are bundled by `deno bundle` (offline, from Deno's cache)
// and run by the machine's `node`; their answers must equal Deno's.

import assert from "node:assert/strict";
import { openflowMigration } from "../src/openflow/mod.ts";
import {
  planeSeparationMigration,
  xenStandardMigration,
} from "../src/xen/mod.ts";
import { skipIf } from "./_skip.ts";

const decoder = new TextDecoder();
const NAME = "models and figures run under Node, with Deno's answers";

async function nodeMissing(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("node", {
      args: ["--version"],
      stdout: "piped",
    }).output();
    return out.success ? undefined : "node --version failed";
  } catch {
    return "node is not installed";
  }
}

const skipped = skipIf(NAME, await nodeMissing());
Deno.test({
  name: NAME,
  ignore: skipped !== undefined,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "vnmig-node-" });
    try {
      const bundle = `${dir}/entry.mjs`;
      const built = await new Deno.Command(Deno.execPath(), {
        args: [
          "bundle",
          "--platform",
          "deno",
          "--external",
          "@resvg/resvg-js",
          "-o",
          bundle,
          "tests/_node_entry.ts",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(built.success, decoder.decode(built.stderr));
      // resvg is a native addon: give Node the copy in Deno's npm cache.
      const info = JSON.parse(
        decoder.decode(
          (await new Deno.Command(Deno.execPath(), {
            args: ["info", "--json"],
            stdout: "piped",
          }).output()).stdout,
        ),
      );
      const registry = `${info.npmCache}/registry.npmjs.org/@resvg`;
      await Deno.mkdir(`${dir}/node_modules/@resvg`, { recursive: true });
      let font = "";
      for (const entry of Deno.readDirSync(registry)) {
        const versions = [...Deno.readDirSync(`${registry}/${entry.name}`)]
          .filter((e) => e.isDirectory).map((e) => e.name);
        const version = versions.includes("2.6.2") ? "2.6.2" : versions[0];
        if (version) {
          await Deno.symlink(
            `${registry}/${entry.name}/${version}`,
            `${dir}/node_modules/@resvg/${entry.name}`,
          );
        }
      }
      font = new URL("../fonts/DejaVuSans.ttf", import.meta.url).pathname;
      const run = await new Deno.Command("node", {
        args: ["--preserve-symlinks", bundle, dir, font],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(run.success, decoder.decode(run.stderr));
      const result = JSON.parse(
        decoder.decode(run.stdout).trim().split("\n").pop()!,
      );
      assert.equal(result.deno, "undefined", "ran under Node, not Deno");
      // The same answers as under Deno.
      assert.equal(
        result.standardLost,
        xenStandardMigration({ packetsPerSecond: 5000 }).data.lostPackets,
      );
      assert.equal(
        result.separatedLost,
        planeSeparationMigration({ packetsPerSecond: 5000 }).data.lostPackets,
      );
      assert.equal(
        result.openflowLost,
        openflowMigration({ packetsPerSecond: 100_000 }).data.lostPackets,
      );
      assert.equal(result.tunnelFate, "fragmented");
      assert.equal(result.rows, 4);
      assert.deepEqual(result.progress, [
        "runs 1/4 (25%)\n",
        "runs 4/4 (100%)\n",
      ]);
      assert.match(result.misspelt, /did you mean "packetsPerSecond"/);
      assert.equal(result.svgStart, "<svg");
      assert.deepEqual(result.saved, [`${dir}/figure.svg`]);
      assert.match(await Deno.readTextFile(`${dir}/figure.svg`), /^<svg/);
      assert.ok(result.pngBytes > 1000, "PNG rendered under Node");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

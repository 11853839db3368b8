// The plane-separation testbed's CI smoke test: the real program, as a
// subprocess, under the machine-wide lock for heavy runs. Two migrations of
// the namespace stand-in (about a minute): no data packet lost, both OSPF
// adjacencies stay Full, control packets delayed but not lost, and removing
// the old data path at resume loses data packets. Skipped, saying why,
// without root, BIRD, nftables or gcc.
import { ok, strictEqual } from "node:assert/strict";
import { checkHost } from "../src/testbed/host/command.ts";
import { PLANESEP_BINARIES } from "../src/testbed/plane_separation/harness.ts";
import { testUnless } from "./_skip.ts";

const host = await checkHost({
  binaries: PLANESEP_BINARIES,
  probeNamespace: false,
})
  .catch((e) => ({ available: false, reason: String(e) }));
if (!host.available) console.log(`planesep smoke test skipped: ${host.reason}`);

testUnless(host.available ? undefined : host.reason, {
  name:
    "planesep smoke: no data lost, adjacency survives, control delayed not lost, removal at resume loses",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const cli = new URL("../src/cli/planesep.ts", import.meta.url).pathname;
    const out = await new Deno.Command("flock", {
      args: [
        "-w",
        "900",
        "/tmp/vnmig-heavy.lock",
        "timeout",
        "600",
        Deno.execPath(),
        "run",
        "-A",
        cli,
        "smoke",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    strictEqual(
      out.code,
      0,
      `smoke failed (exit ${out.code}):\n${stdout}\n${stderr}`,
    );
    ok(stdout.includes("smoke: 5 of 5 checks held"), stdout);
    for (
      const check of [
        "no data packet lost",
        "stayed Full",
        "control packets delayed",
        "no control packet lost",
        "loses data packets",
      ]
    ) {
      ok(
        stdout.split("\n").some((l) =>
          l.startsWith("ok: ") && l.includes(check)
        ),
        `${check}: ${stdout}`,
      );
    }
  },
});

// Executes every notebook with the Deno kernel when Jupyter is installed
// (CI always has it); otherwise says plainly that they were skipped.
import assert from "node:assert/strict";
import {
  jupyterMissing,
  listNotebooks,
  runNotebook,
} from "../src/cli/_notebook_runner.ts";

const missing = await jupyterMissing();
if (missing) {
  console.warn(`notebooks skipped: ${missing}`);
}

for (const notebook of listNotebooks()) {
  Deno.test({
    name: `notebook ${notebook} runs and shows its figures`,
    ignore: missing !== null,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const report = await runNotebook(notebook);
      assert.ok(report.ok, `${notebook}: ${report.message}`);
      assert.ok(report.figures > 0);
    },
  });
}

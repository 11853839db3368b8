// `deno task notebooks`: executes every notebook under notebooks/ headless
// with the Deno kernel; fails on any cell error and on a notebook whose
// figures did not come out.

import {
  jupyterMissing,
  listNotebooks,
  runNotebook,
} from "./_notebook_runner.ts";

const missing = await jupyterMissing();
if (missing) {
  console.error(`notebooks: cannot run: ${missing}`);
  Deno.exit(1);
}
const only = Deno.args;
let failed = 0;
for (const notebook of listNotebooks()) {
  if (only.length > 0 && !only.some((o) => notebook.includes(o))) continue;
  const start = performance.now();
  const report = await runNotebook(notebook);
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(
    `${
      report.ok ? "ok  " : "FAIL"
    } ${notebook} (${seconds} s, ${report.attempts} attempt(s)): ${report.message}`,
  );
  if (!report.ok) failed++;
}
Deno.exit(failed > 0 ? 1 : 0);

// Executes a notebook headless RUNS times and counts the code cells whose
// SVG output came out: a reproduction of the Deno kernel dropping rich
// outputs in headless runs.
//
//   deno run --allow-run count.ts last_expression.ipynb 24
//   deno run --allow-run count.ts display.ipynb 24

const [notebook, runsText = "24"] = Deno.args;
const runs = Number(runsText);
if (!notebook || !Number.isInteger(runs) || runs < 1) {
  console.error("usage: count.ts NOTEBOOK [RUNS]");
  Deno.exit(2);
}
let shown = 0;
let cells = 0;
const empty: number[] = [];
for (let run = 0; run < runs; run++) {
  const out = await new Deno.Command("jupyter", {
    args: [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--stdout",
      "--ExecutePreprocessor.kernel_name=deno",
      notebook,
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const executed = JSON.parse(new TextDecoder().decode(out.stdout));
  for (const [i, cell] of executed.cells.entries()) {
    cells++;
    const outputs: { data?: Record<string, unknown> }[] = cell.outputs;
    if (outputs.some((o) => o.data?.["image/svg+xml"] !== undefined)) shown++;
    else if (outputs.length === 0) empty.push(i);
  }
}
console.log(
  `${notebook}: ${shown} of ${cells} cells showed their SVG; ${empty.length} had no output at all`,
);

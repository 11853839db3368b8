// The notebooks' conventions, for every notebook under notebooks/ (see the
// README's "Notebooks" section): checked from the source without Jupyter
// (parameters cell, deno fmt, deno lint, short lines, HTML tables, no
// committed outputs), then executed with the Deno kernel when Jupyter is
// installed (CI always has it; otherwise the tests say they were skipped):
// no cell fails, no result is left as a last expression, every figure has
// a title and every display comes out. Two runs change parameters the way
// a user would. The rendered copies in docs/notebooks must match their
// sources.
import assert from "node:assert/strict";
import { DOMParser } from "linkedom";
import {
  type Cell,
  codeProblems,
  type Notebook,
  parameters,
  parseAssignments,
  readNotebook,
  sourceProblems,
  text,
  withParameters,
} from "../src/cli/_notebook_code.ts";
import {
  checkOutputs,
  inNpxCache,
  jupyterMissing,
  listNotebooks,
  runNotebook,
  selectNotebooks,
} from "../src/cli/_notebook_runner.ts";
import { SURVIVAL_VERDICTS } from "../src/xen/control_plane.ts";
import { testUnless } from "./_skip.ts";

const missing = await jupyterMissing();
if (missing) console.warn(`notebooks not executed: ${missing}`);
const notebooks = listNotebooks();
const RENDERED = "docs/notebooks";

// --- the source of every notebook -----------------------------------------

for (const notebook of notebooks) {
  Deno.test(`notebook ${notebook}: parameters cell, formatted, linted, HTML tables, no outputs`, async () => {
    const problems = [
      ...sourceProblems(await readNotebook(notebook)),
      ...(await codeProblems(notebook)),
    ];
    assert.deepEqual(problems, [], `${notebook}:\n${problems.join("\n")}`);
  });
}

// A notebook that breaks every rule: the negative control of the checks.
function cell(source: string, extra: Partial<Cell> = {}): Cell {
  return { cell_type: "code", source, metadata: {}, outputs: [], ...extra };
}
const bad: Notebook = {
  metadata: { kernelspec: { name: "python3" } },
  cells: [
    cell('import { x } from "y";\nconst rate = 5;'),
    cell(`console.table([{ a: 1 }]);\n// ${"x".repeat(120)}`),
    cell("1 + 1", {
      execution_count: 3,
      outputs: [{ output_type: "execute_result", data: { "text/plain": "2" } }],
    }),
  ],
};

Deno.test("the source checks catch each broken rule", () => {
  const problems = sourceProblems(bad).join("\n");
  assert.match(problems, /kernelspec must be "deno"/);
  assert.match(problems, /language_info.name must be "typescript"/);
  assert.match(
    problems,
    /cell 0 \(the first code cell\) must be tagged "parameters"/,
  );
  assert.match(problems, /may hold only `const NAME = VALUE;` statements/);
  assert.match(problems, /cell 1: show tables with htmlTable/);
  assert.match(problems, /cell 1 line 2: 123 characters \(at most 100\)/);
  assert.match(problems, /cell 2: committed with outputs/);
});

Deno.test("deno fmt and deno lint run on the code cells, problems named by cell and line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/bad.ipynb`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {
          kernelspec: { name: "deno" },
          language_info: { name: "typescript" },
        },
        cells: [
          cell("const a = 1;", { metadata: { tags: ["parameters"] } }),
          cell("let b    = a;\nconsole.log(b)"),
        ],
      }),
    );
    const problems = (await codeProblems(path)).join("\n");
    assert.match(problems, /not formatted/);
    assert.match(problems, /cell 1 line 1: prefer-const/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--set replaces a parameter, over several lines too, and rejects unknown names", () => {
  const nb: Notebook = {
    cells: [cell(
      "// rates\nconst rates = [\n  1, // one\n  2,\n];\nconst bfd = { intervalSeconds: 0.1 };",
      { metadata: { tags: ["parameters"] } },
    )],
  };
  assert.deepEqual([...parameters(nb)], [
    ["rates", "[1, 2,]"],
    ["bfd", "{intervalSeconds: 0.1}"],
  ]);
  const set = parseAssignments(
    "rates = [5]; bfd = { intervalSeconds: 2, multiplier: 3 }",
  );
  const changed = withParameters(nb, set);
  assert.equal(
    text(changed.cells[0].source),
    "// rates\nconst rates = [5];\nconst bfd = { intervalSeconds: 2, multiplier: 3 };",
  );
  assert.throws(
    () => withParameters(nb, parseAssignments("rate=1")),
    /has no parameter "rate"; its parameters are rates, bfd/,
  );
  assert.throws(() => parseAssignments("=1"), /--set must be NAME=VALUE/);
  assert.throws(() => parseAssignments("a=1; a=2"), /gives a twice/);
});

Deno.test("a pattern that matches no notebook is an error", () => {
  assert.deepEqual(selectNotebooks(["n/00_a.ipynb", "n/01_b.ipynb"], ["01"]), [
    "n/01_b.ipynb",
  ]);
  assert.throws(
    () => selectNotebooks(["n/00_a.ipynb"], ["nosuch"]),
    /no notebook matches "nosuch"; there are 00_a.ipynb/,
  );
});

// --- what a run must show -------------------------------------------------

const titled = '<svg><text font-weight="bold">T</text></svg>';
const figureCell = (svg: string): Cell =>
  cell("await Deno.jupyter.display(f);", {
    metadata: { tags: ["figure"] },
    outputs: [{ output_type: "display_data", data: { "image/svg+xml": svg } }],
  });

Deno.test("a run passes only with every display and a titled figure", () => {
  assert.deepEqual(checkOutputs([figureCell(titled)]), {
    missing: [],
    figures: 1,
  });
  // Negative controls: each of these fails or asks for another attempt.
  assert.match(
    checkOutputs([figureCell("<svg><text>no title</text></svg>")]).error!,
    /cell 0: a figure without a title/,
  );
  assert.match(
    checkOutputs([cell("rows.length", {
      outputs: [{ output_type: "execute_result", data: { "text/plain": "3" } }],
    })]).error!,
    /shows its last expression's value/,
  );
  assert.deepEqual(
    checkOutputs([{ ...figureCell(titled), outputs: [] }]).missing,
    ["cell 0: no figure"],
  );
  assert.deepEqual(
    checkOutputs([cell("await Deno.jupyter.display(table);")]).missing,
    ["cell 0: nothing displayed"],
  );
  assert.match(
    checkOutputs([cell("x", {
      outputs: [{ output_type: "error", ename: "TypeError", evalue: "boom" }],
    })]).error!,
    /cell 0: TypeError: boom/,
  );
});

// --- running them ---------------------------------------------------------

for (const notebook of notebooks) {
  testUnless(missing ?? undefined, {
    name: `notebook ${notebook} runs and shows its figures`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const report = await runNotebook(notebook);
      assert.ok(report.ok, `${notebook}: ${report.message}`);
      const tagged = (await readNotebook(notebook)).cells.filter((c) =>
        c.metadata?.tags?.includes("figure")
      ).length;
      assert.ok(report.figures >= Math.max(1, tagged));
    },
  });
}

function svgOutputs(nb: Notebook): string[] {
  return nb.cells.flatMap((c) => c.outputs ?? [])
    .map((o) => text(o.data?.["image/svg+xml"]))
    .filter((s) => s !== "");
}

function parse(svg: string): Element {
  return new DOMParser().parseFromString(svg, "image/svg+xml")
    .documentElement as unknown as Element;
}

testUnless(missing ?? undefined, {
  name:
    "notebook 06 with a slow BFD (2 s x 3): every protocol's margin is drawn in its verdict's colour",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const [path] = selectNotebooks(notebooks, ["06_"]);
    const report = await runNotebook(path, {
      parameters: parseAssignments(
        "bfd = { intervalSeconds: 2, multiplier: 3 }",
      ),
    });
    assert.ok(report.ok, report.message);
    const svg = svgOutputs(report.executed!).find((s) =>
      s.includes("Adjacency margin")
    )!;
    assert.ok(svg.includes("BFD: 2000 ms x 3"), "the parameter took effect");
    const root = parse(svg);
    const legend = Array.from(root.querySelectorAll("text"))
      .map((t) => t.textContent ?? "");
    assert.ok(legend.some((t) => SURVIVAL_VERDICTS.includes(t as never)));
    const dots = Array.from(root.querySelectorAll("g"))
      .filter((g) => g.getAttribute("aria-label") === "dot")
      .flatMap((g) => Array.from(g.querySelectorAll("path")));
    assert.equal(dots.length, 4, "one mark per protocol, BFD included");
    const colors = new Set(["#3ca951", "#efb118", "#ff725c"]);
    for (const d of dots) assert.ok(colors.has(d.getAttribute("fill") ?? ""));
  },
});

testUnless(missing ?? undefined, {
  name: "notebook 05 at 200,000 packets/s: exact counts, a small figure",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const [path] = selectNotebooks(notebooks, ["05_"]);
    const report = await runNotebook(path, {
      parameters: parseAssignments("packetsPerSecond = 200_000"),
    });
    assert.ok(report.ok, report.message);
    const [svg] = svgOutputs(report.executed!);
    assert.ok(svg.includes("200,000 packets/s"), "the parameter took effect");
    assert.ok(svg.length < 50_000, `${svg.length} bytes of SVG`);
    // The VM is down 0.4 s: 80,000 packets lost, in the agreement table.
    const html = report.executed!.cells.flatMap((c) => c.outputs ?? [])
      .map((o) => text(o.data?.["text/html"])).join("");
    assert.match(
      html,
      /<td>lostPackets<\/td><td align="right">80,000<\/td><td align="right">80,000<\/td>/,
    );
  },
});

// --- the rendered copies ----------------------------------------------------

Deno.test("rendered notebooks in docs/notebooks match their sources and hold their figures", async () => {
  const rendered = [...Deno.readDirSync(RENDERED)]
    .filter((e) => e.name.endsWith(".ipynb")).map((e) => e.name).sort();
  assert.ok(rendered.length > 0);
  for (const name of rendered) {
    const source = await readNotebook(`notebooks/${name}`);
    const copy = await readNotebook(`${RENDERED}/${name}`);
    const code = (nb: Notebook) =>
      nb.cells.filter((c) => c.cell_type === "code").map((c) => text(c.source));
    assert.deepEqual(
      code(copy),
      code(source),
      `${RENDERED}/${name} is stale: run deno task notebooks --out ${RENDERED} ${name}`,
    );
    assert.deepEqual(checkOutputs(copy.cells).error, undefined);
    assert.ok(svgOutputs(copy).length > 0);
    const html = await Deno.readTextFile(
      `${RENDERED}/${name.replace(".ipynb", ".html")}`,
    );
    const images = [...html.matchAll(/<img src="([^"]+\.svg)"/g)].map((m) =>
      m[1]
    );
    assert.equal(images.length, svgOutputs(copy).length);
    for (const image of images) await Deno.stat(`${RENDERED}/${image}`);
  }
});

// --- the program ------------------------------------------------------------

async function notebooksProgram(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/notebooks.ts", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: out.code,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
  };
}

Deno.test("notebooks --help prints the usage and exits 0; mistakes exit 2 with it", async () => {
  for (const flag of ["--help", "-h"]) {
    const help = await notebooksProgram(flag);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: deno task notebooks/);
  }
  const cases: [string[], RegExp][] = [
    [["--bogus"], /unknown option --bogus/],
    [["nosuch"], /no notebook matches "nosuch"/],
    [["05_", "--set", "rate=1"], /has no such parameter/],
    [["--check", "--fmt"], /exclude each other/],
    [["--out", ""], /--out must name a folder/],
  ];
  for (const [args, message] of cases) {
    const run = await notebooksProgram(...args);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.match(run.stderr, /usage: deno task notebooks/);
  }
});

Deno.test("notebooks --check passes on a conforming notebook and fails (exit 1) on a broken one", async () => {
  const good = await notebooksProgram("--check", "05_");
  assert.equal(good.code, 0, good.stdout);
  assert.match(good.stdout, /^ok {3}notebooks\/05_packet_timeline.ipynb/);
});

Deno.test("the kernel must run a deno with a stable path", async () => {
  assert.ok(inNpxCache("/root/.npm/_npx/6a1e/node_modules/deno/deno"));
  assert.ok(!inNpxCache("/usr/lib/node_modules/deno/deno"));
  assert.ok(!inNpxCache("/usr/bin/deno"));
  if (missing !== null) return;
  // A kernel registered from npx's cache, since cleaned: exit 3, saying so.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/kernels/deno`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/kernels/deno/kernel.json`,
      JSON.stringify({
        argv: [
          "/root/.npm/_npx/gone/deno",
          "jupyter",
          "--kernel",
          "--conn",
          "{connection_file}",
        ],
        display_name: "Deno",
        language: "typescript",
      }),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "src/cli/notebooks.ts", "05_"],
      env: { JUPYTER_PATH: dir, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 3);
    assert.match(
      new TextDecoder().decode(out.stderr),
      /runs "\/root\/.npm\/_npx\/gone\/deno", which does not exist.*--install-kernel/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- the README's links, on GitHub and on the JSR page ----------------------

// Links outside code: relative ones must name files the package ships, so
// that they work on the JSR page as in the repository.
function readmeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "").replace(
    /`[^`\n]*`/g,
    "",
  );
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1])
    .filter((l) => !/^[a-z]+:/.test(l) && !l.startsWith("#"));
}

// deno.json's publish.exclude, gitignore style: the last pattern that
// matches decides; "dir/" and "dir/*" take everything under them.
function published(path: string, exclude: readonly string[]): boolean {
  let shipped = true;
  for (const pattern of exclude) {
    const negated = pattern.startsWith("!");
    const p = (negated ? pattern.slice(1) : pattern).replace(/\*$/, "");
    if (
      path === p.replace(/\/$/, "") ||
      path.startsWith(p.endsWith("/") ? p : `${p}/`)
    ) {
      shipped = negated;
    }
  }
  return shipped;
}

Deno.test("every link and image of the README names a file the JSR package ships", async () => {
  const exclude: string[] = JSON.parse(await Deno.readTextFile("deno.json"))
    .publish.exclude;
  // Negative controls: the sources of the notebooks are not shipped.
  assert.ok(!published("notebooks/00_reproduce_paper.ipynb", exclude));
  assert.ok(!published("data/reference/simgrid_rounds.csv", exclude));
  assert.deepEqual(readmeLinks("a [x](notebooks/a.ipynb) `[y](z)`"), [
    "notebooks/a.ipynb",
  ]);
  const links = readmeLinks(await Deno.readTextFile("README.md"));
  assert.ok(links.length >= 10);
  for (const link of links) {
    const path = decodeURI(link).replace(/\/$/, "");
    await Deno.stat(path);
    assert.ok(published(path, exclude), `${link} is not in the package`);
  }
});

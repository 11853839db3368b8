// Executes Jupyter notebooks headless with the Deno kernel and checks what
// they showed: no cell may fail; no cell may leave its result as the last
// expression (the headless kernel drops such rich outputs now and then:
// use `await Deno.jupyter.display(...)`); every cell that calls display,
// and every cell tagged "figure", must show something (a figure: an
// image); every figure has a title. The kernel has been seen to drop a
// displayed output too, so a notebook whose outputs are missing (but with
// no error) is executed again, up to `attempts` times; an error fails at
// once. On success the executed notebook and an HTML export can be kept.

import {
  type Cell,
  type Notebook,
  type Output,
  readNotebook,
  text,
  withParameters,
} from "./_notebook_code.ts";

/** What running one notebook gave. */
export interface NotebookReport {
  notebook: string;
  ok: boolean;
  attempts: number;
  figures: number;
  message: string;
  /** The executed notebook (when it ran to the end). */
  executed?: Notebook;
}

/** Options of {@linkcode runNotebook}. */
export interface RunOptions {
  /** Executions when outputs are missing (a kernel flake). Default 3. */
  attempts?: number;
  /** Parameter values (TypeScript expressions) by name. Default none. */
  parameters?: ReadonlyMap<string, string>;
  /** Seconds a cell may run. Default 600. */
  cellTimeoutSeconds?: number;
}

const NPX_CACHE = /[\\/]_npx[\\/]|[\\/]\.npm[\\/]/;

/** Whether a program path lies in npx's cache (cleaned now and then). */
export function inNpxCache(path: string): boolean {
  return NPX_CACHE.test(path);
}

/** The Deno kernel's spec as Jupyter lists it, or null. */
async function denoKernel(): Promise<{ argv: string[] } | null> {
  const out = await new Deno.Command("jupyter", {
    args: ["kernelspec", "list", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error("`jupyter kernelspec list` failed");
  const specs = JSON.parse(new TextDecoder().decode(out.stdout));
  return specs.kernelspecs?.deno?.spec ?? null;
}

/** Whether jupyter, nbconvert and a usable Deno kernel are installed; else why not. */
export async function jupyterMissing(): Promise<string | null> {
  let kernel: { argv: string[] } | null;
  try {
    kernel = await denoKernel();
  } catch (e) {
    return e instanceof Deno.errors.NotFound
      ? "jupyter is not installed (apt-get install jupyter-nbconvert python3-ipykernel jupyter-client python3-nbclient)"
      : (e as Error).message;
  }
  if (!kernel) {
    return "the Deno kernel is not registered (run `deno task notebooks --install-kernel`)";
  }
  const program = kernel.argv?.[0] ?? "";
  try {
    await Deno.stat(program);
  } catch {
    return `the Deno kernel runs ${
      JSON.stringify(program)
    }, which does not exist (an npx cache cleaned since?); run \`deno task notebooks --install-kernel\` with a deno installed by \`npm install -g deno@2.9.6\``;
  }
  const nbconvert = await new Deno.Command("jupyter", {
    args: ["nbconvert", "--version"],
    stdout: "null",
    stderr: "null",
  }).output();
  return nbconvert.success ? null : "jupyter nbconvert is not installed";
}

/**
 * Registers the Deno kernel with the deno running this program, after
 * checking that it has a stable path (not an npx cache, which is cleaned);
 * returns the path the kernel runs.
 */
export async function installKernel(): Promise<string> {
  const exec = Deno.execPath();
  if (inNpxCache(exec)) {
    throw new Error(
      `this deno runs from the npx cache (${exec}); a kernel registered with it breaks when the cache is cleaned. Install deno for good (npm install -g deno@2.9.6) and run \`deno task notebooks --install-kernel\` with it`,
    );
  }
  const out = await new Deno.Command(exec, {
    args: ["jupyter", "--install", "--force"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `deno jupyter --install failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  const kernel = await denoKernel();
  const program = kernel?.argv?.[0];
  if (!program || inNpxCache(program)) {
    throw new Error(
      `the registered Deno kernel runs ${
        JSON.stringify(program)
      }, not a stable deno`,
    );
  }
  return program;
}

function isImage(o: Output): boolean {
  return o.data !== undefined &&
    (text(o.data["image/svg+xml"]).includes("<svg") ||
      text(o.data["image/png"]).length > 100);
}

// A composed figure's title is its bold first line (see src/plot/_compose.ts).
function hasTitle(o: Output): boolean {
  const svg = text(o.data?.["image/svg+xml"]);
  return svg === "" || /<text[^>]*font-weight="bold"/.test(svg);
}

/** What a run's outputs show: an error, missing outputs (retry), or the figures. */
export function checkOutputs(
  cells: readonly Cell[],
): { error?: string; missing: string[]; figures: number } {
  const missing: string[] = [];
  let figures = 0;
  for (const [i, cell] of cells.entries()) {
    if (cell.cell_type !== "code") continue;
    const outputs = cell.outputs ?? [];
    for (const o of outputs) {
      if (o.output_type === "error") {
        return {
          error: `cell ${i}: ${o.ename}: ${o.evalue}`,
          missing,
          figures,
        };
      }
      if (o.output_type === "execute_result") {
        return {
          error:
            `cell ${i} shows its last expression's value; show results with \`await Deno.jupyter.display(...)\` (the headless kernel drops such outputs now and then)`,
          missing,
          figures,
        };
      }
      if (isImage(o) && !hasTitle(o)) {
        return {
          error: `cell ${i}: a figure without a title`,
          missing,
          figures,
        };
      }
    }
    const images = outputs.filter(isImage).length;
    figures += images;
    const shown = outputs.some((o) => o.output_type === "display_data");
    const source = text(cell.source);
    if (cell.metadata?.tags?.includes("figure") && images === 0) {
      missing.push(`cell ${i}: no figure`);
    } else if (source.includes("Deno.jupyter.display(") && !shown) {
      missing.push(`cell ${i}: nothing displayed`);
    }
  }
  return { missing, figures };
}

async function execute(
  notebook: Notebook,
  dir: string,
  timeoutSeconds: number,
): Promise<
  { cells: Cell[] | null; notebook: Notebook | null; stderr: string }
> {
  const child = new Deno.Command("jupyter", {
    args: [
      "nbconvert",
      "--stdin",
      "--stdout",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.kernel_name=deno",
      `--ExecutePreprocessor.timeout=${timeoutSeconds}`,
      "--ExecutePreprocessor.record_timing=False",
    ],
    cwd: dir,
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(notebook)));
  await writer.close();
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) return { cells: null, notebook: null, stderr };
  try {
    const executed = JSON.parse(new TextDecoder().decode(out.stdout));
    return { cells: executed.cells, notebook: executed, stderr };
  } catch {
    return { cells: null, notebook: null, stderr };
  }
}

/** Executes one notebook (path relative to the cwd) in its own folder and checks its outputs. */
export async function runNotebook(
  path: string,
  options: RunOptions = {},
): Promise<NotebookReport> {
  const attempts = options.attempts ?? 3;
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  const source = withParameters(
    await readNotebook(path),
    options.parameters ?? new Map(),
    path,
  );
  let message = "";
  let figures = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const run = await execute(source, dir, options.cellTimeoutSeconds ?? 600);
    if (!run.cells) {
      const lines = run.stderr.trim().split("\n")
        .filter((l) =>
          !/Debugger warning|frozen modules|PYDEVD|Xfrozen/.test(l)
        );
      return {
        notebook: path,
        ok: false,
        attempts: attempt,
        figures: 0,
        message: lines.slice(-25).join("\n"),
      };
    }
    const result = checkOutputs(run.cells);
    figures = result.figures;
    if (result.error) {
      return {
        notebook: path,
        ok: false,
        attempts: attempt,
        figures,
        message: result.error,
      };
    }
    if (result.missing.length === 0 && figures > 0) {
      return {
        notebook: path,
        ok: true,
        attempts: attempt,
        figures,
        message: `${figures} figure(s)`,
        executed: run.notebook!,
      };
    }
    message = figures === 0
      ? "no figure came out"
      : `outputs did not come out: ${result.missing.join("; ")}`;
  }
  return { notebook: path, ok: false, attempts, figures, message };
}

// The notebook with each SVG figure replaced by a link to a file beside the
// HTML: Debian's nbconvert 6.5 sanitises inline SVG down to its text.
function forHtml(
  notebook: Notebook,
  filesDir: string,
): { notebook: Notebook; files: Map<string, string> } {
  const files = new Map<string, string>();
  const cells = notebook.cells.map((cell, i) => {
    if (!cell.outputs) return cell;
    const outputs = cell.outputs.map((o, k) => {
      const svg = text(o.data?.["image/svg+xml"]);
      if (!svg) return o;
      const name = `${filesDir}/cell${i}_${k}.svg`;
      files.set(name, svg);
      return {
        output_type: "display_data",
        metadata: {},
        data: {
          "text/html": `<img src="${name}" alt="figure of cell ${i}">`,
        },
      };
    });
    return { ...cell, outputs };
  });
  return { notebook: { ...notebook, cells }, files };
}

async function writeWhole(path: string, data: string): Promise<void> {
  const aside = `${path}.partial`;
  await Deno.writeTextFile(aside, data);
  await Deno.rename(aside, path);
}

/**
 * Keeps an executed notebook in `outDir`: NAME.ipynb (outputs included),
 * NAME.html (nbconvert's classic template) and its figures in
 * NAME_files/. Everything is rendered first, then each file written
 * aside and renamed; returns the paths written.
 */
export async function keepNotebook(
  executed: Notebook,
  name: string,
  outDir: string,
): Promise<string[]> {
  const base = name.replace(/\.ipynb$/, "");
  const filesDir = `${base}_files`;
  const { notebook, files } = forHtml(executed, filesDir);
  const convert = new Deno.Command("jupyter", {
    args: [
      "nbconvert",
      "--stdin",
      "--stdout",
      "--to",
      "html",
      "--template",
      "classic",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = convert.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(notebook)));
  await writer.close();
  const out = await convert.output();
  if (!out.success) {
    throw new Error(
      `nbconvert --to html failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  const html = new TextDecoder().decode(out.stdout);
  await Deno.mkdir(`${outDir}/${filesDir}`, { recursive: true });
  // Figures of an earlier run that this one does not have go.
  for (const entry of Deno.readDirSync(`${outDir}/${filesDir}`)) {
    if (!files.has(`${filesDir}/${entry.name}`)) {
      await Deno.remove(`${outDir}/${filesDir}/${entry.name}`);
    }
  }
  const written: string[] = [];
  for (const [file, svg] of files) {
    await writeWhole(`${outDir}/${file}`, svg);
    written.push(`${outDir}/${file}`);
  }
  await writeWhole(
    `${outDir}/${base}.ipynb`,
    JSON.stringify(executed, null, 1) + "\n",
  );
  await writeWhole(`${outDir}/${base}.html`, html);
  written.push(`${outDir}/${base}.ipynb`, `${outDir}/${base}.html`);
  return written;
}

/** The notebooks under a folder, sorted. */
export function listNotebooks(dir = "notebooks"): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
    .map((e) => `${dir}/${e.name}`)
    .sort();
}

/**
 * The notebooks whose file name contains one of the patterns (all when
 * none); a pattern that matches nothing is an error naming it and the
 * notebooks there are.
 */
export function selectNotebooks(
  all: readonly string[],
  patterns: readonly string[],
): string[] {
  if (patterns.length === 0) return [...all];
  const name = (p: string) => p.slice(p.lastIndexOf("/") + 1);
  for (const pattern of patterns) {
    if (!all.some((n) => name(n).includes(pattern))) {
      throw new RangeError(
        `no notebook matches ${JSON.stringify(pattern)}; there are ${
          all.map(name).join(", ")
        }`,
      );
    }
  }
  return all.filter((n) => patterns.some((p) => name(n).includes(p)));
}

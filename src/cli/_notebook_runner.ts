// Executes Jupyter notebooks headless with the Deno kernel and checks them:
// no cell may fail, and every cell tagged "figure" (and at least one cell
// per notebook) must show an image. The kernel has been seen to drop a rich
// output now and then in headless runs, so a notebook whose figures are
// missing (but with no error) is executed again, up to `attempts` times.

export interface NotebookReport {
  notebook: string;
  ok: boolean;
  attempts: number;
  figures: number;
  message: string;
}

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata?: { tags?: string[] };
  outputs?: {
    output_type: string;
    data?: Record<string, unknown>;
    ename?: string;
    evalue?: string;
    name?: string;
    text?: string | string[];
  }[];
}

/** Whether jupyter and the Deno kernel are installed; else why not. */
export async function jupyterMissing(): Promise<string | null> {
  try {
    const out = await new Deno.Command("jupyter", {
      args: ["kernelspec", "list", "--json"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return "`jupyter kernelspec list` failed";
    const specs = JSON.parse(new TextDecoder().decode(out.stdout));
    if (!specs.kernelspecs?.deno) {
      return "the Deno kernel is not registered (run `deno jupyter --install`)";
    }
    const nbconvert = await new Deno.Command("jupyter", {
      args: ["nbconvert", "--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return nbconvert.success ? null : "jupyter nbconvert is not installed";
  } catch {
    return "jupyter is not installed (apt-get install jupyter-nbconvert python3-ipykernel jupyter-client python3-nbclient)";
  }
}

// nbformat stores multi-line text either as a string or a list of strings.
function text(value: unknown): string {
  return Array.isArray(value)
    ? value.join("")
    : typeof value === "string"
    ? value
    : "";
}

function hasImage(cell: Cell): boolean {
  return (cell.outputs ?? []).some((o) =>
    o.data !== undefined &&
    (text(o.data["image/svg+xml"]).includes("<svg") ||
      text(o.data["image/png"]).length > 100)
  );
}

function check(
  cells: Cell[],
): { error?: string; missing: number; figures: number } {
  let missing = 0;
  let figures = 0;
  for (const [i, cell] of cells.entries()) {
    if (cell.cell_type !== "code") continue;
    for (const o of cell.outputs ?? []) {
      if (o.output_type === "error") {
        return {
          error: `cell ${i}: ${o.ename}: ${o.evalue}`,
          missing,
          figures,
        };
      }
    }
    const image = hasImage(cell);
    if (image) figures++;
    if (cell.metadata?.tags?.includes("figure") && !image) missing++;
  }
  if (figures === 0) missing++;
  return { missing, figures };
}

/** Executes one notebook (path relative to the cwd) and checks its outputs. */
export async function runNotebook(
  path: string,
  attempts = 3,
): Promise<NotebookReport> {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  const name = path.slice(path.lastIndexOf("/") + 1);
  const outDir = await Deno.makeTempDir({ prefix: "vnmig-nb-" });
  try {
    let message = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const run = await new Deno.Command("jupyter", {
        args: [
          "nbconvert",
          "--to",
          "notebook",
          "--execute",
          "--ExecutePreprocessor.kernel_name=deno",
          "--ExecutePreprocessor.timeout=600",
          "--output-dir",
          outDir,
          name,
        ],
        cwd: dir,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const outPath = `${outDir}/${name}`;
      let cells: Cell[] | null = null;
      try {
        cells = JSON.parse(await Deno.readTextFile(outPath)).cells;
      } catch {
        cells = null;
      }
      if (!run.success || !cells) {
        const stderr = new TextDecoder().decode(run.stderr);
        const lines = stderr.trim().split("\n");
        return {
          notebook: path,
          ok: false,
          attempts: attempt,
          figures: 0,
          message: lines.slice(-25).join("\n"),
        };
      }
      const result = check(cells);
      if (result.error) {
        return {
          notebook: path,
          ok: false,
          attempts: attempt,
          figures: result.figures,
          message: result.error,
        };
      }
      if (result.missing === 0) {
        return {
          notebook: path,
          ok: true,
          attempts: attempt,
          figures: result.figures,
          message: `${result.figures} figure(s)`,
        };
      }
      message = `${result.missing} figure(s) did not come out`;
    }
    return { notebook: path, ok: false, attempts, figures: 0, message };
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
}

/** The notebooks under a folder, sorted. */
export function listNotebooks(dir = "notebooks"): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
    .map((e) => `${dir}/${e.name}`)
    .sort();
}

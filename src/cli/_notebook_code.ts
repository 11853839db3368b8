// What every notebook's source must hold to, checked without running it:
// a first code cell tagged `parameters` that holds only `const NAME =
// VALUE;` statements (so that `--set` can replace a value), code cells formatted
// and linted like the rest of the code (deno fmt reads .ipynb; deno lint
// reads the cells extracted into one TypeScript file), short lines, no
// console.table or console.dir (tables are HTML), no committed outputs.

/** A notebook cell as nbformat 4 stores it. */
export interface Cell {
  cell_type: string;
  id?: string;
  source: string | string[];
  metadata?: { tags?: string[]; [key: string]: unknown };
  execution_count?: number | null;
  outputs?: Output[];
}

/** A code cell's output as nbformat 4 stores it. */
export interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  name?: string;
  text?: string | string[];
}

/** A notebook as nbformat 4 stores it. */
export interface Notebook {
  cells: Cell[];
  metadata?: Record<string, unknown>;
  nbformat?: number;
  nbformat_minor?: number;
}

/** The longest line a code cell may have. */
export const MAX_LINE_CHARACTERS = 100;

// nbformat stores multi-line text either as a string or a list of strings.
export function text(value: unknown): string {
  return Array.isArray(value)
    ? value.join("")
    : typeof value === "string"
    ? value
    : "";
}

/** Reads a notebook file. */
export async function readNotebook(path: string): Promise<Notebook> {
  return JSON.parse(await Deno.readTextFile(path)) as Notebook;
}

/** The index of the first code cell, or -1. */
export function firstCodeCell(notebook: Notebook): number {
  return notebook.cells.findIndex((c) => c.cell_type === "code");
}

const PARAMETER_START = /^(const|let) ([A-Za-z_$][\w$]*)(: [^=]+)? = /;

/** One statement of a parameters cell: `const NAME = VALUE;`, possibly over several lines. */
interface Statement {
  /** Index of its first and last line in the cell. */
  readonly from: number;
  readonly to: number;
  /** The declared name, or null for anything else. */
  readonly name: string | null;
  /** Its value text (the lines joined), when a parameter. */
  readonly value: string;
  /** "const" or "let", and a type annotation if any. */
  readonly keyword: string;
  readonly type: string;
}

// A line's code without its // comment, and its bracket depth change,
// outside strings, so that a value may span lines.
function scan(line: string): { code: string; depth: number } {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === "`") {
      quote = c;
    } else if (c === "/" && line[i + 1] === "/") {
      return { code: line.slice(0, i).trimEnd(), depth };
    } else if ("([{".includes(c)) {
      depth++;
    } else if (")]}".includes(c)) {
      depth--;
    }
  }
  return { code: line, depth };
}

function statements(source: string): Statement[] {
  const lines = source.split("\n");
  const out: Statement[] = [];
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t === "" || t.startsWith("//")) continue;
    const m = PARAMETER_START.exec(t);
    const code = (k: number) => scan(lines[k]).code.trim();
    let depth = scan(t).depth;
    let j = i;
    while ((depth > 0 || !code(j).endsWith(";")) && j + 1 < lines.length) {
      j++;
      depth += scan(lines[j]).depth;
    }
    const text = lines.slice(i, j + 1).map((_, k) => code(i + k)).join(" ")
      .replace(/\s+/g, " ").replace(/([[({]) /g, "$1").replace(
        / ([\])}])/g,
        "$1",
      );
    const ok = m !== null && depth === 0 && text.endsWith(";");
    out.push({
      from: i,
      to: j,
      name: ok ? m[2] : null,
      value: ok ? text.slice(m[0].length, -1) : text,
      keyword: m?.[1] ?? "",
      type: m?.[3] ?? "",
    });
    i = j;
  }
  return out;
}

/** The parameters of the `parameters` cell: name and value text, in order. */
export function parameters(notebook: Notebook): Map<string, string> {
  const out = new Map<string, string>();
  const i = firstCodeCell(notebook);
  if (i < 0) return out;
  for (const s of statements(text(notebook.cells[i].source))) {
    if (s.name !== null) out.set(s.name, s.value);
  }
  return out;
}

/**
 * Parses `--set "name=value; other=value"`: TypeScript expressions,
 * separated by semicolons.
 */
export function parseAssignments(textValue: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of textValue.split(";")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0 || !/^[A-Za-z_$][\w$]*$/.test(name) || value === "") {
      throw new RangeError(
        `--set must be NAME=VALUE, separated by ";"; got ${
          JSON.stringify(part.trim())
        }`,
      );
    }
    if (out.has(name)) throw new RangeError(`--set gives ${name} twice`);
    out.set(name, value);
  }
  if (out.size === 0) {
    throw new RangeError(
      `--set must be NAME=VALUE, separated by ";"; got ${
        JSON.stringify(textValue)
      }`,
    );
  }
  return out;
}

/**
 * A copy of the notebook whose parameters cell says `const NAME = VALUE;`
 * for each assignment; a name the cell does not have is an error that
 * lists the ones it has.
 */
export function withParameters(
  notebook: Notebook,
  assignments: ReadonlyMap<string, string>,
  path = "notebook",
): Notebook {
  if (assignments.size === 0) return notebook;
  const i = firstCodeCell(notebook);
  const known = parameters(notebook);
  for (const name of assignments.keys()) {
    if (!known.has(name)) {
      throw new RangeError(
        `${path} has no parameter ${JSON.stringify(name)}; its parameters are ${
          [...known.keys()].join(", ") || "none"
        }`,
      );
    }
  }
  const lines = text(notebook.cells[i].source).split("\n");
  // Replace from the last statement up, so that line numbers hold.
  for (const s of statements(lines.join("\n")).reverse()) {
    if (s.name === null || !assignments.has(s.name)) continue;
    lines.splice(
      s.from,
      s.to - s.from + 1,
      `${s.keyword} ${s.name}${s.type} = ${assignments.get(s.name)};`,
    );
  }
  const cells = notebook.cells.map((c, j) =>
    j === i ? { ...c, source: lines.join("\n") } : c
  );
  return { ...notebook, cells };
}

/** Problems with the notebook's source that need no kernel to find. */
export function sourceProblems(notebook: Notebook): string[] {
  const problems: string[] = [];
  const kernel = (notebook.metadata?.kernelspec as { name?: string })?.name;
  if (kernel !== "deno") {
    problems.push(`kernelspec must be "deno"; got ${JSON.stringify(kernel)}`);
  }
  // deno fmt formats the code cells only when it knows their language.
  const language = (notebook.metadata?.language_info as { name?: string })
    ?.name;
  if (language !== "typescript") {
    problems.push(
      `language_info.name must be "typescript" (deno fmt skips the code otherwise); got ${
        JSON.stringify(language)
      }`,
    );
  }
  const first = firstCodeCell(notebook);
  if (first < 0) return [...problems, "no code cell"];
  const cell = notebook.cells[first];
  if (!cell.metadata?.tags?.includes("parameters")) {
    problems.push(
      `cell ${first} (the first code cell) must be tagged "parameters"`,
    );
  }
  for (const s of statements(text(cell.source))) {
    if (s.name === null) {
      problems.push(
        `cell ${first}: the parameters cell may hold only \`const NAME = VALUE;\` statements (and comments); got ${
          JSON.stringify(s.value)
        }`,
      );
    }
  }
  if (parameters(notebook).size === 0) {
    problems.push(`cell ${first}: the parameters cell sets no parameter`);
  }
  for (const [i, c] of notebook.cells.entries()) {
    if (c.cell_type !== "code") continue;
    const source = text(c.source);
    if (/console\.(table|dir)\(/.test(source)) {
      problems.push(
        `cell ${i}: show tables with htmlTable (from @vnmig/vnmig/plot) and Deno.jupyter.display, not console.table/console.dir`,
      );
    }
    for (const [n, line] of source.split("\n").entries()) {
      if (line.length > MAX_LINE_CHARACTERS) {
        problems.push(
          `cell ${i} line ${
            n + 1
          }: ${line.length} characters (at most ${MAX_LINE_CHARACTERS})`,
        );
      }
    }
    if ((c.outputs ?? []).length > 0 || (c.execution_count ?? null) !== null) {
      problems.push(
        `cell ${i}: committed with outputs (keep notebooks/ clean; rendered copies go to docs/notebooks with --out)`,
      );
    }
  }
  return problems;
}

async function deno(
  args: string[],
): Promise<{ success: boolean; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    success: out.success,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
  };
}

/**
 * Formatting and lint problems of a notebook's code cells: the notebook
 * formatted by `deno fmt` must be the notebook itself, `deno lint` on its
 * code cells extracted in order into one file (cells share one scope),
 * each problem named by cell and line.
 */
export async function codeProblems(path: string): Promise<string[]> {
  const problems: string[] = [];
  const unformatted = await formatDifference(path);
  if (unformatted !== null) {
    problems.push(
      `not formatted (run \`deno task notebooks --fmt ${path}\`):\n${unformatted}`,
    );
  }
  const notebook = await readNotebook(path);
  const origin: [number, number][] = [];
  const lines: string[] = [];
  for (const [i, c] of notebook.cells.entries()) {
    if (c.cell_type !== "code") continue;
    for (const [n, line] of text(c.source).split("\n").entries()) {
      lines.push(line);
      origin.push([i, n + 1]);
    }
    lines.push("");
    origin.push([i, 0]);
  }
  const dir = await Deno.makeTempDir({ prefix: "vnmig-nb-lint-" });
  try {
    const file = `${dir}/cells.ts`;
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    const lint = await deno(["lint", "--no-config", "--json", file]);
    if (!lint.success) {
      let report: {
        diagnostics?: {
          code: string;
          message: string;
          range: { start: { line: number } };
        }[];
        errors?: { message: string }[];
      } = {};
      try {
        report = JSON.parse(lint.stdout);
      } catch {
        problems.push(`deno lint failed: ${lint.stderr.trim()}`);
      }
      for (const d of report.diagnostics ?? []) {
        const [cell, line] = origin[d.range.start.line - 1] ?? [-1, 0];
        problems.push(`cell ${cell} line ${line}: ${d.code}: ${d.message}`);
      }
      for (const e of report.errors ?? []) {
        problems.push(`deno lint: ${e.message}`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return problems;
}

// How deno fmt would change a notebook: null if not at all, else the
// first lines that differ. A copy is formatted and compared byte for byte
// because Deno 2.9's `deno fmt --check` reports every .ipynb as not
// formatted until its incremental cache has seen it formatted (so a fresh
// machine fails notebooks that fmt leaves unchanged).
async function formatDifference(path: string): Promise<string | null> {
  const dir = await Deno.makeTempDir({ prefix: "vnmig-nb-fmt-" });
  try {
    const copy = `${dir}/${path.split("/").at(-1)}`;
    const before = await Deno.readTextFile(path);
    await Deno.writeTextFile(copy, before);
    // --no-config: the project's config keeps notebooks/ out of `deno fmt`.
    const fmt = await deno(["fmt", "--no-config", copy]);
    if (!fmt.success) return `deno fmt failed: ${fmt.stderr.trim()}`;
    const after = await Deno.readTextFile(copy);
    if (after === before) return null;
    const a = before.split("\n");
    const b = after.split("\n");
    let k = 0;
    while (k < a.length && a[k] === b[k]) k++;
    return [
      `line ${k + 1} of the file differs:`,
      ...a.slice(k, k + 5).map((l) => `- ${l}`),
      ...b.slice(k, k + 5).map((l) => `+ ${l}`),
    ].join("\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Formats a notebook in place with deno fmt (code and markdown cells). */
export async function formatNotebook(path: string): Promise<void> {
  const fmt = await deno(["fmt", "--no-config", path]);
  if (!fmt.success) throw new Error(`deno fmt ${path}: ${fmt.stderr.trim()}`);
}

// `deno task notebooks`: executes the notebooks under notebooks/ headless
// with the Deno kernel and checks what they show; keeps the executed
// notebooks and HTML exports with --out; checks or formats their code.

import {
  EnvironmentError,
  EXIT_CODES,
  parseFlags,
  runProgram,
  stringFlag,
  UsageError,
} from "../_args.ts";
import {
  codeProblems,
  formatNotebook,
  parameters as parametersOf,
  parseAssignments,
  readNotebook,
  sourceProblems,
} from "./_notebook_code.ts";
import {
  installKernel,
  jupyterMissing,
  keepNotebook,
  listNotebooks,
  runNotebook,
  selectNotebooks,
} from "./_notebook_runner.ts";

const USAGE = `usage: deno task notebooks [options] [PATTERN...]

Executes the notebooks under notebooks/ (those whose file name contains a
PATTERN, or all) headless with the Deno kernel, and fails on a cell error,
a result left as a cell's last expression, a figure without a title, or
outputs that did not come out (after 3 attempts).

options:
  --out DIR         keep each executed notebook (DIR/NAME.ipynb) and its HTML
                    export (DIR/NAME.html, figures in DIR/NAME_files/)
  --set "A=V; B=W"  run with these values in the parameters cell
                    (TypeScript expressions, e.g. --set "packetsPerSecond=200_000")
  --check           do not run: check the notebooks' sources (parameters cell,
                    deno fmt, deno lint, line length, no console.table,
                    no committed outputs)
  --fmt             do not run: format the notebooks in place (deno fmt)
  --install-kernel  register the Deno kernel with this deno (refused when it
                    runs from an npx cache, which is cleaned)
  -h, --help        this text

exit codes: 0 all passed, 1 a notebook failed, 2 usage error,
3 Jupyter or the Deno kernel missing, or an output not writable`;

const FLAGS = {
  out: { type: "string" },
  set: { type: "string" },
  check: { type: "boolean" },
  fmt: { type: "boolean" },
  "install-kernel": { type: "boolean" },
} as const;

async function main(): Promise<number> {
  const flags = parseFlags(Deno.args, FLAGS);
  if (flags.help) {
    console.log(USAGE);
    return EXIT_CODES.ok;
  }
  const modes = ["check", "fmt", "install-kernel"].filter((m) =>
    flags.values[m]
  );
  if (modes.length > 1) {
    throw new UsageError(`--${modes[0]} and --${modes[1]} exclude each other`);
  }
  const out = stringFlag(flags, "out");
  const set = stringFlag(flags, "set");
  if (modes.length > 0 && (out !== undefined || set !== undefined)) {
    throw new UsageError(`--${modes[0]} takes no --out or --set`);
  }
  if (out === "") throw new UsageError('--out must name a folder; got ""');
  if (flags.values["install-kernel"]) {
    if (flags.positionals.length > 0) {
      throw new UsageError(
        `unexpected word ${JSON.stringify(flags.positionals[0])}`,
      );
    }
    try {
      console.log(`Deno kernel registered: it runs ${await installKernel()}`);
    } catch (e) {
      throw new EnvironmentError((e as Error).message);
    }
    return EXIT_CODES.ok;
  }
  let notebooks: string[];
  let parameters: Map<string, string> | undefined;
  try {
    notebooks = selectNotebooks(listNotebooks(), flags.positionals);
    parameters = set === undefined ? undefined : parseAssignments(set);
    // A parameter the chosen notebooks do not have is a usage error too.
    for (const [name] of parameters ?? []) {
      const lacking = [];
      for (const n of notebooks) {
        if (!parametersOf(await readNotebook(n)).has(name)) lacking.push(n);
      }
      if (lacking.length > 0) {
        throw new RangeError(
          `--set ${name}: ${lacking.join(", ")} ${
            lacking.length === 1 ? "has" : "have"
          } no such parameter (choose notebooks with a PATTERN)`,
        );
      }
    }
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  if (flags.values.fmt) {
    for (const n of notebooks) await formatNotebook(n);
    console.log(`formatted ${notebooks.length} notebook(s)`);
    return EXIT_CODES.ok;
  }
  if (flags.values.check) {
    let bad = 0;
    for (const n of notebooks) {
      const problems = [
        ...sourceProblems(await readNotebook(n)),
        ...(await codeProblems(n)),
      ];
      console.log(`${problems.length ? "FAIL" : "ok  "} ${n}`);
      for (const p of problems) console.log(`  ${p.replaceAll("\n", "\n  ")}`);
      if (problems.length) bad++;
    }
    return bad > 0 ? EXIT_CODES.failed : EXIT_CODES.ok;
  }
  const missing = await jupyterMissing();
  if (missing) throw new EnvironmentError(`cannot run: ${missing}`);
  if (out !== undefined) {
    try {
      await Deno.mkdir(out, { recursive: true });
      const probe = `${out}/.vnmig-write-test-${Deno.pid}`;
      await Deno.writeTextFile(probe, "");
      await Deno.remove(probe);
    } catch (e) {
      throw new EnvironmentError(
        `--out ${JSON.stringify(out)} is not a writable folder: ${
          (e as Error).message
        }`,
      );
    }
  }
  const terminal = Deno.stderr.isTerminal();
  let failed = 0;
  for (const notebook of notebooks) {
    const start = performance.now();
    // Progress only on a terminal: one line redrawn while a notebook runs.
    const timer = terminal
      ? setInterval(() => {
        const s = ((performance.now() - start) / 1000).toFixed(0);
        Deno.stderr.writeSync(
          new TextEncoder().encode(`\r  running ${notebook} (${s} s)`),
        );
      }, 1000)
      : undefined;
    const report = await runNotebook(notebook, { parameters });
    if (timer !== undefined) {
      clearInterval(timer);
      Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
    }
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    let kept = "";
    if (report.ok && out !== undefined && report.executed) {
      const name = notebook.slice(notebook.lastIndexOf("/") + 1);
      try {
        await keepNotebook(report.executed, name, out);
      } catch (e) {
        throw new EnvironmentError(`writing ${out}: ${(e as Error).message}`);
      }
      kept = `; kept in ${out}`;
    }
    console.log(
      `${
        report.ok ? "ok  " : "FAIL"
      } ${notebook} (${seconds} s, ${report.attempts} attempt(s)): ${
        report.message.replaceAll("\n", "\n    ")
      }${kept}`,
    );
    if (!report.ok) failed++;
  }
  return failed > 0 ? EXIT_CODES.failed : EXIT_CODES.ok;
}

await runProgram("notebooks", USAGE, main);

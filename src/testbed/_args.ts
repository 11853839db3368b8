// Strict command-line parsing for the testbed's programs (the testbed CLI
// and the probe tools): every flag declared, `--help`/`-h` always known, an
// unknown flag or a malformed number a UsageError (exit 2 with usage), and
// numbers as the user wrote them, never Number("") = 0 or "1e9".

/** A command-line mistake: the program prints it with its usage and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A declared flag. */
export interface FlagSpec {
  /** "string" takes a value (`--out DIR`, `--out=DIR`); "boolean" takes none. */
  readonly type: "string" | "boolean";
}

/** What {@linkcode parseFlags} found. */
export interface ParsedFlags {
  /** Flag values by name (booleans true when given). */
  readonly values: Readonly<Record<string, string | true | undefined>>;
  /** Words that are not flags, in order. */
  readonly positionals: readonly string[];
  /** Whether `--help` or `-h` was given. */
  readonly help: boolean;
}

function nearest(name: string, known: readonly string[]): string {
  let best = "";
  let bestDistance = Infinity;
  for (const k of known) {
    const row = Array.from({ length: k.length + 1 }, (_, j) => j);
    for (let i = 1; i <= name.length; i++) {
      let diagonal = row[0];
      row[0] = i;
      for (let j = 1; j <= k.length; j++) {
        const above = row[j];
        row[j] = Math.min(
          row[j] + 1,
          row[j - 1] + 1,
          diagonal + (name[i - 1] === k[j - 1] ? 0 : 1),
        );
        diagonal = above;
      }
    }
    if (row[k.length] < bestDistance) [bestDistance, best] = [row[k.length], k];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3))
    ? `; did you mean --${best}?`
    : "";
}

/** Parses `args` against the declared flags; throws a UsageError on anything undeclared, repeated or malformed. */
export function parseFlags(
  args: readonly string[],
  spec: Readonly<Record<string, FlagSpec>>,
): ParsedFlags {
  const values: Record<string, string | true | undefined> = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith("--")) {
      throw new UsageError(`unknown option ${arg}`);
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = spec[name];
    if (flag === undefined) {
      throw new UsageError(
        `unknown option --${name}${nearest(name, Object.keys(spec))}`,
      );
    }
    if (values[name] !== undefined) {
      throw new UsageError(`--${name} given twice`);
    }
    if (flag.type === "boolean") {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
      continue;
    }
    if (eq >= 0) {
      values[name] = arg.slice(eq + 1);
    } else {
      // The next word is the value, even one that starts with "-" ("-1"),
      // so that a bad value is reported as such, not as an unknown option.
      if (i + 1 >= args.length) throw new UsageError(`--${name} needs a value`);
      values[name] = args[++i];
    }
  }
  return { values, positionals, help };
}

/** A string flag's value, or `fallback` when it was not given; a boolean given where a value is expected is a UsageError. */
export function stringFlag(
  flags: ParsedFlags,
  name: string,
  fallback?: string,
): string | undefined {
  const v = flags.values[name];
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v ?? fallback;
}

/** An integer written in decimal digits in [min, max]; anything else is a UsageError naming the flag. */
export function parseIntegerFlag(
  name: string,
  text: string,
  min: number,
  max: number,
): number {
  const value = /^\+?\d{1,15}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(
      `--${name} must be an integer in [${min}, ${max}]; got ${
        JSON.stringify(text)
      }`,
    );
  }
  return value;
}

/** A decimal number (digits, optionally a fraction) in [min, max]; anything else is a UsageError naming the flag. */
export function parseNumberFlag(
  name: string,
  text: string,
  min: number,
  max: number,
): number {
  const value = /^\+?\d{1,15}(\.\d{1,15})?$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(
      `--${name} must be a number in [${min}, ${max}]; got ${
        JSON.stringify(text)
      }`,
    );
  }
  return value;
}

/** Runs a program's main: prints usage and exits 0 on --help (main decides), 2 on a UsageError. */
export async function runProgram(
  program: string,
  usage: string,
  main: () => Promise<number | void>,
): Promise<never> {
  let code: number;
  try {
    code = (await main()) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${program}: ${error.message}\n\n${usage}`);
      Deno.exit(2);
    }
    throw error;
  }
  Deno.exit(code);
}

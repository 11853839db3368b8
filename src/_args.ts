// The command-line conventions every vnmig program follows, in one place:
//
// - `--help` / `-h` prints the usage and exits 0;
// - an unknown flag, a repeated flag or an unexpected word is a usage
//   error: the message, then the usage, exit 2;
// - numbers are read as the user wrote them: decimal digits only, within a
//   stated range (never Number("") = 0, never "1e9" or "-1" taken as a
//   flag); a bound says why it is there when that is not obvious;
// - exit codes: 0 done, 1 a check failed (a claim, a run), 2 usage error,
//   3 the machine cannot do it (an output cannot be written, a font or a
//   permission is missing, the disk is full), 128 + n after signal n;
// - progress: a bar redrawn in place on a terminal, periodic plain lines
//   otherwise (see `stderrProgress` in src/sweep/progress.ts).
//
// Every program uses this parser: the CLIs (src/cli/) and the testbed's
// probe tools (src/testbed/udp/). It sits at the ground floor, beside
// _validate.ts, so that both import it downwards.

import { nearestName } from "./_validate.ts";

/** The exit codes every program uses (documented in each usage text and the README). */
export const EXIT_CODES: Readonly<{
  ok: 0;
  failed: 1;
  usage: 2;
  environment: 3;
}> = Object.freeze({ ok: 0, failed: 1, usage: 2, environment: 3 });

/** The exit code after a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
export const SIGNAL_EXIT_CODES: Readonly<{ SIGINT: 130; SIGTERM: 143 }> = Object
  .freeze({ SIGINT: 130, SIGTERM: 143 });

/** A command-line mistake: the program prints it with its usage and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * What the machine lacks for a correct command (an output folder that
 * cannot be written, a full disk, no font, a missing permission): the
 * program prints it, without the usage, and exits 3.
 */
export class EnvironmentError extends Error {
  override name = "EnvironmentError";
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

function suggestion(name: string, known: readonly string[]): string {
  const nearest = nearestName(name, known);
  return nearest === undefined ? "" : `; did you mean --${nearest}?`;
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
    if (!arg.startsWith("--")) throw new UsageError(`unknown option ${arg}`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flag = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (flag === undefined) {
      throw new UsageError(
        `unknown option --${name}${suggestion(name, Object.keys(spec))}`,
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

/** Throws a UsageError naming the first word when any was given (for programs that take none). */
export function noPositionals(flags: ParsedFlags): void {
  if (flags.positionals.length > 0) {
    throw new UsageError(
      `unexpected word ${JSON.stringify(flags.positionals[0])}`,
    );
  }
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

/**
 * An integer written in decimal digits in [min, max]; anything else is a
 * UsageError naming the flag, its range and, when given, why the range is
 * what it is.
 */
export function parseIntegerFlag(
  name: string,
  text: string,
  min: number,
  max: number,
  why?: string,
): number {
  const value = /^\+?\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(value) && value >= min && value <= max)) {
    throw new UsageError(
      `--${name} must be an integer in [${min}, ${max}]${
        why ? ` (${why})` : ""
      }; got ${JSON.stringify(text)}`,
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

/**
 * A comma-separated list of names from `allowed`: at least one, each known,
 * none twice; anything else is a UsageError naming the flag.
 */
export function parseListFlag<T extends string>(
  name: string,
  text: string,
  allowed: readonly T[],
): T[] {
  const items = text.split(",").map((s) => s.trim());
  const known = `one or more of ${allowed.join(", ")}, comma-separated`;
  if (text.trim() === "" || items.some((s) => s === "")) {
    throw new UsageError(
      `--${name} must list ${known}; got ${JSON.stringify(text)}`,
    );
  }
  const seen = new Set<string>();
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new UsageError(
        `--${name} must list ${known}; got ${JSON.stringify(item)}`,
      );
    }
    if (seen.has(item)) {
      throw new UsageError(`--${name} lists ${JSON.stringify(item)} twice`);
    }
    seen.add(item);
  }
  return items as T[];
}

/**
 * Runs a program's main and exits with its code: 2 with the usage on a
 * UsageError, 3 on an EnvironmentError (the message alone) or a missing
 * Deno permission. Any other error is a bug: it is thrown on (Deno
 * prints its stack and exits 1).
 */
export async function runProgram(
  program: string,
  usage: string,
  main: () => Promise<number | void>,
): Promise<never> {
  let code: number;
  try {
    code = (await main()) ?? EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${program}: ${error.message}\n\n${usage}`);
      Deno.exit(EXIT_CODES.usage);
    }
    if (error instanceof EnvironmentError) {
      console.error(`${program}: ${error.message}`);
      Deno.exit(EXIT_CODES.environment);
    }
    // A Deno permission the program was not given (run outside its deno
    // task, or with a narrower set), or a file the system refuses: what the
    // machine does not allow, exit 3, said in one line, not a stack trace.
    if (error instanceof Deno.errors.NotCapable) {
      console.error(
        `${program}: a Deno permission is missing: ${error.message} (the program's deno task grants what it needs)`,
      );
      Deno.exit(EXIT_CODES.environment);
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      console.error(`${program}: the system refused: ${error.message}`);
      Deno.exit(EXIT_CODES.environment);
    }
    throw error;
  }
  Deno.exit(code);
}

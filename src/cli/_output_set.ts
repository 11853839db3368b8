// A set of output files written whole or not at all. The set is built in a
// staging folder beside the target (`.NAME.partial`), then moved in with
// renames: the old set aside (`.NAME.previous`), the new one in, the old one
// removed. An interrupted or failed run leaves the target as it was (a full
// disk leaves no truncated file in it), never old and new files mixed; the
// next run finishes or undoes a swap a kill cut short. A lock on a file in
// the staging folder keeps two runs from building into the same one.
//
// Everything is checked before the caller computes anything: the target
// (not empty, not a file, not a folder holding anything but a previous
// output), write permission beside it, and free space.

import { statfs } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { EnvironmentError, UsageError } from "../_args.ts";

/** How the output set is written (replaceable in tests, to inject faults). */
export interface OutputWriter {
  /** Writes one whole file (the default: Deno.writeFile). */
  writeFile(path: string, data: Uint8Array): Promise<void>;
}

/** Options of {@linkcode prepareOutputSet}. */
export interface OutputSetOptions {
  /** The flag that named the target, for messages. Default "--out". */
  readonly flag?: string;
  /** Whether a folder's entries are a previous output set of this program. */
  readonly isPreviousOutput: (
    entries: readonly OutputEntry[],
    read: (name: string) => string | undefined,
  ) => boolean;
  /** Bytes the set will take; refused beforehand when the disk has less free. Default 0 (no check). */
  readonly expectedBytes?: number;
  /** The writer. Default Deno.writeFile. */
  readonly writer?: OutputWriter;
}

/** One entry of a folder. */
export interface OutputEntry {
  /** Its name. */
  readonly name: string;
  /** Whether it is a plain file. */
  readonly isFile: boolean;
}

/** An output set being built. */
export interface OutputSet {
  /** The target folder (absolute). */
  readonly target: string;
  /** Adds a file to the set (written into the staging folder). */
  add(name: string, data: string | Uint8Array): Promise<void>;
  /** Moves the whole set into the target. */
  commit(): Promise<void>;
  /** Removes the staging folder and what it holds; the target stays as it was. */
  abort(): void;
}

const LOCK = ".lock";
const encoder = new TextEncoder();

function entriesOf(path: string): OutputEntry[] {
  return [...Deno.readDirSync(path)].map((e) => ({
    name: e.name,
    isFile: e.isFile,
  }));
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function permissionHint(path: string): string {
  return `write access to ${path} is not granted: run with --allow-write=${path} (see the README's "Permissions")`;
}

function ensureWritable(path: string): void {
  const state = Deno.permissions.querySync({ name: "write", path }).state;
  if (state !== "granted") throw new EnvironmentError(permissionHint(path));
}

function isSet(
  path: string,
  isPrevious: OutputSetOptions["isPreviousOutput"],
): boolean {
  const entries = entriesOf(path).filter((e) => e.name !== LOCK);
  return isPrevious(entries, (name) => {
    try {
      return Deno.readTextFileSync(join(path, name));
    } catch {
      return undefined;
    }
  });
}

/**
 * Checks the target and prepares its staging folder (see the module
 * comment). Throws a UsageError for a target the user must change, an
 * EnvironmentError for what the machine lacks.
 */
export async function prepareOutputSet(
  target: string,
  options: OutputSetOptions,
): Promise<OutputSet> {
  const flag = options.flag ?? "--out";
  if (target.trim() === "") {
    throw new UsageError(`${flag} must name a folder; got ""`);
  }
  const path = resolve(target);
  if (dirname(path) === path) {
    throw new UsageError(
      `${flag} must not be the root folder ${path}: name a folder of its own`,
    );
  }
  const parent = dirname(path);
  const staging = join(parent, `.${basename(path)}.partial`);
  const previous = join(parent, `.${basename(path)}.previous`);
  for (const p of [path, staging, previous]) ensureWritable(p);

  // A swap a kill cut short: the old set aside and no target, or both.
  const previousInfo = lstatOrNull(previous);
  if (previousInfo !== null) {
    if (
      !previousInfo.isDirectory || !isSet(previous, options.isPreviousOutput)
    ) {
      throw new EnvironmentError(
        `${previous} is in the way and is not an output set of this program: move it away`,
      );
    }
    if (lstatOrNull(path) === null) {
      Deno.renameSync(previous, path);
      console.error(`restored ${path} (a run was stopped while replacing it)`);
    } else {
      Deno.removeSync(previous, { recursive: true });
    }
  }

  const info = lstatOrNull(path);
  if (info !== null) {
    if (info.isSymlink) {
      throw new UsageError(
        `${flag} ${target} is a symbolic link: name the folder itself`,
      );
    }
    if (!info.isDirectory) {
      throw new UsageError(
        `${flag} ${target} is a file: name a folder (new, empty, or a previous output)`,
      );
    }
    const entries = entriesOf(path);
    if (entries.length > 0 && !isSet(path, options.isPreviousOutput)) {
      const shown = entries.slice(0, 3).map((e) =>
        e.isFile ? e.name : `${e.name}/`
      );
      throw new UsageError(
        `${flag} ${target} holds files that are not an output of this program (${
          shown.join(", ")
        }${
          entries.length > 3 ? ", ..." : ""
        }): name a new or empty folder, or a previous output`,
      );
    }
  }

  try {
    if (lstatOrNull(parent) === null) {
      Deno.mkdirSync(parent, { recursive: true });
    }
  } catch (error) {
    throw new EnvironmentError(
      `cannot create ${parent}: ${describe(error)}`,
    );
  }
  // The staging folder, locked: a second run into the same target stops
  // here; one a kill left behind is cleared and reused.
  let lock: Deno.FsFile;
  try {
    Deno.mkdirSync(staging, { recursive: true });
    lock = Deno.openSync(join(staging, LOCK), { create: true, write: true });
  } catch (error) {
    throw new EnvironmentError(
      `cannot write beside ${path} (${staging}): ${describe(error)}`,
    );
  }
  if (!lock.tryLockSync(true)) {
    lock.close();
    throw new EnvironmentError(
      `another run is writing ${path} (its staging folder ${staging} is locked)`,
    );
  }
  for (const e of entriesOf(staging)) {
    if (e.name !== LOCK) {
      Deno.removeSync(join(staging, e.name), { recursive: true });
    }
  }

  const expected = options.expectedBytes ?? 0;
  if (expected > 0) {
    let free: number | undefined;
    try {
      const s = await statfs(staging);
      free = Number(s.bavail) * Number(s.bsize);
    } catch {
      free = undefined; // no statfs here (or not permitted): write and see
    }
    if (free !== undefined && free < expected) {
      lock.close();
      Deno.removeSync(staging, { recursive: true });
      throw new EnvironmentError(
        `not enough free space for the output in ${parent}: about ${
          Math.ceil(expected / 1024)
        } KiB needed, ${Math.floor(free / 1024)} KiB free`,
      );
    }
  }

  const writer = options.writer ??
    { writeFile: (p: string, d: Uint8Array) => Deno.writeFile(p, d) };
  let open = true;
  const abort = () => {
    if (!open) return;
    open = false;
    try {
      lock.close();
    } catch { /* already closed */ }
    try {
      Deno.removeSync(staging, { recursive: true });
    } catch { /* already gone */ }
  };
  return {
    target: path,
    async add(name, data) {
      if (!open) throw new Error("the output set is closed");
      if (name === LOCK || name.includes("/") || name.includes("\\")) {
        throw new RangeError(`name must be a plain file name; got ${name}`);
      }
      try {
        await writer.writeFile(
          join(staging, name),
          typeof data === "string" ? encoder.encode(data) : data,
        );
      } catch (error) {
        abort();
        throw new EnvironmentError(
          `cannot write ${name} (${
            describe(error)
          }); ${path} is left as it was`,
        );
      }
    },
    commit() {
      if (!open) throw new Error("the output set is closed");
      lock.close();
      Deno.removeSync(join(staging, LOCK));
      open = false;
      try {
        if (lstatOrNull(path) !== null) Deno.renameSync(path, previous);
        try {
          Deno.renameSync(staging, path);
        } catch (error) {
          if (lstatOrNull(previous) !== null) Deno.renameSync(previous, path);
          throw error;
        }
        if (lstatOrNull(previous) !== null) {
          Deno.removeSync(previous, { recursive: true });
        }
      } catch (error) {
        try {
          Deno.removeSync(staging, { recursive: true });
        } catch { /* moved or gone */ }
        throw new EnvironmentError(
          `cannot move the output into ${path}: ${describe(error)}`,
        );
      }
      return Promise.resolve();
    },
    abort,
  };
}

// Where an output came from: the git commit of the checkout this program
// runs from, read from .git's files (no `git` process, so no run
// permission), or undefined outside a checkout (a package from JSR).

import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

async function text(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return undefined;
  }
}

/** The commit HEAD names, 40 hex digits, or undefined when there is no readable .git. */
export async function gitCommit(
  from: URL = new URL(".", import.meta.url),
): Promise<string | undefined> {
  if (from.protocol !== "file:") return undefined;
  let dir = fileURLToPath(from);
  for (;;) {
    let git = join(dir, ".git");
    // A worktree's .git is a file naming the real folder.
    const pointer = await text(git);
    if (pointer?.startsWith("gitdir: ")) git = pointer.slice(8);
    const head = await text(join(git, "HEAD"));
    if (head !== undefined) {
      if (/^[0-9a-f]{40}$/.test(head)) return head;
      const ref = head.startsWith("ref: ") ? head.slice(5) : undefined;
      if (ref === undefined) return undefined;
      // A worktree keeps its refs in the common folder.
      const common = await text(join(git, "commondir"));
      const roots = [git, ...(common ? [join(git, common)] : [])];
      for (const root of roots) {
        const loose = await text(join(root, ref));
        if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
        const packed = await text(join(root, "packed-refs"));
        const line = packed?.split("\n").find((l) => l.endsWith(` ${ref}`));
        if (line) return line.slice(0, 40);
      }
      return undefined;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

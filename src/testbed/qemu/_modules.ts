// Kernel modules and shared libraries for the guest image, read without
// the host's kmod: a module's dependencies are the "depends=" string of its
// .modinfo section (NUL-separated key=value strings), and the load order
// puts every module after the modules it depends on.

/** The modules `ko` (a .ko file's bytes) depends on, from its "depends=" string. */
export function moduleDepends(ko: Uint8Array): string[] {
  const key = new TextEncoder().encode("depends=");
  outer: for (let i = 0; i + key.length <= ko.length; i++) {
    for (let j = 0; j < key.length; j++) {
      if (ko[i + j] !== key[j]) continue outer;
    }
    // The key starts a string: the byte before is NUL (or the section start).
    if (i > 0 && ko[i - 1] !== 0) continue;
    let end = i + key.length;
    while (end < ko.length && ko[end] !== 0) end++;
    const value = new TextDecoder().decode(ko.subarray(i + key.length, end));
    return value === ""
      ? []
      : value.split(",").map((m) => m.replaceAll("-", "_"));
  }
  return [];
}

/**
 * The load order of `wanted` and everything they depend on: each module
 * after its dependencies, in first-needed order. `dependsOf` gives a
 * module's direct dependencies (undefined: no such module).
 */
export function moduleLoadOrder(
  wanted: readonly string[],
  dependsOf: (name: string) => readonly string[] | undefined,
): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, from: string) => {
    const s = state.get(name);
    if (s === "done") return;
    if (s === "visiting") {
      throw new Error(`kernel module dependency cycle through ${name}`);
    }
    const deps = dependsOf(name);
    if (deps === undefined) {
      throw new RangeError(
        `kernel module ${name}${
          from ? ` (needed by ${from})` : ""
        } not found in the guest kernel package`,
      );
    }
    state.set(name, "visiting");
    for (const d of deps) visit(d, name);
    state.set(name, "done");
    order.push(name);
  };
  for (const w of wanted) visit(w.replaceAll("-", "_"), "");
  return order;
}

/**
 * The shared objects `ldd` lists for a binary (resolved paths, the dynamic
 * loader included); [] for a static binary. Throws on a library ldd cannot
 * find.
 */
export function parseLdd(text: string): string[] {
  const paths: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.includes("not a dynamic executable")) continue;
    if (line.includes("=> not found")) {
      throw new Error(`shared library not found: ${line.split(" ")[0]}`);
    }
    const arrow = line.match(/=>\s*(\/\S+)/);
    if (arrow) {
      paths.push(arrow[1]);
      continue;
    }
    const direct = line.match(/^(\/\S+)\s+\(0x/);
    if (direct) paths.push(direct[1]);
    // linux-vdso.so.1 (0x...) has no file.
  }
  return paths;
}

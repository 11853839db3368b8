// A writer of the "newc" cpio format the Linux kernel unpacks as an
// initramfs. Written here rather than through cpio(1) so that device nodes
// (/dev/console, which the kernel opens for init's stdio before init can
// mount devtmpfs) need no mknod, no root and no staging directory.

/** One entry of an initramfs archive. */
export type CpioEntry =
  | {
    readonly kind: "dir";
    /** Path without a leading slash ("bin"). */
    readonly path: string;
    readonly mode?: number;
  }
  | {
    readonly kind: "file";
    readonly path: string;
    readonly data: Uint8Array;
    readonly mode?: number;
  }
  | {
    readonly kind: "symlink";
    readonly path: string;
    readonly target: string;
  }
  | {
    readonly kind: "chardev";
    readonly path: string;
    readonly major: number;
    readonly minor: number;
    readonly mode?: number;
  };

const TYPE = {
  dir: 0o040000,
  file: 0o100000,
  symlink: 0o120000,
  chardev: 0o020000,
};

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** The archive: every entry (parents first, as given), then the trailer. */
export function cpioArchive(entries: readonly CpioEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let ino = 1;
  const push = (
    name: string,
    mode: number,
    data: Uint8Array,
    rdev: [number, number] = [0, 0],
  ) => {
    const nameBytes = encoder.encode(name + "\0");
    const header = "070701" + [
      ino++,
      mode,
      0, // uid
      0, // gid
      (mode & 0o170000) === TYPE.dir ? 2 : 1,
      0, // mtime: fixed, so the archive is reproducible
      data.length,
      0,
      0,
      rdev[0],
      rdev[1],
      nameBytes.length,
      0,
    ].map(hex8).join("");
    chunks.push(encoder.encode(header), nameBytes);
    chunks.push(new Uint8Array(pad4(110 + nameBytes.length)));
    chunks.push(data, new Uint8Array(pad4(data.length)));
  };
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.path === "" || e.path.startsWith("/") || seen.has(e.path)) {
      throw new RangeError(
        `cpio entry path must be relative, non-empty and unique; got ${
          JSON.stringify(e.path)
        }`,
      );
    }
    seen.add(e.path);
    switch (e.kind) {
      case "dir":
        push(e.path, TYPE.dir | (e.mode ?? 0o755), new Uint8Array());
        break;
      case "file":
        push(e.path, TYPE.file | (e.mode ?? 0o644), e.data);
        break;
      case "symlink":
        push(e.path, TYPE.symlink | 0o777, encoder.encode(e.target));
        break;
      case "chardev":
        push(e.path, TYPE.chardev | (e.mode ?? 0o600), new Uint8Array(), [
          e.major,
          e.minor,
        ]);
        break;
    }
  }
  ino = 0;
  push("TRAILER!!!", 0, new Uint8Array());
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

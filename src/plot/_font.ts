// The font PNG figures are drawn with. Figures name the family "DejaVu
// Sans"; the package ships that font (fonts/DejaVuSans.ttf, a subset, see
// fonts/README.md), so PNGs come out the same on every system. The
// system's DejaVu Sans, where one of the usual paths holds it, is the
// fallback when the package's copy is not on disk (the module imported
// from a URL, or bundled elsewhere). Used by svgToPng's default and by the
// reproduce command's --font.

import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { fileURLToPath } from "node:url";

/** The font shipped with the package, when this module runs from disk. */
export function shippedFontFile(): string | undefined {
  const url = new URL("../../fonts/DejaVuSans.ttf", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : undefined;
}

/** Where systems keep DejaVu Sans (Debian and Ubuntu, Fedora, Arch, openSUSE, FreeBSD, macOS, Windows). */
export function systemFontFiles(): string[] {
  // homedir() needs a permission the reproduce task does not grant (and
  // Deno would prompt for it on a terminal): only asked when the shipped
  // font is missing, and its absence only drops one candidate.
  const home = (() => {
    try {
      return homedir();
    } catch {
      return "";
    }
  })();
  return [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/DejaVuSans.ttf",
    "/usr/local/share/fonts/dejavu/DejaVuSans.ttf",
    "/opt/homebrew/share/fonts/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
    ...(home ? [`${home}/Library/Fonts/DejaVuSans.ttf`] : []),
    "C:\\Windows\\Fonts\\DejaVuSans.ttf",
  ];
}

/** A font file found, and where it came from. */
export interface FoundFont {
  /** The file. */
  readonly path: string;
  /** "option" (given by the user), "package" (shipped) or "system". */
  readonly source: "option" | "package" | "system";
}

/**
 * The font file to draw PNGs with: `explicit` when given (it must exist),
 * else the package's, else the first system path that exists; undefined
 * when there is none. `candidates` replaces the system paths (tests); it
 * is only called when the package's font is missing.
 */
export function findFontFile(
  explicit?: string,
  candidates: () => readonly string[] = systemFontFiles,
  exists: (path: string) => boolean = existsSync,
): FoundFont | undefined {
  if (explicit !== undefined) {
    return exists(explicit) ? { path: explicit, source: "option" } : undefined;
  }
  const shipped = shippedFontFile();
  if (shipped !== undefined && exists(shipped)) {
    return { path: shipped, source: "package" };
  }
  const system = candidates().find((path) => exists(path));
  return system === undefined ? undefined : { path: system, source: "system" };
}

/**
 * The default font file of svgToPng: the package's, else the system's;
 * none is an error that says what was looked for and names the option
 * that fixes it.
 */
export function defaultFontFile(
  candidates: () => readonly string[] = systemFontFiles,
  exists: (path: string) => boolean = existsSync,
): string {
  const found = findFontFile(undefined, candidates, exists);
  if (found !== undefined) return found.path;
  const shipped = shippedFontFile() ??
    new URL("../../fonts/DejaVuSans.ttf", import.meta.url).href;
  throw new Error(
    `no DejaVu Sans for the PNG text: the package's ${shipped} is not on disk and none of ${
      candidates().join(", ")
    } exists; pass fontFile (the path of DejaVuSans.ttf) in the PNG options`,
  );
}

// Commands on standard input, one per line, for the probe tools: a parent
// that is killed (kill -9) closes the pipe, and the tool sees the end of
// input and stops instead of running on as an orphan.

/** Calls `onLine` for every line of standard input, then `onEnd` at its end. */
export function readStdinLines(
  onLine: (line: string) => void,
  onEnd: () => void,
): void {
  (async () => {
    let rest = "";
    try {
      for await (
        const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())
      ) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop() ?? "";
        for (const p of parts) onLine(p.trim());
      }
      if (rest.trim() !== "") onLine(rest.trim());
    } catch {
      // A closed or broken pipe is the end of input too.
    }
    onEnd();
  })();
}

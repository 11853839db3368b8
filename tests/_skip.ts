// Skipped tests say why: `skipReason` returns the reason a test cannot run
// here (or undefined) and records it where the README's test command
// (tests/_run.ts) reads it, so the run ends with a summary of what was
// skipped and why.

/**
 * Use as `Deno.test({ name, ignore: skipIf(name, reason) !== undefined, fn })`,
 * or call inside a test that returns early. Records `reason` when it is
 * defined and returns it.
 */
export function skipIf(
  test: string,
  reason: string | undefined,
): string | undefined {
  if (reason === undefined) return undefined;
  const log = Deno.env.get("VNMIG_SKIP_LOG");
  if (log) {
    Deno.writeTextFileSync(log, JSON.stringify({ test, reason }) + "\n", {
      append: true,
    });
  }
  return reason;
}

/** Why a test that needs root cannot run, or undefined as root. */
export function needsRoot(what: string): string | undefined {
  return Deno.uid() === 0 ? undefined : `needs root (${what})`;
}

/**
 * Deno.test, skipped when `reason` is defined, with the reason recorded
 * under the test's name: the one way tests here skip (a bare `ignore:`
 * would skip without saying why; tests/skip_reasons_test.ts looks).
 */
export function testUnless(
  reason: string | undefined,
  definition: Deno.TestDefinition,
): void {
  Deno.test({
    ...definition,
    ignore: skipIf(definition.name, reason) !== undefined,
  });
}

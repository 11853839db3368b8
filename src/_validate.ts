// Input checks shared by every model. Each throws a RangeError that names the
// parameter, the value received and the valid range, so that a bad sweep
// fails loudly instead of producing NaN or Infinity further down.

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * Throws unless `value` is a number in (0, max]: Infinity passes when
 * `max` is Infinity (a rate or capacity with no limit). `note` says why
 * the bound is there, or what Infinity means.
 */
export function assertPositiveOrInfinity(
  name: string,
  value: number,
  max = Infinity,
  note = "",
): void {
  if (typeof value !== "number" || !(value > 0) || value > max) {
    throw new RangeError(
      `${name} must be a number in (0, ${max === Infinity ? "+inf" : max}]${
        note === "" ? "" : ` (${note})`
      }; got ${String(value)}`,
    );
  }
}

/** Throws unless `value` is a finite number. */
export function assertFinite(name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(
      `${name} must be a finite number; got ${show(value)}`,
    );
  }
}

/** Throws unless `value` is finite and >= `min` (default 0). */
export function assertAtLeast(name: string, value: number, min = 0): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new RangeError(
      `${name} must be a finite number in [${min}, +inf); got ${show(value)}`,
    );
  }
}

/** Throws unless `value` is finite and > 0. */
export function assertPositive(name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `${name} must be a finite number in (0, +inf); got ${show(value)}`,
    );
  }
}

/** Throws unless `value` is a finite number in [min, max]. */
export function assertInRange(
  name: string,
  value: number,
  min: number,
  max: number,
): void {
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < min ||
    value > max
  ) {
    throw new RangeError(
      `${name} must be a finite number in [${min}, ${max}]; got ${show(value)}`,
    );
  }
}

/**
 * Throws unless `value` is an integer in [min, max] (default [0, 2^53 - 1]):
 * give `max` wherever a real limit exists (a 16-bit field, a TTL), so that
 * the message states it instead of 9007199254740991.
 */
export function assertInteger(
  name: string,
  value: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${name} must be an integer in [${min}, ${
        max === Number.MAX_SAFE_INTEGER ? "2^53 - 1" : max
      }]; got ${show(value)}`,
    );
  }
}

/** Throws unless `value` is a capacity: a non-negative integer or Infinity. */
export function assertCapacity(name: string, value: number): void {
  if (value !== Infinity && (!Number.isSafeInteger(value) || value < 0)) {
    throw new RangeError(
      `${name} must be an integer in [0, 2^53 - 1] or Infinity; got ${
        show(value)
      }`,
    );
  }
}

/** Throws unless `value` is one of `allowed`. */
export function assertOneOf<T extends string>(
  name: string,
  value: T,
  allowed: readonly T[],
): void {
  if (!allowed.includes(value)) {
    throw new RangeError(
      `${name} must be one of ${allowed.map(show).join(", ")}; got ${
        show(value)
      }`,
    );
  }
}

// Edit distance, for "did you mean" suggestions on misspelt option names.
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * The known name nearest to a misspelt one (a few edits away, or one that
 * starts with it: a missing unit suffix, "packetSize"), or undefined when
 * none is near enough to suggest. Shared by option objects and command
 * lines.
 */
export function nearestName(
  name: string,
  known: readonly string[],
): string | undefined {
  const lower = name.toLowerCase();
  let nearest: string | undefined;
  let best = Infinity;
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    const d = c.startsWith(lower) || lower.startsWith(c)
      ? 1
      : editDistance(lower, c);
    if (d < best) [best, nearest] = [d, candidate];
  }
  return best <= Math.max(2, Math.floor(name.length / 3)) ? nearest : undefined;
}

/**
 * Throws unless every own key of `options` is one of `known`: a misspelt
 * option is an error that names it and suggests the nearest known name,
 * never a silently ignored field. `undefined` and `null` options pass (the
 * caller applies its defaults).
 */
export function assertKnownKeys(
  name: string,
  options: unknown,
  known: readonly string[],
): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(
      `${name} must be an options object; got ${
        Array.isArray(options) ? "an array" : show(options)
      }`,
    );
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const nearest = nearestName(key, known);
    const hint = nearest === undefined
      ? ""
      : `; did you mean ${JSON.stringify(nearest)}?`;
    throw new RangeError(
      `${name} has no option ${JSON.stringify(key)}${hint} (known: ${
        known.join(", ")
      })`,
    );
  }
}

// Input checks shared by every model. Each throws a RangeError that names the
// parameter, the value received and the valid range, so that a bad sweep
// fails loudly instead of producing NaN or Infinity further down.

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
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

/** Throws unless `value` is an integer >= `min` (default 0). */
export function assertInteger(name: string, value: number, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `${name} must be an integer in [${min}, ${Number.MAX_SAFE_INTEGER}]; got ${
        show(value)
      }`,
    );
  }
}

/** Throws unless `value` is a capacity: a non-negative integer or Infinity. */
export function assertCapacity(name: string, value: number): void {
  if (value !== Infinity && (!Number.isSafeInteger(value) || value < 0)) {
    throw new RangeError(
      `${name} must be an integer in [0, ${Number.MAX_SAFE_INTEGER}] or Infinity; got ${
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

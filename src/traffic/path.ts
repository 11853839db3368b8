/**
 * Forwarding paths: a sequence of elements (a switch, a router VM, a Domain 0
 * data plane, a tunnel), each with a latency and a state that is piecewise
 * constant between events.
 *
 * A packet that reaches an element at time `a` meets the state in force at
 * `a` (a change at exactly `a` already applies):
 * - `"forward"`: it reaches the next element at `a + latencySeconds`;
 * - `"drop"`: it is lost there;
 * - `"buffer"`: it is held, if the buffer has room (capacity in packets and
 *   in bytes), else lost as overflow. When the state next turns to
 *   `"forward"` at time `r`, every held packet leaves, in order, at `r` and
 *   reaches the next element at `r + latencySeconds`. When it turns to
 *   `"drop"`, the held packets are lost (flushed). Packets still held when
 *   the timeline ends are reported as stranded.
 *
 * @module
 */

import {
  assertAtLeast,
  assertCapacity,
  assertFinite,
  assertOneOf,
} from "../_validate.ts";

/** What an element does with a packet that reaches it. */
export type ElementState = "forward" | "drop" | "buffer";

/** The element states, for validation and legends. */
export const ELEMENT_STATES: readonly ElementState[] = [
  "forward",
  "drop",
  "buffer",
];

/** A state change of an element at a time. */
export interface StateChange {
  /** When the new state takes effect, in seconds. */
  readonly atSeconds: number;
  /** The new state. */
  readonly state: ElementState;
}

/** One element of a forwarding path. */
export interface PathElement {
  /** A name for reports ("router VM", "switch s2"). */
  readonly name: string;
  /** Time from reaching this element to reaching the next, in seconds. */
  readonly latencySeconds: number;
  /** State before the first change. */
  readonly initialState: ElementState;
  /** Changes in non-decreasing time order. */
  readonly changes: readonly StateChange[];
  /** Buffer capacity in packets (Infinity for none). */
  readonly bufferCapacityPackets: number;
  /** Buffer capacity in bytes (Infinity for none). */
  readonly bufferCapacityBytes: number;
}

/** Options of {@linkcode pathElement}. */
export interface PathElementOptions {
  /** Name for reports. Default "element". */
  name?: string;
  /** Latency to the next element, seconds. Default 0. */
  latencySeconds?: number;
  /** State before the first change. Default "forward". */
  initialState?: ElementState;
  /** State changes, in non-decreasing time order. Default none. */
  changes?: readonly StateChange[];
  /** Buffer capacity in packets. Default Infinity. */
  bufferCapacityPackets?: number;
  /** Buffer capacity in bytes. Default Infinity. */
  bufferCapacityBytes?: number;
}

/**
 * Makes a path element, checking every field.
 *
 * @example
 * ```ts
 * import { pathElement } from "@vnmig/vnmig";
 * const vm = pathElement({
 *   name: "router VM",
 *   latencySeconds: 0.0001,
 *   changes: [{ atSeconds: 1, state: "drop" }, { atSeconds: 1.5, state: "forward" }],
 * });
 * console.log(vm.changes.length); // 2
 * ```
 */
export function pathElement(options: PathElementOptions = {}): PathElement {
  const element: PathElement = {
    name: options.name ?? "element",
    latencySeconds: options.latencySeconds ?? 0,
    initialState: options.initialState ?? "forward",
    changes: options.changes ?? [],
    bufferCapacityPackets: options.bufferCapacityPackets ?? Infinity,
    bufferCapacityBytes: options.bufferCapacityBytes ?? Infinity,
  };
  checkElement(element, 0);
  return element;
}

/** Checks an element (also one built by hand); `index` names it in errors. */
export function checkElement(element: PathElement, index: number): void {
  const at = `path[${index}]`;
  assertAtLeast(`${at}.latencySeconds`, element.latencySeconds, 0);
  assertOneOf(`${at}.initialState`, element.initialState, ELEMENT_STATES);
  assertCapacity(`${at}.bufferCapacityPackets`, element.bufferCapacityPackets);
  assertCapacity(`${at}.bufferCapacityBytes`, element.bufferCapacityBytes);
  let previous = -Infinity;
  element.changes.forEach((change, i) => {
    assertFinite(`${at}.changes[${i}].atSeconds`, change.atSeconds);
    assertOneOf(`${at}.changes[${i}].state`, change.state, ELEMENT_STATES);
    if (change.atSeconds < previous) {
      throw new RangeError(
        `${at}.changes[${i}].atSeconds must be in [${previous}, +inf) (changes in time order); got ${change.atSeconds}`,
      );
    }
    previous = change.atSeconds;
  });
}

/** Checks a whole path: at least one element, each valid. */
export function checkPath(path: readonly PathElement[]): void {
  if (!Array.isArray(path) || path.length === 0) {
    throw new RangeError(
      `path must hold at least 1 element; got ${
        Array.isArray(path) ? path.length : String(path)
      }`,
    );
  }
  path.forEach(checkElement);
}

/**
 * The state of an element at a time (a change at exactly that time applies).
 *
 * @example
 * ```ts
 * import { pathElement, stateAt } from "@vnmig/vnmig";
 * const e = pathElement({ changes: [{ atSeconds: 1, state: "drop" }] });
 * console.log(stateAt(e, 0.5), stateAt(e, 1)); // forward drop
 * ```
 */
export function stateAt(
  element: PathElement,
  timeSeconds: number,
): ElementState {
  let state = element.initialState;
  for (const change of element.changes) {
    if (change.atSeconds > timeSeconds) break;
    state = change.state;
  }
  return state;
}

/**
 * An outage as a list of state changes: `state` (default "drop") from
 * `fromSeconds` until `toSeconds`, forwarding before and after.
 *
 * @example
 * ```ts
 * import { outage } from "@vnmig/vnmig";
 * console.log(outage(1, 1.5)); // [{ atSeconds: 1, state: "drop" }, { atSeconds: 1.5, state: "forward" }]
 * ```
 */
export function outage(
  fromSeconds: number,
  toSeconds: number,
  state: ElementState = "drop",
): StateChange[] {
  assertFinite("fromSeconds", fromSeconds);
  assertAtLeast("toSeconds", toSeconds, fromSeconds);
  return [{ atSeconds: fromSeconds, state }, {
    atSeconds: toSeconds,
    state: "forward",
  }];
}

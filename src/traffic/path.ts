/**
 * Forwarding paths: a sequence of elements (a switch, a router VM, a Domain 0
 * data plane, a tunnel), each with a state that is piecewise constant
 * between events, an optional forwarding server with a bounded FIFO queue,
 * and a latency to the next element.
 *
 * A packet that reaches an element at time `a` meets the state in force at
 * `a` (a change at exactly `a` already applies: intervals are half-open):
 * - `"forward"`: it goes on to the element's server;
 * - `"drop"`: it is lost there (cause `drop`);
 * - `"buffer"`: it is held, if the buffer has room (capacity in packets and
 *   in bytes, of the interval in force), else lost (cause `overflow`).
 *
 * What a change does to the packets held when it takes effect (`held`):
 * - `"release"`: they leave, in arrival order, at the change time, to the
 *   server; the default when the new state is `"forward"`;
 * - `"flush"`: they are lost (cause `flush`); the default when the new state
 *   is `"drop"`;
 * - `"keep"`: they stay held; the default (and only allowed choice besides
 *   the two above) when the new state is `"buffer"` again, e.g. to change
 *   the capacity. Room is checked against the new capacity; packets already
 *   held are never evicted.
 * Any of the three may be given explicitly (`"keep"` only into `"buffer"`),
 * so "buffer, then drop, but deliver what was held" is
 * `{ state: "drop", held: "release" }`. Packets still held when the
 * timeline ends are reported as stranded.
 *
 * The server forwards one packet at a time in FIFO order. A packet of
 * `b` bytes needs `8 b / linkBitsPerSecond + 1 / forwardingPacketsPerSecond`
 * seconds (store and forward: the forwarding work, then the transmission on
 * the outgoing link; either term is 0 when its rate is Infinity, the
 * default), with the forwarding capacity in force when the packet reaches
 * the element (a change may set its own, e.g. a router VM forwards less
 * while a migration's dirty logging runs). A packet that finds the server
 * busy waits in the queue if fewer than `queueCapacityPackets` packets are
 * waiting, else it is lost (cause `queue`). A departure at the same instant
 * as an arrival happens first. After the server, the packet reaches the next
 * element `latencySeconds` later.
 *
 * @module
 */

import {
  assertAtLeast,
  assertCapacity,
  assertFinite,
  assertKnownKeys,
  assertOneOf,
  assertPositiveOrInfinity,
} from "../_validate.ts";

/** What an element does with a packet that reaches it. */
export type ElementState = "forward" | "drop" | "buffer";

/** The element states, for validation and legends. */
export const ELEMENT_STATES: readonly ElementState[] = [
  "forward",
  "drop",
  "buffer",
];

/** What a state change does with the packets held at that moment. */
export type HeldAction = "release" | "flush" | "keep";

/** The held-packet actions, for validation. */
export const HELD_ACTIONS: readonly HeldAction[] = ["release", "flush", "keep"];

/** A state change of an element at a time. */
export interface StateChange {
  /** When the new state takes effect, in seconds. */
  readonly atSeconds: number;
  /** The new state. */
  readonly state: ElementState;
  /** What happens to the packets held at that moment. Default: `release` into forward, `flush` into drop, `keep` into buffer. */
  readonly held?: HeldAction;
  /** Buffer capacity in packets from this change on. Default the element's. */
  readonly bufferCapacityPackets?: number;
  /** Buffer capacity in bytes from this change on. Default the element's. */
  readonly bufferCapacityBytes?: number;
  /** Forwarding capacity in packets/s from this change on. Default the element's. */
  readonly forwardingPacketsPerSecond?: number;
}

/** One element of a forwarding path. */
export interface PathElement {
  /** A name for reports ("router VM", "switch s2"). */
  readonly name: string;
  /** Time from leaving this element's server to reaching the next element, in seconds. */
  readonly latencySeconds: number;
  /** State before the first change. */
  readonly initialState: ElementState;
  /** Changes in non-decreasing time order. */
  readonly changes: readonly StateChange[];
  /** Buffer capacity in packets (Infinity for none), before any change sets another. */
  readonly bufferCapacityPackets: number;
  /** Buffer capacity in bytes (Infinity for none), before any change sets another. */
  readonly bufferCapacityBytes: number;
  /** Rate of the outgoing link, bits/s (Infinity: no serialisation). Default Infinity. */
  readonly linkBitsPerSecond?: number;
  /** Forwarding capacity, packets/s (Infinity: no limit), before any change sets another. Default Infinity. */
  readonly forwardingPacketsPerSecond?: number;
  /** Packets that may wait for the server (Infinity: unbounded). Default Infinity. */
  readonly queueCapacityPackets?: number;
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
  /** Outgoing link rate, bits/s. Default Infinity. */
  linkBitsPerSecond?: number;
  /** Forwarding capacity, packets/s. Default Infinity. */
  forwardingPacketsPerSecond?: number;
  /** Queue capacity, packets waiting. Default Infinity. */
  queueCapacityPackets?: number;
}

const ELEMENT_KEYS: readonly (keyof PathElementOptions)[] = [
  "name",
  "latencySeconds",
  "initialState",
  "changes",
  "bufferCapacityPackets",
  "bufferCapacityBytes",
  "linkBitsPerSecond",
  "forwardingPacketsPerSecond",
  "queueCapacityPackets",
];

const CHANGE_KEYS: readonly (keyof StateChange)[] = [
  "atSeconds",
  "state",
  "held",
  "bufferCapacityPackets",
  "bufferCapacityBytes",
  "forwardingPacketsPerSecond",
];

/**
 * Makes a path element, checking every field.
 *
 * @example
 * ```ts
 * import { pathElement } from "@vnmig/vnmig/traffic";
 * const vm = pathElement({
 *   name: "router VM",
 *   latencySeconds: 0.0001,
 *   changes: [{ atSeconds: 1, state: "drop" }, { atSeconds: 1.5, state: "forward" }],
 * });
 * if (vm.changes.length !== 2) throw new Error();
 * ```
 */
export function pathElement(options: PathElementOptions = {}): PathElement {
  assertKnownKeys("options", options, ELEMENT_KEYS);
  const element: PathElement = {
    name: options.name ?? "element",
    latencySeconds: options.latencySeconds ?? 0,
    initialState: options.initialState ?? "forward",
    changes: options.changes ?? [],
    bufferCapacityPackets: options.bufferCapacityPackets ?? Infinity,
    bufferCapacityBytes: options.bufferCapacityBytes ?? Infinity,
    linkBitsPerSecond: options.linkBitsPerSecond ?? Infinity,
    forwardingPacketsPerSecond: options.forwardingPacketsPerSecond ?? Infinity,
    queueCapacityPackets: options.queueCapacityPackets ?? Infinity,
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
  assertPositiveOrInfinity(
    `${at}.linkBitsPerSecond`,
    element.linkBitsPerSecond ?? Infinity,
  );
  assertPositiveOrInfinity(
    `${at}.forwardingPacketsPerSecond`,
    element.forwardingPacketsPerSecond ?? Infinity,
  );
  assertCapacity(
    `${at}.queueCapacityPackets`,
    element.queueCapacityPackets ?? Infinity,
  );
  if (!Array.isArray(element.changes)) {
    throw new RangeError(
      `${at}.changes must be an array; got ${String(element.changes)}`,
    );
  }
  let previous = -Infinity;
  element.changes.forEach((change, i) => {
    const c = `${at}.changes[${i}]`;
    assertKnownKeys(c, change, CHANGE_KEYS);
    assertFinite(`${c}.atSeconds`, change.atSeconds);
    assertOneOf(`${c}.state`, change.state, ELEMENT_STATES);
    if (change.held !== undefined) {
      assertOneOf(`${c}.held`, change.held, HELD_ACTIONS);
      if (change.held === "keep" && change.state !== "buffer") {
        throw new RangeError(
          `${c}.held must be one of "release", "flush" when the new state is ${
            JSON.stringify(change.state)
          } (held packets can be kept only by a buffer); got "keep"`,
        );
      }
    }
    if (change.bufferCapacityPackets !== undefined) {
      assertCapacity(
        `${c}.bufferCapacityPackets`,
        change.bufferCapacityPackets,
      );
    }
    if (change.bufferCapacityBytes !== undefined) {
      assertCapacity(`${c}.bufferCapacityBytes`, change.bufferCapacityBytes);
    }
    if (change.forwardingPacketsPerSecond !== undefined) {
      assertPositiveOrInfinity(
        `${c}.forwardingPacketsPerSecond`,
        change.forwardingPacketsPerSecond,
      );
    }
    if (change.atSeconds < previous) {
      throw new RangeError(
        `${c}.atSeconds must be in [${previous}, +inf) (changes in time order); got ${change.atSeconds}`,
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

/** The held-packet action a change applies (its own, or the default for its state). */
export function heldAction(change: StateChange): HeldAction {
  return change.held ??
    (change.state === "forward"
      ? "release"
      : change.state === "drop"
      ? "flush"
      : "keep");
}

/**
 * The state of an element at a time (a change at exactly that time applies).
 *
 * @example
 * ```ts
 * import { pathElement, stateAt } from "@vnmig/vnmig/traffic";
 * const e = pathElement({ changes: [{ atSeconds: 1, state: "drop" }] });
 * if (stateAt(e, 0.5) !== "forward" || stateAt(e, 1) !== "drop") throw new Error();
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
 * import { outage } from "@vnmig/vnmig/traffic";
 * const changes = outage(1, 1.5);
 * if (changes[0].state !== "drop" || changes[1].atSeconds !== 1.5) throw new Error();
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

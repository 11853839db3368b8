// A binary min-heap of events on parallel typed arrays: no allocation per
// event, so the per-packet simulator runs at tens of millions of events per
// second. Events are ordered by time, then rank (state changes before packet
// arrivals at the same instant), then insertion order.

export class EventQueue {
  size = 0;
  private seq = 0;
  private time: Float64Array;
  private order: Float64Array; // rank * 2^52 + insertion sequence
  // Payload: kind/element, packet index, accumulated holding delay.
  element: Int32Array;
  packet: Float64Array;
  delay: Float64Array;
  private slots: Int32Array; // heap position -> payload slot
  private free: Int32Array;
  private freeCount = 0;

  constructor(capacity = 64) {
    this.time = new Float64Array(capacity);
    this.order = new Float64Array(capacity);
    this.element = new Int32Array(capacity);
    this.packet = new Float64Array(capacity);
    this.delay = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
    this.free = new Int32Array(capacity);
  }

  private grow(): void {
    const n = this.time.length * 2;
    const copy = <T extends Float64Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as { new (n: number): T })(n);
      b.set(a);
      return b;
    };
    this.time = copy(this.time);
    this.order = copy(this.order);
    this.element = copy(this.element);
    this.packet = copy(this.packet);
    this.delay = copy(this.delay);
    this.slots = copy(this.slots);
    this.free = copy(this.free);
  }

  /** Adds an event. */
  push(
    time: number,
    rank: number,
    element: number,
    packet: number,
    delay: number,
  ): void {
    if (this.size === this.time.length) this.grow();
    const slot = this.freeCount > 0 ? this.free[--this.freeCount] : this.size;
    this.time[slot] = time;
    this.order[slot] = rank * 4503599627370496 + this.seq++;
    this.element[slot] = element;
    this.packet[slot] = packet;
    this.delay[slot] = delay;
    let i = this.size++;
    const slots = this.slots;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(slot, slots[parent])) break;
      slots[i] = slots[parent];
      i = parent;
    }
    slots[i] = slot;
  }

  private less(a: number, b: number): boolean {
    const ta = this.time[a];
    const tb = this.time[b];
    return ta < tb || (ta === tb && this.order[a] < this.order[b]);
  }

  /** Removes the earliest event; returns its slot (valid until next push). */
  pop(): number {
    const slots = this.slots;
    const top = slots[0];
    const last = slots[--this.size];
    let i = 0;
    const n = this.size;
    while (true) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.less(slots[child + 1], slots[child])) child++;
      if (!this.less(slots[child], last)) break;
      slots[i] = slots[child];
      i = child;
    }
    if (n > 0) slots[i] = last;
    this.free[this.freeCount++] = top;
    return top;
  }

  timeOf(slot: number): number {
    return this.time[slot];
  }

  rankOf(slot: number): number {
    return Math.floor(this.order[slot] / 4503599627370496);
  }
}

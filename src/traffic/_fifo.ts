// A FIFO of packets on growable typed arrays (a ring): float time, stream
// packet index, stream, and a slot of exact bookkeeping (-1: none). No
// allocation per packet.

export class Fifo {
  head = 0;
  tail = 0;
  mask: number;
  t: Float64Array;
  k: Float64Array;
  s: Int32Array;
  x: Int32Array;

  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.mask = size - 1;
    this.t = new Float64Array(size);
    this.k = new Float64Array(size);
    this.s = new Int32Array(size);
    this.x = new Int32Array(size);
  }

  get length(): number {
    return this.tail - this.head;
  }

  grow(): void {
    const n = this.length;
    const size = (this.mask + 1) * 2;
    const t = new Float64Array(size);
    const k = new Float64Array(size);
    const s = new Int32Array(size);
    const x = new Int32Array(size);
    for (let i = 0; i < n; i++) {
      const j = (this.head + i) & this.mask;
      t[i] = this.t[j];
      k[i] = this.k[j];
      s[i] = this.s[j];
      x[i] = this.x[j];
    }
    this.t = t;
    this.k = k;
    this.s = s;
    this.x = x;
    this.mask = size - 1;
    this.head = 0;
    this.tail = n;
  }

  push(t: number, k: number, s: number, x: number): void {
    if (this.tail - this.head > this.mask) this.grow();
    const j = this.tail & this.mask;
    this.t[j] = t;
    this.k[j] = k;
    this.s[j] = s;
    this.x[j] = x;
    this.tail++;
  }
}

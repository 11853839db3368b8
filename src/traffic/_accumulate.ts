// Tallies shared by the interval counter and the per-packet simulator, so
// that both report losses and delays in the same shape.

import type { ElementLoss, FateCounts, LossCause } from "./fates.ts";
import type { PathElement } from "./path.ts";

const CAUSES: readonly LossCause[] = ["drop", "overflow", "flush"];

/** Mutable tallies while a stream crosses a path. */
export class FateTally {
  sent = 0;
  delivered = 0;
  stranded = 0;
  held = 0;
  delaySum = 0;
  delayMin = Infinity;
  delayMax = 0;
  /** lost[element * 3 + cause index] */
  readonly lost: Float64Array;

  constructor(readonly path: readonly PathElement[]) {
    this.lost = new Float64Array(path.length * CAUSES.length);
  }

  lose(elementIndex: number, cause: LossCause, packets: number): void {
    this.lost[elementIndex * 3 + CAUSES.indexOf(cause)] += packets;
  }

  /** Records `packets` delivered packets that were held, with their delays. */
  deliverHeld(packets: number, sum: number, min: number, max: number): void {
    this.delivered += packets;
    this.held += packets;
    this.delaySum += sum;
    if (min < this.delayMin) this.delayMin = min;
    if (max > this.delayMax) this.delayMax = max;
  }

  result(packetSizeBytes: number): FateCounts {
    const losses: ElementLoss[] = [];
    let lostPackets = 0;
    this.path.forEach((element, i) => {
      CAUSES.forEach((cause, c) => {
        const packets = this.lost[i * 3 + c];
        if (packets > 0) {
          losses.push({
            elementIndex: i,
            element: element.name,
            cause,
            packets,
          });
          lostPackets += packets;
        }
      });
    });
    return {
      sentPackets: this.sent,
      deliveredPackets: this.delivered,
      lostPackets,
      strandedPackets: this.stranded,
      heldPackets: this.held,
      losses,
      delay: {
        packets: this.held,
        minSeconds: this.held > 0 ? this.delayMin : 0,
        maxSeconds: this.held > 0 ? this.delayMax : 0,
        meanSeconds: this.held > 0 ? this.delaySum / this.held : 0,
      },
      deliveredBytes: this.delivered * packetSizeBytes,
    };
  }
}

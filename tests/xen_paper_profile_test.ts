// The paper profile under Xen 4.0's pre-copy policy, after issue 12: what
// stops it, what its stop-and-copy holds, and which mechanism sets each
// figure (each with a negative control that changes the mechanism).
import assert from "node:assert/strict";
import {
  composePolicy,
  forwardingBuffers,
  hotSet,
  precopyMigration,
  type PrecopyResult,
  roundRobinWrites,
  XEN4,
} from "../src/precopy/mod.ts";
import { PAPER_TESTBED, profilePrecopyOptions } from "../src/xen/mod.ts";

const P = PAPER_TESTBED;
const SLAB_PAGES = P.bufferPoolPages - P.rxBufferPages; // 97
const WIRE_BITS = (P.pageSizeBytes + P.perPageOverheadBytes) * 8;
const run = (pps: number, policy = XEN4): PrecopyResult =>
  precopyMigration(profilePrecopyOptions(P, pps, { policy }));

Deno.test("paper profile: every rate stops on max-iters (the hot set keeps sent + skipped >= 50)", () => {
  for (const pps of [500, 1000, 5000, 10_000]) {
    const r = run(pps);
    assert.deepEqual(r.stopReasons, ["max-iters"], `${pps}`);
    assert.equal(r.iterations, 29);
    assert.ok(r.rounds.every((x) => x.pagesSent + x.pagesSkipped >= 730));
  }
  // Negative control: no hot set, and the 50-page test ends it early.
  const idle = precopyMigration(
    profilePrecopyOptions(P, 1000, {
      dirty: [roundRobinWrites({ pagesPerSecond: P.backgroundPagesPerSecond })],
    }),
  );
  assert.deepEqual(idle.stopReasons, ["sent-and-skipped-below"]);
  assert.ok(idle.iterations < 29);
});

Deno.test("paper profile: stop-and-copy is the last round's dirty pages plus the page-flipped RX buffers only", () => {
  const downtimes: number[] = [];
  for (const pps of [500, 1000, 5000, 10_000]) {
    const r = run(pps);
    const last = r.rounds.at(-1)!;
    // Only RX buffers are deferred (to_fix); the slab pages are ordinary.
    assert.equal(r.stopAndCopyDeferredPages, P.rxBufferPages);
    assert.equal(r.stopAndCopyBufferPages, P.bufferPoolPages);
    assert.equal(r.stopAndCopyPages, last.pagesPending + P.rxBufferPages);
    // Pending after the last round: the hot set, every slab page (written
    // in turn at >= 500 packets/s) and the background writes of that round.
    const background = last.pagesPending - P.hotPages - SLAB_PAGES;
    assert.ok(
      Math.abs(
        background - P.backgroundPagesPerSecond * last.durationSeconds,
      ) <=
        1,
      `${pps}: ${background}`,
    );
    // Downtime: those pages and the state at the link's rate, then resume.
    const expected = (r.stopAndCopyPages * WIRE_BITS + P.stateBytes * 8) /
        P.linkBitsPerSecond + P.resumeSeconds;
    assert.ok(Math.abs(r.downtimeSeconds - expected) <= 1e-12);
    downtimes.push(r.downtimeSeconds);
  }
  // The pool saturates: the same downtime at every rate (C1's mechanism).
  assert.equal(new Set(downtimes).size, 1);
  // Negative control: a copying netfront defers nothing; its RX pages are
  // sent in the rounds and only the last round's writes wait.
  const copy = precopyMigration(
    profilePrecopyOptions(P, 1000, {
      dirty: [
        hotSet(P.hotPages),
        forwardingBuffers({
          packetsPerSecond: 1000,
          netfront: "rx-copy",
          rxBufferPages: P.rxBufferPages,
          otherBufferPages: SLAB_PAGES,
          otherPagesPerPacket: P.bufferPagesPerPacket - 1,
        }),
        roundRobinWrites({ pagesPerSecond: P.backgroundPagesPerSecond }),
      ],
    }),
  );
  assert.equal(copy.stopAndCopyDeferredPages, 0);
  assert.ok(copy.stopAndCopyPages < run(1000).stopAndCopyPages - 100);
});

Deno.test("paper profile: Xen's per-batch to_skip sends the hot set in every late round (one batch), so each lasts ~0.28 s", () => {
  const r = run(1000);
  for (const x of r.rounds.slice(2)) {
    // 730 hot + 97 slab + ~28 background pages: one batch of < 1024,
    // judged against the snapshot at the round's start: nothing skipped.
    assert.equal(x.pagesSkipped, 0);
    assert.ok(x.pagesSent >= P.hotPages + SLAB_PAGES && x.pagesSent < 1024);
    const sending = x.pagesSent * WIRE_BITS / P.linkBitsPerSecond;
    assert.ok(
      Math.abs(x.durationSeconds - sending - P.roundOverheadSeconds) < 1e-12,
    );
    assert.ok(x.durationSeconds > 0.27);
  }
  // Negative control: a snapshot before every page (the old "hot pages
  // skipped in every round") skips the hot set, rounds shrink to ~1 ms,
  // and the last round's background writes vanish from stop-and-copy.
  const everyPage = run(1000, composePolicy(XEN4, { skipBatchPages: 1 }));
  assert.ok(everyPage.rounds.slice(2).every((x) => x.pagesSkipped >= 700));
  assert.ok(everyPage.iterativeSeconds < r.iterativeSeconds - 7);
  assert.ok(everyPage.downtimeSeconds < r.downtimeSeconds - 0.03);
});

// The reproduction's computing, in a worker: the model runs are
// synchronous, so the main thread stays free to answer Ctrl-C at once (it
// ends the worker and removes the staging folder).

/// <reference lib="deno.worker" />

import { reproducePaper, type ReproductionOptions } from "../reproduce/run.ts";

self.onmessage = async (
  event: MessageEvent<Omit<ReproductionOptions, "onProgress">>,
) => {
  try {
    const r = await reproducePaper({
      ...event.data,
      onProgress: (stage, done, total) =>
        self.postMessage({ kind: "progress", stage, done, total }),
    });
    // Plain data only (no figures, no functions) crosses back.
    self.postMessage({
      kind: "done",
      result: {
        rows: r.rows,
        claims: r.claims,
        controls: r.controls.map((c) => ({
          behaved: c.behaved,
          claim: c.control.claim,
          change: c.control.change,
          reproduced: c.check.reproduced,
        })),
        passed: r.passed,
        files: r.files,
      },
    });
  } catch (error) {
    self.postMessage({
      kind: "error",
      message: error instanceof Error
        ? error.stack ?? error.message
        : String(error),
    });
  }
};

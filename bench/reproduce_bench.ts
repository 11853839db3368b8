// Sweep speed (issue 6: a sweep of 10,000 runs of any model in seconds) and
// the paper experiment behind `deno task reproduce`.
import { MECHANISMS, paperExperiment, paperRun, sweep } from "../mod.ts";

const rates = Array.from({ length: 100 }, (_, i) => 100 * (i + 1));
for (const mechanism of MECHANISMS) {
  Deno.bench(`sweep of 10,000 runs: ${mechanism.label}`, {
    n: 1,
    warmup: 0,
  }, () => {
    sweep(
      { packetsPerSecond: rates },
      ({ packetsPerSecond, seed }) =>
        paperRun(mechanism.id, packetsPerSecond, { seed }),
      { repetitions: 100 },
    );
  });
}

Deno.bench(
  "paper experiment: 3 mechanisms x 2 sizes x 11 rates x 5 runs",
  () => {
    paperExperiment();
  },
);

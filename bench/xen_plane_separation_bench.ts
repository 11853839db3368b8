// Speed of the plane-separation model (pre-copy, steps, data loss counted
// exactly, control traffic buffered and tunnelled, survival table).
import {
  controlTraffic,
  PAPER_PLANE_SEPARATION,
  planeSeparationMigration,
  tunnelLink,
} from "../mod.ts";

Deno.bench("planeSeparationMigration: paper profile, 5000 packets/s", () => {
  planeSeparationMigration({ packetsPerSecond: 5000 });
});

Deno.bench("planeSeparationMigration: ARP before sync (lossy what-if)", () => {
  planeSeparationMigration({
    packetsPerSecond: 5000,
    arpTiming: "after-binding",
  });
});

const window = {
  pauseSeconds: 10,
  tunnelUpSeconds: 12,
  arpEffectiveSeconds: 30,
  oldPathRemovedSeconds: 31,
  tunnelLatencySeconds: 0.001,
  endSeconds: 60,
};
Deno.bench(
  "controlTraffic: the paper profile's control flows over 60 s",
  () => {
    controlTraffic(window, PAPER_PLANE_SEPARATION.controlFlows);
  },
);

Deno.bench("tunnelLink: GRE, 1500-byte packet, fragmented", () => {
  tunnelLink({ encapsulation: "gre", packetSizeBytes: 1500 });
});

// A small job as a process: import only the traffic entry, count once.
import {
  cbrStream,
  countFates,
  outage,
  pathElement,
} from "@vnmig/vnmig/traffic";

const counts = countFates(
  cbrStream({ packetsPerSecond: 10_000, endSeconds: 2 }),
  [pathElement({ changes: outage(1, 1.5) })],
);
if (counts.lostPackets !== 5000) throw new Error("5000 packets in 0.5 s");

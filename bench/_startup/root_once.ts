// The same job through the root module, as a notebook user imports it.
import { cbrStream, countFates, outage, pathElement } from "@vnmig/vnmig";

const counts = countFates(
  cbrStream({ packetsPerSecond: 10_000, endSeconds: 2 }),
  [pathElement({ changes: outage(1, 1.5) })],
);
if (counts.lostPackets !== 5000) throw new Error("5000 packets in 0.5 s");

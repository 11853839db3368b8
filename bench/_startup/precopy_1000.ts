// 1000 pre-copy migrations as one process, start-up included: the paper
// testbed's router VM at rates from 10 to 10,000 packets/s.
import { xenStandardMigration } from "@vnmig/vnmig/xen";

let downtime = 0;
for (let i = 0; i < 1000; i++) {
  downtime += xenStandardMigration({ packetsPerSecond: 10 * (i + 1) })
    .downtimeSeconds;
}
if (!(downtime > 0)) throw new Error("every migration has a downtime");

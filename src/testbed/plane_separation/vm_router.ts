/**
 * The router as a real VM: QEMU (TCG) on the VM testbed's guest image
 * (src/testbed/qemu), extended with BIRD 2 (copied with its shared
 * libraries), its configuration and the guest route daemon (psroutes), one
 * NIC per network (dedicated, client, server), migrated live by QEMU's
 * pre-copy from host A's namespace to host B's over the shaped link. Its
 * pause and resume are QEMU's own STOP and RESUME events (QEMU's clock).
 *
 * @module
 */

import type { HostRun } from "../host/run.ts";
import { buildGuestImage, type GuestImage } from "../qemu/image.ts";
import {
  GUEST_READY_LINE,
  guestKernelCommandLine,
} from "../qemu/guest_config.ts";
import { QemuVm } from "../qemu/qemu_vm.ts";
import type { QmpEvent } from "../qemu/qmp.ts";
import { routerConfig } from "./bird.ts";
import type { PlaneSepBinaries } from "./build.ts";
import type { RouterHandle, RouterMigrationRecord } from "./router.ts";
import { ADDRESS_PLAN, type PlaneSepScenario } from "./scenario.ts";
import type { PlaneSepNetwork } from "./topology.ts";

/** The guest's MACs: dedicated, client side, server side (PCI slots 3, 4, 5: eth0, eth1, eth2). */
const MACS = [
  "52:54:00:00:05:03",
  "52:54:00:00:05:01",
  "52:54:00:00:05:02",
] as const;

/** Guest RAM, KiB: 256 MiB - 8 KiB (Debian's QEMU 7.2 corrupts multiples of 256 KiB under TCG). */
export const VM_ROUTER_MEMORY_KIB = 262136;

/** Options of {@linkcode VmRouter.start}. */
export interface VmRouterOptions {
  /** Cache folder of the guest image (kernel package, initramfs). */
  readonly cacheDir: string;
  /** QEMU's downtime limit, s. Default 0.3 (QEMU's default). */
  readonly downtimeLimitSeconds?: number;
  /** Longest a migration may take before it is cancelled, s. Default 120. */
  readonly maxMigrationSeconds?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The router's guest image: the VM testbed's, with BIRD 2, its configuration and the route daemon. */
export function routerImage(
  binaries: PlaneSepBinaries,
  scenario: PlaneSepScenario,
  cacheDir: string,
  log: (line: string) => void = () => {},
): Promise<GuestImage> {
  const plan = ADDRESS_PLAN;
  const [gc, gs] = plan.guestInterfaces;
  return buildGuestImage(cacheDir, {
    extraBinaries: [
      { hostPath: "/usr/sbin/bird" },
      { hostPath: binaries.routes, guestPath: "/bin/psroutes" },
    ],
    extraFiles: [{
      guestPath: "/etc/bird.conf",
      content: routerConfig({
        routerId: plan.clientLan.router,
        interfaceNames: [gc, gs],
        helloSeconds: scenario.helloSeconds,
        deadCount: scenario.deadCount,
      }),
    }],
    initSteps: [
      "mkdir -p /run /var/run /etc",
      "bird -c /etc/bird.conf -s /run/bird.ctl || echo 'vnmig-guest error: bird did not start'",
      "/bin/psroutes >/dev/null 2>&1 &",
    ],
    log,
  });
}

/** The VM router (see the module doc). */
export class VmRouter implements RouterHandle {
  readonly kind = "vm" as const;
  readonly interfacesA: readonly [string, string, string];
  readonly interfacesB: readonly [string, string, string];
  readonly macs: readonly [string, string] = [MACS[1], MACS[2]];
  readonly #run: HostRun;
  readonly #net: PlaneSepNetwork;
  readonly #scenario: PlaneSepScenario;
  #source: QemuVm | undefined;
  #destination: QemuVm | undefined;
  #options: VmRouterOptions = { cacheDir: "" };

  /** A router for `scenario` on `net`, its resources owned by `run`; nothing starts before {@linkcode start}. */
  constructor(run: HostRun, net: PlaneSepNetwork, scenario: PlaneSepScenario) {
    this.#run = run;
    this.#net = net;
    this.#scenario = scenario;
    this.interfacesA = [run.name("tac"), run.name("tas"), run.name("tad")];
    this.interfacesB = [run.name("tbc"), run.name("tbs"), run.name("tbd")];
  }

  /** Builds (or reuses) the image, creates the taps, boots the source and readies the destination. */
  async start(
    binaries: PlaneSepBinaries,
    options: VmRouterOptions,
  ): Promise<void> {
    this.#options = options;
    const run = this.#run;
    const log = options.log ?? (() => {});
    const plan = ADDRESS_PLAN;
    const image = await routerImage(
      binaries,
      this.#scenario,
      options.cacheDir,
      log,
    );
    const commandLine = guestKernelCommandLine({
      interfaces: [
        { mac: MACS[0], ipv4Cidr: `${plan.dedicated.router}/24` },
        { mac: MACS[1], ipv4Cidr: `${plan.clientLan.router}/24` },
        { mac: MACS[2], ipv4Cidr: `${plan.serverLan.router}/24` },
      ],
      forwarding: this.#scenario.mechanism === "xen-standard",
    });
    const taps = async (tag: "a" | "b", names: readonly string[]) => {
      const host = tag === "a" ? this.#net.hostA : this.#net.hostB;
      for (const [i, suffix] of ["c", "s", "d"].entries()) {
        const name = await run.addTap(`t${tag}${suffix}`, {
          namespace: host.namespace,
          master: i === 2 ? host.dedicatedBridge : undefined,
        });
        if (name !== names[i]) {
          throw new Error(`tap name ${name} is not ${names[i]}`);
        }
      }
    };
    await taps("a", this.interfacesA);
    await taps("b", this.interfacesB);
    const nics = (names: readonly string[]) => [
      { tap: names[2], mac: MACS[0] },
      { tap: names[0], mac: MACS[1] },
      { tap: names[1], mac: MACS[2] },
    ];
    const common = {
      image,
      memoryKiB: VM_ROUTER_MEMORY_KIB,
      kernelCommandLine: commandLine,
    };
    log("booting the router VM");
    this.#source = await QemuVm.start(run, this.#net.hostA.namespace, {
      ...common,
      name: "vnmig-router",
      nics: nics(this.interfacesA),
      qmpSocketPath: `${run.dir}/source.qmp`,
      consolePath: `${run.dir}/source-console.log`,
    });
    await this.#source.waitForConsole([GUEST_READY_LINE], 240);
    this.#destination = await QemuVm.start(run, this.#net.hostB.namespace, {
      ...common,
      name: "vnmig-router",
      nics: nics(this.interfacesB),
      qmpSocketPath: `${run.dir}/destination.qmp`,
      consolePath: `${run.dir}/destination-console.log`,
      incoming: true,
    });
    const events = [{ capability: "events", state: true }];
    await this.#destination.qmp.execute("migrate-set-capabilities", {
      capabilities: events,
    });
    await this.#destination.qmp.execute("migrate-incoming", {
      uri: `tcp:${this.#net.hostB.migrationAddress}:4444`,
    });
    await this.#source.qmp.execute("migrate-set-capabilities", {
      capabilities: events,
    });
    await this.#source.qmp.execute("migrate-set-parameters", {
      "downtime-limit": Math.round(
        (options.downtimeLimitSeconds ?? 0.3) * 1000,
      ),
      // The shaped link limits the stream; QEMU's own cap sits above it.
      "max-bandwidth": Math.ceil(this.#scenario.linkBitsPerSecond / 8 * 4),
    });
  }

  async ospfRouteCount(): Promise<number> {
    const out = await this.#run.exec([
      "sh",
      "-c",
      `printf 'dump\\n' | busybox nc -w 1 ${ADDRESS_PLAN.dedicated.router} 7000`,
    ], {
      namespace: this.#net.hostA.namespace,
      allowFailure: true,
      timeoutSeconds: 10,
    });
    return out.stdout.split("\n").filter((l) => l.includes('"proto":12'))
      .length;
  }

  async migrate(hooks: {
    onPause(pauseMs: number): Promise<void>;
    onResume(resumeMs: number): Promise<void>;
  }): Promise<RouterMigrationRecord> {
    const source = this.#source;
    const destination = this.#destination;
    if (source === undefined || destination === undefined) {
      throw new Error("the VM router is not started");
    }
    const signal = this.#run.signal;
    const fromS = source.qmp.events.length;
    const fromD = destination.qmp.events.length;
    // The relay starts buffering as soon as QEMU reports the pause.
    let paused: Promise<void> | undefined;
    const off = source.qmp.onEvent((e: QmpEvent) => {
      if (e.event === "STOP" && paused === undefined) {
        paused = hooks.onPause(e.timestampMs);
      }
    });
    const triggerMs = Date.now();
    await source.qmp.execute("migrate", {
      uri: `tcp:${this.#net.hostB.migrationAddress}:4444`,
    });
    const maxSeconds = this.#options.maxMigrationSeconds ?? 120;
    let stop: QmpEvent;
    try {
      stop = await source.qmp.waitForEvent((e) => e.event === "STOP", {
        fromIndex: fromS,
        timeoutSeconds: maxSeconds,
        signal,
      });
    } catch (error) {
      await source.qmp.execute("migrate_cancel").catch(() => {});
      throw new Error(
        `planesep: the VM's pre-copy did not converge within ${maxSeconds} s (${
          (error as Error).message
        })`,
      );
    } finally {
      off();
    }
    const resume = await destination.qmp.waitForEvent(
      (e) => e.event === "RESUME",
      {
        fromIndex: fromD,
        timeoutSeconds: 60,
        signal,
      },
    );
    await paused;
    await hooks.onResume(resume.timestampMs);
    const passes =
      source.qmp.events.filter((e, i) =>
        i >= fromS && e.event === "MIGRATION_PASS"
      ).length;
    const info = await source.qmp.execute<Record<string, unknown>>(
      "query-migrate",
    ).catch(() => ({}));
    const ram = (info as { ram?: Record<string, number> }).ram ?? {};
    // The source stays paused ("postmigrate"); it goes at teardown.
    void sleep;
    return {
      triggerMs,
      pauseMs: stop.timestampMs,
      resumeMs: resume.timestampMs,
      detail: {
        passes,
        transferredBytes: Number(ram.transferred ?? 0),
        qemuDowntimeMs: Number((info as { downtime?: number }).downtime ?? 0),
        linkSwitchSeconds: 0,
      },
    };
  }
}

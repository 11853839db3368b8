/**
 * What plays the virtual router in a run. {@linkcode NamespaceRouter} is the
 * stand-in: BIRD and the guest route daemon in their own namespace, linked
 * to host A's Domain 0 by veths; its "migration" freezes both processes
 * (SIGSTOP), moves the veths' Domain 0 ends into host B's namespace and
 * thaws them. Nothing is copied: it exercises every Domain 0 step of the
 * mechanism on a real control plane, with a pause of a chosen length, and
 * its results are labelled as the stand-in's.
 *
 * @module
 */

import type { HostRun } from "../host/run.ts";
import { routerConfig } from "./bird.ts";
import type { PlaneSepBinaries } from "./build.ts";
import { ADDRESS_PLAN, type PlaneSepScenario } from "./scenario.ts";
import type { PlaneSepNetwork } from "./topology.ts";
import { macOf } from "./topology.ts";

/** The instants of the router's own migration, wall-clock ms. */
export interface RouterMigrationRecord {
  /** The trigger. */
  readonly triggerMs: number;
  /** The router stopped (QEMU's STOP event; the stand-in's SIGSTOP). */
  readonly pauseMs: number;
  /** The router runs on host B (QEMU's RESUME event; the stand-in's SIGCONT). */
  readonly resumeMs: number;
  /** Mechanism-specific figures (QEMU's rounds, bytes...), flat. */
  readonly detail: Readonly<Record<string, number | string>>;
}

/** A router of a run. */
export interface RouterHandle {
  /** "vm" or "namespace". */
  readonly kind: "vm" | "namespace";
  /** Domain 0 interfaces of the router's client, server and dedicated NICs on host A. */
  readonly interfacesA: readonly [string, string, string];
  /** The same on host B (valid after the resume). */
  readonly interfacesB: readonly [string, string, string];
  /** The router's MACs on its client and server NICs. */
  readonly macs: readonly [string, string];
  /** Whether the router's kernel holds `count` OSPF routes or more. */
  ospfRouteCount(): Promise<number>;
  /**
   * Migrates the router from host A to host B; `onPause` runs as soon as
   * the pause is known (the relay starts buffering then), `onResume` as
   * soon as the resume is.
   */
  migrate(hooks: {
    onPause(pauseMs: number): Promise<void>;
    onResume(resumeMs: number): Promise<void>;
  }): Promise<RouterMigrationRecord>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The namespace stand-in (see the module doc). */
export class NamespaceRouter implements RouterHandle {
  readonly kind = "namespace" as const;
  readonly interfacesA: readonly [string, string, string];
  readonly interfacesB: readonly [string, string, string];
  macs: readonly [string, string] = ["", ""];
  readonly #run: HostRun;
  readonly #net: PlaneSepNetwork;
  readonly #scenario: PlaneSepScenario;
  #namespace = "";
  #pids: number[] = [];

  constructor(run: HostRun, net: PlaneSepNetwork, scenario: PlaneSepScenario) {
    this.#run = run;
    this.#net = net;
    this.#scenario = scenario;
    const names = [run.name("vmc"), run.name("vms"), run.name("vmd")] as const;
    this.interfacesA = names;
    this.interfacesB = names;
  }

  /** Creates the namespace and links, starts BIRD and the route daemon. */
  async start(binaries: PlaneSepBinaries): Promise<void> {
    const run = this.#run;
    const ns = await run.addNamespace("rt");
    this.#namespace = ns;
    await run.exec([
      "sysctl",
      "-qw",
      "net.ipv6.conf.all.disable_ipv6=1",
      "net.ipv6.conf.default.disable_ipv6=1",
      `net.ipv4.ip_forward=${
        this.#scenario.mechanism === "xen-standard" ? 1 : 0
      }`,
    ], { namespace: ns });
    const a = this.#net.hostA;
    const plan = ADDRESS_PLAN;
    const guest = plan.guestInterfaces;
    const addresses = [
      plan.clientLan.router,
      plan.serverLan.router,
      plan.dedicated.router,
    ];
    const suffixes = ["rc", "rs", "rd"];
    for (let i = 0; i < 3; i++) {
      const [inside] = await run.addVethPair(
        suffixes[i],
        ["vmc", "vms", "vmd"][i],
        {
          namespaceA: ns,
          namespaceB: a.namespace,
          masterB: i === 2 ? a.dedicatedBridge : undefined,
        },
      );
      await run.exec(["ip", "-n", ns, "link", "set", inside, "down"]);
      await run.exec(["ip", "-n", ns, "link", "set", inside, "name", guest[i]]);
      await run.exec([
        "ip",
        "-n",
        ns,
        "addr",
        "add",
        `${addresses[i]}/24`,
        "dev",
        guest[i],
      ]);
      await run.exec(["ip", "-n", ns, "link", "set", guest[i], "up"]);
    }
    this.macs = [
      await macOf(run, ns, guest[0]),
      await macOf(run, ns, guest[1]),
    ];
    const conf = `${run.dir}/router.conf`;
    Deno.writeTextFileSync(
      conf,
      routerConfig({
        routerId: plan.clientLan.router,
        interfaceNames: [guest[0], guest[1]],
        helloSeconds: this.#scenario.helloSeconds,
        deadCount: this.#scenario.deadCount,
      }),
    );
    const bird = run.spawn([
      "bird",
      "-f",
      "-c",
      conf,
      "-s",
      `${run.dir}/router.ctl`,
      "-P",
      `${run.dir}/router.pid`,
    ], { namespace: ns, stdout: "null", stderr: "null" });
    const routes = run.spawn([binaries.routes], {
      namespace: ns,
      stdout: "null",
      stderr: "null",
    });
    this.#pids = [bird.pid, routes.pid];
  }

  async #freeze(on: boolean): Promise<void> {
    const guest = ADDRESS_PLAN.guestInterfaces;
    const chains = guest.map((g, i) =>
      `  chain in${i} { type filter hook ingress device "${g}" priority 0; policy drop; }`
    );
    const text = on
      ? `table netdev vnfreeze {\n${chains.join("\n")}\n}\n`
      : "delete table netdev vnfreeze\n";
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", this.#namespace, "nft", "-f", "-"],
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(text));
    await w.close();
    const out = await child.output();
    if (!out.success) {
      throw new Error(
        `freezing the stand-in router failed: ${
          new TextDecoder().decode(out.stderr)
        }`,
      );
    }
  }

  async ospfRouteCount(): Promise<number> {
    const out = await this.#run.exec([
      "ip",
      "-n",
      this.#namespace,
      "route",
      "show",
      "proto",
      "bird",
    ]);
    return out.stdout.split("\n").filter((l) => l.trim() !== "").length;
  }

  async migrate(hooks: {
    onPause(pauseMs: number): Promise<void>;
    onResume(resumeMs: number): Promise<void>;
  }): Promise<RouterMigrationRecord> {
    const run = this.#run;
    const triggerMs = Date.now();
    // Frozen: its processes stopped, and its kernel takes no frame in
    // (without the link events that a link down would give BIRD).
    for (const pid of this.#pids) Deno.kill(pid, "SIGSTOP");
    await this.#freeze(true);
    const pauseMs = Date.now();
    await hooks.onPause(pauseMs);
    await sleep(this.#scenario.standInPauseSeconds * 1000);
    const a = this.#net.hostA;
    const b = this.#net.hostB;
    // The links follow the router to host B; the data NICs stay unbound
    // until the interface binding, the dedicated NIC joins B's bridge.
    for (const [i, dev] of this.interfacesA.entries()) {
      await run.exec([
        "ip",
        "-n",
        a.namespace,
        "link",
        "set",
        dev,
        "netns",
        b.namespace,
      ]);
      if (i === 2) {
        await run.exec([
          "ip",
          "-n",
          b.namespace,
          "link",
          "set",
          dev,
          "master",
          b.dedicatedBridge,
        ]);
      }
      await run.exec(["ip", "-n", b.namespace, "link", "set", dev, "up"]);
    }
    await this.#freeze(false);
    for (const pid of this.#pids) Deno.kill(pid, "SIGCONT");
    const resumeMs = Date.now();
    await hooks.onResume(resumeMs);
    return { triggerMs, pauseMs, resumeMs, detail: {} };
  }
}

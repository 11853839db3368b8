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

/**
 * The namespace stand-in (see the module doc). Its NICs reach the hosts
 * through a "wire" namespace: one bridge per NIC with a port to host A's
 * Domain 0 and one to host B's, of which only the current host's passes
 * frames (an nftables filter), so that the move changes no carrier the
 * router could see (a link event would make BIRD drop its adjacencies,
 * which a VM's NIC never shows).
 */
export class NamespaceRouter implements RouterHandle {
  readonly kind = "namespace" as const;
  readonly interfacesA: readonly [string, string, string];
  readonly interfacesB: readonly [string, string, string];
  macs: readonly [string, string] = ["", ""];
  readonly #run: HostRun;
  readonly #net: PlaneSepNetwork;
  readonly #scenario: PlaneSepScenario;
  #namespace = "";
  #wire = "";
  #wirePorts: { a: string[]; b: string[] } = { a: [], b: [] };
  #pids: number[] = [];
  #switchSeconds = 0;

  /** A router for `scenario` on `net`, its resources owned by `run`; nothing starts before {@linkcode start}. */
  constructor(run: HostRun, net: PlaneSepNetwork, scenario: PlaneSepScenario) {
    this.#run = run;
    this.#net = net;
    this.#scenario = scenario;
    this.interfacesA = [run.name("vac"), run.name("vas"), run.name("vad")];
    this.interfacesB = [run.name("vbc"), run.name("vbs"), run.name("vbd")];
  }

  /** Creates the namespaces and links, starts BIRD and the route daemon. */
  async start(binaries: PlaneSepBinaries): Promise<void> {
    const run = this.#run;
    const ns = await run.addNamespace("rt");
    const wire = await run.addNamespace("rw");
    this.#namespace = ns;
    this.#wire = wire;
    const quiet = [
      "net.ipv6.conf.all.disable_ipv6=1",
      "net.ipv6.conf.default.disable_ipv6=1",
    ];
    await run.exec(["sysctl", "-qw", ...quiet], { namespace: wire });
    await run.exec([
      "sysctl",
      "-qw",
      ...quiet,
      `net.ipv4.ip_forward=${
        this.#scenario.mechanism === "xen-standard" ? 1 : 0
      }`,
    ], { namespace: ns });
    const a = this.#net.hostA;
    const b = this.#net.hostB;
    const plan = ADDRESS_PLAN;
    const guest = plan.guestInterfaces;
    const addresses = [
      plan.clientLan.router,
      plan.serverLan.router,
      plan.dedicated.router,
    ];
    const tags = ["c", "s", "d"];
    for (let i = 0; i < 3; i++) {
      const bridge = await run.addBridge(`rw${tags[i]}`, { namespace: wire });
      // A hub, not a learning switch: a MAC learnt behind host A's port
      // would keep unicast frames going to the blocked port after the move.
      await run.exec([
        "ip",
        "-n",
        wire,
        "link",
        "set",
        bridge,
        "type",
        "bridge",
        "ageing_time",
        "0",
      ]);
      const [inside] = await run.addVethPair(`r${tags[i]}`, `rw${tags[i]}r`, {
        namespaceA: ns,
        namespaceB: wire,
        masterB: bridge,
      });
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
      for (const [h, host] of [["a", a], ["b", b]] as const) {
        const [, port] = await run.addVethPair(
          `v${h}${tags[i]}`,
          `rw${tags[i]}${h}`,
          {
            namespaceA: host.namespace,
            namespaceB: wire,
            masterA: i === 2 ? host.dedicatedBridge : undefined,
            masterB: bridge,
          },
        );
        this.#wirePorts[h].push(port);
      }
    }
    const switchStart = performance.now();
    await this.#wireTo("a");
    this.#switchSeconds = (performance.now() - switchStart) / 1000;
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
    await run.exec(["bird", "-p", "-c", conf]);
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

  /** Lets frames pass between the router and one host only ("none": frozen). */
  async #wireTo(host: "a" | "b" | "none"): Promise<void> {
    const blocked = host === "a"
      ? this.#wirePorts.b
      : host === "b"
      ? this.#wirePorts.a
      : [...this.#wirePorts.a, ...this.#wirePorts.b];
    const set = blocked.map((p) => `"${p}"`).join(", ");
    const text = [
      "table bridge vnwire {",
      "  chain pass {",
      "    type filter hook forward priority 0; policy accept;",
      `    iifname { ${set} } drop`,
      `    oifname { ${set} } drop`,
      "  }",
      "}",
      "",
    ].join("\n");
    const exists = await this.#run.exec(
      [
        "ip",
        "netns",
        "exec",
        this.#wire,
        "nft",
        "list",
        "table",
        "bridge",
        "vnwire",
      ],
      { allowFailure: true },
    );
    await nftApply(
      this.#wire,
      (exists.code === 0 ? "delete table bridge vnwire\n" : "") + text,
    );
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
    const triggerMs = Date.now();
    // Frozen: its processes stopped and no frame passes the wire.
    // The stand-in knows its pause in advance: the relay buffers first.
    for (const pid of this.#pids) Deno.kill(pid, "SIGSTOP");
    const pauseMs = Date.now();
    await hooks.onPause(pauseMs);
    await this.#wireTo("none");
    await sleep(this.#scenario.standInPauseSeconds * 1000);
    await this.#wireTo("b");
    for (const pid of this.#pids) Deno.kill(pid, "SIGCONT");
    const resumeMs = Date.now();
    await hooks.onResume(resumeMs);
    return {
      triggerMs,
      pauseMs,
      resumeMs,
      detail: { linkSwitchSeconds: this.#switchSeconds },
    };
  }
}

/** Applies an nftables ruleset in a namespace. */
export async function nftApply(namespace: string, text: string): Promise<void> {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", namespace, "nft", "-f", "-"],
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
      `nft in ${namespace} failed: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
}

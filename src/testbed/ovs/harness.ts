/**
 * The Open vSwitch harness: a private ovsdb-server and ovs-vswitchd
 * (userspace datapath, `datapath_type=netdev`, no kernel module) in the
 * run's private directory, bridges that speak OpenFlow 1.3 to a controller
 * on 127.0.0.1, veth pairs, and network namespaces for hosts.
 *
 * Every resource is owned by a {@linkcode HostRun} of the shared host
 * layer (`src/testbed/host/`): run-unique names, signal handling installed
 * before anything is created, a state file listing every namespace, link
 * and process as it is made, removal in reverse order on teardown, on
 * SIGINT/SIGTERM/SIGHUP, and by `deno task testbed clean` after a kill -9.
 * What Open vSwitch itself creates is made to be the run's too: each
 * bridge's tap is created (and recorded) by the run before `add-br`, and
 * Open vSwitch attaches to it; the datapath's own tap, `ovs-netdev`, has a
 * fixed name, so one harness runs at a time (a lock beside the registry),
 * and `clean` removes an `ovs-netdev` that no ovs-vswitchd holds.
 *
 * Needs root and the Debian packages openvswitch-switch, iproute2, ethtool.
 *
 * @module
 */

import {
  assertAtLeast,
  assertInteger,
  assertKnownKeys,
} from "../../_validate.ts";
import {
  checkHost,
  type CommandResult,
  DEFAULT_RUN_ROOT,
  type HostAvailability,
  HostRun,
  listRuns,
  runCommand,
} from "../host/mod.ts";
import { linkNames, vswitchdPids } from "./_procs.ts";

const SCHEMA_PATH = "/usr/share/openvswitch/vswitch.ovsschema";

/** The label of Open vSwitch testbed runs in the host registry. */
export const OVS_TESTBED_LABEL = "testbed";
/** The command that removes what killed Open vSwitch testbed runs left. */
export const OVS_CLEAN_COMMAND = "deno task testbed clean";
/** The datapath tap ovs-vswitchd's userspace datapath creates (a fixed name). */
export const OVS_DATAPATH_TAP = "ovs-netdev";

/**
 * Whether this process can run the Open vSwitch testbed: Linux, root, the
 * Open vSwitch binaries and schema, `ip` and `ethtool`, and the right to
 * create a network namespace (tried and removed). Names the package that
 * installs anything missing.
 *
 * @example
 * ```ts ignore
 * import { ovsTestbedAvailability } from "@vnmig/vnmig/testbed";
 * const { available, reason } = await ovsTestbedAvailability();
 * if (!available && reason === "") throw new Error("a refusal names its reason");
 * ```
 */
export async function ovsTestbedAvailability(): Promise<HostAvailability> {
  const host = await checkHost({
    binaries: [
      ...["ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl"].map((
        binary,
      ) => ({ binary, debianPackage: "openvswitch-switch" })),
      { binary: "ethtool", debianPackage: "ethtool" },
    ],
  });
  if (!host.available) return host;
  try {
    await Deno.stat(SCHEMA_PATH);
  } catch {
    return {
      available: false,
      reason:
        `${SCHEMA_PATH} not found; install it with: apt-get install -y --no-install-recommends openvswitch-common`,
    };
  }
  return host;
}

/** A host attached to a switch: a namespace with one veth interface. */
export interface HostAttachment {
  /** Namespace name. */
  readonly namespace: string;
  /** Interface name inside the namespace. */
  readonly interfaceName: string;
  /** The root-namespace end, a port of the bridge. */
  readonly bridgePortName: string;
}

/** Options of {@linkcode OvsHarness.start}. */
export interface OvsHarnessOptions {
  /**
   * Let the datapath cache forwarding decisions (megaflows), as Open vSwitch
   * does by default; default false. Open vSwitch answers a barrier once its
   * OpenFlow tables changed, but updates cached datapath flows a few
   * milliseconds later (more on a busy host), so with the cache a switch
   * may still forward by a replaced or deleted entry after the barrier.
   * Without it (`other_config:flow-limit=0`) every packet is looked up in
   * the tables in force, which is what the OpenFlow barrier promises.
   */
  readonly datapathFlowCache?: boolean;
  /** The host registry's run directory; default {@linkcode DEFAULT_RUN_ROOT}. */
  readonly runRoot?: string;
  /** Exit with 128 + the signal after a signal's teardown; default true (false: the caller's code sees the run fail and decides). */
  readonly exitOnSignal?: boolean;
  /** Keep the run directory (Open vSwitch's logs and database) after teardown; default false. */
  readonly keepRunDir?: boolean;
  /** How long to wait for another harness to finish (one runs at a time), seconds; default 600. */
  readonly lockWaitSeconds?: number;
}

const HARNESS_OPTIONS = [
  "datapathFlowCache",
  "runRoot",
  "exitOnSignal",
  "keepRunDir",
  "lockWaitSeconds",
] as const;

/** Takes the machine-wide Open vSwitch testbed lock, waiting up to `waitSeconds`. */
async function takeOvsLock(
  runRoot: string,
  waitSeconds: number,
): Promise<Deno.FsFile> {
  Deno.mkdirSync(runRoot, { recursive: true, mode: 0o755 });
  const path = `${runRoot}/ovs-testbed.lock`;
  const file = Deno.openSync(path, { create: true, write: true });
  const deadline = performance.now() + waitSeconds * 1000;
  let told = false;
  while (!file.tryLockSync(true)) {
    if (performance.now() > deadline) {
      file.close();
      throw new Error(
        `another Open vSwitch testbed run holds ${path}; waited ${waitSeconds} s (one runs at a time: ovs-vswitchd's datapath tap ${OVS_DATAPATH_TAP} has a fixed name)`,
      );
    }
    if (!told) {
      console.error(
        `waiting for another Open vSwitch testbed run to finish (${path})`,
      );
      told = true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return file;
}

/**
 * Why no Open vSwitch testbed can start now ("" when one can): a running
 * ovs-vswitchd with a userspace datapath holds the tap `ovs-netdev`, and a
 * second one cannot open it (its bridges then get no ports). A vswitchd a
 * killed run left is named with the command that removes it.
 *
 * @example
 * ```ts ignore
 * import { ovsStartBlocker } from "@vnmig/vnmig/testbed";
 * const why = await ovsStartBlocker();
 * if (why !== "" && !why.includes("ovs-vswitchd")) throw new Error();
 * ```
 */
export async function ovsStartBlocker(
  runRoot: string = DEFAULT_RUN_ROOT,
): Promise<string> {
  const running = vswitchdPids();
  if (running.length === 0) return "";
  const runs = await listRuns(runRoot);
  for (const r of runs) {
    if (r.live) continue;
    const left = r.state.resources.find((res) =>
      res.kind === "process" && running.includes(res.pid) &&
      res.command.startsWith("ovs-vswitchd")
    );
    if (left !== undefined && left.kind === "process") {
      return `a killed testbed run (${r.state.namePrefix}, pid ${r.state.owner.pid}) left its ovs-vswitchd running (pid ${left.pid}), which holds the datapath tap ${OVS_DATAPATH_TAP}; remove what it left with: ${r.state.cleanCommand}`;
    }
  }
  if ((await linkNames()).includes(OVS_DATAPATH_TAP)) {
    const live = runs.filter((r) =>
      r.live && r.state.label === OVS_TESTBED_LABEL
    );
    if (live.length > 0) return "";
    return `another ovs-vswitchd (pid ${
      running.join(", ")
    }) runs a userspace datapath (it holds the tap ${OVS_DATAPATH_TAP}); the testbed's own Open vSwitch cannot start beside it: stop it first`;
  }
  return "";
}

/**
 * A private Open vSwitch instance and the network objects built around it,
 * all owned by one {@linkcode HostRun}.
 *
 * @example
 * ```ts ignore
 * import { OvsHarness } from "@vnmig/vnmig/testbed";
 * const harness = await OvsHarness.start();
 * try {
 *   const bridge = await harness.addBridge("b0", { datapathId: 1n, controllerPort: 6653 });
 *   if (!bridge.startsWith(harness.namePrefix)) throw new Error();
 * } finally {
 *   await harness.teardown();
 * }
 * ```
 */
export class OvsHarness {
  /** The host run that owns every resource. */
  readonly host: HostRun;
  readonly #env: Record<string, string>;
  readonly #lock: Deno.FsFile;
  #bridges: string[] = [];
  #teardown: Promise<void> | undefined;

  private constructor(host: HostRun, lock: Deno.FsFile) {
    this.host = host;
    this.#lock = lock;
    this.#env = {
      OVS_RUNDIR: host.dir,
      OVS_DBDIR: host.dir,
      OVS_LOGDIR: host.dir,
      OVS_SYSCONFDIR: host.dir,
      OVS_PKGDATADIR: "/usr/share/openvswitch",
    };
  }

  /**
   * Takes the Open vSwitch testbed lock, starts a host run (signal handling
   * first; killed runs' leftovers are reported with the command that
   * removes them), creates the database and starts ovsdb-server and
   * ovs-vswitchd as recorded processes of the run.
   */
  static async start(options: OvsHarnessOptions = {}): Promise<OvsHarness> {
    assertKnownKeys("OvsHarness.start options", options, HARNESS_OPTIONS);
    const runRoot = options.runRoot ?? DEFAULT_RUN_ROOT;
    const lockWaitSeconds = options.lockWaitSeconds ?? 600;
    assertAtLeast("lockWaitSeconds", lockWaitSeconds);
    const lock = await takeOvsLock(runRoot, lockWaitSeconds);
    let host: HostRun;
    try {
      const blocker = await ovsStartBlocker(runRoot);
      if (blocker !== "") throw new Error(blocker);
      // The host run handles signals (tears down, aborts its signal); the
      // harness exits afterwards itself, once its own cleanup is done too.
      host = await HostRun.start({
        label: OVS_TESTBED_LABEL,
        cleanCommand: OVS_CLEAN_COMMAND,
        runRoot,
        staleLeftovers: "warn",
        exitOnSignal: false,
        keepRunDir: options.keepRunDir ?? false,
      });
    } catch (error) {
      lock.close();
      throw error;
    }
    const harness = new OvsHarness(host, lock);
    if (options.exitOnSignal ?? true) {
      host.signal.addEventListener("abort", () => {
        const reason = String(host.signal.reason ?? "");
        const signal = /SIG(INT|TERM|HUP)/.exec(reason)?.[0];
        if (signal === undefined) return; // a plain teardown, not a signal
        const code = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }[signal]!;
        harness.teardown().finally(() => Deno.exit(code));
      });
    }
    try {
      await harness.#startDaemons(options.datapathFlowCache ?? false);
    } catch (error) {
      await harness.teardown();
      throw error;
    }
    return harness;
  }

  /** The prefix of every name the run gives. */
  get namePrefix(): string {
    return this.host.namePrefix;
  }

  /** The run's private directory (database, sockets, logs). */
  get runDir(): string {
    return this.host.dir;
  }

  /** Aborted when the run is interrupted by a signal or torn down. */
  get signal(): AbortSignal {
    return this.host.signal;
  }

  async #startDaemons(datapathFlowCache: boolean): Promise<void> {
    const dir = this.host.dir;
    const db = `${dir}/conf.db`;
    const sock = `${dir}/db.sock`;
    await runCommand(["ovsdb-tool", "create", db, SCHEMA_PATH]);
    this.#spawnDaemon([
      "ovsdb-server",
      db,
      `--remote=punix:${sock}`,
      `--pidfile=${dir}/ovsdb-server.pid`,
      `--log-file=${dir}/ovsdb-server.log`,
      `--unixctl=${dir}/ovsdb-server.ctl`,
    ]);
    await this.#waitFor(async () => {
      try {
        await Deno.stat(sock);
        return true;
      } catch {
        return false;
      }
    }, "ovsdb-server socket");
    await this.vsctl(["--no-wait", "init"]);
    if (!datapathFlowCache) {
      await this.vsctl([
        "--no-wait",
        "set",
        "Open_vSwitch",
        ".",
        "other_config:flow-limit=0",
      ]);
    }
    this.#spawnDaemon([
      "ovs-vswitchd",
      `unix:${sock}`,
      `--pidfile=${dir}/ovs-vswitchd.pid`,
      `--log-file=${dir}/ovs-vswitchd.log`,
      `--unixctl=${dir}/ovs-vswitchd.ctl`,
    ]);
    // A vsctl command without --no-wait returns once vswitchd has applied it.
    await this.#waitFor(async () => {
      const r = await this.#vsctl(
        ["set", "Open_vSwitch", ".", "other_config:vnmig=1"],
        2,
        true,
      );
      return r.code === 0;
    }, "ovs-vswitchd");
  }

  #spawnDaemon(argv: string[]): void {
    this.host.spawn(argv, {
      env: this.#env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    });
  }

  async #waitFor(
    probe: () => Promise<boolean>,
    what: string,
    timeoutMs = 10_000,
  ): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      this.#checkLive();
      if (await probe()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }

  #checkLive(): void {
    if (this.#teardown !== undefined || this.host.signal.aborted) {
      throw new Error("the Open vSwitch harness is being torn down");
    }
  }

  /** Runs ovs-vsctl against the private database (10 s timeout; throws on failure). */
  vsctl(args: readonly string[]): Promise<CommandResult> {
    return this.#vsctl(args, 10, false);
  }

  #vsctl(
    args: readonly string[],
    timeoutSeconds: number,
    allowFailure: boolean,
  ): Promise<CommandResult> {
    return runCommand(
      [
        "ovs-vsctl",
        `--db=unix:${this.host.dir}/db.sock`,
        `--timeout=${timeoutSeconds}`,
        ...args,
      ],
      { env: this.#env, allowFailure, timeoutSeconds: timeoutSeconds + 5 },
    );
  }

  /**
   * Adds a bridge named for `suffix` on the userspace datapath that speaks
   * OpenFlow 1.3 only, drops what no entry matches (fail-mode secure) and
   * connects to the controller at 127.0.0.1:controllerPort; returns its
   * name. Its tap is the run's: created (and recorded) first, then taken
   * over by Open vSwitch.
   */
  async addBridge(
    suffix: string,
    options: {
      /** The bridge's OpenFlow datapath id. */
      datapathId: bigint;
      /** The controller's TCP port on 127.0.0.1, 1..65535. */
      controllerPort: number;
    },
  ): Promise<string> {
    this.#checkLive();
    assertInteger("controllerPort", options.controllerPort, 1, 65535);
    const name = await this.host.addTap(suffix);
    this.#bridges.push(name);
    await this.vsctl([
      "add-br",
      name,
      "--",
      "set",
      "bridge",
      name,
      "datapath_type=netdev",
      "protocols=OpenFlow13",
      "fail-mode=secure",
      `other-config:datapath-id=${
        options.datapathId.toString(16).padStart(16, "0")
      }`,
      "other-config:disable-in-band=true",
      "--",
      "set-controller",
      name,
      `tcp:127.0.0.1:${options.controllerPort}`,
      "--",
      "set",
      "controller",
      name,
      "max_backoff=1000",
    ]);
    return name;
  }

  /**
   * Creates a veth pair named for the two suffixes (end A in `namespaceA`
   * if given, end B in the root namespace), both up, with IPv6 off and tx
   * checksum offload off (the userspace datapath does not fill checksums
   * in); returns both names.
   */
  async addVethPair(
    suffixA: string,
    suffixB: string,
    options: { readonly namespaceA?: string } = {},
  ): Promise<[string, string]> {
    this.#checkLive();
    const [a, b] = await this.host.addVethPair(suffixA, suffixB, {
      namespaceA: options.namespaceA,
    });
    const ends: [string, string | undefined][] = [
      [a, options.namespaceA],
      [b, undefined],
    ];
    for (const [name, namespace] of ends) {
      // No IPv6 autoconfiguration or MLD noise on the links we count.
      await runCommand(
        ["sysctl", "-q", "-w", `net.ipv6.conf.${name}.disable_ipv6=1`],
        { namespace, allowFailure: true },
      );
      await runCommand(["ethtool", "-K", name, "tx", "off"], {
        namespace,
        allowFailure: true,
      });
    }
    return [a, b];
  }

  /** Adds an existing interface to a bridge with a fixed OpenFlow port number. */
  async addPort(
    bridge: string,
    interfaceName: string,
    ofport: number,
  ): Promise<void> {
    this.#checkLive();
    assertInteger("ofport", ofport, 1, 0xfeff);
    await this.vsctl([
      "add-port",
      bridge,
      interfaceName,
      "--",
      "set",
      "interface",
      interfaceName,
      `ofport_request=${ofport}`,
    ]);
    const got =
      (await this.vsctl(["get", "interface", interfaceName, "ofport"]))
        .stdout.trim();
    if (Number(got) !== ofport) {
      throw new Error(
        `interface ${interfaceName} got OpenFlow port ${got}, not ${ofport}`,
      );
    }
  }

  /**
   * Creates a namespace named for `suffix` holding one end of a new veth
   * pair (suffix + "i"; the other end, suffix + "o", joins `bridge` as port
   * `ofport`), with an IPv4 address, a MAC address and static neighbour
   * entries (no ARP needed).
   */
  async addHost(
    options: {
      /** Name suffix of the namespace (1-8 letters or digits). */
      suffix: string;
      /** The bridge the host's veth joins. */
      bridge: string;
      /** The OpenFlow port number of that veth on the bridge. */
      ofport: number;
      /** The host's IPv4 address. */
      ipv4: string;
      /** Its prefix length. */
      prefixLength: number;
      /** Its MAC address. */
      mac: string;
      /** Other hosts, each given a static neighbour entry and a /32 route. */
      neighbours: readonly { ipv4: string; mac: string }[];
    },
  ): Promise<HostAttachment> {
    this.#checkLive();
    const namespace = await this.host.addNamespace(options.suffix);
    const [inner, outer] = await this.addVethPair(
      `${options.suffix}i`,
      `${options.suffix}o`,
      { namespaceA: namespace },
    );
    const ns = { namespace };
    await runCommand(["ip", "link", "set", inner, "down"], ns);
    await runCommand(["ip", "link", "set", inner, "address", options.mac], ns);
    await runCommand([
      "ip",
      "addr",
      "add",
      `${options.ipv4}/${options.prefixLength}`,
      "dev",
      inner,
    ], ns);
    await runCommand(["ip", "link", "set", inner, "up"], ns);
    for (const n of options.neighbours) {
      await runCommand([
        "ip",
        "neigh",
        "replace",
        n.ipv4,
        "lladdr",
        n.mac,
        "dev",
        inner,
        "nud",
        "permanent",
      ], ns);
      await runCommand(
        ["ip", "route", "replace", `${n.ipv4}/32`, "dev", inner],
        ns,
      );
    }
    await this.addPort(options.bridge, outer, options.ofport);
    return { namespace, interfaceName: inner, bridgePortName: outer };
  }

  /** Packets an interface in the root namespace has transmitted (sysfs counter). */
  async txPackets(interfaceName: string): Promise<number> {
    const text = await Deno.readTextFile(
      `/sys/class/net/${interfaceName}/statistics/tx_packets`,
    );
    return Number(text.trim());
  }

  /** `/proc/net/udp` of a namespace: the sockets there with their queues and drop counters. */
  async procNetUdp(namespace: string): Promise<string> {
    return (await runCommand(["cat", "/proc/net/udp"], { namespace })).stdout;
  }

  /**
   * Deletes the bridges through Open vSwitch (which removes their taps),
   * then tears the host run down (processes, namespaces, links, daemons,
   * run directory, in reverse order) and releases the lock. Every call
   * returns the same promise; it keeps going after individual failures.
   */
  teardown(): Promise<void> {
    this.#teardown ??= this.#teardownOnce();
    return this.#teardown;
  }

  async #teardownOnce(): Promise<void> {
    try {
      if (!this.host.signal.aborted) {
        for (const bridge of [...this.#bridges].reverse()) {
          await this.#vsctl(["--if-exists", "del-br", bridge], 5, true)
            .catch(() => {});
        }
        // Ask ovs-vswitchd to delete its datapath (and the tap ovs-netdev)
        // as it exits; SIGTERM alone may leave them.
        await runCommand([
          "ovs-appctl",
          `--target=${this.host.dir}/ovs-vswitchd.ctl`,
          "exit",
          "--cleanup",
        ], { env: this.#env, allowFailure: true, timeoutSeconds: 5 })
          .catch(() => {});
      }
      await this.host.teardown();
      await removeOrphanDatapathTap();
    } finally {
      this.#lock.close();
    }
  }
}

/**
 * Removes the tap `ovs-netdev` when no ovs-vswitchd runs at all: only a
 * userspace datapath uses it, and one that has ended (killed before it
 * could delete it) has left it. Returns whether it removed it.
 */
export async function removeOrphanDatapathTap(): Promise<boolean> {
  if (vswitchdPids().length > 0) return false;
  if (!(await linkNames()).includes(OVS_DATAPATH_TAP)) return false;
  const r = await runCommand(["ip", "link", "del", OVS_DATAPATH_TAP], {
    allowFailure: true,
  });
  return r.code === 0;
}

/**
 * An Open vSwitch harness: a private ovsdb-server and ovs-vswitchd (userspace
 * datapath, `datapath_type=netdev`, no kernel module) under a private run
 * directory, bridges that speak OpenFlow 1.3 to a controller on 127.0.0.1,
 * veth pairs, and network namespaces for hosts. Everything it creates is
 * recorded and removed by {@linkcode OvsHarness.teardown}, which is safe to
 * call more than once and after a partial setup. It ends only the daemons it
 * started, by their process ids.
 *
 * Needs root and the Debian packages openvswitch-switch, iproute2, ethtool.
 *
 * @module
 */

import { assertInRange, assertInteger } from "../_validate.ts";

const SCHEMA_PATH = "/usr/share/openvswitch/vswitch.ovsschema";

/** The result of a finished command. */
export interface CommandResult {
  /** Exit code. */
  readonly code: number;
  /** Standard output, decoded. */
  readonly stdout: string;
  /** Standard error, decoded. */
  readonly stderr: string;
}

/**
 * Runs a command to completion; throws an Error with its stderr when it
 * fails (unless `allowFailure`).
 *
 * @example
 * ```ts ignore
 * import { runCommand } from "@vnmig/vnmig";
 * console.log((await runCommand(["ip", "netns", "list"])).stdout);
 * ```
 */
export async function runCommand(
  argv: readonly string[],
  options: {
    /** Extra environment variables (default none: the inherited environment). */
    env?: Record<string, string>;
    /** Return a failed command's result instead of throwing (default false). */
    allowFailure?: boolean;
  } = {},
): Promise<CommandResult> {
  const output = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: options.env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const result = {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
  if (result.code !== 0 && !options.allowFailure) {
    throw new Error(
      `command failed (exit ${result.code}): ${
        argv.join(" ")
      }\n${result.stderr.trim()}`,
    );
  }
  return result;
}

/**
 * Whether this process can run the testbed: root, Open vSwitch binaries and
 * the vswitch schema, `ip` and `ethtool`, and the right to create a network
 * namespace (tried and removed). Returns the reason when it cannot.
 *
 * @example
 * ```ts ignore
 * import { testbedAvailability } from "@vnmig/vnmig";
 * const { available, reason } = await testbedAvailability();
 * console.log(available ? "ready" : reason);
 * ```
 */
export async function testbedAvailability(): Promise<
  { available: boolean; reason: string }
> {
  if (Deno.build.os !== "linux") {
    return { available: false, reason: "the testbed needs Linux" };
  }
  if (typeof Deno.uid === "function" && Deno.uid() !== 0) {
    return {
      available: false,
      reason: "the testbed needs root (network namespaces, veths, OVS)",
    };
  }
  for (
    const binary of [
      "ovsdb-tool",
      "ovsdb-server",
      "ovs-vswitchd",
      "ovs-vsctl",
      "ip",
      "ethtool",
    ]
  ) {
    const found = await runCommand(["sh", "-c", `command -v ${binary}`], {
      allowFailure: true,
    });
    if (found.code !== 0) {
      return {
        available: false,
        reason:
          `${binary} not found (install openvswitch-switch, iproute2, ethtool)`,
      };
    }
  }
  try {
    await Deno.stat(SCHEMA_PATH);
  } catch {
    return { available: false, reason: `${SCHEMA_PATH} not found` };
  }
  // Root in a container may still lack the right to make namespaces.
  const probe = `vnmprobe${Deno.pid % 100000}`;
  const made = await runCommand(["ip", "netns", "add", probe], {
    allowFailure: true,
  });
  if (made.code !== 0) {
    return {
      available: false,
      reason: `cannot create a network namespace: ${made.stderr.trim()}`,
    };
  }
  await runCommand(["ip", "netns", "del", probe], { allowFailure: true });
  return { available: true, reason: "" };
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
   * Prefix of every name created (namespaces, veths, bridges); default
   * "vnm" plus a tag from the process id, so runs do not collide.
   */
  readonly namePrefix?: string;
  /** Keep the run directory (logs, database) after teardown; default false. */
  readonly keepRunDir?: boolean;
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
}

/**
 * A private Open vSwitch instance and the network objects built around it.
 *
 * @example
 * ```ts ignore
 * import { OvsHarness } from "@vnmig/vnmig";
 * const harness = await OvsHarness.start();
 * try {
 *   await harness.addBridge("vnmdemo", { datapathId: 1n, controllerPort: 6653 });
 * } finally {
 *   await harness.teardown();
 * }
 * ```
 */
export class OvsHarness {
  /** The private run directory (database, sockets, logs). */
  readonly runDir: string;
  /** The prefix of every created name. */
  readonly namePrefix: string;
  readonly #env: Record<string, string>;
  readonly #keepRunDir: boolean;
  #daemons: Deno.ChildProcess[] = [];
  #namespaces: string[] = [];
  #links: [string, string][] = [];
  #bridges: string[] = [];
  #teardown: Promise<void> | undefined;

  private constructor(runDir: string, namePrefix: string, keep: boolean) {
    this.runDir = runDir;
    this.namePrefix = namePrefix;
    this.#keepRunDir = keep;
    this.#env = {
      OVS_RUNDIR: runDir,
      OVS_DBDIR: runDir,
      OVS_LOGDIR: runDir,
      OVS_SYSCONFDIR: runDir,
      OVS_PKGDATADIR: "/usr/share/openvswitch",
    };
  }

  /**
   * Creates the run directory and the database, then starts ovsdb-server
   * and ovs-vswitchd as children of this process.
   */
  static async start(options: OvsHarnessOptions = {}): Promise<OvsHarness> {
    const prefix = options.namePrefix ??
      `vnm${(Deno.pid % 1296).toString(36)}`;
    if (!/^[a-z][a-z0-9]{0,6}$/.test(prefix)) {
      throw new RangeError(
        `namePrefix must be 1-7 lower-case letters or digits, starting with a letter; got ${
          JSON.stringify(prefix)
        }`,
      );
    }
    const runDir = await Deno.makeTempDir({ prefix: "vnmig-ovs-" });
    const harness = new OvsHarness(runDir, prefix, options.keepRunDir ?? false);
    try {
      await harness.#startDaemons(options.datapathFlowCache ?? false);
    } catch (error) {
      await harness.teardown();
      throw error;
    }
    return harness;
  }

  async #startDaemons(datapathFlowCache: boolean): Promise<void> {
    const db = `${this.runDir}/conf.db`;
    const sock = `${this.runDir}/db.sock`;
    await runCommand(["ovsdb-tool", "create", db, SCHEMA_PATH]);
    this.#spawnDaemon([
      "ovsdb-server",
      db,
      `--remote=punix:${sock}`,
      `--pidfile=${this.runDir}/ovsdb-server.pid`,
      `--log-file=${this.runDir}/ovsdb-server.log`,
      `--unixctl=${this.runDir}/ovsdb-server.ctl`,
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
      `--pidfile=${this.runDir}/ovs-vswitchd.pid`,
      `--log-file=${this.runDir}/ovs-vswitchd.log`,
      `--unixctl=${this.runDir}/ovs-vswitchd.ctl`,
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
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      env: this.#env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    this.#daemons.push(child);
  }

  async #waitFor(
    probe: () => Promise<boolean>,
    what: string,
    timeoutMs = 10_000,
  ): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (await probe()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }

  #checkLive(): void {
    if (this.#teardown !== undefined) {
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
        `--db=unix:${this.runDir}/db.sock`,
        `--timeout=${timeoutSeconds}`,
        ...args,
      ],
      { env: this.#env, allowFailure },
    );
  }

  /**
   * Adds a bridge on the userspace datapath that speaks OpenFlow 1.3 only,
   * drops what no entry matches (fail-mode secure) and connects to the
   * controller at 127.0.0.1:controllerPort.
   */
  async addBridge(
    name: string,
    options: {
      /** The bridge's OpenFlow datapath id. */
      datapathId: bigint;
      /** The controller's TCP port on 127.0.0.1, 1..65535. */
      controllerPort: number;
    },
  ): Promise<void> {
    this.#checkLive();
    assertInteger("controllerPort", options.controllerPort, 1);
    assertInRange("controllerPort", options.controllerPort, 1, 65535);
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
  }

  /** Creates a veth pair in the root namespace; both ends up, IPv6 off, tx checksum offload off. */
  async addVethPair(a: string, b: string): Promise<void> {
    this.#checkLive();
    for (const n of [a, b]) {
      if (n.length > 15) {
        throw new RangeError(
          `interface name must be at most 15 characters; got ${
            JSON.stringify(n)
          }`,
        );
      }
    }
    await runCommand([
      "ip",
      "link",
      "add",
      a,
      "type",
      "veth",
      "peer",
      "name",
      b,
    ]);
    this.#links.push([a, b]);
    for (const n of [a, b]) {
      // No IPv6 autoconfiguration or MLD noise on the links we count.
      await runCommand(
        ["sysctl", "-q", "-w", `net.ipv6.conf.${n}.disable_ipv6=1`],
        { allowFailure: true },
      );
      await runCommand(["ethtool", "-K", n, "tx", "off"], {
        allowFailure: true,
      });
      await runCommand(["ip", "link", "set", n, "up"]);
    }
  }

  /** Adds an existing interface to a bridge with a fixed OpenFlow port number. */
  async addPort(
    bridge: string,
    interfaceName: string,
    ofport: number,
  ): Promise<void> {
    this.#checkLive();
    assertInteger("ofport", ofport, 1);
    assertInRange("ofport", ofport, 1, 0xfeff);
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
   * Creates a namespace holding one end of a new veth pair, with an IPv4
   * address, a MAC address and static neighbour entries (no ARP needed);
   * the other end is added to `bridge` as port `ofport`.
   */
  async addHost(
    options: {
      /** Namespace name; its veth ends are named after it, plus "i" and "o". */
      namespace: string;
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
    const { namespace } = options;
    await runCommand(["ip", "netns", "add", namespace]);
    this.#namespaces.push(namespace);
    const inner = `${namespace}i`.slice(-15);
    const outer = `${namespace}o`.slice(-15);
    await this.addVethPair(inner, outer);
    await runCommand(["ip", "link", "set", inner, "netns", namespace]);
    const ns = ["ip", "netns", "exec", namespace];
    await runCommand([...ns, "ip", "link", "set", "lo", "up"]);
    await runCommand([
      ...ns,
      "ip",
      "link",
      "set",
      inner,
      "address",
      options.mac,
    ]);
    await runCommand([
      ...ns,
      "ip",
      "addr",
      "add",
      `${options.ipv4}/${options.prefixLength}`,
      "dev",
      inner,
    ]);
    await runCommand([...ns, "ethtool", "-K", inner, "tx", "off"], {
      allowFailure: true,
    });
    await runCommand([...ns, "ip", "link", "set", inner, "up"]);
    for (const n of options.neighbours) {
      await runCommand([
        ...ns,
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
      ]);
      await runCommand([
        ...ns,
        "ip",
        "route",
        "replace",
        `${n.ipv4}/32`,
        "dev",
        inner,
      ]);
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

  /**
   * Removes the bridges, veths and namespaces created, stops the daemons
   * (by their process ids) and deletes the run directory. Every call
   * returns the same promise; it keeps going after individual failures.
   */
  teardown(): Promise<void> {
    this.#teardown ??= this.#teardownOnce();
    return this.#teardown;
  }

  async #teardownOnce(): Promise<void> {
    for (const bridge of this.#bridges.reverse()) {
      await this.#vsctl(["--if-exists", "del-br", bridge], 5, true);
    }
    for (const [a, b] of this.#links) {
      // Deleting either end deletes the pair; one end may be in a namespace.
      const r = await runCommand(["ip", "link", "del", a], {
        allowFailure: true,
      });
      if (r.code !== 0) {
        await runCommand(["ip", "link", "del", b], { allowFailure: true });
      }
    }
    for (const ns of this.#namespaces) {
      await runCommand(["ip", "netns", "del", ns], { allowFailure: true });
    }
    for (const child of this.#daemons.reverse()) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Already gone.
        }
      }, 3000);
      await child.status;
      clearTimeout(timer);
    }
    if (!this.#keepRunDir) {
      await Deno.remove(this.runDir, { recursive: true }).catch(() => {});
    }
  }
}

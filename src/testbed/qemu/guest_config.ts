/**
 * The guest's run-time configuration (addresses, neighbours, routes,
 * forwarding, the dirtier) travels on the kernel command line, so that one
 * cached image serves every run; {@linkcode guestInitScript} is the /init
 * that reads it. Both are pure.
 *
 * @module
 */

import {
  assertInRange,
  assertInteger,
  assertKnownKeys,
} from "../../_validate.ts";

/** A guest network interface, found by its MAC address. */
export interface GuestInterface {
  /** MAC address, lower-case ("52:54:00:00:01:01"). */
  readonly mac: string;
  /** IPv4 address with prefix ("10.1.0.254/24"). */
  readonly ipv4Cidr: string;
}

/** A permanent neighbour entry (no ARP during the run). */
export interface GuestNeighbour {
  /** MAC of the guest interface it is on. */
  readonly interfaceMac: string;
  /** The neighbour's IPv4 address. */
  readonly ipv4: string;
  /** The neighbour's MAC address. */
  readonly mac: string;
}

/** A static route. */
export interface GuestRoute {
  /** Destination with prefix ("10.3.0.0/24"). */
  readonly destinationCidr: string;
  /** Gateway IPv4 address. */
  readonly gateway: string;
}

/** Memory-dirtying patterns of the guest's dirtier. */
export type DirtyPattern = "rr" | "random";

/** The guest's memory dirtier: a static C program (guest/dirtier.c). */
export interface DirtierConfig {
  /** Pages written per second (1 .. 1e7). */
  readonly pagesPerSecond: number;
  /** Working set, 4 KiB pages (1 .. 4194304; it must fit the guest's memory). */
  readonly workingSetPages: number;
  /** "rr": round-robin sweep over the working set; "random": uniform random pages. Default "rr". */
  readonly pattern?: DirtyPattern;
  /** Seed of the random pattern (integer >= 0). Default 0. */
  readonly seed?: number;
}

/** Everything the guest's /init sets up at boot. */
export interface GuestConfig {
  /** Interfaces to configure, by MAC. */
  readonly interfaces: readonly GuestInterface[];
  /** Permanent neighbour entries; default none. */
  readonly neighbours?: readonly GuestNeighbour[];
  /** Static routes; default none. */
  readonly routes?: readonly GuestRoute[];
  /** Forward IPv4 between interfaces (a router); default true. */
  readonly forwarding?: boolean;
  /** Start the dirtier; default none (an idle router). */
  readonly dirtier?: DirtierConfig;
  /** Extra `vnmig.KEY=VALUE` parameters for an image's extra init steps (read them with `vnmig_param KEY`); default none. */
  readonly extra?: Readonly<Record<string, string>>;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function checkMac(name: string, value: string): void {
  if (!MAC.test(value)) {
    throw new RangeError(
      `${name} must be a lower-case MAC address like 52:54:00:00:01:01; got ${
        JSON.stringify(value)
      }`,
    );
  }
}

function checkIpv4(name: string, value: string): void {
  if (!IPV4.test(value)) {
    throw new RangeError(
      `${name} must be an IPv4 address; got ${JSON.stringify(value)}`,
    );
  }
}

function checkCidr(name: string, value: string): void {
  const [ip, prefix, ...rest] = value.split("/");
  if (
    rest.length > 0 || prefix === undefined || !/^\d{1,2}$/.test(prefix) ||
    Number(prefix) > 32
  ) {
    throw new RangeError(
      `${name} must be IPv4/prefix (0..32); got ${JSON.stringify(value)}`,
    );
  }
  checkIpv4(name, ip);
}

/** Checks a dirtier configuration (throws RangeError naming the field). */
export function checkDirtier(d: DirtierConfig, name = "dirtier"): void {
  assertKnownKeys(name, d, [
    "pagesPerSecond",
    "workingSetPages",
    "pattern",
    "seed",
  ]);
  assertInRange(`${name}.pagesPerSecond`, d.pagesPerSecond, 1, 1e7);
  assertInteger(`${name}.workingSetPages`, d.workingSetPages, 1);
  assertInRange(`${name}.workingSetPages`, d.workingSetPages, 1, 1 << 22);
  const pattern = d.pattern ?? "rr";
  if (pattern !== "rr" && pattern !== "random") {
    throw new RangeError(
      `${name}.pattern must be one of "rr", "random"; got ${
        JSON.stringify(pattern)
      }`,
    );
  }
  assertInteger(`${name}.seed`, d.seed ?? 0);
}

/**
 * The kernel command line that configures the guest: console on the first
 * serial port, quiet, then one `vnmig.*` parameter per setting.
 *
 * @example
 * ```ts
 * import { guestKernelCommandLine } from "@vnmig/vnmig/testbed/qemu";
 * const line = guestKernelCommandLine({
 *   interfaces: [{ mac: "52:54:00:00:01:01", ipv4Cidr: "10.1.0.254/24" }],
 *   dirtier: { pagesPerSecond: 2000, workingSetPages: 16384 },
 * });
 * if (!line.includes("vnmig.if=52:54:00:00:01:01,10.1.0.254/24") || !line.includes("vnmig.dirty=2000,16384,rr,0")) {
 *   throw new Error(line);
 * }
 * ```
 */
export function guestKernelCommandLine(config: GuestConfig): string {
  assertKnownKeys("guest", config, [
    "interfaces",
    "neighbours",
    "routes",
    "forwarding",
    "dirtier",
    "extra",
  ]);
  const parts = ["console=ttyS0", "quiet", "loglevel=3", "panic=-1"];
  if (config.interfaces.length === 0) {
    throw new RangeError("guest.interfaces must list at least one interface");
  }
  const macs = new Set<string>();
  config.interfaces.forEach((i, k) => {
    checkMac(`guest.interfaces[${k}].mac`, i.mac);
    checkCidr(`guest.interfaces[${k}].ipv4Cidr`, i.ipv4Cidr);
    macs.add(i.mac);
    parts.push(`vnmig.if=${i.mac},${i.ipv4Cidr}`);
  });
  (config.neighbours ?? []).forEach((n, k) => {
    checkMac(`guest.neighbours[${k}].interfaceMac`, n.interfaceMac);
    if (!macs.has(n.interfaceMac)) {
      throw new RangeError(
        `guest.neighbours[${k}].interfaceMac must be one of the interfaces' MACs (${
          [...macs].join(", ")
        }); got ${n.interfaceMac}`,
      );
    }
    checkIpv4(`guest.neighbours[${k}].ipv4`, n.ipv4);
    checkMac(`guest.neighbours[${k}].mac`, n.mac);
    parts.push(`vnmig.neigh=${n.interfaceMac},${n.ipv4},${n.mac}`);
  });
  (config.routes ?? []).forEach((r, k) => {
    checkCidr(`guest.routes[${k}].destinationCidr`, r.destinationCidr);
    checkIpv4(`guest.routes[${k}].gateway`, r.gateway);
    parts.push(`vnmig.route=${r.destinationCidr},${r.gateway}`);
  });
  if (config.forwarding ?? true) parts.push("vnmig.forward=1");
  if (config.dirtier !== undefined) {
    const d = config.dirtier;
    checkDirtier(d, "guest.dirtier");
    parts.push(
      `vnmig.dirty=${d.pagesPerSecond},${d.workingSetPages},${
        d.pattern ?? "rr"
      },${d.seed ?? 0}`,
    );
  }
  for (const [key, value] of Object.entries(config.extra ?? {})) {
    if (
      !/^[a-z][a-z0-9_]{0,31}$/.test(key) ||
      ["if", "neigh", "route", "forward", "dirty"].includes(key)
    ) {
      throw new RangeError(
        `guest.extra key must be 1-32 lower-case letters, digits or _ and not a built-in name; got ${
          JSON.stringify(key)
        }`,
      );
    }
    if (!/^[A-Za-z0-9_.,:/=+-]*$/.test(value)) {
      throw new RangeError(
        `guest.extra.${key} must hold only letters, digits and _.,:/=+-; got ${
          JSON.stringify(value)
        }`,
      );
    }
    parts.push(`vnmig.${key}=${value}`);
  }
  const line = parts.join(" ");
  if (line.length > 2000) {
    throw new RangeError(
      `the guest's kernel command line must be at most 2000 characters; got ${line.length}`,
    );
  }
  return line;
}

/** Line the guest prints on its console when its network is configured and its extra steps ran. */
export const GUEST_READY_LINE = "vnmig-guest-ready";
/** Line the dirtier prints once its working set is filled. */
export const DIRTIER_READY_LINE = "vnmig-dirtier ready";

/**
 * The guest's /init (busybox sh): mounts, loads `modules` in order, applies
 * the `vnmig.*` kernel parameters, runs `extraSteps`, starts the dirtier if
 * asked, prints {@linkcode GUEST_READY_LINE}, then idles. Extra steps can
 * read their own parameters with `vnmig_param KEY` and find an interface by
 * MAC with `vnmig_if_by_mac MAC`.
 *
 * @example
 * ```ts
 * import { guestInitScript } from "@vnmig/vnmig/testbed/qemu";
 * const init = guestInitScript(["virtio", "virtio_net"], ["echo hello"]);
 * if (!init.startsWith("#!/bin/busybox sh") || !init.includes("for m in virtio virtio_net; do")) throw new Error();
 * if (init.indexOf("echo hello") > init.indexOf("vnmig-guest-ready")) throw new Error("extra steps run before ready");
 * ```
 */
export function guestInitScript(
  modules: readonly string[],
  extraSteps: readonly string[] = [],
): string {
  return `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /var/run /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
exec </dev/console >/dev/console 2>&1
for m in ${modules.join(" ")}; do
  insmod /lib/modules/$m.ko || echo "vnmig-guest error: insmod $m"
done
vnmig_param() {
  for a in $(cat /proc/cmdline); do
    case "$a" in "vnmig.$1="*) echo "\${a#vnmig.$1=}"; return 0 ;; esac
  done
  return 1
}
vnmig_if_by_mac() {
  for d in /sys/class/net/*; do
    if [ "$(cat $d/address)" = "$1" ]; then basename $d; return 0; fi
  done
  return 1
}
ip link set lo up
# Interfaces first (their drivers may still be probing), then the rest.
for a in $(cat /proc/cmdline); do
  case "$a" in
  vnmig.if=*)
    v=\${a#vnmig.if=}; mac=\${v%%,*}; cidr=\${v#*,}
    n=0
    until i=$(vnmig_if_by_mac $mac); do
      n=$((n + 1)); [ $n -gt 100 ] && { echo "vnmig-guest error: no interface $mac"; break; }
      sleep 0.1
    done
    ip addr add $cidr dev $i && ip link set $i up
    # One unsolicited ARP, so that the switches learn where the guest is.
    arping -U -c 1 -I $i \${cidr%/*} >/dev/null 2>&1 &
    ;;
  esac
done
dirty=""
for a in $(cat /proc/cmdline); do
  case "$a" in
  vnmig.neigh=*)
    v=\${a#vnmig.neigh=}; mac=\${v%%,*}; v=\${v#*,}; ip4=\${v%%,*}; ll=\${v#*,}
    ip neigh replace $ip4 lladdr $ll dev $(vnmig_if_by_mac $mac) nud permanent
    ;;
  vnmig.route=*)
    v=\${a#vnmig.route=}; ip route add \${v%%,*} via \${v#*,}
    ;;
  vnmig.forward=1)
    echo 1 > /proc/sys/net/ipv4/ip_forward
    ;;
  vnmig.dirty=*)
    dirty=\${a#vnmig.dirty=}
    ;;
  esac
done
${extraSteps.join("\n")}
if [ -n "$dirty" ]; then
  /bin/vnmig-dirtier $(echo $dirty | tr , ' ') &
fi
echo ${GUEST_READY_LINE}
while :; do sleep 3600; done
`;
}

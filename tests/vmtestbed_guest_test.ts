// The guest image's pure parts and the QMP client, without root or QEMU:
// the initramfs archive (checked against cpio(1) where it is installed),
// kernel module order and dependencies, ldd parsing, the guest's kernel
// command line and /init, the dirtier's argument checks, and QMP over a
// fake QEMU on a unix socket.
import {
  deepStrictEqual,
  ok,
  rejects,
  strictEqual,
  throws,
} from "node:assert/strict";
import { cpioArchive } from "../src/testbed/qemu/_cpio.ts";
import {
  moduleDepends,
  moduleLoadOrder,
  parseLdd,
} from "../src/testbed/qemu/_modules.ts";
import {
  guestInitScript,
  guestKernelCommandLine,
} from "../src/testbed/qemu/guest_config.ts";
import { qemuArgv } from "../src/testbed/qemu/qemu_vm.ts";
import { QmpClient, QmpError } from "../src/testbed/qemu/qmp.ts";
import {
  compareRamPages,
  countNonZeroPages,
  PAGE_BYTES,
} from "../src/testbed/qemu/ram.ts";
import { dirtierRateFromConsole } from "../src/testbed/qemu/run.ts";
import { testUnless } from "./_skip.ts";

async function have(binary: string): Promise<boolean> {
  return (await new Deno.Command("sh", {
    args: ["-c", `command -v ${binary}`],
    stdout: "null",
  }).output()).success;
}

Deno.test("cpio: the archive lists, in order, what was put in, with types and sizes (cpio -t agrees)", async () => {
  const data = new TextEncoder().encode("hello\n");
  const archive = cpioArchive([
    { kind: "dir", path: "bin" },
    { kind: "file", path: "bin/hello", data, mode: 0o755 },
    { kind: "symlink", path: "bin/sh", target: "busybox" },
    { kind: "chardev", path: "console", major: 5, minor: 1 },
  ]);
  const text = new TextDecoder().decode(archive);
  strictEqual(text.slice(0, 6), "070701");
  ok(text.includes("TRAILER!!!"));
  strictEqual(archive.length % 4, 0);
  // The file's header: mode 0o100755, size 6.
  const at = text.indexOf("bin/hello") - 110;
  strictEqual(parseInt(text.slice(at + 14, at + 22), 16), 0o100755);
  strictEqual(parseInt(text.slice(at + 54, at + 62), 16), 6);
  throws(() => cpioArchive([{ kind: "dir", path: "/abs" }]), /relative/);
  throws(
    () => cpioArchive([{ kind: "dir", path: "a" }, { kind: "dir", path: "a" }]),
    /unique/,
  );
  if (await have("cpio")) {
    const child = new Deno.Command("cpio", {
      args: ["-itv", "--quiet"],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(archive);
    await writer.close();
    const listing = new TextDecoder().decode((await child.output()).stdout)
      .trim().split("\n");
    deepStrictEqual(
      listing.map((l) =>
        l.split(/\s+/).at(-1) === "busybox" ? "bin/sh" : l.split(/\s+/).at(-1)
      ),
      [
        "bin",
        "bin/hello",
        "bin/sh",
        "console",
      ],
    );
    ok(
      listing[1].startsWith("-rwxr-xr-x") && listing[3].startsWith("c"),
      listing.join("\n"),
    );
  } else {
    console.log("cpio not installed: the cross-check with cpio -t was skipped");
  }
});

Deno.test("modules: depends= from .modinfo, load order after dependencies, missing and cyclic modules", () => {
  const ko = new TextEncoder().encode(
    "\0\x7fELF...\0license=GPL\0depends=virtio_ring,net-failover\0vermagic=6.1\0",
  );
  deepStrictEqual(moduleDepends(ko), ["virtio_ring", "net_failover"]);
  deepStrictEqual(moduleDepends(new TextEncoder().encode("\0depends=\0")), []);
  // "xdepends=" inside another string is not the key.
  deepStrictEqual(
    moduleDepends(new TextEncoder().encode("\0notdepends=a\0")),
    [],
  );
  const deps: Record<string, string[]> = {
    virtio_net: ["virtio_ring", "virtio", "net_failover"],
    virtio_pci: ["virtio_ring", "virtio"],
    virtio: ["virtio_ring"],
    virtio_ring: [],
    net_failover: ["failover"],
    failover: [],
  };
  deepStrictEqual(
    moduleLoadOrder(["virtio_pci", "virtio_net"], (m) => deps[m]),
    [
      "virtio_ring",
      "virtio",
      "virtio_pci",
      "failover",
      "net_failover",
      "virtio_net",
    ],
  );
  throws(
    () => moduleLoadOrder(["virtio_net", "bird"], (m) => deps[m]),
    /bird.*not found/,
  );
  throws(
    () =>
      moduleLoadOrder(
        ["a"],
        (m) => ({ a: ["b"], b: ["a"] } as Record<string, string[]>)[m],
      ),
    /cycle/,
  );
});

Deno.test("ldd: library paths and the loader; static binaries have none; a missing library is an error", () => {
  const text = `\tlinux-vdso.so.1 (0x00007ffd)
\tlibreadline.so.8 => /lib/x86_64-linux-gnu/libreadline.so.8 (0x00007f1)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f3)`;
  deepStrictEqual(parseLdd(text), [
    "/lib/x86_64-linux-gnu/libreadline.so.8",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/ld-linux-x86-64.so.2",
  ]);
  deepStrictEqual(parseLdd("\tnot a dynamic executable"), []);
  throws(() => parseLdd("\tlibfoo.so.1 => not found"), /libfoo/);
});

Deno.test("guest: command line and /init carry the configuration; bad values are named", () => {
  const line = guestKernelCommandLine({
    interfaces: [{ mac: "52:54:00:00:01:fe", ipv4Cidr: "10.1.0.254/24" }],
    neighbours: [{
      interfaceMac: "52:54:00:00:01:fe",
      ipv4: "10.1.0.1",
      mac: "02:00:00:00:01:01",
    }],
    routes: [{ destinationCidr: "10.3.0.0/16", gateway: "10.1.0.1" }],
    dirtier: {
      pagesPerSecond: 2000,
      workingSetPages: 16384,
      pattern: "random",
      seed: 7,
    },
    extra: { routes: "100" },
  });
  for (
    const part of [
      "console=ttyS0",
      "vnmig.if=52:54:00:00:01:fe,10.1.0.254/24",
      "vnmig.neigh=52:54:00:00:01:fe,10.1.0.1,02:00:00:00:01:01",
      "vnmig.route=10.3.0.0/16,10.1.0.1",
      "vnmig.forward=1",
      "vnmig.dirty=2000,16384,random,7",
      "vnmig.routes=100",
    ]
  ) ok(line.split(" ").includes(part), `${part} in ${line}`);
  const iface = [{ mac: "52:54:00:00:01:fe", ipv4Cidr: "10.1.0.254/24" }];
  throws(() => guestKernelCommandLine({ interfaces: [] }), /at least one/);
  throws(
    () =>
      guestKernelCommandLine({
        interfaces: [{ mac: "52:54:00:00:01:FE", ipv4Cidr: "10.1.0.254/24" }],
      }),
    /mac/,
  );
  throws(
    () =>
      guestKernelCommandLine({
        interfaces: [{ mac: "52:54:00:00:01:fe", ipv4Cidr: "10.1.0.256/24" }],
      }),
    /ipv4Cidr/,
  );
  throws(
    () =>
      guestKernelCommandLine({
        interfaces: iface,
        neighbours: [{
          interfaceMac: "52:54:00:00:09:09",
          ipv4: "10.1.0.1",
          mac: "02:00:00:00:01:01",
        }],
      }),
    /one of the interfaces/,
  );
  throws(
    () =>
      guestKernelCommandLine({
        interfaces: iface,
        dirtier: { pagesPerSecond: 0, workingSetPages: 1 },
      }),
    /pagesPerSecond/,
  );
  throws(
    () => guestKernelCommandLine({ interfaces: iface, extra: { dirty: "1" } }),
    /built-in/,
  );
  throws(
    () => guestKernelCommandLine({ interfaces: iface, extra: { x: "a b" } }),
    /only letters/,
  );
  throws(
    () =>
      guestKernelCommandLine({ interfaces: iface, forwrding: true } as never),
    /forwarding/,
  );
  const init = guestInitScript(["virtio_ring", "virtio"], [
    "bird -c /etc/bird.conf",
  ]);
  ok(
    init.indexOf("insmod") < init.indexOf("vnmig.if=") &&
      init.indexOf("bird -c") < init.indexOf("vnmig-guest-ready"),
  );
  ok(init.includes("for m in virtio_ring virtio; do"));
});

Deno.test("qemu argv: same command line on both sides but -incoming, NICs in fixed PCI slots", () => {
  const base = {
    image: { kernelPath: "/k", initrdPath: "/i" },
    memoryKiB: 262136,
    kernelCommandLine: "console=ttyS0",
    nics: [{ tap: "t0", mac: "52:54:00:00:01:fe" }, {
      tap: "t1",
      mac: "52:54:00:00:02:fe",
    }],
    qmpSocketPath: "/q",
    consolePath: "/c",
  };
  const src = qemuArgv(base);
  const dst = qemuArgv({ ...base, incoming: true, startPaused: true });
  deepStrictEqual(dst.slice(0, src.length), src);
  deepStrictEqual(dst.slice(src.length), ["-incoming", "defer", "-S"]);
  ok(
    src.join(" ").includes(
      "virtio-net-pci,netdev=n1,mac=52:54:00:00:02:fe,addr=0x4",
    ),
  );
});

Deno.test("ram: non-zero pages and differing pages, page by page", () => {
  const a = new Uint8Array(5 * PAGE_BYTES);
  strictEqual(countNonZeroPages(a), 0);
  a[0] = 1;
  a[4 * PAGE_BYTES + PAGE_BYTES - 1] = 1;
  strictEqual(countNonZeroPages(a), 2);
  // An unaligned view takes the byte path and agrees.
  const unaligned = new Uint8Array(a.length + 1);
  unaligned.set(a, 1);
  strictEqual(countNonZeroPages(unaligned.subarray(1)), 2);
  const b = a.slice();
  b[2 * PAGE_BYTES + 5] = 9;
  b[3 * PAGE_BYTES] = 9;
  deepStrictEqual(compareRamPages(a, b), {
    pages: 5,
    differingPages: 2,
    firstDifferingPages: [2, 3],
  });
  throws(() => compareRamPages(a, b.subarray(1)), /same size/);
});

Deno.test("dirtier progress lines give its achieved rate", () => {
  const text =
    "vnmig-dirtier ready\nvnmig-dirtier written=2000 elapsed_seconds=1.000\nnoise\nvnmig-dirtier written=8000 elapsed_seconds=4.000\n";
  strictEqual(dirtierRateFromConsole(text), 2000);
  strictEqual(
    dirtierRateFromConsole("vnmig-dirtier written=5 elapsed_seconds=1.0"),
    null,
  );
});

testUnless(
  (await have("gcc"))
    ? undefined
    : "needs gcc (the guest's dirtier is a static C program)",
  {
    name:
      "dirtier: compiles statically, checks its arguments, fills its working set before it says ready",
    fn: async () => {
      const dir = Deno.makeTempDirSync();
      const source =
        new URL("../src/testbed/qemu/guest/dirtier.c", import.meta.url)
          .pathname;
      const cc = await new Deno.Command("gcc", {
        args: ["-static", "-O2", "-Wall", "-Werror", "-o", `${dir}/d`, source],
      }).output();
      ok(cc.success, new TextDecoder().decode(cc.stderr));
      for (
        const args of [["0", "10", "rr", "1"], ["10", "10", "zigzag", "1"], [
          "10",
          "-1",
          "rr",
          "1",
        ], ["10", "10", "rr"]]
      ) {
        const r = await new Deno.Command(`${dir}/d`, { args, stderr: "piped" })
          .output();
        strictEqual(r.code, 2, args.join(" "));
      }
      const child = new Deno.Command(`${dir}/d`, {
        args: ["1000", "256", "random", "3"],
        stdout: "piped",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      const { value } = await reader.read();
      ok(
        value?.startsWith(
          "vnmig-dirtier ready pages_per_second=1000 working_set_pages=256 pattern=random seed=3",
        ),
        value,
      );
      child.kill("SIGKILL");
      await child.status;
      reader.releaseLock();
      await child.stdout.cancel().catch(() => {});
      Deno.removeSync(dir, { recursive: true });
    },
  },
);

/** A fake QEMU: greets, answers, and emits events on a unix socket. */
async function fakeQemu(
  path: string,
  script: (line: string, write: (o: unknown) => Promise<void>) => Promise<void>,
) {
  const listener = Deno.listen({ transport: "unix", path });
  const conn = await listener.accept();
  listener.close();
  const write = async (o: unknown) => {
    await conn.write(new TextEncoder().encode(JSON.stringify(o) + "\r\n"));
  };
  await write({
    QMP: {
      version: { qemu: { major: 7, minor: 2, micro: 22 } },
      capabilities: ["oob"],
    },
  });
  let rest = "";
  for await (
    const chunk of conn.readable.pipeThrough(new TextDecoderStream())
  ) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    for (const line of parts) await script(line, write);
  }
}

Deno.test("qmp: greeting, capabilities, replies in order, errors, events with QEMU's timestamps", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/qmp.sock`;
  const seen: string[] = [];
  const server = fakeQemu(path, async (line, write) => {
    const { execute } = JSON.parse(line);
    seen.push(execute);
    if (execute === "qmp_capabilities") return await write({ return: {} });
    if (execute === "query-migrate") {
      await write({
        event: "MIGRATION_PASS",
        data: { pass: 2 },
        timestamp: { seconds: 1700000000, microseconds: 250000 },
      });
      return await write({
        return: { status: "active", ram: { transferred: 5 } },
      });
    }
    if (execute === "stop") {
      await write({ return: {} });
      return await write({
        event: "STOP",
        timestamp: { seconds: 1700000001, microseconds: 1 },
      });
    }
    await write({
      error: {
        class: "CommandNotFound",
        desc: `The command ${execute} has not been found`,
      },
    });
  });
  const qmp = await QmpClient.connect(path, { timeoutSeconds: 5 });
  strictEqual(qmp.qemuVersion, "7.2.22");
  const passes: number[] = [];
  const off = qmp.onEvent((e) =>
    e.event === "MIGRATION_PASS" && passes.push(Number(e.data.pass))
  );
  const [info, none] = await Promise.all([
    qmp.execute<{ status: string; ram: { transferred: number } }>(
      "query-migrate",
    ),
    qmp.execute("bogus").catch((e) => e),
  ]);
  strictEqual(info.ram.transferred, 5);
  ok(none instanceof QmpError && none.errorClass === "CommandNotFound");
  deepStrictEqual(passes, [2]);
  off();
  strictEqual(qmp.events[0].timestampMs, 1700000000250);
  await qmp.execute("stop");
  const stop = await qmp.waitForEvent((e) => e.event === "STOP", {
    timeoutSeconds: 5,
  });
  strictEqual(stop.timestampMs, 1700000001000.001);
  await rejects(
    qmp.waitForEvent((e) => e.event === "RESUME", { timeoutSeconds: 0.05 }),
    /no matching QMP event/,
  );
  deepStrictEqual(seen, ["qmp_capabilities", "query-migrate", "bogus", "stop"]);
  qmp.close();
  await rejects(qmp.execute("query-status"), /closed/);
  await server;
  await rejects(
    QmpClient.connect(`${dir}/none.sock`, { timeoutSeconds: 0.2 }),
    /cannot connect/,
  );
  Deno.removeSync(dir, { recursive: true });
});

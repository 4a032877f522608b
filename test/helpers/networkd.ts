/**
 * The real systemd-networkd versions this machine can run for the networkd tests: its own (252 on
 * Debian 12) and Debian 13's (257) from the test root (test/helpers/udevd-root.ts); and a snapshot of
 * a namespace from what a test's driver script recorded there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { arphrdFromLinkType, interfacesFromIpAddr, rulesFromIp, routesFromIp } from '../../src/collect/ip.js';
import { SNAPSHOT_SCHEMA, type FileRecord, type Snapshot } from '../../src/snapshot/schema.js';
import { requireRealSystem, sh } from './system.js';
import { ensureDebianRoot, rootsUnavailable, SUITE_BY_VERSION } from './udevd-root.js';

export const NETWORKD = '/lib/systemd/systemd-networkd';

/**
 * Shell lines a driver script runs inside its throw-away mount and network namespace, with $R the root
 * (empty for the host's networkd): /proc, /sys and a minimal /dev in the root, and tmpfs over /run,
 * /etc/systemd and the network directories, so networkd reads only the case's files and never the host's.
 * Sets $RUN to the chroot prefix.
 */
export const NETWORKD_SANDBOX_SH = `if [ -n "$R" ]; then
  RUN="chroot $R"
  mount -t proc proc "$R/proc"
  mount --bind /sys "$R/sys"
  mount -t tmpfs -o mode=755 hn-networkd-dev "$R/dev"
  for n in null zero urandom random; do touch "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"; done
else
  RUN=""
fi
mount -t tmpfs hn-networkd-run "$R/run"
mount -t tmpfs hn-networkd-etc "$R/etc/systemd"
for d in usr/lib/systemd/network usr/local/lib/systemd/network; do if [ -d "$R/$d" ]; then mount -t tmpfs hn-networkd-lib "$R/$d"; fi; done
mkdir -p "$R/run/systemd/netif" "$R/run/udev/data" "$R/etc/systemd/network" "$R/etc/systemd/networkd.conf.d"
$RUN chown systemd-network:systemd-network /run/systemd/netif
`;

/** The networkd versions this machine can run: its own (252 on Debian 12) and Debian 13's (257) from the test root. */
export function daemons(t: TestContext): { version: number; root: string }[] | null {
  if (!requireRealSystem(t, { tools: ['ip', 'bash', 'timeout'] })) return null;
  if (!existsSync(NETWORKD)) {
    if (process.env.CI === 'true') throw new Error(`this test must run under CI but cannot: needs ${NETWORKD} (apt-get install systemd)`);
    t.skip(`needs ${NETWORKD}`);
    return null;
  }
  const out = [{ version: Number(/systemd (\d+)/.exec(sh(['networkctl', '--version']))?.[1] ?? 252), root: '' }];
  const unavailable = rootsUnavailable();
  if (unavailable === null) {
    const root = ensureDebianRoot(SUITE_BY_VERSION[257]!);
    if (existsSync(join(root, NETWORKD.slice(1)))) out.push({ version: 257, root });
    else t.diagnostic(`the Debian 13 root has no ${NETWORKD}: 257 not compared`);
  } else if (process.env.CI === 'true') {
    throw new Error(`this test must run under CI but cannot: ${unavailable}`);
  } else {
    t.diagnostic(`257 not compared: ${unavailable}`);
  }
  return out;
}

/** The namespace as a snapshot, from what the driver recorded before networkd ran. */
export function snapshotOf(work: string, files: FileRecord[]): Snapshot {
  const devtypes = new Map(readFileSync(join(work, 'devtypes.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ') as [string, string]));
  const interfaces = interfacesFromIpAddr(JSON.parse(readFileSync(join(work, 'ip-addr.json'), 'utf8'))).map((i) => ({
    ...i, arphrdType: arphrdFromLinkType(i.linkType), devtype: devtypes.get(i.name) || null, driver: null, devicePath: null,
    addrAssignType: null, nameAssignType: null, speed: null, duplex: null, udev: null,
  }));
  return {
    schema: SNAPSHOT_SCHEMA, collectedAt: new Date().toISOString(), collector: { name: 'hostnet', version: 'test' },
    scope: { netns: null, root: '/', redacted: false },
    host: { hostname: null, kernelRelease: null, architecture: null, kernelCommandLine: null, os: { id: null, versionId: null, prettyName: null }, systemdVersion: 252, virtualization: null, machineId: null },
    interfaces, routes: routesFromIp(JSON.parse(readFileSync(join(work, 'routes-before.json'), 'utf8') || '[]'), 'inet'),
    rules: rulesFromIp(JSON.parse(readFileSync(join(work, 'rules-before.json'), 'utf8')), 'inet'),
    nexthops: [], files, commands: [], gaps: [],
  };
}


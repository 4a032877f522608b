/**
 * `/proc/net/bonding/<bond>`: the bonding driver's status text (drivers/net/bonding/bond_procfs.c).
 * A header with the mode and MII settings, an "802.3ad info" block with the active aggregator, then one
 * block per slave ("Slave Interface:", "Port Interface:" on kernels built without the legacy names)
 * with speed, duplex, aggregator and, for 802.3ad, the actor's and partner's LACPDU details.
 * Lenient like the kernel's readers: unknown lines are skipped; every value keeps its line number.
 */

export interface LacpPduDetails {
  systemPriority: number | null;
  systemMac: string | null;
  /** "port key" for the actor, "oper key" for the partner. */
  key: number | null;
  portPriority: number | null;
  portNumber: number | null;
  /** The LACP state byte: 0x01 activity, 0x02 short timeout, 0x04 aggregation, 0x08 synchronization, 0x10 collecting, 0x20 distributing, 0x40 defaulted, 0x80 expired. */
  portState: number | null;
}

export interface BondSlave {
  name: string;
  line: number;
  miiStatus: string | null;
  miiStatusLine: number | null;
  /** Mb/s; null when the driver reports "Unknown" or prints no Speed: line (older drivers, e.g. v3.5.0, print none). */
  speed: number | null;
  /** null when no Speed: line was printed: then the speed is not known to us, not "Unknown". */
  speedLine: number | null;
  /** null when "Unknown" or not printed. */
  duplex: 'full' | 'half' | null;
  duplexLine: number | null;
  linkFailureCount: number | null;
  permanentHwAddr: string | null;
  /** null for "N/A" or when absent (not 802.3ad). */
  aggregatorId: number | null;
  aggregatorIdLine: number | null;
  actorChurnState: string | null;
  partnerChurnState: string | null;
  actor: LacpPduDetails | null;
  partner: LacpPduDetails | null;
}

export interface ActiveAggregator {
  line: number;
  id: number | null;
  ports: number | null;
  actorKey: number | null;
  partnerKey: number | null;
  partnerMac: string | null;
}

export interface BondStatus {
  /** The path the text came from; the bond's name is its last part. */
  path: string;
  name: string;
  driverVersion: string | null;
  /** As printed, e.g. "IEEE 802.3ad Dynamic link aggregation". */
  mode: string | null;
  modeLine: number | null;
  is8023ad: boolean;
  transmitHashPolicy: string | null;
  miiStatus: string | null;
  miiPollingMs: number | null;
  lacp: {
    active: boolean | null;
    rate: string | null;
    minLinks: number | null;
    adSelect: string | null;
    systemPriority: number | null;
    systemMac: string | null;
    /** null with "bond X has no active aggregator" or when the block is absent (no CAP_NET_ADMIN). */
    activeAggregator: ActiveAggregator | null;
    /** The line of "bond X has no active aggregator": the driver says so, no frame leaves the bond. */
    noActiveAggregatorLine: number | null;
  } | null;
  slaves: BondSlave[];
}

export class BondingParseError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

const LACP_STATE_DEFAULTED = 0x40;
const ZERO_MAC = '00:00:00:00:00:00';

const int = (s: string): number | null => (/^-?\d+$/.test(s.trim()) ? Number(s.trim()) : null);

/** One non-blank line of the file: its number, text, `key: value` halves, and whether it is indented. */
interface BondingLine {
  lineNo: number;
  text: string;
  key: string;
  value: string;
  indented: boolean;
}

/** The section the next indented lines belong to: a slave's LACPDU details, or the active aggregator. */
interface Cursor {
  slave: BondSlave | null;
  pdu: LacpPduDetails | null;
  agg: ActiveAggregator | null;
}

export function parseBonding(text: string, path: string): BondStatus {
  const bond: BondStatus = {
    path, name: path.split('/').pop() ?? path, driverVersion: null, mode: null, modeLine: null, is8023ad: false,
    transmitHashPolicy: null, miiStatus: null, miiPollingMs: null, lacp: null, slaves: [],
  };
  const at: Cursor = { slave: null, pdu: null, agg: null };
  for (const line of bondingLines(text)) {
    if (line.lineNo === 1 && /Bonding Driver/i.test(line.text)) {
      bond.driverVersion = line.text.slice(line.text.indexOf(':') + 1).trim() || null;
      continue;
    }
    if (/^(Slave|Port) Interface$/.test(line.key)) {
      startSlave(bond, at, line);
      continue;
    }
    if (at.pdu && line.indented) readPduField(at.pdu, line);
    else if (at.agg && line.indented) readAggregatorField(at.agg, line);
    else {
      at.pdu = null;
      at.agg = null;
      if (at.slave) at.pdu = readSlaveField(at.slave, line);
      else at.agg = readBondField(bond, line);
    }
  }
  if (bond.mode === null) {
    throw new BondingParseError('not a bonding status file: no "Bonding Mode:" line', 1);
  }
  return bond;
}

/** Parse: the file's non-blank lines split into key and value at the first colon. */
function bondingLines(text: string): BondingLine[] {
  const out: BondingLine[] = [];
  text.split('\n').forEach((raw, n) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    out.push({
      lineNo: n + 1, text: line, indented: /^\s/.test(line),
      key: (colon >= 0 ? line.slice(0, colon) : line).trim(),
      value: colon >= 0 ? line.slice(colon + 1).trim() : '',
    });
  });
  return out;
}

function startSlave(bond: BondStatus, at: Cursor, { value, lineNo }: BondingLine): void {
  // A kernel without legacy names prints "Port Interface:" and then no "Slave Interface:"; with both,
  // the second names the same port.
  if (at.slave && at.slave.name === value && at.slave.line === lineNo - 1) return;
  at.slave = { name: value, line: lineNo, miiStatus: null, miiStatusLine: null, aggregatorIdLine: null, speed: null, speedLine: null, duplex: null, duplexLine: null,
    linkFailureCount: null, permanentHwAddr: null, aggregatorId: null, actorChurnState: null, partnerChurnState: null, actor: null, partner: null };
  bond.slaves.push(at.slave);
  at.pdu = null;
  at.agg = null;
}

function readPduField(pdu: LacpPduDetails, { key, value }: BondingLine): void {
  const v = int(value);
  if (key === 'system priority') pdu.systemPriority = v;
  else if (key === 'system mac address') pdu.systemMac = value.toLowerCase();
  else if (key === 'port key' || key === 'oper key') pdu.key = v;
  else if (key === 'port priority') pdu.portPriority = v;
  else if (key === 'port number') pdu.portNumber = v;
  else if (key === 'port state') pdu.portState = v;
}

function readAggregatorField(agg: ActiveAggregator, { key, value }: BondingLine): void {
  if (key === 'Aggregator ID') agg.id = int(value);
  else if (key === 'Number of ports') agg.ports = int(value);
  else if (key === 'Actor Key') agg.actorKey = int(value);
  else if (key === 'Partner Key') agg.partnerKey = int(value);
  else if (key === 'Partner Mac Address') agg.partnerMac = value.toLowerCase();
}

/** A line in a slave's section; returns the LACPDU details that the next indented lines fill, if it opens them. */
function readSlaveField(slave: BondSlave, { key, value, lineNo }: BondingLine): LacpPduDetails | null {
  if (key === 'MII Status') {
    slave.miiStatus = value;
    slave.miiStatusLine = lineNo;
  } else if (key === 'Speed') {
    slave.speed = /^\d+ Mbps$/.test(value) ? Number(value.split(' ')[0]) : null;
    slave.speedLine = lineNo;
  } else if (key === 'Duplex') {
    slave.duplex = value === 'full' || value === 'half' ? value : null;
    slave.duplexLine = lineNo;
  } else if (key === 'Link Failure Count') slave.linkFailureCount = int(value);
  else if (key === 'Permanent HW addr') slave.permanentHwAddr = value.toLowerCase();
  else if (key === 'Aggregator ID') {
    slave.aggregatorId = int(value);
    slave.aggregatorIdLine = lineNo;
  } else if (key === 'Actor Churn State') slave.actorChurnState = value;
  else if (key === 'Partner Churn State') slave.partnerChurnState = value;
  else if (key === 'details actor lacp pdu') return (slave.actor = emptyPdu());
  else if (key === 'details partner lacp pdu') return (slave.partner = emptyPdu());
  return null;
}

/** A line before the first slave; returns the active aggregator that the next indented lines fill, if it opens it. */
function readBondField(bond: BondStatus, { key, value, text, lineNo }: BondingLine): ActiveAggregator | null {
  if (key === 'Bonding Mode') {
    bond.mode = value;
    bond.modeLine = lineNo;
    bond.is8023ad = /802\.3ad/.test(value);
  } else if (key === 'Transmit Hash Policy') bond.transmitHashPolicy = value;
  else if (key === 'MII Status') bond.miiStatus = value;
  else if (key === 'MII Polling Interval (ms)') bond.miiPollingMs = int(value);
  else if (text.trim() === '802.3ad info') {
    bond.lacp = { active: null, rate: null, minLinks: null, adSelect: null, systemPriority: null, systemMac: null, activeAggregator: null, noActiveAggregatorLine: null };
  } else if (bond.lacp) return readLacpField(bond.lacp, key, value, text, lineNo);
  return null;
}

function readLacpField(lacp: NonNullable<BondStatus['lacp']>, key: string, value: string, text: string, lineNo: number): ActiveAggregator | null {
  if (key === 'LACP active') lacp.active = value === 'on';
  else if (key === 'LACP rate') lacp.rate = value;
  else if (key === 'Min links') lacp.minLinks = int(value);
  else if (key === 'Aggregator selection policy (ad_select)') lacp.adSelect = value;
  else if (key === 'System priority') lacp.systemPriority = int(value);
  else if (key === 'System MAC address') lacp.systemMac = value.toLowerCase();
  else if (/^bond \S+ has no active aggregator$/.test(text.trim())) lacp.noActiveAggregatorLine = lineNo;
  else if (key === 'Active Aggregator Info') return (lacp.activeAggregator = { line: lineNo, id: null, ports: null, actorKey: null, partnerKey: null, partnerMac: null });
  return null;
}

function emptyPdu(): LacpPduDetails {
  return { systemPriority: null, systemMac: null, key: null, portPriority: null, portNumber: null, portState: null };
}

/** A slave whose LACP partner is only the default: no LACPDU has been received on it. */
export function slaveHasNoPartner(s: BondSlave): boolean {
  if (s.partner?.systemMac === ZERO_MAC) return true;
  return s.actor?.portState !== null && s.actor?.portState !== undefined && (s.actor.portState & LACP_STATE_DEFAULTED) !== 0;
}

/** The bond's active aggregator has no partner: what the driver logs as "No 802.3ad response from the link partner". */
export function aggregatorHasNoPartner(b: BondStatus): boolean {
  return b.lacp?.activeAggregator?.partnerMac === ZERO_MAC;
}

/** The mode names bond_mode_name() prints (drivers/net/bonding/bond_main.c); anything else is "unknown" or garbled. */
export const BOND_MODE_NAMES: readonly string[] = [
  'load balancing (round-robin)', 'fault-tolerance (active-backup)', 'load balancing (xor)',
  'fault-tolerance (broadcast)', 'IEEE 802.3ad Dynamic link aggregation', 'transmit load balancing',
  'adaptive load balancing',
];

/** Whether the printed mode is one the driver knows; "fault-tolerance (active-backup) (fail_over_mac active)" is. */
export function bondModeKnown(mode: string): boolean {
  return BOND_MODE_NAMES.some((m) => mode === m || mode.startsWith(`${m} (fail_over_mac `));
}

/**
 * Speed and duplex from the actor's port key, as bond_3ad.c builds it: bit 0 full duplex, bits 1-5 the
 * AD_LINK_SPEED code (0 unknown, 1 1 Mb/s, 2 10, 3 100, 4 1000, 5 2500, 6 5000, 7 10000, ...).
 * null when the key was not printed.
 */
export function linkFromActorKey(s: BondSlave): { speedKnown: boolean; fullDuplex: boolean } | null {
  const key = s.actor?.key;
  if (key === null || key === undefined) return null;
  return { speedKnown: ((key >> 1) & 0x1f) !== 0, fullDuplex: (key & 1) === 1 };
}

export const BONDING_DIR = '/proc/net/bonding';

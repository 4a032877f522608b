/**
 * The input contract: a file given as `--input ROLE=FILE` is read as its role or refused in one line.
 * Refused (exit 2) when it cannot be that role at all: missing, a directory, empty, binary, or of
 * another kind (a libvirt XML given as vppctl output). A file of the right kind with damaged lines is
 * not refused: its parser reports the lines, and the rest of the analysis runs.
 *
 * The kind of each role is recognised by what every file of that role has (its signature). A role
 * with no signature here (a role added later) gets the other checks only.
 */
import { readFileSync, statSync } from 'node:fs';
import { InputError, inWords } from '../errors.js';
import { parseProvisioning } from '../sources/provisioning.js';

interface Kind {
  /** What a file of this role is, for the message: "a systemd .link or .network file". */
  what: string;
  /** Whether the text can be this role; null when it can, else why not. */
  test: (text: string) => string | null;
  /** An empty file is a real answer for this role (a command that printed nothing). */
  emptyIsAnswer?: boolean;
}

const needs = (pattern: RegExp, lacks: string) => (text: string): string | null => (pattern.test(text) ? null : lacks);

/** A role's signature: what any file of it has, however damaged the rest. */
export const ROLE_KINDS: Record<string, Kind> = {
  'link-file': { what: 'a systemd .link or .network file', test: needs(/^\s*\[[A-Za-z]+\]/m, 'it has no [Section] line') },
  'calico-vpp-config': {
    what: 'a Calico/VPP configuration (the calico-vpp-config ConfigMap, KEY=VALUE lines or CALICOVPP_INTERFACES JSON)',
    test: needs(/CALICOVPP_|calico-vpp-config|uplinkInterfaces|interfaceName|SERVICE_PREFIX/, 'it names no CALICOVPP_ setting, no calico-vpp-config and no uplinkInterfaces'),
  },
  'vpp-startup': { what: "VPP's startup.conf", test: needs(/^\s*[a-z][\w-]*\s*\{/m, 'it has no "section {" of startup.conf') },
  'vppctl-show-interface-address': { what: 'the output of vppctl show interface address', test: needs(/^\S+ \((up|dn|down)\):/m, 'it has no "NAME (up):" or "NAME (dn):" line') },
  'vppctl-show-hardware-interfaces': { what: 'the output of vppctl show hardware-interfaces', test: needs(/Name\s+Idx\s+Link\s+Hardware|^\s*\S+\s+\d+\s+(up|down)\s+\S+/m, 'it has no interface table (Name Idx Link Hardware)') },
  'vppctl-show-ip-punt-redirect': { what: 'the output of vppctl show ip punt redirect', test: needs(/\brx\s+\S+\s+(redirect\s+)?via|path-list/, 'it has no "rx INTERFACE via" entry'), emptyIsAnswer: true },
  'vppctl-show-ip-fib': { what: 'the output of vppctl show ip fib', test: needs(/ipv[46]-VRF|fib_index|\[@\d+\]/, 'it has no ipv4-VRF/ipv6-VRF table and no [@N] path') },
  'vppctl-show-errors': { what: 'the output of vppctl show errors', test: needs(/Count\s+Node\s+Reason|^\s*\d+\s+[\w-]+\s+\S/m, 'it has no "Count Node Reason" table and no counter line') },
  'vppctl-show-runtime': { what: 'the output of vppctl show runtime', test: needs(/Name\s+State\s+Calls\s+Vectors|vector rates in/, 'it has no "Name State Calls Vectors" header and no "vector rates in" line') },
  'calico-vpp-plan': { what: 'a plan written by hostnet plan calico-vpp --format json', test: needs(/"hostnet\.calico-vpp-plan/, 'it has no hostnet.calico-vpp-plan schema') },
  'libvirt-domain': { what: 'a libvirt domain XML', test: needs(/<domain[\s>]/, 'it has no <domain> element') },
  'proc-net-bonding': { what: 'a copy of /proc/net/bonding/BOND', test: needs(/Bonding Mode:|Ethernet Channel Bonding Driver|Slave Interface:/, 'it has no "Bonding Mode:" or "Slave Interface:" line') },
  'lab-intent': { what: 'a lab intent YAML (docs/labs.md)', test: needs(/^\s*(links|bonds|lab)\s*:/m, 'it has no links:, bonds: or lab: key') },
  'network-attachment-definition': {
    what: 'NetworkAttachmentDefinitions (YAML or JSON) or a CNI configuration',
    test: needs(/NetworkAttachmentDefinition|cniVersion|"?kind"?\s*:\s*"?(List|Network)\b|"?type"?\s*:/, 'it has no NetworkAttachmentDefinition kind, no cniVersion and no CNI type'),
  },
  'kubernetes-node': { what: 'Kubernetes Node objects (kubectl get nodes -o yaml)', test: needs(/\bkind"?\s*:\s*"?Node\b/, 'it has no object of kind Node') },
  'nft-ruleset': { what: 'the JSON output of nft -j list ruleset', test: needs(/"nftables"\s*:/, 'it has no "nftables" array (nft -j prints JSON; plain `nft list ruleset` text is not read)') },
  'iptables-save': { what: 'the output of iptables-save', test: needs(/^\*(filter|nat|mangle|raw|security)\s*$/m, 'it has no *filter, *nat, ... table line') },
  'ip6tables-save': { what: 'the output of ip6tables-save', test: needs(/^\*(filter|nat|mangle|raw|security)\s*$/m, 'it has no *filter, *nat, ... table line') },
  'helm-values': { what: 'a Helm values file', test: needs(/^[\w"'-]+\s*:/m, 'it has no top-level "key:"') },
  provisioning: {
    what: 'a Butane, Ignition, MachineConfig or cloud-init file',
    test: (text) => {
      const r = parseProvisioning(text);
      return 'error' in r ? `line ${r.error.line}: ${r.error.message}` : null;
    },
  },
};

/** The text of FILE as ROLE, or an InputError of one line naming the file and why it cannot be. */
export function readRoleText(role: string, path: string): string {
  const refuse = (why: string): never => {
    throw new InputError(`cannot be read as ${role}: ${why}`, path);
  };
  let bytes: Buffer;
  try {
    if (statSync(path).isDirectory()) refuse('it is a directory, not a file');
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof InputError) throw err;
    return refuse(inWords(err));
  }
  if (bytes.includes(0)) refuse('it is binary (it holds NUL bytes), not text');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse('it is not UTF-8 text');
  }
  const kind = ROLE_KINDS[role];
  if (text.trim() === '') {
    if (kind?.emptyIsAnswer) return text;
    refuse('it is empty');
  }
  const wrong = kind?.test(text) ?? null;
  if (kind && wrong !== null) refuse(`${wrong}: not ${kind.what}`);
  return text;
}

/**
 * The MAC address MACAddressPolicy=persistent gives an interface: SipHash-2-4, under a key fixed in
 * systemd, of the 16 raw bytes of the machine-id followed by the device's stable name; the first six
 * bytes of the little-endian result, made unicast and locally administered.
 */
import { siphash24 } from './siphash24.js';

/** systemd's fixed key for persistent MACs (netif-util.c HASH_KEY). */
const HASH_KEY = hexBytes('d31e48fa90fe4b4c9dafd5d7a1b12e8a');
const encoder = new TextEncoder();

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** True for a machine-id as /etc/machine-id holds it: 32 lower-case hex digits. */
export function isMachineId(text: string): boolean {
  return /^[0-9a-f]{32}$/.test(text);
}

/** True when every character is ASCII, so its char codes are its UTF-8 bytes (the fast path below). */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

let lastId = '';
let lastIdBytes = new Uint8Array(16) as Uint8Array;

/** The raw persistent MAC bytes before udevd's validity check (null, broadcast). */
export function persistentMacBytes(machineId: string, stableName: string): Uint8Array {
  if (machineId !== lastId) {
    if (!isMachineId(machineId)) throw new RangeError(`not a machine-id (32 hex digits): ${JSON.stringify(machineId)}`);
    lastIdBytes = hexBytes(machineId);
    lastId = machineId;
  }
  let data: Uint8Array;
  if (isAscii(stableName)) {
    // ASCII (every interface name in practice): copy the characters without an encoder allocation.
    data = new Uint8Array(16 + stableName.length);
    for (let i = 0; i < stableName.length; i++) data[16 + i] = stableName.charCodeAt(i);
  } else {
    const name = encoder.encode(stableName);
    data = new Uint8Array(16 + name.length);
    data.set(name, 16);
  }
  data.set(lastIdBytes, 0);
  const mac = siphash24(data, HASH_KEY).slice(0, 6);
  // As net_verify_hardware_address() does for a generated address: unicast, locally administered.
  mac[0] = (mac[0]! & 0xfe) | 0x02;
  return mac;
}

/** `persistentMac(machineId, 'ens2f0')` = the address udevd writes, e.g. "0e:0a:2a:d5:cf:1c". */
export function persistentMac(machineId: string, stableName: string): string {
  return formatMac(persistentMacBytes(machineId, stableName));
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function formatMac(bytes: Uint8Array): string {
  let out = HEX[bytes[0]!]!;
  for (let i = 1; i < bytes.length; i++) out += `:${HEX[bytes[i]!]!}`;
  return out;
}

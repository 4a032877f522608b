/** Every rule hostnet knows, in the order reports list them. One line per rule. */
import type { Rule } from './types.js';
import { l2ControlBlocked } from './bridge/l2-control-blocked.js';
import { noLacpPartner } from './bond/no-lacp-partner.js';
import { speedDuplexUnknown } from './bond/speed-duplex-unknown.js';
import { virtioInLacpBond } from './libvirt/virtio-in-lacp-bond.js';

export const ALL_RULES: readonly Rule[] = [
  l2ControlBlocked,
  speedDuplexUnknown,
  noLacpPartner,
  virtioInLacpBond,
];

/** ARPHRD_* numbers (linux/if_arp.h) and the lower-case names systemd's Type= compares with. */
const NAMES: Record<number, string> = {
  0: 'netrom', 1: 'ether', 2: 'eether', 3: 'ax25', 4: 'pronet', 5: 'chaos', 6: 'ieee802', 7: 'arcnet',
  8: 'appletlk', 15: 'dlci', 19: 'atm', 23: 'metricom', 24: 'ieee1394', 27: 'eui64', 32: 'infiniband',
  256: 'slip', 257: 'cslip', 258: 'slip6', 259: 'cslip6', 260: 'rsrvd', 264: 'adapt', 270: 'rose', 271: 'x25',
  272: 'hwx25', 280: 'can', 290: 'mctp', 512: 'ppp', 513: 'cisco', 516: 'lapb', 517: 'ddcmp', 518: 'rawhdlc',
  519: 'rawip', 768: 'tunnel', 769: 'tunnel6', 770: 'frad', 771: 'skip', 772: 'loopback', 773: 'localtlk',
  774: 'fddi', 775: 'bif', 776: 'sit', 777: 'ipddp', 778: 'ipgre', 779: 'pimreg', 780: 'hippi', 781: 'ash',
  782: 'econet', 783: 'irda', 784: 'fcpp', 785: 'fcal', 786: 'fcpl', 787: 'fcfabric', 800: 'ieee802_tr',
  801: 'ieee80211', 802: 'ieee80211_prism', 803: 'ieee80211_radiotap', 804: 'ieee802154',
  805: 'ieee802154_monitor', 820: 'phonet', 821: 'phonet_pipe', 822: 'caif', 823: 'ip6gre', 824: 'netlink',
  825: '6lowpan', 826: 'vsockmon', 65534: 'none', 65535: 'void',
};

export const ARPHRD_ETHER = 1;
export const ARPHRD_INFINIBAND = 32;
export const ARPHRD_LOOPBACK = 772;

export function arphrdName(type: number): string | null {
  return NAMES[type] ?? null;
}

/** Hardware address length for a type, as udevd checks a new address against it. */
export function hwAddrLength(type: number): number {
  return type === ARPHRD_ETHER ? 6 : type === ARPHRD_INFINIBAND ? 20 : 0;
}

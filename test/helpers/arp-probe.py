# ARP on the wire for test/system/arp-matrix.test.ts, with raw AF_PACKET sockets. Reads one JSON job on
# stdin, prints one JSON result on stdout.
#   {"mode": "ask", "asks": {IF: [[target, sender], ...], ...}, "wait_ms": N}
#     sends every request as a broadcast who-has from its IF (sender MAC: IF's own), then collects the
#     replies for N ms: {"replies": [[IF, target, sender, replying MAC], ...]}
#   {"mode": "announce", "sends": [[device, source, target], ...], "wait_ms": N}
#     for each, sends a UDP datagram from source, bound to device, to target (an address on the device's
#     link whose MAC is unknown) and records the sender address of the ARP request the kernel sends out
#     of device: {"senders": [[device, source, target, sender or null], ...]}
import json, select, socket, struct, sys, time

ETH_P_ARP = 0x0806
ETH_P_ALL = 0x0003
IP_TRANSPARENT = 19
PACKET_OUTGOING = 4


def mac_text(b):
    return ':'.join('%02x' % x for x in b)


def parse_arp(frame):
    if len(frame) < 42 or struct.unpack('!H', frame[12:14])[0] != ETH_P_ARP:
        return None
    op = struct.unpack('!H', frame[20:22])[0]
    return {'op': op, 'sha': mac_text(frame[22:28]), 'spa': socket.inet_ntoa(frame[28:32]), 'tpa': socket.inet_ntoa(frame[38:42])}


def ask(job):
    socks = {}
    asked = set()
    for iface, requests in job['asks'].items():
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
        s.bind((iface, ETH_P_ARP))
        socks[s] = iface
        own = s.getsockname()[4]
        for target, sender in requests:
            arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + own + socket.inet_aton(sender) + b'\0' * 6 + socket.inet_aton(target)
            s.send(b'\xff' * 6 + own + struct.pack('!H', ETH_P_ARP) + arp)
            asked.add((iface, target, sender))
    replies = set()
    end = time.monotonic() + job['wait_ms'] / 1000
    while True:
        left = end - time.monotonic()
        ready = select.select(list(socks), [], [], left)[0] if left > 0 else []
        if not ready:
            break
        for s in ready:
            frame, addr = s.recvfrom(2048)
            a = parse_arp(frame)
            if a and a['op'] == 2 and addr[2] != PACKET_OUTGOING and (socks[s], a['spa'], a['tpa']) in asked:
                replies.add((socks[s], a['spa'], a['tpa'], a['sha']))
    return {'replies': sorted(replies)}


def announce(job):
    # Outgoing frames reach only ETH_P_ALL sockets (dev_queue_xmit_nit), not per-protocol ones.
    cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    out = []
    for device, source, target in job['sends']:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
        u.setsockopt(socket.IPPROTO_IP, IP_TRANSPARENT, 1)  # a source the host does not have, too (FLOWI_FLAG_ANYSRC)
        u.bind((source, 0))
        u.sendto(b'x', (target, 9))
        sender = None
        end = time.monotonic() + job['wait_ms'] / 1000
        while sender is None:
            left = end - time.monotonic()
            if left <= 0 or not select.select([cap], [], [], left)[0]:
                break
            frame, addr = cap.recvfrom(2048)
            a = parse_arp(frame)
            if a and a['op'] == 1 and addr[0] == device and addr[2] == PACKET_OUTGOING and a['tpa'] == target:
                sender = a['spa']
        u.close()
        out.append([device, source, target, sender])
    return {'senders': out}


job = json.load(sys.stdin)
print(json.dumps(ask(job) if job['mode'] == 'ask' else announce(job)))

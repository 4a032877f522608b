# Sends one IPv6 router advertisement out of an interface: send-ra.py IFACE [ROUTER_LIFETIME [VALID_LIFETIME]].
# A raw ICMPv6 socket; the kernel fills in the checksum. Prefix information for fd99::/64 (autonomous,
# on-link), valid for VALID_LIFETIME seconds (86400 unless given), preferred for 14400.
import socket, struct, sys
# type 134, code 0, checksum 0 (the kernel computes it), hop limit 64, no flags, router lifetime,
# reachable and retransmit times 0; then the prefix information option.
lifetime = int(sys.argv[2]) if len(sys.argv) > 2 else 1800
ra = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, lifetime, 0, 0)
prefix = socket.inet_pton(socket.AF_INET6, 'fd99::')
valid = int(sys.argv[3]) if len(sys.argv) > 3 else 86400
pio = struct.pack('!BBBBIII', 3, 4, 64, 0xc0, valid, 14400, 0) + prefix
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
ifindex = socket.if_nametoindex(sys.argv[1])
s.sendto(ra + pio, ('ff02::1', 0, 0, ifindex))

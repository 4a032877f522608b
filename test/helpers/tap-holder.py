"""A stand-in for VPP in tests: creates a tap with TUNSETIFF and holds it open while it runs.

Usage: tap-holder.py NAME [COMM]. The process renames itself COMM (prctl PR_SET_NAME, as VPP names
its main thread vpp_main), creates the tap NAME in its network namespace and prints "ready". Each
line on stdin "mac AA:BB:CC:DD:EE:FF" sets the tap's MAC (SIOCSIFHWADDR, as a data plane does) and
prints "ok"; end of input closes the tap, which the kernel then deletes.
"""
import ctypes
import fcntl
import os
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
SIOCSIFHWADDR = 0x8924
PR_SET_NAME = 15
ARPHRD_ETHER = 1


def main() -> None:
    name = sys.argv[1].encode()
    if len(sys.argv) > 2:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NAME, sys.argv[2].encode(), 0, 0, 0)
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name, IFF_TAP | IFF_NO_PI))
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if len(words) == 2 and words[0] == "mac":
            mac = bytes.fromhex(words[1].replace(":", ""))
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                fcntl.ioctl(s, SIOCSIFHWADDR, struct.pack("16sH14s8x", name, ARPHRD_ETHER, mac))
            print("ok", flush=True)
    os.close(fd)


if __name__ == "__main__":
    main()

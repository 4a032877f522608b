#!/bin/sh
# `npm run setup` (as root): the Debian packages the real-system tests need. .ci/run runs it too.
# iproute2: namespaces, veth, bridges, taps; udev: the real udevd the .link model is compared with;
# tcpdump: captures for the bridge conformance test; ethtool: driver and speed facts;
# chromium and a font: the HTML report is rendered and screenshotted in a headless browser;
# strace: delays udevd's netlink writes to force the losing ordering of the race on the real daemon;
# libvirt-clients and libxml2-utils: virt-xml-validate checks the libvirt XML hostnet writes;
# tar, xz-utils, gzip: support bundles (sosreport .tar.xz, calicovppctl .tar.gz) are unpacked by tar;
# mmdebstrap and the archive keyring: minimal Debian 11/12/13 roots whose own udevd (247, 252, 257)
# the .link engine is compared with (cached in /var/cache/hostnet-test/roots between runs);
# iptables, nftables: real rulesets (iptables-nft and nft) for the br_netfilter matrix;
# iputils-ping and procps (sysctl): pings (across a bridge, with DF set) and per-namespace sysctls for the
# br_netfilter, MTU and rp_filter matrices;
# kubectl (Debian's kubernetes-client, unless one is installed): the oracle the YAML reader is compared with.
set -eu
if [ "$(id -u)" != 0 ]; then
  echo "npm run setup: run it as root: it installs Debian packages with apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends iproute2 udev tcpdump ethtool python3 util-linux strace \
  libvirt-clients libxml2-utils chromium fonts-dejavu-core tar xz-utils gzip mmdebstrap debian-archive-keyring \
  iptables nftables iputils-ping procps >/dev/null
command -v kubectl >/dev/null || apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
echo "npm run setup: the packages the real-system tests need are installed"

#!/usr/bin/env bash
# Installs the Debian packages the test suite talks to: the real OpenStack clients (glance,
# openstack) and qemu-utils (fixtures and the virtual-size oracle). Idempotent: packages already
# present are not fetched again. Needs root (CI and the dev machines run as root).
set -euo pipefail

pkgs=(python3-glanceclient python3-openstackclient qemu-utils genisoimage gdisk fdisk dosfstools cryptsetup-bin)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-peers: need root to install: ${missing[*]}" >&2
  exit 1
fi
# Keep package scripts from starting daemons (no systemd here).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"

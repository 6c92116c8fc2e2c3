#!/usr/bin/env bash
# Installs the Debian packages the test suite talks to: the real OpenStack clients (glance,
# openstack) and qemu-utils (fixtures and the virtual-size oracle). Idempotent: packages already
# present are not fetched again. Needs root (CI and the dev machines run as root).
set -euo pipefail

pkgs=(python3-glanceclient python3-openstackclient qemu-utils genisoimage gdisk fdisk dosfstools cryptsetup-bin)
# shellcheck source=lib/apt-install.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
apt_install_missing "${pkgs[@]}"

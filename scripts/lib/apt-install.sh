# Sourced by the repository's scripts: installs Debian packages that are missing, without letting
# their maintainer scripts start daemons (no systemd runs here). Idempotent; needs root only when
# something is missing. Several scripts may install at once (CI starts two Keystones in
# parallel), so installs are serialised with a lock.

# Prints the packages of "$@" that are not installed, one per line.
apt_missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

# Installs the missing packages of "$@". Preseed debconf before calling when a package asks.
apt_install_missing() {
  local missing
  mapfile -t missing < <(apt_missing "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "need root to install: ${missing[*]}" >&2
    return 1
  fi
  local lock_dir=${GLANCE_TS_TEST_STATE:-/var/lib/glance-ts-test}
  mkdir -p "$lock_dir"
  (
    flock -w 900 9 || { echo "could not take the install lock" >&2; exit 1; }
    [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
    export DEBIAN_FRONTEND=noninteractive
    local t0=$SECONDS
    timeout 900 apt-get -o DPkg::Lock::Timeout=600 update -qq
    timeout 900 apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    echo "installed ${missing[*]} in $((SECONDS - t0)) s" >&2
  ) 9>"$lock_dir/install.lock"
}

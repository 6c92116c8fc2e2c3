#!/usr/bin/env bash
# A memcached for tests and for trying glance-ts's token cache (`[keystone_authtoken]
# memcached_servers = 127.0.0.1:11211`).
#
#   scripts/memcached.sh start    starts memcached on 127.0.0.1:$MEMCACHED_PORT (default 11211),
#                                 installing Debian's package first if needed; returns at once
#                                 when something already answers on that port
#   scripts/memcached.sh stop     stops the memcached this script started (by its pid file)
#   scripts/memcached.sh status   exit 0 when the port answers
#
# The pid file lives in $GLANCE_TS_TEST_STATE (default /var/lib/glance-ts-test). Needs root.
set -euo pipefail

PORT=${MEMCACHED_PORT:-11211}
STATE_BASE=${GLANCE_TS_TEST_STATE:-/var/lib/glance-ts-test}
PIDFILE=$STATE_BASE/memcached-$PORT.pid

log() { echo "memcached.sh[$PORT]: $*" >&2; }
up() { (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

cmd_start() {
  up && { log "already up"; return 0; }
  if [ ! -x /usr/bin/memcached ]; then
    [ "$(id -u)" = 0 ] || { log "need root to install memcached"; exit 1; }
    [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends memcached >/dev/null \
      || { apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends memcached >/dev/null; }
  fi
  mkdir -p "$STATE_BASE"
  # Two test files may start it at the same moment: the loser finds the port taken and exits;
  # the wait below then sees the winner's memcached.
  start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$PIDFILE" \
    --exec /usr/bin/memcached -- -m 64 -p "$PORT" -U 0 -l 127.0.0.1 -u memcache || true
  local i
  for i in $(seq 1 50); do
    up && { log "up on 127.0.0.1:$PORT"; return 0; }
    sleep 0.1
  done
  log "memcached did not start"
  exit 1
}

cmd_stop() {
  [ -e "$PIDFILE" ] && start-stop-daemon --stop --quiet --pidfile "$PIDFILE" --exec /usr/bin/memcached --remove-pidfile --retry TERM/5/KILL/2 || true
  log "stopped"
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) up ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

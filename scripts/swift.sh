#!/usr/bin/env bash
# A single-node OpenStack Swift on loopback from Debian's packages, for the swift and s3 store
# tests and for trying glance-ts with an object store (shared/notes/swift-on-debian.md).
#
#   scripts/swift.sh install     packages, /etc/swift (configs, one-replica rings), /srv/node/d1
#   scripts/swift.sh start       memcached :11212, account :6202, container :6201, object :6200,
#                                object-updater, and the tempauth proxy :8081 (S3 API included);
#                                with SWIFT_KEYSTONE=1 also the Keystone proxy :8080 (authtoken,
#                                s3api + s3token, keystoneauth) after `keystone` below
#   scripts/swift.sh keystone    registers Swift in the test Keystone (scripts/keystone.sh): user
#                                swift, service object-store, endpoints, EC2 credentials for the
#                                glance user; writes them to $GLANCE_TS_TEST_STATE/swift.env
#   scripts/swift.sh stop        stops what `start` started (pid files)
#   scripts/swift.sh status      exit 0 when the tempauth proxy answers /healthcheck
#
# tempauth accounts: test:tester/testing (.admin), test2:tester2/testing2 (.admin). Daemons run as
# user swift with `-v` (logs in /var/log/swift/NAME.log, pid files in /run/swift-glance-ts).
# Needs root. The container updater is not run (a CPU hog here; see the notes).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/apt-install.sh
. "$ROOT/scripts/lib/apt-install.sh"
STATE_BASE=${GLANCE_TS_TEST_STATE:-/var/lib/glance-ts-test}
RUN=/run/swift-glance-ts
LOGS=/var/log/swift
ETC=/etc/swift
HASH_SUFFIX=glance-ts-suffix-5e2d
HASH_PREFIX=glance-ts-prefix-91ac

log() { echo "swift.sh: $*" >&2; }
die() { log "$*"; exit 1; }
answers() { curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/healthcheck" 2>/dev/null | grep -q 200; }

cmd_install() {
  apt_install_missing swift swift-proxy swift-account swift-container swift-object python3-swiftclient \
    python3-keystonemiddleware memcached curl
  install -d -o swift -g swift /srv/node/d1 /var/cache/swift /var/lib/swift "$LOGS" "$RUN"
  install -d "$ETC"
  cat > "$ETC/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = $HASH_SUFFIX
swift_hash_path_prefix = $HASH_PREFIX
[storage-policy:0]
name = Policy-0
default = yes
EOF
  local server port workers
  for server in account:6202:1 container:6201:1 object:6200:2; do
    IFS=: read -r name port workers <<<"$server"
    cat > "$ETC/$name-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = $workers
user = swift
devices = /srv/node
mount_check = false
recon_cache_path = /var/cache/swift
[pipeline:main]
pipeline = healthcheck recon $name-server
[app:$name-server]
use = egg:swift#$name
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:recon]
use = egg:swift#recon
[$name-replicator]
[$name-auditor]
EOF
    [ "$name" = object ] && printf '[object-updater]\ninterval = 30\n' >> "$ETC/object-server.conf"
    if [ ! -e "$ETC/$name.ring.gz" ]; then
      (cd "$ETC" && swift-ring-builder "$name.builder" create 10 1 1 >/dev/null \
        && swift-ring-builder "$name.builder" add --region 1 --zone 1 --ip 127.0.0.1 --port "$port" --device d1 --weight 100 >/dev/null \
        && { swift-ring-builder "$name.builder" rebalance >/dev/null || true; })
    fi
  done
  proxy_conf tempauth 8081 1 > "$ETC/proxy-server-tempauth.conf"
  chown -R swift:swift /srv/node "$ETC"
  log "installed (configs in $ETC, data in /srv/node/d1)"
}

# The proxy configuration: tempauth (no Keystone) or keystone (authtoken + s3token + keystoneauth).
proxy_conf() {
  local kind=$1 port=$2 workers=$3 auth
  if [ "$kind" = tempauth ]; then
    auth='s3api tempauth'
  else
    auth='authtoken s3api s3token keystoneauth'
  fi
  cat <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = $workers
user = swift
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit $auth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
node_timeout = 120
conn_timeout = 5
[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin
user_test2_tester2 = testing2 .admin
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
s3_acl = false
allow_multipart_uploads = true
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:11212
EOF
  # The middlewares used with their defaults: paste section name and Swift's entry point.
  local f
  for f in catch_errors gatekeeper healthcheck proxy-logging:proxy_logging listing_formats bulk tempurl ratelimit copy \
      container-quotas:container_quotas account-quotas:account_quotas slo dlo; do
    printf '[filter:%s]\nuse = egg:swift#%s\n' "${f%%:*}" "${f#*:}"
  done
  cat <<EOF
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
[filter:symlink]
use = egg:swift#symlink
EOF
  if [ "$kind" = keystone ]; then
    # shellcheck disable=SC1090
    . "$STATE_BASE/keystone.env"
    # authtoken and s3token both authenticate as the swift service user.
    local service_user
    service_user=$(cat <<EOF
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = service
username = swift
password = $SWIFT_PASSWORD
EOF
)
    cat <<EOF
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = $KEYSTONE_URL
$service_user
delay_auth_decision = True
cache = swift.cache
[filter:keystoneauth]
use = egg:swift#keystoneauth
reseller_prefix = AUTH
operator_roles = admin, member
reseller_admin_role = ResellerAdmin
[filter:s3token]
use = egg:swift#s3token
auth_uri = $KEYSTONE_URL/v3
reseller_prefix = AUTH_
$service_user
secret_cache_duration = 60
EOF
  fi
}

# Starts one daemon in the background as user swift, unless its pid file names a live process.
daemon() {
  local name=$1; shift
  local pidfile=$RUN/$name.pid
  if [ -e "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$pidfile" \
    --chuid swift:swift --chdir /var/lib/swift --output "$LOGS/$name.log" --startas "$1" -- "${@:2}"
}

cmd_start() {
  [ -e "$ETC/object.ring.gz" ] || cmd_install
  install -d -o swift -g swift "$RUN" "$LOGS"
  if ! (echo > /dev/tcp/127.0.0.1/11212) 2>/dev/null; then
    start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$RUN/memcached.pid" \
      --exec /usr/bin/memcached -- -m 64 -p 11212 -U 0 -l 127.0.0.1 -u memcache
  fi
  daemon account /usr/bin/swift-account-server "$ETC/account-server.conf" -v
  daemon container /usr/bin/swift-container-server "$ETC/container-server.conf" -v
  daemon object /usr/bin/swift-object-server "$ETC/object-server.conf" -v
  daemon object-updater /usr/bin/swift-object-updater "$ETC/object-server.conf" -v
  daemon proxy-tempauth /usr/bin/swift-proxy-server "$ETC/proxy-server-tempauth.conf" -v
  local ports=(6202 6201 6200 8081)
  if [ "${SWIFT_KEYSTONE:-0}" = 1 ]; then
    [ -e "$ETC/proxy-server.conf" ] || die "run '$0 keystone' first"
    daemon proxy /usr/bin/swift-proxy-server "$ETC/proxy-server.conf" -v
    ports+=(8080)
  fi
  local p i
  for p in "${ports[@]}"; do
    for i in $(seq 1 100); do answers "$p" && break; sleep 0.2; done
    answers "$p" || { tail -n 20 "$LOGS"/*.log >&2; die "Swift on port $p did not come up"; }
  done
  log "up: tempauth proxy http://127.0.0.1:8081${SWIFT_KEYSTONE:+, Keystone proxy http://127.0.0.1:8080}"
}

# Runs Debian's openstack client as the test Keystone's admin.
os_admin() {
  env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 $(bash "$ROOT/scripts/keystone.sh" env admin | sed 's/^export //') openstack "$@"
}

cmd_keystone() {
  [ -e "$STATE_BASE/keystone.env" ] || die "the test Keystone is not seeded: run scripts/keystone.sh start && scripts/keystone.sh seed"
  # shellcheck disable=SC1090
  . "$STATE_BASE/keystone.env"
  local password=${SWIFT_PASSWORD:-Passw0rd}
  os_admin user show swift >/dev/null 2>&1 || os_admin user create --domain default --password "$password" swift >/dev/null
  os_admin role add --project service --user swift admin
  if ! os_admin service show object-store >/dev/null 2>&1; then
    os_admin service create --name swift --description 'OpenStack Object Storage' object-store >/dev/null
    local i
    for i in public internal admin; do
      os_admin endpoint create --region RegionOne object-store "$i" 'http://127.0.0.1:8080/v1/AUTH_%(project_id)s' >/dev/null
    done
  fi
  # EC2 credentials of the glance user in the service project: the s3 store's keys.
  local creds access secret
  creds=$(env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 $(bash "$ROOT/scripts/keystone.sh" env glance | sed 's/^export //') \
    openstack ec2 credentials list -f value -c Access -c Secret | head -n1)
  if [ -z "$creds" ]; then
    creds=$(env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 $(bash "$ROOT/scripts/keystone.sh" env glance | sed 's/^export //') \
      openstack ec2 credentials create -f value -c access -c secret | paste -sd' ')
  fi
  read -r access secret <<<"$creds"
  SWIFT_PASSWORD=$password proxy_conf keystone 8080 2 > "$ETC/proxy-server.conf"
  chown swift:swift "$ETC/proxy-server.conf"
  cat > "$STATE_BASE/swift.env" <<EOF
SWIFT_PASSWORD=$password
S3_ACCESS_KEY=$access
S3_SECRET_KEY=$secret
EOF
  log "registered in Keystone; S3 keys of glance/service in $STATE_BASE/swift.env"
}

cmd_stop() {
  local f
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    start-stop-daemon --stop --quiet --pidfile "$f" --remove-pidfile --retry TERM/5/KILL/2 || true
  done
  log "stopped"
}

case ${1:-} in
  install) cmd_install ;;
  start) cmd_start ;;
  keystone) cmd_keystone ;;
  stop) cmd_stop ;;
  status) answers 8081 ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

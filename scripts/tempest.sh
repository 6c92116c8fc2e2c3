#!/usr/bin/env bash
# Runs Debian's Tempest (33) with glance-tempest-plugin (0.5) against glance-ts.
#
#   scripts/tempest.sh [extra `tempest run` arguments]
#
# Installs `tempest` and `glance-tempest-plugin` if missing, makes sure the test Keystone
# (scripts/keystone.sh) and memcached (scripts/memcached.sh) are up and seeded, starts glance-ts
# (bin/glance-api on the built dist/; `npx tsc` runs only when dist/ is missing) on a free port
# with Keystone authentication, secure-RBAC policy defaults, SQLite and a filesystem store in a
# fresh temporary directory, registers it in the Keystone catalog as its own region
# (glance-ts-tempest-<port>: RegionOne, which other tests use, is never touched), writes a
# tempest.conf in a `tempest init` workspace and runs
#   tempest run --regex '(^tempest\.api\.image|^glance_tempest_plugin\.)' --concurrency 2
# Then it prints the totals and the failing tests, stops glance-ts and the local http server,
# and removes the catalog region and its endpoints (also on error or Ctrl-C).
#
# Results stay in the work directory it prints (default /tmp/glance-ts-tempest.XXXXXX):
#   run.log            tempest run's output      results.subunit  the whole run as subunit v2
#   summary.txt        totals + failing tests     failing.txt      failing test ids, one a line
#   glance-api.log     glance-ts's log            etc/, ws/        configuration, workspace
#
# Environment: TEMPEST_REGEX, TEMPEST_CONCURRENCY (2), TEMPEST_TIMEOUT (seconds for the run, 2400),
# TEMPEST_WORKDIR (parent of the work directory, /tmp). The exit status is tempest run's.
# Needs root (package install), MariaDB on 127.0.0.1:3306 (for Keystone).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/apt-install.sh
. "$ROOT/scripts/lib/apt-install.sh"
STATE_BASE=${GLANCE_TS_TEST_STATE:-/var/lib/glance-ts-test}
REGEX=${TEMPEST_REGEX:-'(^tempest\.api\.image|^glance_tempest_plugin\.)'}
CONCURRENCY=${TEMPEST_CONCURRENCY:-2}
RUN_TIMEOUT=${TEMPEST_TIMEOUT:-2400}
SYS_PATH=/usr/bin:/bin:/usr/sbin:/sbin   # Debian's python3 and clients, not a pyenv one
REGION_PREFIX=glance-ts-tempest-

log() { echo "tempest.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# 1. Packages, Keystone, memcached.
install_tempest() {
  apt_install_missing tempest glance-tempest-plugin || die "could not install tempest and glance-tempest-plugin"
}

install_tempest
"$ROOT/scripts/keystone.sh" install
"$ROOT/scripts/memcached.sh" start
"$ROOT/scripts/keystone.sh" start
"$ROOT/scripts/keystone.sh" seed
# shellcheck disable=SC1090
. "$STATE_BASE/keystone.env"
[ -n "${IMAGE_SERVICE_ID:-}" ] || die "no IMAGE_SERVICE_ID in $STATE_BASE/keystone.env"
KS=$KEYSTONE_URL

[ -e "$ROOT/dist/src/main.js" ] || (cd "$ROOT" && timeout 600 npx tsc -p tsconfig.json)

# ---------------------------------------------------------------------------------------------
# 2. Helpers.
mkdir -p "${TEMPEST_WORKDIR:-/tmp}"
WORK=$(mktemp -d "${TEMPEST_WORKDIR:-/tmp}/glance-ts-tempest.XXXXXX")
mkdir -p "$WORK/etc" "$WORK/home" "$WORK/http"

# Debian's openstack client as admin; HOME in the work directory.
os_admin() {
  env -i PATH=$SYS_PATH HOME="$WORK/home" LANG=C.UTF-8 OS_AUTH_URL="$KS/v3" OS_IDENTITY_API_VERSION=3 \
    OS_USERNAME=admin OS_PASSWORD="$KEYSTONE_ADMIN_PASSWORD" OS_PROJECT_NAME=admin \
    OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne \
    timeout 120 /usr/bin/openstack "$@"
}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
http_status() { /usr/bin/python3 - "$1" <<'EOF' 2>/dev/null || echo 000
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=3).status)
except urllib.error.HTTPError as e:
    print(e.code)
EOF
}

# Removes the catalog region $1 and its endpoints.
remove_region() {
  local region=$1 ids
  ids=$(os_admin endpoint list --region "$region" -f value -c ID 2>/dev/null || true)
  # shellcheck disable=SC2086
  [ -z "$ids" ] || os_admin endpoint delete $ids >/dev/null 2>&1 || true
  os_admin region delete "$region" >/dev/null 2>&1 || true
}

GLANCE_PID='' HTTP_PID='' REGION=''
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$GLANCE_PID" ] && kill -0 "$GLANCE_PID" 2>/dev/null; then
    kill -TERM "$GLANCE_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 40); do kill -0 "$GLANCE_PID" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$GLANCE_PID" 2>/dev/null || true
  fi
  if [ -n "$HTTP_PID" ]; then kill -TERM "$HTTP_PID" 2>/dev/null || true; fi
  if [ -n "$REGION" ]; then remove_region "$REGION"; log "removed catalog region $REGION"; fi
  rm -rf "$WORK/data" "$WORK/http"
  log "results in $WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Regions an earlier, interrupted run left behind (nothing listens on their port any more).
for stale in $(os_admin region list -f value -c Region 2>/dev/null | grep "^$REGION_PREFIX" || true); do
  listening "${stale#"$REGION_PREFIX"}" || { remove_region "$stale"; log "removed stale region $stale"; }
done

# ---------------------------------------------------------------------------------------------
# 3. glance-ts.
PORT=$(free_port)
# The local web server of [image] http_image (section 4) must pass web-download's port filter.
HTTP_PORT=$(free_port)
CONF=$WORK/etc/glance-api.conf
cat > "$CONF" <<EOF
# Written by glance-ts scripts/tempest.sh.
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $PORT
workers = 1
# web (a read-only http store) and show_multiple_locations: Tempest's ImageLocationsTest.
enabled_backends = fs:file,fs2:file,web:http
show_multiple_locations = True
# The image cache (Tempest's ImageCachingTest; downloads go through it with keystone+caching).
image_cache_dir = $WORK/data/cache
worker_self_reference_url = http://127.0.0.1:$PORT

[database]
connection = sqlite:///$WORK/data/glance.sqlite

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = $WORK/data/images

[fs2]
filesystem_store_datadir = $WORK/data/images2

[os_glance_staging_store]
filesystem_store_datadir = $WORK/data/staging

[os_glance_tasks_store]
filesystem_store_datadir = $WORK/data/tasks

[import_filtering_opts]
allowed_hosts = 127.0.0.1
allowed_ports = 80,443,$HTTP_PORT

[paste_deploy]
flavor = keystone+caching

[keystone_authtoken]
www_authenticate_uri = $KS
auth_url = $KS
memcached_servers = 127.0.0.1:${MEMCACHED_PORT:-11211}
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = $GLANCE_PASSWORD

[oslo_policy]
enforce_new_defaults = True
enforce_scope = True
EOF
mkdir -p "$WORK/data/images" "$WORK/data/images2" "$WORK/data/staging" "$WORK/data/tasks"
timeout 120 node "$ROOT/bin/glance-manage" --config-file "$CONF" db_sync > "$WORK/db_sync.log" 2>&1 \
  || { cat "$WORK/db_sync.log" >&2; die "db_sync failed"; }
# Tempest's metadef tests expect resource types to exist, as after a packaged install; the
# project's own small definitions stand in for Glance's (which it does not ship).
timeout 120 node "$ROOT/bin/glance-manage" --config-file "$CONF" db load_metadefs --path "$ROOT/test/fixtures/metadefs" >> "$WORK/db_sync.log" 2>&1 \
  || { cat "$WORK/db_sync.log" >&2; die "load_metadefs failed"; }
(cd "$WORK" && exec node "$ROOT/bin/glance-api" --config-file "$CONF") </dev/null >"$WORK/glance-api.log" 2>&1 &
GLANCE_PID=$!
URL=http://127.0.0.1:$PORT
for i in $(seq 1 120); do
  [ "$(http_status "$URL/versions")" = 200 ] && break
  kill -0 "$GLANCE_PID" 2>/dev/null || { tail -n 30 "$WORK/glance-api.log" >&2; die "glance-api exited"; }
  [ "$i" = 120 ] && { tail -n 30 "$WORK/glance-api.log" >&2; die "glance-api did not answer within 60 s"; }
  sleep 0.5
done
log "glance-ts (pid $GLANCE_PID) at $URL"

# A small image served locally for [image] http_image (web-download), on HTTP_PORT (section 3).
head -c 1048576 /dev/urandom > "$WORK/http/cirros.img"
(cd "$WORK/http" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$HTTP_PORT") </dev/null >"$WORK/http.log" 2>&1 &
HTTP_PID=$!
for i in $(seq 1 40); do listening "$HTTP_PORT" && break; sleep 0.25; done

# ---------------------------------------------------------------------------------------------
# 4. Catalog: a region of its own with the image endpoints.
REGION=$REGION_PREFIX$PORT
os_admin region create --description "glance-ts tempest run" "$REGION" >/dev/null
for iface in public internal admin; do
  os_admin endpoint create --region "$REGION" "$IMAGE_SERVICE_ID" "$iface" "$URL" >/dev/null
done
log "registered image endpoints in region $REGION"

# ---------------------------------------------------------------------------------------------
# 5. Tempest workspace and configuration.
tempest_env() { env -i PATH=$SYS_PATH HOME="$WORK/home" LANG=C.UTF-8 "$@"; }
tempest_env timeout 120 tempest init --name "glance-ts-$PORT" "$WORK/ws" >/dev/null
cat > "$WORK/ws/etc/tempest.conf" <<EOF
[DEFAULT]
log_file = $WORK/ws/tempest.log

[auth]
admin_username = admin
admin_password = $KEYSTONE_ADMIN_PASSWORD
admin_project_name = admin
admin_domain_name = Default
use_dynamic_credentials = True
create_isolated_networks = False

[identity]
uri_v3 = $KS/v3
auth_version = v3
region = RegionOne

[identity-feature-enabled]
api_v2 = False
api_v3 = True

[image]
region = $REGION
endpoint_type = public
http_image = http://127.0.0.1:$HTTP_PORT/cirros.img
build_timeout = 60
build_interval = 1
image_caching_enabled = True

[image-feature-enabled]
api_v2 = True
api_v1 = False
import_image = True
os_glance_reserved = True
manage_locations = True

[enforce_scope]
glance = True

[service_available]
glance = True
nova = False
cinder = False
neutron = False
swift = False
heat = False
horizon = False
EOF

# ---------------------------------------------------------------------------------------------
# 6. Run.
log "running tempest (regex $REGEX, concurrency $CONCURRENCY, timeout $RUN_TIMEOUT s)"
RC=0
(cd "$WORK/ws" && tempest_env timeout "$RUN_TIMEOUT" tempest run --regex "$REGEX" --concurrency "$CONCURRENCY" "$@") \
  > "$WORK/run.log" 2>&1 || RC=$?
(cd "$WORK/ws" && tempest_env timeout 120 stestr last --subunit) > "$WORK/results.subunit" 2>/dev/null || true
(cd "$WORK/ws" && tempest_env timeout 120 stestr failing --list) 2>/dev/null | grep -v '^$' > "$WORK/failing.txt" || true
{
  sed -n '/^Totals$/,/^Worker Balance$/p' "$WORK/run.log" | grep -v '^Worker Balance$'
  echo "Failed tests:"
  sed 's/^/  /' "$WORK/failing.txt"
  [ "$RC" = 124 ] && echo "tempest run TIMED OUT after $RUN_TIMEOUT s"
} > "$WORK/summary.txt"
cat "$WORK/summary.txt"
[ -s "$WORK/results.subunit" ] || tail -n 40 "$WORK/run.log" >&2
exit "$RC"

#!/usr/bin/env bash
# A real Keystone (Debian's keystone package under uwsgi) for tests and for trying glance-ts.
#
#   scripts/keystone.sh install         Debian packages: keystone, openstack client, uwsgi, memcached
#   scripts/keystone.sh start           database, fernet keys, bootstrap, uwsgi; waits for GET /v3 = 200
#   scripts/keystone.sh seed [URL]      the install guide's steps 2-5 (image endpoints at URL,
#                                       default http://127.0.0.1:9292) plus demo/alt users
#   scripts/keystone.sh stop            stops uwsgi (by its pid file)
#   scripts/keystone.sh env [WHO]       prints `export OS_...` lines for admin (default), demo, alt, glance
#   scripts/keystone.sh status          exit 0 when GET /v3 answers 200
#
# Every subcommand is idempotent: `start` with Keystone already up returns at once, `seed` twice
# creates nothing twice. KEYSTONE_PORT (default 5000) selects an independent instance: each port
# has its own configuration, database, fernet keys and state under $GLANCE_TS_TEST_STATE
# (default /var/lib/glance-ts-test). KEYSTONE_TOKEN_EXPIRATION sets `[token] expiration` (seconds)
# of the instance being started. The database is MariaDB on 127.0.0.1:3306 (root by
# socket), database `keystone` (`keystone_<port>` for other instances) with its own user.
#
# Facts for tests (passwords, ids, URLs) are written to $GLANCE_TS_TEST_STATE/keystone.env (port
# 5000) or keystone-<port>.env, as shell variable assignments. Needs root; no systemd required.
set -euo pipefail

PORT=${KEYSTONE_PORT:-5000}
# shellcheck source=lib/apt-install.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
STATE_BASE=${GLANCE_TS_TEST_STATE:-/var/lib/glance-ts-test}
DIR=$STATE_BASE/keystone-$PORT
if [ "$PORT" = 5000 ]; then STATE_FILE=$STATE_BASE/keystone.env; else STATE_FILE=$STATE_BASE/keystone-$PORT.env; fi
URL=http://127.0.0.1:$PORT
CONF=$DIR/keystone.conf
PIDFILE=$DIR/uwsgi.pid
ADMIN_PASSWORD=${KEYSTONE_ADMIN_PASSWORD:-Passw0rd}
SERVICE_PASSWORD=Passw0rd   # the guide's password for the glance user
DEMO_PASSWORD=Passw0rd
ALT_PASSWORD=Passw0rd
UWSGI=/usr/bin/uwsgi_python311
OPENSTACK=/usr/bin/openstack
PKGS=(keystone python3-openstackclient python3-glanceclient uwsgi-plugin-python3 python3-pymysql memcached)

log() { echo "keystone.sh[$PORT]: $*" >&2; }
die() { log "$*"; exit 1; }

# Concurrent test files may call this script at the same moment: one of them works, the others wait.
lock() {
  mkdir -p "$STATE_BASE"
  exec 9>"$STATE_BASE/keystone-$PORT.lock"
  flock -w 900 9 || die "could not take the lock"
}

# True when GET /v3 answers 200 within 3 s (bash's /dev/tcp: curl is not on every machine).
up() {
  local line=''
  { exec 7<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
  printf 'GET /v3 HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$PORT" >&7
  IFS= read -r -t 3 line <&7 || true
  exec 7>&-
  [[ $line == "HTTP/1."?" 200"* ]]
}

cmd_install() {
  local missing
  missing=$(apt_missing "${PKGS[@]}")
  [ -z "$missing" ] && return 0
  [ "$(id -u)" = 0 ] || die "need root to install: $(echo $missing)"
  # Keystone's package scripts must not touch a database or register endpoints.
  debconf-set-selections <<'EOF'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
EOF
  apt_install_missing "${PKGS[@]}" || die "could not install ${PKGS[*]}"
}

mysql_up() { (echo > /dev/tcp/127.0.0.1/3306) 2>/dev/null; }

# The SQLAlchemy URL of this instance's MariaDB database, creating the database and its user if
# needed. (SQLite is not an option: Keystone's threaded uwsgi workers break on it.)
database_url() {
  local i
  # MariaDB may have been started a moment ago (as .ci/run does).
  for i in $(seq 1 60); do mysql_up && break; sleep 0.5; done
  mysql_up || die "MariaDB does not answer on 127.0.0.1:3306 (start it first, as .ci/run does)"
  local db=keystone user=keystone
  [ "$PORT" = 5000 ] || { db=keystone_$PORT; user=keystone_$PORT; }
  mysql -uroot <<EOF >&2
CREATE DATABASE IF NOT EXISTS $db;
CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY 'Passw0rd';
CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY 'Passw0rd';
GRANT ALL PRIVILEGES ON $db.* TO '$user'@'localhost';
GRANT ALL PRIVILEGES ON $db.* TO '$user'@'127.0.0.1';
EOF
  echo "mysql+pymysql://$user:Passw0rd@127.0.0.1/$db"
}

# One-time set-up of this instance: configuration, schema, keys, bootstrap. Marked done by a file.
configure() {
  [ -e "$DIR/configured" ] && return 0
  [ -x "$UWSGI" ] || die "keystone is not installed: run '$0 install' first"
  local t0=$SECONDS
  mkdir -p "$DIR/fernet-keys" "$DIR/credential-keys" "$DIR/log"
  chown -R keystone:keystone "$DIR"
  chmod 700 "$DIR/fernet-keys" "$DIR/credential-keys"
  local db
  db=$(database_url)
  cat > "$CONF" <<EOF
# Written by glance-ts scripts/keystone.sh for the test Keystone on port $PORT.
[DEFAULT]
log_dir = $DIR/log
[database]
connection = $db
[identity]
# bcrypt's default cost makes every password authentication take most of a second here; a test
# Keystone does not need it.
password_hash_rounds = 4
[token]
provider = fernet
expiration = ${KEYSTONE_TOKEN_EXPIRATION:-3600}
[fernet_tokens]
key_repository = $DIR/fernet-keys/
[credential]
key_repository = $DIR/credential-keys/
[fernet_receipts]
key_repository = $DIR/fernet-keys/
EOF
  chown keystone:keystone "$CONF"
  chmod 640 "$CONF"
  # keystone-manage prints harmless eventlet tracebacks at exit: keep its output in a log file.
  local km=(keystone-manage --config-file "$CONF") mlog=$DIR/log/keystone-manage.out
  {
    su -s /bin/sh keystone -c "$(printf '%q ' "${km[@]}") db_sync" &&
      { [ -e "$DIR/fernet-keys/0" ] || "${km[@]}" fernet_setup --keystone-user keystone --keystone-group keystone; } &&
      { [ -e "$DIR/credential-keys/0" ] || "${km[@]}" credential_setup --keystone-user keystone --keystone-group keystone; } &&
      "${km[@]}" bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
        --bootstrap-admin-url "$URL/v3/" --bootstrap-internal-url "$URL/v3/" \
        --bootstrap-public-url "$URL/v3/" --bootstrap-region-id RegionOne
  } >"$mlog" 2>&1 || { tail -n 40 "$mlog" >&2; die "keystone-manage failed (see $mlog)"; }
  chown -R keystone:keystone "$DIR"
  touch "$DIR/configured"
  log "configured ($db) in $((SECONDS - t0)) s"
}

cmd_start() {
  up && { log "already up at $URL"; return 0; }
  lock
  up && { log "already up at $URL"; return 0; }
  configure
  # A later start may ask for another token lifetime (it only matters while Keystone is down).
  [ -z "${KEYSTONE_TOKEN_EXPIRATION:-}" ] || sed -i "s/^expiration = .*/expiration = $KEYSTONE_TOKEN_EXPIRATION/" "$CONF"
  local t0=$SECONDS
  # The packaged ini loads uwsgi's AppArmor plugin, which makes uwsgi exit at once here.
  grep -v -E '^\s*(plugins?\s*=|apparmor|http-socket|https-socket|socket\s*=|pidfile|daemonize|logto|processes\s*=)' \
    /etc/keystone/keystone-uwsgi.ini > "$DIR/keystone-uwsgi.ini"
  # uwsgi's http-socket closes every connection after its response, but says nothing of it; a
  # client reusing the connection then races the close and gets "connection reset" on a POST it
  # cannot retry (Tempest's user set-ups did). Announcing the close makes clients reconnect.
  # A pid file left by a crashed uwsgi must not block the start.
  start-stop-daemon --stop --quiet --pidfile "$PIDFILE" --exec "$UWSGI" --remove-pidfile --retry TERM/10/KILL/5 >/dev/null 2>&1 || true
  start-stop-daemon --start --background --make-pidfile --pidfile "$PIDFILE" \
    --chdir "$DIR" --exec "$UWSGI" -- \
    --ini "$DIR/keystone-uwsgi.ini" --http-socket "127.0.0.1:$PORT" --processes 2 --add-header 'Connection: close' \
    --uid keystone --gid keystone --env "OS_KEYSTONE_CONFIG_FILES=$CONF" \
    --logto "$DIR/log/uwsgi.log" 9>&-  # the lock must not outlive this script
  local i
  for i in $(seq 1 120); do
    up && { log "up at $URL in $((SECONDS - t0)) s"; write_base_state; return 0; }
    start-stop-daemon --status --pidfile "$PIDFILE" || { tail -n 30 "$DIR/log/uwsgi.log" >&2; die "uwsgi exited"; }
    sleep 0.5
  done
  tail -n 30 "$DIR/log/uwsgi.log" >&2
  die "Keystone did not answer GET $URL/v3 within 60 s"
}

cmd_stop() {
  if [ -e "$PIDFILE" ]; then
    start-stop-daemon --stop --quiet --pidfile "$PIDFILE" --exec "$UWSGI" --remove-pidfile --retry TERM/15/KILL/5 || true
  fi
  log "stopped"
}

# Runs Debian's openstack client as admin (PATH at /usr/bin: a pyenv python3 lacks its modules).
os_admin() {
  env -i PATH=/usr/bin:/bin HOME="$DIR" LANG=C.UTF-8 OS_AUTH_URL="$URL/v3" OS_IDENTITY_API_VERSION=3 \
    OS_USERNAME=admin OS_PASSWORD="$ADMIN_PASSWORD" OS_PROJECT_NAME=admin \
    OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne \
    "$OPENSTACK" "$@"
}

# Runs a batch of openstack commands (one per line, no quoting: interactive mode splits on blanks)
# in one client process: the client needs seconds to start here, so one process per step is slow.
os_batch() { os_admin 2>>"$DIR/log/seed.log"; }

write_base_state() {
  [ -e "$STATE_FILE" ] && grep -q '^KEYSTONE_SEEDED=' "$STATE_FILE" && return 0
  printf 'KEYSTONE_URL=%s\nKEYSTONE_ADMIN_PASSWORD=%s\nKEYSTONE_REGION=RegionOne\n' "$URL" "$ADMIN_PASSWORD" > "$STATE_FILE"
}

# Value of `<prefix>id="..."` in the shell-formatted client output $1.
shell_id() { sed -n "s/^$2id=\"\\(.*\\)\"\$/\\1/p" <<<"$1" | head -n1; }

cmd_seed() {
  local image_url=${1:-http://127.0.0.1:9292}
  up || die "Keystone is not running at $URL: run '$0 start' first"
  lock
  local t0=$SECONDS
  if grep -q "^IMAGE_ENDPOINT_URL=$image_url\$" "$STATE_FILE" 2>/dev/null; then log "already seeded"; return 0; fi
  : > "$DIR/log/seed.log"
  # Step 3 of the guide (service project, glance user with admin on it, system reader for the
  # unified-limits calls), then the non-admin identities: demo (member) and alt, a second project.
  local out
  out=$(os_batch <<EOF
project show admin -f shell -c id --prefix admin_project_
project create --or-show --domain default --description Service-project service -f shell -c id --prefix service_project_
user create --or-show --domain default --password $SERVICE_PASSWORD glance -f shell -c id --prefix glance_user_
role add --project service --user glance admin
role add --user glance --user-domain Default --system all reader
role create --or-show member -f shell -c id --prefix member_role_
project create --or-show --domain default --description Demo-project demo -f shell -c id --prefix demo_project_
user create --or-show --domain default --password $DEMO_PASSWORD demo -f shell -c id --prefix demo_user_
role add --project demo --user demo member
project create --or-show --domain default --description Second-demo-project alt -f shell -c id --prefix alt_project_
user create --or-show --domain default --password $ALT_PASSWORD alt -f shell -c id --prefix alt_user_
role add --project alt --user alt member
service list -f csv --quote none
EOF
)
  local admin_project service_project glance_user demo_project demo_user alt_project alt_user service_id
  admin_project=$(shell_id "$out" admin_project_)
  service_project=$(shell_id "$out" service_project_)
  glance_user=$(shell_id "$out" glance_user_)
  demo_project=$(shell_id "$out" demo_project_)
  demo_user=$(shell_id "$out" demo_user_)
  alt_project=$(shell_id "$out" alt_project_)
  alt_user=$(shell_id "$out" alt_user_)
  [ -n "$admin_project" ] && [ -n "$glance_user" ] && [ -n "$demo_user" ] && [ -n "$alt_user" ] \
    || { cat "$DIR/log/seed.log" >&2; die "seeding users and projects failed"; }
  # Step 3: the image service entity (its description has a blank, so not in a batch).
  service_id=$(awk -F, '$3 == "image" {print $1; exit}' <<<"$out")
  if [ -z "$service_id" ]; then
    service_id=$(os_admin service create --name glance --description "OpenStack Image" image -f value -c id)
  fi
  # Steps 4 and 5: endpoints (moved when they exist at another URL) and the registered limits.
  out=$(os_batch <<EOF
endpoint list --service $service_id -f csv --quote none
registered limit list --service $service_id -f csv --quote none
EOF
)
  local iface found cmds='' ep_public='' ep_internal='' ep_admin='' limit
  for iface in public internal admin; do
    found=$(awk -F, -v i="$iface" 'NF == 7 && $2 == "RegionOne" && $6 == i {print $1 " " $7; exit}' <<<"$out")
    if [ -z "$found" ]; then
      cmds+="endpoint create --region RegionOne $service_id $iface $image_url -f shell -c id --prefix ep_${iface}_"$'\n'
    else
      [ "${found#* }" = "$image_url" ] || cmds+="endpoint set --url $image_url ${found%% *}"$'\n'
      printf -v "ep_$iface" '%s' "${found%% *}"
    fi
  done
  for limit in image_size_total:1000 image_stage_total:1000 image_count_total:100 image_count_uploading:100; do
    awk -F, -v n="${limit%%:*}" 'NF == 6 && $3 == n {f=1} END {exit !f}' <<<"$out" \
      || cmds+="registered limit create --service $service_id --default-limit ${limit#*:} --region RegionOne ${limit%%:*}"$'\n'
  done
  if [ -n "$cmds" ]; then
    out=$(os_batch <<<"$cmds")
    [ -n "$ep_public" ] || ep_public=$(shell_id "$out" ep_public_)
    [ -n "$ep_internal" ] || ep_internal=$(shell_id "$out" ep_internal_)
    [ -n "$ep_admin" ] || ep_admin=$(shell_id "$out" ep_admin_)
  fi
  [ -n "$ep_public" ] && [ -n "$ep_internal" ] && [ -n "$ep_admin" ] \
    || { cat "$DIR/log/seed.log" >&2; die "creating the image endpoints failed"; }
  cat > "$STATE_FILE.tmp" <<EOF
KEYSTONE_URL=$URL
KEYSTONE_ADMIN_PASSWORD=$ADMIN_PASSWORD
KEYSTONE_REGION=RegionOne
ADMIN_PROJECT_ID=$admin_project
SERVICE_PROJECT_ID=$service_project
GLANCE_USER_ID=$glance_user
GLANCE_PASSWORD=$SERVICE_PASSWORD
DEMO_PROJECT_ID=$demo_project
DEMO_USER_ID=$demo_user
DEMO_PASSWORD=$DEMO_PASSWORD
ALT_PROJECT_ID=$alt_project
ALT_USER_ID=$alt_user
ALT_PASSWORD=$ALT_PASSWORD
IMAGE_SERVICE_ID=$service_id
IMAGE_ENDPOINT_URL=$image_url
IMAGE_ENDPOINT_PUBLIC_ID=$ep_public
IMAGE_ENDPOINT_INTERNAL_ID=$ep_internal
IMAGE_ENDPOINT_ADMIN_ID=$ep_admin
KEYSTONE_SEEDED=1
EOF
  mv "$STATE_FILE.tmp" "$STATE_FILE"
  log "seeded in $((SECONDS - t0)) s; facts in $STATE_FILE"
}

cmd_env() {
  local who=${1:-admin} user project password
  case $who in
    admin) user=admin; project=admin; password=$ADMIN_PASSWORD ;;
    demo) user=demo; project=demo; password=$DEMO_PASSWORD ;;
    alt) user=alt; project=alt; password=$ALT_PASSWORD ;;
    glance) user=glance; project=service; password=$SERVICE_PASSWORD ;;
    *) die "unknown identity '$who' (admin, demo, alt, glance)" ;;
  esac
  cat <<EOF
export OS_AUTH_URL=$URL/v3
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=$user
export OS_PASSWORD=$password
export OS_PROJECT_NAME=$project
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=public
EOF
}

case ${1:-} in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  seed) shift; cmd_seed "$@" ;;
  env) shift; cmd_env "$@" ;;
  status) up ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

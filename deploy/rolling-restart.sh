#!/usr/bin/env bash
# Restart the application nodes one at a time behind nginx, without failing a request.
# Run it on the nginx machine, as root (README, "Rolling restart"):
#
#   deploy/rolling-restart.sh                 every node of the upstream, one after another
#   deploy/rolling-restart.sh 10.0.0.12:8000  only these nodes
#   deploy/rolling-restart.sh drain 10.0.0.11:8000    take a node out (maintenance) ...
#   deploy/rolling-restart.sh undrain 10.0.0.11:8000  ... and put it back once healthy
#
# For each node: mark it `down` in the upstream block and reload nginx (open-source nginx
# has no API and only passive health checks, so editing the upstream is the one way to
# stop new requests reaching a node without failing any); wait until the nginx workers
# of the previous configuration have exited and nothing is connected to the node any
# more (its requests in flight are over); restart it; wait for its /healthz to answer
# 200; remove `down` and reload nginx again.
#
# Settings (environment):
#   NGINX_SITE       the file with the upstream's `server` lines
#                    (default /etc/nginx/sites-available/cdp-portal.conf)
#   NGINX            how to call nginx (default `nginx`; e.g. `nginx -p /x -c /x/nginx.conf`)
#   NGINX_PID_FILE   nginx's master PID file (default /run/nginx.pid)
#   RESTART_COMMAND  the restart of one node; {host} and {node} (host:port) are replaced
#                    (default `ssh {host} systemctl restart cdp-portal-web`)
#   HEALTH_HOST      the Host header /healthz is asked with: one of ALLOWED_HOSTS
#                    (default: the site's first server_name)
#   DRAIN_TIMEOUT    seconds to wait for the requests in flight (default 40: longer than
#                    nginx's proxy_read_timeout of 35 s)
#   HEALTH_TIMEOUT   seconds to wait for the restarted node's /healthz (default 120)
set -euo pipefail

NGINX_SITE=${NGINX_SITE:-/etc/nginx/sites-available/cdp-portal.conf}
NGINX=${NGINX:-nginx}
NGINX_PID_FILE=${NGINX_PID_FILE:-/run/nginx.pid}
DEFAULT_RESTART='ssh {host} systemctl restart cdp-portal-web'
RESTART_COMMAND=${RESTART_COMMAND:-$DEFAULT_RESTART}
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-40}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-120}

say() { printf '%s rolling-restart: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() { say "$*"; exit 1; }

# The upstream's nodes, in the order of the file.
upstream_nodes() {
  sed -n 's/^[[:space:]]*server[[:space:]]\{1,\}\([^[:space:];]*:[0-9]\{1,\}\)[[:space:];].*/\1/p' "$NGINX_SITE"
}

health_host() {
  [ -n "${HEALTH_HOST:-}" ] && { echo "$HEALTH_HOST"; return; }
  sed -n 's/^[[:space:]]*server_name[[:space:]]\{1,\}\([^[:space:];]*\).*/\1/p' "$NGINX_SITE" | head -n 1
}

# Adds or removes the `down` flag of one node's server line (`down` is the last word).
set_down() {
  local node=$1 flag=$2
  upstream_nodes | grep -qxF "$node" || fail "$node is not a server of the upstream in $NGINX_SITE"
  # Always remove first, so that the flag never appears twice.
  sed -i "s/^\([[:space:]]*server[[:space:]]\{1,\}${node//./\\.}\([[:space:]][^;]*\)\{0,1\}\)[[:space:]]\{1,\}down;/\1;/" "$NGINX_SITE"
  if [ "$flag" = down ]; then
    sed -i "s/^\([[:space:]]*server[[:space:]]\{1,\}${node//./\\.}\([[:space:]][^;]*\)\{0,1\}\);/\1 down;/" "$NGINX_SITE"
  fi
}

nginx_workers() {
  local master
  master=$(cat "$NGINX_PID_FILE")
  cat "/proc/$master/task/$master/children" 2>/dev/null || true
}

# Reloads nginx and waits until the workers of the previous configuration have exited:
# they finish the requests they hold, and new requests follow the new configuration.
reload_nginx() {
  local old deadline pid
  $NGINX -t -q || fail "nginx refuses $NGINX_SITE; nothing reloaded"
  old=$(nginx_workers)
  $NGINX -s reload
  deadline=$((SECONDS + DRAIN_TIMEOUT))
  for pid in $old; do
    while [ -e "/proc/$pid" ] && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
      ((SECONDS < deadline)) || { say "nginx worker $pid still busy after ${DRAIN_TIMEOUT}s"; return 0; }
      sleep 0.2
    done
  done
}

# Requests still open towards the node (gunicorn's sync workers close each connection
# after its response, so an established connection is a request in flight).
wait_idle() {
  local node=$1 deadline
  deadline=$((SECONDS + DRAIN_TIMEOUT))
  while [ -n "$(ss -Htn state established dst "${node%:*}" dport = ":${node##*:}")" ]; do
    ((SECONDS < deadline)) || { say "$node still has requests after ${DRAIN_TIMEOUT}s"; return 0; }
    sleep 0.2
  done
}

wait_healthy() {
  local node=$1 host deadline
  host=$(health_host)
  deadline=$((SECONDS + HEALTH_TIMEOUT))
  until curl -fsS -o /dev/null --max-time 3 -H "Host: $host" -H 'X-Forwarded-Proto: https' \
    "http://$node/healthz" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "$node/healthz not 200 after ${HEALTH_TIMEOUT}s; it stays drained"
    sleep 0.5
  done
}

drain() {
  say "draining $1"
  set_down "$1" down
  reload_nginx
  wait_idle "$1"
}

undrain() {
  wait_healthy "$1"
  set_down "$1" up
  reload_nginx
  say "$1 is back in the upstream"
}

restart_node() {
  local node=$1 command
  command=${RESTART_COMMAND//\{node\}/$node}
  command=${command//\{host\}/${node%:*}}
  drain "$node"
  say "restarting $node: $command"
  bash -c "$command"
  undrain "$node"
}

main() {
  case "${1:-}" in
    drain) shift; for node in "$@"; do drain "$node"; done; return ;;
    undrain) shift; for node in "$@"; do undrain "$node"; done; return ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; return ;;
  esac
  local nodes=("$@")
  ((${#nodes[@]})) || mapfile -t nodes < <(upstream_nodes)
  (($(upstream_nodes | wc -l) > 1)) || fail "fewer than two nodes: draining the only one would stop the site"
  for node in "${nodes[@]}"; do
    restart_node "$node"
  done
  say "done: ${nodes[*]}"
}

main "$@"

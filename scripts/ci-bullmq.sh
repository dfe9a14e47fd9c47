#!/usr/bin/env bash
# CI: the BullMQ adapter against a real Redis. Installs Debian's redis-server if missing,
# starts one on a unix socket in a temporary directory, runs npm run test:bullmq against
# it, and stops it however the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
dir=$(mktemp -d)
socket="$dir/redis.sock"
redis-server --port 0 --unixsocket "$socket" --unixsocketperm 700 --dir "$dir" --save '' --appendonly no \
  --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
stop() {
  redis-cli -s "$socket" shutdown nosave >/dev/null 2>&1 || { [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null; } || true
  rm -rf "$dir"
}
trap stop EXIT
# The daemon forks before it listens: wait (up to 10 s) until it answers.
for _ in $(seq 100); do
  redis-cli -s "$socket" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -s "$socket" ping >/dev/null || { cat "$dir/redis.log"; exit 1; }
echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on $socket"
INTERRUPTIBLE_REDIS_URL="unix://$socket" npm run test:bullmq

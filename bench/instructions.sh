#!/usr/bin/env bash
# Instructions per request, counted by valgrind (callgrind): unlike req/s, the count does not move
# with a noisy virtual machine. Each server runs twice under callgrind, serving A and then B
# requests (autocannon, outside valgrind); (total_B - total_A) / (B - A) leaves out start-up and
# the JIT's first compilations. Slow (valgrind runs node ~50x slower): about 4 minutes a pair.
#
#   bash bench/instructions.sh [servers] [routes]     e.g. bash bench/instructions.sh "fastify loopwise" "/json"
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind: apt-get install -y valgrind" >&2; exit 1; }
servers=${1:-"raw-http fastify loopwise"}
routes=${2:-"/json /users/12 /echo"}
A=${A:-3000}
B=${B:-9000}
autocannon=node_modules/.bin/autocannon

# Prints callgrind's total instruction count for one server serving $3 requests of route $2.
count() {
  local server=$1 route=$2 requests=$3 port=$((20000 + RANDOM % 20000)) out
  out=$(mktemp)
  PORT=$port valgrind --tool=callgrind --callgrind-out-file="$out" --smc-check=all-non-file \
    node --import tsx "bench/apps/$server.ts" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do curl -s -o /dev/null "127.0.0.1:$port/json" && break; sleep 0.5; done
  if [ "$route" = /echo ]; then
    $autocannon -a "$requests" -c 10 -m POST -H content-type=application/json -b '{"name":"Ada","age":36}' \
      "http://127.0.0.1:$port$route" >/dev/null 2>&1
  else
    $autocannon -a "$requests" -c 10 "http://127.0.0.1:$port$route" >/dev/null 2>&1
  fi
  kill -INT "$pid"; wait "$pid" || true
  awk '/^(summary|totals):/ { print $2; exit }' "$out"
  rm -f "$out"
}

printf '%-12s %-10s %s\n' route server instructions/request
for route in $routes; do
  for server in $servers; do
    a=$(count "$server" "$route" "$A"); b=$(count "$server" "$route" "$B")
    printf '%-12s %-10s %d\n' "$route" "$server" $(( (b - a) / (B - A) ))
  done
done

#!/bin/bash
# Two servers' CPU per request under the same host noise: both run on core 0 at once, each loaded
# by its own wrk on core 1, and each one's CPU time (utime+stime from /proc) is divided by the
# requests it answered. Host noise moves both alike, so their ratio holds within a percent or two
# where a one-at-a-time run's req/s moves by 15-30% on this machine (bench/RESULTS.md, issue 23).
#
# usage: bash bench/pair-cpu.sh ROUTE SECONDS ROUNDS APP_A APP_B
#   ROUTE: /json, /users/42 or /echo (a POST, with bench/echo.lua); apps are bench/apps/*.ts files.
#   RUNNER: what runs an app, default the project's bun; RUNNER="node --import tsx" for Node.
# e.g.  bash bench/pair-cpu.sh /json 4 3 bench/apps/elysia.ts bench/apps/loopwise.ts
set -euo pipefail
route=$1; secs=$2; rounds=$3; A=$4; B=$5
root=$(cd "$(dirname "$0")/.." && pwd)
runner=${RUNNER:-$root/node_modules/.bin/bun}
tck=$(getconf CLK_TCK)
extra=(); [ "$route" = "/echo" ] && extra=(-s "$root/bench/echo.lua")
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
for r in $(seq 1 "$rounds"); do
  pa=$((20000 + RANDOM % 5000)); pb=$((25000 + RANDOM % 5000))
  PORT=$pa taskset -c 0 $runner "$A" > /dev/null 2>&1 & ia=$!
  PORT=$pb taskset -c 0 $runner "$B" > /dev/null 2>&1 & ib=$!
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$pa/json" && curl -sf -o /dev/null "http://127.0.0.1:$pb/json" && break; sleep 0.1; done
  # Warm-up, both at once.
  taskset -c 1 wrk -t1 -c50 -d1s "${extra[@]}" "http://127.0.0.1:$pa$route" > /dev/null & w=$!
  taskset -c 1 wrk -t1 -c50 -d1s "${extra[@]}" "http://127.0.0.1:$pb$route" > /dev/null; wait $w
  a0=$(cpu $ia); b0=$(cpu $ib)
  out_a=$(mktemp); out_b=$(mktemp)
  taskset -c 1 wrk -t1 -c50 -d"${secs}s" "${extra[@]}" "http://127.0.0.1:$pa$route" > "$out_a" & w=$!
  taskset -c 1 wrk -t1 -c50 -d"${secs}s" "${extra[@]}" "http://127.0.0.1:$pb$route" > "$out_b"; wait $w
  a1=$(cpu $ia); b1=$(cpu $ib)
  na=$(awk '/requests in/{print $1}' "$out_a"); nb=$(awk '/requests in/{print $1}' "$out_b")
  awk -v a0="$a0" -v a1="$a1" -v b0="$b0" -v b1="$b1" -v na="$na" -v nb="$nb" -v t="$tck" -v r="$r" -v A="$A" -v B="$B" \
    'BEGIN { ca = (a1 - a0) / t * 1e6 / na; cb = (b1 - b0) / t * 1e6 / nb; printf "round %d  %s %.2f µs/req (%d)  %s %.2f µs/req (%d)  B/A %.3f\n", r, A, ca, na, B, cb, nb, cb / ca }'
  rm -f "$out_a" "$out_b"
  kill $ia $ib; wait $ia $ib 2>/dev/null || true
done

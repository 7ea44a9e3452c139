#!/usr/bin/env bash
# The floor under `wayfare bench booking` on PostgreSQL: one order's least database work
# (tools/bench/order_floor.sql: four transactions, 18 statements, no reads back, no
# application, no HTTP) run by pgbench with as many clients as the benchmark's, on the same
# machine. Whatever this reaches is more than whole orders through the application can.
#   tools/bench/order_floor.sh [clients] [seconds] [psql connection options…]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
clients="${1:-64}"
seconds="${2:-20}"
shift $(( $# > 2 ? 2 : $# ))
conn=("$@")
[ ${#conn[@]} -eq 0 ] && conn=(-h /var/run/postgresql -U postgres test)
PGOPTIONS="-c client_min_messages=warning" psql -q "${conn[@]}" -v ON_ERROR_STOP=1 -f "$here/order_floor_setup.sql" >/dev/null
pgbench -n -M prepared -c "$clients" -j 2 -T "$seconds" \
  --log --log-prefix=/tmp/order_floor -f "${ORDER_FLOOR_SQL:-$here/order_floor.sql}" "${conn[@]}" \
  | grep -E "^(latency average|tps|number of transactions actually)"
# Latency per order (one script run = one order) from the per-transaction log: p50 and p99.
cat /tmp/order_floor.* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {
  printf "orders logged %d: p50 %.1f ms, p99 %.1f ms\n", NR, a[int(NR*0.50)]/1000, a[int(NR*0.99)]/1000 }'
rm -f /tmp/order_floor.*
PGOPTIONS="-c client_min_messages=warning" psql -q "${conn[@]}" -c "DROP SCHEMA order_floor CASCADE" >/dev/null

#!/usr/bin/env bash
# Runs three tidewire nodes as one cluster on loopback (`make cluster`):
#
#   scripts/run-cluster.sh BINARY DIR
#
# a, b, c serve HTTP/WebSocket on 127.0.0.1:8081-8083 and link over mutual
# TLS on cluster ports 7101-7103, with data in DIR/{a,b,c} and development
# certificates made once in DIR/certs (scripts/make-cluster-certs.sh).
# Ctrl-C stops all three.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BINARY DIR" >&2
  exit 2
fi
bin=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
names=(a b c)
http_ports=(8081 8082 8083)
cluster_ports=(7101 7102 7103)

mkdir -p "$dir"
if [ ! -s "$dir/certs/c.pem" ]; then
  bash "$here/make-cluster-certs.sh" "$dir/certs" "${names[@]}" >/dev/null
fi

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait
}
trap stop INT TERM EXIT

for i in 0 1 2; do
  name=${names[$i]}
  seeds=()
  for j in 0 1 2; do
    [ "$j" -ne "$i" ] && seeds+=("127.0.0.1:${cluster_ports[$j]}")
  done
  "$bin" --host=127.0.0.1 --port="${http_ports[$i]}" --data-dir="$dir/$name" \
    --web-root="$here/../web" --node-name="$name" \
    --cluster-host=127.0.0.1 --cluster-port="${cluster_ports[$i]}" \
    --seeds="$(IFS=,; echo "${seeds[*]}")" \
    --cluster-cert="$dir/certs/$name.pem" --cluster-key="$dir/certs/$name.key" \
    --cluster-ca="$dir/certs/ca.pem" \
    > >(sed -u "s/^/[$name] /") 2> >(sed -u "s/^/[$name] /" >&2) &
  pids+=($!)
done

echo "cluster of three nodes (Ctrl-C stops them):"
for i in 0 1 2; do
  echo "  ${names[$i]}: http://127.0.0.1:${http_ports[$i]}/  (cluster port ${cluster_ports[$i]}, status http://127.0.0.1:${http_ports[$i]}/api/v1/cluster)"
done
wait

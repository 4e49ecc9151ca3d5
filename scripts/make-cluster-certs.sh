#!/usr/bin/env bash
# Makes a development cluster CA and one certificate per node with the
# openssl CLI, for --cluster-cert / --cluster-key / --cluster-ca:
#
#   scripts/make-cluster-certs.sh DIR NODE...
#
#   DIR/ca.pem, DIR/ca.key        the cluster CA (made once, reused after)
#   DIR/NODE.pem, DIR/NODE.key    a certificate for NODE signed by that CA
#
# Every member must get its certificate from the same CA: a node refuses a
# peer whose certificate another CA signed. Keys are unencrypted (tidewire
# reads them without a passphrase): keep DIR private. For production, use
# your own CA and keep its key offline.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 DIR NODE..." >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "$0: the openssl CLI is missing" >&2; exit 1; }

dir=$1
shift
mkdir -p "$dir"
chmod 700 "$dir"
days=825

if [ ! -s "$dir/ca.pem" ] || [ ! -s "$dir/ca.key" ]; then
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -days "$days" \
    -subj "/CN=tidewire cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 600 "$dir/ca.key"
  echo "made $dir/ca.pem"
fi

for node in "$@"; do
  if ! [[ $node =~ ^[A-Za-z0-9_.-]{1,64}$ ]]; then
    echo "$0: '$node' is not a node name ([A-Za-z0-9_.-]{1,64})" >&2
    exit 2
  fi
  ext=$(mktemp)
  trap 'rm -f "$ext"' EXIT
  # Both ends of a cluster link present a certificate, so each one is good
  # for a TLS client and a TLS server.
  cat >"$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:$node,DNS:localhost,IP:127.0.0.1
EXT
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$dir/$node.key" -out "$dir/$node.csr" -subj "/CN=$node" 2>/dev/null
  openssl x509 -req -in "$dir/$node.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -out "$dir/$node.pem" -days "$days" -extfile "$ext" 2>/dev/null
  rm -f "$dir/$node.csr" "$ext"
  chmod 600 "$dir/$node.key"
  echo "made $dir/$node.pem"
done

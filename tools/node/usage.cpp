#include "tools/node/options.hpp"

// The --help text; docs/operations.md lists the same flags.
namespace tidewire::node {

const char* usage() {
  return R"(usage: tidewire [--name=value ...]

  --host=ADDR            address to listen on (127.0.0.1)
  --port=N               HTTP and WebSocket port, 0 for any free one (8080)
  --data-dir=DIR         replay store directory (./var/data)
  --durability=MODE      none | wal | sync (wal)
  --min-free-mb=N        refuse publishes (storage_full / 507) while the data
                         directory's disk has less free than this; 0: only
                         when a write fails (64)
  --simulate=BOOL        run the demo market data sources (true)
  --web-root=DIR         static files served at / (web)
  --config=FILE          JSON file: channel patterns, source intervals
  --node-name=NAME       name sent to clients in `welcome` and to cluster
                         peers; [A-Za-z0-9_.-]{1,64} (tidewire-PORT)
  --max-frame=BYTES      largest client message and HTTP publish body (65536)
  --queue-bytes=BYTES    per-client outbound bytes before close 1013 (4194304)
  --heartbeat-ms=N       client heartbeat interval announced in `welcome` (15000)
  --io-threads=N         network threads (2)
  --idle-timeout-s=N     close an HTTP connection or WebSocket silent this long (30)
  --handshake-timeout-s=N
                         WebSocket opening and closing handshake limit (10)
  --http-body-limit=BYTES
                         largest HTTP request body, 413 above (1048576)
  --max-publishes-in-flight=N
                         unacknowledged publishes per client before
                         rate_limited (256)
  --max-pending-publishes=N
                         publishes queued per channel behind its store write
                         before rate_limited / 429 (8192)
  --idempotency-window-s=N
                         a publish repeating a key seen this recently gets
                         the first one's seq (600)
  --idempotency-keys=N   keys remembered per channel within the window (10000)
  --ring-bytes=BYTES     recent updates a channel keeps in memory, at most
                         4096 of them; older ones come from the store
                         (8388608)
  --max-state-bytes=BYTES
                         largest state channel document; publishes past it
                         get too_large (1048576)
  --state-snapshot-every=N
                         a state channel stores its whole document every N
                         records (and 30 s after the last); retention never
                         trims past it, and a restart re-applies at most N (1000)
  --max-subscriptions=N  channels one client may subscribe to at once (1024)
  --max-channels=N       channels a node holds before new names from `*`
                         patterns get rate_limited / 429 (100000)
  --channel-idle-s=N     retire a channel made from a `*` pattern that never
                         had an update and has no subscriber after N to 2N
                         seconds; 0 never (300)
  --scheduler-threads=N  actor scheduler threads (1 on at most 2 cores,
                         else 2)
  --scheduler-throughput=N
                         messages an actor handles before yielding (300)
  --scheduler-polls=N[,M]
                         times an idle scheduler thread polls for work
                         without sleeping (N, 10), then with 50 us sleeps
                         (M, 0), before it waits to be woken
  --cluster-port=N       join a cluster: publish this node on port N of
                         --cluster-host (needs --node-name and the three
                         --cluster-* TLS files)
  --cluster-host=ADDR    address the cluster port binds to (127.0.0.1)
  --seeds=HOST:PORT,...  cluster ports of the other configured members; all
                         configured members define the majority
  --replication=MODE     sync | async: acknowledge a publish after the
                         replica has it, or after the owner has it (sync)
  --cluster-cert=FILE    this node's certificate (PEM)
  --cluster-key=FILE     its private key (PEM)
  --cluster-ca=FILE      the cluster CA certificate (PEM); peers must present
                         a certificate it signed
  --auth=MODE            none | jwt (none; none needs a loopback --host
                         or --allow-anonymous)
  --jwt-secret-file=FILE HS256 secret (at least 32 bytes)
  --jwt-public-key-file=FILE
                         RS256 or ES256 PEM public key
  --jwt-audience=AUD     required `aud` claim (none)
  --jwt-issuer=ISS       required `iss` claim (none)
  --auth-timeout-s=N     close a WebSocket without a valid token after (10)
  --allow-anonymous      allow --auth=none on a non-loopback --host
  --allowed-origins=LIST comma-separated origins (https://app.example) allowed
                         besides the node's own to open WebSockets and make
                         CORS requests (none)
  --max-connections=N    open connections per node; 503 above (10000, at
                         most the descriptor limit less a reserve)
  --max-connections-per-ip=N
                         open connections per client address; 429 above (256)
  --max-messages-per-s=N client messages per WebSocket per second before
                         rate_limited, then close 1008 (10000)
  --write-timeout-s=N    close a client that does not take a write this long (20)
  --tls-cert-file=FILE   serve https and wss with this PEM certificate
                         (chain allowed); needs --tls-key-file (none)
  --tls-key-file=FILE    the certificate's unencrypted PEM private key
  --help                 this text
)";
}

} // namespace tidewire::node

// The four TLS I/O calls caf::openssl makes (SSL_read, SSL_write,
// SSL_accept, SSL_connect) are defined here, so the dynamic linker binds
// libcaf_openssl's references to them (an executable's definitions come
// first); each calls OpenSSL's own. caf::openssl's links run on a socket
// descriptor; the client port's TLS (net/client_stream, Asio) runs over
// memory BIOs, has no descriptor, and is passed through untouched (Asio
// empties the error queue itself and its session logs its own failures).
// For CAF's links they do three things CAF 0.17.6 does not:
//
// 1. Empty OpenSSL's error queue before each call. OpenSSL keeps a
//    per-thread error queue, and SSL_get_error() reports SSL_ERROR_SSL
//    whenever that queue is not empty, whatever the call it is asked about
//    did; OpenSSL therefore requires the queue to be empty before each TLS
//    I/O call. caf::openssl never empties it (it would only in log
//    statements, which Debian's build, CAF_LOG_LEVEL QUIET, compiles out).
//    So after one handshake failed on CAF's multiplexer thread (a peer with
//    a certificate from another CA, a port scanner, a BASP header sent
//    without TLS), the next harmless "want read" on a healthy link was taken
//    for a fatal error and that link closed: members flapped down and up.
//
// 2. Log why a TLS handshake or record failed, with the peer's address:
//    CAF closes such a connection silently, and the accepting side would
//    otherwise never say that it refused a peer. At most a few lines per
//    10 s, so a flood of bad connections cannot flood the log.
//
// 3. Report each accepting handshake to the handshake watch
//    (handshake_watch.hpp), which cuts one still unfinished at its deadline:
//    caf::openssl has no handshake timeout of its own.
#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tools/node/handshake_watch.hpp"

namespace {

template <class Fn>
Fn next_definition(const char* name) {
  auto fn = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
  if (!fn) {
    std::fprintf(stderr, "tidewire: cannot find OpenSSL's %s\n", name);
    std::abort();
  }
  return fn;
}

void free_peer(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::string*>(ptr);
}

// The peer's address, looked up at the connection's first TLS call: once a
// handshake failed, the peer has often reset the socket already.
const std::string& peer_of(SSL* ssl) {
  static const int index =
    SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_peer);
  auto* peer = static_cast<std::string*>(SSL_get_ex_data(ssl, index));
  if (!peer) {
    peer = new std::string(tidewire::node::peer_address(SSL_get_fd(ssl)));
    SSL_set_ex_data(ssl, index, peer);
  }
  return *peer;
}

// An accepting handshake is reported to the handshake watch
// (handshake_watch.hpp) at its first SSL_accept and again when it ends: it
// completed, or OpenSSL frees the SSL (the connection is gone).
std::atomic<uint64_t> next_handshake{0};

void end_watch(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  if (auto* id = static_cast<uint64_t*>(ptr)) {
    tidewire::node::handshake_ended(*id);
    delete id;
  }
}

int watch_index() {
  static const int index =
    SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, end_watch);
  return index;
}

// After every TLS call of CAF's: the handshake may finish in SSL_read too.
void watch_handshake(SSL* ssl, bool accepting) {
  auto* id = static_cast<uint64_t*>(SSL_get_ex_data(ssl, watch_index()));
  if (SSL_is_init_finished(ssl)) {
    if (id) {
      tidewire::node::handshake_ended(*id);
      SSL_set_ex_data(ssl, watch_index(), nullptr);
      delete id;
    }
    return;
  }
  if (id || !accepting)
    return;
  id = new uint64_t(++next_handshake);
  SSL_set_ex_data(ssl, watch_index(), id);
  tidewire::node::handshake_started(*id, SSL_get_fd(ssl), peer_of(ssl));
}

// Lines per window; the rest are counted and reported with the next line.
constexpr int max_lines = 5;
constexpr auto window = std::chrono::seconds(10);
std::atomic<int64_t> window_start{0};
std::atomic<int> lines_in_window{0};
std::atomic<int> suppressed{0};

bool may_log() {
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto start = window_start.load();
  if (now - start > std::chrono::nanoseconds(window).count()
      && window_start.compare_exchange_strong(start, now))
    lines_in_window = 0;
  if (lines_in_window.fetch_add(1) < max_lines)
    return true;
  ++suppressed;
  return false;
}

// Called after a TLS call returned `ret` <= 0. Leaves the error queue as it
// is: CAF's SSL_get_error() right after must see the same failure.
void report_failure(SSL* ssl, int ret, const char* side) {
  if (SSL_get_error(ssl, ret) != SSL_ERROR_SSL)
    return; // would block, or the peer closed: not a refusal
  auto code = ERR_peek_error();
  // A peer going away without a TLS close_notify (CAF never sends one).
  if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
    return;
  if (!may_log())
    return;
  char reason[256] = "unknown TLS error";
  if (code)
    ERR_error_string_n(code, reason, sizeof(reason));
  std::string line = "tidewire: cluster: TLS with " + peer_of(ssl) + " ("
                     + side + ") failed: " + reason;
  auto verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK)
    line += std::string{" ("} + X509_verify_cert_error_string(verify) + ")";
  if (auto n = suppressed.exchange(0))
    line += "; " + std::to_string(n) + " more not logged";
  std::fprintf(stderr, "%s\n", line.c_str());
}

// An SSL of caf::openssl (on a socket), not one of Asio's (on memory BIOs).
bool is_cluster_link(SSL* ssl) {
  return SSL_get_fd(ssl) >= 0;
}

// Runs OpenSSL's own `call` on `ssl` with the two additions above: an
// empty error queue first, a logged failure after (`side` says which call).
// Accepting handshakes are watched (handshake_watch.hpp).
template <class Call>
int observed(SSL* ssl, const char* side, Call call, bool accepting = false) {
  ERR_clear_error();
  peer_of(ssl);
  auto ret = call();
  if (ret <= 0)
    report_failure(ssl, ret, side);
  watch_handshake(ssl, accepting);
  return ret;
}

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = next_definition<int (*)(SSL*, void*, int)>("SSL_read");
  if (!is_cluster_link(ssl))
    return real(ssl, buf, num);
  return observed(ssl, "reading", [&] { return real(ssl, buf, num); });
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto real =
    next_definition<int (*)(SSL*, const void*, int)>("SSL_write");
  if (!is_cluster_link(ssl))
    return real(ssl, buf, num);
  return observed(ssl, "writing", [&] { return real(ssl, buf, num); });
}

int SSL_accept(SSL* ssl) {
  static auto real = next_definition<int (*)(SSL*)>("SSL_accept");
  if (!is_cluster_link(ssl))
    return real(ssl);
  return observed(ssl, "accepting", [&] { return real(ssl); }, true);
}

int SSL_connect(SSL* ssl) {
  static auto real = next_definition<int (*)(SSL*)>("SSL_connect");
  if (!is_cluster_link(ssl))
    return real(ssl);
  return observed(ssl, "dialling", [&] { return real(ssl); });
}

} // extern "C"

// Works around a bug of caf::openssl 0.17.6 that lets any failed TLS
// handshake on the cluster port cut every other cluster link.
//
// OpenSSL keeps a per-thread error queue, and SSL_get_error() reports
// SSL_ERROR_SSL whenever that queue is not empty, whatever the call it is
// asked about did. OpenSSL therefore requires the queue to be empty before
// each TLS I/O call. caf::openssl never empties it: it would only do so in
// log statements, which Debian's build (CAF_LOG_LEVEL QUIET) compiles out.
// So after one handshake fails on CAF's multiplexer thread (a peer with a
// certificate from another CA, a port scanner, a BASP header sent without
// TLS), the next harmless "want read" on a healthy link is taken for a
// fatal error and that link is closed: members flap as down and up.
//
// The four TLS I/O calls caf::openssl makes are defined here, so the
// dynamic linker binds libcaf_openssl's references to them (an executable's
// definitions come first); each empties the queue and calls OpenSSL's own.
// Only caf::openssl does TLS I/O in this process.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include <openssl/err.h>
#include <openssl/ssl.h>

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

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = next_definition<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto real =
    next_definition<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static auto real = next_definition<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

int SSL_connect(SSL* ssl) {
  static auto real = next_definition<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

} // extern "C"

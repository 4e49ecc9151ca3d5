#include "net/client_stream.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <unistd.h>

#include <boost/beast/core/detect_ssl.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace tidewire::net {

namespace asio = boost::asio;

namespace {

// The socket moves to a socket typed on the strand it was accepted on, so
// the strand the caller runs on stays this connection's strand.
client_stream::tcp_layer on_strand(asio::ip::tcp::socket&& s,
                                   asio::io_context& ioc) {
  using strand_type = client_stream::strand_type;
  auto* accepted_on = s.get_executor().target<strand_type>();
  strand_type strand = accepted_on ? *accepted_on : asio::make_strand(ioc);
  boost::system::error_code ec;
  auto protocol = s.local_endpoint(ec).protocol();
  if (ec)
    protocol = asio::ip::tcp::v4();
  auto handle = s.release(ec);
  client_stream::tcp_layer::socket_type out{strand};
  if (!ec && out.assign(protocol, handle, ec))
    ::close(handle);
  return client_stream::tcp_layer{std::move(out)}; // not open on failure
}

std::string openssl_reason() {
  auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0)
    return "not a valid PEM file";
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : "OpenSSL error " + std::to_string(code);
}

bool readable(const std::string& flag, const std::string& file,
              std::string& error) {
  std::ifstream in{file};
  if (in)
    return true;
  error = "cannot read " + flag + " " + file + ": " + std::strerror(errno);
  return false;
}

} // namespace

client_stream::client_stream(asio::ip::tcp::socket&& socket,
                             asio::io_context& ioc, tls_context* tls) {
  if (tls)
    tls_.emplace(on_strand(std::move(socket), ioc), tls->ctx);
  else
    plain_.emplace(on_strand(std::move(socket), ioc));
}

void client_stream::go_bare() {
  if (!plain_)
    return;
  bare_.emplace(plain_->release_socket());
  plain_.reset();
}

void client_stream::expires_after(std::chrono::steady_clock::duration timeout) {
  if (!bare_)
    return tcp().expires_after(timeout);
  if (!deadline_)
    deadline_ = std::make_shared<deadline>(*bare_);
  auto armed = ++deadline_->armed;
  deadline_->timer.expires_after(timeout);
  deadline_->timer.async_wait(
    [d = deadline_, armed](boost::system::error_code ec) {
      if (ec || d->armed != armed || !d->socket)
        return;
      boost::system::error_code ignored;
      d->socket->close(ignored);
    });
}

void client_stream::expires_never() {
  if (!bare_)
    return tcp().expires_never();
  if (!deadline_)
    return;
  ++deadline_->armed;
  deadline_->socket = nullptr;
  deadline_->timer.cancel();
  deadline_.reset();
}

void client_stream::close() {
  boost::system::error_code ignored;
  if (bare_)
    bare_->close(ignored);
  else
    tcp().close();
}

void client_stream::async_end(std::chrono::steady_clock::duration timeout,
                               std::function<void()> done) {
  auto tcp_shutdown = [this] {
    boost::system::error_code ignored;
    tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both,
                                   ignored);
  };
  if (!tls_ || !SSL_is_init_finished(tls_->native_handle())) {
    boost::system::error_code ignored;
    tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send,
                                   ignored);
    return done();
  }
  // The shutdown sends close_notify, then waits for the client's (or the
  // expiry, or an error: the client is gone either way).
  tcp().expires_after(timeout);
  tls_->async_shutdown(
    [tcp_shutdown, done = std::move(done)](boost::system::error_code) {
      tcp_shutdown();
      done();
    });
}

void client_stream::async_start_tls(boost::beast::flat_buffer& buffer,
                                    std::chrono::steady_clock::duration timeout,
                                    tls_start_handler done) {
  tcp().expires_after(timeout);
  boost::beast::async_detect_ssl(
    tcp(), buffer,
    [this, &buffer, done = std::move(done)](boost::system::error_code ec,
                                            bool is_tls) mutable {
      if (ec)
        return done(tls_start::detect_failed, ec);
      if (!is_tls)
        return done(tls_start::plain_http, {});
      tls_->async_handshake(
        asio::ssl::stream_base::server, buffer.data(),
        [&buffer, done = std::move(done)](boost::system::error_code ec,
                                          std::size_t used) {
          if (ec)
            return done(tls_start::handshake_failed, ec);
          buffer.consume(used);
          done(tls_start::ready, {});
        });
    });
}

std::shared_ptr<tls_context> load_tls_context(const std::string& cert_file,
                                              const std::string& key_file,
                                              std::string& error) {
  if (!readable("--tls-cert-file", cert_file, error)
      || !readable("--tls-key-file", key_file, error))
    return nullptr;
  auto tls = std::make_shared<tls_context>();
  auto* ctx = tls->ctx.native_handle();
  // TLS 1.2 and 1.3 only; no renegotiation a client could use to make the
  // node spend CPU, no compression (CRIME).
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION
                             | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An encrypted key would make OpenSSL ask for a passphrase on the
  // terminal: refuse it instead.
  SSL_CTX_set_default_passwd_cb(ctx, [](char*, int, int, void*) { return 0; });
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    error = "--tls-cert-file " + cert_file
            + " is not a PEM certificate: " + openssl_reason();
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM)
      != 1) {
    auto why = openssl_reason();
    error = "--tls-key-file " + key_file + ": "
            + (why == "key values mismatch"
                 ? "this key does not belong to the certificate of "
                   "--tls-cert-file"
                 : "not an unencrypted PEM private key (" + why + ")");
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    error = "--tls-key-file " + key_file
            + " does not belong to the certificate of --tls-cert-file";
    ERR_clear_error();
    return nullptr;
  }
  return tls;
}

} // namespace tidewire::net

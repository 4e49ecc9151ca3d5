#include "tools/node/cluster_tls.hpp"

#include <cstdio>
#include <memory>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <caf/expected.hpp>

#include "actors/errors.hpp"

namespace tidewire::node {

namespace {

caf::error bad(std::string message) {
  return make_error(errc::bad_request, std::move(message));
}

struct file_closer {
  void operator()(FILE* f) const {
    std::fclose(f);
  }
};
using file_ptr = std::unique_ptr<FILE, file_closer>;
using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using key_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using store_ptr = std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)>;
using store_ctx_ptr =
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)>;
using chain_ptr = std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)>;

// Never prompts on the terminal for a passphrase: an encrypted key fails.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

caf::expected<file_ptr> open(const std::string& flag, const std::string& path) {
  file_ptr f{std::fopen(path.c_str(), "r")};
  if (!f)
    return bad("--" + flag + ": cannot read " + path);
  return f;
}

// The certificates of a PEM file, in order.
caf::expected<std::vector<x509_ptr>> read_certs(const std::string& flag,
                                                const std::string& path) {
  auto f = open(flag, path);
  if (!f)
    return f.error();
  std::vector<x509_ptr> certs;
  while (auto cert = PEM_read_X509(f->get(), nullptr, no_passphrase, nullptr))
    certs.emplace_back(cert, X509_free);
  ERR_clear_error(); // the read that ended the loop
  if (certs.empty())
    return bad("--" + flag + ": " + path + " holds no PEM certificate");
  return certs;
}

} // namespace

caf::error check_cluster_tls(const std::string& cert_file,
                             const std::string& key_file,
                             const std::string& ca_file) {
  auto cas = read_certs("cluster-ca", ca_file);
  if (!cas)
    return cas.error();
  auto certs = read_certs("cluster-cert", cert_file);
  if (!certs)
    return certs.error();
  auto key_in = open("cluster-key", key_file);
  if (!key_in)
    return key_in.error();
  key_ptr key{PEM_read_PrivateKey(key_in->get(), nullptr, no_passphrase,
                                  nullptr),
              EVP_PKEY_free};
  ERR_clear_error();
  if (!key)
    return bad("--cluster-key: " + key_file
               + " holds no unencrypted PEM private key");
  auto& leaf = certs->front();
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    return bad("--cluster-key: " + key_file + " is not the key of "
               + cert_file);
  }
  store_ptr store{X509_STORE_new(), X509_STORE_free};
  for (auto& ca : *cas)
    X509_STORE_add_cert(store.get(), ca.get());
  chain_ptr chain{sk_X509_new_null(), [](STACK_OF(X509)* s) { sk_X509_free(s); }};
  for (size_t i = 1; i < certs->size(); ++i)
    sk_X509_push(chain.get(), (*certs)[i].get());
  store_ctx_ptr ctx{X509_STORE_CTX_new(), X509_STORE_CTX_free};
  if (!store || !chain || !ctx
      || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), chain.get())
           != 1)
    return make_error(errc::internal, "cannot set up certificate checks");
  if (X509_verify_cert(ctx.get()) != 1) {
    auto reason =
      X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    return bad("--cluster-cert: " + cert_file + " does not chain to the "
               "cluster CA in " + ca_file + " (" + reason + ")");
  }
  return {};
}

} // namespace tidewire::node

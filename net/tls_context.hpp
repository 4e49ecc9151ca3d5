#pragma once

#include <memory>
#include <string>

// TLS for clients (--tls-cert-file, --tls-key-file): the loaded certificate
// and key, opaque outside net/ so that callers do not see OpenSSL.
namespace tidewire::net {

struct tls_context;

// Loads a PEM certificate (a chain allowed: the node's certificate first)
// and its unencrypted PEM private key, and checks that they belong
// together. Returns null and sets `error` to a message naming the file on
// any failure. TLS 1.2 and later only.
std::shared_ptr<tls_context> load_tls_context(const std::string& cert_file,
                                              const std::string& key_file,
                                              std::string& error);

} // namespace tidewire::net

#pragma once

#include <string>

#include <caf/error.hpp>

namespace tidewire::node {

// Checks the --cluster-* TLS files before the node starts, so that a wrong
// file is a readable start-up error instead of a refused handshake later:
// each file parses as PEM, the key is unencrypted and belongs to the
// certificate, and the certificate chains to the CA. Errors are
// errc::bad_request with a message naming the file.
caf::error check_cluster_tls(const std::string& cert_file,
                             const std::string& key_file,
                             const std::string& ca_file);

} // namespace tidewire::node

#pragma once

#include <string>

namespace memo::testing {

// An account SAS for the Blob service (ss=b, srt=sco, spr=https,http, sv=2021-12-02) with
// `permissions` ("rl", "racwdl"…) until `expiry` ("2099-01-01T00:00:00Z"), signed with the
// base64 `account_key` as Azure's documentation specifies for version 2020-12-06 and later.
// The query string, without a leading '?'.
std::string azure_account_sas(const std::string& account, const std::string& account_key,
                              const std::string& permissions,
                              const std::string& expiry = "2099-01-01T00:00:00Z");

}  // namespace memo::testing

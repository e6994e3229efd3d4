#include "support/azure_sas.hpp"

#include "memo/store/remote/http_client.hpp"
#include "memo/util/base64.hpp"
#include "memo/util/digest.hpp"

namespace memo::testing {

std::string azure_account_sas(const std::string& account, const std::string& account_key,
                              const std::string& permissions, const std::string& expiry) {
  const std::string version = "2021-12-02";
  const std::string services = "b", resource_types = "sco", protocols = "https,http";
  // account, permissions, services, resource types, start, expiry, IP, protocols, version,
  // encryption scope: one line each.
  const std::string string_to_sign = account + "\n" + permissions + "\n" + services + "\n" +
                                     resource_types + "\n" + "\n" + expiry + "\n" + "\n" +
                                     protocols + "\n" + version + "\n" + "\n";
  const std::string signature =
      util::base64_encode(util::hmac_sha256(*util::base64_decode(account_key), string_to_sign));
  using store::remote::url_encode;
  return "sv=" + version + "&ss=" + services + "&srt=" + resource_types + "&sp=" + permissions +
         "&se=" + url_encode(expiry) + "&spr=" + url_encode(protocols) +
         "&sig=" + url_encode(signature);
}

}  // namespace memo::testing

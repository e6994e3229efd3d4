#include "memo/store/remote/azure_blob_errors.hpp"

#include <string_view>

namespace memo::store::remote {

namespace {

std::string xml_element(const std::string& body, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  const auto start = body.find(open);
  if (start == std::string::npos) return {};
  const auto end = body.find(close, start);
  if (end == std::string::npos) return {};
  return body.substr(start + open.size(), end - start - open.size());
}

// The service's message, its first line only (the rest is a request id and a time), short.
std::string service_message(const HttpResponse& response) {
  std::string message = xml_element(response.body, "Message");
  message = message.substr(0, message.find_first_of("\r\n"));
  if (message.size() > 200) message.resize(200);
  return message;
}

std::string refused_credentials(AzureAuth auth) {
  switch (auth) {
    case AzureAuth::SharedKey:
      return "the account key was refused: check AccountKey in the connection string";
    case AzureAuth::Sas:
      return "the SAS token was refused (expired, not yet valid, or signed for another account "
             "or resource): make a new one";
    case AzureAuth::Bearer:
      return "the Azure AD token was refused (expired, or issued for another tenant or "
             "resource)";
    case AzureAuth::Anonymous:
      break;
  }
  return "the container does not allow anonymous access: put AccountKey or "
         "SharedAccessSignature in the connection string, or name a credentialName";
}

std::string missing_permission(AzureAuth auth, AzureAccess access) {
  const bool write = access == AzureAccess::Write;
  switch (auth) {
    case AzureAuth::Sas:
      return write ? "the SAS token is read-only: it may read entries but not write them (CI "
                     "needs one with the create and write permissions, sp=rcw)"
                   : "the SAS token does not allow reading entries (it needs the read "
                     "permission, sp=r)";
    case AzureAuth::Bearer:
      return write ? "the identity may read entries but not write them: give it the Storage "
                     "Blob Data Contributor role on the account or the container"
                   : "the identity may not read entries: give it the Storage Blob Data Reader "
                     "role on the account or the container";
    default:
      return write ? "the credentials may not write entries in this container"
                   : "the credentials may not read entries in this container";
  }
}

std::string denial_words(const std::string& code, long status, AzureAuth auth, AzureAccess access) {
  // A bad signature is AuthenticationFailed on Azure and AuthorizationFailure on Azurite; an
  // expired SAS too.
  if (code == "AuthenticationFailed" || code == "InvalidAuthenticationInfo" ||
      code == "AuthorizationFailure" || (status == 401 && code.empty())) {
    return refused_credentials(auth);
  }
  if (code == "AuthorizationPermissionMismatch") return missing_permission(auth, access);
  if (code == "AuthorizationResourceTypeMismatch") {
    return "the SAS token does not cover blobs (an account SAS needs srt=co, a service SAS "
           "sr=c)";
  }
  if (code == "AuthorizationServiceMismatch") {
    return "the SAS token is not for the Blob service (an account SAS needs ss=b)";
  }
  if (code == "AuthorizationProtocolMismatch") {
    return "the SAS token does not allow this protocol (use https, or sign with spr=https,http)";
  }
  if (code == "AuthorizationSourceIPMismatch") {
    return "the SAS token does not allow requests from this machine's address (sip)";
  }
  if (status == 401) return refused_credentials(auth);
  return access == AzureAccess::Write ? "writing was refused" : "reading was refused";
}

}  // namespace

std::string azure_error_code(const HttpResponse& response) {
  if (auto code = response.header("x-ms-error-code"); code && !code->empty()) return *code;
  return xml_element(response.body, "Code");
}

RemoteError azure_status_error(const HttpResponse& response, const std::string& what,
                               AzureAuth auth, AzureAccess access) {
  RemoteError error;
  error.http_status = response.status;
  const std::string code = azure_error_code(response);
  const std::string status_and_code =
      std::to_string(response.status) + (code.empty() ? "" : " " + code);
  if (response.status == 401 || response.status == 403) {
    error.kind = RemoteError::Kind::Denied;
    error.message = what + ": " + denial_words(code, response.status, auth, access) + " (" +
                    status_and_code + ")";
    return error;
  }
  error.kind = RemoteError::Kind::Server;
  const std::string said = service_message(response);
  error.message = what + " answered " + status_and_code + (said.empty() ? "" : ": " + said);
  return error;
}

}  // namespace memo::store::remote

#include "support/fake_azure_identity.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "memo/util/base64.hpp"

namespace memo::testing {

namespace {

// The server, written to the test's folder and run with python3. argv: port, log, tenant,
// client id, client secret, federated token, identity header.
constexpr const char* kServer = R"PY(
import base64, json, sys, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log, tenant, client, secret, federated, header = sys.argv[1:8]
SECRETS = {secret: "<secret>", federated: "<assertion>", header: "<header>"}
SCOPE = "https://storage.azure.com/.default"
RESOURCE = "https://storage.azure.com/"

def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

def jwt(audience, lifetime):
    now = int(time.time())
    claims = {"aud": audience, "iss": "https://sts.windows.net/%s/" % tenant,
              "nbf": now - 60, "iat": now - 60, "exp": now + lifetime, "tid": tenant}
    return b64({"alg": "RS256", "typ": "JWT"}) + "." + b64(claims) + ".c2lnbmF0dXJl"

def lifetime_of(client_id):
    return 2 if client_id == "memo-client-short-lived" else 3600

def audience_of(client_id):
    if client_id == "memo-client-wrong-audience":
        return "https://vault.azure.net"
    return "https://storage.azure.com"

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self, form):
        url = urllib.parse.urlsplit(self.path)
        fields = " ".join("%s=%s" % (k, SECRETS.get(v[0], v[0])) for k, v in sorted(form.items()))
        with open(log, "a") as out:
            out.write("%s %s?%s %s\n" % (self.command, url.path, url.query, fields))

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def aad_error(self, status, error, code, text):
        self.answer(status, {"error": error,
                             "error_description": "%s: %s Trace ID: 1" % (code, text)})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        self.record(form)
        one = lambda name: form.get(name, [""])[0]
        if self.path != "/%s/oauth2/v2.0/token" % tenant:
            return self.aad_error(400, "invalid_request", "AADSTS90002", "Tenant not found.")
        if one("grant_type") != "client_credentials" or one("scope") != SCOPE:
            return self.aad_error(400, "invalid_request", "AADSTS900144", "Bad request.")
        client_id = one("client_id")
        if not client_id.startswith(client):
            return self.aad_error(400, "unauthorized_client", "AADSTS700016",
                                  "Application not found.")
        if "client_secret" in form:
            if one("client_secret") != secret:
                return self.aad_error(401, "invalid_client", "AADSTS7000215",
                                      "Invalid client secret provided.")
        elif one("client_assertion_type") == \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            if one("client_assertion") != federated:
                return self.aad_error(400, "invalid_client", "AADSTS700024",
                                      "Client assertion is not within its valid time range.")
        else:
            return self.aad_error(400, "invalid_request", "AADSTS900144", "No credential.")
        life = lifetime_of(client_id)
        self.answer(200, {"token_type": "Bearer", "expires_in": life, "ext_expires_in": life,
                          "access_token": jwt(audience_of(client_id), life)})

    def do_GET(self):
        self.record({})
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if query.get("resource") != RESOURCE:
            return self.answer(400, {"error": "invalid_resource"})
        client_id = query.get("client_id", client)
        if url.path == "/metadata/identity/oauth2/token":
            if self.headers.get("Metadata") != "true" or query.get("api-version") != "2018-02-01":
                return self.answer(400, {"error": "invalid_request"})
        elif url.path == "/msi/token":
            if self.headers.get("X-IDENTITY-HEADER") != header:
                return self.answer(401, {"error": "unauthorized"})
            if query.get("api-version") != "2019-08-01":
                return self.answer(400, {"error": "invalid_request"})
        else:
            return self.answer(404, {"error": "not_found"})
        if not client_id.startswith(client):
            return self.answer(400, {"error": "invalid_request",
                                     "error_description": "Identity not found"})
        life = lifetime_of(client_id)
        self.answer(200, {"access_token": jwt(audience_of(client_id), life),
                          "expires_on": str(int(time.time()) + life), "expires_in": str(life),
                          "resource": RESOURCE, "token_type": "Bearer"})

ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()
)PY";

}  // namespace

std::string storage_jwt(const std::string& tenant, std::chrono::seconds lifetime,
                        const std::string& audience) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::string claims = "{\"aud\":\"" + audience + "\",\"iss\":\"https://sts.windows.net/" +
                             tenant + "/\",\"nbf\":" + std::to_string(now - 60) +
                             ",\"iat\":" + std::to_string(now - 60) +
                             ",\"exp\":" + std::to_string(now + lifetime.count()) + "}";
  return util::base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + "." +
         util::base64url_encode(claims) + ".c2lnbmF0dXJl";
}

FakeAzureIdentity::FakeAzureIdentity() : port_(free_port()) {
  const auto script = dir_.write("fake_identity.py", kServer);
  process_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{"python3", script.string(), std::to_string(port_),
                               (dir_ / "requests.log").string(), kTenant, kClientId, kClientSecret,
                               kFederatedToken, kIdentityHeader},
      dir_ / "server.log");
  if (!process_->wait_until_answers(base_url() + "/", std::chrono::seconds(20))) {
    throw std::runtime_error("the fake identity server did not start: " +
                             read_file(dir_ / "server.log"));
  }
  std::filesystem::remove(dir_ / "requests.log");  // the readiness probe is no request
}

FakeAzureIdentity::~FakeAzureIdentity() = default;

std::string FakeAzureIdentity::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<std::string> FakeAzureIdentity::requests() const {
  std::vector<std::string> lines;
  std::ifstream log(dir_ / "requests.log");
  for (std::string line; std::getline(log, line);) lines.push_back(line);
  return lines;
}

}  // namespace memo::testing

#include "memo/store/remote/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

#include "memo/store/remote/curl_library.hpp"

namespace memo::store::remote {

namespace {

constexpr std::size_t kKeptBodyLimit = 64 * 1024;

struct Transfer {
  const HttpRequest& request;
  HttpResponse response;
  bool sink_started = false;
  bool sink_refused = false;
  std::string source_error;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new response (after a 100 Continue or a redirect): forget the last one's headers.
    transfer.response.headers.clear();
    auto space = line.find(' ');
    transfer.response.status =
        space == std::string_view::npos ? 0 : std::strtol(line.data() + space + 1, nullptr, 10);
    return size * count;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  transfer.response.headers.emplace_back(std::move(name), std::string(value));
  return size * count;
}

std::optional<std::uint64_t> content_length(const HttpResponse& response) {
  auto length = response.header("content-length");
  if (!length || length->empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : *length) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer.request.sink && is_success(transfer.response.status)) {
    if (!transfer.sink_started) {
      transfer.sink_started = true;
      if (!transfer.request.sink->expect(content_length(transfer.response))) {
        transfer.sink_refused = true;
        return 0;
      }
    }
    if (!transfer.request.sink->write({data, bytes})) {
      transfer.sink_refused = true;
      return 0;
    }
    return bytes;
  }
  std::string& kept = transfer.response.body;
  kept.append(data, std::min(bytes, kKeptBodyLimit - std::min(kKeptBodyLimit, kept.size())));
  return bytes;
}

std::size_t on_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  auto read = transfer.request.source->read({buffer, size * count});
  if (!read) {
    transfer.source_error = read.error();
    return CURL_READFUNC_ABORT;
  }
  return *read;
}

struct SlistDeleter {
  const CurlLibrary* curl;
  void operator()(curl_slist* list) const { curl->slist_free_all(list); }
};
struct EasyDeleter {
  const CurlLibrary* curl;
  void operator()(CURL* handle) const { curl->easy_cleanup(handle); }
};

// libcurl's defaults (16 KiB in, 64 KiB out) cost a callback and a system call per few pages;
// big transfers on a fast link spend more time in those than in moving bytes.
constexpr long kReceiveBufferSize = 512L << 10;
constexpr long kSendBufferSize = 2L << 20;

RemoteError transport_error(CURLcode code, const CurlLibrary& curl, const std::string& what) {
  RemoteError error;
  error.message = what + ": " + curl.easy_strerror(code);
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      error.kind = RemoteError::Kind::Unreachable;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      error.kind = RemoteError::Kind::Stalled;
      break;
    default:
      error.kind = RemoteError::Kind::Stalled;  // the connection broke during the transfer
  }
  return error;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

RemoteResult<HttpResponse> http_perform(const HttpRequest& request, const HttpTimeouts& timeouts) {
  auto loaded = curl_library();
  // Never the query: a SAS token or signature travels there.
  const std::string what = request.method + " " + request.url.substr(0, request.url.find('?'));
  if (!loaded) return std::unexpected(RemoteError{RemoteError::Kind::Unreachable, loaded.error()});
  const CurlLibrary& curl = **loaded;
  std::unique_ptr<CURL, EasyDeleter> handle(curl.easy_init(), EasyDeleter{&curl});
  if (!handle)
    return std::unexpected(RemoteError{RemoteError::Kind::Unreachable, what + ": no handle"});
  CURL* h = handle.get();

  curl_slist* list = nullptr;
  for (const auto& header : request.headers) list = curl.slist_append(list, header.c_str());
  // libcurl would otherwise wait for a 100 Continue before sending a body. A SigV4 request
  // cannot say "Expect:" to drop the header: libcurl 7.88 signs it and then does not send it,
  // so the server's signature differs; it waits no time for the 100 instead.
  if (request.aws_sigv4.empty()) list = curl.slist_append(list, "Expect:");
  std::unique_ptr<curl_slist, SlistDeleter> headers(list, SlistDeleter{&curl});

  Transfer transfer{request, {}};
  curl.easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl.easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeouts.connect_ms);
  curl.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, timeouts.stall_s);
  curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl.easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
  curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl.easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl.easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl.easy_setopt(h, CURLOPT_BUFFERSIZE, kReceiveBufferSize);
  curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!request.aws_sigv4.empty()) {
    curl.easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
    curl.easy_setopt(h, CURLOPT_AWS_SIGV4, request.aws_sigv4.c_str());
    if (request.username.empty()) {
      curl.easy_setopt(h, CURLOPT_USERPWD, request.user_password.c_str());
    } else {
      curl.easy_setopt(h, CURLOPT_USERNAME, request.username.c_str());
      curl.easy_setopt(h, CURLOPT_PASSWORD, request.password.c_str());
    }
  }
  if (!request.ca_file.empty()) curl.easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  if (request.method == "HEAD") {
    curl.easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (request.source) {
    curl.easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl.easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, kSendBufferSize);
    curl.easy_setopt(h, CURLOPT_READFUNCTION, on_upload);
    curl.easy_setopt(h, CURLOPT_READDATA, &transfer);
    if (request.source_size) {
      curl.easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(*request.source_size));
    }
    if (request.method != "PUT") curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    curl.easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (request.method != "POST") {
      curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  CURLcode code = curl.easy_perform(h);
  long status = 0;
  curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  transfer.response.status = status;
  if (transfer.sink_refused) {
    return std::unexpected(
        RemoteError{RemoteError::Kind::Aborted, what + ": download stopped", status});
  }
  if (!transfer.source_error.empty()) {
    return std::unexpected(
        RemoteError{RemoteError::Kind::Aborted, what + ": " + transfer.source_error, status});
  }
  if (code != CURLE_OK) {
    RemoteError error = transport_error(code, curl, what);
    // A timeout before any answer is a connect timeout: the host does not answer at all.
    if (code == CURLE_OPERATION_TIMEDOUT && status == 0) {
      long connect_us = 0;
      curl.easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us);
      if (connect_us == 0) {
        error.kind = RemoteError::Kind::Unreachable;
        error.connect_timed_out = true;
      }
    }
    return std::unexpected(error);
  }
  if (request.sink && is_success(status) && !transfer.sink_started) {
    // An empty 2xx body still tells the sink what (nothing) came.
    if (!request.sink->expect(content_length(transfer.response))) {
      return std::unexpected(RemoteError{RemoteError::Kind::Aborted, what + ": refused", status});
    }
  }
  return std::move(transfer.response);
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return encoded;
}

RemoteError status_error(const HttpResponse& response, const std::string& what) {
  RemoteError error;
  error.http_status = response.status;
  error.kind = response.status == 401 || response.status == 403 ? RemoteError::Kind::Denied
                                                                : RemoteError::Kind::Server;
  std::string said = response.body.substr(0, 200);
  for (char& c : said) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  error.message =
      what + " answered " + std::to_string(response.status) + (said.empty() ? "" : ": " + said);
  return error;
}

}  // namespace memo::store::remote

#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace memo::store::remote {

// Why a request to a remote store failed, in the terms the cache's policy needs.
struct RemoteError {
  enum class Kind {
    Unreachable,  // no connection: refused, unknown host, connect timed out, TLS failed
    Stalled,      // connected, then the transfer stopped moving
    Denied,       // 401/403: the credentials are wrong or may not do this
    Server,       // 5xx, or an answer the protocol does not allow
    Aborted,      // the sink refused the bytes, or the source could not give them
  };
  Kind kind = Kind::Server;
  std::string message;  // never holds a secret
  long http_status = 0;
  bool connect_timed_out = false;  // a black hole: the next request would wait as long
};

template <typename T>
using RemoteResult = std::expected<T, RemoteError>;

// Receives a downloaded artifact's bytes as they arrive.
class ArtifactSink {
 public:
  virtual ~ArtifactSink() = default;
  // The artifact's size when the server says it, before any byte; false refuses it (too big).
  virtual bool expect(std::optional<std::uint64_t> size) = 0;
  // false stops the download: what came is not a good artifact (the sink says why).
  virtual bool write(std::string_view bytes) = 0;
};

// Gives an upload's bytes, in order, as they are produced.
class ArtifactSource {
 public:
  virtual ~ArtifactSource() = default;
  // Up to buffer.size() bytes of the artifact, 0 at its end, or why it cannot go on.
  virtual std::expected<std::size_t, std::string> read(std::span<char> buffer) = 0;
  // Before the first read, when the source can tell cheaply: the exact number of bytes its
  // reads will give (a protocol that wants a Content-Length then needs no spooling).
  virtual std::optional<std::uint64_t> exact_size() { return std::nullopt; }
};

// How an artifact's bytes are laid out for a backend (see artifact.hpp): memo's own artifact
// is a zstd-compressed tar; an npm registry wants a gzipped tar with everything below
// "package/" and a package.json first.
struct ArtifactLayout {
  enum class Compression { Zstd, Gzip };
  Compression compression = Compression::Zstd;
  std::string prefix;        // every member's name starts with it ("package/")
  std::string package_json;  // written first as <prefix>package.json when not empty
};

// What names an artifact: its key, and the package and command it was made for, for layouts
// that file entries by them (s3's keyTemplate "caches/<workspace>/<command>/<key>").
struct ArtifactId {
  std::string key;      // 64 hex digits
  std::string package;  // the package's name ("@scope/app"), or its folder when it has none
  std::string command;  // the command as given ("tsc -b")
};

// A remote store: moves artifacts by key, nothing else. Fallbacks, modes, retries, the outage
// breaker and verification are the cache's (store/cache.hpp), once for every backend.
class Backend {
 public:
  virtual ~Backend() = default;
  // "azure-blob", "s3", "npm", "http".
  virtual std::string name() const = 0;
  // Where entries go, for messages: a URL and container or bucket, never a secret.
  virtual std::string where() const = 0;
  virtual ArtifactLayout layout(const ArtifactId& /*id*/) const { return {}; }

  // Every method may be called from several threads at once (uploads run beside lookups).

  // Streams the artifact stored for `id` into `sink`; false when there is none (404).
  virtual RemoteResult<bool> get(const ArtifactId& id, ArtifactSink& sink) = 0;
  // Whether an artifact is stored for `id`.
  virtual RemoteResult<bool> has(const ArtifactId& id) = 0;
  // Stores the artifact `source` gives for `id`, replacing any. The size is not known ahead:
  // a backend sends a small artifact in one request and a big one in parts (blocks, multipart)
  // with bounded buffers, never the whole artifact in memory.
  virtual RemoteResult<void> put(const ArtifactId& id, ArtifactSource& source) = 0;
};

}  // namespace memo::store::remote

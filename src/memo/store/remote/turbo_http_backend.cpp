#include "memo/store/remote/backends.hpp"

namespace memo::store::remote {

// Not written yet.
MadeBackend make_turbo_http_backend(const BackendSettings& settings) {
  return std::unexpected("cache provider \"" + settings.provider + "\" is not supported yet");
}

}  // namespace memo::store::remote

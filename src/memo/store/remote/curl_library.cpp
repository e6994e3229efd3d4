#include "memo/store/remote/curl_library.hpp"

#include <dlfcn.h>

#include <mutex>

namespace memo::store::remote {

namespace {

template <typename Function>
bool resolve(void* library, const char* name, Function& function) {
  function = reinterpret_cast<Function>(::dlsym(library, name));
  return function != nullptr;
}

std::expected<CurlLibrary, std::string> load() {
  void* library = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    return std::unexpected(
        "remote caches need libcurl, which is not installed (apt-get install libcurl4)");
  }
  CurlLibrary curl{};
  auto(*global_init)(long)->CURLcode = nullptr;
  bool all = resolve(library, "curl_global_init", global_init) &&
             resolve(library, "curl_easy_init", curl.easy_init) &&
             resolve(library, "curl_easy_cleanup", curl.easy_cleanup) &&
             resolve(library, "curl_easy_setopt", curl.easy_setopt) &&
             resolve(library, "curl_easy_perform", curl.easy_perform) &&
             resolve(library, "curl_easy_getinfo", curl.easy_getinfo) &&
             resolve(library, "curl_easy_strerror", curl.easy_strerror) &&
             resolve(library, "curl_slist_append", curl.slist_append) &&
             resolve(library, "curl_slist_free_all", curl.slist_free_all) &&
             resolve(library, "curl_easy_escape", curl.easy_escape) &&
             resolve(library, "curl_free", curl.free);
  if (!all)
    return std::unexpected("the libcurl on this machine is too old for memo (7.75 or newer)");
  if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return std::unexpected("libcurl could not initialise");
  }
  return curl;
}

}  // namespace

std::expected<const CurlLibrary*, std::string> curl_library() {
  // The library stays loaded for the life of the process.
  static const std::expected<CurlLibrary, std::string> loaded = load();
  if (!loaded) return std::unexpected(loaded.error());
  return &*loaded;
}

}  // namespace memo::store::remote

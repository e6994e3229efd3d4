#pragma once

// libcurl, loaded when the first remote request is made rather than when memo starts: linking
// it would load some thirty shared libraries into every run, 3 ms of start-up that a run with
// the local store alone never uses.
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include <expected>
#include <string>

namespace memo::store::remote {

struct CurlLibrary {
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
  char* (*easy_escape)(CURL*, const char*, int);
  void (*free)(void*);
};

// The loaded library, initialised once for the process; an error naming the package to
// install when it is not on the machine.
std::expected<const CurlLibrary*, std::string> curl_library();

}  // namespace memo::store::remote

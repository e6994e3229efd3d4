#pragma once

// MEMO_UNDER_SANITIZER is 1 in a build with AddressSanitizer or ThreadSanitizer, whose
// allocators (shadow memory, a quarantine of freed blocks) make the process's memory no measure
// of memo's. g++ says so by __SANITIZE_*__, clang by __has_feature.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MEMO_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MEMO_UNDER_SANITIZER 1
#endif
#endif
#ifndef MEMO_UNDER_SANITIZER
#define MEMO_UNDER_SANITIZER 0
#endif

#pragma once

#include <expected>
#include <string>

namespace memo::store {

// Why a store could not do what was asked. At the top every kind becomes one warning and the
// command runs uncached; the kind says what the user may do about it.
struct StoreError {
  enum class Kind { Corrupt, Denied, NoSpace, Unavailable, Io };
  Kind kind = Kind::Io;
  std::string message;
};

template <typename T>
using StoreResult = std::expected<T, StoreError>;

// Classifies an errno from a failed file operation.
StoreError store_error_from_errno(int error_number, std::string message);

}  // namespace memo::store

#include "memo/store/store_error.hpp"

#include <cerrno>

namespace memo::store {

StoreError store_error_from_errno(int error_number, std::string message) {
  switch (error_number) {
    case EACCES:
    case EPERM:
    case EROFS:
      return {StoreError::Kind::Denied, std::move(message)};
    case ENOSPC:
    case EDQUOT:
      return {StoreError::Kind::NoSpace, std::move(message)};
    default:
      return {StoreError::Kind::Io, std::move(message)};
  }
}

}  // namespace memo::store

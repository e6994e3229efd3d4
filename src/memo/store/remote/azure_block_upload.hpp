#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "memo/store/remote/backend.hpp"

namespace memo::store::remote {

// Sends one part: its index (0, 1, …) and its bytes.
using PartSender = std::function<RemoteResult<void>(std::size_t index, std::string_view bytes)>;

// Reads up to `size` bytes from `source` into `part` (fewer only at the source's end).
RemoteResult<void> read_part(ArtifactSource& source, std::string& part, std::size_t size);

// Sends `first_parts` and then the rest of `source`, read in parts of `part_size`, each part
// by `send` on its own thread with at most `in_flight` of them at once: memory stays at about
// (in_flight + 1) parts. Returns how many parts were sent, or the first error (every thread is
// done by then).
RemoteResult<std::size_t> upload_parts(ArtifactSource& source, std::vector<std::string> first_parts,
                                       std::size_t part_size, std::size_t in_flight,
                                       const PartSender& send);

}  // namespace memo::store::remote

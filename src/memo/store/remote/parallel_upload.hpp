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

// Reads up to `size` bytes from `source` into `part` (fewer only at the source's end). A
// buffer that already has the room is reused; a new one grows as bytes come, so a small
// artifact never costs a whole part's memory.
RemoteResult<void> read_part(ArtifactSource& source, std::string& part, std::size_t size);

// The start of an upload: one part when the whole artifact fits in one (send it in one
// request), else the first two parts, with the rest still in the source.
RemoteResult<std::vector<std::string>> read_first_parts(ArtifactSource& source,
                                                        std::size_t part_size);

// Sends `first_parts` and then the rest of `source`, read in parts of `part_size`, each part
// by `send` on its own thread with at most `in_flight` of them at once. The part buffers are
// reused, so memory stays at (in_flight + 1) parts whatever the artifact's size. Returns how
// many parts were sent, or the first error (every thread is done by then).
RemoteResult<std::size_t> upload_parts(ArtifactSource& source, std::vector<std::string> first_parts,
                                       std::size_t part_size, std::size_t in_flight,
                                       const PartSender& send);

}  // namespace memo::store::remote

#include "memo/store/store_stats.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string>

#include "memo/util/fd.hpp"
#include "memo/util/files.hpp"

namespace memo::store {

namespace {

constexpr std::string_view kHeader = "memo-stats 1\n";

// "memo-stats 1", then "<name> <number>" lines; anything else reads as zero (a torn or
// damaged file only loses counts).
StoreCounters parse_counters(std::string_view text) {
  StoreCounters counters;
  if (!text.starts_with(kHeader)) return counters;
  text.remove_prefix(kHeader.size());
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    if (end == std::string_view::npos) break;
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    std::size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    std::uint64_t value = 0;
    std::string_view digits = line.substr(space + 1);
    auto [last, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || last != digits.data() + digits.size()) continue;
    std::string_view name = line.substr(0, space);
    if (name == "hits") counters.hits = value;
    if (name == "misses") counters.misses = value;
    if (name == "saved-ms") counters.saved_ms = value;
    if (name == "bytes") counters.bytes = value;
  }
  return counters;
}

std::string format_counters(const StoreCounters& counters) {
  return std::string(kHeader) + "hits " + std::to_string(counters.hits) + "\nmisses " +
         std::to_string(counters.misses) + "\nsaved-ms " + std::to_string(counters.saved_ms) +
         "\nbytes " + std::to_string(counters.bytes) + "\n";
}

}  // namespace

StoreCounters StoreStats::read() const {
  auto text = util::read_file(root_ / "stats");
  return text ? parse_counters(*text) : StoreCounters{};
}

template <typename Change>
std::optional<StoreCounters> StoreStats::update(Change change) const {
  const auto file = root_ / "stats";
  util::Fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644));
  if (!fd) return std::nullopt;
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return std::nullopt;
  }
  auto text = util::read_open_file(fd.get(), file.string());
  if (!text) return std::nullopt;
  StoreCounters counters = parse_counters(*text);
  change(counters);
  std::string updated = format_counters(counters);
  if (::pwrite(fd.get(), updated.data(), updated.size(), 0) !=
          static_cast<ssize_t>(updated.size()) ||
      ::ftruncate(fd.get(), static_cast<off_t>(updated.size())) != 0) {
    return std::nullopt;
  }
  return counters;
}

std::optional<StoreCounters> StoreStats::add(const StoreCounters& delta) const {
  return update([&](StoreCounters& counters) {
    counters.hits += delta.hits;
    counters.misses += delta.misses;
    counters.saved_ms += delta.saved_ms;
    counters.bytes += delta.bytes;
  });
}

void StoreStats::set_bytes(std::uint64_t bytes) const {
  update([&](StoreCounters& counters) { counters.bytes = bytes; });
}

}  // namespace memo::store

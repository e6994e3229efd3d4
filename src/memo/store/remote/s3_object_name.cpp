#include "memo/store/remote/s3_object_name.hpp"

#include "memo/store/remote/http_client.hpp"
#include "memo/util/ascii.hpp"

namespace memo::store::remote {

namespace {

constexpr char kPlaceholders[] = "<key>, <package> (or <workspace>), <command> (or <cmd>)";

std::string percent(unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return {'%', kHex[c >> 4], kHex[c & 15]};
}

std::string without_controls(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (util::is_ascii_control(c)) {
      out += percent(c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

template <typename Visit>
void for_each_segment(std::string_view name, Visit visit) {
  std::size_t start = 0;
  while (true) {
    std::size_t slash = name.find('/', start);
    visit(name.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return;
    start = slash + 1;
  }
}

bool is_dot_segment(std::string_view segment) {
  return segment == "." || segment == "..";
}

// "." and ".." segments (only a filled-in value can make them) written as %2E.
std::string without_dot_segments(std::string_view name) {
  std::string out;
  bool first = true;
  for_each_segment(name, [&](std::string_view segment) {
    if (!first) out += '/';
    first = false;
    if (is_dot_segment(segment)) {
      for (std::size_t i = 0; i < segment.size(); ++i) out += "%2E";
    } else {
      out += segment;
    }
  });
  return out;
}

std::expected<void, std::string> check_literal(std::string_view prefix,
                                               std::string_view key_template) {
  const std::string name = std::string(prefix) + std::string(key_template);
  for (unsigned char c : name) {
    if (util::is_ascii_control(c)) return std::unexpected("holds a control character");
  }
  if (name.starts_with('/')) return std::unexpected("starts with '/': object names do not");
  bool dots = false;
  for_each_segment(name, [&](std::string_view segment) { dots = dots || is_dot_segment(segment); });
  if (dots) return std::unexpected("has a \".\" or \"..\" folder, which URLs fold away");
  return {};
}

}  // namespace

std::expected<S3ObjectNamer, std::string> S3ObjectNamer::parse(std::string_view prefix,
                                                               std::string_view key_template) {
  if (auto checked = check_literal(prefix, key_template); !checked) {
    return std::unexpected(checked.error());
  }
  S3ObjectNamer namer;
  namer.pieces_.push_back({Part::Literal, std::string(prefix)});
  bool has_key = false;
  std::size_t at = 0;
  while (at < key_template.size()) {
    std::size_t open = key_template.find('<', at);
    namer.pieces_.push_back({Part::Literal, std::string(key_template.substr(at, open - at))});
    if (open == std::string_view::npos) break;
    std::size_t close = key_template.find('>', open);
    if (close == std::string_view::npos) {
      return std::unexpected("has a '<' without its '>'; placeholders are " +
                             std::string(kPlaceholders));
    }
    std::string_view name = key_template.substr(open + 1, close - open - 1);
    if (name == "key") {
      namer.pieces_.push_back({Part::Key, {}});
      has_key = true;
    } else if (name == "package" || name == "workspace") {
      namer.pieces_.push_back({Part::Package, {}});
    } else if (name == "command" || name == "cmd") {
      namer.pieces_.push_back({Part::Command, {}});
    } else {
      return std::unexpected("has an unknown placeholder <" + std::string(name) + ">; use " +
                             kPlaceholders);
    }
    at = close + 1;
  }
  if (!has_key) {
    return std::unexpected("holds no <key>: every artifact would get the same name");
  }
  return namer;
}

std::string S3ObjectNamer::object_name(const ArtifactId& id) const {
  std::string name;
  for (const auto& piece : pieces_) {
    switch (piece.part) {
      case Part::Literal:
        name += piece.text;
        break;
      case Part::Key:
        name += without_controls(id.key);
        break;
      case Part::Package:
        name += without_controls(id.package);
        break;
      case Part::Command:
        name += without_controls(id.command);
        break;
    }
  }
  return without_dot_segments(name);
}

std::string s3_url_path(std::string_view object_name) {
  std::string path;
  bool first = true;
  for_each_segment(object_name, [&](std::string_view segment) {
    if (!first) path += '/';
    first = false;
    path += url_encode(segment);
  });
  return path;
}

}  // namespace memo::store::remote

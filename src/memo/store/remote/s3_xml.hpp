#pragma once

#include <string>
#include <string_view>

namespace memo::store::remote {

// Just enough XML for S3's small answers (<Error><Code>…, <UploadId>…): the text of the first
// <name>…</name> element, its five predefined entities and numeric references decoded; empty
// when there is none.
std::string xml_element_text(std::string_view xml, std::string_view name);

// `text` escaped for an XML element's content (an ETag's quotes, a '&').
std::string xml_escaped(std::string_view text);

}  // namespace memo::store::remote

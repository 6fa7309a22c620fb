#pragma once

#include <string>
#include <string_view>

namespace sweep {

/// Appends s as a quoted JSON string. Bytes that are not valid UTF-8 become
/// U+FFFD, so any input gives valid JSON.
void append_json_string(std::string& out, std::string_view s);

/// True if s can be written inside JSON quotes as it is: printable ASCII
/// without '"' or '\\'. Checked eight bytes at a time.
bool is_plain_json_text(std::string_view s);

/// True if the line is exactly one JSON object (surrounding blanks allowed).
bool is_json_object(std::string_view line);

}  // namespace sweep

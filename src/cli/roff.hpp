#pragma once

// Writing roff for man pages: escaping, and the small markup of the
// hand-written parts (docs/man/*.txt).

#include <string>

namespace sweep::cli {

/// Text as roff shows it literally: backslashes, minus signs and a leading
/// '.' or '\'' escaped.
std::string roff_escape(const std::string& text);

/// The hand-written markup as roff. Paragraphs are separated by blank
/// lines; "# NAME" starts a section (.SH NAME); lines indented by two
/// spaces are shown as they are (examples); `word` is set in bold.
std::string roff_from_markup(const std::string& markup);

}  // namespace sweep::cli

#pragma once

#include <string_view>

namespace sweep {

/// The library's version: the CMake project version, followed by
/// `git describe` in parentheses when built from a git checkout
/// ("0.1.0 (git v0.1.0-3-gafae705-dirty)").
std::string_view version();

/// How the library was built: compiler and build type ("GNU 12.2.0,
/// Release").
std::string_view build_info();

}  // namespace sweep

#include "sweep/version.hpp"

// Generated at build time by cmake/version_info.cmake: SWEEP_VERSION_FULL
// (the project version and git describe) and SWEEP_BUILD_INFO.
#include "version_info.hpp"

namespace sweep {

std::string_view version() { return SWEEP_VERSION_FULL; }

std::string_view build_info() { return SWEEP_BUILD_INFO; }

}  // namespace sweep

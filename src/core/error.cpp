#include "sweep/error.hpp"

#include <cstring>

namespace sweep {

SystemError::SystemError(const std::string& call, int err)
    : Error(call + ": " + std::strerror(err), 1) {}

}  // namespace sweep

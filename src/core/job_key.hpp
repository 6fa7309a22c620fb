#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "sweep/record.hpp"
#include "sweep/value.hpp"

namespace sweep {

/// The key of a job with these parameters (in any order) and repeat. Keys
/// are stored in journals: the hash and the canonical form must never change
/// (tests/unit/job_key_test.cpp pins them).
JobKey job_key(std::vector<std::pair<std::string_view, const Value*>> params,
               std::uint64_t rep);

}  // namespace sweep

#pragma once

/// Umbrella header: the sweep library's public API, and nothing else.
#include "sweep/command_sweep.hpp"
#include "sweep/error.hpp"
#include "sweep/evaluate.hpp"
#include "sweep/grid.hpp"
#include "sweep/grid_parse.hpp"
#include "sweep/record.hpp"
#include "sweep/stats.hpp"
#include "sweep/value.hpp"
#include "sweep/value_seq.hpp"
#include "sweep/version.hpp"

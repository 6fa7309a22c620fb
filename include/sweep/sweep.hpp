#pragma once

/// Umbrella header: everything the sweep library offers.
#include "sweep/command_template.hpp"
#include "sweep/error.hpp"
#include "sweep/grid.hpp"
#include "sweep/grid_parse.hpp"
#include "sweep/job.hpp"
#include "sweep/json_text.hpp"
#include "sweep/output_stream.hpp"
#include "sweep/result_writer.hpp"
#include "sweep/runner.hpp"
#include "sweep/scheduler.hpp"
#include "sweep/signals.hpp"
#include "sweep/stats.hpp"
#include "sweep/subprocess.hpp"
#include "sweep/value.hpp"

// What each slot owns (--gpus, --slot-env, --cpus-per-job) and when the
// machine lets a job start (--memfree, --load).
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

#include "backend/backend.hpp"
#include "commands.hpp"
#include "sweep/error.hpp"
#include "validators.hpp"

namespace sweep::cli {

namespace {

// A load average: a plain non-negative number ("must be a number >= 0, not
// 'x'"), without CLI11's range of all doubles in the message.
CLI::Validator non_negative_number() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        char* end = nullptr;
        double v = std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0' || !(v >= 0) || !std::isfinite(v))
          return "must be a number >= 0, not '" + s + "'";
        return "";
      },
      "", "");
}

}  // namespace

void add_resource_options(CLI::App& sub, RunOptions& o) {
  auto* group = "Resources per job";
  sub.add_option("--gpus", o.gpus,
                 "Devices the jobs share out, K to each running job "
                 "(CUDA_VISIBLE_DEVICES, <@gpus>): 0,1,2,3 or auto")
      ->check([](const std::string& s) {
        return s.empty() ? std::string("an empty list names no device")
                         : std::string();
      })
      ->type_name("LIST")
      ->group(group);
  sub.add_option("--gpus-per-job", o.gpus_per_job,
                 "Devices each job owns (default 1; with --gpus, or alone with "
                 "--backend slurm)")
      ->transform(at_least(1))
      ->type_name("K")
      ->group(group);
  sub.add_option("--slot-env", o.slot_envs,
                 "Slot i sets NAME to the i-th value: a port, a scratch dir "
                 "(repeatable)")
      ->type_name("NAME=V1,V2,...")
      ->allow_extra_args(false)
      ->group(group);
  sub.add_option("--cpus-per-job", o.cpus_per_job,
                 "Pin each job to K cores of its own (-j defaults to cores/K)")
      ->transform(at_least(1))
      ->type_name("K")
      ->group(group);
  sub.add_option("--memfree", o.memfree,
                 "Start no job while available memory is below SIZE (4G); "
                 "below half of it, stop the youngest job to run it again")
      ->type_name("SIZE")
      ->group(group);
  sub.add_option("--load", o.max_load,
                 "Start no job while the 1-minute load average is above MAX")
      ->type_name("MAX")
      ->check(non_negative_number())
      ->group(group);
}

namespace {

// "a, b,c" into its items, blanks around them dropped; an empty item, and
// one listed twice (two slots would own it at once), are refused, naming
// the flag.
std::vector<std::string> split_list(const std::string& text,
                                    const std::string& flag) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    size_t from = item.find_first_not_of(" \t");
    size_t to = item.find_last_not_of(" \t");
    item = from == std::string::npos ? "" : item.substr(from, to + 1 - from);
    if (item.empty())
      throw Error(flag + " '" + text + "': an empty item in the list");
    if (std::find(items.begin(), items.end(), item) != items.end())
      throw Error(flag + " '" + text + "': " + item +
                  " is listed twice (two jobs would own it at once)");
    items.push_back(item);
  }
  if (items.empty() || text.back() == ',')
    throw Error(flag + " '" + text + "': an empty item in the list");
  return items;
}

// The devices `nvidia-smi -L` lists ("GPU 0: NVIDIA A100 (UUID: ...)"), by
// index, as CUDA_VISIBLE_DEVICES names them.
std::vector<std::string> nvidia_smi_devices() {
  const std::string advice = "; name the devices: --gpus 0,1";
  // Bounded: a driver in a bad state can leave nvidia-smi hanging.
  CommandOutput r;
  try {
    r = run_command({"timeout", "-k", "2", "10", "nvidia-smi", "-L"});
  } catch (const Error&) {
    r.exit = 127;
  }
  if (r.exit == 127 || r.exit == 126)
    throw Error(
        "--gpus auto: CUDA_VISIBLE_DEVICES is not set and nvidia-smi cannot "
        "be run" +
        advice);
  if (r.exit == 124 || r.exit == 137)
    throw Error("--gpus auto: nvidia-smi -L did not answer within 10 s" +
                advice);
  std::vector<std::string> devices;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("GPU ", 0) != 0) continue;  // MIG lines are indented
    size_t colon = line.find(':');
    if (colon != std::string::npos)
      devices.push_back(line.substr(4, colon - 4));
  }
  if (r.exit != 0 || devices.empty())
    throw Error("--gpus auto: nvidia-smi -L (exit " + std::to_string(r.exit) +
                ") lists no GPU" + advice);
  return devices;
}

std::vector<std::string> gpu_list(const std::string& spec) {
  if (spec != "auto") return split_list(spec, "--gpus");
  if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES")) {
    if (*visible == '\0')
      throw Error(
          "--gpus auto: CUDA_VISIBLE_DEVICES is set but empty: no device is "
          "visible");
    auto devices = split_list(visible, "--gpus auto: CUDA_VISIBLE_DEVICES");
    // CUDA shows the devices before the first invalid one: -1 (or
    // NoDevFiles) first is the usual way to hide them all.
    if (devices[0] == "-1" || devices[0] == "NoDevFiles")
      throw Error("--gpus auto: CUDA_VISIBLE_DEVICES=" + std::string(visible) +
                  " hides every device");
    return devices;
  }
  return nvidia_smi_devices();
}

// The cores sweep may run on (its affinity: all, or what taskset or a Slurm
// allocation left it), in order.
std::vector<int> allowed_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0)
    throw SystemError("sched_getaffinity", errno);
  std::vector<int> cores;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cores.push_back(c);
  return cores;
}

SlotEnv slot_env(const std::string& spec) {
  size_t eq = spec.find('=');
  SlotEnv env;
  env.name = spec.substr(0, eq);
  bool name_ok = !env.name.empty() && !std::isdigit(env.name[0]);
  for (char c : env.name)
    name_ok =
        name_ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (eq == std::string::npos || !name_ok)
    throw Error("--slot-env " + spec +
                ": write NAME=V1,V2,... (NAME of letters, digits and _)");
  env.values = split_list(spec.substr(eq + 1), "--slot-env " + env.name);
  return env;
}

// A variable a slot sets must be no other variable sweep sets for the job,
// which would then have two values of it.
void check_env_names(const SlotResources& r, const Grid& grid) {
  std::set<std::string> taken = {"SWEEP_JOB",        "SWEEP_REP",
                                 "SWEEP_SLOT",       "SWEEP_PARAMS",
                                 "SWEEP_PARAMS_B64", "SWEEP_JOB_DIR"};
  for (const auto& p : grid.names()) taken.insert(env_var_name(p));
  for (const auto& name : r.env_names())
    if (!taken.insert(name).second)
      throw Error(name +
                  " would be set twice for each job: by --gpus or --slot-env, "
                  "and by a parameter, sweep or another --slot-env");
}

}  // namespace

SlotResources slot_resources(const RunOptions& o, const Grid& grid) {
  SlotResources r;
  if (!o.gpus.empty())
    r.set_gpus(gpu_list(o.gpus), std::max<std::uint64_t>(1, o.gpus_per_job));
  if (o.cpus_per_job) r.set_cpus(allowed_cores(), o.cpus_per_job);
  for (const auto& spec : o.slot_envs) r.add_env(slot_env(spec));
  check_env_names(r, grid);
  return r;
}

std::size_t jobs_at_once(const RunOptions& o, const SlotResources& slots) {
  std::size_t n = 0;
  if (o.threads > 0) {
    n = static_cast<std::size_t>(o.threads);
  } else if (auto most = slots.max_slots()) {
    n = *most;
  } else {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus > 0 ? static_cast<std::size_t>(cpus) : 1;
  }
  slots.check_slots(n);
  return n;
}

void set_machine_limits(const RunOptions& o, SchedulerOptions& s,
                        MachineProbe& probe) {
  if (!o.memfree.empty()) {
    s.memfree = parse_size(o.memfree, "--memfree");
    if (!probe.mem_available())
      throw Error("--memfree: cannot read MemAvailable from /proc/meminfo");
  }
  if (o.max_load) {
    s.max_load = *o.max_load;
    if (!probe.load_1min())
      throw Error("--load: cannot read the load average from /proc/loadavg");
  }
  if (s.memfree || s.max_load) s.probe = &probe;
}

}  // namespace sweep::cli

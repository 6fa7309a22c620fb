#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/job.hpp"

namespace sweep {

/// A variable each slot gives its job a value of its own (--slot-env).
struct SlotEnv {
  std::string name;
  std::vector<std::string> values;  ///< Slot i gets values[i].
};

/// What each slot owns while its job runs: devices (--gpus), cores
/// (--cpus-per-job) and values (--slot-env); slot i gets the i-th share. The
/// scheduler gives a slot a new job only after its previous job ended, so a
/// share is never held by two jobs at once, and a retry, which runs in
/// whatever slot is free, takes that slot's share.
class SlotResources {
 public:
  /// Slot i owns devices[i*per_job .. i*per_job+per_job-1].
  void set_gpus(std::vector<std::string> devices, std::size_t per_job);
  /// Slot i runs on cores[i*per_job .. i*per_job+per_job-1].
  void set_cpus(std::vector<int> cores, std::size_t per_job);
  /// Slot i sets env.name to env.values[i].
  void add_env(SlotEnv env);
  /// True if slots own nothing.
  bool empty() const;
  /// The most jobs at once the shares allow, or nothing when slots own
  /// nothing.
  std::optional<std::size_t> max_slots() const;
  /// Throws Error naming the flag whose share `slots` jobs at once exceed.
  void check_slots(std::size_t slots) const;
  /// The environment variables slots set, in order.
  std::vector<std::string> env_names() const;
  /// Gives the job its slot's share: gpus, cpus and the environment
  /// (CUDA_VISIBLE_DEVICES, SWEEP_GPUS, the --slot-env variables).
  void assign(Job& job) const;

 private:
  std::vector<std::string> gpus_;
  std::size_t gpus_per_job_ = 0;  ///< 0: no --gpus.
  std::vector<int> cpus_;
  std::size_t cpus_per_job_ = 0;  ///< 0: no --cpus-per-job.
  std::vector<SlotEnv> envs_;
};

/// Devices joined by commas, as CUDA_VISIBLE_DEVICES lists them.
std::string join_devices(const std::vector<std::string>& devices);

}  // namespace sweep

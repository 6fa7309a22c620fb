#include "exec/slot_resources.hpp"

#include <algorithm>

#include "sweep/error.hpp"

namespace sweep {

void SlotResources::set_gpus(std::vector<std::string> devices,
                             std::size_t per_job) {
  gpus_ = std::move(devices);
  gpus_per_job_ = per_job;
}

void SlotResources::set_cpus(std::vector<int> cores, std::size_t per_job) {
  cpus_ = std::move(cores);
  cpus_per_job_ = per_job;
}

void SlotResources::add_env(SlotEnv env) { envs_.push_back(std::move(env)); }

bool SlotResources::empty() const {
  return gpus_per_job_ == 0 && cpus_per_job_ == 0 && envs_.empty();
}

std::optional<std::size_t> SlotResources::max_slots() const {
  std::optional<std::size_t> n;
  auto cap = [&n](std::size_t m) { n = n ? std::min(*n, m) : m; };
  if (gpus_per_job_) cap(gpus_.size() / gpus_per_job_);
  if (cpus_per_job_) cap(cpus_.size() / cpus_per_job_);
  for (const auto& e : envs_) cap(e.values.size());
  return n;
}

void SlotResources::check_slots(std::size_t slots) const {
  if (gpus_per_job_ > gpus_.size())
    throw Error("--gpus-per-job " + std::to_string(gpus_per_job_) +
                ": more than the " + std::to_string(gpus_.size()) +
                " devices of --gpus");
  if (cpus_per_job_ > cpus_.size())
    throw Error("--cpus-per-job " + std::to_string(cpus_per_job_) +
                ": more than the " + std::to_string(cpus_.size()) +
                " cores sweep may use");
  auto refuse = [slots](const std::string& what) {
    throw Error("-j " + std::to_string(slots) + ": " + what);
  };
  if (gpus_per_job_ && slots * gpus_per_job_ > gpus_.size())
    refuse("needs " + std::to_string(slots * gpus_per_job_) +
           " devices with --gpus-per-job " + std::to_string(gpus_per_job_) +
           ", --gpus has " + std::to_string(gpus_.size()));
  if (cpus_per_job_ && slots * cpus_per_job_ > cpus_.size())
    refuse("needs " + std::to_string(slots * cpus_per_job_) +
           " cores with --cpus-per-job " + std::to_string(cpus_per_job_) +
           ", sweep may use " + std::to_string(cpus_.size()));
  for (const auto& e : envs_)
    if (slots > e.values.size())
      refuse("--slot-env " + e.name + " has only " +
             std::to_string(e.values.size()) + " values, one per slot");
}

std::string join_devices(const std::vector<std::string>& devices) {
  std::string out;
  for (const auto& d : devices) {
    if (!out.empty()) out += ',';
    out += d;
  }
  return out;
}

std::vector<std::string> SlotResources::env_names() const {
  std::vector<std::string> names;
  if (gpus_per_job_) names = {"CUDA_VISIBLE_DEVICES", "SWEEP_GPUS"};
  for (const auto& e : envs_) names.push_back(e.name);
  return names;
}

void SlotResources::assign(Job& job) const {
  std::size_t s = job.slot;
  if (s >= max_slots().value_or(s + 1))  // check_slots() prevents it
    throw Error("slot " + std::to_string(s) + " has no share of its own");
  if (gpus_per_job_) {
    auto first = gpus_.begin() + s * gpus_per_job_;
    job.gpus.assign(first, first + gpus_per_job_);
    std::string list = join_devices(job.gpus);
    job.env.push_back("CUDA_VISIBLE_DEVICES=" + list);
    job.env.push_back("SWEEP_GPUS=" + list);
  }
  if (cpus_per_job_) {
    auto first = cpus_.begin() + s * cpus_per_job_;
    job.cpus.assign(first, first + cpus_per_job_);
  }
  for (const auto& e : envs_) job.env.push_back(e.name + "=" + e.values[s]);
}

}  // namespace sweep

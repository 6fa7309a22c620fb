#include "report/job_table.hpp"

#include <bit>

namespace sweep::report {

// Fibonacci hashing: consecutive job numbers spread over the table.
std::size_t JobTable::home(std::uint64_t job) const {
  return static_cast<std::size_t>((job * 0x9e3779b97f4a7c15ULL) >>
                                  (64 - std::countr_zero(slots_.size())));
}

// The job's slot, or the empty slot where it would go.
std::size_t JobTable::probe(std::uint64_t job) const {
  std::size_t mask = slots_.size() - 1;
  std::size_t i = home(job);
  while (slots_[i].used && slots_[i].job != job) i = (i + 1) & mask;
  return i;
}

std::pair<std::uint32_t*, bool> JobTable::try_emplace(std::uint64_t job,
                                                      std::uint32_t value) {
  std::size_t i = probe(job);
  if (slots_[i].used) return {&slots_[i].value, false};
  if ((size_ + 1) * 2 > slots_.size()) {  // at most half full: short probes
    grow();
    i = probe(job);
  }
  slots_[i] = Slot{job, value, true};
  ++size_;
  return {&slots_[i].value, true};
}

const std::uint32_t* JobTable::find(std::uint64_t job) const {
  const Slot& s = slots_[probe(job)];
  return s.used ? &s.value : nullptr;
}

void JobTable::erase(std::uint64_t job) {
  std::size_t mask = slots_.size() - 1;
  std::size_t i = probe(job);
  if (!slots_[i].used) return;
  // Each later slot of the run moves back into the hole unless its home
  // lies after the hole (cyclically), where it must stay to be found.
  for (std::size_t j = (i + 1) & mask; slots_[j].used; j = (j + 1) & mask) {
    std::size_t h = home(slots_[j].job);
    if (((j - h) & mask) >= ((j - i) & mask)) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i].used = false;
  --size_;
}

void JobTable::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  for (const Slot& s : old)
    if (s.used) slots_[probe(s.job)] = s;
}

}  // namespace sweep::report

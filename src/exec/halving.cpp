#include "exec/halving.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sweep {

namespace {

// Hyperband's configurations per bracket: for h halvings out of R rungs,
// ceil(R eta^h / (h + 1)) (Li et al., JMLR 2018, with B = R times the top
// budget), so the brackets spend about the same budget. Scaled down, in
// proportion, when the largest passes 2^20 (eta^h grows fast, past double's
// range even), so that the cycle below stays short; exact below that.
std::vector<std::uint64_t> bracket_sizes(unsigned rungs, unsigned eta) {
  std::vector<double> n(rungs);
  for (unsigned b = 0; b < rungs; ++b) {
    unsigned h = rungs - 1 - b;
    n[b] = std::ceil(rungs * std::pow(double(eta), h) / (h + 1));
    if (!std::isfinite(n[b])) n[b] = std::numeric_limits<double>::max();
  }
  double scale = std::max(1.0, *std::max_element(n.begin(), n.end()) / 0x1p20);
  std::vector<std::uint64_t> out;
  for (double x : n)
    out.push_back(std::max<std::uint64_t>(1, std::ceil(x / scale)));
  return out;
}

// The brackets in the order configurations are dealt to them: smooth
// weighted round robin (each turn, the bracket furthest behind its share),
// so every prefix of the plan is spread over the brackets in proportion.
// Only the first `configs` turns are dealt (the cycle can be longer than
// the plan); the plan wraps around a cycle shorter than itself.
std::vector<unsigned> deal_cycle(const std::vector<std::uint64_t>& sizes,
                                 std::uint64_t configs) {
  std::uint64_t total = 0;
  for (auto n : sizes) total += n;
  std::vector<std::int64_t> credit(sizes.size(), 0);
  std::vector<unsigned> cycle;
  std::uint64_t turns = std::max<std::uint64_t>(1, std::min(total, configs));
  cycle.reserve(turns);
  for (std::uint64_t i = 0; i < turns; ++i) {
    for (size_t b = 0; b < sizes.size(); ++b)
      credit[b] += static_cast<std::int64_t>(sizes[b]);
    size_t pick =
        std::max_element(credit.begin(), credit.end()) - credit.begin();
    credit[pick] -= static_cast<std::int64_t>(total);
    cycle.push_back(static_cast<unsigned>(pick));
  }
  return cycle;
}

}  // namespace

Halving::Halving(HalvingShape shape) : shape_(shape) {
  shape_.rungs = std::max(1u, shape_.rungs);
  shape_.eta = std::max(2u, shape_.eta);
  if (shape_.hyperband)
    cycle_ =
        deal_cycle(bracket_sizes(shape_.rungs, shape_.eta), shape_.configs);
  else
    cycle_ = {0};
}

unsigned Halving::first_rung(std::uint64_t config) const {
  return cycle_[config % cycle_.size()];
}

std::uint64_t Halving::planned() const {
  // Configurations per bracket, then each rung keeps floor(n / eta), as
  // synchronous halving does: once a rung has ended, every trial in its top
  // 1/eta has been promoted (ASHA may have promoted others too).
  std::vector<std::uint64_t> per_bracket(shape_.rungs, 0);
  std::uint64_t full = shape_.configs / cycle_.size();
  for (unsigned b : cycle_) per_bracket[b] += full;
  for (std::uint64_t c = full * cycle_.size(); c < shape_.configs; ++c)
    ++per_bracket[first_rung(c)];
  std::uint64_t trials = 0;
  for (unsigned b = 0; b < shape_.rungs; ++b)
    for (std::uint64_t n = per_bracket[b], r = b; r < shape_.rungs && n;
         ++r, n /= shape_.eta)
      trials += n;
  return trials;
}

std::optional<std::uint64_t> Halving::promotable(const Rung& r) const {
  if (r.waiting.empty()) return std::nullopt;
  const Rung::Entry& best = *r.waiting.begin();
  if (r.ended.order_of_key(best) < r.ended.size() / shape_.eta)
    return best.config;
  return std::nullopt;
}

void Halving::Rung::promote(std::uint64_t config) {
  promoted.insert(config);
  if (auto it = key_of.find(config); it != key_of.end())
    waiting.erase(Entry{it->second, config});
}

std::optional<Trial> Halving::next() {
  // Promotions first, from the highest rung down: they are closer to an
  // answer than a new configuration.
  for (unsigned r = shape_.rungs - 1; r-- > 0;) {
    for (unsigned b = 0; b <= r; ++b) {
      auto found = rungs_.find({b, r});
      if (found == rungs_.end()) continue;
      if (auto c = promotable(found->second)) {
        found->second.promote(*c);
        highest_ = std::max(highest_, r + 1);
        return Trial{*c, r + 1};
      }
    }
  }
  while (next_config_ < shape_.configs && started_.contains(next_config_))
    ++next_config_;
  if (next_config_ == shape_.configs) return std::nullopt;
  std::uint64_t c = next_config_++;
  unsigned first = first_rung(c);
  highest_ = std::max(highest_, first);
  return Trial{c, first};
}

void Halving::finished(Trial t, std::optional<double> value) {
  // Only finite values rank, as only those are journaled (rung_value).
  bool ranked = value && std::isfinite(*value);
  double key = -std::numeric_limits<double>::infinity();
  if (ranked) key = shape_.maximize ? *value : -*value;
  Rung& r = rung(first_rung(t.config), t.rung);
  if (!r.key_of.emplace(t.config, key).second) return;  // ended already
  r.ended.insert({key, t.config});
  if (ranked && !r.promoted.contains(t.config))
    r.waiting.insert({key, t.config});
}

void Halving::restored(Trial t, std::optional<double> value) {
  finished(t, value);
  started_.insert(t.config);
  unsigned first = first_rung(t.config);
  if (t.rung > first) rung(first, t.rung - 1).promote(t.config);
  highest_ = std::max(highest_, t.rung);
}

}  // namespace sweep

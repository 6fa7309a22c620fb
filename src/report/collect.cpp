// The collector keeps, per job still running in the stream, only the
// reduction state of each metric (report/metrics.hpp) and its last lines;
// when the job's end record arrives, one value per metric moves to the
// job's group and the job is forgotten.
#include "report/collect.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "report/job_set.hpp"
#include "report/job_table.hpp"
#include "report/string_index.hpp"
#include "sweep/error.hpp"

namespace sweep::report {

namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    return std::hash<std::string_view>{}(s);
  }
};
template <class V>
using StringMap =
    std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

constexpr std::int32_t kNotCollected = -1;
/// A job's last lines' room kept for the next job in its slot.
constexpr size_t kKeptLine = 64 << 10;

// A job whose end record has not arrived yet.
struct JobState {
  std::uint32_t group = 0;
  unsigned attempt = 1;  ///< Lines of earlier attempts are dropped.
  std::vector<std::pair<std::int32_t, MetricValues>> metrics;  ///< By id.
  std::string last_out, last_err;
  JobCurve curve;  ///< The primary metric (id 0) by step.
  MetricValues& values(std::int32_t id) {
    for (auto& [i, v] : metrics)
      if (i == id) return v;
    return metrics.emplace_back(id, MetricValues{}).second;
  }
};

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

std::string outcome_of(const JobResult& r) {
  if (r.timeout) return "timeout";
  if (!r.error.empty()) return "not started";
  if (r.signal) return signal_name(r.signal);
  return "exit " + std::to_string(r.exit_code);
}

}  // namespace

std::optional<double> line_metrics(const Record& r, const LineScanner& scanner,
                                   LinePairs& pairs) {
  pairs.clear();
  for (const DataNumber& n : r.data_numbers)
    pairs.emplace_back(n.name, n.value);
  if (r.data_json.empty()) scanner.scan(r.line, pairs);
  std::optional<double> step;
  for (const auto& [name, value] : pairs)
    if (is_step_key(name)) step = value;
  return step;
}

struct Collector::State {
  CollectOptions options;
  LineScanner scanner;
  Dataset data;
  struct MetricId {
    std::int32_t id;  ///< In data.metrics, or kNotCollected.
    bool seen;        ///< In data.found.
  };
  StringMap<MetricId> ids;  ///< Every metric name known.
  /// The groups by params JSON, or with --over by their values.
  StringIndex groups;
  /// Every parameter seen: never a metric.
  std::unordered_set<std::string, StringHash, std::equal_to<>> param_names;
  /// Jobs whose end has not come yet: job -> slot in `states`.
  JobTable jobs;
  std::vector<JobState> states;     ///< Reused, so their buffers are too.
  std::vector<std::uint32_t> free;  ///< Slots of states not in use.
  JobSet ended;                     ///< Jobs whose last end was read.
  /// The job of the last record (any number is a job's: 2^64-1 too)...
  std::optional<std::uint64_t> last_job;
  std::uint32_t last_slot = 0;  ///< ...and its slot.
  LinePairs pairs;              ///< One line's.
  /// The built-in metrics asked for: (index in builtin_metrics(), id).
  std::vector<std::pair<size_t, std::int32_t>> builtins;

  explicit State(const CollectOptions& o)
      : options(o), scanner(o.metric_regex) {
    data.metrics = o.metrics;
    for (size_t i = 0; i < o.metrics.size(); ++i) {
      ids.emplace(o.metrics[i].name,
                  MetricId{static_cast<std::int32_t>(i), false});
      const auto& names = builtin_metrics();
      auto b = std::find(names.begin(), names.end(), o.metrics[i].name);
      if (b != names.end())
        builtins.emplace_back(b - names.begin(), static_cast<std::int32_t>(i));
    }
  }

  // The metric's id, or kNotCollected; notes the name as found.
  std::int32_t metric_id(std::string_view name) {
    auto it = ids.find(name);
    if (it == ids.end()) {
      std::int32_t id = kNotCollected;
      if (options.metrics.empty()) {  // every metric is collected
        id = static_cast<std::int32_t>(data.metrics.size());
        data.metrics.push_back(MetricSpec{std::string(name), Goal::kNone});
      }
      it = ids.emplace(std::string(name), MetricId{id, false}).first;
    }
    if (!it->second.seen) {
      it->second.seen = true;
      data.found.emplace_back(name);
    }
    return it->second.id;
  }

  std::string key;  ///< The last group_key.
  /// The last line's names, in order, and each one's metric id (or
  /// kNotCollected): a program's lines mostly name the same metrics in the
  /// same order, so most lines need no lookup. Cleared when a parameter
  /// name appears, as that may make a name no metric.
  std::vector<std::pair<std::string, std::int32_t>> line_names;
  std::int32_t line_metric(size_t pos, std::string_view name);

  std::uint32_t group_of(const Record& r);
  void note_params(std::span<const ParamField> params);
  bool is_over(std::string_view name) const;
  std::string_view group_key(std::span<const ParamField> params,
                             std::string_view exact_bytes);
  void add_exact_bytes(std::string_view b64_json, std::string& out) const;
  JobState& job_for(const Record& r);
  std::uint32_t start_job(const Record& r);
  void end_job(std::uint64_t job);
  void add_line(const Record& r);
  void add_end(const Record& r);
  void add_builtins(const JobResult& r, Group& g);
  void note_failure(const Record& r, const JobState& j);
  void close(Dataset& d) const;
};

// A job's group: points whose parameters (but those --over) are equal share
// one, found by their values as the reader decoded them (nothing is parsed
// here), so memory grows with groups, not points.
std::uint32_t Collector::State::group_of(const Record& r) {
  std::string_view key = group_key(r.params, r.params_b64_json);
  if (const std::uint32_t* g = groups.find(key)) return *g;
  auto g = static_cast<std::uint32_t>(data.groups.size());
  groups.insert(key, g);
  data.groups.push_back(Group{{}, r.job, 0, 0, {}, {}});
  note_params(r.params);
  for (const ParamField& p : r.params)
    if (!is_over(p.name))
      data.groups.back().params.emplace_back(p.name, p.value());
  return g;
}

// A new group's parameter names: never metrics, and (but --over ones) the
// report's columns, in the order first seen.
void Collector::State::note_params(std::span<const ParamField> params) {
  for (const ParamField& p : params) {
    if (!param_names.contains(p.name)) {
      param_names.emplace(p.name);
      line_names.clear();
    }
    if (!is_over(p.name) && std::find(data.params.begin(), data.params.end(),
                                      p.name) == data.params.end())
      data.params.emplace_back(p.name);
  }
}

namespace {

// Appends a length, then the bytes: no two different lists share a text.
void append_sized(std::string& out, std::string_view s) {
  auto n = static_cast<std::uint32_t>(s.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n).append(s);
}

}  // namespace

bool Collector::State::is_over(std::string_view name) const {
  // Asked of every member of every job's params: compared in place, since
  // a call to std::find or memcmp costs more than these few bytes.
  for (const std::string& o : options.over) {
    if (o.size() != name.size()) continue;
    size_t i = 0;
    while (i < name.size() && o[i] == name[i]) ++i;
    if (i == name.size()) return true;
  }
  return false;
}

// The parameters not --over, as one string: each name, kind and value
// (numbers as their bits, so 1 and 1.0 differ as they do in JSON).
std::string_view Collector::State::group_key(std::span<const ParamField> params,
                                             std::string_view exact_bytes) {
  std::string& out = key;
  out.clear();
  for (const ParamField& p : params) {
    if (is_over(p.name)) continue;
    append_sized(out, p.name);
    out += static_cast<char>(p.kind);
    if (p.kind == ParamField::Kind::kString ||
        p.kind == ParamField::Kind::kJson)
      append_sized(out, p.text);
    else if (p.kind == ParamField::Kind::kFloat)
      out.append(reinterpret_cast<const char*>(&p.f), sizeof p.f);
    else
      out.append(reinterpret_cast<const char*>(&p.i), sizeof p.i);
  }
  if (!exact_bytes.empty()) add_exact_bytes(exact_bytes, out);
  return out;
}

// Values that are not UTF-8 read as text with U+FFFD, so two of them can
// read alike: their exact bytes (base64, rare) join the key.
void Collector::State::add_exact_bytes(std::string_view b64_json,
                                       std::string& out) const {
  auto exact = nlohmann::json::parse(b64_json, nullptr, false);
  if (!exact.is_object()) return;
  for (const auto& [name, b64] : exact.items()) {
    if (is_over(name) || !b64.is_string()) continue;
    append_sized(out, name);
    append_sized(out, b64.get_ref<const std::string&>());
  }
}

JobState& Collector::State::job_for(const Record& r) {
  if (r.job != last_job) {  // records of one job mostly come together
    auto [slot, fresh] = jobs.try_emplace(r.job, 0);
    if (fresh) *slot = start_job(r);  // which does not touch jobs
    last_job = r.job;
    last_slot = *slot;
  }
  JobState& j = states[last_slot];
  if (r.attempt > j.attempt) {  // a retry: the earlier one failed
    j.metrics.clear();
    j.curve.clear();
    j.attempt = r.attempt;
  }
  return j;
}

std::uint32_t Collector::State::start_job(const Record& r) {
  std::uint32_t slot;
  if (free.empty()) {
    slot = static_cast<std::uint32_t>(states.size());
    states.emplace_back();
  } else {
    slot = free.back();
    free.pop_back();
  }
  JobState& j = states[slot];
  j.group = group_of(r);
  j.attempt = r.attempt;
  j.metrics.clear();
  j.curve.clear();
  j.last_out.clear();
  j.last_err.clear();
  Group& g = data.groups[j.group];
  g.first_job = std::min(g.first_job, r.job);
  return slot;
}

void Collector::State::end_job(std::uint64_t job) {
  if (!ended.insert(job)) throw JobEndedTwice{job};
  std::uint32_t slot = *jobs.find(job);
  // A very long last line's room goes with its job (slots are reused).
  for (std::string* last : {&states[slot].last_out, &states[slot].last_err})
    if (last->capacity() > kKeptLine) std::string().swap(*last);
  free.push_back(slot);
  jobs.erase(job);
  last_job.reset();
}

void Collector::State::add_line(const Record& r) {
  JobState& j = job_for(r);
  if (r.attempt < j.attempt) return;
  if (r.stream == Stream::kStderr) {
    j.last_err.assign(r.line);
    return;
  }
  j.last_out.assign(r.line);
  std::optional<double> step = line_metrics(r, scanner, pairs);
  for (size_t i = 0; i < pairs.size(); ++i) {
    std::int32_t id = line_metric(i, pairs[i].first);
    if (id != kNotCollected) j.values(id).add(pairs[i].second, step);
    if (id == 0 && step) j.curve.add(*step, pairs[i].second);
  }
}

// The metric id of the pos-th name of a line (kNotCollected for a step, a
// parameter or a metric not asked for).
std::int32_t Collector::State::line_metric(size_t pos, std::string_view name) {
  if (pos < line_names.size() && line_names[pos].first == name)
    return line_names[pos].second;
  std::int32_t id = is_step_key(name) || param_names.contains(name)
                        ? kNotCollected
                        : metric_id(name);
  if (pos >= line_names.size()) line_names.resize(pos + 1);
  line_names[pos] = {std::string(name), id};
  return id;
}

void Collector::State::add_builtins(const JobResult& r, Group& g) {
  const double exit = r.signal ? 128 + r.signal : r.exit_code;
  const double figures[] = {r.duration_s, r.cpu_user_s, r.cpu_sys_s,
                            static_cast<double>(r.max_rss_kb), exit};
  for (const auto& [i, id] : builtins)
    g.values[static_cast<size_t>(id)].push_back(figures[i]);
}

void Collector::State::note_failure(const Record& r, const JobState& j) {
  std::string outcome = outcome_of(r.result);
  ++data.failures.by_outcome[outcome];
  data.failures.timeouts += r.result.timeout;
  if (data.failures.jobs.size() < Failures::kListed) {
    data.failures.jobs.push_back(FailedJob{r.job, std::string(r.params_text()),
                                           outcome, j.last_out, j.last_err});
  }
}

void Collector::State::add_end(const Record& r) {
  JobState& j = job_for(r);
  if (r.result.will_retry) {  // the next attempt starts afresh
    j.metrics.clear();
    j.curve.clear();
    j.attempt = r.attempt + 1;
    return;
  }
  if (r.result.stopped || r.result.pruned) {
    ++(r.result.pruned ? data.failures.pruned : data.failures.stopped);
    end_job(r.job);
    return;
  }
  ++data.jobs;
  Group& g = data.groups[j.group];
  g.values.resize(data.metrics.size());
  ++g.runs;
  if (!r.result.ok()) {
    ++g.failed;
    note_failure(r, j);
  } else {
    for (const auto& [id, values] : j.metrics)
      g.values[static_cast<size_t>(id)].push_back(
          values.reduce(options.reduce, data.metrics[id].goal));
    g.curve.add(j.curve);
    g.rung = std::max(g.rung, r.result.rung);
  }
  data.rungs |= r.result.rung >= 0;
  add_builtins(r.result, g);
  end_job(r.job);
}

Collector::Collector(const CollectOptions& options)
    : s_(std::make_unique<State>(options)) {}
Collector::~Collector() = default;
Collector::Collector(Collector&&) noexcept = default;

void Collector::add(const Record& r) {
  ++s_->data.records;
  if (r.kind == RecordKind::kLine) {
    s_->add_line(r);
  } else if (r.kind == RecordKind::kEnd) {
    s_->add_end(r);
  }
}

// The dataset's last checks, and its groups in grid order: by first job,
// then (two groups can share it only in a stream of two runs) by first
// record, as they were found.
void Collector::State::close(Dataset& d) const {
  for (const auto& name : options.over)
    if (!param_names.contains(name))
      throw Error("--over " + name +
                  ": no such parameter (parameters: " + join(d.params) + ")");
  for (const auto& m : options.metrics) {
    const auto& b = builtin_metrics();
    bool found =
        std::find(d.found.begin(), d.found.end(), m.name) != d.found.end();
    if (!found && std::find(b.begin(), b.end(), m.name) == b.end() && d.jobs)
      throw Error("--metric " + m.name +
                  ": no such metric in the output (found: " + join(d.found) +
                  "; built in: " + join(b) + ")");
  }
  for (Group& g : d.groups) g.values.resize(d.metrics.size());
  auto by_job = [](const Group& a, const Group& b) {
    return a.first_job < b.first_job;
  };
  if (!std::is_sorted(d.groups.begin(), d.groups.end(), by_job))
    std::stable_sort(d.groups.begin(), d.groups.end(), by_job);
}

Dataset Collector::finish() {
  Dataset& d = s_->data;
  d.failures.unfinished = s_->jobs.size();
  s_->close(d);
  return std::move(d);
}

}  // namespace sweep::report

// The collector keeps, per job still running in the stream, only the
// reduction state of each metric (report/metrics.hpp) and its last lines;
// when the job's end record arrives, one value per metric moves to the
// job's group and the job is forgotten.
#include "report/collect.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "core/json_text.hpp"
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

// A job whose end record has not arrived yet.
struct JobState {
  std::uint32_t group = 0;
  unsigned attempt = 1;  ///< Lines of earlier attempts are dropped.
  std::vector<std::pair<std::int32_t, MetricValues>> metrics;  ///< By id.
  std::string last_out, last_err;
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

struct Collector::State {
  CollectOptions options;
  LineScanner scanner;
  Dataset data;
  struct MetricId {
    std::int32_t id;  ///< In data.metrics, or kNotCollected.
    bool seen;        ///< In data.found.
  };
  StringMap<MetricId> ids;              ///< Every metric name known.
  StringMap<std::uint32_t> points;      ///< params JSON -> group.
  StringMap<std::uint32_t> group_keys;  ///< Grouping values -> group.
  /// Every parameter seen: never a metric.
  std::unordered_set<std::string, StringHash, std::equal_to<>> param_names;
  std::unordered_map<std::uint64_t, JobState> jobs;
  std::vector<std::pair<std::string_view, double>> pairs;  ///< One line's.

  explicit State(const CollectOptions& o)
      : options(o), scanner(o.metric_regex) {
    data.metrics = o.metrics;
    for (size_t i = 0; i < o.metrics.size(); ++i)
      ids.emplace(o.metrics[i].name,
                  MetricId{static_cast<std::int32_t>(i), false});
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

  std::uint32_t group_of(std::string_view params_json, std::uint64_t job);
  JobState& job_for(const Record& r);
  void add_line(const Record& r);
  void add_end(const Record& r);
  void add_builtins(const JobResult& r, Group& g);
  void note_failure(const Record& r, const JobState& j);
};

// A point's group, from its params as written (parsed once per point).
std::uint32_t Collector::State::group_of(std::string_view params_json,
                                         std::uint64_t job) {
  if (auto it = points.find(params_json); it != points.end()) return it->second;
  auto j = nlohmann::ordered_json::parse(
      params_json.empty() ? "{}" : params_json, nullptr, false);
  std::string key;
  std::vector<std::pair<std::string, Value>> params;
  if (j.is_object())
    for (const auto& [name, v] : j.items()) {
      param_names.insert(name);
      const auto& over = options.over;
      if (std::find(over.begin(), over.end(), name) != over.end()) continue;
      std::string text = v.dump();
      key.append(name).append("\x1f").append(text).append("\x1e");
      params.emplace_back(name, value_from_json(v).value_or(Value(text)));
      if (std::find(data.params.begin(), data.params.end(), name) ==
          data.params.end())
        data.params.push_back(name);
    }
  auto [it, fresh] = group_keys.try_emplace(
      key, static_cast<std::uint32_t>(data.groups.size()));
  if (fresh) data.groups.push_back(Group{std::move(params), job, 0, 0, {}});
  points.emplace(std::string(params_json), it->second);
  return it->second;
}

JobState& Collector::State::job_for(const Record& r) {
  auto [it, fresh] = jobs.try_emplace(r.job);
  if (fresh) {
    it->second.group = group_of(r.params_json, r.job);
    Group& g = data.groups[it->second.group];
    g.first_job = std::min(g.first_job, r.job);
    it->second.attempt = r.attempt;
  }
  if (r.attempt > it->second.attempt) {  // a retry: the earlier one failed
    it->second.metrics.clear();
    it->second.attempt = r.attempt;
  }
  return it->second;
}

void Collector::State::add_line(const Record& r) {
  JobState& j = job_for(r);
  if (r.attempt < j.attempt) return;
  if (r.stream == Stream::kStderr) {
    j.last_err.assign(r.line);
    return;
  }
  j.last_out.assign(r.line);
  pairs.clear();
  for (const DataNumber& n : r.data_numbers)
    pairs.emplace_back(n.name, n.value);
  if (r.data_json.empty())
    scanner.scan(r.line, [&](std::string_view name, double value) {
      pairs.emplace_back(name, value);
    });
  std::optional<double> step;
  for (const auto& [name, value] : pairs)
    if (is_step_key(name)) step = value;
  for (const auto& [name, value] : pairs) {
    if (is_step_key(name) || param_names.contains(name)) continue;
    std::int32_t id = metric_id(name);
    if (id != kNotCollected) j.values(id).add(value, step);
  }
}

void Collector::State::add_builtins(const JobResult& r, Group& g) {
  const double exit = r.signal ? 128 + r.signal : r.exit_code;
  const double figures[] = {r.duration_s, r.cpu_user_s, r.cpu_sys_s,
                            static_cast<double>(r.max_rss_kb), exit};
  const auto& names = builtin_metrics();
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = ids.find(names[i]);
    if (it == ids.end() || it->second.id == kNotCollected) continue;
    g.values[static_cast<size_t>(it->second.id)].push_back(figures[i]);
  }
}

void Collector::State::note_failure(const Record& r, const JobState& j) {
  std::string outcome = outcome_of(r.result);
  ++data.failures.by_outcome[outcome];
  data.failures.timeouts += r.result.timeout;
  if (data.failures.jobs.size() < Failures::kListed)
    data.failures.jobs.push_back(FailedJob{r.job, std::string(r.params_json),
                                           outcome, j.last_out, j.last_err});
}

void Collector::State::add_end(const Record& r) {
  JobState& j = job_for(r);
  if (r.result.will_retry) {  // the next attempt starts afresh
    j.metrics.clear();
    j.attempt = r.attempt + 1;
    return;
  }
  if (r.result.stopped) {
    ++data.failures.stopped;
    jobs.erase(r.job);
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
  }
  add_builtins(r.result, g);
  jobs.erase(r.job);
}

Collector::Collector(const CollectOptions& options)
    : s_(std::make_unique<State>(options)) {}
Collector::~Collector() = default;

void Collector::add(const Record& r) {
  ++s_->data.records;
  if (r.kind == RecordKind::kLine) {
    s_->add_line(r);
  } else if (r.kind == RecordKind::kEnd) {
    s_->add_end(r);
  }
}

Dataset Collector::finish() {
  Dataset& d = s_->data;
  d.failures.unfinished = s_->jobs.size();
  for (const auto& name : s_->options.over)
    if (!s_->param_names.contains(name))
      throw Error("--over " + name +
                  ": no such parameter (parameters: " + join(d.params) + ")");
  for (const auto& m : s_->options.metrics) {
    const auto& b = builtin_metrics();
    bool found =
        std::find(d.found.begin(), d.found.end(), m.name) != d.found.end();
    if (!found && std::find(b.begin(), b.end(), m.name) == b.end() && d.jobs)
      throw Error("--metric " + m.name +
                  ": no such metric in the output (found: " + join(d.found) +
                  "; built in: " + join(b) + ")");
  }
  for (Group& g : d.groups) g.values.resize(d.metrics.size());
  std::stable_sort(
      d.groups.begin(), d.groups.end(),
      [](const Group& a, const Group& b) { return a.first_job < b.first_job; });
  return std::move(d);
}

}  // namespace sweep::report

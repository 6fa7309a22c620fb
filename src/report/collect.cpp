// The collector keeps, per job still running in the stream, only the
// reduction state of each metric (report/metrics.hpp) and its last lines;
// when the job's end record arrives, one value per metric moves to the
// job's group and the job is forgotten.
#include "report/collect.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>
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
  if (r.data_json.empty())
    scanner.scan(r.line, [&](std::string_view name, double value) {
      pairs.emplace_back(name, value);
    });
  std::optional<double> step;
  for (const auto& [name, value] : pairs)
    if (is_step_key(name)) step = value;
  return step;
}

struct Collector::State {
  CollectOptions options;
  CollectShare share;
  LineScanner scanner;
  Dataset data;
  /// Where the record being read is: its line in the file (with a share),
  /// else its number among those added. Orders what shares merge.
  std::uint64_t position = 0;
  /// With a share: the job its last record was kept for, and whether a
  /// record went where one collector alone would not have put it (a group
  /// first seen through a job number the share had already: see merge).
  std::uint64_t kept_job = 0;
  bool astray = false;
  /// With a share: the line whose record keeps() last found a new group at.
  std::optional<std::uint64_t> noted_at;
  bool stepped = false;                   ///< A line of a job gave a step.
  std::vector<std::uint64_t> found_at;    ///< Of data.found's names...
  std::vector<std::uint64_t> group_at;    ///< ...data.groups' first records...
  std::vector<std::uint64_t> failure_at;  ///< ...and failures.jobs.
  /// With a share: every group key of the stream (no exact bytes), numbered
  /// in order; and recent jobs' shares, by job number (direct-mapped: a
  /// job's records mostly come together).
  StringIndex shares;
  struct ShareSlot {
    std::uint64_t job = 0;
    bool used = false, mine = false;
  };
  std::vector<ShareSlot> share_slots;
  static constexpr std::uint64_t kShareSlots = 4096;
  /// With a share: the groups' numbers by their params as written (the
  /// members but --over ones, each name and value text), learnt from
  /// keeps(), so most jobs' first records need no decoding to be placed.
  /// Equal text is an equal group; one group may have several texts.
  StringIndex shares_by_text;
  std::string text_key;                    ///< The last params_text_key...
  std::optional<std::uint64_t> text_line;  ///< ...of this line, not known.
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

  State(const CollectOptions& o, CollectShare s)
      : options(o),
        share(s),
        scanner(o.metric_regex),
        share_slots(s.count > 1 ? kShareSlots : 0) {
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
      found_at.push_back(position);
    }
    return it->second.id;
  }

  std::string key;       ///< The last group_key...
  std::string head_key;  ///< ...and the last without exact bytes (shares).
  /// The last line's names, in order, and each one's metric id (or
  /// kNotCollected): a program's lines mostly name the same metrics in the
  /// same order, so most lines need no lookup. Cleared when a parameter
  /// name appears, as that may make a name no metric.
  std::vector<std::pair<std::string, std::int32_t>> line_names;
  std::int32_t line_metric(size_t pos, std::string_view name);

  bool skips(std::uint64_t line, std::uint64_t job);
  std::optional<bool> keeps_text(std::uint64_t line, std::uint64_t job,
                                 std::string_view params_text);
  bool params_text_key(std::string_view text, std::string& out) const;
  void place(std::uint64_t line, std::uint64_t job, std::uint32_t group);
  bool keeps(std::uint64_t line, std::uint64_t job,
             std::span<const ParamField> params);
  std::uint32_t group_of(const Record& r);
  void note_params(std::span<const ParamField> params);
  bool is_over(std::string_view name) const;
  std::string_view group_key(std::span<const ParamField> params,
                             std::string_view exact_bytes = {});
  std::string_view group_key(std::span<const ParamField> params,
                             std::string_view exact_bytes, std::string& out);
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
  // A group no keeps() numbered: it came in through a job number this
  // share had for another group, and the other shares never noted it.
  if (share.count > 1 && !shares.find(group_key(r.params, {}, head_key)))
    astray = true;
  groups.insert(key, g);
  data.groups.push_back(Group{{}, r.job, 0, 0, {}, {}});
  group_at.push_back(position);
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

// A record of a job known to be another share's, skipped unread.
bool Collector::State::skips(std::uint64_t line, std::uint64_t job) {
  if (share.count == 1) return false;
  const ShareSlot& s = share_slots[job % kShareSlots];
  if (!s.used || s.job != job || s.mine) return false;
  position = line;
  return true;
}

// Whether the record is this share's: by its group (without the exact
// bytes, which only the rest of a line has), numbered as every share
// numbers them, since each sees every record and asks the same questions.
// A new group's names are noted here, so every share knows every
// parameter, at the same record as one collector alone would.
bool Collector::State::keeps(std::uint64_t line, std::uint64_t job,
                             std::span<const ParamField> params) {
  if (share.count == 1) return true;
  position = line;
  kept_job = job;
  ShareSlot& s = share_slots[job % kShareSlots];
  if (s.used && s.job == job) return s.mine;
  auto next = static_cast<std::uint32_t>(shares.size());
  std::uint32_t g = shares.insert(group_key(params, {}, head_key), next);
  if (text_line == line) shares_by_text.insert(text_key, g);
  place(line, job, g);
  if (g == next) {
    note_params(params);
    noted_at = line;
    // One collector alone notes a new group only when a job starts: a
    // record of a job still running (here) would not have been noted.
    if (s.mine && jobs.contains(job)) astray = true;
  }
  return s.mine;
}

namespace {

// Appends a length, then the bytes: no two different lists share a text.
void append_sized(std::string& out, std::string_view s) {
  auto n = static_cast<std::uint32_t>(s.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n).append(s);
}

}  // namespace

// The same decision from the params' text, for a group keeps() has seen
// written so: every share learns the same texts in the same order.
std::optional<bool> Collector::State::keeps_text(std::uint64_t line,
                                                 std::uint64_t job,
                                                 std::string_view params_text) {
  if (share.count == 1) return true;
  const ShareSlot& s = share_slots[job % kShareSlots];
  text_line.reset();
  if (s.used && s.job == job) {
    position = line;
    kept_job = job;
    return s.mine;
  }
  if (!params_text_key(params_text, text_key)) return std::nullopt;
  const std::uint32_t* g = shares_by_text.find(text_key);
  if (!g) {
    text_line = line;  // keeps() tells its group
    return std::nullopt;
  }
  place(line, job, *g);
  return share_slots[job % kShareSlots].mine;
}

// A record of group g's job, read by g's share.
void Collector::State::place(std::uint64_t line, std::uint64_t job,
                             std::uint32_t g) {
  position = line;
  kept_job = job;
  share_slots[job % kShareSlots] =
      ShareSlot{job, true, g % share.count == share.index};
}

namespace {

// Bytes a scan of params' text stops at: the end of a plain key, and of a
// scalar (or what no scalar holds).
struct StopBytes {
  bool key[256] = {}, scalar[256] = {};
  constexpr StopBytes() {
    key[static_cast<unsigned char>('"')] =
        key[static_cast<unsigned char>('\\')] = true;
    for (char c : {',', '}', '"', '{', '['})
      scalar[static_cast<unsigned char>(c)] = true;
  }
};
constexpr StopBytes kStop;

}  // namespace

// Params as written, from text beginning at their '{', with the --over
// members cut out: equal texts are equal groups. False unless every key is
// plain and every value a string or runs to a ',' or '}' (the rest of the
// line is not looked at; a text is only matched to one learnt from a
// record whose params were decoded).
bool Collector::State::params_text_key(std::string_view t,
                                       std::string& out) const {
  out.clear();
  const char* p = t.data() + 1;  // past the '{'
  const char* end = t.data() + t.size();
  const char* kept = t.data();  // [kept, the member) is still to copy
  auto stops = [&](const bool* at) {
    while (p < end && !at[static_cast<unsigned char>(*p)]) ++p;
  };
  if (p < end && *p == '}') {
    out = "{}";
    return true;
  }
  while (p < end && *p == '"') {
    const char* member = p++;
    stops(kStop.key);
    if (end - p < 2 || p[0] != '"' || p[1] != ':') return false;
    std::string_view name(member + 1, static_cast<size_t>(p - member - 1));
    if (p += 2; p < end && *p == '"') {
      for (++p; p < end && *p != '"'; ++p)
        if (*p == '\\' && ++p == end) return false;
      if (p++ == end) return false;
    } else {
      stops(kStop.scalar);
    }
    if (p >= end || (*p != ',' && *p != '}')) return false;
    if (is_over(name)) {
      out.append(kept, member);
      kept = p + 1;
    }
    if (*p++ == '}') {
      out.append(kept, p);
      return true;
    }
  }
  return false;
}

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
  return group_key(params, exact_bytes, key);
}

std::string_view Collector::State::group_key(std::span<const ParamField> params,
                                             std::string_view exact_bytes,
                                             std::string& out) {
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
  if (!ended.insert(job)) throw JobEndedTwice{job, position};
  free.push_back(*jobs.find(job));
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
  stepped |= step.has_value();
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
    failure_at.push_back(position);
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

Collector::Collector(const CollectOptions& options, CollectShare share)
    : s_(std::make_unique<State>(options, share)) {}
Collector::~Collector() = default;
Collector::Collector(Collector&&) noexcept = default;

bool Collector::skips(std::uint64_t line, std::uint64_t job) {
  return s_->skips(line, job);
}
std::optional<bool> Collector::keeps_text(std::uint64_t line, std::uint64_t job,
                                          std::string_view params_text) {
  return s_->keeps_text(line, job, params_text);
}
bool Collector::keeps(std::uint64_t line, std::uint64_t job,
                      std::span<const ParamField> params) {
  return s_->keeps(line, job, params);
}

void Collector::add(const Record& r) {
  if (s_->share.count == 1) ++s_->position;
  // Kept for another job (a line with "job" twice): its share is unsure.
  if (s_->share.count > 1 && r.job != s_->kept_job) s_->astray = true;
  // A new group noted from a record that starts no job (a grid listing's
  // line): one collector alone would not have noted its names.
  if (s_->share.count > 1 && s_->noted_at == s_->position &&
      r.kind != RecordKind::kLine && r.kind != RecordKind::kEnd)
    s_->astray = true;
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

namespace {

// Items of several shares in the stream's order: (position, share, index).
using Placed = std::vector<std::tuple<std::uint64_t, size_t, size_t>>;

void place(Placed& all, size_t share, const std::vector<std::uint64_t>& at) {
  for (size_t i = 0; i < at.size(); ++i) all.emplace_back(at[i], share, i);
}

}  // namespace

Dataset Collector::finish(std::vector<Collector>& shares) {
  if (shares.size() == 1) return shares[0].finish();
  std::vector<State*> parts;
  for (Collector& c : shares) parts.push_back(c.s_.get());
  Dataset out = merge(parts);
  parts[0]->close(out);
  return out;
}

// What the shares read, as one collector would have: each group is wholly
// one share's, so its values and curve are as that share left them; names,
// groups and failures go in the order the stream first had them.
Dataset Collector::merge(const std::vector<State*>& parts) {
  check_disjoint(parts);
  Dataset out;
  out.params = parts[0]->data.params;  // every share noted every group
  out.metrics = parts[0]->options.metrics;
  Placed found;
  for (size_t k = 0; k < parts.size(); ++k) place(found, k, parts[k]->found_at);
  std::sort(found.begin(), found.end());
  for (const auto& [at, k, i] : found) {
    const std::string& name = parts[k]->data.found[i];
    if (std::find(out.found.begin(), out.found.end(), name) != out.found.end())
      continue;
    out.found.push_back(name);
    if (parts[0]->options.metrics.empty())  // every metric is collected
      out.metrics.push_back(MetricSpec{name, Goal::kNone});
  }
  // A group's curve follows its share's first metric (id 0), which without
  // --metric is the first that share met: one collector alone would have
  // followed the stream's first, from any line with a step (even where
  // the share's own first metric had none, so left no curve).
  for (const State* p : parts)
    if (!p->data.metrics.empty() &&
        p->data.metrics[0].name != out.metrics[0].name && p->stepped)
      throw SharedGroup{};
  merge_groups(parts, out);
  merge_failures(parts, out.failures);
  for (const State* p : parts) {
    out.records += p->data.records;
    out.jobs += p->data.jobs;
    out.rungs |= p->data.rungs;
  }
  return out;
}

// A job that ended in two shares ended twice in the stream. A job started
// in two shares, or a group in two, means one job number with two sets of
// params (two runs in one stream), whose records one collector alone
// would have put together: only it counts them as the stream says.
void Collector::check_disjoint(const std::vector<State*>& parts) {
  StringIndex keys;
  auto started = [](const State* p, std::uint64_t job) {
    return p->jobs.contains(job) || p->ended.contains(job);
  };
  for (size_t k = 0; k < parts.size(); ++k) {
    if (parts[k]->astray) throw SharedGroup{};
    for (size_t j = 0; j < k; ++j) {
      if (auto job = parts[k]->ended.common(parts[j]->ended))
        throw JobEndedTwice{*job, 0};
      bool both = false;
      parts[k]->jobs.each([&](std::uint64_t job, std::uint32_t) {
        both |= started(parts[j], job);
      });
      parts[j]->jobs.each([&](std::uint64_t job, std::uint32_t) {
        both |= started(parts[k], job);
      });
      if (both) throw SharedGroup{};
    }
    bool shared = false;
    parts[k]->groups.each([&](std::string_view key, std::uint32_t) {
      shared |= keys.insert(key, static_cast<std::uint32_t>(k)) != k;
    });
    if (shared) throw SharedGroup{};
  }
}

// The shares' groups, their values moved to the merged metrics' order.
void Collector::merge_groups(const std::vector<State*>& parts, Dataset& out) {
  std::vector<std::tuple<std::uint64_t, std::uint64_t, Group>> groups;
  for (State* p : parts) {
    std::vector<size_t> to;  // a share's metric id -> the merged one
    for (const MetricSpec& m : p->data.metrics)
      to.push_back(static_cast<size_t>(
          std::find_if(out.metrics.begin(), out.metrics.end(),
                       [&](const MetricSpec& o) { return o.name == m.name; }) -
          out.metrics.begin()));
    for (size_t g = 0; g < p->data.groups.size(); ++g) {
      Group& group = p->data.groups[g];
      std::vector<std::vector<double>> values(out.metrics.size());
      for (size_t m = 0; m < group.values.size(); ++m)
        values[to[m]] = std::move(group.values[m]);
      group.values = std::move(values);
      groups.emplace_back(group.first_job, p->group_at[g], std::move(group));
    }
  }
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) <
           std::tie(std::get<0>(b), std::get<1>(b));
  });
  for (auto& g : groups) out.groups.push_back(std::move(std::get<2>(g)));
}

void Collector::merge_failures(const std::vector<State*>& parts,
                               Failures& out) {
  Placed listed;
  for (size_t k = 0; k < parts.size(); ++k) {
    const Failures& f = parts[k]->data.failures;
    for (const auto& [outcome, n] : f.by_outcome) out.by_outcome[outcome] += n;
    out.timeouts += f.timeouts;
    out.stopped += f.stopped;
    out.pruned += f.pruned;
    out.unfinished += parts[k]->jobs.size();
    place(listed, k, parts[k]->failure_at);
  }
  std::sort(listed.begin(), listed.end());
  for (const auto& [at, k, i] : listed)
    if (out.jobs.size() < Failures::kListed)
      out.jobs.push_back(std::move(parts[k]->data.failures.jobs[i]));
}

}  // namespace sweep::report

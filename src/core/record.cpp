// The one reader of sweep's records. Lines in the writer's own layout are
// split by a hand-written scanner (core/compact_record.hpp); every other
// line goes through simdjson's DOM API, which picks the best kernel for the
// CPU at run time (On-Demand fixes it at compile time, which without -march
// is the slow scalar one). Both paths fill a Record through the same field
// readers; tests and a fuzzer hold them to the same result. A field the
// caller did not ask for is not decoded. A large file is read and split by
// a second thread while the caller's takes the records (read_records).
#include "sweep/record.hpp"

#include <fcntl.h>
#include <signal.h>
#include <simdjson.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "core/compact_record.hpp"
#include "sweep/error.hpp"

namespace sweep {

namespace dom = simdjson::dom;

bool JobResult::killed_from_outside() const {
  return !timeout && !pruned &&
         (signal == SIGTERM || signal == SIGINT || signal == SIGHUP);
}

std::string signal_name(int sig) {
  // sigabbrev_np is glibc 2.32+, which Debian 12 has.
  char buf[32];
  if (const char* abbrev = sigabbrev_np(sig))
    std::snprintf(buf, sizeof buf, "SIG%s", abbrev);
  else
    std::snprintf(buf, sizeof buf, "SIG%d", sig);
  return buf;
}

int signal_number(std::string_view name) {
  if (name.substr(0, 3) != "SIG") return 0;
  for (int sig = 1; sig < NSIG; ++sig)
    if (signal_name(sig) == name) return sig;
  return 0;
}

Value ParamField::value() const {
  switch (kind) {
    case Kind::kInt:
      return i;
    case Kind::kFloat:
      return f;
    case Kind::kBool:
      return i != 0;
    default:
      return std::string(text);
  }
}

namespace {

// What the fields of one object said, before it is known which kind it is.
struct Seen {
  bool job = false, line = false, end = false, key = false, file = false;
  bool params_b64 = false, data = false;  ///< Rare: looked up only if seen.
  bool params = false;
  dom::object params_object;  ///< Set if params is.
};

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The raw text of a top-level member's value in a valid JSON object, found by
// walking the object's top level (strings skipped with their escapes).
std::string_view raw_member(std::string_view json, std::string_view key) {
  size_t i = json.find('{') + 1, n = json.size();
  auto skip_ws = [&] {
    while (i < n && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' ||
                     json[i] == '\r'))
      ++i;
  };
  auto skip_string = [&] {  // at the opening quote; returns past the closing
    for (++i; i < n && json[i] != '"'; ++i)
      if (json[i] == '\\') ++i;
    ++i;
  };
  while (i < n) {
    skip_ws();
    if (i >= n || json[i] != '"') return {};
    size_t k = i;
    skip_string();
    std::string_view name = json.substr(k + 1, i - k - 2);
    skip_ws();
    ++i;  // ':'
    skip_ws();
    size_t v = i;
    int depth = 0;
    for (; i < n; ++i) {
      char c = json[i];
      if (c == '"') {
        skip_string();
        --i;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth-- == 0) break;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    if (name == key) {  // keys sweep writes need no unescaping
      size_t e = i;
      while (e > v && (blank(json[e - 1]) || json[e - 1] == '\n')) --e;
      return json.substr(v, e - v);
    }
    ++i;  // ',' or the final '}'
  }
  return {};
}

template <class T>
bool get(dom::element v, T& out) {
  return v.get(out) == simdjson::SUCCESS;
}

// The same for the compact scanner's values, typed as simdjson types them.
bool get(const CompactValue& v, std::uint64_t& out) {
  if (v.type != CompactValue::Type::kInt || v.i < 0) return false;
  out = static_cast<std::uint64_t>(v.i);
  return true;
}
bool get(const CompactValue& v, std::int64_t& out) {
  out = v.i;
  return v.type == CompactValue::Type::kInt;
}
bool get(const CompactValue& v, double& out) {
  if (v.type == CompactValue::Type::kInt) out = static_cast<double>(v.i);
  if (v.type == CompactValue::Type::kDouble) out = v.d;
  return v.type == CompactValue::Type::kInt ||
         v.type == CompactValue::Type::kDouble;
}
bool get(const CompactValue& v, bool& out) {
  out = v.i != 0;
  return v.type == CompactValue::Type::kBool;
}
bool get(const CompactValue& v, std::string_view& out) {
  out = v.text;
  return v.type == CompactValue::Type::kString;
}
// Arrays and objects other than params never reach the compact path.
bool get(const CompactValue&, dom::array&) { return false; }
bool get(const CompactValue&, dom::object&) { return false; }
bool is_object(dom::element v) { return v.is_object(); }
bool is_object(const CompactValue&) { return false; }

template <class V>
bool get_unsigned(V v, unsigned& out) {
  std::uint64_t u = 0;
  if (!get(v, u) || u > 0xffffffffu) return false;
  out = static_cast<unsigned>(u);
  return true;
}

// The fields a record may have. Matching a name to one of them is on every
// field of every record, so it switches on the first byte and compares a
// few names, instead of trying each name in turn.
enum class Field : std::uint8_t {
  kOther,
  kJob,
  kLine,
  kFile,
  kExit,
  kSignal,
  kKey,
  kParams,
  kData,
  kParamsB64,
  kRep,
  kAttempt,
  kStream,
  kOk,
  kTime,
  kTimeout,
  kStopped,
  kLeftoverKilled,
  kRetrying,
  kDurationS,
  kCpuUserS,
  kCpuSysS,
  kMaxRssKb,
  kError,
  kCollectMissing,
  kCollectRefused,
  kMemoryStopped,
  kPruned,
  kPrunedStep,
  kGpus,
  kRung,
  kRungValue
};

// k == name, with the length known at compile time, so the compare is a
// few instructions, not a call (this runs for every field of every record).
template <std::size_t N>
bool same(std::string_view k, const char (&name)[N]) {
  return k.size() == N - 1 && std::memcmp(k.data(), name, N - 1) == 0;
}

Field field_of(std::string_view k) {
  auto is = [&](const auto& name, Field f) {
    return same(k, name) ? f : Field::kOther;
  };
  if (k.empty()) return Field::kOther;
  Field f = Field::kOther;
  switch (k[0]) {
    case 'a':
      return same(k, "attempt") || same(k, "attempts") ? Field::kAttempt : f;
    case 'c':
      if ((f = is("cpu_user_s", Field::kCpuUserS)) != Field::kOther) return f;
      if ((f = is("cpu_sys_s", Field::kCpuSysS)) != Field::kOther) return f;
      if ((f = is("collect_missing", Field::kCollectMissing)) != Field::kOther)
        return f;
      return is("collect_refused", Field::kCollectRefused);
    case 'd':
      if ((f = is("data", Field::kData)) != Field::kOther) return f;
      return is("duration_s", Field::kDurationS);
    case 'e':
      if ((f = is("exit", Field::kExit)) != Field::kOther) return f;
      return is("error", Field::kError);
    case 'f':
      return is("file", Field::kFile);
    case 'g':
      return is("gpus", Field::kGpus);
    case 'j':
      return is("job", Field::kJob);
    case 'k':
      return is("key", Field::kKey);
    case 'l':
      if ((f = is("line", Field::kLine)) != Field::kOther) return f;
      return is("leftover_killed", Field::kLeftoverKilled);
    case 'm':
      if ((f = is("max_rss_kb", Field::kMaxRssKb)) != Field::kOther) return f;
      return is("memory_stopped", Field::kMemoryStopped);
    case 'o':
      return is("ok", Field::kOk);
    case 'p':
      if ((f = is("params", Field::kParams)) != Field::kOther) return f;
      if ((f = is("pruned", Field::kPruned)) != Field::kOther) return f;
      if ((f = is("pruned_step", Field::kPrunedStep)) != Field::kOther)
        return f;
      return is("params_b64", Field::kParamsB64);
    case 'r':
      if ((f = is("rep", Field::kRep)) != Field::kOther) return f;
      if ((f = is("rung", Field::kRung)) != Field::kOther) return f;
      if ((f = is("rung_value", Field::kRungValue)) != Field::kOther) return f;
      return is("retrying", Field::kRetrying);
    case 's':
      if ((f = is("stream", Field::kStream)) != Field::kOther) return f;
      if ((f = is("signal", Field::kSignal)) != Field::kOther) return f;
      return is("stopped", Field::kStopped);
    case 't':
      if ((f = is("time", Field::kTime)) != Field::kOther) return f;
      return is("timeout", Field::kTimeout);
  }
  return f;
}

template <class V>
bool get_strings(V v, std::vector<std::string>& list) {
  dom::array a;
  std::string_view s;
  if (!get(v, a)) return false;
  for (dom::element e : a) {
    if (!get(e, s)) return false;
    list.emplace_back(s);
  }
  return true;
}

// One end-record field into r (kOther if f is not one); false if it has the
// wrong type.
template <class V>
bool read_result_field(Field f, const V& v, JobResult& r) {
  std::int64_t i = 0;
  std::string_view s;
  switch (f) {
    case Field::kExit:
      if (!get(v, i)) return false;
      r.exit_code = static_cast<int>(i);
      return true;
    case Field::kSignal:
      if (!get(v, s)) return false;
      r.signal = signal_number(s);
      return r.signal != 0;
    case Field::kTimeout:
      return get(v, r.timeout);
    case Field::kStopped:
      return get(v, r.stopped);
    case Field::kLeftoverKilled:
      return get(v, r.leftover_killed);
    case Field::kRetrying:
      return get(v, r.will_retry);
    case Field::kDurationS:
      return get(v, r.duration_s);
    case Field::kCpuUserS:
      return get(v, r.cpu_user_s);
    case Field::kCpuSysS:
      return get(v, r.cpu_sys_s);
    case Field::kMaxRssKb:
      if (!get(v, i)) return false;
      r.max_rss_kb = static_cast<long>(i);
      return true;
    case Field::kError:
      if (!get(v, s)) return false;
      r.error.assign(s);
      return true;
    case Field::kCollectMissing:
      return get_strings(v, r.collect_missing);
    case Field::kCollectRefused:
      return get_strings(v, r.collect_refused);
    case Field::kMemoryStopped:
      return get(v, r.memory_stopped);
    case Field::kPruned:
      return get(v, r.pruned);
    case Field::kPrunedStep:
      return get(v, r.pruned_step);
    case Field::kGpus:
      return get_strings(v, r.gpus);
    case Field::kRung:
      if (!get(v, i) || i < 0 || i > 1000) return false;
      r.rung = static_cast<int>(i);
      return true;
    case Field::kRungValue: {
      double d = 0;
      if (!get(v, d)) return false;
      r.rung_value = d;
      return true;
    }
    default:
      return true;
  }
}

// One field into out; false (with why) if it has the wrong type.
template <class V>
bool read_field(std::string_view k, const V& v, unsigned fields, Record& out,
                Seen& seen, std::string& why) {
  bool ok = true;
  std::string_view s;
  switch (Field f = field_of(k)) {
    case Field::kJob:
      seen.job = true;
      ok = get(v, out.job);
      break;
    case Field::kLine:
      seen.line = true;
      if (fields & kFieldLine) ok = get(v, out.line);
      break;
    case Field::kFile:
      seen.file = true;
      if (fields & kFieldLine) ok = get(v, out.file);
      break;
    case Field::kExit:
    case Field::kSignal:
      seen.end = true;
      if (fields & kFieldResult) ok = read_result_field(f, v, out.result);
      break;
    case Field::kKey:
      seen.key = true;
      if (fields & kFieldJournal)
        ok = get(v, s) && JobKey::from_hex(s, out.key);
      break;
    case Field::kParams:
      ok = is_object(v) && (seen.params = get(v, seen.params_object));
      break;
    case Field::kData:
      ok = seen.data = is_object(v);
      break;
    case Field::kParamsB64:
      ok = seen.params_b64 = is_object(v);
      break;
    case Field::kRep:
      ok = get(v, out.rep);
      break;
    case Field::kAttempt:
      ok = get_unsigned(v, out.attempt);
      break;
    case Field::kStream:
      ok = get(v, s) && (s == "stderr" || s == "stdout");
      out.stream = s == "stderr" ? Stream::kStderr : Stream::kStdout;
      break;
    case Field::kOk:
      if (fields & kFieldJournal) ok = get(v, out.ok);
      break;
    case Field::kTime:
      if (fields & kFieldJournal) ok = get(v, out.time);
      break;
    default:
      if (fields & kFieldResult) ok = read_result_field(f, v, out.result);
  }
  if (!ok) why = "field \"" + std::string(k) + "\" has the wrong type";
  return ok;
}

}  // namespace

namespace {

// The numbers of a line's data object, flattened ("a.b"); its storage is
// reused from record to record, so a reader allocates only while it grows.
class DataNumbers {
 public:
  // The compact scanner's data: scalars only, so no name is nested, and
  // each points into the line.
  std::span<const DataNumber> read(std::span<const CompactMember> data) {
    items_.clear();
    for (const CompactMember& m : data) {
      if (m.value.type == CompactValue::Type::kInt)
        items_.push_back(DataNumber{m.key, static_cast<double>(m.value.i)});
      else if (m.value.type == CompactValue::Type::kDouble)
        items_.push_back(DataNumber{m.key, m.value.d});
    }
    return items_;
  }

  std::span<const DataNumber> read(dom::object data) {
    items_.clear();
    names_.clear();
    ends_.clear();
    path_.clear();
    walk(data);
    std::string_view all(names_);
    for (size_t i = 0, from = 0; i < items_.size(); from = ends_[i++])
      items_[i].name = all.substr(from, ends_[i] - from);
    return items_;
  }

 private:
  void walk(dom::object obj) {
    size_t prefix = path_.size();
    for (dom::key_value_pair field : obj) {
      path_.resize(prefix);
      if (prefix) path_ += '.';
      path_ += field.key;
      dom::object inner;
      double value = 0;
      if (field.value.get(inner) == simdjson::SUCCESS) {
        walk(inner);
      } else if (field.value.is_number() &&
                 field.value.get_double().get(value) == simdjson::SUCCESS) {
        names_ += path_;
        ends_.push_back(names_.size());
        items_.push_back(DataNumber{{}, value});
      }
    }
    path_.resize(prefix);
  }

  std::vector<DataNumber> items_;
  std::string names_;         ///< Every name, one after the other.
  std::vector<size_t> ends_;  ///< Where each name ends in names_.
  std::string path_;          ///< The name being built.
};

// A params member as the reader gives it; other JSON is left to the caller
// (kind kJson, no text).
ParamField decode_param(std::string_view name, dom::element v) {
  ParamField p;
  p.name = name;
  switch (v.type()) {
    case dom::element_type::INT64:
      p.i = v.get_int64().value_unsafe();
      break;
    case dom::element_type::UINT64:  // beyond int64: a float, as in grids
      p.kind = ParamField::Kind::kFloat;
      p.f = static_cast<double>(v.get_uint64().value_unsafe());
      break;
    case dom::element_type::DOUBLE:
      p.kind = ParamField::Kind::kFloat;
      p.f = v.get_double().value_unsafe();
      break;
    case dom::element_type::BOOL:
      p.kind = ParamField::Kind::kBool;
      p.i = v.get_bool().value_unsafe();
      break;
    case dom::element_type::STRING:
      p.kind = ParamField::Kind::kString;
      p.text = v.get_string().value_unsafe();
      break;
    default:
      p.kind = ParamField::Kind::kJson;
  }
  return p;
}

// The members of a record's params, decoded; its storage is reused from
// record to record, as DataNumbers' is.
class ParamFields {
 public:
  std::span<const ParamField> read(dom::object params) {
    items_.clear();
    json_.clear();
    ends_.clear();
    for (dom::key_value_pair field : params) {
      items_.push_back(decode_param(field.key, field.value));
      if (items_.back().kind != ParamField::Kind::kJson) continue;
      json_ += simdjson::minify(field.value);  // rare: null, arrays, objects
      ends_.push_back(json_.size());
    }
    std::string_view all(json_);
    size_t from = 0, k = 0;
    for (ParamField& p : items_)  // the arena has stopped moving
      if (p.kind == ParamField::Kind::kJson) {
        p.text = all.substr(from, ends_[k] - from);
        from = ends_[k++];
      }
    return items_;
  }

  // The compact scanner's params: scalars only.
  std::span<const ParamField> read(std::span<const CompactMember> params) {
    items_.clear();
    for (const CompactMember& m : params) {
      ParamField& p = items_.emplace_back();
      p.name = m.key;
      switch (m.value.type) {
        case CompactValue::Type::kDouble:
          p.kind = ParamField::Kind::kFloat;
          p.f = m.value.d;
          break;
        case CompactValue::Type::kBool:
          p.kind = ParamField::Kind::kBool;
          p.i = m.value.i;
          break;
        case CompactValue::Type::kString:
          p.kind = ParamField::Kind::kString;
          p.text = m.value.text;
          break;
        default:
          p.i = m.value.i;
      }
    }
    return items_;
  }

 private:
  std::vector<ParamField> items_;
  std::string json_;          ///< The JSON of the members not scalars...
  std::vector<size_t> ends_;  ///< ...and where each ends in it.
};

// A line as the compact scanner split it.
struct CompactLine {
  std::span<const CompactMember> members, params, data;
};

// The line of scan's at `at` (its spans() right after scanning it).
CompactLine compact_line(const CompactScanner& scan,
                         const CompactScanner::Spans& at) {
  using Part = CompactScanner::Part;
  return {scan.part(at, Part::kMembers), scan.part(at, Part::kParams),
          scan.part(at, Part::kData)};
}

// Where a record's decoded views point, besides the line itself.
struct Decoded {
  DataNumbers data;
  ParamFields params;
};

void set_kind(const Seen& seen, std::string_view text, Record& out) {
  out.text = text;
  out.has_key = seen.key;
  out.kind = seen.key                 ? RecordKind::kJournal
             : seen.line || seen.file ? RecordKind::kLine
             : seen.end               ? RecordKind::kEnd
                                      : RecordKind::kGrid;
}

// Resets a record to its defaults, field by field: on every line's path,
// where building a new Record (400 bytes) and copying containers cost more
// than the line's own fields. Strings and vectors keep their storage.
void clear(Record& r) {
  static_assert(
      sizeof(void*) != 8 || (sizeof(Record) == 400 && sizeof(JobResult) == 184),
      "Record or JobResult changed: reset the new field here");
  r.kind = RecordKind::kGrid;
  r.job = r.rep = 0;
  r.attempt = 1;
  r.params_json = r.text = r.params_b64_json = r.line = r.data_json = r.file =
      r.time = {};
  r.params = {};
  r.data_numbers = {};
  r.stream = Stream::kStdout;
  r.has_key = r.ok = false;
  r.key = JobKey{};
  JobResult& j = r.result;
  j.exit_code = j.signal = 0;
  j.duration_s = j.pruned_step = j.cpu_user_s = j.cpu_sys_s = 0;
  j.error.clear();
  j.timeout = j.stopped = j.leftover_killed = j.will_retry = false;
  j.memory_stopped = j.pruned = false;
  j.rung = -1;
  j.rung_value.reset();
  j.gpus.clear();
  j.collect_missing.clear();
  j.collect_refused.clear();
  j.max_rss_kb = 0;
}

// Fills out from one parsed object whose text is `text` (padded memory that
// outlives out's views); false with why if it is not a record. `decoded`
// holds what fields asks to be decoded (data's numbers, params' values).
bool fill(dom::object obj, std::string_view text, unsigned fields, Record& out,
          std::string& why, Decoded& decoded) {
  clear(out);
  Seen seen;
  for (dom::key_value_pair field : obj)
    if (!read_field(field.key, field.value, fields, out, seen, why))
      return false;
  if (!seen.job) {
    why = "no \"job\" field";
    return false;
  }
  if (fields & kFieldParams) out.params_json = raw_member(text, "params");
  // Rare, and what tells two non-UTF-8 values apart: with either params.
  if ((fields & (kFieldParams | kFieldParamValues)) && seen.params_b64)
    out.params_b64_json = raw_member(text, "params_b64");
  if ((fields & kFieldLine) && (seen.line || seen.file) && seen.data)
    out.data_json = raw_member(text, "data");
  dom::object d;
  if ((fields & kFieldData) && (seen.line || seen.file) && seen.data &&
      obj["data"].get(d) == simdjson::SUCCESS)
    out.data_numbers = decoded.data.read(d);
  if ((fields & kFieldParamValues) && seen.params)
    out.params = decoded.params.read(seen.params_object);
  set_kind(seen, text, out);
  return true;
}

// Fills out from a line the compact scanner split: the same fields, read by
// the same code, as fill from the parser's object.
bool fill_compact(const CompactLine& line, std::string_view text,
                  unsigned fields, Record& out, std::string& why,
                  Decoded& decoded) {
  clear(out);
  Seen seen;
  std::string_view data;
  for (const CompactMember& m : line.members) {
    if (m.value.type != CompactValue::Type::kObject) {
      if (!read_field(m.key, m.value, fields, out, seen, why)) return false;
    } else if (m.key == "data") {  // the scanner takes no other objects
      seen.data = true;
      data = m.value.text;
    } else {
      seen.params = true;
      if (fields & kFieldParams) out.params_json = m.value.text;
    }
  }
  if (!seen.job) {
    why = "no \"job\" field";
    return false;
  }
  bool lines = (seen.line || seen.file) && seen.data;
  if ((fields & kFieldLine) && lines) out.data_json = data;
  if ((fields & kFieldData) && lines)
    out.data_numbers = decoded.data.read(line.data);
  if ((fields & kFieldParamValues) && seen.params)
    out.params = decoded.params.read(line.params);
  set_kind(seen, text, out);
  return true;
}

}  // namespace

std::string_view Record::params_text() const {
  return params_json.empty() ? raw_member(text, "params") : params_json;
}

// Room kept for the next line; past this a long line's buffers are freed.
constexpr size_t kKeptBytes = 4 << 20;

struct RecordReader::Impl {
  CompactScanner compact;  ///< The writer's own layout, without a parser.
  dom::parser parser;
  std::vector<char> buf;  ///< The line, copied with simdjson's padding.
  Decoded decoded;        ///< What the last line's views point into.
};

RecordReader::RecordReader(unsigned fields, bool parser_only)
    : impl_(std::make_unique<Impl>()),
      fields_(fields),
      parser_only_(parser_only) {}
RecordReader::~RecordReader() = default;
RecordReader::RecordReader(RecordReader&&) noexcept = default;
RecordReader& RecordReader::operator=(RecordReader&&) noexcept = default;

bool RecordReader::parse(std::string_view line, Record& out) {
  CompactScanner& compact = impl_->compact;
  if (!parser_only_ && compact.scan(line) &&
      fill_compact(compact_line(compact, compact.spans()), line, fields_, out,
                   why_, impl_->decoded))
    return true;
  auto& buf = impl_->buf;
  // A very long line's copy, and the parser's room for it, go at the next
  // line far shorter (the last record's views point into them until now).
  if (buf.size() > kKeptBytes && 4 * line.size() < buf.size()) {
    std::vector<char>().swap(buf);
    impl_->parser = dom::parser{};
  }
  if (buf.size() < line.size() + simdjson::SIMDJSON_PADDING)
    buf.resize(line.size() + simdjson::SIMDJSON_PADDING);
  memcpy(buf.data(), line.data(), line.size());
  dom::object obj;
  if (impl_->parser.parse(buf.data(), line.size(), false).get(obj)) {
    clear(out);
    why_ = "not a JSON object";
    return false;
  }
  return fill(obj, std::string_view(buf.data(), line.size()), fields_, out,
              why_, impl_->decoded);
}

namespace {

// A buffer with simdjson's padding, not zeroed.
struct Buffer {
  std::unique_ptr<char[]> data;
  size_t cap = 0;
  void grow(size_t n, size_t keep) {
    if (n <= cap) return;
    auto bigger =
        std::make_unique_for_overwrite<char[]>(n + simdjson::SIMDJSON_PADDING);
    if (keep) std::memcpy(bigger.get(), data.get(), keep);
    data = std::move(bigger);
    cap = n;
  }
};

// A block of a file's whole lines, split and scanned: what a file's reader
// hands to the thread that takes its records.
struct ScannedBlock {
  struct Line {
    std::string_view text;
    bool blank = false;
    bool torn = false;     ///< The file's last line, without its newline.
    bool compact = false;  ///< In the writer's layout: scan holds its members.
    CompactScanner::Spans spans;  ///< Where they are in scan's.
  };
  Buffer bytes;
  std::string_view text;  ///< Whole lines (the last torn, if `last`).
  bool last = false;      ///< The file ends with this block.
  CompactScanner scan;    ///< Keeps every line's members.
  std::vector<Line> lines;
  std::exception_ptr error;  ///< Reading the file failed here.
};

// Reads a file in blocks of whole lines and splits each into its lines,
// scanning those in the writer's own layout.
class BlockReader {
 public:
  BlockReader(const std::string& path, size_t block)
      : path_(path),
        block_(block),
        fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw Error(path_ + ": cannot read: " + std::strerror(errno));
  }
  ~BlockReader() { ::close(fd_); }
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;

  // The next block into b; throws Error if the file cannot be read.
  void next(ScannedBlock& b) {
    read(b);
    split(b);
  }

 private:
  // Whole lines into b, after the part of a line the last block left: a
  // block's worth, or more while a line runs on (the buffer then doubles,
  // and gives its memory back once the long line has gone).
  void read(ScannedBlock& b) {
    if (b.bytes.cap > 4 * block_ && carry_.size() <= block_) b.bytes = Buffer{};
    b.bytes.grow(std::max(block_, carry_.size()), 0);
    char* data = b.bytes.data.get();
    std::memcpy(data, carry_.data(), carry_.size());
    size_t have = carry_.size(), end = 0;
    bool eof = false;
    for (;;) {
      if (have == b.bytes.cap) {  // a long line
        b.bytes.grow(b.bytes.cap * 2, have);
        data = b.bytes.data.get();
      }
      ssize_t n =
          ::read(fd_, data + have, std::min(b.bytes.cap - have, block_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error(path_ + ": cannot read: " + std::strerror(errno));
      eof = n == 0;
      // Only the new bytes: what came before holds no newline.
      const char* nl = static_cast<const char*>(
          memrchr(data + have, '\n', static_cast<size_t>(n)));
      have += static_cast<size_t>(n);
      end = eof ? have : nl ? static_cast<size_t>(nl - data) + 1 : 0;
      if (end > 0 || eof) break;
    }
    if (carry_.capacity() > block_ && have - end <= block_)
      std::string().swap(carry_);  // a long line's start, gone
    carry_.assign(data + end, have - end);
    b.text = std::string_view(data, end);
    b.last = eof;
  }

  // The block's lines, each scanned if it is not blank.
  void split(ScannedBlock& b) {
    b.lines.clear();
    // A block has no more lines than bytes: more room is a larger block's.
    if (b.lines.capacity() > b.text.size() + 1024)
      std::vector<ScannedBlock::Line>().swap(b.lines);
    b.scan.keep(b.text.size());
    for (size_t from = 0; from < b.text.size();) {
      size_t nl = b.text.find('\n', from);
      size_t end = nl == std::string_view::npos ? b.text.size() : nl;
      ScannedBlock::Line& line = b.lines.emplace_back();
      line.text = b.text.substr(from, end - from);
      line.torn = nl == std::string_view::npos;  // only the file's last can be
      from = end + 1;
      size_t k = 0;
      while (k < line.text.size() && blank(line.text[k])) ++k;
      line.blank = k == line.text.size();
      if (line.blank) continue;
      if ((line.compact = b.scan.scan(line.text))) line.spans = b.scan.spans();
    }
  }

  const std::string& path_;
  size_t block_;
  int fd_;
  std::string carry_;  ///< The start of a line the next block begins with.
};

// One document of a parse_many batch stands alone on its line.
bool alone_on_line(std::string_view block, std::string_view doc) {
  size_t b = static_cast<size_t>(doc.data() - block.data());
  size_t e = b + doc.size();
  while (b > 0 && blank(block[b - 1])) --b;
  while (e < block.size() && blank(block[e])) ++e;
  return (b == 0 || block[b - 1] == '\n') &&
         (e == block.size() || block[e] == '\n');
}

// Takes the records of scanned blocks, in order: lines in the writer's
// layout go straight out, the others wait for one parse_many (delivered
// first, to keep the order). Anything unusual (a line that is not a record,
// two documents on one line, a line longer than a batch, a torn last line)
// sends the waiting lines through the line-by-line reader, which names the
// line.
class RecordTaker {
 public:
  RecordTaker(const std::string& path, unsigned fields, const RecordFn& fn)
      : path_(path), fields_(fields), fn_(fn), lines_(fields, true) {}

  void take(const ScannedBlock& b) {
    for (const ScannedBlock::Line& line : b.lines) {
      ++line_;
      if (line.blank) {
        ++summary_.blank;
        continue;
      }
      Entry e{line.text, line_, line.torn};
      if (line.compact) {
        deliver();  // what waits comes first
        if (fill_compact(compact_line(b.scan, line.spans), line.text, fields_,
                         rec_, why_, decoded_)) {
          fn_(rec_, e.text);
          continue;
        }
      }
      entries_.push_back(e);
      full_.append(line.text).push_back('\n');
    }
    deliver();
  }

  const ReadSummary& summary() const { return summary_; }

 private:
  static constexpr size_t kBatch = 1 << 20, kFew = 8;
  struct Entry {
    std::string_view text;
    std::uint64_t number;  ///< 1-based line number in the file.
    bool torn;             ///< The file's last line, without its newline.
  };

  // Hands every entry over in order (asked at every line, and mostly none
  // waits: a test the compiler inlines).
  void deliver() {
    if (!full_.empty()) deliver_waiting();
  }

  // The entries that wait: the others from one parse_many over their text,
  // or one by one after any surprise.
  void deliver_waiting() {
    if (entries_.size() <= kFew) {  // between compact lines: a batch costs more
      for (const Entry& e : entries_) one(e);
      forget_waiting();
      return;
    }
    full_buf_.grow(full_.size(), 0);
    std::memcpy(full_buf_.data.get(), full_.data(), full_.size());
    dom::document_stream docs;
    bool batch =
        !full_.empty() &&
        !many_.parse_many(full_buf_.data.get(), full_.size(), kBatch).get(docs);
    auto it = batch ? docs.begin() : dom::document_stream::iterator();
    std::string_view all(full_buf_.data.get(), full_.size());
    for (const Entry& e : entries_) {
      if (batch && it != docs.end() && next_doc(it, all, e)) {
        fn_(rec_, e.text);
        ++it;
        continue;
      }
      batch = false;
      one(e);
    }
    forget_waiting();
  }

  // The delivered entries, and the room a very long line took (in the
  // line reader too, which later lines may never reach).
  void forget_waiting() {
    entries_.clear();
    full_.clear();
    if (full_.capacity() <= kKeptBytes) return;
    std::string().swap(full_);
    full_buf_ = Buffer{};
    lines_ = RecordReader(fields_, true);
  }

  // The next document of the batch as e's record; false if they differ.
  bool next_doc(dom::document_stream::iterator& it, std::string_view all,
                const Entry& e) {
    dom::element el;
    dom::object obj;
    if ((*it).get(el) || el.get(obj)) return false;
    std::string_view text = it.source();
    return alone_on_line(all, text) && text.size() <= e.text.size() &&
           fill(obj, text, fields_, rec_, why_, decoded_);
  }

  void one(const Entry& e) {
    if (lines_.parse(e.text, rec_)) {
      fn_(rec_, e.text);
    } else if (e.torn) {  // a torn last line: a writer was killed
      summary_.torn = true;
    } else {
      throw RecordError(path_ + ":" + std::to_string(e.number) +
                        ": not a sweep record (" + lines_.why() + ")");
    }
  }

  const std::string& path_;
  unsigned fields_;
  const RecordFn& fn_;
  RecordReader lines_;
  dom::parser many_;
  Record rec_;
  std::string why_;
  Decoded decoded_;  ///< What the current record's views point into.
  std::vector<Entry> entries_;
  std::string full_;        ///< The lines to parse, each with its newline.
  Buffer full_buf_;         ///< The same, padded for simdjson.
  std::uint64_t line_ = 0;  ///< Lines read so far.
  ReadSummary summary_;
};

// Blocks passed from the thread that reads them to the one that takes
// their records: a ring of a few, so the reader stays a little ahead and
// memory stays a few blocks whatever the file.
class BlockRing {
 public:
  static constexpr size_t kSlots = 4;

  // The reader's next slot to fill, once the taker is done with it; null if
  // the taker has stopped.
  ScannedBlock* to_fill() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stopped_ || filled_ - taken_ < kSlots; });
    return stopped_ ? nullptr : &slots_[filled_ % kSlots];
  }
  void filled() {
    std::lock_guard lock(mu_);
    ++filled_;
    cv_.notify_all();
  }
  // The taker's next block, once the reader has filled it.
  ScannedBlock& to_take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return filled_ > taken_; });
    return slots_[taken_ % kSlots];
  }
  void taken() {
    std::lock_guard lock(mu_);
    ++taken_;
    cv_.notify_all();
  }
  // The taker gives up (an error): the reader stops at its next block.
  void stop() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::array<ScannedBlock, kSlots> slots_;
  std::uint64_t filled_ = 0, taken_ = 0;
  bool stopped_ = false;
};

// The reading thread: blocks into the ring until the file's last (or an
// error, handed on in its slot).
void read_blocks(BlockReader& reader, BlockRing& ring) {
  while (ScannedBlock* b = ring.to_fill()) {
    try {
      reader.next(*b);
      b->error = nullptr;
    } catch (...) {
      b->error = std::current_exception();
      b->last = true;
    }
    ring.filled();
    if (b->last) return;
  }
}

ReadSummary read_threaded(BlockReader& reader, RecordTaker& taker) {
  BlockRing ring;
  std::jthread thread([&] { read_blocks(reader, ring); });
  try {
    for (bool last = false; !last;) {
      ScannedBlock& b = ring.to_take();
      if (b.error) std::rethrow_exception(b.error);
      taker.take(b);
      last = b.last;
      ring.taken();
    }
  } catch (...) {
    ring.stop();
    throw;
  }
  return taker.summary();
}

}  // namespace

ReadSummary read_records(const std::string& path, unsigned fields,
                         const RecordFn& fn, const ReadOptions& how) {
  BlockReader reader(path, std::max<size_t>(how.block, 1));
  RecordTaker taker(path, fields, fn);
  if (how.threads > 1) return read_threaded(reader, taker);
  ScannedBlock b;
  do {
    reader.next(b);
    taker.take(b);
  } while (!b.last);
  return taker.summary();
}

}  // namespace sweep

// The one reader of sweep's records, on simdjson's DOM API: it picks the
// best kernel for the CPU at run time (On-Demand fixes it at compile time,
// which without -march is the slow scalar one). A field the caller did not
// ask for is not decoded.
#include "sweep/record.hpp"

#include <signal.h>
#include <simdjson.h>
#include <string.h>

#include <cstdio>
#include <vector>

namespace sweep {

namespace dom = simdjson::dom;

bool JobResult::killed_from_outside() const {
  return !timeout &&
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

struct RecordReader::Impl {
  dom::parser parser;
  std::vector<char> buf;  ///< The line, copied with simdjson's padding.
};

RecordReader::RecordReader(unsigned fields)
    : impl_(std::make_unique<Impl>()), fields_(fields) {}
RecordReader::~RecordReader() = default;
RecordReader::RecordReader(RecordReader&&) noexcept = default;
RecordReader& RecordReader::operator=(RecordReader&&) noexcept = default;

namespace {

// What the fields of one object said, before it is known which kind it is.
struct Seen {
  bool job = false, line = false, end = false, key = false;
};

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
      while (e > v && (json[e - 1] == ' ' || json[e - 1] == '\n')) --e;
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

bool get_unsigned(dom::element v, unsigned& out) {
  std::uint64_t u = 0;
  if (!get(v, u) || u > 0xffffffffu) return false;
  out = static_cast<unsigned>(u);
  return true;
}

// One end-record field into r; false if it has the wrong type.
bool read_result_field(std::string_view k, dom::element v, JobResult& r) {
  std::int64_t i = 0;
  std::string_view s;
  if (k == "exit") {
    if (!get(v, i)) return false;
    r.exit_code = static_cast<int>(i);
  } else if (k == "signal") {
    if (!get(v, s)) return false;
    r.signal = signal_number(s);
    if (!r.signal) return false;
  } else if (k == "timeout") {
    return get(v, r.timeout);
  } else if (k == "stopped") {
    return get(v, r.stopped);
  } else if (k == "retrying") {
    return get(v, r.will_retry);
  } else if (k == "duration_s") {
    return get(v, r.duration_s);
  } else if (k == "cpu_user_s") {
    return get(v, r.cpu_user_s);
  } else if (k == "cpu_sys_s") {
    return get(v, r.cpu_sys_s);
  } else if (k == "max_rss_kb") {
    if (!get(v, i)) return false;
    r.max_rss_kb = static_cast<long>(i);
  } else if (k == "error") {
    if (!get(v, s)) return false;
    r.error.assign(s);
  }
  return true;
}

bool is_result_field(std::string_view k) {
  return k == "exit" || k == "signal" || k == "timeout" || k == "stopped" ||
         k == "retrying" || k == "duration_s" || k == "cpu_user_s" ||
         k == "cpu_sys_s" || k == "max_rss_kb" || k == "error";
}

// One field into out; false (with why) if it has the wrong type.
bool read_field(std::string_view k, dom::element v, unsigned fields,
                Record& out, Seen& seen, std::string& why) {
  bool ok = true;
  if (k == "job") {
    seen.job = true;
    ok = get(v, out.job);
  } else if (k == "line") {
    seen.line = true;
    if (fields & kFieldLine) ok = get(v, out.line);
  } else if (k == "exit" || k == "signal") {
    seen.end = true;
    if (fields & kFieldResult) ok = read_result_field(k, v, out.result);
  } else if (k == "key") {
    seen.key = true;
    std::string_view hex;
    if (fields & kFieldJournal)
      ok = get(v, hex) && JobKey::from_hex(hex, out.key);
  } else if (k == "params" || k == "data") {
    ok = v.is_object();
  } else if (k == "rep") {
    ok = get(v, out.rep);
  } else if (k == "attempt" || k == "attempts") {
    ok = get_unsigned(v, out.attempt);
  } else if (k == "stream") {
    std::string_view s;
    ok = get(v, s) && (s == "stderr" || s == "stdout");
    out.stream = s == "stderr" ? Stream::kStderr : Stream::kStdout;
  } else if (k == "ok") {
    if (fields & kFieldJournal) ok = get(v, out.ok);
  } else if (k == "time") {
    if (fields & kFieldJournal) ok = get(v, out.time);
  } else if (is_result_field(k) && (fields & kFieldResult)) {
    ok = read_result_field(k, v, out.result);
  }
  if (!ok) why = "field \"" + std::string(k) + "\" has the wrong type";
  return ok;
}

}  // namespace

bool RecordReader::parse(std::string_view line, Record& out) {
  out = Record{};
  auto& buf = impl_->buf;
  if (buf.size() < line.size() + simdjson::SIMDJSON_PADDING)
    buf.resize(line.size() + simdjson::SIMDJSON_PADDING);
  memcpy(buf.data(), line.data(), line.size());
  dom::object obj;
  if (impl_->parser.parse(buf.data(), line.size(), false).get(obj)) {
    why_ = "not a JSON object";
    return false;
  }
  Seen seen;
  for (dom::key_value_pair field : obj)
    if (!read_field(field.key, field.value, fields_, out, seen, why_))
      return false;
  if (!seen.job) {
    why_ = "no \"job\" field";
    return false;
  }
  std::string_view text(buf.data(), line.size());
  if (fields_ & kFieldParams) out.params_json = raw_member(text, "params");
  if ((fields_ & kFieldLine) && seen.line)
    out.data_json = raw_member(text, "data");
  out.has_key = seen.key;
  out.kind = seen.key    ? RecordKind::kJournal
             : seen.line ? RecordKind::kLine
             : seen.end  ? RecordKind::kEnd
                         : RecordKind::kGrid;
  return true;
}

}  // namespace sweep

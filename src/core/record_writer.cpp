#include "core/record_writer.hpp"

#include <charconv>
#include <cmath>

#include "core/json_text.hpp"

namespace sweep {
namespace {

void append_uint(std::string& b, std::uint64_t n) {
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, n);
  b.append(num, r.ptr - num);
}

void append_int(std::string& b, long n) {
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, n);
  b.append(num, r.ptr - num);
}

// The shortest text that reads back as the same double.
void append_double(std::string& b, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  b.append(buf, r.ptr - buf);
}

// Values that are not UTF-8 show as U+FFFD in params; their exact bytes
// follow, so two such values stay two in every record.
void append_params_b64(std::string& b, const RecordHead& head) {
  if (head.params_b64_json.empty()) return;
  b += ",\"params_b64\":";
  b += head.params_b64_json;
}

}  // namespace

void append_seconds(std::string& out, double seconds) {
  char buf[64];
  double rounded = std::round(seconds * 1e6) / 1e6;
  auto r = std::to_chars(buf, buf + sizeof buf, rounded);
  out.append(buf, r.ptr - buf);
}

void append_record_head(std::string& b, const RecordHead& head) {
  b += "{\"job\":";
  append_uint(b, head.job);
  b += ",\"params\":";
  b += head.params_json;
  append_params_b64(b, head);
  if (head.rep) {
    b += ",\"rep\":";
    append_uint(b, *head.rep);
  }
  if (head.attempt) {
    b += ",\"attempt\":";
    append_uint(b, *head.attempt);
  }
}

void append_line_prefix(std::string& b, Stream stream) {
  if (stream == Stream::kStderr) b += ",\"stream\":\"stderr\"";
  b += ",\"line\":";
}

void append_line_body(std::string& b, std::string_view line) {
  // Most lines are no JSON object: is_json_object stops at their first
  // character that is not blank (blanks before a '{' are allowed).
  bool object = is_json_object(line);
  if (is_plain_json_text(line)) {
    // The hot path: the text needs no escaping.
    b += '"';
    b.append(line);
    if (!object) {
      b.append("\"}\n", 3);
      return;
    }
    b += '"';
  } else {
    append_json_string(b, line);
  }
  if (object) {
    b += ",\"data\":";
    b += line;
  }
  b += "}\n";
}

void append_file_record(std::string& b, const RecordHead& head,
                        std::string_view file, std::string_view data_json) {
  append_record_head(b, head);
  b += ",\"file\":";
  append_json_string(b, file);
  b += ",\"data\":";
  b += data_json;
  b += "}\n";
}

namespace {

void append_string_array(std::string& b, const std::vector<std::string>& v) {
  b += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) b += ',';
    append_json_string(b, v[i]);
  }
  b += ']';
}

}  // namespace

void append_end_fields(std::string& b, const JobResult& result) {
  if (result.signal) {
    b += ",\"signal\":";
    append_json_string(b, signal_name(result.signal));
  } else {
    b += ",\"exit\":";
    append_int(b, result.exit_code);
  }
  if (result.timeout) b += ",\"timeout\":true";
  if (result.stopped) b += ",\"stopped\":true";
  if (result.leftover_killed) b += ",\"leftover_killed\":true";
  if (result.will_retry) b += ",\"retrying\":true";
  if (result.memory_stopped) b += ",\"memory_stopped\":true";
  if (result.pruned) {
    b += ",\"pruned\":true,\"pruned_step\":";
    append_double(b, result.pruned_step);
  }
  if (result.rung >= 0) {
    b += ",\"rung\":";
    append_int(b, result.rung);
    if (result.rung_value && std::isfinite(*result.rung_value)) {
      b += ",\"rung_value\":";
      append_double(b, *result.rung_value);
    }
  }
  b += ",\"duration_s\":";
  append_seconds(b, result.duration_s);
  b += ",\"cpu_user_s\":";
  append_seconds(b, result.cpu_user_s);
  b += ",\"cpu_sys_s\":";
  append_seconds(b, result.cpu_sys_s);
  b += ",\"max_rss_kb\":";
  append_int(b, result.max_rss_kb);
  if (!result.gpus.empty()) {
    b += ",\"gpus\":";
    append_string_array(b, result.gpus);
  }
  if (!result.error.empty()) {
    b += ",\"error\":";
    append_json_string(b, result.error);
  }
  if (!result.collect_missing.empty()) {
    b += ",\"collect_missing\":";
    append_string_array(b, result.collect_missing);
  }
  if (!result.collect_refused.empty()) {
    b += ",\"collect_refused\":";
    append_string_array(b, result.collect_refused);
  }
}

void append_end_record(std::string& b, const RecordHead& head,
                       const JobResult& result) {
  append_record_head(b, head);
  append_end_fields(b, result);
  b += "}\n";
}

void append_journal_record(std::string& b, const JobKey& key,
                           const RecordHead& head, const JobResult& result,
                           std::string_view time) {
  b += "{\"key\":\"";
  b += key.hex();
  b += "\",\"ok\":";
  b += result.ok() ? "true" : "false";
  b += ",\"job\":";
  append_uint(b, head.job);
  b += ",\"params\":";
  b += head.params_json;
  append_params_b64(b, head);
  b += ",\"rep\":";
  append_uint(b, head.rep.value_or(0));
  b += ",\"attempts\":";
  append_uint(b, head.attempt.value_or(1));
  append_end_fields(b, result);
  b += ",\"time\":";
  append_json_string(b, time);
  b += "}\n";
}

void append_grid_record(std::string& b, const RecordHead& head) {
  append_record_head(b, head);
  b += "}\n";
}

}  // namespace sweep

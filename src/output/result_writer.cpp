#include "sweep/result_writer.hpp"

#include <charconv>
#include <cmath>

#include "sweep/json_text.hpp"

namespace sweep {

void append_seconds(std::string& out, double seconds) {
  char buf[64];
  double rounded = std::round(seconds * 1e6) / 1e6;
  auto r = std::to_chars(buf, buf + sizeof buf, rounded);
  out.append(buf, r.ptr - buf);
}

namespace {

void append_uint(std::string& b, std::uint64_t n) {
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, n);
  b.append(num, r.ptr - num);
}

}  // namespace

void JsonlWriter::begin_record(const Job& job) {
  std::string& b = out_.buffer();
  b += "{\"job\":";
  append_uint(b, job.index);
  b += ",\"params\":";
  b += job.params_json;
  if (job.repeated) {
    b += ",\"rep\":";
    append_uint(b, job.rep);
  }
  if (job.retrying) {
    b += ",\"attempt\":";
    append_uint(b, job.attempt);
  }
}

void JsonlWriter::on_line(const Job& job, Stream stream,
                          std::string_view line) {
  if (stream == Stream::kStderr && !stderr_records_) return;
  begin_record(job);
  std::string& b = out_.buffer();
  if (stream == Stream::kStderr) b += ",\"stream\":\"stderr\"";
  b += ",\"line\":";
  append_json_string(b, line);
  if (is_json_object(line)) {
    b += ",\"data\":";
    b += line;
  }
  b += "}\n";
  out_.commit();
}

void append_end_fields(std::string& b, const JobResult& result) {
  if (result.signal) {
    b += ",\"signal\":";
    append_json_string(b, signal_name(result.signal));
  } else {
    b += ",\"exit\":" + std::to_string(result.exit_code);
  }
  if (result.timeout) b += ",\"timeout\":true";
  if (result.stopped) b += ",\"stopped\":true";
  if (result.will_retry) b += ",\"retrying\":true";
  b += ",\"duration_s\":";
  append_seconds(b, result.duration_s);
  b += ",\"cpu_user_s\":";
  append_seconds(b, result.cpu_user_s);
  b += ",\"cpu_sys_s\":";
  append_seconds(b, result.cpu_sys_s);
  b += ",\"max_rss_kb\":" + std::to_string(result.max_rss_kb);
  if (!result.error.empty()) {
    b += ",\"error\":";
    append_json_string(b, result.error);
  }
}

void JsonlWriter::on_finish(const Job& job, const JobResult& result) {
  begin_record(job);
  std::string& b = out_.buffer();
  append_end_fields(b, result);
  b += "}\n";
  out_.commit();
}

void StderrRelay::on_line(const Job& job, Stream stream,
                          std::string_view line) {
  if (stream != Stream::kStderr) return;
  buf_ += '[';
  buf_ += std::to_string(job.index);
  buf_ += "] ";
  buf_ += line;
  buf_ += '\n';
  if (buf_.size() >= (1 << 16)) flush();
}

void StderrRelay::on_finish(const Job& job, const JobResult& result) {
  if (result.error.empty()) return;
  buf_ += "[" + std::to_string(job.index) + "] sweep: " + result.error + "\n";
}

void StderrRelay::flush() {
  if (buf_.empty()) return;
  status_.print_above(buf_);
  buf_.clear();
}

void FanoutSink::on_start(const Job& job) {
  for (auto* s : sinks_) s->on_start(job);
}
void FanoutSink::on_line(const Job& job, Stream stream, std::string_view line) {
  for (auto* s : sinks_) s->on_line(job, stream, line);
}
void FanoutSink::on_finish(const Job& job, const JobResult& result) {
  for (auto* s : sinks_) s->on_finish(job, result);
}
bool FanoutSink::wants_stop() const {
  for (auto* s : sinks_)
    if (s->wants_stop()) return true;
  return false;
}

void FanoutSink::flush() {
  for (auto* s : sinks_) s->flush();
}

void FanoutSink::on_tick() {
  for (auto* s : sinks_) s->on_tick();
}

}  // namespace sweep

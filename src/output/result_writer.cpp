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

const std::string& JsonlWriter::build_prefix(const Job& job, Stream stream) {
  {
    std::string& b = out_.buffer();
    size_t mark = b.size();
    begin_record(job);
    if (stream == Stream::kStderr) b += ",\"stream\":\"stderr\"";
    b += ",\"line\":";
    prefix_.assign(b, mark, std::string::npos);
    b.resize(mark);
    prefix_job_ = job.index;
    prefix_attempt_ = job.attempt;
    prefix_stream_ = stream;
  }
  return prefix_;
}

void JsonlWriter::append_line_record(const Job& job, Stream stream,
                                     std::string_view line) {
  const std::string& prefix = line_prefix(job, stream);
  std::string& b = out_.buffer();
  if (is_plain_json_text(line)) {
    // The hot path: `"line":"` is in the prefix, the text needs no escaping
    // and, not starting with '{', is no JSON object.
    b.append(prefix);
    b += '"';
    b.append(line);
    b.append("\"}\n", 3);
    if (line.empty() || line[0] != '{') return;
    b.resize(b.size() - 2);
  } else {
    b.append(prefix);
    append_json_string(b, line);
  }
  if (is_json_object(line)) {
    b += ",\"data\":";
    b += line;
  }
  b += "}\n";
}

void JsonlWriter::on_line(const Job& job, Stream stream,
                          std::string_view line) {
  if (stream == Stream::kStderr && !stderr_records_) return;
  append_line_record(job, stream, line);
  out_.commit();
}

void JsonlWriter::on_lines(const Job& job, Stream stream,
                           std::string_view lines) {
  if (stream == Stream::kStderr && !stderr_records_) return;
  // Room for the whole block at once: records of short lines are mostly prefix.
  std::string& b = out_.buffer();
  b.reserve(b.size() + lines.size() * 4 + line_prefix(job, stream).size() * 16 +
            64);
  while (true) {
    size_t nl = lines.find('\n');
    append_line_record(job, stream, lines.substr(0, nl));
    if (nl == std::string_view::npos) break;
    lines.remove_prefix(nl + 1);
  }
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

void TextWriter::on_line(const Job&, Stream stream, std::string_view line) {
  if (stream != Stream::kStdout) return;
  std::string& b = out_.buffer();
  b += line;
  b += '\n';
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
void FanoutSink::on_lines(const Job& job, Stream stream,
                          std::string_view lines) {
  for (auto* s : sinks_) s->on_lines(job, stream, lines);
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

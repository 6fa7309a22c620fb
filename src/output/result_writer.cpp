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

void JsonlWriter::begin_record(const Job& job) {
  std::string& b = out_.buffer();
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, job.index);
  b += "{\"job\":";
  b.append(num, r.ptr - num);
  b += ",\"params\":";
  b += job.params_json;
  if (job.repeated) {
    r = std::to_chars(num, num + sizeof num, job.rep);
    b += ",\"rep\":";
    b.append(num, r.ptr - num);
  }
}

void JsonlWriter::on_line(const Job& job, Stream stream,
                          std::string_view line) {
  if (stream != Stream::kStdout) return;
  begin_record(job);
  std::string& b = out_.buffer();
  b += ",\"line\":";
  append_json_string(b, line);
  if (is_json_object(line)) {
    b += ",\"data\":";
    b += line;
  }
  b += "}\n";
  out_.commit();
}

void JsonlWriter::on_finish(const Job& job, const JobResult& result) {
  begin_record(job);
  std::string& b = out_.buffer();
  if (result.signal) {
    b += ",\"signal\":";
    append_json_string(b, signal_name(result.signal));
  } else {
    b += ",\"exit\":" + std::to_string(result.exit_code);
  }
  b += ",\"duration_s\":";
  append_seconds(b, result.duration_s);
  if (!result.error.empty()) {
    b += ",\"error\":";
    append_json_string(b, result.error);
  }
  b += "}\n";
  out_.commit();
}

void StderrRelay::on_line(const Job& job, Stream stream,
                          std::string_view line) {
  if (stream != Stream::kStderr) return;
  std::string& b = err_.buffer();
  b += '[';
  b += std::to_string(job.index);
  b += "] ";
  b += line;
  b += '\n';
  err_.commit();
}

void StderrRelay::on_finish(const Job& job, const JobResult& result) {
  if (result.error.empty()) return;
  err_.write("[" + std::to_string(job.index) + "] sweep: " + result.error +
             "\n");
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

}  // namespace sweep

#include "output/result_writer.hpp"

#include "core/record_writer.hpp"

namespace sweep {

const std::string& JsonlWriter::build_prefix(const Job& job, Stream stream) {
  {
    std::string& b = out_.buffer();
    size_t mark = b.size();
    append_record_head(b, record_head(job));
    append_line_prefix(b, stream);
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
  std::string& b = out_.buffer();
  b.append(line_prefix(job, stream));
  append_line_body(b, line);
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

void JsonlWriter::on_file_record(const Job& job, std::string_view file,
                                 std::string_view data_json) {
  append_file_record(out_.buffer(), record_head(job), file, data_json);
  out_.commit();
}

void JsonlWriter::on_finish(const Job& job, const JobResult& result) {
  append_end_record(out_.buffer(), record_head(job), result);
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
void FanoutSink::on_file_record(const Job& job, std::string_view file,
                                std::string_view data_json) {
  for (auto* s : sinks_) s->on_file_record(job, file, data_json);
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

void FanoutSink::on_held(std::string_view why) {
  for (auto* s : sinks_) s->on_held(why);
}

void FanoutSink::on_tick() {
  for (auto* s : sinks_) s->on_tick();
}

}  // namespace sweep

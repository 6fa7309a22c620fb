#include "report/collector_sink.hpp"

#include "core/record_writer.hpp"

namespace sweep::report {

void CollectorSink::on_line(const Job& job, Stream stream,
                            std::string_view line) {
  buf_.clear();
  append_record_head(buf_, record_head(job));
  append_line_prefix(buf_, stream);
  append_line_body(buf_, line);
  feed();
}

void CollectorSink::on_finish(const Job& job, const JobResult& result) {
  buf_.clear();
  append_end_record(buf_, record_head(job), result);
  feed();
}

void CollectorSink::feed() {
  std::string_view text(buf_);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  // The writer's own records always read back (tests/unit/record_test.cpp).
  if (reader_.parse(text, record_)) collector_.add(record_);
}

}  // namespace sweep::report

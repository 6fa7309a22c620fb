#include "report/collector_sink.hpp"

#include "core/record_writer.hpp"

namespace sweep::report {

const Record* EventRecords::line(const Job& job, Stream stream,
                                 std::string_view line) {
  buf_.clear();
  append_record_head(buf_, record_head(job));
  append_line_prefix(buf_, stream);
  append_line_body(buf_, line);
  return read();
}

const Record* EventRecords::end(const Job& job, const JobResult& result) {
  buf_.clear();
  append_end_record(buf_, record_head(job), result);
  return read();
}

const Record* EventRecords::read() {
  std::string_view text(buf_);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  // The writer's own records always read back (tests/unit/record_test.cpp).
  return reader_.parse(text, record_) ? &record_ : nullptr;
}

void CollectorSink::on_line(const Job& job, Stream stream,
                            std::string_view line) {
  if (const Record* r = records_.line(job, stream, line)) collector_.add(*r);
}

void CollectorSink::on_finish(const Job& job, const JobResult& result) {
  if (const Record* r = records_.end(job, result)) collector_.add(*r);
}

}  // namespace sweep::report

#include "core/job.hpp"

namespace sweep {

RecordHead record_head(const Job& job) {
  RecordHead h;
  h.job = job.index;
  h.params_json = job.params_json;
  h.params_b64_json = job.params_b64_json;
  if (job.repeated) h.rep = job.rep;
  if (job.retrying) h.attempt = job.attempt;
  return h;
}

void EventSink::on_lines(const Job& job, Stream stream,
                         std::string_view lines) {
  while (true) {
    size_t nl = lines.find('\n');
    on_line(job, stream, lines.substr(0, nl));
    if (nl == std::string_view::npos) return;
    lines.remove_prefix(nl + 1);
  }
}

}  // namespace sweep

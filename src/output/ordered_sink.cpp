#include "output/ordered_sink.hpp"

namespace sweep {

void OrderedSink::on_start(const Job& job) {
  if (job.seq == head_) return next_.on_start(job);
  Held& h = held_[job.seq];
  h.job = job;
  h.events.push_back({Event::Kind::kStart, Stream::kStdout, {}, {}});
}

void OrderedSink::on_line(const Job& job, Stream stream,
                          std::string_view line) {
  on_lines(job, stream, line);
}

void OrderedSink::on_lines(const Job& job, Stream stream,
                           std::string_view lines) {
  if (job.seq == head_) return next_.on_lines(job, stream, lines);
  held_[job.seq].events.push_back(
      {Event::Kind::kLines, stream, std::string(lines), {}});
}

void OrderedSink::on_finish(const Job& job, const JobResult& result) {
  if (job.seq == head_) {
    next_.on_finish(job, result);
    if (result.final()) {
      ++head_;
      advance();
    }
    return;
  }
  Held& h = held_[job.seq];
  h.job = job;
  h.events.push_back({Event::Kind::kFinish, Stream::kStdout, {}, result});
  if (result.final()) h.done = true;
}

void OrderedSink::advance() {
  // Replay what the new head job held back; if it already finished, move on.
  for (auto it = held_.find(head_); it != held_.end(); it = held_.find(head_)) {
    Held h = std::move(it->second);
    held_.erase(it);
    for (const auto& e : h.events) {
      switch (e.kind) {
        case Event::Kind::kStart:
          next_.on_start(h.job);
          break;
        case Event::Kind::kLines:
          next_.on_lines(h.job, e.stream, e.line);
          break;
        case Event::Kind::kFinish:
          next_.on_finish(h.job, e.result);
          break;
      }
    }
    if (!h.done) return;  // still running: it streams from now on
    ++head_;
  }
}

}  // namespace sweep

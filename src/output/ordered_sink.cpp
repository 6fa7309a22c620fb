#include "output/ordered_sink.hpp"

namespace sweep {

std::size_t OrderedSink::Held::attempt_of(const Job& job) {
  if (attempts.empty() || attempts.back().attempt != job.attempt)
    attempts.push_back(job);
  return attempts.size() - 1;
}

void OrderedSink::on_start(const Job& job) {
  if (job.seq == head_) return next_.on_start(job);
  Held& h = held_[job.seq];
  std::size_t attempt = h.attempt_of(job);
  h.events.push_back({Event::Kind::kStart, Stream::kStdout, {}, {}, attempt});
}

void OrderedSink::on_line(const Job& job, Stream stream,
                          std::string_view line) {
  on_lines(job, stream, line);
}

void OrderedSink::on_lines(const Job& job, Stream stream,
                           std::string_view lines) {
  if (job.seq == head_) return next_.on_lines(job, stream, lines);
  Held& h = held_[job.seq];
  std::size_t attempt = h.attempt_of(job);
  h.events.push_back(
      {Event::Kind::kLines, stream, std::string(lines), {}, attempt});
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
  std::size_t attempt = h.attempt_of(job);
  h.events.push_back(
      {Event::Kind::kFinish, Stream::kStdout, {}, result, attempt});
  if (result.final()) h.done = true;
}

void OrderedSink::advance() {
  // Replay what the new head job held back; if it already finished, move on.
  for (auto it = held_.find(head_); it != held_.end(); it = held_.find(head_)) {
    Held h = std::move(it->second);
    held_.erase(it);
    for (const auto& e : h.events) {
      const Job& job = h.attempts[e.attempt];
      switch (e.kind) {
        case Event::Kind::kStart:
          next_.on_start(job);
          break;
        case Event::Kind::kLines:
          next_.on_lines(job, e.stream, e.line);
          break;
        case Event::Kind::kFinish:
          next_.on_finish(job, e.result);
          break;
      }
    }
    if (!h.done) return;  // still running: it streams from now on
    ++head_;
  }
}

}  // namespace sweep

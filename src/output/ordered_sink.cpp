#include "output/ordered_sink.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace sweep {

namespace {

// How a held event is encoded, in memory and on disk alike: this header,
// then `size` bytes of lines (none for a start or a finish). The job and the
// result stay in Held::attempts, so the bytes are all that may grow.
struct Header {
  std::uint8_t kind;
  std::uint8_t stream;
  std::uint16_t name;     ///< For a file record: the name's length, first.
  std::uint32_t attempt;  ///< Index in Held::attempts.
  std::uint64_t size;     ///< Bytes of lines that follow.
};
static_assert(sizeof(Header) == 16 && std::is_trivially_copyable_v<Header>);

Header header_at(std::string_view bytes, std::size_t at) {
  Header h;
  std::memcpy(&h, bytes.data() + at, sizeof h);
  return h;
}

// Bytes still to read before `bytes` holds its first whole event.
std::size_t bytes_missing(std::string_view bytes) {
  if (bytes.size() < sizeof(Header)) return sizeof(Header) - bytes.size();
  return sizeof(Header) + header_at(bytes, 0).size - bytes.size();
}

}  // namespace

std::size_t OrderedSink::Held::attempt_of(const Job& job) {
  if (attempts.empty() || attempts.back().job.attempt != job.attempt)
    attempts.push_back({job, {}});
  return attempts.size() - 1;
}

void OrderedSink::on_start(const Job& job) {
  if (job.seq == head_) return next_.on_start(job);
  hold(job, Kind::kStart, Stream::kStdout, {});
}

void OrderedSink::on_line(const Job& job, Stream stream,
                          std::string_view line) {
  on_lines(job, stream, line);
}

void OrderedSink::on_lines(const Job& job, Stream stream,
                           std::string_view lines) {
  if (job.seq == head_) return next_.on_lines(job, stream, lines);
  hold(job, Kind::kLines, stream, lines);
}

void OrderedSink::on_file_record(const Job& job, std::string_view file,
                                 std::string_view data_json) {
  if (job.seq == head_) return next_.on_file_record(job, file, data_json);
  // The name and the data in one payload, the name's length in the header.
  file = file.substr(0, UINT16_MAX);
  std::string payload;
  payload.reserve(file.size() + data_json.size());
  payload.append(file).append(data_json);
  hold(job, Kind::kFile, Stream::kStdout, payload, nullptr,
       static_cast<std::uint16_t>(file.size()));
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
  hold(job, Kind::kFinish, Stream::kStdout, {}, &result);
}

void OrderedSink::hold(const Job& job, Kind kind, Stream stream,
                       std::string_view lines, const JobResult* result,
                       std::uint16_t name) {
  Held& h = held_[job.seq];
  Header head{static_cast<std::uint8_t>(kind),
              static_cast<std::uint8_t>(stream), name,
              static_cast<std::uint32_t>(h.attempt_of(job)), lines.size()};
  if (result) {
    h.attempts[head.attempt].result = *result;
    if (result->final()) h.done = true;
  }
  store(h, {reinterpret_cast<const char*>(&head), sizeof head}, lines);
}

OrderedSink::Chunk::Chunk(std::size_t capacity)
    : bytes(std::make_unique_for_overwrite<char[]>(capacity)),
      capacity(capacity) {}

void OrderedSink::store(Held& h, std::string_view head,
                        std::string_view lines) {
  std::size_t size = head.size() + lines.size();
  if (h.chunks.empty() ||
      h.chunks.back().capacity - h.chunks.back().size < size) {
    std::size_t capacity = next_chunk(h, size);
    if (in_memory_ + capacity > max_held_) {
      spill_all();
      capacity = next_chunk(h, size);
    }
    if (capacity > max_held_) {
      // Too big to hold even alone: to disk at once, after the job's earlier
      // events (spill_all() has just put them there).
      std::uint64_t at = spill_.append(head);
      spill_.append(lines);
      add_extent(h, {at, size});
      return;
    }
    h.chunks.emplace_back(capacity);
    in_memory_ += capacity;
  }
  Chunk& c = h.chunks.back();
  char* end = std::copy(head.begin(), head.end(), c.bytes.get() + c.size);
  std::copy(lines.begin(), lines.end(), end);
  c.size += size;
}

std::size_t OrderedSink::next_chunk(const Held& h, std::size_t size) const {
  // Each chunk twice the last, from 4 KiB to 1 MiB: a job that writes little
  // takes little, one that writes much takes few allocations.
  constexpr std::size_t kFirst = 4 << 10, kLargest = 1 << 20;
  std::size_t last = h.chunks.empty() ? 0 : h.chunks.back().capacity;
  std::size_t capacity =
      std::min({std::max(kFirst, 2 * last), kLargest, max_held_});
  return std::max(capacity, size);
}

void OrderedSink::add_extent(Held& h, Extent e) {
  on_disk_ += e.size;
  // A job alone in spilling often writes back to back: one extent suffices.
  if (!h.spilled.empty() &&
      h.spilled.back().offset + h.spilled.back().size == e.offset)
    h.spilled.back().size += e.size;
  else
    h.spilled.push_back(e);
}

void OrderedSink::spill_all() {
  for (auto& [seq, h] : held_) {
    for (const Chunk& c : h.chunks) {
      add_extent(h, {spill_.append(c.view()), c.size});
      in_memory_ -= c.capacity;
    }
    h.chunks.clear();
  }
}

void OrderedSink::advance() {
  // Replay what the new head job held back; if it already finished, move on.
  for (auto it = held_.find(head_); it != held_.end(); it = held_.find(head_)) {
    Held h = std::move(it->second);
    held_.erase(it);
    for (const Chunk& c : h.chunks) in_memory_ -= c.capacity;
    replay(h);
    if (!h.done) return;  // still running: it streams from now on
    ++head_;
  }
}

void OrderedSink::replay(const Held& h) {
  for (const Extent& e : h.spilled) {
    replay_extent(h, e);
    spill_.release(e.offset, e.size);
    on_disk_ -= e.size;
  }
  if (!h.spilled.empty() && on_disk_ == 0) spill_.clear();
  for (const Chunk& c : h.chunks) replay_events(h, c.view());
}

void OrderedSink::replay_extent(const Held& h, Extent e) {
  // Read 1 MiB at a time, so that replaying takes little memory; a read is
  // larger only to take in a whole event larger than that.
  constexpr std::size_t kRead = 1 << 20;
  std::string buf;
  for (std::uint64_t pos = e.offset, end = e.offset + e.size; pos < end;) {
    std::size_t want = std::max(kRead, bytes_missing(buf));
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(want, end - pos));
    spill_.read(pos, n, buf);
    pos += n;
    buf.erase(0, replay_events(h, buf));
  }
}

std::size_t OrderedSink::replay_events(const Held& h, std::string_view bytes) {
  std::size_t at = 0;
  while (bytes.size() - at >= sizeof(Header)) {
    Header head = header_at(bytes, at);
    if (bytes.size() - at - sizeof head < head.size) break;  // not all read
    const Attempt& a = h.attempts[head.attempt];
    switch (static_cast<Kind>(head.kind)) {
      case Kind::kStart:
        next_.on_start(a.job);
        break;
      case Kind::kLines:
        next_.on_lines(a.job, static_cast<Stream>(head.stream),
                       bytes.substr(at + sizeof head, head.size));
        break;
      case Kind::kFinish:
        next_.on_finish(a.job, a.result);
        break;
      case Kind::kFile: {
        std::string_view payload = bytes.substr(at + sizeof head, head.size);
        next_.on_file_record(a.job, payload.substr(0, head.name),
                             payload.substr(head.name));
        break;
      }
    }
    at += sizeof head + head.size;
  }
  return at;
}

}  // namespace sweep

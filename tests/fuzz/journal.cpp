// The journal loader (--resume). The first byte picks the case:
// - even: the rest is a journal file of arbitrary bytes. JournalIndex::load
//   reads it without throwing (its lines are skipped or read), counts at
//   most one record per whole line, and warns a bounded number of times;
// - odd: a journal written as sweep writes one: finished jobs through
//   JournalWriter (jobs sweep stopped, or that will be retried, are not
//   recorded), end records of a result stream (an older journal: their key
//   comes from their params), lines that are no record, and maybe a torn
//   last line. The index then holds exactly the keys that succeeded and
//   those that failed.
#include "output/journal.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "core/job_key.hpp"
#include "core/json_text.hpp"
#include "core/record_writer.hpp"
#include "fuzz.hpp"

using namespace sweep;

namespace {

void append(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Parameters with distinct names, as a grid gives them; strings are ASCII so
// that they read back unchanged.
std::vector<std::pair<std::string, Value>> params(FuzzedDataProvider& in) {
  std::vector<std::pair<std::string, Value>> out;
  int n = in.ConsumeIntegralInRange(0, 3);
  for (int i = 0; i < n; ++i) {
    std::string name = "p" + std::to_string(i);
    Value v;
    switch (in.ConsumeIntegralInRange(0, 3)) {
      case 0:
        v = in.ConsumeIntegral<std::int64_t>();
        break;
      case 1: {
        double d = in.ConsumeFloatingPoint<double>();
        v = std::isfinite(d) ? d : 0.5;
        break;
      }
      case 2:
        v = in.ConsumeBool();
        break;
      default: {
        std::string s = in.ConsumeRandomLengthString(12);
        for (char& c : s) c &= 0x7f;
        v = s;
      }
    }
    out.emplace_back(name, v);
  }
  return out;
}

JobResult result(FuzzedDataProvider& in) {
  JobResult r;
  static const int kSignals[] = {0, 0, SIGKILL, SIGTERM, SIGINT, SIGSEGV};
  r.signal = in.PickValueInArray(kSignals);
  r.exit_code = r.signal ? 128 + r.signal : in.ConsumeIntegralInRange(0, 3);
  r.timeout = in.ConsumeIntegralInRange(0, 7) == 0;
  r.stopped = in.ConsumeIntegralInRange(0, 7) == 0;
  r.will_retry = in.ConsumeIntegralInRange(0, 7) == 0;
  if (in.ConsumeIntegralInRange(0, 7) == 0) r.error = "cannot execute";
  r.duration_s = in.ConsumeFloatingPointInRange(0.0, 100.0);
  return r;
}

void arbitrary(std::string_view bytes) {
  std::string path = fuzz::write_file(fuzz::scratch_dir() + "/journal", bytes);
  int warnings = 0;
  JournalIndex idx;
  FUZZ_CHECK(fuzz::accepts([&] {
    idx = JournalIndex::load(path, [&](const std::string&) { ++warnings; });
  }));
  auto lines =
      static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  FUZZ_CHECK(idx.records() <= lines, idx.records()
                                         << " records, " << lines << " lines");
  FUZZ_CHECK(warnings <= 5, warnings << " warnings");
}

void written(FuzzedDataProvider& in) {
  std::string path = fuzz::scratch_dir() + "/journal";
  std::remove(path.c_str());
  std::set<JobKey> ok, failed;
  std::uint64_t records = 0;
  int count = in.ConsumeIntegralInRange(0, 8);
  for (int i = 0; i < count; ++i) {
    auto values = params(in);
    std::string json = "{";
    std::vector<std::pair<std::string_view, const Value*>> key_params;
    for (const auto& [name, v] : values) {
      if (json.size() > 1) json += ',';
      append_json_string(json, name);
      json += ':';
      append_json(json, v);
      key_params.emplace_back(name, &v);
    }
    json += '}';
    std::uint64_t rep = in.ConsumeIntegralInRange<std::uint64_t>(0, 3);
    JobResult r = result(in);
    switch (in.ConsumeIntegralInRange(0, 2)) {
      case 0: {  // what sweep run --journal writes
        Job job;
        job.index = in.ConsumeIntegral<std::uint64_t>();
        job.rep = rep;
        job.attempt = in.ConsumeIntegralInRange(1u, 4u);
        job.argv = {"prog"};
        job.params_json = json;
        job.key.hi = in.ConsumeIntegral<std::uint64_t>();
        job.key.lo = in.ConsumeIntegral<std::uint64_t>();
        {
          JournalWriter w(path);
          w.on_finish(job, r);
          w.flush();
        }
        if (!r.final() || r.stopped || r.killed_from_outside()) break;
        (r.ok() ? ok : failed).insert(job.key);
        ++records;
        break;
      }
      case 1: {  // an end record of a result stream, as older journals were
        std::string out;
        RecordHead head{in.ConsumeIntegral<std::uint64_t>(), json,
                        rep ? std::optional<std::uint64_t>(rep) : std::nullopt,
                        std::nullopt};
        append_end_record(out, head, r);
        append(path, out);
        (r.ok() ? ok : failed).insert(job_key(key_params, rep));
        ++records;
        break;
      }
      default: {  // not a record: no line of it is a JSON object
        std::string junk = in.ConsumeRandomLengthString(64);
        std::erase(junk, '{');
        append(path, junk + "\n");
      }
    }
  }
  if (in.ConsumeBool()) {  // a writer killed mid-record
    std::string out;
    append_journal_record(out, JobKey{1, 2}, RecordHead{}, JobResult{}, "t");
    append(path,
           out.substr(0, in.ConsumeIntegralInRange<size_t>(1, out.size() - 1)));
  }
  JournalIndex idx;
  FUZZ_CHECK(fuzz::accepts(
      [&] { idx = JournalIndex::load(path, [](const std::string&) {}); }));
  FUZZ_CHECK(idx.records() == records, idx.records() << " of " << records);
  for (const auto& k : ok) FUZZ_CHECK(idx.succeeded(k), k.hex());
  for (const auto& k : failed) FUZZ_CHECK(idx.failed(k), k.hex());
  // A key neither succeeded nor failed is unknown to the index.
  for (std::uint64_t lo = 0; lo < 4; ++lo) {
    JobKey k{0, lo};
    FUZZ_CHECK(idx.succeeded(k) == ok.count(k) > 0 &&
                   idx.failed(k) == failed.count(k) > 0,
               k.hex());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0 || size > 8192) return 0;
  if (data[0] % 2 == 0) {
    arbitrary(
        std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
    return 0;
  }
  FuzzedDataProvider in(data + 1, size - 1);
  written(in);
  return 0;
}

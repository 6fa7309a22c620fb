// The one record writer (core/record_writer.hpp) against the one reader
// (sweep::RecordReader): every field written comes back as it was.
#include "sweep/record.hpp"

#include <doctest/doctest.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/record_writer.hpp"
#include "test_files.hpp"

using namespace sweep;

namespace {

// The record without its newline, checked to be one line of valid JSON.
std::string one_line(std::string text) {
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  text.pop_back();
  CHECK(text.find('\n') == std::string::npos);
  CHECK(nlohmann::json::accept(text));
  return text;
}

std::string line_record(const RecordHead& head, Stream stream,
                        std::string_view line) {
  std::string out;
  append_record_head(out, head);
  append_line_prefix(out, stream);
  append_line_body(out, line);
  return one_line(out);
}

std::string end_record(const RecordHead& head, const JobResult& r) {
  std::string out;
  append_end_record(out, head, r);
  return one_line(out);
}

constexpr std::string_view kParams = R"({"lr":0.1,"name":"a b","n":3})";

}  // namespace

TEST_CASE("a line record reads back with its job, params, rep and attempt") {
  RecordReader reader;
  Record r;
  std::string text = line_record({7, kParams, 2, 3}, Stream::kStdout, "hello");
  CHECK(text == R"({"job":7,"params":{"lr":0.1,"name":"a b","n":3},"rep":2,)"
                R"("attempt":3,"line":"hello"})");
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.kind == RecordKind::kLine);
  CHECK(r.job == 7);
  CHECK(r.params_json == kParams);
  CHECK(r.rep == 2);
  CHECK(r.attempt == 3);
  CHECK(r.stream == Stream::kStdout);
  CHECK(r.line == "hello");
  CHECK(r.data_json.empty());

  // Without rep and attempt: neither is written, the reader's defaults hold.
  text = line_record({0, "{}", {}, {}}, Stream::kStderr, "oops");
  CHECK(text == R"({"job":0,"params":{},"stream":"stderr","line":"oops"})");
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.kind == RecordKind::kLine);
  CHECK(r.job == 0);
  CHECK(r.params_json == "{}");
  CHECK(r.rep == 0);
  CHECK(r.attempt == 1);
  CHECK(r.stream == Stream::kStderr);
  CHECK(r.line == "oops");
}

TEST_CASE("a line's text comes back unescaped, and invalid UTF-8 as U+FFFD") {
  RecordReader reader;
  Record r;
  for (std::string line :
       {std::string(""), std::string("plain text"),
        std::string("q\"uote and back\\slash"), std::string("tab\there"),
        std::string("cr\r"), std::string("ctl\x01\x1f"),
        std::string("caf\xC3\xA9 \xF0\x9F\x98\x80"),
        std::string("long plain text, long enough for the word-at-a-time "
                    "path of the writer to be taken")}) {
    CAPTURE(line);
    std::string text = line_record({1, "{}", {}, {}}, Stream::kStdout, line);
    REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
    CHECK(r.line == line);
  }
  // Bytes that are not UTF-8 become U+FFFD and the record stays valid JSON.
  std::string text =
      line_record({1, "{}", {}, {}}, Stream::kStdout, "a\xFFz \xC3 end\x80");
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.line == "a\xEF\xBF\xBDz \xEF\xBF\xBD end\xEF\xBF\xBD");
}

TEST_CASE("a line that is one JSON object is also data, and nothing else is") {
  RecordReader reader;
  Record r;
  std::string text =
      line_record({1, "{}", {}, {}}, Stream::kStdout, R"({"acc": 0.91})");
  CHECK(
      text ==
      R"({"job":1,"params":{},"line":"{\"acc\": 0.91}","data":{"acc": 0.91}})");
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.line == R"({"acc": 0.91})");
  CHECK(r.data_json == R"({"acc": 0.91})");

  // Nested, with strings that look like the record's own syntax.
  std::string nested = R"({"a":{"b":[1,{"c":"},\"x\":"}]},"d":"\\"})";
  text = line_record({1, "{}", {}, {}}, Stream::kStdout, nested);
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.line == nested);
  CHECK(r.data_json == nested);

  for (std::string empty : {std::string("{}"), std::string("{ }")}) {
    CAPTURE(empty);
    text = line_record({1, "{}", {}, {}}, Stream::kStdout, empty);
    CHECK(text == R"({"job":1,"params":{},"line":")" + empty + R"(","data":)" +
                      empty + "}");
    REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
    CHECK(r.line == empty);
    CHECK(r.data_json == empty);
  }

  // A program writing CRLF lines: the object's text, without the blank.
  text = line_record({1, "{}", {}, {}}, Stream::kStdout, "{\"a\":1}\t\r");
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.data_json == "{\"a\":1}");

  // Indented, with or without escapes in the line: blanks before the '{'
  // (the writer's fast path for text needing no escapes once took only a
  // line starting with '{').
  for (std::string indented : {std::string(" {} "), std::string("  {\"a\": 2}"),
                               std::string("\t{\"a\": 2}")}) {
    CAPTURE(indented);
    text = line_record({1, "{}", {}, {}}, Stream::kStdout, indented);
    REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
    CHECK(r.line == indented);
    CHECK(nlohmann::json::parse(r.data_json) ==
          nlohmann::json::parse(indented));
  }

  for (std::string not_object :
       {std::string(R"({"a":)"), std::string("{} x"), std::string("{"),
        std::string("[1,2]"), std::string(R"("{}")"), std::string("{a}"),
        std::string("{\"a\":\"\xFF\"}"), std::string("{\"a\":1} \0 x}", 12),
        std::string(" {} \x01 {} ")}) {
    CAPTURE(not_object);
    text = line_record({1, "{}", {}, {}}, Stream::kStdout, not_object);
    CHECK(text.find("\"data\"") == std::string::npos);
    REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
    CHECK(r.data_json.empty());
  }
}

TEST_CASE("an end record reads back every field of the result") {
  RecordReader reader;
  Record r;
  JobResult in;
  in.exit_code = 3;
  in.duration_s = 1.23456789;
  in.cpu_user_s = 0.0000004;  // rounds to 0
  in.cpu_sys_s = 2.0000006;
  in.max_rss_kb = 123456;
  in.will_retry = true;
  std::string text = end_record({5, kParams, {}, 1}, in);
  CHECK(text ==
        R"({"job":5,"params":{"lr":0.1,"name":"a b","n":3},"attempt":1,)"
        R"("exit":3,"retrying":true,"duration_s":1.234568,"cpu_user_s":0,)"
        R"("cpu_sys_s":2.000001,"max_rss_kb":123456})");
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.kind == RecordKind::kEnd);
  CHECK(r.job == 5);
  CHECK(r.params_json == kParams);
  CHECK(r.attempt == 1);
  CHECK(r.result.exit_code == 3);
  CHECK(r.result.signal == 0);
  CHECK(r.result.will_retry);
  CHECK_FALSE(r.result.final());
  CHECK_FALSE(r.result.timeout);
  CHECK_FALSE(r.result.stopped);
  CHECK_FALSE(r.result.leftover_killed);
  // Durations to the microsecond.
  CHECK(r.result.duration_s == 1.234568);
  CHECK(r.result.cpu_user_s == 0);
  CHECK(r.result.cpu_sys_s == 2.000001);
  CHECK(r.result.max_rss_kb == 123456);
  CHECK(r.result.error.empty());

  // Signals by name, timeout, stopped, leftovers.
  JobResult sig;
  sig.signal = SIGKILL;
  sig.timeout = true;
  sig.stopped = true;
  sig.leftover_killed = true;
  sig.duration_s = 12.5;
  text = end_record({6, "{}", 4, {}}, sig);
  CHECK(text.find(R"("signal":"SIGKILL")") != std::string::npos);
  CHECK(text.find(R"("exit")") == std::string::npos);
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.kind == RecordKind::kEnd);
  CHECK(r.rep == 4);
  CHECK(r.result.signal == SIGKILL);
  CHECK(r.result.timeout);
  CHECK(r.result.stopped);
  CHECK(r.result.leftover_killed);
  CHECK(text.find(R"("stopped":true,"leftover_killed":true,)") !=
        std::string::npos);
  CHECK_FALSE(r.result.will_retry);
  CHECK(r.result.duration_s == 12.5);
  CHECK_FALSE(r.result.ok());

  // An error with characters that need escaping.
  JobResult err;
  err.exit_code = 127;
  err.error = "cannot execute \"a\\b\"\nnext line \x01 caf\xC3\xA9";
  text = end_record({8, "{}", {}, {}}, err);
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.result.exit_code == 127);
  CHECK(r.result.error == err.error);
  CHECK_FALSE(r.result.ok());
}

TEST_CASE("signals go by name and come back by number") {
  for (int sig : {SIGHUP, SIGINT, SIGKILL, SIGSEGV, SIGTERM, SIGUSR1, SIGPIPE,
                  SIGRTMIN + 1}) {
    CAPTURE(sig);
    std::string name = signal_name(sig);
    CHECK(name.rfind("SIG", 0) == 0);
    CHECK(signal_number(name) == sig);
    JobResult in;
    in.signal = sig;
    RecordReader reader;
    Record r;
    REQUIRE_MESSAGE(reader.parse(end_record({1, "{}", {}, {}}, in), r),
                    reader.why());
    CHECK(r.result.signal == sig);
  }
  CHECK(signal_name(SIGTERM) == "SIGTERM");
  CHECK(signal_name(SIGKILL) == "SIGKILL");
  CHECK(signal_number("SIGINT") == SIGINT);
  CHECK(signal_number("SIGNOPE") == 0);
  CHECK(signal_number("TERM") == 0);
  CHECK(signal_number("") == 0);
}

TEST_CASE("a journal record reads back its key, outcome, attempts and time") {
  RecordReader reader;
  Record r;
  JobKey key{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  JobResult res;
  res.duration_s = 0.5;
  std::string out;
  append_journal_record(out, key, {9, kParams, 0, 2}, res,
                        "2026-11-25T17:18:03.605Z");
  std::string text = one_line(out);
  // Key and ok at fixed places: the journal's loader depends on it.
  CHECK(text.rfind(R"({"key":"0123456789abcdeffedcba9876543210","ok":true,)",
                   0) == 0);
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.kind == RecordKind::kJournal);
  CHECK(r.has_key);
  CHECK(r.key == key);
  CHECK(r.ok);
  CHECK(r.job == 9);
  CHECK(r.params_json == kParams);
  CHECK(r.rep == 0);
  CHECK(r.attempt == 2);
  CHECK(r.result.exit_code == 0);
  CHECK(r.result.duration_s == 0.5);
  CHECK(r.time == "2026-11-25T17:18:03.605Z");

  // A failure, without rep and attempt given: rep 0 and 1 attempt written.
  JobResult bad;
  bad.exit_code = 2;
  out.clear();
  append_journal_record(out, key, {10, "{}", {}, {}}, bad, "t");
  text = one_line(out);
  CHECK(text.find(R"("ok":false)") != std::string::npos);
  CHECK(text.find(R"("rep":0,"attempts":1)") != std::string::npos);
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.kind == RecordKind::kJournal);
  CHECK_FALSE(r.ok);
  CHECK(r.result.exit_code == 2);
  CHECK(r.attempt == 1);
  CHECK(r.time == "t");
}

TEST_CASE("a grid record reads back as a grid listing") {
  RecordReader reader;
  Record r;
  std::string out;
  append_grid_record(out, {42, kParams, 1, {}});
  std::string text = one_line(out);
  CHECK(text == R"({"job":42,"params":{"lr":0.1,"name":"a b","n":3},"rep":1})");
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  CHECK(r.kind == RecordKind::kGrid);
  CHECK(r.job == 42);
  CHECK(r.rep == 1);
  CHECK(r.params_json == kParams);
}

TEST_CASE("params come back as written, whatever their strings contain") {
  RecordReader reader;
  Record r;
  for (std::string params :
       {std::string(R"({"s":"},\"x\":1"})"),
        std::string(R"({"s":"\\","t":"}"})"),
        std::string(R"({"a":"{[","b":"]}","c":"\"}\\\""})"),
        std::string(R"({"params":"x","line":"y"})"),
        std::string(R"({"u":"caf\u00e9 é"})")}) {
    CAPTURE(params);
    std::string text = line_record({1, params, {}, {}}, Stream::kStdout, "l");
    REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
    CHECK(r.params_json == params);
    CHECK(r.line == "l");
    JobResult res;
    text = end_record({1, params, 3, {}}, res);
    REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
    CHECK(r.params_json == params);
    CHECK(r.rep == 3);
  }
}

TEST_CASE("a reader fills in only the fields it was asked for") {
  JobResult res;
  res.exit_code = 4;
  res.duration_s = 2;
  std::string end = end_record({3, kParams, {}, {}}, res);
  std::string line =
      line_record({3, kParams, {}, {}}, Stream::kStderr, R"({"k":1})");
  Record r;

  RecordReader results(kFieldResult);
  REQUIRE_MESSAGE(results.parse(end, r), results.why());
  CHECK(r.kind == RecordKind::kEnd);
  CHECK(r.job == 3);
  CHECK(r.result.exit_code == 4);
  CHECK(r.result.duration_s == 2);
  CHECK(r.params_json.empty());
  REQUIRE_MESSAGE(results.parse(line, r), results.why());
  CHECK(r.kind == RecordKind::kLine);
  CHECK(r.line.empty());
  CHECK(r.data_json.empty());
  CHECK(r.params_json.empty());

  RecordReader params(kFieldParams);
  REQUIRE_MESSAGE(params.parse(end, r), params.why());
  CHECK(r.params_json == kParams);
  CHECK(r.result.exit_code == 0);
  CHECK(r.result.duration_s == 0);

  RecordReader lines(kFieldLine);
  REQUIRE_MESSAGE(lines.parse(line, r), lines.why());
  CHECK(r.line == R"({"k":1})");
  CHECK(r.data_json == R"({"k":1})");
  CHECK(r.stream == Stream::kStderr);
  CHECK(r.params_json.empty());
}

TEST_CASE("a line that is not a record gives false and says why") {
  RecordReader reader;
  Record r;
  for (std::string bad : {
           std::string(""),
           std::string("not json"),
           std::string("[1,2,3]"),
           std::string(R"("job")"),
           std::string("42"),
           std::string(R"({"params":{},"line":"x"})"),  // no "job"
           std::string(R"({"job":"x","params":{}})"),
           std::string(R"({"job":-1,"params":{}})"),
           std::string(R"({"job":1,"params":[]})"),
           std::string(R"({"job":1,"params":{},"exit":0,"signal":"SIGNOPE"})"),
           std::string(R"({"job":1,"params":{},"exit":"0"})"),
           std::string(R"({"job":1,"params":{},"line":7})"),
           std::string(R"({"job":1,"params":{},"stream":"stdin","line":""})"),
           std::string(R"({"job":1,"params":{},"rep":"0"})"),
           std::string(R"({"job":1,"params":{},"attempt":-1})"),
           std::string(R"({"key":"XYZ","ok":true,"job":1,"params":{}})"),
           std::string(R"({"job":1,"params":{}} trailing)"),
           std::string(R"({"job":1,"params":{}}})"),
           std::string(R"({"job":1,"params":{})"),  // torn
       }) {
    CAPTURE(bad);
    CHECK_FALSE(reader.parse(bad, r));
    CHECK_FALSE(reader.why().empty());
  }
  // The reader is still good after failures.
  REQUIRE_MESSAGE(reader.parse(R"({"job":1,"params":{}})", r), reader.why());
  CHECK(r.kind == RecordKind::kGrid);
}

TEST_CASE(
    "kFieldData gives every number of data, nested names joined by dots") {
  RecordReader reader(kFieldLine | kFieldData);
  Record r;
  std::string text =
      R"({"job":1,"params":{},"line":"x","data":{"acc":0.9,"m":{"f1":{"macro":2},"s":"t"},"n":-3,"ok":true,"a":[1,2],"big":18446744073709551615}})";
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  REQUIRE(r.data_numbers.size() == 4);
  CHECK(r.data_numbers[0].name == "acc");
  CHECK(r.data_numbers[0].value == 0.9);
  CHECK(r.data_numbers[1].name == "m.f1.macro");
  CHECK(r.data_numbers[1].value == 2);
  CHECK(r.data_numbers[2].name == "n");
  CHECK(r.data_numbers[2].value == -3);
  CHECK(r.data_numbers[3].name == "big");
  CHECK(r.data_numbers[3].value == 18446744073709551615.0);
  // Without kFieldData, nothing is decoded.
  RecordReader plain(kFieldLine);
  REQUIRE(plain.parse(text, r));
  CHECK(r.data_numbers.empty());
  CHECK(!r.data_json.empty());
}

TEST_CASE("kFieldParamValues decodes params as sweep types them") {
  RecordReader reader(kFieldParamValues);
  Record r;
  std::string text =
      R"({"job":1,"params":{"i":-3,"f":0.5,"one":1.0,"b":true,"s":"a\"b","big":18446744073709551615,"n":null,"a":[1,2.50],"o":{"k":"v"}}})";
  REQUIRE_MESSAGE(reader.parse(text, r), reader.why());
  using K = ParamField::Kind;
  REQUIRE(r.params.size() == 9);
  std::vector<std::string> names;
  for (const ParamField& p : r.params) names.emplace_back(p.name);
  CHECK(names == std::vector<std::string>{"i", "f", "one", "b", "s", "big", "n",
                                          "a", "o"});
  CHECK((r.params[0].kind == K::kInt && r.params[0].i == -3));
  CHECK((r.params[1].kind == K::kFloat && r.params[1].f == 0.5));
  CHECK(r.params[2].kind == K::kFloat);  // 1.0 stays a float
  CHECK(r.params[3].value() == Value(true));
  CHECK(r.params[4].value() == Value(std::string("a\"b")));
  CHECK(r.params[5].value() == Value(18446744073709551615.0));
  CHECK((r.params[6].kind == K::kJson && r.params[6].text == "null"));
  CHECK(r.params[7].value() == Value(std::string("[1,2.5]")));
  CHECK(r.params[8].text == R"({"k":"v"})");
  // Without the flag, nothing is decoded.
  RecordReader plain(kFieldParams);
  REQUIRE(plain.parse(text, r));
  CHECK(r.params.empty());
  CHECK(!r.params_json.empty());
}

namespace {

// Everything a reader gives for a line, as plain text: two reads of one
// line agree if and only if these do.
std::string everything(bool ok, const Record& r, const std::string& why) {
  if (!ok) return "rejected: " + why;
  std::ostringstream s;
  s.precision(17);
  s << int(r.kind) << '|' << r.job << '|' << r.rep << '|' << r.attempt << '|'
    << r.params_json << '|' << r.params_b64_json << '|' << int(r.stream) << '|'
    << r.line << '|' << r.data_json << '|' << r.file << '|' << r.has_key
    << r.key.hex() << r.ok << '|' << r.time << '|' << r.text;
  for (const ParamField& p : r.params)
    s << "|p " << p.name << ' ' << int(p.kind) << ' ' << p.i << ' ' << p.f
      << ' ' << std::signbit(p.f) << ' ' << p.text;
  for (const DataNumber& n : r.data_numbers)
    s << "|d " << n.name << ' ' << n.value;
  const JobResult& j = r.result;
  s << "|r " << j.exit_code << ' ' << j.signal << ' ' << j.duration_s << ' '
    << j.error << ' ' << j.timeout << j.stopped << j.leftover_killed
    << j.will_retry << j.memory_stopped << j.pruned << ' ' << j.pruned_step
    << ' ' << j.rung << ' ' << j.rung_value.value_or(-1) << ' ' << j.cpu_user_s
    << ' ' << j.cpu_sys_s << ' ' << j.max_rss_kb << ' ' << j.gpus.size()
    << j.collect_missing.size() << j.collect_refused.size();
  return s.str();
}

}  // namespace

TEST_CASE("the fast path reads every line exactly as the JSON parser does") {
  RecordReader fast(kFieldAll), parser(kFieldAll, true);
  std::vector<std::string> lines = {
      line_record({7, kParams, 2, 3}, Stream::kStdout, "epoch 3 loss=0.5"),
      line_record({0, "{}", {}, {}}, Stream::kStderr, "oops"),
      line_record({1, kParams, {}, {}}, Stream::kStdout,
                  "tab\there \"quoted\" back\\slash \x1b[1m é ✓ 😀"),
      line_record({1, kParams, {}, {}}, Stream::kStdout, R"({"acc":0.5})"),
      end_record({4, kParams, 1, 2}, JobResult{}),
  };
  JobResult failed;
  failed.signal = SIGKILL;
  failed.timeout = true;
  failed.error = "cannot \"run\"\n";
  failed.duration_s = 1.25;
  failed.rung = 2;
  failed.rung_value = -0.125;
  lines.push_back(end_record({9, kParams, {}, {}}, failed));
  for (
      std::string raw : {
          // Strings: every escape, pairs, bad pairs, raw bytes.
          R"({"job":1,"params":{"s":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac"},"line":"x"})",
          R"({"job":1,"params":{},"line":"\ud83d\ude00 \uD83D\uDE00"})",
          R"({"job":1,"params":{},"line":"\ud83d"})",
          R"({"job":1,"params":{},"line":"\ude00x"})",
          R"({"job":1,"params":{},"line":"\ud83dx\ude00"})",
          R"({"job":1,"params":{},"line":"\u00"})",
          R"({"job":1,"params":{},"line":"\uzzzz"})",
          R"({"job":1,"params":{},"line":"\x"})",
          R"({"job":1,"params":{},"line":"\u0000nul"})",
          "{\"job\":1,\"params\":{},\"line\":\"raw\tcontrol\"}",
          "{\"job\":1,\"params\":{},\"line\":\"bad \xff utf8\"}",
          "{\"job\":1,\"params\":{},\"line\":\"cut \xc3\"}",
          R"({"j\u006fb":1,"params":{"\u00e9":1}})",
          R"({"job":1,"par\u0061ms":{"a":1}})",
          // Numbers: the grammar, int64 and beyond, doubles' edges.
          R"({"job":1,"params":{"a":-0,"b":-0.0,"c":0,"d":1e5,"e":1E-5}})",
          R"({"job":1,"params":{"a":1.5e+3,"b":123456789012345678}})",
          R"({"job":1,"params":{"a":1234567890123456789}})",
          R"({"job":1,"params":{"a":-9223372036854775808}})",
          R"({"job":1,"params":{"a":9223372036854775808}})",
          R"({"job":9999999999999999999,"params":{}})",
          R"({"job":1,"params":{"a":18446744073709551616}})",
          R"({"job":1,"params":{"a":1e400}})",
          R"({"job":1,"params":{"a":1e-400,"b":4.9e-324}})",
          R"({"job":1,"params":{"a":0.1,"b":2.5e-308,"c":1.7976931348623157e308}})",
          R"({"job":1,"params":{"a":01}})",
          R"({"job":1,"params":{"a":1.}})",
          R"({"job":1,"params":{"a":.5}})",
          R"({"job":1,"params":{"a":-}})",
          R"({"job":1,"params":{"a":1e}})",
          R"({"job":1,"params":{"a":+1}})",
          R"({"job":1.0,"params":{}})",
          R"({"job":-1,"params":{}})",
          R"({"job":18446744073709551615,"params":{}})",
          R"({"job":1,"attempt":4294967296,"params":{}})",
          R"({"job":1,"params":{},"exit":2147483648})",
          // Shapes: blanks, duplicates, nesting, other values.
          R"({"job":1,"params":{"b":true,"c":false,"n":null}})",
          R"({"job":1,"params":{"a":[1]},"line":"x"})",
          R"({"job":1,"params":{"o":{"k":1}}})",
          R"({"job":1,"params":{},"params":{"a":1}})",
          R"({"job":1,"job":2,"params":{}})",
          R"({"job":1,"params":{"a":1,"a":2}})",
          R"({"job":1,"params":{},"line":"x","data":{"acc":1}})",
          // Data: the scanner takes a flat object of scalars, the parser
          // the rest; both give the same numbers in the same order.
          R"({"job":1,"params":{},"line":"{\"a\":1}","data":{"a":1,"b":-2.5e-3,"s":"x","t":true,"a":7}})",
          R"({"job":1,"params":{},"data":{},"line":"{}"})",
          R"({"job":1,"params":{},"line":"x","data":{"m":{"k":2},"n":3}})",
          R"({"job":1,"params":{},"line":"x","data":{"n":null}})",
          R"({"job":1,"params":{},"line":"x","data":{"n":[1]}})",
          R"({"job":1,"params":{},"line":"x","data":{"a":1},"data":{"b":2}})",
          R"({"job":1,"params":{},"line":"x","data":5})",
          R"({"job":1,"params":{},"exit":0,"data":{"a":1}})",
          R"({"job":1,"data":{"a":1},"params":{"data":1},"file":"f"})",
          R"({"job":1,"params":{"p":{"data":1}},"line":"x"})",
          R"({"job":1,"params":{},"line":"x","data":{"a":123456789012345678901}})",
          R"({"job":1,"params":{},"exit":0,"gpus":["0","1"]})",
          R"({ "job":1,"params":{}})",
          R"({"job":1,"params":{}} )",
          R"({"job":1,"params":{}}x)",
          R"({"job":1,"params":{},})",
          R"({"job":1,"params":{})",
          R"({"job":1,"params":{}}})",
          R"({"job":1,"params":1})",
          R"({"job":1,"params":{},"line":tru})",
          R"({"job":1,"params":{},"timeout":true,"exit":0})",
          R"({"job":1,"params":{},"stream":"stdin","line":""})",
          R"({"job":1})",
          R"({})",
          R"({"params":{}})",
          R"([1])",
      })
    lines.emplace_back(raw);
  static const char kNul[] = "{\"job\":1,\"params\":{},\"line\":\"a\0b\"}";
  lines.emplace_back(kNul, sizeof kNul - 1);
  Record a, b;
  for (const std::string& line : lines) {
    CAPTURE(line);
    bool ok_fast = fast.parse(line, a);
    std::string got = everything(ok_fast, a, fast.why());
    bool ok_parser = parser.parse(line, b);
    CHECK(got == everything(ok_parser, b, parser.why()));
  }
}

namespace {

// What a file read with `how` gives: each record's text, kind, job and
// decoded fields, then the blank lines and whether the last was torn.
std::string read_all(const std::string& path, const ReadOptions& how) {
  std::string s;
  ReadSummary summary = read_records(
      path, kFieldAll,
      [&](const Record& r, std::string_view text) {
        s += std::string(text) + " -> " + std::to_string(int(r.kind)) + " " +
             std::to_string(r.job) + " [" + std::string(r.line) + "] [" +
             std::string(r.data_json) + "] " + std::to_string(r.attempt) + " " +
             std::to_string(r.result.exit_code) + " " +
             std::to_string(r.result.duration_s);
        for (const ParamField& p : r.params)
          s += " " + std::string(p.name) + "=" + to_text(p.value());
        s += "\n";
      },
      how);
  return s + "blank " + std::to_string(summary.blank) + " torn " +
         std::to_string(summary.torn);
}

// Records of every path through the reader: the writer's layout, escapes,
// lines only the parser reads (alone, and more than a batch's few in a
// row), blank lines, a line longer than any block, and a torn last line.
std::string mixed_stream() {
  std::string s;
  for (int j = 0; j < 40; ++j) {
    std::string head = "{\"job\":" + std::to_string(j) +
                       ",\"params\":{\"lr\":0." + std::to_string(j) +
                       ",\"s\":\"a\\\"b\\u00e9\"}";
    s += head + ",\"line\":\"epoch 1 loss=0.5 \\t\\\\\"}\n";
    if (j % 7 == 3)
      for (int k = 0; k < 12; ++k)
        s += "{ \"job\": " + std::to_string(j) +
             ", \"line\": \"x=" + std::to_string(k) +
             "\", \"data\": {\"x\": " + std::to_string(k) + "}}\n";
    if (j % 5 == 1) s += "\n  \t\n";
    if (j == 20) s += head + ",\"line\":\"" + std::string(20000, 'z') + "\"}\n";
    s += head + ",\"exit\":" + std::to_string(j % 3) + ",\"duration_s\":1.5}\n";
  }
  return s + "{\"job\":99,\"params\":{},\"line\":\"cut";
}

}  // namespace

// Threaded: `make tsan` runs this suite under ThreadSanitizer.
TEST_SUITE_BEGIN("library");

TEST_CASE("a file read in blocks, by one thread or two, gives every record") {
  test::TempDir dir;
  std::string path = dir.write("s.jsonl", mixed_stream());
  std::string want = read_all(path, {});
  CHECK(want.find("blank 16 torn 1") != std::string::npos);
  CHECK(want.find(std::string(20000, 'z')) != std::string::npos);
  for (unsigned threads : {1u, 2u})
    for (size_t block : {1u, 7u, 100u, 4096u, 1u << 20u}) {
      CAPTURE(threads);
      CAPTURE(block);
      CHECK(read_all(path, {threads, block}) == want);
    }
}

TEST_CASE("a file read by two threads fails as one thread does") {
  test::TempDir dir;
  std::string text = mixed_stream();
  size_t at = text.find("{\"job\":30,");
  text.insert(at, "{\"job\":30,\"line\":oops}\n");
  std::string path = dir.write("bad.jsonl", text);
  std::uint64_t before = 0;
  auto count = [&](const Record&, std::string_view) { ++before; };
  CHECK_THROWS_WITH_AS(read_records(path, kFieldAll, count, {1, 64}),
                       doctest::Contains("not a sweep record"), RecordError);
  const std::uint64_t alone = before;
  CHECK(alone > 0);
  for (size_t block : {1u, 64u, 1u << 16}) {
    CAPTURE(block);
    before = 0;
    std::string what;
    try {
      read_records(path, kFieldAll, count, {2, block});
    } catch (const RecordError& e) {
      what = e.what();
    }
    CHECK(what.find("not a sweep record") != std::string::npos);
    CHECK(before == alone);  // every record before the bad line, none after
  }
  // The caller's own error stops the reading thread too.
  std::uint64_t seen = 0;
  auto stop = [&](const Record&, std::string_view) {
    if (++seen == 5) throw std::runtime_error("enough");
  };
  CHECK_THROWS_WITH(read_records(path, kFieldAll, stop, {2, 16}), "enough");
  CHECK(seen == 5);
  CHECK_THROWS_WITH_AS(
      read_records(dir.file("none.jsonl"), kFieldAll, count, {2, 16}),
      doctest::Contains("none.jsonl: cannot read"), Error);
}

TEST_SUITE_END();

namespace {

// The process's resident memory now, in MB, after the allocator has given
// back what is free (glibc keeps freed chunks below 32 MB in its arenas).
long resident_mb() {
  malloc_trim(0);
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE) / (1 << 20);
}

}  // namespace

TEST_SUITE_BEGIN("library");

TEST_CASE("a 32 MB line only the parser reads leaves no copies behind") {
  // Blanks between tokens: the JSON parser's line, copied on its way to it
  // (the waiting lines, the padded copy, the parser's own room).
  test::TempDir dir;
  std::string text = "{ \"job\": 0, \"params\": {}, \"line\": \"" +
                     std::string(32 << 20, 'y') + "\"}\n";
  for (int j = 1; j <= 20000; ++j)
    text += "{\"job\":" + std::to_string(j) +
            ",\"params\":{},\"line\":\"loss=1\"}\n";
  std::string path = dir.write("long.jsonl", text);
  text.clear();
  text.shrink_to_fit();
  // Each read twice, the second measured: the first leaves the
  // allocator's arenas (one per thread) at their size for such a file.
  for (int pass = 0; pass < 4; ++pass) {
    unsigned threads = pass < 2 ? 1 : 2;
    CAPTURE(threads);
    long before = resident_mb(), at_end = 0;
    std::uint64_t records = 0;
    read_records(path, kFieldAll,
                 [&](const Record&, std::string_view) {
                   if (++records == 20001) at_end = resident_mb();
                 },
                 {threads, 64 << 10});
    CHECK(records == 20001);
    // Held to the end, the copies were some 96 MB.
    if (pass % 2) CHECK(at_end - before < 24);
  }
}

TEST_SUITE_END();

// sweep batchify, and feeding its batches to sweep run.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "harness.hpp"

using e2e::lines;
using e2e::read;
using e2e::sweep;
using Json = nlohmann::ordered_json;

namespace {}  // namespace

TEST_CASE("batchify reproduces the original library's example exactly") {
  e2e::TempDir dir;
  Json data = {{"colors", Json::array()}, {"variations", {"a", "b"}}};
  for (int i = 0; i < 100; ++i) data["colors"].push_back(i);
  dir.write("data.json", data.dump());
  auto r = sweep({"batchify", "-n", "4", "data.json"}, {.cwd = dir.path()});
  REQUIRE(r.exit == 0);
  auto out = lines(r.out);
  REQUIRE(out.size() == 4);
  for (int b = 0; b < 4; ++b) {
    std::string colors;
    for (int i = 25 * b; i < 25 * (b + 1); ++i)
      colors += (colors.empty() ? "" : ",") + std::to_string(i);
    CHECK(out[b] == R"({"colors":[)" + colors + R"(],"variations":["a","b"]})");
  }
  // With -o, the batches are files and the manifest lists them.
  auto files = sweep({"batchify", "-n", "4", "data.json", "-o", "parts"},
                     {.cwd = dir.path()});
  CHECK(files.out ==
        "parts/data.0.json\nparts/data.1.json\nparts/data.2.json\nparts/"
        "data.3.json\n");
  CHECK(Json::parse(read(dir.path() / "parts/data.3.json"))["colors"][0] == 75);
}

TEST_CASE(
    "a CSV splits into parts with the header, listed in a manifest, run as a "
    "sweep") {
  e2e::TempDir dir;
  std::string csv = "id,text\n";
  for (int i = 0; i < 10; ++i)
    csv += std::to_string(i) + ",\"row " + std::to_string(i) + "\nmore\"\n";
  dir.write("data.csv", csv);
  auto r = sweep(
      {"batchify", "-n", "4", "data.csv", "-o", "parts", "--manifest", "m.txt"},
      {.cwd = dir.path()});
  REQUIRE(r.exit == 0);
  CHECK(r.out.empty());
  auto manifest = lines(read(dir.path() / "m.txt"));
  REQUIRE(manifest.size() == 4);
  std::string glued;
  for (size_t i = 0; i < manifest.size(); ++i) {
    std::string part = read(dir.path() / manifest[i]);
    CHECK(part.rfind("id,text\n", 0) == 0);
    glued += i == 0 ? part : part.substr(8);
  }
  CHECK(glued == csv);
  // The manifest is a values file: one job per part.
  auto run = sweep({"run", "-p", "part=@m.txt", "--", "wc", "-l", "<part>"},
                   {.cwd = dir.path()});
  CHECK(run.exit == 0);
  std::set<std::string> counted;
  for (const auto& l : lines(run.out)) {
    Json j = Json::parse(l);
    if (j.contains("line")) counted.insert(j["line"].get<std::string>());
  }
  CHECK(counted ==
        std::set<std::string>{"7 parts/data.0.csv", "7 parts/data.1.csv",
                              "5 parts/data.2.csv", "5 parts/data.3.csv"});
}

TEST_CASE("sweep run --batchify splits and runs one job per batch per point") {
  e2e::TempDir dir;
  std::string text;
  for (int i = 0; i < 9; ++i) text += "item " + std::to_string(i) + "\n";
  dir.write("items.txt", text);
  auto r = sweep({"run", "--batchify", "3", "items.txt", "-p", "mode=a,b", "--",
                  "sh", "-c", "echo <mode> $(wc -l < <batch>)"},
                 {.cwd = dir.path()});
  CHECK(r.exit == 0);
  std::multiset<std::string> got;
  std::set<std::string> batches;
  for (const auto& l : lines(r.out)) {
    Json j = Json::parse(l);
    batches.insert(j["params"]["batch"].get<std::string>());
    if (j.contains("line")) got.insert(j["line"].get<std::string>());
  }
  CHECK(got ==
        std::multiset<std::string>{"a 3", "a 3", "a 3", "b 3", "b 3", "b 3"});
  CHECK(batches.size() == 3);
  for (const auto& b : batches)
    CHECK_FALSE(std::filesystem::exists(b));  // temporary, removed
  auto kept = sweep({"run", "--batchify", "3", "items.txt", "--batch-dir",
                     "keep", "--", "true"},
                    {.cwd = dir.path()});
  CHECK(kept.exit == 0);
  CHECK(std::filesystem::exists(dir.path() / "keep/items.2.txt"));
}

TEST_CASE("batchify errors: one line, exit 2, nothing half-written") {
  e2e::TempDir dir;
  dir.write("bad.csv", "a,b\n1,\"open\n");
  dir.write("t.txt", "x\n");
  dir.write("num.json", "42");
  dir.write("noarr.json", R"({"a": 1})");
  dir.write("two.json", "[1,2]\n[3,4]\n");
  dir.write("spaces.json", "[1 2 3]");
  dir.write("tru.json", R"([tru, {"a": }, 3])");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"batchify", "-n", "2", "bad.csv", "-o", "out"},
       "bad.csv:2: unterminated quoted field"},
      // Sizes: one short line naming the flag as typed.
      {{"batchify", "-n", "0", "t.txt"},
       "sweep: error: -n: must be a whole number >= 1, not '0' (see sweep "
       "--help)"},
      {{"batchify", "--parts", "0", "t.txt"},
       "--parts: must be a whole number >= 1, not '0'"},
      {{"batchify", "--size", "0", "t.txt"},
       "--size: must be a whole number >= 1, not '0'"},
      {{"batchify", "-n", "-3", "t.txt"},
       "-n: must be a whole number >= 1, not '-3'"},
      {{"batchify", "--size", "2.5", "t.txt"},
       "--size: must be a whole number >= 1, not '2.5'"},
      {{"batchify", "-n", "2", "--by", "lines", "t.txt"},
       "--by: 'lines' is not one of records, bytes"},
      {{"batchify", "-n", "2", "missing.txt"}, "missing.txt: cannot read"},
      {{"batchify", "-n", "2", "t.txt", "-o", "/proc/x/y"},
       "cannot create output directory"},
      {{"batchify", "-n", "2", "noarr.json"},
       "noarr.json: the object has no list to split"},
      {{"batchify", "-n", "2", "num.json", "-o", "out"},
       "expected a JSON array"},
      {{"batchify", "t.txt"}, "give -n N"},
      {{"batchify", "-n", "2", "--format", "xml", "t.txt"}, "--format xml"},
      // Malformed JSON arrays, in each mode: nothing is dropped silently.
      {{"batchify", "-n", "2", "two.json", "-o", "out", "--manifest", "m.txt"},
       "two.json:2:1: malformed JSON array: text after its closing ']'"},
      {{"batchify", "--size", "1", "two.json", "-o", "out"},
       "two.json:2:1: malformed JSON array"},
      {{"batchify", "-n", "2", "--by", "bytes", "two.json", "-o", "out"},
       "two.json:2:1: malformed JSON array"},
      {{"batchify", "-n", "2", "spaces.json", "-o", "out"},
       "spaces.json:1:4: malformed JSON array: expected ',' or ']'"},
      {{"batchify", "--size", "1", "tru.json", "-o", "out"},
       "tru.json:1:2: malformed JSON array: invalid literal"},
  };
  for (const auto& c : cases)
    e2e::check_usage_error(c.args, c.message, {.cwd = dir.path()});
  // Nothing half-written: no part, no manifest, not even the directory.
  CHECK_FALSE(std::filesystem::exists(dir.path() / "out"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "m.txt"));
}

TEST_CASE("batchify reads standard input") {
  auto r = sweep({"batchify", "-n", "2", "--format", "text", "-", "-o",
                  "/tmp/sweep-e2e-stdin-parts"},
                 {.input = "a\nb\nc\n"});
  REQUIRE(r.exit == 0);
  auto parts = lines(r.out);
  REQUIRE(parts.size() == 2);
  CHECK(read(parts[0]) == "a\nb\n");
  CHECK(read(parts[1]) == "c\n");
  std::filesystem::remove_all("/tmp/sweep-e2e-stdin-parts");
}

TEST_CASE("batchify reads a JSON array or dict from standard input") {
  e2e::TempDir dir;
  std::string array = "\n  [1, {\"a\": [2]},\n \"x\", 4]\n";
  std::vector<std::vector<std::string>> modes = {
      {"-n", "2"}, {"--size", "2"}, {"-n", "2", "--by", "bytes"}};
  for (const auto& mode : modes) {
    std::vector<std::string> args = {"batchify", "--format", "json",
                                     "-",        "-o",       "v"};
    args.insert(args.begin() + 1, mode.begin(), mode.end());
    CAPTURE(mode[0]);
    auto r = sweep(args, {.input = array, .cwd = dir.path()});
    CHECK(r.exit == 0);
    CHECK(r.err.empty());
    CHECK(r.out == "v/stdin.0.json\nv/stdin.1.json\n");
    CHECK(read(dir.path() / "v/stdin.0.json") == "[1,{\"a\": [2]}]\n");
    CHECK(read(dir.path() / "v/stdin.1.json") == "[\"x\",4]\n");
    std::filesystem::remove_all(dir.path() / "v");
  }
  // A dict still gives the original Batchify's batches.
  auto dict = sweep({"batchify", "-n", "2", "--format", "json", "-"},
                    {.input = R"( {"a": [1, 2, 3], "b": 0})"});
  CHECK(dict.exit == 0);
  CHECK(dict.out == "{\"a\":[1,2],\"b\":0}\n{\"a\":[3],\"b\":0}\n");
  // Errors name standard input, its line and column.
  e2e::check_usage_error(
      {"batchify", "--size", "1", "--format", "json", "-", "-o", "w"},
      "<stdin>:2:4: malformed JSON array: expected ',' or ']'",
      {.input = "[1,\n 2 3]", .cwd = dir.path()});
  e2e::check_usage_error({"batchify", "-n", "2", "--format", "json", "-"},
                         "<stdin>:1:7: invalid JSON",
                         {.input = R"({"a": ])", .cwd = dir.path()});
  CHECK_FALSE(std::filesystem::exists(dir.path() / "w"));
}

TEST_CASE("batchify --by bytes gives N parts, and true counts when it cannot") {
  e2e::TempDir dir;
  std::string seq;
  for (int i = 1; i <= 100; ++i) seq += std::to_string(i) + "\n";
  auto r = sweep({"batchify", "-n", "99", "--by", "bytes", "-", "-o", "p"},
                 {.input = seq, .cwd = dir.path()});
  CHECK(r.exit == 0);
  CHECK(r.err.empty());
  CHECK(lines(r.out).size() == 99);
  Json numbers = Json::array();
  for (int i = 0; i < 100; ++i) numbers.push_back(i);
  dir.write("n.json", numbers.dump());
  auto json = sweep({"batchify", "-n", "10", "--by", "bytes", "n.json"},
                    {.cwd = dir.path()});
  CHECK(json.exit == 0);
  CHECK(json.err.empty());
  CHECK(lines(json.out).size() == 10);
  auto few = sweep({"batchify", "-n", "5", "--by", "bytes", "-", "-o", "q"},
                   {.input = "a\nbb\n", .cwd = dir.path()});
  CHECK(few.exit == 0);
  CHECK(lines(few.out).size() == 2);
  CHECK(few.err == "sweep: warning: - has 2 records: writing 2 parts, not 5\n");
}

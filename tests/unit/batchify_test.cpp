#include "batchify/batchify.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "batchify/block_splitter.hpp"
#include "batchify/data_reader.hpp"
#include "batchify/json_check.hpp"
#include "sweep/error.hpp"

using namespace sweep;
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using U = std::vector<std::uint64_t>;

namespace {

struct Dir {
  fs::path path;
  Dir() {
    char tmpl[] = "/tmp/sweep-unit-batch-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    path = tmpl;
  }
  ~Dir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(path / name, std::ios::binary) << content;
    return (path / name).string();
  }
};

std::string read(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// The parts glued back together, the repeated CSV header kept once.
std::string glue(const std::vector<std::string>& parts, size_t header = 0) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i)
    out += read(parts[i]).substr(i == 0 ? 0 : header);
  return out;
}

// Closes a descriptor when the test leaves, passing or not.
struct Fd {
  int fd;
  ~Fd() { ::close(fd); }
};

BatchifyResult split(const Dir& d, const std::string& input, std::uint64_t n,
                     std::uint64_t size = 0, bool by_bytes = false) {
  BatchifyOptions o;
  o.parts = n;
  o.size = size;
  o.by_bytes = by_bytes;
  o.out_dir = (d.path / "out").string();
  return batchify_file(input, o);
}

}  // namespace

TEST_CASE("batchify: balanced sizes: earlier batches the larger, never empty") {
  CHECK(balanced_sizes(10, 4) == U{3, 3, 2, 2});
  CHECK(balanced_sizes(100, 4) == U{25, 25, 25, 25});
  CHECK(balanced_sizes(3, 5) == U{1, 1, 1});
  CHECK(balanced_sizes(0, 3).empty());
}

TEST_CASE("batchify: the original Batchify example comes out exactly") {
  Json data = {{"colors", Json::array()}, {"variations", {"a", "b"}}};
  for (int i = 0; i < 100; ++i) data["colors"].push_back(i);
  auto batches = batchify_dict(data, 4, 0, "data.json");
  REQUIRE(batches.size() == 4);
  for (int b = 0; b < 4; ++b) {
    Json expect = {{"colors", Json::array()}, {"variations", {"a", "b"}}};
    for (int i = 25 * b; i < 25 * (b + 1); ++i) expect["colors"].push_back(i);
    CHECK(batches[b] == expect);
    CHECK(batches[b].begin().key() == "colors");  // key order kept
  }
  // Ties go to the first list in key order; --size takes K items a batch.
  Json tie = Json::parse(R"({"x": [1, 2, 3], "y": [4, 5, 6], "z": 7})");
  auto t = batchify_dict(tie, 0, 2, "t");
  REQUIRE(t.size() == 2);
  CHECK(t[0].dump() == R"({"x":[1,2],"y":[4,5,6],"z":7})");
  CHECK(t[1].dump() == R"({"x":[3],"y":[4,5,6],"z":7})");
  CHECK_THROWS_WITH_AS(
      batchify_dict(Json::parse("[1]"), 2, 0, "a.json"),
      "a.json: batchify needs a JSON object of lists, not array", Error);
  CHECK_THROWS_WITH_AS(
      batchify_dict(Json::parse(R"({"a": 1})"), 2, 0, "a.json"),
      "a.json: the object has no list to split", Error);
}

TEST_CASE("batchify: text: balanced parts whose concatenation is the input") {
  Dir d;
  std::string text;
  for (int i = 0; i < 10; ++i) text += "line " + std::to_string(i) + "\n";
  text += "last without newline";
  auto in = d.write("t.txt", text);
  auto r = split(d, in, 4);
  REQUIRE(r.parts.size() == 4);
  CHECK(fs::path(r.parts[0]).filename() == "t.0.txt");
  CHECK(r.records == 11);
  CHECK(glue(r.parts) == text);
  CHECK(read(r.parts[0]) == "line 0\nline 1\nline 2\n");
  CHECK(read(r.parts[3]) == "line 9\nlast without newline");
  // Twelve parts sort by name: zero-padded indices.
  auto many = split(d, d.write("m.txt", std::string(24, '\n')), 12);
  CHECK(fs::path(many.parts[0]).filename() == "m.00.txt");
  CHECK(fs::path(many.parts[11]).filename() == "m.11.txt");
}

TEST_CASE(
    "batchify: CSV: the header leads every part and quoted newlines stay in "
    "one record") {
  Dir d;
  std::string csv =
      "id,text\n1,\"a\nb\"\n2,\"say \"\"hi\"\", ok\"\n3,plain\n4,\"x,y\"\n";
  auto in = d.write("d.csv", csv);
  auto r = split(d, in, 3);
  REQUIRE(r.parts.size() == 3);
  CHECK(r.records == 4);
  CHECK(read(r.parts[0]) == "id,text\n1,\"a\nb\"\n2,\"say \"\"hi\"\", ok\"\n");
  CHECK(read(r.parts[2]) == "id,text\n4,\"x,y\"\n");
  CHECK(glue(r.parts, 8) == csv);
  auto tsv = split(d, d.write("d.tsv", "a\tb\n1\t2\n3\t4\n"), 2);
  CHECK(read(tsv.parts[1]) == "a\tb\n3\t4\n");
}

TEST_CASE(
    "batchify: an unterminated quote is an error naming its line, and leaves "
    "no part") {
  Dir d;
  auto in = d.write("bad.csv", "a,b\n1,2\n3,\"open\n4,5\n");
  CHECK_THROWS_WITH_AS(
      split(d, in, 2),
      doctest::Contains("bad.csv:3: unterminated quoted field"), Error);
  CHECK_FALSE(fs::exists(d.path / "out"));  // not even the directory
}

TEST_CASE("batchify: JSON Lines and JSON arrays") {
  Dir d;
  std::string jsonl = "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3}\n";
  auto r = split(d, d.write("x.jsonl", jsonl), 2);
  CHECK(glue(r.parts) == jsonl);
  auto arr =
      d.write("arr.json", R"([1, {"a": [2, "]"]}, "x,y", [4, [5]], null])");
  auto a = split(d, arr, 2);
  REQUIRE(a.parts.size() == 2);
  Json joined = Json::array();
  for (const auto& p : a.parts)
    for (const auto& e : Json::parse(read(p)))
      joined.push_back(e);  // each part valid JSON
  CHECK(joined == Json::parse(read(arr)));
  CHECK(Json::parse(read(a.parts[0])).size() == 3);
  auto empty = split(d, d.write("e.json", " [ ] "), 2);
  CHECK(empty.parts.empty());
  CHECK_THROWS_AS(split(d, d.write("broken.json", "[1, 2"), 2), Error);
}

TEST_CASE("batchify: a malformed JSON array writes nothing, in every mode") {
  Dir d;
  // The last holds an error after many good elements: --size has written
  // parts by the time it finds it.
  std::string late = "[";
  for (int i = 0; i < 5000; ++i) late += std::to_string(i) + ", ";
  late += "tru]";
  for (const std::string& bad :
       {std::string("[1,2]\n[3,4]\n"), std::string("[1 2 3]"),
        std::string("[tru, {\"a\": }, 3]"), late}) {
    auto in = d.write("bad.json", bad);
    CAPTURE(bad.substr(0, 20));
    CHECK_THROWS_WITH_AS(split(d, in, 2), doctest::Contains("bad.json:"),
                         Error);
    CHECK_THROWS_AS(split(d, in, 0, 1), Error);
    CHECK_THROWS_AS(split(d, in, 2, 0, true), Error);
    CHECK_FALSE(fs::exists(d.path / "out"));
  }
}

TEST_CASE("batchify: --size K and --by bytes, which never splits a record") {
  Dir d;
  std::string text;
  for (int i = 0; i < 100; ++i)
    text += std::string(i % 7 + 1, 'a' + i % 26) + "\n";
  auto in = d.write("s.txt", text);
  auto sized = split(d, in, 0, 30);
  REQUIRE(sized.parts.size() == 4);
  CHECK(glue(sized.parts) == text);
  fs::remove_all(d.path / "out");
  auto bytes = split(d, in, 4, 0, true);
  REQUIRE(bytes.parts.size() == 4);
  CHECK(glue(bytes.parts) == text);
  for (const auto& p : bytes.parts) {
    std::string part = read(p);
    CHECK(part.back() == '\n');  // whole records only
    CHECK(part.size() > text.size() / 4 - 10);
    CHECK(part.size() < text.size() / 4 + 10);
  }
}

TEST_CASE("batchify: empty input and more parts than records") {
  Dir d;
  CHECK(split(d, d.write("e.txt", ""), 3).parts.empty());
  auto r = split(d, d.write("two.txt", "a\nb\n"), 5);
  CHECK(r.parts.size() == 2);
  CHECK(r.fewer_parts);
  auto header_only = split(d, d.write("h.csv", "a,b\n"), 2);
  CHECK(header_only.parts.empty());
}

TEST_CASE("batchify: --by bytes gives N parts whenever there are N records") {
  Dir d;
  // Short records first: the byte boundaries fall several to a record.
  std::string seq;
  for (int i = 1; i <= 100; ++i) seq += std::to_string(i) + "\n";
  auto r = split(d, d.write("seq.txt", seq), 99, 0, true);
  CHECK(r.parts.size() == 99);
  CHECK_FALSE(r.fewer_parts);
  CHECK(glue(r.parts) == seq);
  // One record much longer than a share, in each format.
  std::string big(1000, 'x');
  fs::remove_all(d.path / "out");
  auto text = split(d, d.write("u.txt", "a\nb\n" + big + "\n"), 3, 0, true);
  REQUIRE(text.parts.size() == 3);
  CHECK(read(text.parts[0]) == "a\n");
  CHECK(read(text.parts[2]) == big + "\n");
  fs::remove_all(d.path / "out");
  auto csv =
      split(d, d.write("u.csv", "h\n\"" + big + "\"\n1\n2\n"), 3, 0, true);
  REQUIRE(csv.parts.size() == 3);
  CHECK(read(csv.parts[2]) == "h\n2\n");
  // A JSON array balanced by the bytes of the file, not of the elements.
  Json numbers = Json::array();
  for (int i = 100; i < 200; ++i) numbers.push_back(i);
  auto json = split(d, d.write("n.json", numbers.dump(1)), 10, 0, true);
  REQUIRE(json.parts.size() == 10);
  Json joined = Json::array();
  for (const auto& p : json.parts) {
    Json part = Json::parse(read(p));
    CHECK(part.size() >= 9);  // equal elements: about equal bytes
    CHECK(part.size() <= 11);
    for (const auto& e : part) joined.push_back(e);
  }
  CHECK(joined == numbers);
  // Fewer records than parts: one part each, and the true count.
  auto two = split(d, d.write("two.txt", "a\nbb\n"), 5, 0, true);
  CHECK(two.parts.size() == 2);
  CHECK(two.fewer_parts);
  CHECK(two.records == 2);
}

TEST_CASE(
    "batchify: --by bytes cuts where the one-pass split does, whenever that "
    "gives N parts") {
  // The counting pass (ByteCuts) must agree with the one-pass split it
  // stands in for; compare them on random data of both kinds.
  Dir d;
  std::mt19937 rng(12);
  int compared = 0;
  for (int round = 0; round < 40; ++round) {
    bool csv = round % 2;
    std::string data = csv ? "id,text\n" : "";
    int records = 1 + rng() % 300;
    for (int i = 0; i < records; ++i) {
      std::string field(1 + rng() % (round < 20 ? 20 : 3000), 'a' + i % 26);
      data +=
          csv ? std::to_string(i) + ",\"" + field + "\n\"\"\"\n" : field + "\n";
    }
    if (rng() % 2) data.pop_back();  // sometimes no newline at the end
    auto in = d.write(csv ? "r.csv" : "r.txt", data);
    std::uint64_t n = 1 + rng() % 12;
    CAPTURE(round);
    CAPTURE(n);
    fs::remove_all(d.path / "out");
    auto one_pass = split(d, in, n, 0, true);
    if (one_pass.parts.size() != n) continue;  // it fell back to counting
    ++compared;
    DataFormat format = csv ? DataFormat::kCsv : DataFormat::kText;
    ByteCuts cuts(n, data.size());
    Fd fd{::open(in.c_str(), O_RDONLY)};
    std::uint64_t total =
        count_block_records(fd.fd, format, in, nullptr, &cuts);
    CHECK(total == static_cast<std::uint64_t>(records));
    auto sizes = cuts.sizes(total);
    REQUIRE(sizes.size() == n);
    for (size_t i = 0; i < n; ++i) {
      Fd part{::open(one_pass.parts[i].c_str(), O_RDONLY)};
      DataReader reader(part.fd, format, one_pass.parts[i]);
      std::string_view record;
      std::uint64_t in_part = 0;
      while (reader.next(record)) ++in_part;
      if (csv) --in_part;  // the header is not data
      CHECK(in_part == sizes[i]);
    }
  }
  CHECK(compared >= 20);
}

namespace {

// Standard input read from a file while this lives.
struct StdinFrom {
  int saved = ::dup(STDIN_FILENO);
  explicit StdinFrom(const std::string& path) {
    REQUIRE(saved >= 0);
    Fd file{::open(path.c_str(), O_RDONLY)};
    REQUIRE(::dup2(file.fd, STDIN_FILENO) == STDIN_FILENO);
  }
  ~StdinFrom() {
    ::dup2(saved, STDIN_FILENO);
    ::close(saved);
  }
};

}  // namespace

TEST_CASE(
    "batchify: standard input goes on after the head a caller read of it") {
  Dir d;
  StdinFrom stdin_from(d.write("in.json", "  [1, 2,\n 3]"));
  // As the CLI does: read up to the first non-blank byte, to tell a JSON
  // dict from an array.
  std::string head(4, '\0');
  REQUIRE(::read(STDIN_FILENO, head.data(), 4) == 4);
  BatchifyOptions o;
  o.size = 2;
  o.out_dir = (d.path / "out").string();
  o.format = DataFormat::kJsonArray;
  o.stdin_head = head;
  auto r = batchify_file("-", o);
  REQUIRE(r.parts.size() == 2);
  CHECK(fs::path(r.parts[0]).filename() == "stdin.0.json");
  CHECK(read(r.parts[0]) == "[1,2]\n");
  CHECK(read(r.parts[1]) == "[3]\n");
}

TEST_CASE(
    "batchify: bad input: unreadable file, uncreatable directory, overwriting "
    "the "
    "input") {
  Dir d;
  CHECK_THROWS_WITH_AS(split(d, "/no/such/file.txt", 2),
                       doctest::Contains("/no/such/file.txt: cannot read"),
                       Error);
  BatchifyOptions o;
  o.parts = 2;
  o.out_dir = "/proc/sweep-cannot-create";
  CHECK_THROWS_WITH_AS(batchify_file(d.write("a.txt", "x\n"), o),
                       doctest::Contains("cannot create output directory"),
                       Error);
  // A part name that is a hard link to the input must not be overwritten.
  auto in = d.write("in.txt", "1\n2\n");
  fs::create_directories(d.path / "out");
  fs::create_hard_link(in, d.path / "out" / "in.0.txt");
  CHECK_THROWS_WITH_AS(split(d, in, 2),
                       doctest::Contains("a part would overwrite the input"),
                       Error);
  CHECK(read(in) == "1\n2\n");
  CHECK_THROWS_AS(split(d, in, 0), Error);  // neither -n nor --size
}

TEST_CASE(
    "batchify: large inputs: records that cross read blocks stay whole in "
    "every mode") {
  Dir d;
  std::string csv = "id,text\n";
  for (int i = 0; csv.size() < 3 * 1024 * 1024 + 77; ++i)
    csv += std::to_string(i) + ",\"quote \"\"" + std::to_string(i) +
           "\"\"\nand, newline\"\n";
  auto in = d.write("big.csv", csv);
  for (int mode = 0; mode < 3; ++mode) {
    fs::remove_all(d.path / "out");
    auto r = mode == 0   ? split(d, in, 7)
             : mode == 1 ? split(d, in, 0, 20000)
                         : split(d, in, 7, 0, true);
    CAPTURE(mode);
    CHECK(glue(r.parts, 8) == csv);
    for (const auto& p : r.parts) {
      std::string part = read(p);
      CHECK(part.rfind("id,text\n", 0) == 0);
      CHECK(std::count(part.begin(), part.end(), '"') % 2 ==
            0);  // no record cut inside quotes
      CHECK(part.substr(part.size() - 2) == "\"\n");
    }
    if (mode == 0) CHECK(r.parts.size() == 7);
  }
}

// The record reader, on its own: what one record is in each format.
namespace {

struct Read {
  std::vector<std::string> records;
  std::vector<std::uint64_t> lines;  ///< Where each record starts.
};

Read read_records(const Dir& d, const std::string& content, DataFormat format) {
  Fd in{::open(d.write("records.in", content).c_str(), O_RDONLY)};
  REQUIRE(in.fd >= 0);
  DataReader reader(in.fd, format, "records.in");
  Read r;
  std::string_view record;
  while (reader.next(record)) {
    r.records.emplace_back(record);
    r.lines.push_back(reader.line());
  }
  return r;
}

using S = std::vector<std::string>;

}  // namespace

TEST_CASE("batchify reader: text records are lines, the last may lack '\\n'") {
  Dir d;
  auto r = read_records(d, "a\n\nb c\r\nlast", DataFormat::kText);
  CHECK(r.records == S{"a\n", "\n", "b c\r\n", "last"});
  CHECK(r.lines == U{1, 2, 3, 4});
  CHECK(read_records(d, "", DataFormat::kText).records.empty());
  CHECK(read_records(d, "x\n", DataFormat::kText).records == S{"x\n"});
}

TEST_CASE("batchify reader: JSON Lines records are lines, quotes or not") {
  Dir d;
  auto r = read_records(d, "{\"a\": \"x\\ny\"}\n{\"b\": \"\\\"\"}\n[1,\n",
                        DataFormat::kJsonl);
  CHECK(r.records == S{"{\"a\": \"x\\ny\"}\n", "{\"b\": \"\\\"\"}\n", "[1,\n"});
  CHECK(r.lines == U{1, 2, 3});
}

TEST_CASE(
    "batchify reader: a quoted CSV field holds newlines, commas, quotes") {
  Dir d;
  std::string csv =
      "id,text\n1,\"two\nlines\"\n2,\"say \"\"hi\"\",\n\nok\"\n3,plain";
  auto r = read_records(d, csv, DataFormat::kCsv);
  CHECK(r.records == S{"id,text\n", "1,\"two\nlines\"\n",
                       "2,\"say \"\"hi\"\",\n\nok\"\n", "3,plain"});
  CHECK(r.lines == U{1, 2, 4, 7});
  auto tsv = read_records(d, "a\tb\n\"x\ty\n\"\tz\n", DataFormat::kTsv);
  CHECK(tsv.records == S{"a\tb\n", "\"x\ty\n\"\tz\n"});
  CHECK_THROWS_WITH_AS(
      read_records(d, "a,b\n1,2\n3,\"open\n4,5\n", DataFormat::kCsv),
      "records.in:3: unterminated quoted field (a '\"' is never closed)",
      Error);
}

TEST_CASE("batchify reader: JSON array elements, nested and quoted") {
  Dir d;
  auto r = read_records(
      d, " [ 1 ,\n{\"a\": [2, \"]\"]},\n  \"x,\\\"y\" , [4, [5]],null ]\n",
      DataFormat::kJsonArray);
  CHECK(r.records ==
        S{"1", "{\"a\": [2, \"]\"]}", "\"x,\\\"y\"", "[4, [5]]", "null"});
  CHECK(r.lines == U{1, 2, 3, 3, 3});
  CHECK(read_records(d, "[]", DataFormat::kJsonArray).records.empty());
  CHECK(read_records(d, "\n[\n]\n", DataFormat::kJsonArray).records.empty());
  CHECK_THROWS_WITH_AS(read_records(d, "\n{\"a\": 1}", DataFormat::kJsonArray),
                       "records.in:2:1: expected a JSON array", Error);
  CHECK_THROWS_WITH_AS(read_records(d, "[1, 2", DataFormat::kJsonArray),
                       doctest::Contains("unterminated JSON array"), Error);
  CHECK_THROWS_WITH_AS(read_records(d, "[1, , 2]", DataFormat::kJsonArray),
                       doctest::Contains("empty JSON array element"), Error);
}

TEST_CASE(
    "batchify reader: a malformed JSON array is an error at its line and "
    "column") {
  Dir d;
  auto error = [&](const std::string& json) -> std::string {
    try {
      read_records(d, json, DataFormat::kJsonArray);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  // Two arrays: the second would be lost.
  CHECK(error("[1,2]\n[3,4]\n") ==
        "records.in:2:1: malformed JSON array: text after its closing ']'");
  CHECK(error("[] x") ==
        "records.in:1:4: malformed JSON array: text after its closing ']'");
  // Elements that are not one JSON value each.
  CHECK(error("[1 2 3]") ==
        "records.in:1:4: malformed JSON array: expected ',' or ']'");
  CHECK(error("[tru, {\"a\": }, 3]") ==
        "records.in:1:2: malformed JSON array: invalid literal; expected "
        "true, false or null");
  CHECK(error("[1,\n  {\"a\": }, 3]") ==
        "records.in:2:9: malformed JSON array: expected a value");
  CHECK(error("[1}") ==
        "records.in:1:3: malformed JSON array: unexpected '}'; expected ',' "
        "or ']'");
  CHECK(error("[\"a\nb\"]") ==
        "records.in:1:4: malformed JSON array: control character in a string "
        "(escape it)");
  CHECK(error("[1,]") == "records.in:1:4: empty JSON array element");
  CHECK(error("[1,\n  [2, 3") == "records.in:2:3: unterminated JSON array");
  CHECK(error("") == "records.in:1:1: expected a JSON array");
  // An error deep in a long element points at its place.
  CHECK(error("[\"" + std::string(500, 'x') + "\\q\"]") ==
        "records.in:1:503: malformed JSON array: invalid escape in a string");
}

TEST_CASE("batchify reader: a record longer than the buffer stays whole") {
  Dir d;
  std::string big(3 * 1024 * 1024 + 5, 'x');
  auto text = read_records(d, "a\n" + big + "\nb\n", DataFormat::kText);
  REQUIRE(text.records.size() == 3);
  CHECK(text.records[1] == big + "\n");
  CHECK(text.lines == U{1, 2, 3});
  auto arr = read_records(d, "[\"" + big + "\", 2]", DataFormat::kJsonArray);
  REQUIRE(arr.records.size() == 2);
  CHECK(arr.records[0] == "\"" + big + "\"");
  CHECK(arr.records[1] == "2");
}

namespace {

// True if nlohmann refuses text only for a number beyond a double's range,
// which RFC 8259 leaves to implementations: the checker allows it, since a
// splitter need not know what a number means.
bool overflows_double(const std::string& text) {
  try {
    (void)nlohmann::json::parse(text).dump();
  } catch (const nlohmann::json::out_of_range&) {
    return true;
  } catch (const nlohmann::json::exception&) {
  }
  return false;
}

}  // namespace

TEST_CASE("batchify JSON check: agrees with nlohmann::json::accept") {
  // Valid documents, then random edits of them: the checker must accept
  // exactly what the parser accepts, UTF-8 and escapes included (numbers
  // too large for a double aside).
  std::vector<std::string> seeds = {
      R"({"a": [1, -2.5e+3, 0, true, false, null], "b": {"c": "d\"\\/"}})",
      R"(["\u00e9\ud83d\ude00", "é€😀", -0.0, 1E2, []])",
      R"(  {"": {}, "x": [[[]]], "\b\f\n\r\t": 12345678901234567890} )",
      "\"tab\\there\"",
      "0",
      "[1,2]",
      "{\"k\":null}"};
  const std::string alphabet =
      "[]{},:\"\\ -+.0123456789eEtrufalsn\t\n\x01"
      "\x7f\x80\xbf\xc0\xc3\xa9\xed\xa0\xf4\x90"
      "\xf5u/bD8";
  std::mt19937 rng(5);
  int mismatches = 0, checked = 0;
  for (const auto& seed : seeds) {
    REQUIRE(nlohmann::json::accept(seed));
    CHECK_FALSE(check_json_value(seed));
    for (int round = 0; round < 4000; ++round) {
      std::string s = seed;
      for (int edits = 1 + rng() % 3; edits > 0; --edits) {
        size_t at = rng() % (s.size() + 1);
        char c = alphabet[rng() % alphabet.size()];
        switch (rng() % 3) {
          case 0:
            s.insert(s.begin() + at, c);
            break;
          case 1:
            if (at < s.size()) s.erase(at, 1);
            break;
          default:
            if (at < s.size()) s[at] = c;
        }
      }
      bool accepted = nlohmann::json::accept(s);
      auto fault = check_json_value(s);
      ++checked;
      if (accepted == !fault || (!fault && overflows_double(s))) continue;
      if (++mismatches > 5) continue;  // show the first few
      CAPTURE(s);
      CHECK(accepted == !fault);
    }
  }
  CHECK(mismatches == 0);
  CHECK(checked == 28000);
}

TEST_CASE("batchify JSON check: where and why an element is not JSON") {
  auto fault = [](std::string_view text) {
    auto f = check_json_value(text);
    return f ? std::to_string(f->at) + ": " + f->reason : "ok";
  };
  CHECK(fault(" 1 ") == "ok");
  CHECK(fault("1 2") == "2: expected ',' or ']'");
  CHECK(fault("tru") == "0: invalid literal; expected true, false or null");
  CHECK(fault(R"({"a": })") == "6: expected a value");
  CHECK(fault(R"({"a": 1,})") == "8: expected a string (an object's key)");
  CHECK(fault(R"({"a" 1})") == "5: expected ':' after an object's key");
  CHECK(fault("[1}") == "2: expected ',' or ']'");
  CHECK(fault("{\"a\":1]") == "6: expected ',' or '}'");
  CHECK(fault("01") == "1: expected ',' or ']'");
  CHECK(fault("-") == "1: expected a digit");
  CHECK(fault("1.") == "2: expected a digit after '.'");
  CHECK(fault("1e+") == "3: expected a digit in the exponent");
  CHECK(fault("\"a\nb\"") == "2: control character in a string (escape it)");
  CHECK(fault("\"\\q\"") == "1: invalid escape in a string");
  CHECK(fault("\"\\u12\"") == "1: expected 4 hex digits after \\u");
  CHECK(fault("\"\\udc00\"") == "1: a low surrogate without a high one");
  CHECK(fault("\"\\ud800x\"") == "1: a high surrogate without a low one");
  CHECK(fault("\"\xc3(\"") == "1: invalid UTF-8 in a string");
  CHECK(fault("\"\xed\xa0\x80\"") == "1: invalid UTF-8 in a string");
  CHECK(fault("\"abc") == "0: unterminated string");
  CHECK(fault("[[1]") == "4: unexpected end of the element");
  // Deep nesting takes memory, not stack.
  CHECK(fault(std::string(1000000, '[') + std::string(1000000, ']')) == "ok");
}

// sweep report end to end: a fake training program whose metrics are
// known in closed form, run by the built sweep, then reported.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "harness.hpp"

using e2e::lines;
using e2e::sweep;
using Json = nlohmann::json;

namespace {

// loss = 2x + rep, so over --repeat 3 a group's loss is 2x, 2x+1, 2x+2:
// mean 2x+1, sd 1, sem 1/sqrt(3), median 2x+1.
const std::vector<std::string> kTrain = {
    "sh",
    "-c",
    "echo \"epoch 1 loss=$(( $1 * 2 + $2 + 5 ))\"; "
    "echo \"epoch 2 loss=$(( $1 * 2 + $2 ))\"",
    "sh",
    "<x>",
    "<@rep>"};

// A result stream of x = 1..3, 3 repeats each, in dir.
std::string run_stream(const e2e::TempDir& dir) {
  std::vector<std::string> args = {"run",    "-q",       "-j", "2", "-p",
                                   "x=1..3", "--repeat", "3",  "--"};
  args.insert(args.end(), kTrain.begin(), kTrain.end());
  auto r = sweep(args);
  REQUIRE(r.exit == 0);
  return dir.write("results.jsonl", r.out);
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  size_t from = 0;
  for (size_t at; (at = line.find(sep, from)) != std::string::npos;
       from = at + 1)
    out.push_back(line.substr(from, at - from));
  out.push_back(line.substr(from));
  return out;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("report: replicates give mean, sd, exact t interval and Welch ties") {
  e2e::TempDir dir;
  auto stream = run_stream(dir);
  auto r = sweep({"report", stream, "--metric", "loss:min", "--format", "csv"});
  REQUIRE(r.exit == 0);
  auto rows = lines(r.out);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] ==
        "x,runs,failed,loss_n,loss_mean,loss_sd,loss_sem,loss_ci_low,"
        "loss_ci_high,loss_median,loss_min,loss_max,tie_best");
  // t(0.975, 2) = 4.302652729749464 (closed form for df 2), times 1/sqrt(3).
  const double half = 4.302652729749464 / std::sqrt(3.0);
  for (int x = 1; x <= 3; ++x) {
    auto c = split(rows[x], ',');
    REQUIRE(c.size() == 13);
    CHECK(c[0] == std::to_string(x));  // ranked by loss:min: x = 1 first
    CHECK(c[1] == "3");
    CHECK(c[2] == "0");
    CHECK(c[3] == "3");
    CHECK(std::stod(c[4]) == 2 * x + 1);
    CHECK(std::stod(c[5]) == doctest::Approx(1));
    CHECK(std::stod(c[6]) == doctest::Approx(1 / std::sqrt(3.0)));
    CHECK(std::stod(c[7]) == doctest::Approx(2 * x + 1 - half));
    CHECK(std::stod(c[8]) == doctest::Approx(2 * x + 1 + half));
    CHECK(std::stod(c[9]) == 2 * x + 1);
    CHECK(std::stod(c[10]) == 2 * x);  // the last epoch's value, not 2x+5
    CHECK(std::stod(c[11]) == 2 * x + 2);
  }
  // scipy.stats.ttest_ind([2,3,4],[4,5,6], equal_var=False).pvalue = 0.0705
  // (a tie at 0.05); against [6,7,8]: 0.00805 (worse).
  CHECK(split(rows[1], ',')[12] == "true");
  CHECK(split(rows[2], ',')[12] == "true");
  CHECK(split(rows[3], ',')[12] == "false");
  auto first = sweep({"report", stream, "--metric", "loss:min", "--reduce",
                      "first", "--format", "tsv"});
  CHECK(split(lines(first.out)[1], '\t')[4] == "8");  // 2*1 + 1 + 5
}

TEST_CASE("report: the table, JSON, Markdown from -o, pivot, where, top") {
  e2e::TempDir dir;
  auto stream = run_stream(dir);
  auto table = sweep({"report", stream, "--metric", "loss:min"});
  REQUIRE(table.exit == 0);
  CHECK(has(table.out, "GROUPS (3 of 3, by loss:min; ± is the 95% CI)"));
  CHECK(has(table.out, "3 ± 2.5"));
  CHECK(has(table.out, "MARGINALS of loss"));
  CHECK(has(table.out, "FAILURES: 0 of 9 jobs failed"));
  auto json = sweep({"report", stream, "--metric", "loss:min", "--format",
                     "json", "--where", "x>=2", "--top", "1"});
  REQUIRE(json.exit == 0);
  Json j = Json::parse(json.out);
  CHECK(j["metrics"][0]["name"] == "loss");
  CHECK(j["metrics"][0]["goal"] == "min");
  REQUIRE(j["groups"].size() == 1);
  CHECK(j["groups"][0]["params"]["x"] == 2);
  CHECK(j["groups"][0]["metrics"]["loss"]["mean"] == 5);
  CHECK(j["marginals"][0]["param"] == "x");
  CHECK(j["marginals"][0]["eta2"] == 1);
  CHECK(j["failures"]["by_outcome"].empty());
  auto md = sweep({"report", stream, "--metric", "loss:min", "-o",
                   (dir.path() / "best.md").string()});
  CHECK(md.exit == 0);
  CHECK(md.out.empty());
  CHECK(has(e2e::read(dir.path() / "best.md"), "| x | runs | failed |"));
  auto two = sweep({"run", "-q", "-p", "x=1,2", "-p", "y=a,b", "--", "sh", "-c",
                    "echo loss=$1", "sh", "<x>", "<y>"});
  auto two_stream = dir.write("two.jsonl", two.out);
  auto pivot = sweep({"report", two_stream, "--metric", "loss:min", "--pivot",
                      "x,y", "--format", "csv"});
  CHECK(pivot.out == "x,a,b\n1,1,1\n2,2,2\n");
  auto tex = sweep({"report", stream, "--metric", "loss:min", "-o",
                    (dir.path() / "t.tex").string()});
  CHECK(tex.exit == 0);
  std::string latex = e2e::read(dir.path() / "t.tex");
  CHECK(has(latex, "\\begin{tabular}{lrrrrrl}"));
  CHECK(has(latex, "1 & 3 & 0 & 3 $\\pm$ 2.5 & 1 & 3 & best \\\\"));
}

TEST_CASE("report: --over averages over a parameter, - reads stdin") {
  e2e::TempDir dir;
  auto r =
      sweep({"run", "-q", "-p", "x=1,2", "-p", "seed=0..3", "--", "sh", "-c",
             "echo \"acc: $(( $1 * 10 + $2 ))\"", "sh", "<x>", "<seed>"});
  REQUIRE(r.exit == 0);
  auto rep = sweep({"report", "-", "--metric", "acc:max", "--over", "seed",
                    "--format", "csv"},
                   {.input = r.out});
  REQUIRE(rep.exit == 0);
  auto rows = lines(rep.out);
  REQUIRE(rows.size() == 3);
  CHECK(rows[1].rfind("2,4,0,4,21.5,", 0) == 0);  // mean of 20..23
  CHECK(rows[2].rfind("1,4,0,4,11.5,", 0) == 0);
}

TEST_CASE("report: a resumed run's appended -o stream counts each job once") {
  // x=2 fails until the file `ok` exists; --resume-failed with the same -o
  // appends its rerun to the stream, which then holds job 1 twice: the
  // report keeps its best outcome, from the file and from standard input.
  e2e::TempDir dir;
  std::string out = (dir.path() / "out.jsonl").string();
  std::vector<std::string> args = {
      "run",    "-q",        "-p",
      "x=1..3", "--journal", (dir.path() / "j.jsonl").string(),
      "-o",     out,         "--",
      "sh",     "-c",        "echo acc=$1; test $1 != 2 || test -e ok",
      "sh",     "<x>"};
  REQUIRE(sweep(args, {.cwd = dir.path()}).exit == 1);
  dir.write("ok", "");
  args.insert(args.begin() + 2, "--resume-failed");
  REQUIRE(sweep(args, {.cwd = dir.path()}).exit == 0);
  REQUIRE(e2e::end_records(e2e::read(out)).size() == 4);
  auto file = sweep({"report", out, "--metric", "acc:max", "--format", "csv"});
  auto piped = sweep({"report", "-", "--metric", "acc:max", "--format", "csv"},
                     {.input = e2e::read(out)});
  for (const auto& rep : {file, piped}) {
    REQUIRE(rep.exit == 0);
    auto rows = lines(rep.out);
    REQUIRE(rows.size() == 4);
    CHECK(rows[2].rfind("2,1,0,1,2,", 0) == 0);  // x, runs, failed, n, mean
  }
}

TEST_CASE("report: failures by exit status, the failed jobs' last lines") {
  e2e::TempDir dir;
  auto r = sweep(
      {"run", "-q", "--stderr", "stream", "-p", "x=1..4", "--", "sh", "-c",
       "echo \"step $1\"; [ $1 -ne 3 ] || { echo boom >&2; exit 3; }; "
       "[ $1 -eq 4 ] || echo acc=0.$1",
       "sh", "<x>"});
  REQUIRE(r.exit == 1);
  auto file = dir.write("r.jsonl", r.out);
  auto rep = sweep({"report", file, "--metric", "acc:max"});
  REQUIRE(rep.exit == 0);
  CHECK(has(rep.out, "FAILURES: 1 of 4 jobs failed (exit 3: 1)"));
  CHECK(has(rep.out, "step 3"));
  CHECK(has(rep.out, "boom"));
  CHECK(has(rep.out, "2 groups without acc: x=3; x=4"));
  CHECK(has(rep.out, "x         3          1    1 100%"));
  auto json = Json::parse(
      sweep({"report", file, "--metric", "acc:max", "--format", "json"}).out);
  CHECK(json["failures"]["by_outcome"]["exit 3"] == 1);
  CHECK(json["failures"]["jobs"][0]["last_stderr"] == "boom");
  CHECK(json["failures"]["jobs"][0]["params"]["x"] == 3);
}

TEST_CASE("report: a run directory of shards, a torn last line") {
  e2e::TempDir dir;
  auto shards = dir.path() / "run";
  std::filesystem::create_directory(shards);
  for (int i = 0; i < 2; ++i) {
    auto r = sweep(
        {"run", "-q", "-p", "x=1..4", "--shard", std::to_string(i) + "/2", "-o",
         (shards / ("shard-" + std::to_string(i) + ".jsonl")).string(), "--",
         "sh", "-c", "echo loss=$1", "sh", "<x>"});
    REQUIRE(r.exit == 0);
  }
  // The second shard was resumed: its jobs appear twice, counted once.
  e2e::run({"sh", "-c",
            "cat " + (shards / "shard-1.jsonl").string() + " > " +
                (shards / "shard-2.jsonl").string() +
                "; printf '{\"job\":9,\"par' >> " +
                (shards / "shard-2.jsonl").string()});
  auto rep = sweep(
      {"report", shards.string(), "--metric", "loss:min", "--format", "csv"});
  REQUIRE(rep.exit == 0);
  auto rows = lines(rep.out);
  REQUIRE(rows.size() == 5);
  CHECK(rows[1].rfind("1,1,0,1,1,", 0) == 0);
  CHECK(rows[4].rfind("4,1,0,1,4,", 0) == 0);
}

TEST_CASE("report: --assert gates a CI script on the best group's mean") {
  e2e::TempDir dir;
  auto stream = run_stream(dir);
  auto ok = sweep({"report", stream, "--metric", "loss:min", "--assert",
                   "loss<=3", "--format", "csv"});
  CHECK(ok.exit == 0);
  auto bad = sweep({"report", stream, "--metric", "loss:min", "--assert",
                    "loss<2", "--format", "csv"});
  CHECK(bad.exit == 1);
  CHECK(!bad.out.empty());  // the report is still written
  CHECK(bad.err ==
        "sweep: error: --assert 'loss<2' failed: the best group's mean loss "
        "is 3\n");
}

TEST_CASE("report: --metric-regex takes metrics by named groups") {
  e2e::TempDir dir;
  auto r = sweep({"run", "-q", "-p", "x=1,2", "--", "sh", "-c",
                  "echo \"[val_acc] 0.$1 loss=9\"", "sh", "<x>"});
  auto file = dir.write("r.jsonl", r.out);
  auto rep = sweep({"report", file, "--metric-regex",
                    R"(\[(?<key>\w+)\] (?<value>[0-9.]+))", "--format", "csv"});
  REQUIRE(rep.exit == 0);
  CHECK(lines(rep.out)[0].rfind("x,runs,failed,val_acc_n,", 0) == 0);
  CHECK(!has(rep.out, "loss"));
}

TEST_CASE("report: --metric-regex reads a line of a megabyte") {
  // It crashed (SIGSEGV, std::regex's recursion) from about 50 KB on.
  e2e::TempDir dir;
  std::string word(1 << 20, 'x');
  auto file = dir.write("r.jsonl",
                        "{\"job\":0,\"params\":{\"x\":1},\"line\":\"" + word +
                            " loss=0.5\"}\n{\"job\":0,\"params\":{\"x\":1},"
                            "\"exit\":0,\"duration_s\":1}\n");
  auto rep = sweep({"report", file, "--metric-regex",
                    R"(.*(?<key>loss)=(?<value>\S+))", "--format", "csv"});
  REQUIRE(rep.exit == 0);
  CHECK(lines(rep.out)[1].rfind("1,1,0,1,0.5,", 0) == 0);
}

TEST_CASE("report: user errors are one line and exit 2") {
  e2e::TempDir dir;
  auto stream = run_stream(dir);
  e2e::check_usage_error(
      {"report", stream, "--metric", "acc:max"},
      "--metric acc: no such metric in the output (found: loss; built in: "
      "duration_s, cpu_user_s, cpu_sys_s, max_rss_kb, exit)");
  e2e::check_usage_error(
      {"report", stream, "--metric", "loss:lowest"},
      "--metric loss:lowest: goal 'lowest' is not max or min");
  e2e::check_usage_error({"report", stream, "--where", "x=>2"},
                         "--where 'x=>2': more than one comparison");
  e2e::check_usage_error(
      {"report", stream, "--where", "depth>2"},
      "--where 'depth>2': no parameter 'depth' (parameters: x)");
  e2e::check_usage_error({"report", stream, "--pivot", "x"},
                         "--pivot 'x': write ROW,COL (two parameters)");
  e2e::check_usage_error({"report", stream, "--pivot", "x,y"},
                         "--pivot 'x,y': no parameter 'y' (parameters: x)");
  e2e::check_usage_error({"report", stream, "--over", "seed"},
                         "--over seed: no such parameter (parameters: x)");
  e2e::check_usage_error({"report", stream, "--pivot", "x,x"},
                         "--pivot 'x,x': ROW and COL must be two different "
                         "parameters");
  e2e::check_usage_error(
      {"report", stream, "--metric", "loss:min", "--metric", "loss"},
      "--metric loss: metric 'loss' is given twice");
  e2e::check_usage_error(
      {"report", stream, stream, "--label", "a", "--label", "a"},
      "--label 'a': given twice (each label names one input)");
  auto empty = dir.write("empty.jsonl", "");
  e2e::check_usage_error(
      {"report", empty},
      empty + ": no finished jobs (an empty result stream?)");
  auto junk = dir.write("junk.jsonl", "hello\n{\"job\":1}\n");
  e2e::check_usage_error({"report", junk},
                         junk + ":1: not a sweep record (not a JSON object)");
  e2e::check_usage_error({"report", stream, "--reduce", "best"},
                         "--reduce best: every --metric needs a goal (NAME:max "
                         "or NAME:min)");
  e2e::check_usage_error(
      {"report", (dir.path() / "none").string()},
      (dir.path() / "none").string() + ": no such file or directory");
}

TEST_CASE("report: --label compares a baseline and a new run, with the diff") {
  e2e::TempDir dir;
  // base: acc 0.5, 0.7, 0.9 per point; new: 0.7, 0.8, 0.9 (and one more x).
  auto base = sweep({"run", "-q", "-p", "x=1,2", "--repeat", "3", "--", "sh",
                     "-c", "echo acc=0.$((5 + 2 * $1))", "sh", "<@rep>"});
  auto next = sweep({"run", "-q", "-p", "x=1,2,3", "--repeat", "3", "--", "sh",
                     "-c", "echo acc=0.$((7 + $1))", "sh", "<@rep>"});
  auto a = dir.write("base.jsonl", base.out);
  auto b = dir.write("new.jsonl", next.out);
  auto r = sweep({"report", a, b, "--label", "base", "--label", "new",
                  "--metric", "acc:max", "--format", "json"});
  REQUIRE(r.exit == 0);
  Json j = Json::parse(r.out);
  CHECK(j["labels"] == Json::array({"base", "new"}));
  REQUIRE(j["rows"].size() == 3);
  // scipy: ttest_ind([.7,.8,.9], [.5,.7,.9], equal_var=False).pvalue
  // = 0.49605537445852116; Welch df = 2.9411764705882346, and the interval
  // 0.1 -/+ t.ppf(0.975, df) * sqrt(0.04/3 + 0.01/3) =
  // (-0.31553995031834725, 0.5155399503183472).
  const Json& d = j["rows"][0]["diff"];
  CHECK(d["mean"].get<double>() == doctest::Approx(0.1));
  CHECK(d["p"].get<double>() == doctest::Approx(0.49605537445852116));
  CHECK(d["ci_low"].get<double>() == doctest::Approx(-0.31553995031834725));
  CHECK(d["ci_high"].get<double>() == doctest::Approx(0.5155399503183472));
  CHECK(j["rows"][2]["runs"]["base"]["n"] == 0);
  CHECK(j["rows"][2]["diff"].is_null());
  auto table = sweep({"report", a, b, "--label", "base", "--label", "new",
                      "--metric", "acc:max"});
  CHECK(has(table.out, "COMPARISON of acc: new - base"));
  e2e::check_usage_error({"report", a, b, "--label", "base"},
                         "--label: 1 labels for 2 inputs (give one per input)");
}

TEST_CASE("run --report: the report follows the statistics on stderr") {
  std::vector<std::string> args = {
      "run",      "-p",       "x=1..3",          "--repeat", "3", "--metric",
      "loss:min", "--report", "--report-format", "csv",      "--"};
  args.insert(args.end(), kTrain.begin(), kTrain.end());
  auto r = sweep(args);
  REQUIRE(r.exit == 0);
  size_t stats = r.err.find("STATISTICS");
  size_t report = r.err.find("x,runs,failed,loss_n,loss_mean");
  REQUIRE(stats != std::string::npos);
  REQUIRE(report != std::string::npos);
  CHECK(stats < report);
  CHECK(has(r.err, "\n1,3,0,3,3,1,"));
  CHECK(e2e::records(r.out).size() == 27);  // the stream is untouched
  args[6] = "loss:down";
  e2e::check_usage_error(args,
                         "--metric loss:down: goal 'down' is not max or min");
  e2e::check_usage_error(
      {"run", "-p", "x=1", "--top", "2", "--", "true"},
      "--top: needs --report, --report-output or --report-html (see "
      "sweep --help)");
  // A report that cannot be made does not hide the run's own status.
  auto none = sweep({"run", "-q", "-p", "x=1", "--metric", "loss:min",
                     "--report", "--", "sh", "-c", "exit 4"});
  CHECK(none.exit == 1);
  CHECK(has(none.err, "sweep: error: --report: --metric loss: no such metric"));
  auto gate = sweep({"run", "-q", "-p", "x=1..3", "--metric", "loss:min",
                     "--report", "--assert", "loss<1", "--", "sh", "-c",
                     "echo loss=$1", "sh", "<x>"});
  CHECK(gate.exit == 1);
  CHECK(has(gate.err,
            "sweep: error: --assert 'loss<1' failed: the best "
            "group's mean loss is 1\n"));
}

TEST_CASE("report: metrics from files a job wrote, collected into a run dir") {
  e2e::TempDir dir;
  std::string rd = (dir.path() / "rd").string();
  // score = 10 x + rep: per x, mean 10 x + 0.5 and sd 0.7071 over 2 reps.
  auto r = sweep({"run", "-q", "--run-dir", rd, "--chdir", "-p", "x=1..3",
                  "--repeat", "2", "--collect", "m.json", "--", "sh", "-c",
                  "echo \"{\\\"score\\\": $(( $1 * 10 + $2 ))}\" > m.json",
                  "sh", "<x>", "<@rep>"});
  REQUIRE(r.exit == 0);
  auto rep = sweep({"report", rd, "--metric", "score:max", "--format", "csv"});
  CHECK(rep.exit == 0);
  auto rows = lines(rep.out);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].rfind("x,runs,failed,score_n,score_mean,score_sd", 0) == 0);
  CHECK(rows[1].rfind("3,2,0,2,30.5,0.7071", 0) == 0);
  CHECK(rows[3].rfind("1,2,0,2,10.5,0.7071", 0) == 0);
}

namespace {

// The JSON a page carries as its data (the test of the page itself, in a
// real browser, is tests/browser/page_test.py).
Json page_data(const std::string& page) {
  const std::string open =
      "<script type=\"application/json\" id=\"sweep-data\">";
  size_t at = page.find(open);
  REQUIRE(at != std::string::npos);
  at += open.size();
  return Json::parse(page.substr(at, page.find("</script>", at) - at));
}

}  // namespace

TEST_CASE("report --html: one page whose data is the report's own JSON") {
  e2e::TempDir dir;
  auto stream = run_stream(dir);
  std::string html = (dir.path() / "sweep.html").string();
  auto r = sweep({"report", stream, "--metric", "loss:min", "--html", html});
  REQUIRE(r.exit == 0);
  CHECK(has(r.out, "GROUPS (3 of 3"));  // the table is still printed
  auto json =
      sweep({"report", stream, "--metric", "loss:min", "--format", "json"});
  Json data = page_data(e2e::read(html));
  CHECK(data["report"] == Json::parse(json.out));
  CHECK(data["info"]["inputs"] == Json::array({stream}));
  CHECK(data["info"]["points"] == 3);  // without --over, a group is a point
  // kTrain prints loss at epochs 1 and 2: x=1's curve is 2+5+rep, 2+rep.
  const Json& curve = data["report"]["groups"][0]["curve"];
  REQUIRE(curve.size() == 2);
  CHECK(curve[0]["mean"] == 8.0);
  CHECK(curve[1]["n"] == 3);
  CHECK(curve[1]["sd"] == 1.0);
  // The page's file is opened before anything is read.
  e2e::check_usage_error(
      {"report", stream, "--html", (dir.path() / "no/such.html").string()},
      (dir.path() / "no/such.html").string() +
          ": cannot open for writing: No such file or directory");
}

TEST_CASE("run --report-html: the run's page, with its points and wall time") {
  e2e::TempDir dir;
  std::string html = (dir.path() / "run.html").string();
  std::vector<std::string> args = {"run",      "-q",
                                   "-p",       "x=1..3",
                                   "--repeat", "3",
                                   "--metric", "loss:min",
                                   "--report", "--report-format",
                                   "csv",      "--report-html",
                                   html,       "--"};
  args.insert(args.end(), kTrain.begin(), kTrain.end());
  auto r = sweep(args);
  REQUIRE(r.exit == 0);
  Json data = page_data(e2e::read(html));
  CHECK(data["info"]["points"] == 3);
  CHECK(data["info"]["wall_s"].get<double>() > 0);
  CHECK(data["info"]["inputs"] == Json::array({"-p x=1..3"}));
  CHECK(data["report"]["totals"]["jobs"] == 9);
  // Alone, --report-html writes the page and prints no text report; the
  // options that shape a report need one of the two.
  std::filesystem::remove(html);
  std::vector<std::string> alone = {"run",    "-q",       "-p",
                                    "x=1..3", "--metric", "loss:min",
                                    "--over", "x",        "--report-html",
                                    html,     "--"};
  alone.insert(alone.end(), kTrain.begin(), kTrain.end());
  auto page_only = sweep(alone);
  REQUIRE(page_only.exit == 0);
  CHECK(page_only.err.empty());
  CHECK(page_data(e2e::read(html))["report"]["totals"]["jobs"] == 3);
  e2e::check_usage_error(
      {"run", "-p", "x=1", "--over", "x", "--", "true"},
      "--over: needs --report, --report-output or --report-html (see sweep "
      "--help)");
}

TEST_CASE("report --label --html: each run's report and the comparison") {
  e2e::TempDir dir;
  auto a = run_stream(dir);
  std::string html = (dir.path() / "cmp.html").string();
  auto r = sweep({"report", a, a, "--label", "one", "--label", "two",
                  "--metric", "loss:min", "--html", html});
  REQUIRE(r.exit == 0);
  Json data = page_data(e2e::read(html));
  REQUIRE(data["runs"].size() == 2);
  CHECK(data["runs"][1]["label"] == "two");
  CHECK(data["runs"][0]["report"]["groups"].size() == 3);
  CHECK(data["comparison"]["labels"] == Json::array({"one", "two"}));
  CHECK(data["comparison"]["rows"].size() == 3);
}

TEST_CASE("report: no output overwrites an input or another, a page is whole") {
  e2e::TempDir dir;
  auto stream = run_stream(dir);
  std::string before = e2e::read(stream);
  auto in = [&](const std::string& name) {
    return (dir.path() / name).string();
  };
  // Onto the input: refused before anything is opened, the input intact.
  e2e::check_usage_error({"report", stream, "--html", stream},
                         "--html " + stream + " is the input " + stream +
                             ": writing it would destroy it before it is read");
  CHECK(e2e::read(stream) == before);
  e2e::check_usage_error({"report", stream, "-o", in("x"), "--html", in("x")},
                         "-o " + in("x") + " and --html " + in("x") +
                             " are the same file: each output needs its own");
  e2e::check_usage_error({"run", "-p", "x=1", "--journal", in("j"),
                          "--report-html", in("j"), "--", "true"},
                         "--journal " + in("j") + " and --report-html " +
                             in("j") +
                             " are the same file: each output "
                             "needs its own");
  // A page that cannot be written fails the run before any job starts.
  auto bad = sweep({"run", "-p", "x=1", "--report-html", in("no/p.html"), "--",
                    "touch", in("ran")});
  CHECK(bad.exit == 2);
  CHECK_FALSE(std::filesystem::exists(in("ran")));
  // A report that fails leaves an earlier page as it was, and nothing else.
  dir.write("page.html", "earlier");
  dir.write("empty.jsonl", "");
  CHECK(sweep({"report", in("empty.jsonl"), "--html", in("page.html")}).exit ==
        2);
  CHECK(e2e::read(in("page.html")) == "earlier");
  size_t files = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(dir.path()))
    ++files;
  CHECK(files == 3);  // results.jsonl, page.html, empty.jsonl
}

TEST_CASE("run --report: a parameter the grid lacks fails before any job") {
  e2e::TempDir dir;
  std::string mark = (dir.path() / "ran").string();
  auto run = [&](std::vector<std::string> flags) {
    std::vector<std::string> a = {"run",      "-p",  "x=1,2",
                                  "--metric", "acc", "--report"};
    a.insert(a.end(), flags.begin(), flags.end());
    a.insert(a.end(), {"--", "touch", mark});
    return a;
  };
  e2e::check_usage_error(run({"--over", "seed"}),
                         "--over seed: no parameter 'seed' (parameters: x)");
  e2e::check_usage_error(
      run({"--where", "depth>2"}),
      "--where 'depth>2': no parameter 'depth' (parameters: x)");
  e2e::check_usage_error(run({"--pivot", "x,y"}),
                         "--pivot 'x,y': no parameter 'y' (parameters: x)");
  CHECK_FALSE(std::filesystem::exists(mark));
}

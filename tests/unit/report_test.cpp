// The report library: every statistic against values computed elsewhere
// (each expected number says where it comes from), metric extraction, and
// the collector on records read through the one reader.
#include "report/report.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "report/collect.hpp"
#include "report/condition.hpp"
#include "report/curve.hpp"
#include "report/format.hpp"
#include "report/html_writer.hpp"
#include "report/metrics.hpp"
#include "report/string_index.hpp"
#include "report/student_t.hpp"
#include "report/summary.hpp"
#include "sweep/error.hpp"

using namespace sweep;
using namespace sweep::report;

TEST_CASE("Student-t quantiles are exact, not the normal approximation") {
  // Closed forms: df = 1 is Cauchy, t = tan(pi (p - 1/2)); df = 2 has
  // t = (2p - 1) sqrt(2 / (4 p (1 - p))).
  CHECK(student_t_quantile(0.975, 1) ==
        doctest::Approx(std::tan(M_PI * 0.475)).epsilon(1e-13));
  CHECK(student_t_quantile(0.9995, 1) ==
        doctest::Approx(std::tan(M_PI * 0.4995)).epsilon(1e-12));
  CHECK(student_t_quantile(0.975, 2) ==
        doctest::Approx(0.95 * std::sqrt(2 / (4 * 0.975 * 0.025)))
            .epsilon(1e-13));
  // R 4.2: qt(0.975, 4) = 2.776445105, qt(0.995, 10) = 3.169272673.
  CHECK(student_t_quantile(0.975, 4) ==
        doctest::Approx(2.776445105).epsilon(1e-9));
  CHECK(student_t_quantile(0.995, 10) ==
        doctest::Approx(3.169272673).epsilon(1e-9));
  // Roots of scipy 1.10.1's incomplete beta, to 1e-15:
  //   brentq(lambda t: betainc(df/2, 0.5, df/(df+t*t))/2 - (1-p), 0.1, 1000,
  //          xtol=1e-15, rtol=1e-15)
  // (scipy's own t.ppf is off from 1e-9 on: t.ppf(0.95, 30) = 1.6972608943...)
  CHECK(student_t_quantile(0.975, 4) ==
        doctest::Approx(2.7764451051977934).epsilon(1e-13));
  CHECK(student_t_quantile(0.995, 10) ==
        doctest::Approx(3.1692726726169504).epsilon(1e-13));
  CHECK(student_t_quantile(0.95, 30) ==
        doctest::Approx(1.697260886593957).epsilon(1e-13));
  CHECK(student_t_quantile(0.975, 2.5) ==
        doctest::Approx(3.5746548420036817).epsilon(1e-13));
  CHECK(student_t_quantile(0.025, 4) ==
        doctest::Approx(-2.7764451051977934).epsilon(1e-13));
  CHECK(student_t_quantile(0.5, 7) == 0);
}

TEST_CASE("the Student-t CDF and the incomplete beta match scipy") {
  // scipy.stats.t.cdf(1.5, 3), t.cdf(-2.0, 7.3), t.sf(4.0, 12)
  CHECK(student_t_cdf(1.5, 3) ==
        doctest::Approx(0.8847080673775886).epsilon(1e-12));
  CHECK(student_t_cdf(-2.0, 7.3) ==
        doctest::Approx(0.04197051966705152).epsilon(1e-11));
  CHECK(student_t_upper_tail(4.0, 12) ==
        doctest::Approx(0.0008808481221975126).epsilon(1e-10));
  // scipy.special.betainc(a, b, x)
  CHECK(incomplete_beta(2.5, 0.5, 0.3) ==
        doctest::Approx(0.01892712407194565).epsilon(1e-11));
  CHECK(incomplete_beta(5, 3, 0.7) ==
        doctest::Approx(0.6470695).epsilon(1e-12));
  CHECK(incomplete_beta(0.5, 0.5, 0.999) ==
        doctest::Approx(0.9798649583666225).epsilon(1e-12));
  CHECK(incomplete_beta(2, 3, 0) == 0);
  CHECK(incomplete_beta(2, 3, 1) == 1);
}

TEST_CASE("Welch's t-test matches scipy's ttest_ind with equal_var=False") {
  // scipy.stats.ttest_ind([0.91,0.93,0.92,0.94,0.90], [0.88,0.90,0.85,0.89],
  //                       equal_var=False)
  std::vector<double> a{0.91, 0.93, 0.92, 0.94, 0.90},
      b{0.88, 0.90, 0.85, 0.89};
  Summary sa = summarize(a, 0.95), sb = summarize(b, 0.95);
  WelchResult r = welch_test({sa.n, sa.mean, sa.sd * sa.sd},
                             {sb.n, sb.mean, sb.sd * sb.sd});
  CHECK(r.t == doctest::Approx(3.098386676965944).epsilon(1e-12));
  CHECK(r.p == doctest::Approx(0.024405942864739114).epsilon(1e-10));
  // ttest_ind([1,2,3], [2,4,6,8,10], equal_var=False)
  WelchResult s = welch_test({3, 2, 1}, {5, 6, 10});
  CHECK(s.t == doctest::Approx(-2.6186146828319083).epsilon(1e-12));
  CHECK(s.p == doctest::Approx(0.04577582843879489).epsilon(1e-10));
  // Welch-Satterthwaite by hand: (1/3 + 2)^2 / ((1/3)^2/2 + 2^2/4) = 5.2326...
  CHECK(s.df == doctest::Approx((7.0 / 3) * (7.0 / 3) / (1.0 / 18 + 1)));
  CHECK(welch_test({3, 1, 0}, {3, 1, 0}).p == 1);
  CHECK(welch_test({3, 1, 0}, {3, 2, 0}).p == 0);
}

TEST_CASE("a summary has sd with n-1, the sem and a t interval") {
  // numpy: mean([3,1,4,1,5]) = 2.8, std(ddof=1) = 1.7888543819998317,
  // scipy.stats.sem = 0.8, t.interval(0.95, 4, 2.8, 0.8) =
  // (0.5788439158417611, 5.021156084158239), median 3
  std::vector<double> v{3, 1, 4, 1, 5};
  Summary s = summarize(v, 0.95);
  CHECK(s.n == 5);
  CHECK(s.mean == doctest::Approx(2.8));
  CHECK(s.sd == doctest::Approx(1.7888543819998317).epsilon(1e-14));
  CHECK(s.sem == doctest::Approx(0.8).epsilon(1e-14));
  CHECK(s.ci_low == doctest::Approx(0.5788439158417611).epsilon(1e-12));
  CHECK(s.ci_high == doctest::Approx(5.021156084158239).epsilon(1e-12));
  CHECK(s.median == 3);
  CHECK(s.min == 1);
  CHECK(s.max == 5);
  std::vector<double> one{7};
  Summary o = summarize(one, 0.95);
  CHECK(o.mean == 7);
  CHECK(std::isnan(o.sd));
  CHECK(std::isnan(o.ci_low));
  std::vector<double> none;
  CHECK(summarize(none, 0.95).n == 0);
}

namespace {

std::vector<std::pair<std::string, double>> scan(const LineScanner& s,
                                                 std::string_view line) {
  LinePairs pairs;
  s.scan(line, pairs);
  return {pairs.begin(), pairs.end()};
}

using Pairs = std::vector<std::pair<std::string, double>>;

}  // namespace

TEST_CASE("plain lines give key=value and key: value numbers, Guild's way") {
  LineScanner s;
  CHECK(scan(s, "epoch 3 loss=0.52 acc: 0.91") ==
        Pairs{{"epoch", 3}, {"loss", 0.52}, {"acc", 0.91}});
  CHECK(scan(s, "val/loss=1e-3, top-1:\t75") ==
        Pairs{{"val/loss", 0.001}, {"top-1", 75}});
  CHECK(scan(s, "name=foo time 12:30:01 url=http://x a==1").empty());
  CHECK(scan(s, "step=7 x=-2.5").size() == 2);
  CHECK(scan(s, "").empty());
  // Not finite is no value: it would rank first and pass any --assert.
  CHECK(scan(s, "acc=inf loss: -inf f1=nan top=NaN x=1e999 y=2") ==
        Pairs{{"y", 2}});
}

// parse_number takes a short path for plain decimals (Clinger's); the
// reference is from_chars itself, which rounds correctly, so every value
// must come out bit for bit the same as from it.
TEST_CASE("a printed number reads as from_chars reads it, bit for bit") {
  std::vector<std::string> texts = {"0",
                                    "-0",
                                    "0.0000",
                                    "0.1",
                                    "0.3",
                                    "1.25",
                                    "007",
                                    "-007.50",
                                    "123456789012345",
                                    "1234567890123456",
                                    "0.000000000000001",
                                    "9007199254740993",
                                    "1.",
                                    ".5",
                                    "-",
                                    "1e5",
                                    "1.5e-3",
                                    "1..2",
                                    "1.2.3",
                                    "0x10",
                                    "+1",
                                    "99999999999999.9",
                                    "0.12345678901234567"};
  std::uint64_t x = 88172645463325252ULL;  // xorshift64, fixed seed
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::string digits = std::to_string(x % 1000000000000000ULL);
    size_t point = (x >> 50) % (digits.size() + 1);
    if (point < digits.size()) digits.insert(point ? point : 1, ".");
    texts.push_back(((x >> 60) & 1 ? "-" : "") + digits);
  }
  for (const std::string& t : texts) {
    double want = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), want);
    bool valid =
        ec == std::errc() && end == t.data() + t.size() && std::isfinite(want);
    std::optional<double> got = parse_number(t);
    INFO(t);
    REQUIRE(got.has_value() == valid);
    if (valid)
      CHECK(std::bit_cast<std::uint64_t>(*got) ==
            std::bit_cast<std::uint64_t>(want));
  }
}

TEST_CASE("--metric-regex replaces the plain-line rule, by named groups") {
  LineScanner s(R"(\[(?<key>\w+)\] (?<value>[-0-9.]+))");
  CHECK(scan(s, "[acc] 0.5 and [loss] 2 and [x] y") ==
        Pairs{{"acc", 0.5}, {"loss", 2}});
  CHECK_THROWS_WITH_AS(LineScanner("(?<key>a)"),
                       doctest::Contains("--metric-regex"), Error);
  CHECK_THROWS_WITH_AS(LineScanner("(?<key>a)(?<value>["),
                       "--metric-regex '(?<key>a)(?<value>[': missing "
                       "terminating ] for character class at offset 19",
                       Error);
  CHECK_THROWS_WITH_AS(LineScanner("(?J)(?<key>a)(?<key>b)=(?<value>1)"),
                       "--metric-regex '(?J)(?<key>a)(?<key>b)=(?<value>1)': "
                       "more than one group named key",
                       Error);
  // Other named groups are plain groups.
  LineScanner maybe(R"((?<key>[a-z]*)(?<sep>=?)(?<value>[0-9]*))");
  CHECK(scan(maybe, "a=1 b=2") == Pairs{{"a", 1}, {"b", 2}});
}

TEST_CASE(
    "--metric-regex goes on after an empty match as Perl and ECMAScript") {
  struct Case {
    const char* why;
    const char* regex;
    std::string line;
    Pairs want;
  };
  const Case cases[] = {
      // After an empty match, a non-empty one at the same place first
      // (these patterns prefer the empty match), then on by a character.
      {"an empty first branch",
       R"((?:|(?<key>[a-z]+)=(?<value>[0-9.]+)))",
       "loss=0.5 acc=1",
       {{"loss", 0.5}, {"acc", 1}}},
      // Non-empty from 0 is "l" (no value), then "o", "s", and "s=0.5".
      {"a lazy key",
       R"((?<key>[a-z]*?)=?(?<value>[0-9.]*))",
       "loss=0.5",
       {{"s", 0.5}}},
      {"a whole UTF-8 character",
       R"((*UTF)(?<key>[a-z]*)=?(?<value>[0-9.]*))",
       "\xc3\xa9 loss=0.5",
       {{"loss", 0.5}}},
      // As in ECMAScript, `.` stops at a carriage return (a progress bar's)
      // and `$` matches only at the end of the line.
      {"dot and CR",
       R"((?<key>\w+)=(?<value>.+))",
       "loss=10\rmore",
       {{"loss", 10}}},
      {"dollar at the end only",
       R"((?<key>\w+)=(?<value>\d+)$)",
       "loss=9\r",
       {}},
      // A match may begin at the \n of \r\n, and after an empty match there.
      {"a match at the LF of CRLF",
       R"(\s(?<key>\w+)=(?<value>[0-9.]+))",
       "a\r\nloss=1",
       {{"loss", 1}}},
      {"an empty match at CRLF",
       R"((?:|\s(?<key>\w+)=(?<value>\d)))",
       "a\r\nk=1",
       {{"k", 1}}},
      // \K in a group a lookaround calls can make a match end where the
      // search began, or start after its end: the scan still ends (it
      // looped forever).
      {"\\K in a lookahead",
       R"((?=(?&s))(?<key>)(?<value>)(?(DEFINE)(?<s>a\K)))",
       "ab=1",
       {}},
      {"\\K in a lookbehind",
       R"((?<=(?&s))(?<key>)(?<value>)(?(DEFINE)(?<s>\Ka)))",
       "ab=1",
       {}},
  };
  for (const Case& c : cases) {
    INFO(c.why);
    CHECK(scan(LineScanner(c.regex), c.line) == c.want);
  }
  // \C could end a match inside a UTF-8 character.
  CHECK_THROWS_WITH_AS(LineScanner(R"((*UTF)(?<key>\C+?)=(?<value>\d))"),
                       doctest::Contains("using \\C is disabled"), Error);
}

TEST_CASE("--metric-regex reads a line of a megabyte") {
  // std::regex recursed once per character a repeat took, and crashed
  // (SIGSEGV) on these lines from about 50 KB on.
  std::string word(1 << 20, 'x');
  LineScanner any(R"(.*(?<key>loss)=(?<value>\S+))");
  CHECK(scan(any, word + " loss=0.5") == Pairs{{"loss", 0.5}});
  std::string list = "vals=[";
  for (int i = 0; i < 150000; ++i) list += std::to_string(i) + ", ";
  LineScanner bounded(R"(\b(?<key>\w{1,64})=(?<value>[0-9.]+))");
  CHECK(scan(bounded, list + "] acc=0.75 " + word + " loss=2") ==
        Pairs{{"acc", 0.75}, {"loss", 2}});
}

TEST_CASE("a job's many values reduce as --reduce says, ordered by step") {
  MetricValues v;
  v.add(0.5, 3);
  v.add(0.9, 1);
  v.add(0.7, 2);
  CHECK(v.reduce(Reduce::kLast, Goal::kNone) == 0.5);   // step 3
  CHECK(v.reduce(Reduce::kFirst, Goal::kNone) == 0.9);  // step 1
  CHECK(v.reduce(Reduce::kMin, Goal::kNone) == 0.5);
  CHECK(v.reduce(Reduce::kMax, Goal::kNone) == 0.9);
  CHECK(v.reduce(Reduce::kMean, Goal::kNone) == doctest::Approx(0.7));
  CHECK(v.reduce(Reduce::kBest, Goal::kMin) == 0.5);
  CHECK(v.reduce(Reduce::kBest, Goal::kMax) == 0.9);
  MetricValues plain;
  plain.add(1, std::nullopt);
  plain.add(2, std::nullopt);
  CHECK(plain.reduce(Reduce::kLast, Goal::kNone) == 2);
  CHECK(plain.reduce(Reduce::kFirst, Goal::kNone) == 1);
}

TEST_CASE("--metric goals and --where conditions parse, or say what is wrong") {
  CHECK(MetricSpec::parse("acc:max", "--metric").goal == Goal::kMax);
  CHECK(MetricSpec::parse("a:b:min", "--metric").name == "a:b");
  CHECK(MetricSpec::parse("loss", "--metric").goal == Goal::kNone);
  CHECK_THROWS_WITH_AS(MetricSpec::parse("acc:up", "--metric"),
                       "--metric acc:up: goal 'up' is not max or min", Error);
  auto c = parse_conditions("depth>=3, impurity=gini", "--where");
  REQUIRE(c.size() == 2);
  CHECK(c[0].holds(Value(std::int64_t{3})));
  CHECK(!c[0].holds(Value(2.5)));
  CHECK(c[1].holds(Value(std::string("gini"))));
  CHECK(!c[1].holds(Value(std::string("entropy"))));
  CHECK_THROWS_WITH_AS(parse_conditions("depth>>3", "--where"),
                       "--where 'depth>>3': more than one comparison", Error);
  CHECK_THROWS_AS(parse_conditions("depth", "--where"), Error);
  CHECK_THROWS_AS(parse_conditions("=3", "--where"), Error);
  CHECK_THROWS_AS(parse_conditions("a=1,", "--where"), Error);
}

namespace {

// Records as sweep writes them, read by the one reader into a collector.
Dataset collect(const std::vector<std::string>& lines, CollectOptions o = {}) {
  Collector c(o);
  RecordReader reader(Collector::kFields);
  Record r;
  for (const auto& l : lines) {
    REQUIRE_MESSAGE(reader.parse(l, r), reader.why());
    c.add(r);
  }
  return c.finish();
}

std::string line(int job, const std::string& params, const std::string& text,
                 int rep = 0) {
  std::string out = R"({"job":)" + std::to_string(job) + R"(,"params":)" +
                    params + R"(,"rep":)" + std::to_string(rep) +
                    R"(,"line":")";
  for (char c : text) out += c == '"' ? std::string("\\\"") : std::string(1, c);
  out += '"';
  if (!text.empty() && text[0] == '{') out += ",\"data\":" + text;
  return out + "}";
}

std::string end(int job, const std::string& params, int exit = 0, int rep = 0) {
  return R"({"job":)" + std::to_string(job) + R"(,"params":)" + params +
         R"(,"rep":)" + std::to_string(rep) + R"(,"exit":)" +
         std::to_string(exit) + R"(,"duration_s":1.5})";
}

}  // namespace

TEST_CASE(
    "replicates group by params, metrics come from JSON and plain lines") {
  std::string a = R"({"lr":0.1,"seed":1})", b = R"({"lr":0.1,"seed":2})",
              c = R"({"lr":0.2,"seed":1})";
  CollectOptions o;
  o.over = {"seed"};
  Dataset d = collect(
      {line(0, a, "loss=2 seed=9"), line(1, b, R"({"m":{"acc":0.5},"lr":7})"),
       line(0, a, R"({"m":{"acc":0.7}})"), end(0, a), end(1, b),
       line(2, c, "acc: 0.9 loss=1"), end(2, c, 3)},
      o);
  CHECK(d.params == std::vector<std::string>{"lr"});
  REQUIRE(d.metrics.size() == 3);
  CHECK(d.metrics[0].name == "loss");  // seed and lr are parameters
  CHECK(d.metrics[1].name == "m.acc");
  CHECK(d.metrics[2].name == "acc");
  REQUIRE(d.groups.size() == 2);
  CHECK(d.groups[0].runs == 2);
  CHECK(d.groups[0].values[1] == std::vector<double>{0.7, 0.5});
  CHECK(d.groups[1].failed == 1);
  CHECK(d.groups[1].values[0].empty());  // a failed job's metrics don't count
  CHECK(d.failures.by_outcome.at("exit 3") == 1);
  REQUIRE(d.failures.jobs.size() == 1);
  CHECK(d.failures.jobs[0].last_stdout == "acc: 0.9 loss=1");
}

TEST_CASE("an unknown --metric names the metrics found") {
  CollectOptions o;
  o.metrics = {MetricSpec::parse("acc:max", "--metric")};
  CHECK_THROWS_WITH_AS(
      collect({line(0, "{}", "loss=1 f1=2"), end(0, "{}")}, o),
      "--metric acc: no such metric in the output (found: loss, f1; built in: "
      "duration_s, cpu_user_s, cpu_sys_s, max_rss_kb, exit)",
      Error);
  o.metrics = {MetricSpec::parse("duration_s:min", "--metric")};
  Dataset d = collect({end(0, "{}")}, o);
  CHECK(d.groups[0].values[0] == std::vector<double>{1.5});
}

TEST_CASE("a retried job keeps only its last attempt's metrics") {
  std::string p = R"({"x":1})";
  Dataset d = collect(
      {R"({"job":0,"params":{"x":1},"attempt":1,"line":"acc=0.1"})",
       R"({"job":0,"params":{"x":1},"attempt":1,"exit":1,"retrying":true,"duration_s":1})",
       R"({"job":0,"params":{"x":1},"attempt":2,"line":"acc=0.8"})",
       R"({"job":0,"params":{"x":1},"attempt":2,"exit":0,"duration_s":1})"});
  REQUIRE(d.groups.size() == 1);
  CHECK(d.groups[0].runs == 1);
  CHECK(d.groups[0].values[0] == std::vector<double>{0.8});
}

namespace {

// Four groups a x b with known values: a=1 -> acc 1,3; a=2 -> acc 5,7.
Dataset grid_dataset() {
  std::vector<std::string> recs;
  int job = 0;
  for (int a : {1, 2})
    for (int b : {1, 2})
      for (int rep : {0, 1}) {
        std::string p =
            "{\"a\":" + std::to_string(a) + ",\"b\":" + std::to_string(b) + "}";
        double acc = (a == 1 ? 1 : 5) + (b == 2 ? 2 : 0) + rep * 0.5;
        recs.push_back(line(job, p, "acc=" + exact(acc), rep));
        recs.push_back(end(job, p, 0, rep));
        ++job;
      }
  CollectOptions o;
  o.metrics = {MetricSpec::parse("acc:max", "--metric")};
  return collect(recs, o);
}

}  // namespace

TEST_CASE("groups rank by the primary goal, ties to the best by Welch") {
  Dataset d = grid_dataset();
  ReportOptions o;
  Report r = build_report(d, o);
  REQUIRE(r.rows.size() == 4);
  CHECK(r.rows[0].metrics[0].mean == 7.25);  // a=2, b=2
  CHECK(r.rows[0].tie == Tie::kBest);
  // Equal variances (0.125 each), means 7.25 vs 5.25: t = 2 / 0.3536 = 5.657,
  // df = 2, p = 2 * t.sf(5.657, 2) = 0.02986 (scipy) < 0.05.
  CHECK(r.rows[1].tie == Tie::kWorse);
  CHECK(r.rows[1].p == doctest::Approx(0.029857499).epsilon(1e-6));
  o.alpha = 0.01;
  CHECK(build_report(d, o).rows[1].tie == Tie::kTie);
  o.top = 1;
  CHECK(build_report(d, o).rows.size() == 1);
  o.top = 0;
  o.where = parse_conditions("a=1", "--where");
  Report w = build_report(d, o);
  REQUIRE(w.rows.size() == 2);
  CHECK(w.rows[0].metrics[0].mean == 3.25);
  o.where = parse_conditions("c=1", "--where");
  CHECK_THROWS_WITH_AS(build_report(d, o),
                       "--where 'c=1': no parameter 'c' (parameters: a, b)",
                       Error);
}

TEST_CASE("marginals: means per value, gap to the best, eta squared") {
  Report r = build_report(grid_dataset(), {});
  REQUIRE(r.marginals.size() == 2);
  // Group means 1.25, 3.25 (a=1) and 5.25, 7.25 (a=2): grand 4.25,
  // SS_total = 9+1+1+9 = 20, SS_a = 2*2^2 + 2*2^2 = 16, SS_b = 4:
  // eta2(a) = 0.8, eta2(b) = 0.2.
  CHECK(r.marginals[0].param == "a");
  CHECK(r.marginals[0].eta2 == doctest::Approx(0.8));
  CHECK(r.marginals[1].eta2 == doctest::Approx(0.2));
  CHECK(r.marginals[0].values[0].summary.mean == 2.25);
  CHECK(r.marginals[0].values[0].gap == 4);
  CHECK(r.marginals[0].values[1].gap == 0);
}

TEST_CASE("CSV has the columns the issue names, and a pivot its table") {
  Dataset d = grid_dataset();
  Report r = build_report(d, {});
  std::string csv = write_delimited(r, ',');
  CHECK(csv.substr(0, csv.find('\n')) ==
        "a,b,runs,failed,acc_n,acc_mean,acc_sd,acc_sem,acc_ci_low,acc_ci_high,"
        "acc_median,acc_min,acc_max,tie_best");
  // Row 1: a=2 b=2, values 7 and 7.5: sd = 0.3535..., sem 0.25,
  // CI 7.25 -/+ tan(0.475 pi) * 0.25 (t quantile of df 1), median 7.25.
  std::string row = csv.substr(csv.find('\n') + 1);
  row = row.substr(0, row.find('\n'));
  std::vector<double> cells;
  for (size_t from = 0, comma; from < row.size(); from = comma + 1) {
    comma = row.find(',', from);
    if (comma == std::string::npos) break;
    cells.push_back(std::stod(row.substr(from, comma - from)));
  }
  const double t = std::tan(M_PI * 0.475);
  const std::vector<double> expected = {2,
                                        2,
                                        2,
                                        0,
                                        2,
                                        7.25,
                                        0.3535533905932738,
                                        0.25,
                                        7.25 - t * 0.25,
                                        7.25 + t * 0.25,
                                        7.25,
                                        7,
                                        7.5};
  REQUIRE(cells.size() == expected.size());
  for (size_t i = 0; i < cells.size(); ++i)
    CHECK(cells[i] == doctest::Approx(expected[i]).epsilon(1e-13));
  CHECK(row.substr(row.size() - 5) == ",true");
  ReportOptions o;
  o.pivot.emplace("a", "b");
  Report p = build_report(d, o);
  CHECK(write_delimited(p, '\t') == "a\t1\t2\n1\t1.25\t3.25\n2\t5.25\t7.25\n");
  CHECK(format_for_path("x/best.md") == Format::kMd);
  CHECK(format_for_path("out.tex") == Format::kLatex);
  CHECK(!format_for_path("out"));
}

TEST_CASE("StringIndex maps strings to numbers through growth") {
  StringIndex index;
  for (std::uint32_t i = 0; i < 10000; ++i)
    CHECK(index.insert("{\"x\":" + std::to_string(i) + "}", i) == i);
  CHECK(index.size() == 10000);
  CHECK(index.insert("{\"x\":7}", 99) == 7);  // present: keeps its value
  REQUIRE(index.find("{\"x\":9999}"));
  CHECK(*index.find("{\"x\":9999}") == 9999);
  CHECK(!index.find("{\"x\":10000}"));
  CHECK(index.insert("", 5) == 5);
  CHECK(*index.find("") == 5);
}

TEST_CASE("--over groups by typed values, as JSON tells them apart") {
  CollectOptions o;
  o.over = {"seed"};
  // 1 and 1.0 differ; an array and the string of its text differ.
  std::vector<std::string> params = {
      R"({"lr":1,"seed":1})",     R"({"lr":1,"seed":2})",
      R"({"lr":1.0,"seed":1})",   R"({"lr":[1, 2],"seed":1})",
      R"({"lr":[1,2],"seed":2})", R"({"lr":"[1,2]","seed":1})",
      R"({"seed":3,"lr":1.0})",
  };
  std::vector<std::string> records;
  for (size_t i = 0; i < params.size(); ++i)
    records.push_back(end(static_cast<int>(i), params[i]));
  Dataset d = collect(records, o);
  REQUIRE(d.groups.size() == 4);
  CHECK(d.groups[0].runs == 2);
  CHECK(d.groups[0].params[0].second == Value(std::int64_t{1}));
  CHECK(d.groups[1].runs == 2);
  CHECK(d.groups[1].params[0].second == Value(1.0));
  CHECK(d.groups[2].runs == 2);
  CHECK(d.groups[2].params[0].second == Value(std::string("[1,2]")));
  CHECK(d.groups[3].runs == 1);
}

TEST_CASE("without --over a point is its group, by values, not their text") {
  // The same point written two ways (other writers than sweep's may): one
  // group. A failed job is listed with its params as written, though the
  // collector does not ask the reader for params_json.
  Dataset d =
      collect({end(0, R"({"lr":0.1,"d":2})", 1), end(1, R"({"lr":0.10,"d":2})"),
               end(2, R"({"lr":0.2,"d":2})")});
  REQUIRE(d.groups.size() == 2);
  CHECK(d.groups[0].runs == 2);
  CHECK(d.groups[0].failed == 1);
  CHECK(d.groups[1].runs == 1);
  REQUIRE(d.failures.jobs.size() == 1);
  CHECK(d.failures.jobs[0].params == R"({"lr":0.1,"d":2})");
}

TEST_CASE("a group's curve: per step, n, mean and sd over its jobs") {
  // Two replicates print acc at steps 1 and 2; the second also at 3. A
  // failed job's curve and a line without a step are not counted.
  std::string a = R"({"lr":1,"seed":1})", b = R"({"lr":1,"seed":2})";
  CollectOptions o;
  o.metrics = {MetricSpec::parse("acc:max", "--metric")};
  o.over = {"seed"};
  Dataset d = collect(
      {line(0, a, "epoch 1 acc=0.5"), line(0, a, R"({"step": 2, "acc": 0.7})"),
       line(0, a, "acc=0.9"), end(0, a), line(1, b, "epoch 1 acc=0.7"),
       line(1, b, "epoch 2 acc=0.8"), line(1, b, "epoch 3 acc=0.85"), end(1, b),
       line(2, b, "epoch 1 acc=0.1"), end(2, b, 1)},
      o);
  REQUIRE(d.groups.size() == 1);
  const auto& c = d.groups[0].curve.points();
  REQUIRE(c.size() == 3);
  CHECK(c[0].step == 1);
  CHECK(c[0].n == 2);
  CHECK(c[0].mean == doctest::Approx(0.6));
  // sd of {0.5, 0.7} with n - 1: sqrt(0.02) (numpy: std(ddof=1)).
  CHECK(c[0].sd() == doctest::Approx(std::sqrt(0.02)));
  CHECK(c[1].mean == doctest::Approx(0.75));
  CHECK(c[2].n == 1);
  CHECK(std::isnan(c[2].sd()));
}

TEST_CASE("curves stay bounded: a job's is thinned, a group's pooled") {
  JobCurve job;
  for (int i = 0; i < 100000; ++i) job.add(i, i);
  CHECK(job.points().size() < 2 * JobCurve::kKept);
  CHECK(job.points().size() >= JobCurve::kKept);
  CHECK(job.points().front().first == 0);  // thinning keeps the start
  GroupCurve group;
  group.add(job);
  size_t before = group.points().size();
  JobCurve shifted;  // another replicate printing other steps
  for (int i = 0; i < 100000; ++i) shifted.add(i + 0.5, 1);
  group.add(shifted);
  CHECK(group.points().size() <= 2 * JobCurve::kKept);
  CHECK(group.points().size() >= before / 2);
  std::uint64_t n = 0;
  for (const CurvePoint& p : group.points()) n += p.n;
  CHECK(n == job.points().size() + shifted.points().size());  // none lost
  // Pooling keeps the mean and the spread: {1, 3} and {5} are {1, 3, 5}.
  JobCurve one, two, three;
  one.add(7, 1);
  two.add(7, 3);
  three.add(8, 5);
  GroupCurve g;
  for (const JobCurve* j : {&one, &two, &three}) g.add(*j);
  REQUIRE(g.points().size() == 2);
  CHECK(g.points()[0].sd() == doctest::Approx(std::sqrt(2.0)));
}

TEST_CASE("the JSON gives the first groups their curve, and totals") {
  std::vector<std::string> recs;
  for (int job = 0; job < 12; ++job) {
    std::string p = "{\"x\":" + std::to_string(job) + "}";
    recs.push_back(line(job, p, "step 1 acc=" + std::to_string(job)));
    recs.push_back(end(job, p, job == 11 ? 2 : 0));
  }
  CollectOptions o;
  o.metrics = {MetricSpec::parse("acc:max", "--metric")};
  Dataset d = collect(recs, o);
  auto j = nlohmann::json::parse(write_json(build_report(d, {})));
  CHECK(j["totals"] ==
        nlohmann::json::parse(R"({"groups":12,"jobs":12,"succeeded":11,)"
                              R"("failed":1,"records":24})"));
  REQUIRE(j["groups"].size() == 12);
  CHECK(j["groups"][0]["curve"] ==
        nlohmann::json::parse(R"([{"step":1.0,"n":1,"mean":10.0,"sd":null}])"));
  CHECK(j["groups"][kCurveGroups - 1].contains("curve"));
  CHECK(!j["groups"][kCurveGroups].contains("curve"));
}

TEST_CASE("the HTML page embeds the report's JSON, inert in its script") {
  const std::string p = R"({"s":"</script><script>alert"})";
  Dataset d = collect({line(0, p, "acc=0.5"), end(0, p)});
  Report r = build_report(d, {});
  PageInfo info{{"runs.jsonl"}, "2026-11-27T06:00:00.000Z", 1.5, 3};
  std::string page = write_html(r, info);
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(page.find("{{SWEEP_") == std::string::npos);  // every marker filled
  // The parameter's text never closes the data's script element.
  CHECK(page.find("</script><script>alert") == std::string::npos);
  size_t open =
      page.find(R"(<script type="application/json" id="sweep-data">)");
  REQUIRE(open != std::string::npos);
  open = page.find('>', open) + 1;
  std::string data = page.substr(open, page.find("</script>", open) - open);
  auto j = nlohmann::json::parse(data);  // \u003c is JSON's own escape
  CHECK(j["report"] == nlohmann::json::parse(write_json(r)));
  CHECK(j["info"]["inputs"] == nlohmann::json::array({"runs.jsonl"}));
  CHECK(j["info"]["wall_s"] == 1.5);
  CHECK(j["info"]["points"] == 3);
  // No request of any kind: nothing is loaded from anywhere (the one URL
  // is SVG's namespace, a name that is never fetched).
  for (const char* ref : {"src=", "href=", "@import", "url(h", "url(/"})
    CHECK_MESSAGE(page.find(ref) == std::string::npos, std::string(ref));
  for (size_t at = page.find("://"); at != std::string::npos;
       at = page.find("://", at + 1))
    CHECK(page.compare(at - 4, 26, "http://www.w3.org/2000/svg") == 0);
  CHECK(script_safe(R"({"a":"<b>"})") == R"({"a":"\u003cb>"})");
}

TEST_CASE("values that are not UTF-8 group by their exact bytes") {
  // v\xff and v\xfe both read as "v\ufffd"; params_b64 tells them apart.
  auto rec = [](int job, const std::string& b64, int seed) {
    return R"({"job":)" + std::to_string(job) +
           R"(,"params":{"x":"v\ufffd","seed":)" + std::to_string(seed) +
           R"(},"params_b64":{"x":")" + b64 + R"("},"exit":0})";
  };
  std::vector<std::string> records = {rec(0, "dv8=", 1), rec(1, "dv4=", 1),
                                      rec(2, "dv8=", 2)};
  CollectOptions o;
  o.over = {"seed"};
  Dataset d = collect(records, o);
  REQUIRE(d.groups.size() == 2);
  CHECK(d.groups[0].runs == 2);
  CHECK(d.groups[1].runs == 1);
  o.over = {"x"};  // over the odd bytes themselves: by seed alone
  CHECK(collect(records, o).groups.size() == 2);
  o.over = {"x", "seed"};
  CHECK(collect(records, o).groups.size() == 1);
}

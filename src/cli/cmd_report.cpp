// sweep report: from result streams to answers. The CLI resolves inputs
// (run directories and shards through backend's merge) and hands every
// record, through the one reader, to the report library.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "commands.hpp"
#include "core/clock.hpp"
#include "output/atomic_file.hpp"
#include "output/distinct_outputs.hpp"
#include "output/output_stream.hpp"
#include "report/collect.hpp"
#include "report/compare.hpp"
#include "report/text_table.hpp"
#include "sweep/error.hpp"
#include "validators.hpp"

namespace sweep::cli {

namespace {

// A probability strictly between 0 and 1 (--ci, --alpha).
CLI::Validator open_unit_interval() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        char* end = nullptr;
        double v = std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0' || !(v > 0 && v < 1))
          return "must be a number between 0 and 1, not '" + s + "'";
        return "";
      },
      "", "");
}

std::string describe(const std::vector<std::string>& inputs) {
  std::string out;
  for (const auto& in : inputs) out += (out.empty() ? "" : ", ") + in;
  return out;
}

// The streams the inputs name: files as they are, "-" as standard input,
// directories as `sweep merge` reads them.
std::vector<std::string> input_files(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    if (in == "-") {
      files.push_back("/dev/stdin");
      continue;
    }
    auto f = stream_files(in);
    if (f.empty()) throw Error(in + ": no result streams (.jsonl) in it");
    files.insert(files.end(), f.begin(), f.end());
  }
  return files;
}

// The threads to collect a file with (report::collect_threads).
unsigned threads_for(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return 1;  // reading it will say why
  return report::collect_threads(static_cast<std::uint64_t>(st.st_size));
}

// Every record of one regular file, read directly; nothing if a job in it
// ends twice (a resumed run appended to it): only a merge counts that right.
std::optional<report::Dataset> collect_direct(
    const std::string& file, const report::CollectOptions& options) {
  try {
    return report::collect_file(file, options, threads_for(file));
  } catch (const report::JobEndedTwice&) {
    return std::nullopt;
  }
}

// Every record of the files, each job once, merged first as `sweep merge`
// merges them (several streams, shards, a resumed run), into an unnamed
// temporary file.
report::Dataset collect_merged(const std::vector<std::string>& files,
                               const report::CollectOptions& options) {
  std::string path;
  OutputStream merged = OutputStream::open_temporary(&path);
  merge_streams(files, merged, MergeOptions{});
  merged.flush();
  return report::collect_file(path, options, threads_for(path));
}

// The file, or for standard input or a pipe a temporary copy (kept open in
// `copies`): a merge reads each stream twice, and a direct read may have to
// start over.
std::string readable_twice(const std::string& file,
                           std::vector<OutputStream>& copies) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return file;
  int in = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw Error(file + ": cannot open: " + std::strerror(errno));
  std::string path;
  copies.push_back(OutputStream::open_temporary(&path));
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(in, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) copies.back().write({buf, static_cast<size_t>(n)});
  int err = errno;
  ::close(in);
  if (n < 0) throw SystemError("read " + file, err);
  copies.back().flush();
  return path;
}

report::ReportOptions report_options(const ReportFlags& f) {
  report::ReportOptions o;
  o.ci = f.ci;
  o.alpha = f.alpha;
  o.top = f.top;
  for (const auto& w : f.where)
    for (auto& c : report::parse_conditions(w, "--where")) o.where.push_back(c);
  if (!f.pivot.empty()) {
    size_t comma = f.pivot.find(',');
    if (comma == std::string::npos || comma == 0 ||
        comma + 1 == f.pivot.size() ||
        f.pivot.find(',', comma + 1) != std::string::npos)
      throw Error("--pivot '" + f.pivot + "': write ROW,COL (two parameters)");
    o.pivot.emplace(f.pivot.substr(0, comma), f.pivot.substr(comma + 1));
    if (o.pivot->first == o.pivot->second)
      throw Error("--pivot '" + f.pivot +
                  "': ROW and COL must be two different parameters");
  }
  return o;
}

report::Dataset read_dataset(const std::vector<std::string>& inputs,
                             const report::CollectOptions& options) {
  std::vector<OutputStream> copies;
  std::vector<std::string> files;
  for (const auto& f : input_files(inputs))
    files.push_back(readable_twice(f, copies));
  std::optional<report::Dataset> direct;
  if (files.size() == 1) direct = collect_direct(files[0], options);
  report::Dataset d =
      direct ? std::move(*direct) : collect_merged(files, options);
  if (d.jobs == 0)
    throw Error(describe(inputs) +
                ": no finished jobs (an empty result stream?)");
  return d;
}

OutputStream open_output(const ReportFlags& f, int out_fd) {
  return f.output.empty() ? OutputStream(out_fd)
                          : OutputStream::open_file(f.output);
}

std::optional<AtomicFile> open_page(const ReportFlags& f) {
  if (f.html.empty()) return std::nullopt;
  return AtomicFile(f.html);
}

// The report's outputs, checked to be neither one file nor an input (which
// opening would truncate before it is read), then opened before anything
// is read: -o (else out_fd) and --html's page, which appears only whole.
struct ReportOutputs {
  ReportOutputs(const ReportFlags& f, const std::vector<std::string>& inputs,
                int out_fd)
      : out((check(f, inputs), open_output(f, out_fd))), page(open_page(f)) {}
  static void check(const ReportFlags& f,
                    const std::vector<std::string>& inputs) {
    std::vector<NamedOutput> named;
    if (!f.output.empty()) named.push_back({"-o", f.output});
    if (!f.html.empty()) named.push_back({"--html", f.html});
    check_outputs_not_inputs(named, input_files(inputs));
  }
  OutputStream out;
  std::optional<AtomicFile> page;
};

// The header of a page of streams: the inputs, now, the points when each
// group is one (no --over), and the wall time the statistics files beside
// the streams give (a run directory's).
report::PageInfo page_info(const std::vector<std::string>& inputs,
                           const ReportFlags& flags,
                           const report::Dataset& data) {
  report::PageInfo info{inputs, utc_timestamp(), std::nullopt, std::nullopt};
  if (flags.over.empty()) info.points = data.groups.size();
  std::vector<std::string> files;
  for (const auto& in : inputs)
    if (in != "-")
      for (auto& f : stream_files(in)) files.push_back(std::move(f));
  if (auto times = shard_times(files)) info.wall_s = times->wall_s;
  return info;
}

report::Format format_of(const ReportFlags& f) {
  if (f.format) return *f.format;
  return report::format_for_path(f.output).value_or(report::Format::kTable);
}

// --assert: each condition on the best group's mean of its metric.
void check_asserts(const report::Report& r,
                   const std::vector<std::string>& asserts) {
  const report::Dataset& d = *r.data;
  for (const auto& text : asserts)
    for (const report::Condition& c :
         report::parse_conditions(text, "--assert")) {
      size_t m = 0;
      while (m < d.metrics.size() && d.metrics[m].name != c.name) ++m;
      if (m == d.metrics.size())
        throw Error("--assert '" + c.written + "': '" + c.name +
                    "' is not a reported metric (add --metric " + c.name + ")");
      if (r.goal() == report::Goal::kNone)
        throw Error(
            "--assert '" + c.written +
            "': no best group without a goal (--metric NAME:max or NAME:min)");
      if (!c.number)
        throw Error("--assert '" + c.written + "': '" + c.text +
                    "' is not a number");
      double mean = r.rows.empty() ? NAN : r.rows[0].metrics[m].mean;
      if (!c.holds(Value(mean)))
        throw Error("--assert '" + c.written +
                        "' failed: the best group's mean " + c.name + " is " +
                        report::human(mean),
                    kExitJobFailed);
    }
}

}  // namespace

report::CollectOptions collect_options(const ReportFlags& f) {
  report::CollectOptions o;
  for (const auto& m : f.metrics) {
    o.metrics.push_back(report::MetricSpec::parse(m, "--metric"));
    for (size_t i = 0; i + 1 < o.metrics.size(); ++i)
      if (o.metrics[i].name == o.metrics.back().name)
        throw Error("--metric " + m + ": metric '" + o.metrics[i].name +
                    "' is given twice");
  }
  o.reduce = f.reduce;
  o.over = f.over;
  o.metric_regex = f.metric_regex;
  if (o.reduce == report::Reduce::kBest) {
    bool goals = !o.metrics.empty();
    for (const auto& m : o.metrics)
      goals = goals && m.goal != report::Goal::kNone;
    if (!goals)
      throw Error(
          "--reduce best: every --metric needs a goal (NAME:max or NAME:min)");
  }
  return o;
}

void check_report_flags(const ReportFlags& flags) {
  report_options(flags);
  for (const auto& a : flags.asserts) report::parse_conditions(a, "--assert");
}

void check_report_flags(const ReportFlags& flags,
                        const std::vector<std::string>& params) {
  check_report_flags(flags);
  auto known = [&](const std::string& name, const std::string& what) {
    if (std::find(params.begin(), params.end(), name) != params.end()) return;
    std::string list;
    for (const auto& p : params) list += (list.empty() ? "" : ", ") + p;
    throw Error(what + ": no parameter '" + name + "' (parameters: " + list +
                ")");
  };
  report::ReportOptions o = report_options(flags);
  for (const auto& name : flags.over) known(name, "--over " + name);
  for (const auto& c : o.where) known(c.name, "--where '" + c.written + "'");
  if (o.pivot) {
    known(o.pivot->first, "--pivot '" + flags.pivot + "'");
    known(o.pivot->second, "--pivot '" + flags.pivot + "'");
  }
}

void report_collected(report::Collector& collector, const ReportFlags& flags,
                      OutputStream* text, std::optional<AtomicFile>& page,
                      const report::PageInfo& info) {
  std::optional<report::Dataset> data;
  std::optional<report::Report> r;
  try {
    data.emplace(collector.finish());
    if (data->jobs == 0) throw Error("no job finished, nothing to report");
    r.emplace(report::build_report(*data, report_options(flags)));
  } catch (const Error& e) {
    // The run's own exit status stands, unless a CI script gates on it.
    if (!flags.asserts.empty()) throw;
    spdlog::error("--report: {}", e.what());
    return;
  }
  if (text) {
    text->write(report::render(*r, format_of(flags)));
    text->flush();
  }
  if (page) page->commit(report::write_html(*r, info));
  check_asserts(*r, flags.asserts);
}

void report_streams(const std::vector<std::string>& inputs,
                    const ReportFlags& flags, int out_fd) {
  report::CollectOptions collect = collect_options(flags);
  report::ReportOptions options = report_options(flags);
  check_report_flags(flags);
  ReportOutputs outs(flags, inputs, out_fd);  // a bad path fails first
  report::Dataset data = read_dataset(inputs, collect);
  report::Report r = report::build_report(data, options);
  outs.out.write(report::render(r, format_of(flags)));
  outs.out.flush();
  if (outs.page)
    outs.page->commit(report::write_html(r, page_info(inputs, flags, data)));
  check_asserts(r, flags.asserts);
}

namespace {

// --label: each input reported on its own, then matched group by group.
void compare_streams(const std::vector<std::string>& inputs,
                     const std::vector<std::string>& labels,
                     const ReportFlags& flags) {
  report::CollectOptions collect = collect_options(flags);
  report::ReportOptions options = report_options(flags);
  options.top = 0;  // --top applies to the comparison, after matching
  ReportOutputs outs(flags, inputs, STDOUT_FILENO);
  std::vector<report::Dataset> data;
  data.reserve(inputs.size());
  for (const auto& in : inputs) data.push_back(read_dataset({in}, collect));
  std::vector<report::Report> reports;
  reports.reserve(inputs.size());
  std::vector<report::Labelled> runs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    reports.push_back(report::build_report(data[i], options));
    runs.push_back(report::Labelled{labels[i], &reports.back()});
  }
  report::Comparison c = report::compare(runs);
  if (flags.top && c.rows.size() > flags.top) c.rows.resize(flags.top);
  outs.out.write(report::render_comparison(c, format_of(flags)));
  outs.out.flush();
  if (outs.page) {
    report::PageInfo info = page_info(inputs, flags, data.back());
    info.points.reset();  // the header follows the run chosen on the page
    outs.page->commit(report::write_html(runs, c, info));
  }
  check_asserts(reports.back(), flags.asserts);
}

}  // namespace

namespace {

// What is collected and how it is summarised.
void add_statistics_options(CLI::App& sub, ReportFlags& o) {
  auto* g = "Report";
  using report::Reduce;
  add_choice<Reduce>(sub, "--reduce", o.reduce,
                     {{"last", Reduce::kLast},
                      {"first", Reduce::kFirst},
                      {"min", Reduce::kMin},
                      {"max", Reduce::kMax},
                      {"mean", Reduce::kMean},
                      {"best", Reduce::kBest}},
                     "How a metric reported many times in one job becomes one "
                     "value: last (default), first, min, max, mean, best")
      ->type_name("HOW")
      ->group(g);
  sub.add_option("--over", o.over,
                 "Parameters replicates differ by (seed,fold): averaged over")
      ->delimiter(',')
      ->type_name("P,Q")
      ->group(g);
  sub.add_option("--metric-regex", o.metric_regex,
                 "Take metrics from plain lines by this regex, with named "
                 "groups (?<key>...) and (?<value>...)")
      ->type_name("RE")
      ->group(g);
  sub.add_option("--ci", o.ci, "Confidence level of intervals (default 0.95)")
      ->check(open_unit_interval())
      ->type_name("LEVEL")
      ->group(g);
  sub.add_option("--alpha", o.alpha,
                 "Level of Welch's test against the best group (default 0.05)")
      ->check(open_unit_interval())
      ->type_name("LEVEL")
      ->group(g);
}

}  // namespace

void add_report_options(CLI::App& sub, ReportFlags& o, bool on_run) {
  add_statistics_options(sub, o);
  auto* g = "Report";
  sub.add_option("--top", o.top, "Show only the N best groups")
      ->transform(at_least(1))
      ->type_name("N")
      ->group(g);
  sub.add_option("--where", o.where,
                 "Keep groups matching all of these: depth>=3,impurity=gini")
      ->type_name("CONDS")
      ->group(g);
  sub.add_option("--pivot", o.pivot,
                 "Also show the primary metric as a ROW x COL table")
      ->type_name("ROW,COL")
      ->group(g);
  sub.add_option("--assert", o.asserts,
                 "Exit 1 unless the best group's mean satisfies this "
                 "(acc>=0.9; repeatable)")
      ->type_name("COND")
      ->group(g);
  using report::Format;
  std::vector<std::pair<std::string, std::optional<Format>>> formats = {
      {"table", Format::kTable}, {"md", Format::kMd},
      {"csv", Format::kCsv},     {"tsv", Format::kTsv},
      {"json", Format::kJson},   {"latex", Format::kLatex}};
  add_choice<std::optional<Format>>(
      sub, on_run ? "--report-format" : "--format", o.format, formats,
      "table (default), md, csv, tsv, json, latex; else from -o's extension")
      ->type_name("FORMAT")
      ->group(g);
  sub.add_option(on_run ? "--report-output" : "-o,--output", o.output,
                 "Write the report to FILE (.md .csv .tsv .json .tex set the "
                 "format)")
      ->type_name("FILE")
      ->group(g);
  sub.add_option(on_run ? "--report-html" : "--html", o.html,
                 "Also write the report as one self-contained HTML page "
                 "(plots, a sortable table; no network) to FILE")
      ->type_name("FILE")
      ->group(g);
}

void add_run_report_options(CLI::App& sub, RunOptions& o) {
  auto* report = sub.add_flag("--report", o.report,
                              "After the statistics, print the report of the "
                              "results to stderr (as sweep report)")
                     ->group("Report");
  sub.add_option("--metric", o.report_flags.metrics,
                 "The objective, NAME[:max|:min] (repeatable; the first "
                 "orders the report's rows)")
      ->type_name("METRIC")
      ->group("Report");
  add_report_options(sub, o.report_flags, true);
  // The report's options shape the text report or the page: without one of
  // those they would do nothing, which is more likely a mistake.
  std::vector<CLI::Option*> shaping;
  for (const char* name :
       {"--reduce", "--over", "--metric-regex", "--ci", "--alpha", "--top",
        "--where", "--pivot", "--assert", "--report-format"})
    shaping.push_back(sub.get_option(name));
  CLI::Option* output = sub.get_option("--report-output");
  CLI::Option* html = sub.get_option("--report-html");
  // --metric-regex also tells --stop-when, --prune and --halving how to
  // read metrics (added before this, by add_metric_options).
  std::vector<CLI::Option*> readers;
  for (const char* name : {"--stop-when", "--prune", "--halving"})
    readers.push_back(sub.get_option(name));
  sub.parse_complete_callback([report, output, html, shaping, readers] {
    if (report->count() || output->count() || html->count()) return;
    bool reading = false;
    for (CLI::Option* opt : readers) reading = reading || opt->count();
    for (CLI::Option* opt : shaping)
      if (opt->count() && !(reading && opt->get_name() == "--metric-regex"))
        throw CLI::ValidationError(
            opt->get_name(),
            "needs --report, --report-output or --report-html");
  });
}

CLI::App* setup_report(CLI::App& app, ReportCommandOptions& o) {
  auto* sub = app.add_subcommand(
      "report",
      "Which parameters were best, and by how much: metrics, replicates with "
      "confidence intervals, marginals, failures");
  sub->add_option("INPUT", o.inputs,
                  "Result streams, run directories, or - for standard input")
      ->type_name("DIR|FILE")
      ->required();
  sub->add_option("--metric", o.report.metrics,
                  "The objective, NAME[:max|:min] (repeatable; the first "
                  "orders the rows). Default: every metric found")
      ->type_name("METRIC")
      ->group("Report");
  sub->add_option("--label", o.labels,
                  "Name each INPUT (one per input) to compare runs")
      ->type_name("NAME")
      ->group("Report");
  add_report_options(*sub, o.report, false);
  add_log_options(*sub, o.log);
  sub->footer(
      "Examples:\n"
      "  sweep report results.jsonl --metric acc:max\n"
      "  sweep report runs/exp1 --metric loss:min --over seed --top 10 -o "
      "best.md\n"
      "  sweep report base.jsonl new.jsonl --label base --label new "
      "--metric acc:max");
  return sub;
}

int run_report(const ReportCommandOptions& o) {
  if (!o.labels.empty() && o.labels.size() != o.inputs.size())
    throw Error("--label: " + std::to_string(o.labels.size()) + " labels for " +
                std::to_string(o.inputs.size()) +
                " inputs (give one per input)");
  for (size_t i = 0; i < o.labels.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (o.labels[i] == o.labels[j])
        throw Error("--label '" + o.labels[i] +
                    "': given twice (each label names one input)");
  if (!o.labels.empty()) {
    compare_streams(o.inputs, o.labels, o.report);
    return kExitOk;
  }
  report_streams(o.inputs, o.report, STDOUT_FILENO);
  return kExitOk;
}

}  // namespace sweep::cli

#include "reports/sweep_compare.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include <fmt/core.h>

#include "reports/run_text.h"

namespace mirrorsim::reports {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void bad(const fs::path& file, std::size_t line, const std::string& what) {
  const std::string where = line > 0 ? fmt::format("{}:{}", file.string(), line) : file.string();
  throw CompareInputError(where + ": " + what);
}

// Splits one CSV record as results_csv writes it: commas, and fields quoted
// with doubled quotes inside when they hold a comma or a quote.
std::vector<std::string> csv_fields(const std::string& line, const fs::path& file,
                                    std::size_t number) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) bad(file, number, "a quoted field does not end on its line");
  return fields;
}

// A CSV field as the JSON value results.jsonl holds: empty is null, digits
// are an integer, a whole decimal number is a double, anything else text.
// Hashes and outcomes stay text even when they look like numbers.
Row csv_value(const std::string& key, const std::string& text) {
  if (text.empty()) return nullptr;
  if (key == "hash" || key == "outcome" || key == "failure_kind") return text;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      text.size() < 20) {
    return std::stoull(text);
  }
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() + text.size() && std::isfinite(v)) return v;
  return text;
}

std::vector<Row> read_csv(const fs::path& file, std::ifstream& in) {
  std::string line;
  if (!std::getline(in, line)) bad(file, 1, "empty: no header line");
  const std::vector<std::string> header = csv_fields(line, file, 1);
  std::vector<Row> rows;
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::vector<std::string> fields = csv_fields(line, file, number);
    if (fields.size() != header.size()) {
      bad(file, number,
          fmt::format("{} fields where the header has {}", fields.size(), header.size()));
    }
    Row row;
    for (std::size_t i = 0; i < header.size(); ++i)
      row[header[i]] = csv_value(header[i], fields[i]);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Row> read_jsonl(const fs::path& file, std::ifstream& in) {
  std::vector<Row> rows;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    Row row = Row::parse(line, nullptr, false);
    if (row.is_discarded() || !row.is_object()) bad(file, number, "not a JSON object");
    rows.push_back(std::move(row));
  }
  return rows;
}

bool is_axis(const std::string& key) {
  return key.find('.') != std::string::npos && !key.starts_with("job.");
}

// The axes in the order the rows give them (the sweep file's order).
std::vector<std::string> axes_of(const std::vector<Row>& rows) {
  std::vector<std::string> keys;
  for (const Row& row : rows) {
    for (const auto& [key, value] : row.items()) {
      if (is_axis(key) && std::find(keys.begin(), keys.end(), key) == keys.end()) {
        keys.push_back(key);
      }
    }
  }
  return keys;
}

// Two sides vary the same keys when the sets match, whatever the order.
bool same_keys(std::vector<std::string> x, std::vector<std::string> y) {
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  return x == y;
}

std::string inputs_key(const Row& row, const std::vector<std::string>& axes) {
  std::string key;
  for (const std::string& axis : axes)
    key += (row.contains(axis) ? row[axis].dump() : "null") + ";";
  return key;
}

std::string outcome_class(const Row& row) {
  if (row.contains("failure_kind") && row["failure_kind"].is_string()) {
    return row["failure_kind"].get<std::string>();
  }
  double converged = 0;
  metric_value(row, "converged", converged);
  return converged != 0 ? "converged" : "not converged";
}

CellSide side_of(const std::vector<const Row*>& runs, const std::vector<std::string>& metrics) {
  CellSide side;
  side.runs = runs.size();
  for (const Row* r : runs) ++side.classes[outcome_class(*r)];
  for (const std::string& metric : metrics) {
    std::vector<double> values;
    for (const Row* r : runs) {
      double v = 0;
      if (metric_value(*r, metric, v)) values.push_back(v);
    }
    if (!values.empty()) side.metrics[metric] = stats_of(values);
  }
  return side;
}

std::string seed_key(const Row& row) {
  return row.contains("seed") ? row["seed"].dump() : "null";
}

std::string hash_of(const Row& row) {
  return row.contains("hash") && row["hash"].is_string() ? row["hash"].get<std::string>() : "";
}

// "mirror.granularity_bytes=64 KiB workload.locality=uniform"
std::string inputs_text(const Row& inputs) {
  std::string out;
  for (const auto& [key, value] : inputs.items()) {
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (value.is_number_unsigned() && key.ends_with("_bytes")) {
      text = bytes_text(value.get<std::uint64_t>());
    } else if (value.is_number_unsigned() && key.ends_with("_us")) {
      text = fmt::format("{} us", value.get<std::uint64_t>());
    }
    out += (out.empty() ? "" : " ") + key + "=" + text;
  }
  return out;
}

std::string number_text(const std::string& metric, double v) {
  if (metric.ends_with("_bytes") && v >= 0) return bytes_text(static_cast<std::uint64_t>(v));
  return fmt::format("{:.6g}", v);
}

}  // namespace

std::vector<Row> read_sweep_rows(const fs::path& path) {
  std::error_code ec;
  fs::path file = path;
  if (fs::is_directory(path, ec)) file = path / "results.jsonl";
  std::ifstream in(file);
  if (!in) bad(file, 0, "cannot open (a sweep's output folder, results.jsonl or results.csv)");
  std::vector<Row> rows = file.extension() == ".csv" ? read_csv(file, in) : read_jsonl(file, in);
  if (rows.empty()) bad(file, 0, "no rows");
  return rows;
}

bool CellComparison::outcome_changed() const {
  if (!a || !b) return true;
  return a->classes != b->classes;
}

std::optional<double> CellComparison::relative_change(const std::string& metric) const {
  if (!a || !b || !a->metrics.contains(metric) || !b->metrics.contains(metric)) return {};
  const double before = a->metrics.at(metric).mean;
  const double after = b->metrics.at(metric).mean;
  if (before == 0) return after == 0 ? std::optional<double>(0.0) : std::nullopt;
  return (after - before) / std::abs(before);
}

SweepComparison compare_sweeps(const std::vector<Row>& a, const std::vector<Row>& b,
                               const std::vector<std::string>& metrics) {
  SweepComparison c;
  c.axes = axes_of(a);
  const std::vector<std::string> axes_b = axes_of(b);
  if (!same_keys(c.axes, axes_b)) {
    const auto list = [](const std::vector<std::string>& v) {
      std::string out;
      for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
      return out.empty() ? std::string("nothing") : out;
    };
    throw CompareInputError(
        fmt::format("not the same grid: A varies {}; B varies {}", list(c.axes), list(axes_b)));
  }
  for (const std::string& metric : metrics) {
    const auto has = [&metric](const std::vector<Row>& rows) {
      return std::any_of(rows.begin(), rows.end(),
                         [&metric](const Row& r) { return r.contains(metric); });
    };
    if (!has(a) && !has(b)) {
      throw CompareInputError(fmt::format("metric '{}': no such column in either side", metric));
    }
  }
  c.metrics = metrics;
  c.rows_a = a.size();
  c.rows_b = b.size();

  // Cells in the order they first appear (A's, then B's new ones).
  std::vector<std::string> order;
  std::map<std::string, Row> inputs;
  std::map<std::string, std::vector<const Row*>> runs_a;
  std::map<std::string, std::vector<const Row*>> runs_b;
  const auto collect = [&](const std::vector<Row>& rows, auto& runs) {
    for (const Row& row : rows) {
      const std::string key = inputs_key(row, c.axes);
      if (!inputs.contains(key)) {
        Row in = Row::object();
        for (const std::string& axis : c.axes) in[axis] = row.contains(axis) ? row[axis] : Row();
        inputs[key] = in;
        order.push_back(key);
      }
      runs[key].push_back(&row);
    }
  };
  collect(a, runs_a);
  collect(b, runs_b);

  for (const std::string& key : order) {
    CellComparison cell;
    cell.inputs = inputs[key];
    if (runs_a.contains(key)) cell.a = side_of(runs_a[key], metrics);
    if (runs_b.contains(key)) cell.b = side_of(runs_b[key], metrics);
    std::map<std::string, std::string> hashes;
    for (const Row* r : runs_a[key]) hashes[seed_key(*r)] = hash_of(*r);
    for (const Row* r : runs_b[key]) {
      const auto it = hashes.find(seed_key(*r));
      if (it == hashes.end()) continue;
      ++cell.paired_runs;
      if (!it->second.empty() && it->second == hash_of(*r)) ++cell.same_hashes;
    }
    c.cells.push_back(std::move(cell));
  }
  const std::string first = metrics.empty() ? "" : metrics.front();
  std::stable_sort(c.cells.begin(), c.cells.end(),
                   [&first](const CellComparison& x, const CellComparison& y) {
                     if (x.outcome_changed() != y.outcome_changed()) return x.outcome_changed();
                     const double dx = std::abs(x.relative_change(first).value_or(0));
                     const double dy = std::abs(y.relative_change(first).value_or(0));
                     return dx > dy;
                   });
  return c;
}

std::string outcome_text(const CellSide& side) {
  std::string out;
  for (const auto& [name, count] : side.classes) {
    out += (out.empty() ? "" : ", ") + fmt::format("{} {}", count, name);
  }
  return out.empty() ? "no runs" : out;
}

std::string comparison_text(const SweepComparison& c, const std::string& label_a,
                            const std::string& label_b, std::size_t top) {
  std::size_t both = 0, only_a = 0, only_b = 0, paired = 0, same = 0, changed = 0;
  for (const CellComparison& cell : c.cells) {
    both += cell.a && cell.b ? 1 : 0;
    only_a += cell.a && !cell.b ? 1 : 0;
    only_b += !cell.a && cell.b ? 1 : 0;
    paired += cell.paired_runs;
    same += cell.same_hashes;
    changed += cell.outcome_changed() ? 1 : 0;
  }
  std::string out = fmt::format("compare A = {} ({} runs) with B = {} ({} runs)\n", label_a,
                                c.rows_a, label_b, c.rows_b);
  std::string axes;
  for (const std::string& axis : c.axes) axes += (axes.empty() ? "" : ", ") + axis;
  out += fmt::format("grid: {}; {} cells in both, {} only in A, {} only in B\n",
                     axes.empty() ? "one cell" : axes, both, only_a, only_b);
  out += fmt::format("event-log hashes: {} of {} paired runs (same cell and seed) identical{}\n",
                     same, paired,
                     paired > 0 && same == paired ? ": the two sides ran the same events" : "");

  out += fmt::format("\noutcome changed in {} of {} cells\n", changed, c.cells.size());
  for (const CellComparison& cell : c.cells) {
    if (!cell.outcome_changed()) continue;
    out += fmt::format("  {}: A {} -> B {}\n", inputs_text(cell.inputs),
                       cell.a ? outcome_text(*cell.a) : "absent",
                       cell.b ? outcome_text(*cell.b) : "absent");
  }

  for (const std::string& metric : c.metrics) {
    std::vector<const CellComparison*> moved;
    for (const CellComparison& cell : c.cells) {
      if (cell.relative_change(metric).value_or(0) != 0) moved.push_back(&cell);
    }
    std::stable_sort(moved.begin(), moved.end(), [&metric](const auto* x, const auto* y) {
      return std::abs(*x->relative_change(metric)) > std::abs(*y->relative_change(metric));
    });
    out += fmt::format("\n{}: changed in {} of {} cells{}\n", metric, moved.size(), both,
                       moved.size() > top ? fmt::format(" (the {} largest shown)", top) : "");
    for (std::size_t i = 0; i < moved.size() && i < top; ++i) {
      const CellComparison& cell = *moved[i];
      const Stats& sa = cell.a->metrics.at(metric);
      const Stats& sb = cell.b->metrics.at(metric);
      // Intervals that do not overlap: the change is larger than the seeds' noise.
      const bool apart = sa.n > 1 && sb.n > 1 && std::abs(sb.mean - sa.mean) > sa.ci95 + sb.ci95;
      out += fmt::format("  {}: {} -> {} ({:+.1f}%){}\n", inputs_text(cell.inputs),
                         number_text(metric, sa.mean), number_text(metric, sb.mean),
                         *cell.relative_change(metric) * 100,
                         apart ? ", beyond the 95% intervals" : "");
    }
  }
  return out;
}

std::vector<Row> comparison_rows(const SweepComparison& c) {
  std::vector<Row> rows;
  for (const CellComparison& cell : c.cells) {
    Row row = cell.inputs;
    row["runs_a"] = cell.a ? cell.a->runs : 0;
    row["runs_b"] = cell.b ? cell.b->runs : 0;
    row["outcome_a"] = cell.a ? outcome_text(*cell.a) : "absent";
    row["outcome_b"] = cell.b ? outcome_text(*cell.b) : "absent";
    row["outcome_changed"] = cell.outcome_changed();
    row["paired_runs"] = cell.paired_runs;
    row["same_hashes"] = cell.same_hashes;
    for (const std::string& metric : c.metrics) {
      const auto mean = [&metric](const std::optional<CellSide>& s) {
        return s && s->metrics.contains(metric) ? Row(s->metrics.at(metric).mean) : Row();
      };
      row[metric + "_a"] = mean(cell.a);
      row[metric + "_b"] = mean(cell.b);
      const std::optional<double> change = cell.relative_change(metric);
      row[metric + "_change"] = change ? Row(*change) : Row();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace mirrorsim::reports

#include "reports/sweep_plots.h"

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

#include "properties/atomic_file.h"

namespace mirrorsim::reports {
namespace {

namespace fs = std::filesystem;
using scenarios::SweepAxis;
using scenarios::SweepPlot;

constexpr std::size_t kMaxNamedTics = 12;

std::size_t axis_index(const scenarios::SweepSpec& spec, const std::string& key) {
  for (std::size_t i = 0; i < spec.axes.size(); ++i) {
    if (spec.axes[i].key == key) return i;
  }
  return 0;  // load_sweep_spec checked every plot's axes
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// ("4 KiB" 0, "16 KiB" 1, ...): an axis's values at positions 0, 1, ...
std::string tics(const SweepAxis& axis) {
  std::string out = "(";
  for (std::size_t i = 0; i < axis.values.size(); ++i) {
    out += fmt::format("{}{} {}", i == 0 ? "" : ", ", quoted(axis_label(axis, axis.values[i])), i);
  }
  return out + ")";
}

// Numeric x positions when every value is a number (sizes, times, counts).
bool numeric_positions(const SweepAxis& axis, std::vector<double>& out) {
  for (const std::string& v : axis.values) {
    const nlohmann::json number = axis_value(axis, v);
    if (number.is_number()) {
      out.push_back(number.get<double>());
      continue;
    }
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0') return false;
    out.push_back(d);
  }
  return true;
}

// The metric's values per (x index, y index) over the rows.
// Only the rows of cells that have the plot's `where` values.
std::map<std::pair<std::size_t, std::size_t>, std::vector<double>> grouped(
    const std::vector<Row>& rows, const std::vector<scenarios::SweepCell>& cells,
    const SweepPlot& plot, std::size_t x_axis, std::optional<std::size_t> y_axis) {
  const std::string& metric = plot.metric;
  std::map<std::pair<std::size_t, std::size_t>, std::vector<double>> out;
  for (const Row& row : rows) {
    const auto cell = row["cell"].get<std::uint64_t>();
    if (cell >= cells.size()) continue;
    if (std::any_of(plot.where.begin(), plot.where.end(),
                    [&](const auto& w) { return cells[cell].value_index[w.first] != w.second; })) {
      continue;
    }
    const std::size_t x = cells[cell].value_index[x_axis];
    const std::size_t y = y_axis ? cells[cell].value_index[*y_axis] : 0;
    double v = 0;
    if (metric_value(row, metric, v)) {
      out[{x, y}].push_back(v);
    } else {
      out[{x, y}];  // the point exists, without a value
    }
  }
  return out;
}

// ", where mirror.copy_mode = background": the runs a plot keeps.
std::string where_text(const scenarios::SweepSpec& spec, const SweepPlot& plot) {
  std::string out;
  for (const auto& [axis, value] : plot.where) {
    out += fmt::format("{} {} = {}", out.empty() ? ", where" : ",", spec.axes[axis].key,
                       axis_label(spec.axes[axis], spec.axes[axis].values[value]));
  }
  return out;
}

std::string terminals_then(const std::string& name, const std::string& body) {
  return fmt::format(
      "set terminal pngcairo size 1000,700 noenhanced font \",10\"\nset output '{0}.png'\n{1}"
      "set terminal svg size 1000,700 noenhanced\nset output '{0}.svg'\nreplot\n",
      name, body);
}

std::string heatmap(const scenarios::SweepSpec& spec, const SweepPlot& plot,
                    const std::vector<Row>& rows, const std::vector<scenarios::SweepCell>& cells,
                    const std::string& name, std::string& data) {
  const std::size_t xi = axis_index(spec, plot.x);
  const std::size_t yi = axis_index(spec, plot.y);
  const auto groups = grouped(rows, cells, plot, xi, yi);
  const SweepAxis& x = spec.axes[xi];
  const SweepAxis& y = spec.axes[yi];
  for (std::size_t j = 0; j < y.values.size(); ++j) {
    for (std::size_t i = 0; i < x.values.size(); ++i) {
      const auto it = groups.find({i, j});
      const bool has = it != groups.end() && !it->second.empty();
      data += has ? fmt::format("{} {} {:.9g}\n", i, j, stats_of(it->second).mean)
                  : fmt::format("{} {} NaN\n", i, j);
    }
    data += "\n";
  }
  const std::string body = fmt::format(
      "set title {}\nset xlabel {}\nset ylabel {}\nset cblabel {}\n"
      "set xtics {}\nset ytics {}\nset xrange [-0.5:{}.5]\nset yrange [-0.5:{}.5]\n"
      "set palette rgbformulae 33,13,10\nset tics out nomirror\n"
      // NaN (no run reached the metric) reads as a number to gnuplot: test the text.
      "plot '{}.dat' using 1:2:3 with image notitle, '' using 1:2:(strcol(3) eq \"NaN\" ? "
      "\"none\" : sprintf(\"%.3g\", $3)) with labels notitle\n",
      quoted(plot.metric + ": mean over seeds" +
             (spec.axes.size() > 2 + plot.where.size() ? " and other axes" : "") +
             where_text(spec, plot)),
      quoted(plot.x), quoted(plot.y), quoted(plot.metric), tics(x), tics(y), x.values.size() - 1,
      y.values.size() - 1, name);
  return terminals_then(name, body);
}

// The plot's model expressions as dashed lines: the i-th in the i-th series'
// colour when there is one model per series, else in colours after them.
std::string model_lines(const SweepPlot& plot, std::size_t series) {
  std::string out;
  for (std::size_t m = 0; m < plot.models.size(); ++m) {
    const std::size_t colour = plot.models.size() == series ? m + 1 : series + m + 1;
    out += fmt::format(", ({}) with lines dashtype 2 linewidth 2 linecolor {} title {}",
                       plot.models[m], colour, quoted(plot.model_titles[m]));
  }
  return out;
}

std::string lines(const scenarios::SweepSpec& spec, const SweepPlot& plot,
                  const std::vector<Row>& rows, const std::vector<scenarios::SweepCell>& cells,
                  const std::string& name, std::string& data) {
  const std::size_t xi = axis_index(spec, plot.x);
  const std::optional<std::size_t> si =
      plot.y.empty() ? std::nullopt : std::optional<std::size_t>(axis_index(spec, plot.y));
  const auto groups = grouped(rows, cells, plot, xi, si);
  const SweepAxis& x = spec.axes[xi];
  std::vector<double> positions;
  const bool numeric = numeric_positions(x, positions);
  const std::size_t series = si ? spec.axes[*si].values.size() : 1;
  std::string plots;
  for (std::size_t s = 0; s < series; ++s) {
    data +=
        fmt::format("# {}\n", si ? axis_label(spec.axes[*si], spec.axes[*si].values[s]) : "all");
    for (std::size_t i = 0; i < x.values.size(); ++i) {
      const auto it = groups.find({i, s});
      if (it == groups.end() || it->second.empty()) continue;
      const Stats st = stats_of(it->second);
      data += fmt::format("{:.9g} {:.9g} {:.9g}\n", numeric ? positions[i] : static_cast<double>(i),
                          st.mean, st.ci95);
    }
    data += "\n\n";
    const std::string title =
        si ? plot.y + " = " + axis_label(spec.axes[*si], spec.axes[*si].values[s]) : plot.metric;
    plots += fmt::format("{}'{}.dat' index {} using 1:2:3 with yerrorlines title {}",
                         s == 0 ? "" : ", ", name, s, quoted(title));
  }
  std::string body = fmt::format(
      "set title {}\nset xlabel {}\nset ylabel {}\nset key outside right\nset grid\n",
      quoted(plot.metric + ": mean and 95% interval over seeds" + where_text(spec, plot)),
      quoted(plot.x), quoted(plot.metric));
  if (plot.metric.ends_with("_bytes")) body += "set format y \"%.1s %cB\"\n";
  if (!plot.models.empty()) body += "set samples 1000\n";  // smooth model curves on a log axis
  if (plot.log_y) body += "set logscale y\n";
  if (plot.metric == "converged" || plot.metric == "ready_reached" || plot.metric == "passed") {
    body += "set yrange [-0.05:1.05]\n";  // a share: keep the lines at 0 and 1 off the frame
  }
  if (!numeric) {
    body += fmt::format("set xtics {}\nset xrange [-0.5:{}.5]\n", tics(x), x.values.size() - 1);
  } else if (plot.log_x.value_or(x.multiplicative ||
                                 (positions.size() > 2 && positions.front() > 0 &&
                                  positions.back() / positions.front() >= 100))) {
    body += "set logscale x 2\n";
    // A margin beyond the end points, so the last tic's label is not clipped.
    body += fmt::format("set xrange [{:.9g}:{:.9g}]\n",
                        *std::min_element(positions.begin(), positions.end()) / 1.25,
                        *std::max_element(positions.begin(), positions.end()) * 1.25);
    // A tic per value while they stay readable; gnuplot's own beyond that.
    if (positions.size() <= kMaxNamedTics)
      body += fmt::format("set xtics {}\n", [&] {
        std::string t = "(";
        for (std::size_t i = 0; i < positions.size(); ++i) {
          t += fmt::format("{}{} {:.9g}", i == 0 ? "" : ", ", quoted(axis_label(x, x.values[i])),
                           positions[i]);
        }
        return t + ")";
      }());
  }
  body += "plot " + plots + model_lines(plot, series) + "\n";
  return terminals_then(name, body);
}

}  // namespace

std::string plot_name(const scenarios::SweepSpec& spec, std::size_t plot_index) {
  const SweepPlot& p = spec.plots[plot_index];
  std::string name =
      fmt::format("{}-{}-by-{}{}", plot_index + 1, p.metric, p.x, p.y.empty() ? "" : "-and-" + p.y);
  for (char& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_') c = '_';
  }
  return name;
}

std::vector<std::string> draw_sweep_plots(const scenarios::SweepSpec& spec,
                                          const std::vector<Row>& rows, const fs::path& dir) {
  std::vector<std::string> problems;
  if (spec.plots.empty()) return problems;
  const std::vector<scenarios::SweepCell> cells = scenarios::sweep_cells(spec);
  fs::create_directories(dir);
  for (std::size_t p = 0; p < spec.plots.size(); ++p) {
    const std::string name = plot_name(spec, p);
    std::string data;
    const std::string script = spec.plots[p].kind == SweepPlot::Kind::kHeatmap
                                   ? heatmap(spec, spec.plots[p], rows, cells, name, data)
                                   : lines(spec, spec.plots[p], rows, cells, name, data);
    properties::write_file_atomically(dir / (name + ".dat"), data);
    properties::write_file_atomically(dir / (name + ".gp"), script);
    const std::string command = fmt::format("cd {} && gnuplot {} >{} 2>&1", quoted(dir.string()),
                                            quoted(name + ".gp"), quoted(name + ".log"));
    const int status = std::system(command.c_str());
    if (status != 0) {
      problems.push_back(fmt::format(
          "{}: gnuplot {} (see {})", name,
          WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "is not installed" : "failed",
          (dir / (name + ".log")).string()));
    } else {
      fs::remove(dir / (name + ".log"));
    }
  }
  return problems;
}

}  // namespace mirrorsim::reports

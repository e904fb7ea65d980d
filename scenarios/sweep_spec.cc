#include "scenarios/sweep_spec.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "scenarios/scenario_error.h"
#include "scenarios/scenario_overrides.h"
#include "scenarios/scenario_units.h"

namespace mirrorsim::scenarios {
namespace {

constexpr std::size_t kMaxAxisValues = 1000;
constexpr std::size_t kMaxModels = 16;
constexpr std::size_t kMaxModelChars = 2000;

// Errors at a node's line (or the table's, when the node is absent).
class SpecReader {
 public:
  explicit SpecReader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::node* node, const std::string& key, std::string problem,
                         std::string allowed) const {
    const std::uint64_t line =
        node == nullptr ? 0 : std::max<std::uint64_t>(node->source().begin.line, 1);
    throw ScenarioError(file_, line, key, std::move(problem), std::move(allowed));
  }

  void only(const toml::table& table, const std::string& path,
            std::initializer_list<std::string_view> keys) const {
    for (const auto& [key, node] : table) {
      if (std::find(keys.begin(), keys.end(), key.str()) != keys.end()) continue;
      std::string allowed;
      for (std::string_view k : keys) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
      fail(&node, path.empty() ? std::string(key.str()) : path + "." + std::string(key.str()),
           "unknown key", allowed);
    }
  }

  std::string text(const toml::table& table, const std::string& path, std::string_view key,
                   bool required) const {
    const toml::node* node = table.get(key);
    const std::string where = path.empty() ? std::string(key) : path + "." + std::string(key);
    if (node == nullptr) {
      if (required) fail(&table, where, "missing", "a string");
      return "";
    }
    if (!node->is_string()) fail(node, where, "not a string", "a string");
    return node->as_string()->get();
  }

 private:
  std::string file_;
};

// A value as --set's text: strings as they are, other TOML values as TOML.
std::string value_text(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  std::ostringstream out;
  node.visit([&out](const auto& v) { out << v; });
  return out.str();
}

std::uint64_t range_end(const SpecReader& r, const toml::node* node, const std::string& where,
                        const std::string& key, std::string_view text) {
  Quantity q;
  if (key.ends_with("_bytes")) {
    q = parse_size_text(text);
  } else if (key.ends_with("_us")) {
    q = parse_time_text(text);
  } else {
    q = parse_size_text(text);  // a plain count reads as bytes without a unit
  }
  if (q.status != Quantity::Status::kOk) {
    r.fail(node, where,
           fmt::format("'{}' is not a number{}", text,
                       key.ends_with("_bytes") ? " of bytes"
                       : key.ends_with("_us")  ? " of time"
                                               : ""),
           "a number, or for *_bytes a size (4KiB), for *_us a time (100us)");
  }
  return q.value;
}

// "4KiB..16MiB x4", "100..1000 +100".
void read_range(const SpecReader& r, const toml::node& node, const std::string& where,
                SweepAxis& axis) {
  const std::string text = node.as_string() != nullptr ? node.as_string()->get() : "";
  const std::string allowed = "\"LOW..HIGH xF\" or \"LOW..HIGH +STEP\", e.g. \"4KiB..16MiB x4\"";
  const std::size_t dots = text.find("..");
  const std::size_t space = text.find(' ', dots == std::string::npos ? 0 : dots);
  if (node.as_string() == nullptr || dots == std::string::npos || space == std::string::npos ||
      space + 2 > text.size() || (text[space + 1] != 'x' && text[space + 1] != '+')) {
    r.fail(&node, where, fmt::format("'{}' is not a range", text), allowed);
  }
  const std::uint64_t low = range_end(r, &node, where, axis.key, text.substr(0, dots));
  const std::uint64_t high =
      range_end(r, &node, where, axis.key, text.substr(dots + 2, space - dots - 2));
  axis.multiplicative = text[space + 1] == 'x';
  const std::string step_text = text.substr(space + 2);
  const Quantity step = axis.multiplicative         ? parse_size_text(step_text)
                        : axis.key.ends_with("_us") ? parse_time_text(step_text)
                                                    : parse_size_text(step_text);
  if (step.status != Quantity::Status::kOk || step.value < (axis.multiplicative ? 2u : 1u)) {
    r.fail(&node, where, fmt::format("step '{}' would never reach the end", step_text), allowed);
  }
  if (low > high) r.fail(&node, where, "the low end is above the high end", allowed);
  for (std::uint64_t v = low; v <= high;) {
    if (axis.values.size() == kMaxAxisValues) {
      r.fail(&node, where, fmt::format("more than {} values", kMaxAxisValues), allowed);
    }
    axis.values.push_back(std::to_string(v));
    const std::uint64_t next = axis.multiplicative ? v * step.value : v + step.value;
    if (next <= v || (axis.multiplicative && next / step.value != v)) break;  // overflow
    v = next;
  }
}

SweepAxis read_axis(const SpecReader& r, const toml::table& t, const std::string& path,
                    const std::vector<SweepAxis>& earlier) {
  r.only(t, path, {"key", "values", "range", "zip"});
  SweepAxis axis;
  axis.key = r.text(t, path, "key", true);
  try {
    axis.key = parse_override(axis.key + "=").path;
  } catch (const std::invalid_argument& e) {
    r.fail(t.get("key"), path + ".key", "not a key path", "a key path such as mirror.sync");
  }
  for (const SweepAxis& a : earlier) {
    if (a.key == axis.key)
      r.fail(t.get("key"), path + ".key", "a second axis on this key", "one axis per key");
  }
  const toml::node* values = t.get("values");
  const toml::node* range = t.get("range");
  if ((values == nullptr) == (range == nullptr)) {
    r.fail(&t, path, "needs exactly one of values and range", "values = [...] or range = \"...\"");
  }
  if (values != nullptr) {
    const toml::array* list = values->as_array();
    if (list == nullptr || list->empty() || list->size() > kMaxAxisValues) {
      r.fail(values, path + ".values", "not a list of 1 to 1000 values", "[v1, v2, ...]");
    }
    for (const toml::node& v : *list) {
      if (v.is_table() || v.is_array()) {
        r.fail(&v, path + ".values", "a table or list as a value", "strings, numbers or booleans");
      }
      axis.values.push_back(value_text(v));
    }
  } else {
    read_range(r, *range, path + ".range", axis);
  }
  axis.zip = r.text(t, path, "zip", false);
  if (!axis.zip.empty()) {
    const auto with = std::find_if(earlier.begin(), earlier.end(),
                                   [&](const SweepAxis& a) { return a.key == axis.zip; });
    if (with == earlier.end()) {
      r.fail(t.get("zip"), path + ".zip", fmt::format("no earlier axis '{}'", axis.zip),
             "the key of an axis above this one");
    }
    if (with->values.size() != axis.values.size()) {
      r.fail(t.get("zip"), path + ".zip",
             fmt::format("{} values against {} of '{}'", axis.values.size(), with->values.size(),
                         axis.zip),
             "as many values as the axis it moves with");
    }
    if (!with->zip.empty()) axis.zip = with->zip;  // one group, named by its first axis
  }
  return axis;
}

// `model` or `model_title`: a string or a list of strings, each one line of
// gnuplot text that cannot end the plot command or run a shell command.
std::vector<std::string> read_models(const SpecReader& r, const toml::table& t,
                                     const std::string& path, std::string_view key) {
  std::vector<std::string> out;
  const toml::node* node = t.get(key);
  if (node == nullptr) return out;
  const std::string where = path + "." + std::string(key);
  const std::string allowed =
      "a gnuplot expression in x (or a list of them), e.g. \"1e9 / x\", without ; ` # or a "
      "line break";
  const auto add = [&](const toml::node& n) {
    const auto* s = n.as_string();
    if (s == nullptr) r.fail(&n, where, "not a string", allowed);
    const std::string& text = s->get();
    if (text.empty() || text.size() > kMaxModelChars) {
      r.fail(&n, where, fmt::format("{} characters", text.size()),
             fmt::format("1 to {} characters", kMaxModelChars));
    }
    if (text.find_first_of(";`#\n\r") != std::string::npos) {
      r.fail(&n, where, fmt::format("'{}' holds ; ` # or a line break", text), allowed);
    }
    out.push_back(text);
  };
  if (const toml::array* list = node->as_array()) {
    if (list->empty() || list->size() > kMaxModels) {
      r.fail(node, where, fmt::format("{} entries", list->size()),
             fmt::format("1 to {} entries", kMaxModels));
    }
    for (const toml::node& n : *list) add(n);
  } else {
    add(*node);
  }
  return out;
}

// The number a *_bytes or *_us axis value means, to match "4KiB" with 4096.
std::optional<std::uint64_t> quantity_of(const std::string& key, const std::string& text) {
  const Quantity q = key.ends_with("_us") ? parse_time_text(text) : parse_size_text(text);
  if (q.status != Quantity::Status::kOk) return std::nullopt;
  return q.value;
}

// `where = { "axis.key" = value, ... }`: each an axis the plot does not draw,
// each value one of that axis's.
std::vector<std::pair<std::size_t, std::size_t>> read_where(const SpecReader& r,
                                                            const toml::table& t,
                                                            const std::string& path,
                                                            const std::vector<SweepAxis>& axes,
                                                            const SweepPlot& plot) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  const toml::node* node = t.get("where");
  if (node == nullptr) return out;
  const std::string where = path + ".where";
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    r.fail(node, where, "not a table", "{ \"axis.key\" = value, ... }");
  }
  for (const auto& [key, value] : *table) {
    const std::string name(key.str());
    const std::string at = where + "." + name;
    const auto axis =
        std::find_if(axes.begin(), axes.end(), [&](const SweepAxis& a) { return a.key == name; });
    if (axis == axes.end()) {
      std::string allowed;
      for (const SweepAxis& a : axes) allowed += (allowed.empty() ? "" : ", ") + a.key;
      r.fail(&value, at, fmt::format("'{}' is not an axis", name), allowed);
    }
    if (name == plot.x || name == plot.y) {
      r.fail(&value, at, "the plot draws this axis", "an axis the plot pools");
    }
    if (value.is_table() || value.is_array()) {
      r.fail(&value, at, "a table or list", "one of the axis's values");
    }
    const std::string text = value_text(value);
    const bool numeric = name.ends_with("_bytes") || name.ends_with("_us");
    const auto wanted = numeric ? quantity_of(name, text) : std::nullopt;
    const auto match = std::find_if(axis->values.begin(), axis->values.end(), [&](const auto& v) {
      return v == text || (wanted && quantity_of(name, v) == wanted);
    });
    if (match == axis->values.end()) {
      r.fail(&value, at, fmt::format("'{}' is not one of the axis's values", text),
             fmt::format("{}", fmt::join(axis->values, ", ")));
    }
    out.emplace_back(static_cast<std::size_t>(axis - axes.begin()),
                     static_cast<std::size_t>(match - axis->values.begin()));
  }
  return out;
}

SweepPlot read_plot(const SpecReader& r, const toml::table& t, const std::string& path,
                    const std::vector<SweepAxis>& axes) {
  r.only(t, path,
         {"kind", "x", "y", "series", "metric", "model", "model_title", "log_x", "log_y", "where"});
  SweepPlot plot;
  const std::string kind = r.text(t, path, "kind", true);
  if (kind == "heatmap") {
    plot.kind = SweepPlot::Kind::kHeatmap;
  } else if (kind == "lines") {
    plot.kind = SweepPlot::Kind::kLines;
  } else {
    r.fail(t.get("kind"), path + ".kind", fmt::format("'{}' is not a plot kind", kind),
           "heatmap, lines");
  }
  const auto axis_key = [&](std::string_view key, bool required) {
    std::string name = r.text(t, path, key, required);
    if (name.empty()) return name;
    try {
      name = parse_override(name + "=").path;
    } catch (const std::invalid_argument&) {
    }
    if (std::none_of(axes.begin(), axes.end(), [&](const SweepAxis& a) { return a.key == name; })) {
      std::string allowed;
      for (const SweepAxis& a : axes) allowed += (allowed.empty() ? "" : ", ") + a.key;
      r.fail(t.get(key), path + "." + std::string(key), fmt::format("'{}' is not an axis", name),
             allowed);
    }
    return name;
  };
  plot.x = axis_key("x", true);
  if (plot.kind == SweepPlot::Kind::kHeatmap) {
    if (t.contains("series"))
      r.fail(t.get("series"), path + ".series", "a heatmap has no series", "x, y, metric");
    plot.y = axis_key("y", true);
  } else {
    if (t.contains("y"))
      r.fail(t.get("y"), path + ".y", "a line plot's y is its metric", "x, series, metric");
    plot.y = axis_key("series", false);
  }
  plot.metric = r.text(t, path, "metric", true);
  const auto& metrics = sweep_metric_names();
  if (std::find(metrics.begin(), metrics.end(), plot.metric) == metrics.end()) {
    r.fail(t.get("metric"), path + ".metric", fmt::format("'{}' is not a metric", plot.metric),
           fmt::format("{}", fmt::join(metrics, ", ")));
  }
  plot.where = read_where(r, t, path, axes, plot);
  plot.models = read_models(r, t, path, "model");
  plot.model_titles = read_models(r, t, path, "model_title");
  if (!plot.models.empty() && plot.kind == SweepPlot::Kind::kHeatmap) {
    r.fail(t.get("model"), path + ".model", "a heatmap has no model line", "a lines plot");
  }
  if (plot.models.empty() && !plot.model_titles.empty()) {
    r.fail(t.get("model_title"), path + ".model_title", "a title without a model",
           "model = \"...\" beside it");
  }
  for (const std::string_view key : {"log_x", "log_y"}) {
    const toml::node* node = t.get(key);
    if (node == nullptr) continue;
    const std::string where = path + "." + std::string(key);
    if (!node->is_boolean()) r.fail(node, where, "not a boolean", "true or false");
    if (plot.kind == SweepPlot::Kind::kHeatmap) {
      r.fail(node, where, "a heatmap's axes are its cells", "a lines plot");
    }
    if (key == "log_x") {
      plot.log_x = node->as_boolean()->get();
    } else {
      plot.log_y = node->as_boolean()->get();
    }
  }
  if (plot.model_titles.empty()) {
    plot.model_titles.assign(plot.models.size(), "model");
  } else if (plot.model_titles.size() != plot.models.size()) {
    r.fail(t.get("model_title"), path + ".model_title",
           fmt::format("{} titles for {} model expressions", plot.model_titles.size(),
                       plot.models.size()),
           "one title per model");
  }
  return plot;
}

}  // namespace

const std::vector<std::string>& sweep_metric_names() {
  static const std::vector<std::string> names = {
      "converged", "ready_reached", "outrun", "passed", "time_to_ready_s", "time_to_end_s",
      "time_to_completion_s", "virtual_time_s", "read_bytes", "written_bytes", "zeroed_bytes",
      "discarded_bytes", "cow_extra_bytes", "copy_ops", "iterations", "bitmap_passes", "errors",
      "peak_buffer_bytes", "peak_in_flight", "downtime_ms", "guest_requests", "guest_errors",
      "guest_write_p50_us", "guest_write_p99_us", "events",
      // properties/run_metrics.h
      "guest_iops", "guest_bytes_per_s", "guest_write_during_p50_us", "guest_write_during_p99_us",
      "guest_write_during_p999_us", "guest_write_before_p50_us", "guest_write_before_p99_us",
      "guest_write_before_p999_us", "needed_copy_bytes", "write_amplification", "pivot_drain_us",
      "target_writes_per_s", "dirty_bytes_at_end",
      // the guest's open loop (properties/world_io.cc)
      "guest_requested_iops", "guest_cap_hits", "guest_cap_delay_us",
      // properties/convergence.h
      "convergence_rate_bytes_per_s", "convergence_rate_last_window_bytes_per_s"};
  return names;
}

SweepSpec load_sweep_spec(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::ifstream in(file);
  if (!in) throw ScenarioError(name, 0, "file", "cannot open", "a readable sweep file");
  std::stringstream text;
  text << in.rdbuf();
  toml::table doc;
  try {
    doc = toml::parse(text.str(), name);
  } catch (const toml::parse_error& e) {
    throw ScenarioError(name, std::max<std::uint64_t>(e.source().begin.line, 1), "syntax",
                        std::string(e.description()), "TOML 1.0");
  }
  const SpecReader r(name);
  r.only(doc, "", {"base", "seeds", "axes", "plots"});
  SweepSpec spec;
  spec.file = file;
  const std::string base = r.text(doc, "", "base", true);
  spec.base = std::filesystem::absolute(file.parent_path() / base);
  if (!std::filesystem::is_regular_file(spec.base)) {
    r.fail(doc.get("base"), "base", fmt::format("no scenario file {}", spec.base.string()),
           "a scenario file, relative to the sweep file");
  }
  if (const toml::node* seeds = doc.get("seeds")) {
    if (const auto* n = seeds->as_integer(); n != nullptr && n->get() >= 1 && n->get() <= 1000) {
      for (std::int64_t s = 1; s <= n->get(); ++s)
        spec.seeds.push_back(static_cast<std::uint64_t>(s));
    } else if (const auto* list = seeds->as_array(); list != nullptr && !list->empty()) {
      std::set<std::int64_t> seen;
      for (const toml::node& s : *list) {
        const auto* v = s.as_integer();
        if (v == nullptr || v->get() < 0 || !seen.insert(v->get()).second) {
          r.fail(&s, "seeds", "not a new non-negative integer", "distinct seeds, e.g. [1, 7, 9]");
        }
        spec.seeds.push_back(static_cast<std::uint64_t>(v->get()));
      }
    } else {
      r.fail(seeds, "seeds", "not a count from 1 to 1000 nor a list of seeds", "3, or [1, 7, 9]");
    }
  } else {
    spec.seeds = {1};
  }
  const toml::node* axes = doc.get("axes");
  const toml::array* axis_list = axes != nullptr ? axes->as_array() : nullptr;
  if (axis_list == nullptr || axis_list->empty()) {
    r.fail(axes, "axes", "missing", "one or more [[axes]] tables");
  }
  for (std::size_t i = 0; i < axis_list->size(); ++i) {
    const std::string path = fmt::format("axes[{}]", i);
    const toml::table* t = axis_list->get(i)->as_table();
    if (t == nullptr) r.fail(axis_list->get(i), path, "not a table", "[[axes]] tables");
    spec.axes.push_back(read_axis(r, *t, path, spec.axes));
  }
  if (const toml::node* plots = doc.get("plots")) {
    const toml::array* list = plots->as_array();
    if (list == nullptr) r.fail(plots, "plots", "not a list of tables", "[[plots]] tables");
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string path = fmt::format("plots[{}]", i);
      const toml::table* t = list->get(i)->as_table();
      if (t == nullptr) r.fail(list->get(i), path, "not a table", "[[plots]] tables");
      spec.plots.push_back(read_plot(r, *t, path, spec.axes));
    }
  }
  std::uint64_t runs = spec.seeds.size();
  for (const SweepAxis& a : spec.axes) {
    if (!a.zip.empty()) continue;
    runs *= a.values.size();
    if (runs > kMaxSweepRuns) {
      r.fail(&doc, "axes", fmt::format("more than {} runs", kMaxSweepRuns),
             "fewer values or seeds");
    }
  }
  return spec;
}

std::vector<SweepCell> sweep_cells(const SweepSpec& spec) {
  // The groups: each axis without zip leads one; zipped axes follow their leader.
  std::vector<std::size_t> leaders;
  for (std::size_t i = 0; i < spec.axes.size(); ++i) {
    if (spec.axes[i].zip.empty()) leaders.push_back(i);
  }
  const auto leader_of = [&spec](std::size_t axis) {
    const std::string& zip = spec.axes[axis].zip;
    if (zip.empty()) return axis;
    for (std::size_t i = 0; i < spec.axes.size(); ++i) {
      if (spec.axes[i].key == zip) return i;
    }
    return axis;
  };
  std::vector<SweepCell> cells;
  std::vector<std::size_t> at(leaders.size(), 0);  // an odometer over the groups
  while (true) {
    SweepCell cell;
    for (std::size_t i = 0; i < spec.axes.size(); ++i) {
      const std::size_t group = static_cast<std::size_t>(
          std::find(leaders.begin(), leaders.end(), leader_of(i)) - leaders.begin());
      cell.value_index.push_back(at[group]);
      cell.overrides.push_back({spec.axes[i].key, spec.axes[i].values[at[group]]});
    }
    cells.push_back(std::move(cell));
    std::size_t g = leaders.size();
    while (g > 0) {
      --g;
      if (++at[g] < spec.axes[leaders[g]].values.size()) break;
      at[g] = 0;
      if (g == 0) return cells;
    }
  }
}

}  // namespace mirrorsim::scenarios

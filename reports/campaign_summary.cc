#include "reports/campaign_summary.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include <fmt/core.h>

#include "reports/swarm_json.h"
#include "scenarios/swarm_options.h"

namespace mirrorsim::reports {
namespace {

using nlohmann::json;

json kind_json(std::optional<properties::FailureKind> kind) {
  return kind ? json(properties::failure_kind_name(*kind)) : json(nullptr);
}

json library_entry(const properties::ReplayResult& r) {
  json verdicts = json::object();
  const auto& order = properties::property_order();
  for (std::size_t i = 0; i < r.verdicts.size() && i < order.size(); ++i) {
    const char v = r.verdicts[i];
    verdicts[std::string(order[i])] = v == 'h'   ? "holds"
                                      : v == 'v' ? "violated"
                                      : v == 'i' ? "inconclusive"
                                                 : "not_applicable";
  }
  const bool failed = r.loaded && !r.passed;
  return {{"scenario", r.name},
          {"file", r.file.string()},
          {"loaded", r.loaded},
          {"passed", r.passed},
          {"verdicts", verdicts},
          {"property", r.property},
          {"kind", failed ? kind_json(properties::failure_kind(r.property)) : json(nullptr)},
          {"message", r.message},
          {"replay", r.replay_command}};
}

json failure_entry(const properties::CampaignFailure& f) {
  json j = {{"id", f.id},
            {"source", f.source},
            {"case", f.case_index ? json(*f.case_index) : json(nullptr)},
            {"property", f.property},
            {"kind", kind_json(properties::failure_kind(f.property))},
            {"message", f.message},
            {"file", f.file.string()},
            {"unshrunk_file", f.unshrunk_file.string()},
            {"replay", f.replay_command},
            {"digest", f.digest},
            {"shrunk", f.shrunk},
            {"shrink_steps", f.shrink_steps},
            {"shrink_s", f.shrink_s},
            {"guest_requests", f.guest_requests},
            {"faults", f.faults},
            {"disk_bytes", f.disk_bytes},
            {"swarm", swarm_json(f.swarm)},
            {"shrunk_swarm", swarm_json(f.shrunk_swarm)}};
  if (!f.save_errors.empty()) j["save_errors"] = f.save_errors;
  return j;
}

json death_entry(const properties::WorkerDeath& d) {
  return {{"pid", d.pid},
          {"how", d.how},
          {"running_case", d.running ? json(*d.running) : json(nullptr)},
          {"last_case", d.last_case ? json(*d.last_case) : json(nullptr)},
          {"cases_handed_on", d.unstarted.size()}};
}

// Joins case-number ranges {first, last, step}. Ranges of M shards of one
// campaign that together cover 0..X collapse into one range of step 1.
json join_case_numbers(const std::vector<json>& ranges) {
  if (ranges.empty()) return json::array();
  const std::uint64_t step = ranges.front().at("step").get<std::uint64_t>();
  std::map<std::uint64_t, std::vector<std::pair<std::uint64_t, std::uint64_t>>> by_residue;
  for (const json& r : ranges) {
    if (r.at("step").get<std::uint64_t>() != step) return ranges;
    const auto first = r.at("first").get<std::uint64_t>();
    by_residue[first % step].emplace_back(first, r.at("last").get<std::uint64_t>());
  }
  // Collapsible: one range per residue 0..step-1, each starting at its
  // residue, with counts that never grow and drop by at most one.
  bool collapsible = by_residue.size() == step;
  std::vector<std::uint64_t> counts;
  for (const auto& [residue, list] : by_residue) {
    if (list.size() != 1 || list[0].first != residue) collapsible = false;
    if (!collapsible) break;
    counts.push_back((list[0].second - list[0].first) / step + 1);
  }
  for (std::size_t i = 1; collapsible && i < counts.size(); ++i) {
    if (counts[i] > counts[i - 1] || counts[i] + 1 < counts[0]) collapsible = false;
  }
  if (collapsible) {
    std::uint64_t total = 0;
    for (std::uint64_t c : counts) total += c;
    return json::array({{{"first", 0}, {"last", total - 1}, {"step", 1}}});
  }
  std::vector<json> sorted = ranges;
  std::sort(sorted.begin(), sorted.end(), [](const json& a, const json& b) {
    return a.at("first").get<std::uint64_t>() < b.at("first").get<std::uint64_t>();
  });
  return sorted;
}

// {"cases": N, "features": {"cow": {"cases": a, "failures": b}, ...}}, every
// label listed (zeros too) so that shards and campaigns compare key by key.
json swarm_summary(const properties::CampaignResult& r) {
  json features = json::object();
  for (const std::string& label : scenarios::all_swarm_labels()) {
    const auto it = r.swarm_counts.find(label);
    const properties::SwarmCount count =
        it == r.swarm_counts.end() ? properties::SwarmCount{} : it->second;
    features[label] = {{"cases", count.cases}, {"failures", count.failures}};
  }
  return {{"cases", r.swarm_cases}, {"features", features}};
}

void add_counts(json& into, const json& from) {
  for (const auto& [property, counts] : from.items()) {
    for (const auto& [kind, n] : counts.items()) {
      json& slot = into[property][kind];
      slot =
          (slot.is_null() ? std::uint64_t{0} : slot.get<std::uint64_t>()) + n.get<std::uint64_t>();
    }
  }
}

}  // namespace

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  ::gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

json campaign_summary(const properties::CampaignOptions& o, const properties::CampaignResult& r,
                      const SummaryContext& context) {
  json j;
  j["format"] = kSummaryFormat;
  j["tool"] = {{"name", "mirrorsim"}, {"version", context.version}, {"commit", context.commit}};
  j["command_line"] = context.command_line;
  j["date"] = context.date;
  j["seed"] = o.seed;
  j["shard"] = {{"index", o.shard_index}, {"count", o.shard_count}};
  j["bugs"] = o.bugs;
  j["profile"] = engine::profile_name(o.profile);
  j["skip_properties"] = o.set_aside;
  j["without"] = o.without;
  j["cases_requested"] = o.cases ? json(*o.cases) : json(nullptr);
  j["time_budget_s"] = o.time_budget_s ? json(*o.time_budget_s) : json(nullptr);
  j["cases_run"] = r.cases_run;
  json ranges = json::array();
  for (const properties::CoveredRange& c : r.covered) {
    ranges.push_back({{"first", c.first}, {"last", c.last}, {"step", o.shard_count}});
  }
  j["case_numbers"] = ranges;
  j["stop"] = properties::campaign_stop_name(r.stop);
  j["interrupted"] = r.interrupted();
  if (r.interrupted()) j["interrupt_signal"] = r.interrupt_signal;
  j["elapsed_s"] = r.elapsed_s;
  j["cases_per_s"] = r.cases_per_s;
  j["determinism_checks"] = r.determinism_checks;
  json per = json::object();
  for (const auto& [name, counts] : r.verdict_counts) {
    per[name] = {{"holds", counts[0]},
                 {"violated", counts[1]},
                 {"not_applicable", counts[2]},
                 {"inconclusive", counts[3]}};
  }
  j["properties"] = per;
  json inconclusive = json::array();
  for (const properties::Inconclusive& i : r.inconclusive) {
    inconclusive.push_back({{"case", i.case_index}, {"message", i.message}});
  }
  j["inconclusive"] = {{"cases", r.inconclusive_cases}, {"examples", inconclusive}};
  json not_converged = json::array();
  for (const properties::Inconclusive& i : r.not_converged) {
    not_converged.push_back({{"case", i.case_index}, {"message", i.message}});
  }
  // Passed cases whose job its guest outran: an outcome, not a failure.
  j["not_converged"] = {{"cases", r.not_converged_cases}, {"examples", not_converged}};
  j["trace_never_reached"] = {{"cases", r.trace_never_reached_cases}};
  j["swarm"] = swarm_summary(r);
  j["library"] = json::array();
  for (const auto& l : r.library) j["library"].push_back(library_entry(l));
  j["corpus"] = json::array();
  for (const auto& c : r.corpus) j["corpus"].push_back(library_entry(c));
  j["worker_deaths"] = json::array();
  for (const auto& d : r.worker_deaths) j["worker_deaths"].push_back(death_entry(d));
  j["notes"] = r.notes;
  j["failure_list"] = json::array();
  for (const auto& f : r.failures) j["failure_list"].push_back(failure_entry(f));
  j["failures"] = r.failures.size();
  j["failure_kind"] = kind_json(summary_failure_kind(j));
  j["ok"] = r.ok();
  return j;
}

bool summary_ok(const json& s) {
  return s.value("ok", false);
}

std::optional<properties::FailureKind> summary_failure_kind(const json& s) {
  std::optional<properties::FailureKind> kind;
  auto add = [&](const json& entry) {
    const properties::FailureKind k =
        properties::failure_kind(entry.value("property", std::string()));
    kind = kind ? properties::most_severe(*kind, k) : k;
  };
  for (const json& f : s.value("failure_list", json::array())) add(f);
  for (const json& c : s.value("corpus", json::array())) {
    if (c.value("loaded", true) && !c.value("passed", true)) add(c);
  }
  return kind;
}

bool summary_has_unloadable_files(const json& s) {
  for (const json& c : s.value("corpus", json::array())) {
    if (!c.value("loaded", true)) return true;
  }
  return false;
}

json merge_summaries(const std::vector<json>& shards, const SummaryContext& context) {
  if (shards.empty()) throw std::invalid_argument("no summaries to merge");
  const json& first = shards.front();
  json m;
  m["format"] = kSummaryFormat;
  m["tool"] = {{"name", "mirrorsim"}, {"version", context.version}, {"commit", context.commit}};
  m["command_line"] = context.command_line;
  m["date"] = context.date;
  m["seed"] = first.at("seed");
  m["bugs"] = first.at("bugs");
  m["profile"] = first.value("profile", "default");
  m["skip_properties"] = first.value("skip_properties", json::array());
  m["without"] = first.value("without", json::array());
  m["cases_requested"] = first.at("cases_requested");
  m["time_budget_s"] = first.at("time_budget_s");
  std::uint64_t cases = 0;
  std::uint64_t checks = 0;
  std::uint64_t inconclusive_cases = 0;
  std::uint64_t not_converged_cases = 0;
  std::uint64_t trace_never_reached_cases = 0;
  json not_converged_examples = json::array();
  double elapsed = 0;
  bool ok = true;
  bool interrupted = false;
  std::string stop = "all-cases-run";
  std::vector<json> ranges;
  json properties = json::object();
  std::uint64_t swarm_cases = 0;
  json swarm_features = swarm_summary(properties::CampaignResult{}).at("features");
  json shard_list = json::array();
  json inconclusive_examples = json::array();
  std::map<std::string, json> library;
  json corpus = json::array();
  json deaths = json::array();
  json notes = json::array();
  json failures = json::array();
  std::set<std::pair<std::string, std::string>> seen_failures;
  std::set<std::uint64_t> shard_indices;
  for (const json& s : shards) {
    const std::string format = s.value("format", "");
    if (format != kSummaryFormat && format != kSummaryFormatWithoutSwarm) {
      throw std::invalid_argument(
          fmt::format("not a {} (or {}) summary", kSummaryFormat, kSummaryFormatWithoutSwarm));
    }
    if (s.at("seed") != first.at("seed") || s.at("bugs") != first.at("bugs") ||
        s.value("profile", "default") != first.value("profile", "default") ||
        s.value("skip_properties", json::array()) !=
            first.value("skip_properties", json::array()) ||
        s.value("without", json::array()) != first.value("without", json::array()) ||
        s.at("shard").at("count") != first.at("shard").at("count") ||
        s.at("cases_requested") != first.at("cases_requested")) {
      throw std::invalid_argument(
          "the summaries come from different campaigns (seed, bugs, profile, skipped "
          "properties, --without, --cases or shard count differ)");
    }
    const auto index = s.at("shard").at("index").get<std::uint64_t>();
    if (!shard_indices.insert(index).second) {
      throw std::invalid_argument(fmt::format("shard {} is given twice", index));
    }
    cases += s.at("cases_run").get<std::uint64_t>();
    checks += s.at("determinism_checks").get<std::uint64_t>();
    inconclusive_cases += s.at("inconclusive").at("cases").get<std::uint64_t>();
    for (const json& e : s.at("inconclusive").at("examples")) inconclusive_examples.push_back(e);
    // Summaries from before issue 13 have neither count (nothing to add).
    if (const auto n = s.find("not_converged"); n != s.end()) {
      not_converged_cases += n->at("cases").get<std::uint64_t>();
      for (const json& e : n->at("examples")) not_converged_examples.push_back(e);
    }
    if (const auto t = s.find("trace_never_reached"); t != s.end()) {
      trace_never_reached_cases += t->at("cases").get<std::uint64_t>();
    }
    elapsed = std::max(elapsed, s.at("elapsed_s").get<double>());
    ok = ok && summary_ok(s);
    interrupted = interrupted || s.at("interrupted").get<bool>();
    if (s.at("stop") != "all-cases-run" && stop == "all-cases-run") stop = s.at("stop");
    for (const json& r : s.at("case_numbers")) ranges.push_back(r);
    add_counts(properties, s.at("properties"));
    if (const auto swarm = s.find("swarm"); swarm != s.end()) {
      swarm_cases += swarm->at("cases").get<std::uint64_t>();
      add_counts(swarm_features, swarm->at("features"));
    } else {
      notes.push_back(
          fmt::format("shard {} is a {} summary: its {} case(s) are not counted per swarm feature",
                      index, format, s.at("cases_run").get<std::uint64_t>()));
    }
    for (const json& l : s.at("library")) library.emplace(l.at("scenario").get<std::string>(), l);
    for (const json& c : s.at("corpus")) corpus.push_back(c);
    for (const json& d : s.at("worker_deaths")) deaths.push_back(d);
    for (const json& n : s.at("notes")) notes.push_back(n);
    for (json f : s.at("failure_list")) {
      // Summaries before units came last in every name said "shrink_seconds".
      if (f.contains("shrink_seconds") && !f.contains("shrink_s")) {
        f["shrink_s"] = f["shrink_seconds"];
        f.erase("shrink_seconds");
      }
      const std::string digest = f.value("digest", "");
      const auto key = std::make_pair(f.at("property").get<std::string>(),
                                      digest.empty() ? f.at("id").get<std::string>() : digest);
      if (seen_failures.insert(key).second) failures.push_back(f);
    }
    shard_list.push_back({{"index", index},
                          {"cases_run", s.at("cases_run")},
                          {"stop", s.at("stop")},
                          {"elapsed_s", s.at("elapsed_s")},
                          {"command_line", s.at("command_line")},
                          {"date", s.at("date")}});
  }
  const auto shard_count = first.at("shard").at("count").get<std::uint64_t>();
  if (shard_indices.size() != shard_count) {
    notes.push_back(
        fmt::format("only {} of {} shards were merged", shard_indices.size(), shard_count));
    ok = false;
  }
  m["shard"] = {{"index", "merged"}, {"count", shard_count}};
  m["shards"] = shard_list;
  m["cases_run"] = cases;
  m["case_numbers"] = join_case_numbers(ranges);
  m["stop"] = stop;
  m["interrupted"] = interrupted;
  m["elapsed_s"] = elapsed;
  m["cases_per_s"] = elapsed > 0 ? cases / elapsed : 0.0;
  m["determinism_checks"] = checks;
  m["properties"] = properties;
  m["inconclusive"] = {{"cases", inconclusive_cases}, {"examples", inconclusive_examples}};
  m["not_converged"] = {{"cases", not_converged_cases}, {"examples", not_converged_examples}};
  m["trace_never_reached"] = {{"cases", trace_never_reached_cases}};
  m["swarm"] = {{"cases", swarm_cases}, {"features", swarm_features}};
  m["library"] = json::array();
  for (auto& [name, l] : library) m["library"].push_back(l);
  m["corpus"] = corpus;
  m["worker_deaths"] = deaths;
  m["notes"] = notes;
  m["failure_list"] = failures;
  m["failures"] = failures.size();
  m["failure_kind"] = kind_json(summary_failure_kind(m));
  m["ok"] = ok;
  return m;
}

}  // namespace mirrorsim::reports

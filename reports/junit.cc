#include "reports/junit.h"

#include <vector>

#include <fmt/core.h>

namespace mirrorsim::reports {
namespace {

using nlohmann::json;

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 allows no control characters but tab, newline, return.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
          out += '?';
        } else {
          out += ch;
        }
    }
  }
  return out;
}

struct TestCase {
  std::string classname;
  std::string name;
  enum class Result { kPassed, kFailed, kError, kSkipped } result = Result::kPassed;
  std::string message;  // one line
  std::string text;     // the body: details, the replay command
};

struct Suite {
  std::string name;
  std::vector<TestCase> cases;
};

std::string render(const Suite& suite) {
  int failures = 0, errors = 0, skipped = 0;
  for (const TestCase& c : suite.cases) {
    failures += c.result == TestCase::Result::kFailed;
    errors += c.result == TestCase::Result::kError;
    skipped += c.result == TestCase::Result::kSkipped;
  }
  std::string out = fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
      xml_escape(suite.name), suite.cases.size(), failures, errors, skipped);
  for (const TestCase& c : suite.cases) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", xml_escape(c.classname),
                       xml_escape(c.name));
    if (c.result == TestCase::Result::kPassed && c.text.empty()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    const std::string message = xml_escape(c.message);
    const std::string text = xml_escape(c.text);
    switch (c.result) {
      case TestCase::Result::kFailed:
        out += fmt::format("      <failure message=\"{}\" type=\"property\">{}</failure>\n",
                           message, text);
        break;
      case TestCase::Result::kError:
        out += fmt::format("      <error message=\"{}\" type=\"campaign\">{}</error>\n", message,
                           text);
        break;
      case TestCase::Result::kSkipped:
        out += fmt::format("      <skipped message=\"{}\"/>\n", message);
        break;
      case TestCase::Result::kPassed:
        out += fmt::format("      <system-out>{}</system-out>\n", text);
        break;
    }
    out += "    </testcase>\n";
  }
  return out + "  </testsuite>\n";
}

std::string failure_text(const json& f) {
  std::string text = f.value("message", "");
  const std::string replay = f.value("replay", "");
  if (!replay.empty()) text += "\nreplay: " + replay;
  const std::string unshrunk = f.value("unshrunk_file", "");
  if (!unshrunk.empty()) text += "\nunshrunk case: " + unshrunk;
  return text;
}

Suite library_suite(const json& s) {
  Suite suite{"library", {}};
  for (const json& l : s.at("library")) {
    const std::string scenario = l.at("scenario").get<std::string>();
    if (!l.value("loaded", true)) {
      suite.cases.push_back({"library." + scenario, "load", TestCase::Result::kError,
                             l.value("message", ""), l.value("message", "")});
      continue;
    }
    for (const auto& [property, verdict] : l.at("verdicts").items()) {
      TestCase c{"library." + scenario, property, TestCase::Result::kPassed, "", ""};
      if (verdict == "violated") {
        c.result = TestCase::Result::kFailed;
        c.message = l.value("message", "");
        c.text = c.message + "\nreplay: " + l.value("replay", "");
      } else if (verdict == "not_applicable") {
        c.result = TestCase::Result::kSkipped;
        c.message = "does not apply";
      } else if (verdict == "inconclusive") {
        c.result = TestCase::Result::kSkipped;
        c.message = "inconclusive: the run reached its limit while still progressing";
      }
      suite.cases.push_back(std::move(c));
    }
  }
  return suite;
}

Suite generated_suite(const json& s) {
  Suite suite{"generated", {}};
  const std::uint64_t cases = s.at("cases_run").get<std::uint64_t>();
  for (const auto& [property, counts] : s.at("properties").items()) {
    TestCase c{"generated", property, TestCase::Result::kPassed, "", ""};
    const auto violated = counts.value("violated", std::uint64_t{0});
    c.text = fmt::format("{} cases: held {}, violated {}, not applicable {}, inconclusive {}",
                         cases, counts.value("holds", 0), violated,
                         counts.value("not_applicable", 0), counts.value("inconclusive", 0));
    if (violated > 0) {
      c.result = TestCase::Result::kFailed;
      c.message = fmt::format("violated in {} generated case(s)", violated);
    }
    suite.cases.push_back(std::move(c));
  }
  // Outcomes, not failures: a job outrun by its guest, a trace never reached.
  const auto count = [&s](const char* key) {
    const auto it = s.find(key);
    return it == s.end() ? std::uint64_t{0} : it->value("cases", std::uint64_t{0});
  };
  TestCase outcomes{"generated", "outcomes", TestCase::Result::kPassed, "", ""};
  outcomes.text = fmt::format(
      "{} cases: not converged (outrun by the guest) {}, inconclusive (still progressing at the "
      "limit) {}, trace never reached {}",
      cases, count("not_converged"), count("inconclusive"), count("trace_never_reached"));
  suite.cases.push_back(std::move(outcomes));
  for (const json& f : s.at("failure_list")) {
    if (f.value("source", "") != "generated") continue;
    suite.cases.push_back({"generated." + f.value("id", ""), f.value("property", ""),
                           TestCase::Result::kFailed, f.value("message", ""), failure_text(f)});
  }
  return suite;
}

Suite corpus_suite(const json& s) {
  Suite suite{"failure-database", {}};
  for (const json& c : s.at("corpus")) {
    TestCase t{"failure-database", c.value("scenario", ""), TestCase::Result::kPassed, "", ""};
    if (!c.value("loaded", true)) {
      t.result = TestCase::Result::kError;
      t.message = c.value("message", "");
      t.text = t.message;
    } else if (!c.value("passed", true)) {
      t.result = TestCase::Result::kFailed;
      t.message = "still fails: " + c.value("property", "") + ": " + c.value("message", "");
      t.text = t.message + "\nreplay: " + c.value("replay", "");
    } else {
      t.text = "no longer fails: " + c.value("file", "");
    }
    suite.cases.push_back(std::move(t));
  }
  return suite;
}

Suite campaign_suite(const json& s) {
  Suite suite{"campaign", {}};
  TestCase run{"campaign", "ran to its end", TestCase::Result::kPassed, "", ""};
  const std::string stop = s.value("stop", "");
  run.text = fmt::format("stopped: {}; {} cases", stop, s.value("cases_run", 0));
  if (stop == "running") {
    run.result = TestCase::Result::kError;
    run.message = "the campaign did not finish (it was killed, or is still running)";
  } else if (s.value("interrupted", false) || stop == "too-many-worker-deaths") {
    run.result = TestCase::Result::kError;
    run.message = "the campaign was cut short: " + stop;
  }
  for (const json& n : s.at("notes")) run.text += "\n" + n.get<std::string>();
  suite.cases.push_back(std::move(run));
  return suite;
}

}  // namespace

std::string junit_xml(const json& summary) {
  const std::vector<Suite> suites = {library_suite(summary), generated_suite(summary),
                                     corpus_suite(summary), campaign_suite(summary)};
  int tests = 0, failures = 0, errors = 0;
  std::string body;
  for (const Suite& suite : suites) {
    if (suite.cases.empty()) continue;
    for (const TestCase& c : suite.cases) {
      ++tests;
      failures += c.result == TestCase::Result::kFailed;
      errors += c.result == TestCase::Result::kError;
    }
    body += render(suite);
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"mirrorsim check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "time=\"{:.3f}\">\n{}</testsuites>\n",
      tests, failures, errors, summary.value("elapsed_s", 0.0), body);
}

}  // namespace mirrorsim::reports

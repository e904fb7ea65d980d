// `--set KEY=VALUE`: a key set from the command line loads exactly as the
// same value written in the file, and a bad one is a one-line error that
// names the key and the --set it came from.
#include "scenarios/scenario_overrides.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios/scenario_error.h"
#include "scenarios/scenario_loader.h"

namespace mirrorsim::scenarios {
namespace {

const std::string kBase = R"(seed = 5
[source]
length_bytes = "4MiB"
[target]
length_bytes = "4MiB"
[mirror]
sync = "full"
[[faults]]
disk = "target"
op = "write"
errno = "EIO"
)";

Scenario load_with(const std::vector<std::string>& sets, const std::string& text = kBase) {
  LoadOptions options;
  for (const std::string& s : sets) options.overrides.push_back(parse_override(s));
  return parse_scenario(text, "base.toml", options);
}

std::string error_of(const std::vector<std::string>& sets) {
  try {
    load_with(sets);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ScenarioOverrides, ASetValueLoadsAsTheSameValueWrittenInTheFile) {
  const Scenario set = load_with({"target.latency_us=250", "mirror.sync=top", "seed=9",
                                  "mirror.unmap=false", "faults.0.errno=ENOSPC"});
  std::string edited = kBase;
  edited.replace(edited.find("seed = 5"), 8, "seed = 9");
  edited.replace(edited.find("sync = \"full\""), 13, "sync = \"top\"\nunmap = false");
  edited.replace(edited.find("[target]\n"), 9, "[target]\nlatency_us = 250\n");
  edited.replace(edited.find("\"EIO\""), 5, "\"ENOSPC\"");
  EXPECT_EQ(set, parse_scenario(edited, "base.toml"));
  EXPECT_NE(set, load_with({}));
}

TEST(ScenarioOverrides, LaterSetsWinAndMissingTablesAreMade) {
  const Scenario s = load_with(
      {"mirror.granularity_bytes=4096", "mirror.granularity_bytes=8192", "limits.max_events=1000"});
  EXPECT_EQ(s.mirror.granularity_bytes, 8192u);
  EXPECT_EQ(s.limits.max_events, 1000u);
}

TEST(ScenarioOverrides, BadValuesNameTheKeyAndTheSet) {
  EXPECT_EQ(
      error_of({"mirror.granularity_bytes=3000"})
          .rfind("base.toml:0: mirror.granularity_bytes: 3000 bytes is not a power of two (from "
                 "--set mirror.granularity_bytes=3000)",
                 0),
      0u)
      << error_of({"mirror.granularity_bytes=3000"});
  EXPECT_NE(error_of({"target.nope=1"}).find("target.nope: unknown key (from --set target.nope=1)"),
            std::string::npos);
  EXPECT_NE(error_of({"faults[1].errno=EIO"}).find("faults has 1 entries"), std::string::npos);
  EXPECT_NE(error_of({"commands[0].action=cancel"}).find("the file has no commands"),
            std::string::npos);
  EXPECT_NE(error_of({"mirror.sync.x=1"}).find("mirror.sync is not a table"), std::string::npos);
}

TEST(ScenarioOverrides, MalformedSetsAreRejectedBeforeLoading) {
  for (const char* text : {"seed", "=1", "a..b=1", "a[x]=1", "a[1=2", "a b=1"}) {
    EXPECT_THROW(parse_override(text), std::invalid_argument) << text;
  }
  EXPECT_EQ(parse_override("faults.2.errno=EIO").path, "faults[2].errno");
  EXPECT_EQ(parse_override("a=b=c").value, "b=c");
}

}  // namespace
}  // namespace mirrorsim::scenarios

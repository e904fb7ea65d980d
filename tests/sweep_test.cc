// `mirrorsim sweep`: the sweep file's grid and errors, the tables' statistics,
// and the command end to end (rows, summary, plots, resume, refusing another
// sweep's folder).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "reports/sweep_results.h"
#include "scenarios/scenario_error.h"
#include "scenarios/sweep_spec.h"
#include "tests/cli_support.h"

namespace mirrorsim {
namespace {

namespace fs = std::filesystem;
using scenarios::load_sweep_spec;
using scenarios::sweep_cells;

const std::string kBase = R"(seed = 1
[source]
length_bytes = "8MiB"
old_data = true
zero_init = false
[target]
length_bytes = "8MiB"
[mirror]
sync = "full"
[workload]
rate_iops = 1000
size_bytes = "4KiB"
align_bytes = "4KiB"
mix = { write = 1 }
[[commands]]
action = "complete"
on_ready = true
)";

class SweepTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mirrorsim_sweep_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    write("base.toml", kBase);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  std::string error_of(const std::string& spec) const {
    try {
      load_sweep_spec(write("bad.toml", spec));
    } catch (const scenarios::ScenarioError& e) {
      return e.what();
    }
    return "(no error)";
  }
  fs::path dir_;
};

TEST_F(SweepTest, CellsCrossTheAxesFirstSlowestAndZippedAxesMoveTogether) {
  const auto spec = load_sweep_spec(write("s.toml", R"(base = "base.toml"
seeds = [4, 9]
[[axes]]
key = "mirror.granularity_bytes"
range = "4KiB..64KiB x4"
[[axes]]
key = "mirror.copy_mode"
values = ["background", "write-blocking"]
[[axes]]
key = "target.latency_us"
values = [100, 200]
zip = "mirror.copy_mode"
)"));
  EXPECT_EQ(spec.seeds, (std::vector<std::uint64_t>{4, 9}));
  ASSERT_EQ(spec.axes[0].values, (std::vector<std::string>{"4096", "16384", "65536"}));
  EXPECT_TRUE(spec.axes[0].multiplicative);
  const auto cells = sweep_cells(spec);
  ASSERT_EQ(cells.size(), 6u);  // 3 granularities x 2 (mode, latency) pairs
  EXPECT_EQ(cells[1].overrides[0].value, "4096");
  EXPECT_EQ(cells[1].overrides[1].value, "write-blocking");
  EXPECT_EQ(cells[1].overrides[2].value, "200");
  EXPECT_EQ(cells[2].overrides[0].value, "16384");
  EXPECT_EQ(cells[2].overrides[2].value, "100");
}

TEST_F(SweepTest, AdditiveRangesIncludeBothEnds) {
  const auto spec =
      load_sweep_spec(write("s.toml",
                            "base = \"base.toml\"\n[[axes]]\nkey = "
                            "\"target.latency_us\"\nrange = \"100us..1ms +300us\"\n"));
  EXPECT_EQ(spec.axes[0].values, (std::vector<std::string>{"100", "400", "700", "1000"}));
}

TEST_F(SweepTest, BadSweepFilesNameTheLineAndKey) {
  const std::string head = "base = \"base.toml\"\n";
  EXPECT_NE(error_of(head + "[[axes]]\nkey = \"mirror.sync\"\n")
                .find("bad.toml:2: axes[0]: needs exactly one of values and range"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[[axes]]\nkey = \"a\"\nrange = \"8KiB..4KiB x2\"\n")
                .find(":4: axes[0].range: the low end is above"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[[axes]]\nkey = \"a\"\nrange = \"1..9 x1\"\n")
                .find("would never reach the end"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[[axes]]\nkey = \"a\"\nvalues = [1]\nzip = \"b\"\n")
                .find("axes[0].zip: no earlier axis 'b'"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[[axes]]\nkey = \"a\"\nvalues = [1]\n[[plots]]\nkind = \"lines\"\nx = "
                            "\"a\"\nmetric = \"speed\"\n")
                .find("plots[0].metric: 'speed' is not a metric"),
            std::string::npos);
  EXPECT_NE(error_of("base = \"nope.toml\"\n[[axes]]\nkey = \"a\"\nvalues = [1]\n")
                .find("bad.toml:1: base: no scenario file"),
            std::string::npos);
  EXPECT_NE(error_of(head + "seeds = 0\n[[axes]]\nkey = \"a\"\nvalues = [1]\n").find(":2: seeds:"),
            std::string::npos);
  EXPECT_NE(error_of(head + "axis = 1\n").find(":2: axis: unknown key"), std::string::npos);
}

TEST_F(SweepTest, ModelLinesAreGnuplotExpressionsOnLinePlots) {
  const std::string head =
      "base = \"base.toml\"\n[[axes]]\nkey = \"mirror.granularity_bytes\"\nvalues = [4096]\n"
      "[[axes]]\nkey = \"mirror.copy_mode\"\nvalues = [\"background\"]\n[[plots]]\n"
      "kind = \"lines\"\nx = \"mirror.granularity_bytes\"\nmetric = \"written_bytes\"\n";
  const auto one = load_sweep_spec(write("s.toml", head + "model = \"1e9 / x\"\n"));
  EXPECT_EQ(one.plots[0].models, (std::vector<std::string>{"1e9 / x"}));
  EXPECT_EQ(one.plots[0].model_titles, (std::vector<std::string>{"model"}));
  const auto two = load_sweep_spec(
      write("s.toml", head + "model = [\"x\", \"2 * x\"]\nmodel_title = [\"a\", \"b\"]\n"));
  EXPECT_EQ(two.plots[0].models, (std::vector<std::string>{"x", "2 * x"}));
  EXPECT_EQ(two.plots[0].model_titles, (std::vector<std::string>{"a", "b"}));

  EXPECT_NE(error_of(head + "model = \"x\"\nmodel_title = [\"a\", \"b\"]\n")
                .find(":13: plots[0].model_title: 2 titles for 1 model expressions"),
            std::string::npos);
  EXPECT_NE(error_of(head + "model = \"x; system('rm -rf /')\"\n")
                .find(":12: plots[0].model: 'x; system('rm -rf /')' holds ; ` # or a line break"),
            std::string::npos);
  EXPECT_NE(error_of(head + "model = \"`date`\"\n").find("plots[0].model:"), std::string::npos);
  EXPECT_NE(error_of(head + "model = 3\n").find(":12: plots[0].model: not a string"),
            std::string::npos);
  EXPECT_NE(error_of(head + "model = []\n").find("plots[0].model: 0 entries"), std::string::npos);
  EXPECT_NE(error_of(head + "log_y = 1\n").find(":12: plots[0].log_y: not a boolean"),
            std::string::npos);
  const auto logs = load_sweep_spec(write("s.toml", head + "log_x = false\nlog_y = true\n"));
  EXPECT_EQ(logs.plots[0].log_x, std::optional<bool>(false));
  EXPECT_TRUE(logs.plots[0].log_y);
  EXPECT_NE(error_of(head + "model_title = \"t\"\n").find("plots[0].model_title: a title without"),
            std::string::npos);
  EXPECT_NE(error_of("base = \"base.toml\"\n[[axes]]\nkey = \"a\"\nvalues = [1]\n[[axes]]\nkey = "
                     "\"b\"\nvalues = [1]\n[[plots]]\nkind = \"heatmap\"\nx = \"a\"\ny = \"b\"\n"
                     "metric = \"events\"\nmodel = \"x\"\n")
                .find(":13: plots[0].model: a heatmap has no model line"),
            std::string::npos);
}

TEST_F(SweepTest, WhereKeepsOnlyTheRunsWithTheGivenAxisValues) {
  const std::string head =
      "base = \"base.toml\"\n[[axes]]\nkey = \"mirror.granularity_bytes\"\nrange = \"4KiB..64KiB "
      "x4\"\n[[axes]]\nkey = \"mirror.copy_mode\"\nvalues = [\"background\", "
      "\"write-blocking\"]\n[[plots]]\nkind = \"lines\"\nx = \"mirror.copy_mode\"\n"
      "metric = \"events\"\n";
  const auto spec = load_sweep_spec(
      write("s.toml", head + "where = { \"mirror.granularity_bytes\" = \"16KiB\" }\n"));
  using Where = std::vector<std::pair<std::size_t, std::size_t>>;
  EXPECT_EQ(spec.plots[0].where, (Where{{0, 1}}));  // 16 KiB is the second value of axis 0
  EXPECT_EQ(
      load_sweep_spec(write("s.toml", head + "where = { \"mirror.granularity_bytes\" = 65536 }\n"))
          .plots[0]
          .where,
      (Where{{0, 2}}));
  EXPECT_NE(error_of(head + "where = { \"mirror.granularity_bytes\" = \"8KiB\" }\n")
                .find(":12: plots[0].where.mirror.granularity_bytes: '8KiB' is not one of the "
                      "axis's values; allowed: 4096, 16384, 65536"),
            std::string::npos)
      << error_of(head + "where = { \"mirror.granularity_bytes\" = \"8KiB\" }\n");
  EXPECT_NE(error_of(head + "where = { \"mirror.copy_mode\" = \"background\" }\n")
                .find("plots[0].where.mirror.copy_mode: the plot draws this axis"),
            std::string::npos);
  EXPECT_NE(error_of(head + "where = { \"mirror.sync\" = \"full\" }\n")
                .find("plots[0].where.mirror.sync: 'mirror.sync' is not an axis"),
            std::string::npos);
  EXPECT_NE(error_of(head + "where = 3\n").find(":12: plots[0].where: not a table"),
            std::string::npos);
}

TEST(SweepStats, MeanSdAndStudentInterval) {
  const reports::Stats st = reports::stats_of({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(st.mean, 2.5);
  EXPECT_NEAR(st.sd, 1.2909944, 1e-6);
  EXPECT_NEAR(st.ci95, 3.182 * 1.2909944 / 2, 1e-6);  // t(0.975, 3) = 3.182
  EXPECT_EQ(reports::stats_of({7}).ci95, 0);
}

// ---- the command ---------------------------------------------------------------

int run_command(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::size_t lines_of(const fs::path& file) {
  std::ifstream in(file);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

TEST_F(SweepTest, TheCommandWritesRowsSummaryAndPlotsAndResumes) {
  const char* bin = std::getenv("MIRRORSIM_BIN");
  if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "MIRRORSIM_BIN is not set";
  const fs::path spec = write("s.toml", R"spec(base = "base.toml"
seeds = 2
[[axes]]
key = "mirror.granularity_bytes"
values = ["64KiB", "256KiB"]
[[axes]]
key = "mirror.buf_size_bytes"
values = ["1MiB", "4MiB"]
[[plots]]
kind = "heatmap"
x = "mirror.granularity_bytes"
y = "mirror.buf_size_bytes"
metric = "time_to_ready_s"
[[plots]]
kind = "lines"
x = "mirror.granularity_bytes"
series = "mirror.buf_size_bytes"
metric = "written_bytes"
model = ["8388608 + 0 * x", "8388608 * (1 + x / 1048576)"]
model_title = ["the disk", "the disk and a chunk per MiB"]
log_y = true
[[plots]]
kind = "lines"
x = "mirror.granularity_bytes"
metric = "copy_ops"
where = { "mirror.buf_size_bytes" = "4MiB" }
)spec");
  const fs::path out = dir_ / "out";
  const std::string command = std::string(bin) + " sweep " + spec.string() + " --jobs 2 --out " +
                              out.string() + " > " + (dir_ / "log.txt").string() + " 2>&1";
  ASSERT_EQ(run_command(command), 0) << testing_support::read_text(dir_ / "log.txt");
  EXPECT_EQ(lines_of(out / "results.csv"), 1u + 8u);
  EXPECT_EQ(lines_of(out / "results.jsonl"), 8u);
  EXPECT_EQ(lines_of(out / "summary.csv"), 1u + 4u);
  const std::string csv = testing_support::read_text(out / "results.csv");
  EXPECT_EQ(csv.rfind("run,cell,seed,mirror.granularity_bytes,mirror.buf_size_bytes,", 0), 0u);
  EXPECT_NE(csv.find("\n3,1,2,65536,4194304,65536,4194304,"), std::string::npos) << csv;
  bool png = false;
  for (const auto& e : fs::directory_iterator(out / "plots"))
    png = png || e.path().extension() == ".png";
  EXPECT_TRUE(png);
  // The model lines are in the script, dashed, in their series' colours, and were drawn.
  const std::string gp = testing_support::read_text(
      out / "plots" / "2-written_bytes-by-mirror_granularity_bytes-and-mirror_buf_size_bytes.gp");
  EXPECT_NE(gp.find(", (8388608 + 0 * x) with lines dashtype 2 linewidth 2 linecolor 1 title "
                    "\"the disk\""),
            std::string::npos)
      << gp;
  EXPECT_NE(gp.find(", (8388608 * (1 + x / 1048576)) with lines dashtype 2 linewidth 2 linecolor 2 "
                    "title \"the disk and a chunk per MiB\""),
            std::string::npos)
      << gp;
  EXPECT_NE(gp.find("set logscale y\n"), std::string::npos) << gp;
  // `where` keeps the 4 MiB runs only: one point per granularity, from 2 seeds each.
  const fs::path where_plot = out / "plots" / "3-copy_ops-by-mirror_granularity_bytes";
  EXPECT_NE(testing_support::read_text(fs::path(where_plot.string() + ".gp"))
                .find("where mirror.buf_size_bytes = 4 MiB"),
            std::string::npos);
  EXPECT_EQ(lines_of(fs::path(where_plot.string() + ".dat")), 1u + 2u + 2u);
  EXPECT_TRUE(fs::exists(
      out / "plots" / "2-written_bytes-by-mirror_granularity_bytes-and-mirror_buf_size_bytes.png"));

  // Resume: a lost run is run again, the rest are kept.
  fs::remove(out / "runs" / "000005.json");
  ASSERT_EQ(run_command(command), 0);
  EXPECT_NE(
      testing_support::read_text(dir_ / "log.txt").find("1 ran now, 7 kept from before, 0 missing"),
      std::string::npos)
      << testing_support::read_text(dir_ / "log.txt");
  EXPECT_EQ(testing_support::read_text(out / "results.csv"), csv);

  // Another sweep into the same folder is refused.
  write("s.toml", testing_support::read_text(spec) + "# changed\n");
  EXPECT_EQ(run_command(command), 2);
}

}  // namespace
}  // namespace mirrorsim

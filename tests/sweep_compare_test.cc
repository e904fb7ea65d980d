// `mirrorsim compare`: two sweeps' rows paired by cell and seed, outcome
// changes listed first, metric changes with their size, and the CSV and
// JSONL readers giving back what the sweep wrote.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "reports/sweep_compare.h"

namespace mirrorsim::reports {
namespace {

namespace fs = std::filesystem;

Row run_row(std::uint64_t granularity, const std::string& locality, std::uint64_t seed,
            bool converged, double time_to_ready, const std::string& hash) {
  Row r;
  r["run"] = 0;
  r["cell"] = 0;
  r["seed"] = seed;
  r["mirror.granularity_bytes"] = granularity;
  r["workload.locality"] = locality;
  r["job.granularity_bytes"] = granularity;
  r["outcome"] = converged ? "completed (pivoted to the target)" : "not converged, with a comma";
  r["failure_kind"] = nullptr;
  r["converged"] = converged;
  r["time_to_ready_s"] = converged ? Row(time_to_ready) : Row();
  r["hash"] = hash;
  return r;
}

std::vector<Row> grid(double slow_factor, bool big_converges) {
  std::vector<Row> rows;
  for (std::uint64_t seed : {1, 2}) {
    rows.push_back(run_row(65536, "uniform", seed, true, 2.0 + 0.01 * seed, "aaaa"));
    rows.push_back(run_row(65536, "zipf", seed, true, 3.0 * slow_factor, "bbbb"));
    rows.push_back(run_row(1048576, "uniform", seed, big_converges, 9.0, "cccc"));
  }
  return rows;
}

TEST(SweepCompare, TheSameSweepTwiceChangesNothingAndSharesEveryHash) {
  const SweepComparison c = compare_sweeps(grid(1, false), grid(1, false), {"time_to_ready_s"});
  ASSERT_EQ(c.cells.size(), 3u);
  for (const CellComparison& cell : c.cells) {
    EXPECT_FALSE(cell.outcome_changed());
    EXPECT_EQ(cell.paired_runs, 2u);
    EXPECT_EQ(cell.same_hashes, 2u);
  }
  const std::string text = comparison_text(c, "A", "B", 10);
  EXPECT_NE(text.find("6 of 6 paired runs (same cell and seed) identical"), std::string::npos)
      << text;
  EXPECT_NE(text.find("outcome changed in 0 of 3 cells"), std::string::npos) << text;
  EXPECT_NE(text.find("time_to_ready_s: changed in 0 of 3 cells"), std::string::npos) << text;
}

TEST(SweepCompare, AnOutcomeChangeComesFirstThenTheLargestMetricChange) {
  std::vector<Row> b = grid(2, true);
  for (Row& r : b) r["hash"] = "ffff";
  const SweepComparison c = compare_sweeps(grid(1, false), b, {"time_to_ready_s"});
  ASSERT_EQ(c.cells.size(), 3u);
  // The 1 MiB cell converged only in B: listed first.
  EXPECT_EQ(c.cells[0].inputs["mirror.granularity_bytes"], 1048576);
  EXPECT_TRUE(c.cells[0].outcome_changed());
  EXPECT_EQ(outcome_text(*c.cells[0].a), "2 not converged");
  EXPECT_EQ(outcome_text(*c.cells[0].b), "2 converged");
  // Then the zipf cell, twice as slow: +100%.
  EXPECT_EQ(c.cells[1].inputs["workload.locality"], "zipf");
  ASSERT_TRUE(c.cells[1].relative_change("time_to_ready_s"));
  EXPECT_DOUBLE_EQ(*c.cells[1].relative_change("time_to_ready_s"), 1.0);
  EXPECT_DOUBLE_EQ(*c.cells[2].relative_change("time_to_ready_s"), 0.0);
  EXPECT_EQ(c.cells[2].same_hashes, 0u);
  const std::string text = comparison_text(c, "A", "B", 10);
  EXPECT_NE(text.find("mirror.granularity_bytes=1 MiB workload.locality=uniform: A 2 not "
                      "converged -> B 2 converged"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("3 -> 6 (+100.0%)"), std::string::npos) << text;
}

TEST(SweepCompare, DifferentGridsAndUnknownMetricsAreBadInput) {
  std::vector<Row> b = grid(1, false);
  for (Row& r : b) r["mirror.buf_size_bytes"] = 1048576;
  EXPECT_THROW(compare_sweeps(grid(1, false), b, {}), CompareInputError);
  EXPECT_THROW(compare_sweeps(grid(1, false), grid(1, false), {"no_such_metric"}),
               CompareInputError);
}

TEST(SweepCompare, TheCsvReaderGivesBackWhatTheSweepWrote) {
  const fs::path dir = testing::TempDir() + "/sweep_compare_csv";
  fs::create_directories(dir);
  const std::vector<Row> rows = grid(1, false);
  {
    std::ofstream(dir / "results.csv") << results_csv(rows);
    std::ofstream(dir / "results.jsonl") << results_jsonl(rows);
  }
  const std::vector<Row> from_csv = read_sweep_rows(dir / "results.csv");
  const std::vector<Row> from_folder = read_sweep_rows(dir);  // its results.jsonl
  ASSERT_EQ(from_csv.size(), rows.size());
  ASSERT_EQ(from_folder.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(from_folder[i], rows[i]);
    EXPECT_EQ(from_csv[i]["outcome"], rows[i]["outcome"]);  // quoted: holds a comma
    EXPECT_EQ(from_csv[i]["mirror.granularity_bytes"], rows[i]["mirror.granularity_bytes"]);
    EXPECT_EQ(from_csv[i]["hash"], rows[i]["hash"]);
    EXPECT_EQ(from_csv[i]["failure_kind"], Row());
  }
  // Same rows, read two ways: nothing changed, every hash shared.
  const SweepComparison c = compare_sweeps(from_csv, from_folder, {"time_to_ready_s"});
  for (const CellComparison& cell : c.cells) EXPECT_EQ(cell.same_hashes, 2u);

  std::ofstream(dir / "short.csv") << "run,seed\n1,2,3\n";
  try {
    read_sweep_rows(dir / "short.csv");
    FAIL() << "a short row was accepted";
  } catch (const CompareInputError& e) {
    EXPECT_NE(std::string(e.what()).find("short.csv:2: 3 fields where the header has 2"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(read_sweep_rows(dir / "missing"), CompareInputError);
}

}  // namespace
}  // namespace mirrorsim::reports

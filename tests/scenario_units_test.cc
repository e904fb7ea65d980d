// Sizes and times with units, as scenario files write them.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "scenarios/scenario_units.h"

namespace mirrorsim::scenarios {
namespace {

using Status = Quantity::Status;

std::uint64_t size(std::string_view text) {
  const Quantity q = parse_size_text(text);
  EXPECT_EQ(q.status, Status::kOk) << text;
  return q.value;
}

std::uint64_t time(std::string_view text) {
  const Quantity q = parse_time_text(text);
  EXPECT_EQ(q.status, Status::kOk) << text;
  return q.value;
}

TEST(ScenarioUnits, Sizes) {
  EXPECT_EQ(size("0"), 0u);
  EXPECT_EQ(size("4096"), 4096u);
  EXPECT_EQ(size("512B"), 512u);
  EXPECT_EQ(size("64KiB"), 65536u);
  EXPECT_EQ(size("64K"), 65536u);
  EXPECT_EQ(size("1 MiB"), 1048576u);
  EXPECT_EQ(size("3M"), 3u << 20);
  EXPECT_EQ(size("2GiB"), 2ULL << 30);
  EXPECT_EQ(size("1TiB"), 1ULL << 40);
  EXPECT_EQ(size("16777215T"), 16777215ULL << 40);
  EXPECT_EQ(size("18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"", "KiB", "64KB", "64 ", "64  KiB", "-1", "+1", "1.5MiB", "0x10",
                          "64kib", "64 KiB extra", "1PiB"}) {
    EXPECT_EQ(parse_size_text(bad).status, Status::kSyntax) << bad;
  }
  for (const char* big : {"16777216TiB", "18446744073709551616", "99999999999999999999999KiB"}) {
    EXPECT_EQ(parse_size_text(big).status, Status::kOverflow) << big;
  }
}

TEST(ScenarioUnits, Times) {
  EXPECT_EQ(time("500us"), 500u);
  EXPECT_EQ(time("10ms"), 10'000u);
  EXPECT_EQ(time("2s"), 2'000'000u);
  EXPECT_EQ(time("2 s"), 2'000'000u);
  EXPECT_EQ(time("1min"), 60'000'000u);
  EXPECT_EQ(time("1h"), 3'600'000'000u);
  for (const char* bad : {"", "10", "10 parsecs", "1.5s", "ms", "-1s", "10m", "10sec"}) {
    EXPECT_EQ(parse_time_text(bad).status, Status::kSyntax) << bad;
  }
  EXPECT_EQ(parse_time_text("9999999999999999h").status, Status::kOverflow);
}

TEST(ScenarioUnits, ShortestExactUnit) {
  EXPECT_EQ(size_with_unit(0), std::nullopt);
  EXPECT_EQ(size_with_unit(512), std::nullopt);
  EXPECT_EQ(size_with_unit(1536), std::nullopt);
  EXPECT_EQ(size_with_unit(2048), "2KiB");
  EXPECT_EQ(size_with_unit(1025 * 1024), "1025KiB");
  EXPECT_EQ(size_with_unit(64ULL << 20), "64MiB");
  EXPECT_EQ(size_with_unit(3ULL << 40), "3TiB");
  EXPECT_EQ(time_with_unit(0), std::nullopt);
  EXPECT_EQ(time_with_unit(1500), std::nullopt);
  EXPECT_EQ(time_with_unit(7'500'000), "7500ms");
  EXPECT_EQ(time_with_unit(120'000'000), "120s");
}

RC_GTEST_PROP(ScenarioUnits, FormattedValuesParseBack, (std::uint64_t value)) {
  if (auto text = size_with_unit(value)) RC_ASSERT(parse_size_text(*text).value == value);
  if (auto text = time_with_unit(value)) RC_ASSERT(parse_time_text(*text).value == value);
  RC_ASSERT(parse_size_text(std::to_string(value)).value == value);
}

}  // namespace
}  // namespace mirrorsim::scenarios

// Malformed scenario files: each gives one line naming file, line, key and
// what is allowed.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "scenarios/scenario_error.h"
#include "scenarios/scenario_loader.h"

namespace mirrorsim::scenarios {
namespace {

const std::filesystem::path kData = std::filesystem::path(__FILE__).parent_path() / "data";

struct BadCase {
  const char* name;
  std::string text;
  std::uint64_t line;
  std::string key;
  std::string problem;  // a part of what is wrong
  std::string allowed;  // a part of what is allowed
};

// For gtest's messages and ctest's test names (no byte dump of the struct).
void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

// A valid scenario that the cases below add to or change.
const std::string kDisks = R"([source]
length_bytes = "1MiB"
[target]
length_bytes = "1MiB"
)";                                                         // lines 1-4
const std::string kMirror = "[mirror]\nsync = \"full\"\n";  // lines 5-6

std::vector<BadCase> bad_cases() {
  return {
      {"TruncatedToml", kDisks + "[mirror]\nsync = \"fu", 6, "syntax", "", "TOML"},
      {"TruncatedTable", kDisks + kMirror + "[workload", 7, "syntax", "", "TOML"},
      {"DuplicateKey", kDisks + kMirror + "[limits]\nmax_events = 1\nmax_events = 2\n", 9, "syntax",
       "", "TOML"},
      {"UnknownTopLevelKey", "colour = \"blue\"\n" + kDisks + kMirror, 1, "colour", "unknown key",
       "name, description, seed, limits, source"},
      {"UnknownMirrorKey", kDisks + kMirror + "granularty = 4096\n", 7, "mirror.granularty",
       "unknown key", "sync, copy_mode, granularity_bytes"},
      {"WrongTypeBool", kDisks + kMirror + "unmap = \"yes\"\n", 7, "mirror.unmap",
       "a string is the wrong type", "true or false"},
      {"WrongTypeTable", "source = 5\n" + kMirror, 1, "source", "an integer is the wrong type",
       "a table"},
      {"NaNRate", kDisks + kMirror + "[workload]\nrate_iops = nan\n", 8, "workload.rate_iops",
       "nan is not a number", "a finite number"},
      {"NaNSize", "[source]\nlength_bytes = nan\n" + kMirror, 2, "source.length_bytes",
       "nan is not a number", "an integer number of bytes"},
      {"InfLatency", "[source]\nlatency_us = inf\n" + kMirror, 2, "source.latency_us",
       "inf is not a finite number", "microseconds"},
      {"FloatSize", kDisks + kMirror + "buf_size_bytes = 4096.5\n", 7, "mirror.buf_size_bytes",
       "4096.5 is a floating-point number", "64KiB"},
      {"NegativeSize", "[source]\nlength_bytes = -512\n" + kMirror, 2, "source.length_bytes",
       "negative size -512", "an integer number of bytes"},
      {"NegativeCount", kDisks + kMirror + "[limits]\nmax_events = -1\n", 8, "limits.max_events",
       "negative number -1", "non-negative integer"},
      {"OverflowingInteger", "seed = 99999999999999999999\n" + kDisks + kMirror, 1, "syntax", "",
       "TOML"},
      {"OverflowingSeedString", "seed = \"18446744073709551616\"\n" + kDisks + kMirror, 1, "seed",
       "does not fit in 64 bits", "decimal digits"},
      {"OverflowingSizeString", "[source]\nlength_bytes = \"99999999TiB\"\n" + kMirror, 2,
       "source.length_bytes", "does not fit in 64 bits", "TiB"},
      {"BadSizeUnit", "[source]\nlength_bytes = \"64KB\"\n" + kMirror, 2, "source.length_bytes",
       "\"64KB\" is not a size", "K/KiB"},
      {"BadTimeUnit",
       kDisks + kMirror + "[[commands]]\naction = \"complete\"\nat_us = \"10 parsecs\"\n", 9,
       "commands[0].at_us", "\"10 parsecs\" is not a time", "10ms"},
      {"GranularityNotPowerOfTwo", kDisks + kMirror + "granularity_bytes = 3000\n", 7,
       "mirror.granularity_bytes", "3000 bytes is not a power of two", "512 bytes to 64MiB"},
      {"GranularityTooLarge", kDisks + kMirror + "granularity_bytes = \"128MiB\"\n", 7,
       "mirror.granularity_bytes", "128MiB is out of range", "512 bytes to 64MiB"},
      {"Cluster3MiB", kDisks + "[base]\nkind = \"cluster\"\ncluster_bytes = \"3MiB\"\n" + kMirror,
       7, "base.cluster_bytes", "3MiB is not a power of two", "512 bytes to 2MiB"},
      {"Cluster4MiB", kDisks + "[base]\nkind = \"cluster\"\ncluster_bytes = \"4MiB\"\n" + kMirror,
       7, "base.cluster_bytes", "4MiB is out of range", "512 bytes to 2MiB"},
      // io-mirror, snapshot and precopy share the ranges of the copy unit
      // and the copy ops.
      {"PrecopyRegionOutOfRange",
       kDisks + kMirror + "algorithm = \"precopy\"\nregion_bytes = \"128MiB\"\n", 8,
       "mirror.region_bytes", "128MiB is out of range", "power of two from 512 bytes to 64MiB"},
      {"SnapshotTooManyCopyOps", kDisks + kMirror + "algorithm = \"snapshot\"\nmax_copy_ops = 65\n",
       8, "mirror.max_copy_ops", "65 is out of range", "0 (default) or 1 to 64"},
      {"RawWithCluster", "[source]\ncluster_bytes = \"64KiB\"\n" + kMirror, 2,
       "source.cluster_bytes", "a raw disk has no clusters", "kind = \"cluster\""},
      {"LengthNotSectorMultiple",
       "[source]\nlength_bytes = 1000\n[target]\nlength_bytes = 1000\n" + kMirror, 2,
       "source.length_bytes", "1000 bytes is not a multiple of 512", "multiple of 512"},
      {"MissingSync", kDisks + "[mirror]\nspeed_bytes_per_s = 0\n", 5, "mirror.sync", "missing",
       "full, top, none"},
      {"NoMirrorSection", kDisks, 1, "mirror.sync", "missing", "full, top, none"},
      {"EmptyText", "", 0, "file", "empty (0 bytes)", "[mirror]"},
      {"NulByte", kDisks + std::string("[mir\0ror]\n", 10), 5, "file", "a NUL byte",
       "a TOML text file"},
      {"BadSync", kDisks + "[mirror]\nsync = \"partial\"\n", 6, "mirror.sync",
       "'partial' is not a choice here", "full, top, none"},
      {"UnknownBug", kDisks + kMirror + "bugs = [\"skip-flush\", \"made-up\"]\n", 7,
       "mirror.bugs[1]", "unknown bug 'made-up'", "no-size-check, skip-flush"},
      {"BugTwice", kDisks + kMirror + "bugs = [\"skip-flush\", \"skip-flush\"]\n", 7,
       "mirror.bugs[1]", "listed twice", "each bug once"},
      {"BackingWithoutBase",
       "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = \"1MiB\"\nkind = \"cluster\"\n"
       "backing = \"at-pivot\"\n" +
           kMirror,
       6, "target.backing", "there is no [base] disk", "a [base] table"},
      {"RawWithBacking", "[target]\nbacking = \"attached\"\n" + kMirror, 2, "target.backing",
       "a raw disk has no backing image", "kind = \"cluster\""},
      {"OldDataZeroInit", kDisks + "old_data = true\n" + kMirror, 5, "target.old_data",
       "cannot also be zero_init", "zero_init = false"},
      {"MissingTraceFile", kDisks + kMirror + "[workload]\ntrace = \"no-such-trace.csv\"\n", 8,
       "workload.trace", "does not exist", "an existing file"},
      {"TraceWithBadRow", kDisks + kMirror + "[workload]\ntrace = \"trace_bad_row.csv\"\n", 8,
       "workload.trace", "trace_bad_row.csv:4: op 'wrte' is not an operation",
       "write, write_zeroes, discard (or trim), read"},
      {"TraceRowPastDiskEnd",
       "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = \"1MiB\"\n" + kMirror +
           "[workload]\ntrace = \"trace_sample.csv\"\n",
       8, "workload.trace", "trace_sample.csv:5: request [1048576, 1114112) ends past the disk end",
       "requests within the 1048576 bytes"},
      {"GeneratorKeyInTraceWorkload",
       kDisks + kMirror + "[workload]\ntrace = \"trace_sample.csv\"\nrate_iops = 5\n", 9,
       "workload.rate_iops", "unknown key", "kind, max_outstanding, trace, format"},
      {"BadWorkloadKind", kDisks + kMirror + "[workload]\nkind = \"replay\"\n", 8, "workload.kind",
       "'replay' is not a choice here", "none, generator, trace"},
      {"ZipfThetaZero", kDisks + kMirror + "[workload]\nlocality = \"zipf\"\nzipf_theta = 0\n", 9,
       "workload.zipf_theta", "0 is out of range", "greater than 0"},
      {"AlignNotPowerOfTwo", kDisks + kMirror + "[workload]\nalign_bytes = 1536\n", 8,
       "workload.align_bytes", "1536 bytes", "a power of two"},
      {"BadSizeDistribution", kDisks + kMirror + "[workload]\nsize_bytes = true\n", 8,
       "workload.size_bytes", "a boolean is the wrong type", "a list of sizes"},
      {"UniformSizeMissingMax",
       kDisks + kMirror + "[workload]\nsize_bytes = { min_bytes = 4096 }\n", 8,
       "workload.size_bytes.max_bytes", "missing", "64KiB"},
      {"UnalignedChoice", kDisks + kMirror + "[workload]\nsize_bytes = [4096, 1000]\n", 8,
       "workload.size_bytes[1]", "1000 bytes is not a multiple of 512", "multiple of 512"},
      {"MixAllZero", kDisks + kMirror + "[workload]\nmix = { write = 0 }\n", 8, "workload.mix",
       "every weight is 0", "at least one weight"},
      {"PhaseWithoutDuration",
       kDisks + kMirror + "[workload]\n[[workload.phases]]\nrate_iops = 10\n", 8,
       "workload.phases[0].duration_us", "missing", "microseconds"},
      {"BadFaultOp", kDisks + kMirror + "[[faults]]\nop = \"writ\"\n", 8, "faults[0].op",
       "'writ' is not a choice here", "read, write, write_zeroes, discard, flush, any"},
      {"BadErrno", kDisks + kMirror + "[[faults]]\nop = \"write\"\nerrno = \"EPERM\"\n", 9,
       "faults[0].errno", "'EPERM' is not a choice here", "EIO, ENOSPC, EINVAL"},
      {"FaultProbability", kDisks + kMirror + "[[faults]]\nprobability = 1.5\n", 8,
       "faults[0].probability", "1.5 is out of range", "from 0 to 1"},
      {"FaultPastDiskEnd",
       kDisks + kMirror + "[[faults]]\noffset_bytes = \"1MiB\"\nlength_bytes = 512\n", 9,
       "faults[0].length_bytes", "past the end of the target disk", "a range inside the disk"},
      {"FaultOnBase", kDisks + kMirror + "[[faults]]\ndisk = \"base\"\n", 8, "faults[0].disk",
       "faults on the base image are not simulated", "\"source\", \"target\""},
      {"FaultWindowBackwards", kDisks + kMirror + "[[faults]]\nfrom_us = \"2s\"\nto_us = \"1s\"\n",
       9, "faults[0].to_us", "ends before it starts", "a time after from_us"},
      {"FaultsNotTables", "faults = [1]\n" + kDisks + kMirror, 1, "faults[0]",
       "an integer is the wrong type", "[[faults]]"},
      {"PrefillWithoutLength", kDisks + kMirror + "[[prefill]]\noffset_bytes = 0\n", 7,
       "prefill[0].length_bytes", "missing", "KiB"},
      {"PrefillBadOp", kDisks + kMirror + "[[prefill]]\nop = \"trim\"\n", 8, "prefill[0].op",
       "'trim' is not a choice here", "write, write_zeroes, discard"},
      {"PrefillPastDiskEnd",
       kDisks + kMirror + "[[prefill]]\noffset_bytes = \"1MiB\"\nlength_bytes = 512\n", 9,
       "prefill[0].length_bytes", "past the end of the source disk", "a range inside the disk"},
      {"PrefillUnaligned",
       kDisks + kMirror + "[[prefill]]\noffset_bytes = 100\nlength_bytes = 512\n", 8,
       "prefill[0].offset_bytes", "not a multiple of 512", "multiple of 512"},
      {"PrefillEmpty", kDisks + kMirror + "[[prefill]]\noffset_bytes = 0\nlength_bytes = 0\n", 9,
       "prefill[0].length_bytes", "a write of 0 bytes", "above 0"},
      {"PrefillOnMissingBase",
       kDisks + kMirror + "[[prefill]]\ndisk = \"base\"\noffset_bytes = 0\nlength_bytes = 512\n", 8,
       "prefill[0].disk", "without a [base] disk", "\"source\""},
      {"StartTimeNotATime", kDisks + kMirror + "start_us = \"soon\"\n", 7, "mirror.start_us", "",
       "s"},
      {"BadCommand", kDisks + kMirror + "[[commands]]\naction = \"explode\"\nat_us = 0\n", 8,
       "commands[0].action", "'explode' is not a choice here",
       "complete, cancel, force_cancel, pause, resume, set_speed, write_blocking"},
      {"CommandWithoutAction", kDisks + kMirror + "[[commands]]\nat_us = 0\n", 7,
       "commands[0].action", "missing", "complete, cancel"},
      {"CommandWithoutTime", kDisks + kMirror + "[[commands]]\naction = \"cancel\"\n", 7,
       "commands[0]", "no time given", "on_ready = true"},
      {"CommandWithTwoTimes",
       kDisks + kMirror + "[[commands]]\naction = \"cancel\"\nat_us = 5\non_ready = true\n", 9,
       "commands[0].at_us", "both at_us and on_ready", "at_us = <time>, or on_ready"},
      {"DelayWithoutOnReady",
       kDisks + kMirror + "[[commands]]\naction = \"pause\"\nat_us = 5\ndelay_us = 5\n", 10,
       "commands[0].delay_us", "without on_ready", "on_ready = true"},
      {"SetSpeedWithoutSpeed",
       kDisks + kMirror + "[[commands]]\naction = \"set_speed\"\non_ready = true\n", 7,
       "commands[0].speed_bytes_per_s", "missing", "bytes/s"},
      {"SpeedOnComplete",
       kDisks + kMirror +
           "[[commands]]\naction = \"complete\"\non_ready = true\nspeed_bytes_per_s = 5\n",
       10, "commands[0].speed_bytes_per_s", "'complete' takes no speed", "set_speed"},
      {"UnknownCommandKey",
       kDisks + kMirror + "[[commands]]\naction = \"complete\"\nwhen = \"ready\"\n", 9,
       "commands[0].when", "unknown key", "action, at_us, on_ready, delay_us, speed_bytes_per_s"},
      {"DiskTooLarge",
       "[source]\nlength_bytes = \"2048TiB\"\n[target]\nlength_bytes = \"2048TiB\"\n" + kMirror, 2,
       "source.length_bytes", "2048TiB is too large", "at most 1024TiB"},
      {"QueueDepthZero", "[source]\nqueue_depth = 0\n" + kMirror, 2, "source.queue_depth",
       "0 is out of range", "1 to 4096"},
      {"ZeroTimeLimit", kDisks + kMirror + "[limits]\nmax_time_us = 0\n", 8, "limits.max_time_us",
       "a limit of 0", "us"},
      // The unkind-disk keys and torn faults.
      {"BadIoModel", "[source]\nio_model = \"torn\"\n" + kMirror, 2, "source.io_model",
       "'torn' is not a choice here", "atomic, split"},
      {"IoModelNotAString", "[target]\nio_model = 2\n" + kMirror, 2, "target.io_model",
       "an integer is the wrong type", "a string"},
      {"BadCompletionDelay", kDisks + "completion_delay_us = \"soon\"\n" + kMirror, 5,
       "target.completion_delay_us", "\"soon\" is not a time", "10ms"},
      {"NegativeCompletionDelay", "[source]\ncompletion_delay_us = -5\n" + kMirror, 2,
       "source.completion_delay_us", "negative", "microseconds"},
      {"CompletionDelayTooLate", "[source]\ncompletion_delay_us = 4503599627370497\n" + kMirror, 2,
       "source.completion_delay_us", "too far in the future", "at most 4503599627370496 us"},
      {"ReorderWithoutDelay", kDisks + "reorder = true\n" + kMirror, 5, "target.reorder",
       "without a completion delay", "completion_delay_us > 0"},
      {"ReorderWithZeroDelay",
       "[source]\ncompletion_delay_us = 0\nreorder = true\n[target]\n" + kMirror, 3,
       "source.reorder", "without a completion delay", "completion_delay_us > 0"},
      {"ReorderNotABoolean", "[source]\ncompletion_delay_us = 5\nreorder = 1\n" + kMirror, 3,
       "source.reorder", "an integer is the wrong type", "true or false"},
      {"IoModelOnBase", kDisks + "[base]\nkind = \"cluster\"\nio_model = \"split\"\n" + kMirror, 7,
       "base.io_model", "not served as a disk of its own", "[source] or [target]"},
      {"CompletionDelayOnBase", kDisks + "[base]\ncompletion_delay_us = \"1ms\"\n" + kMirror, 6,
       "base.completion_delay_us", "not served as a disk of its own", "[source] or [target]"},
      {"ReorderOnBase", kDisks + "[base]\ncompletion_delay_us = 0\nreorder = true\n" + kMirror, 7,
       "base.reorder", "not served as a disk of its own", "[source] or [target]"},
      {"TornRead", kDisks + kMirror + "[[faults]]\ndisk = \"source\"\nop = \"read\"\ntorn = true\n",
       10, "faults[0].torn", "a 'read' request moves no data to tear", "op \"write\""},
      {"TornFlush", kDisks + kMirror + "[[faults]]\ntorn = true\nop = \"flush\"\n", 8,
       "faults[0].torn", "a 'flush' request moves no data to tear", "\"any\""},
      {"TornNotABoolean", kDisks + kMirror + "[[faults]]\ntorn = \"yes\"\n", 8, "faults[0].torn",
       "a string is the wrong type", "true or false"},
      // Write caches, power losses and guest flushes.
      {"WriteCacheOnBase", kDisks + "[base]\nkind = \"cluster\"\nwrite_cache = true\n" + kMirror, 7,
       "base.write_cache", "not served as a disk of its own", "[source] or [target]"},
      {"WriteCacheNotABoolean", "[source]\nwrite_cache = \"on\"\n" + kMirror, 2,
       "source.write_cache", "a string is the wrong type", "true or false"},
      {"BadPowerLossMode",
       kDisks + kMirror + "[[commands]]\naction = \"power_loss\"\nat_us = 5\nmode = \"all\"\n", 10,
       "commands[0].mode", "'all' is not a choice here", "any_subset, in_order_prefix"},
      {"ModeWithoutPowerLoss",
       kDisks + kMirror + "[[commands]]\naction = \"pause\"\nat_us = 5\nmode = \"any_subset\"\n",
       10, "commands[0].mode", "'pause' takes no mode", "action = \"power_loss\""},
      {"PowerLossWithoutTime", kDisks + kMirror + "[[commands]]\naction = \"power_loss\"\n", 7,
       "commands[0]", "no time given", "on_ready"},
      {"FlushEveryNegative", kDisks + kMirror + "[workload]\nflush_every = -1\n", 8,
       "workload.flush_every", "negative", ""},
  };
}

class MalformedScenario : public testing::TestWithParam<BadCase> {};

TEST_P(MalformedScenario, GivesItsOwnOneLineMessage) {
  const BadCase& c = GetParam();
  const std::string file = (kData / "case.toml").string();
  try {
    parse_scenario(c.text, file, LoadOptions{.known_bugs = {"no-size-check", "skip-flush"}});
    FAIL() << "accepted:\n" << c.text;
  } catch (const ScenarioError& e) {
    const std::string message = e.what();
    SCOPED_TRACE(message);
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_EQ(e.file(), file);
    EXPECT_EQ(e.line(), c.line);
    EXPECT_EQ(e.key(), c.key);
    EXPECT_TRUE(message.starts_with(file + ":" + std::to_string(c.line) + ": " + c.key + ": "));
    EXPECT_NE(e.problem().find(c.problem), std::string::npos) << e.problem();
    EXPECT_NE(e.allowed().find(c.allowed), std::string::npos) << e.allowed();
    EXPECT_NE(message.find("; allowed: "), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedScenario, testing::ValuesIn(bad_cases()),
                         [](const testing::TestParamInfo<BadCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(ScenarioErrors, TheBaseOfTheCasesIsValid) {
  EXPECT_NO_THROW(parse_scenario(kDisks + kMirror, "ok.toml"));
}

// Lengths that differ load: the job must then refuse to start, which the
// run checks (the campaign generates such cases and saves them).
TEST(ScenarioErrors, LengthsMayDiffer) {
  const std::string text =
      "[source]\nlength_bytes = \"1MiB\"\n[target]\nlength_bytes = \"2MiB\"\n" + kMirror;
  Scenario s;
  ASSERT_NO_THROW(s = parse_scenario(text, "ok.toml"));
  EXPECT_EQ(s.source.length_bytes, 1 * kMiB);
  EXPECT_EQ(s.target.length_bytes, 2 * kMiB);
  EXPECT_NO_THROW(parse_scenario("[target]\nlength_bytes = \"2MiB\"\n" + kMirror, "ok.toml"));
}

TEST(ScenarioErrors, NoBugsAreKnownByDefault) {
  EXPECT_THROW(parse_scenario(kDisks + kMirror + "bugs = [\"no-size-check\"]\n", "x.toml"),
               ScenarioError);
}

TEST(ScenarioErrors, MissingFileNamesIt) {
  try {
    load_scenario(kData / "no-such-scenario.toml");
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-scenario.toml:0: file: cannot open"),
              std::string::npos)
        << e.what();
  }
}

// What load_scenario says about a path that is not a scenario file: one
// line, key "file", line 0 (no line of the file is to blame).
std::string load_error(const std::filesystem::path& path) {
  try {
    load_scenario(path);
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), path.string());
    EXPECT_EQ(e.line(), 0u);
    EXPECT_EQ(e.key(), "file");
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_TRUE(message.starts_with(path.string() + ":0: file: ")) << message;
    EXPECT_NE(message.find("; allowed: "), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << path << " loaded";
  return "";
}

TEST(ScenarioErrors, ADirectoryIsNotAScenario) {
  const std::string message = load_error(kData);
  EXPECT_NE(message.find("is a directory"), std::string::npos) << message;
}

TEST(ScenarioErrors, AnEmptyFileIsNotAScenario) {
  const std::string message = load_error("/dev/null");
  EXPECT_NE(message.find("empty"), std::string::npos) << message;
}

TEST(ScenarioErrors, AnEndlessFileIsCutAtTheLimit) {
  if (!std::filesystem::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero";
  const auto start = std::chrono::steady_clock::now();
  const std::string message = load_error("/dev/zero");
  EXPECT_NE(message.find("larger than 1 MiB"), std::string::npos) << message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(ScenarioErrors, AFileOverTheLimitIsRefusedAndOneAtItLoads) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("mirrorsim-big-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  // A valid scenario padded with a comment to exactly the limit, then one byte more.
  std::string text = kDisks + kMirror + "#";
  text += std::string(kMaxScenarioFileBytes - 1 - text.size(), 'x') + "\n";
  ASSERT_EQ(text.size(), kMaxScenarioFileBytes);
  std::ofstream(dir / "at-limit.toml", std::ios::binary) << text;
  std::ofstream(dir / "over-limit.toml", std::ios::binary) << text << "\n";
  EXPECT_NO_THROW(load_scenario(dir / "at-limit.toml"));
  const std::string message = load_error(dir / "over-limit.toml");
  EXPECT_NE(message.find("larger than 1 MiB"), std::string::npos) << message;
  std::filesystem::remove_all(dir);
}

TEST(ScenarioErrors, ATraceThatIsADirectorySaysSo) {
  try {
    parse_scenario(kDisks + kMirror + "[workload]\ntrace = \".\"\n", (kData / "t.toml").string());
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.key(), "workload.trace");
    EXPECT_EQ(e.line(), 8u);
    EXPECT_NE(e.problem().find("is a directory"), std::string::npos) << e.what();
  }
}

// Damaged files never crash the loader: they load, or they throw ScenarioError.
RC_GTEST_PROP(ScenarioErrors, DamagedFilesAreRejectedCleanly, ()) {
  std::ifstream in(kData / "scenario_full.toml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const std::size_t edits = *rc::gen::inRange<std::size_t>(1, 4);
  for (std::size_t i = 0; i < edits && !text.empty(); ++i) {
    const std::size_t at = *rc::gen::inRange<std::size_t>(0, text.size());
    switch (*rc::gen::inRange(0, 4)) {
      case 0:
        text.resize(at);
        break;  // truncate
      case 1:
        text[at] = *rc::gen::inRange<char>(0, 127);
        break;  // replace a byte
      case 2:
        text.erase(at, *rc::gen::inRange<std::size_t>(1, 40));
        break;  // cut a piece
      default:
        text.insert(at, *rc::gen::element<std::string>("-", "nan", "\"", "[",
                                                       "99999999999999999999", "=", "\n[x]\n"));
        break;
    }
  }
  try {
    parse_scenario(text, (kData / "damaged.toml").string(),
                   LoadOptions{.known_bugs = {"cow-no-round"}});
  } catch (const ScenarioError& e) {
    RC_ASSERT(std::string(e.what()).find('\n') == std::string::npos);
    RC_ASSERT(std::string(e.what()).find("; allowed: ") != std::string::npos);
  }
}

}  // namespace
}  // namespace mirrorsim::scenarios

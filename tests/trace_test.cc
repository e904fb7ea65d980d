// Trace replay: CSV and fio iolog v2/v3 files, and their errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "sim/guest/trace.h"
#include "sim/guest/workload.h"
#include "sim/kernel/random.h"

namespace mirrorsim::sim {
namespace {

const std::filesystem::path kData = std::filesystem::path(__FILE__).parent_path() / "data";

constexpr engine::TimeNs us(std::int64_t v) {
  return v * 1000;
}

std::vector<GuestRequest> replay(std::vector<GuestRequest> requests) {
  TraceReplay replay(std::move(requests));
  std::vector<GuestRequest> out;
  while (auto r = replay.next()) out.push_back(*r);
  EXPECT_FALSE(replay.next().has_value());
  return out;
}

TEST(Trace, CsvSampleIsReadRowByRow) {
  const Trace trace = read_trace(kData / "trace_sample.csv", TraceFormat::kCsv);
  const std::vector<GuestRequest> expected = {
      {us(0), GuestOp::kWrite, 0, 4096},
      {us(100), GuestOp::kWrite, 4096, 4096},
      {us(100), GuestOp::kWriteZeroes, 1048576, 65536},
      {us(250), GuestOp::kDiscard, 2097152, 1048576},
      {us(1000), GuestOp::kRead, 0, 8192},
      {us(1500), GuestOp::kWrite, 512, 512},
  };
  EXPECT_EQ(trace.requests, expected);
  EXPECT_EQ(replay(trace.requests), expected);
  EXPECT_EQ(read_trace(kData / "trace_sample.csv", TraceFormat::kAuto).requests, expected);
}

TEST(Trace, CsvColumnsMayComeInAnyOrder) {
  const Trace trace = parse_csv_trace("op,length,time_us,offset\nread,512,7,1024\n", "t.csv");
  ASSERT_EQ(trace.requests.size(), 1u);
  EXPECT_EQ(trace.requests[0], (GuestRequest{us(7), GuestOp::kRead, 1024, 512}));
}

// A flush row has no range: offset and length 0.
TEST(Trace, CsvFlushRowsAreGuestFlushes) {
  const Trace trace =
      parse_csv_trace("time_us,op,offset,length\n3,write,0,512\n3,flush,0,0\n", "t.csv");
  ASSERT_EQ(trace.requests.size(), 2u);
  EXPECT_EQ(trace.requests[1], (GuestRequest{us(3), GuestOp::kFlush, 0, 0}));
}

TEST(Trace, ReplayOfAWrittenCsvReproducesTheWorkload) {
  WorkloadParams params;
  params.max_requests = 500;
  params.arrival = Arrival::kUniform;
  params.rate_iops = 3000;
  params.size = UniformSize{512, 128 * 1024};
  params.mix = OpMix{3, 1, 1, 1};
  WorkloadGenerator generator(params, 16 << 20, RandomStream(21));
  std::vector<GuestRequest> written;
  const auto path = std::filesystem::temp_directory_path() / "mirrorsim_trace_test.csv";
  {
    std::ofstream out(path);
    out << "time_us,op,offset,length\n";
    while (auto r = generator.next()) {
      r->time = r->time / 1000 * 1000;  // the CSV holds whole microseconds
      written.push_back(*r);
      out << r->time / 1000 << ',' << guest_op_name(r->op) << ',' << r->offset << ',' << r->length
          << '\n';
    }
  }
  const Trace trace = read_trace(path, TraceFormat::kCsv, TraceOptions{.disk_length = 16 << 20});
  std::filesystem::remove(path);
  EXPECT_EQ(replay(trace.requests), written);
}

// "trim" is fio's name for a discard: a CSV row and a v3 iolog line that
// say it give the same request as "discard".
TEST(Trace, TrimIsADiscardInCsvAndFio) {
  const Trace csv =
      parse_csv_trace("time_us,op,offset,length\n5,trim,4096,8192\n6,discard,4096,8192\n", "t.csv");
  ASSERT_EQ(csv.requests.size(), 2u);
  EXPECT_EQ(csv.requests[0], (GuestRequest{us(5), GuestOp::kDiscard, 4096, 8192}));
  EXPECT_EQ(csv.requests[1].op, GuestOp::kDiscard);
  const Trace fio = parse_fio_iolog(
      "fio version 3 iolog\n0 /dev/sda add\n0 /dev/sda open\n5 /dev/sda trim 4096 8192\n",
      "t.iolog");
  ASSERT_EQ(fio.requests.size(), 1u);
  EXPECT_EQ(fio.requests[0], csv.requests[0]);
  EXPECT_EQ(parse_guest_op("trim"), GuestOp::kDiscard);
  EXPECT_EQ(guest_op_name(GuestOp::kDiscard), "discard");  // written back as "discard"
  EXPECT_FALSE(parse_guest_op("Trim").has_value());
}

TEST(Trace, FioVersion2SampleIsRead) {
  const Trace trace = read_trace(kData / "trace_v2.iolog", TraceFormat::kAuto);
  const std::vector<GuestRequest> expected = {
      {us(0), GuestOp::kWrite, 0, 4096},
      {us(0), GuestOp::kWrite, 4096, 4096},
      {us(1500), GuestOp::kRead, 0, 8192},            // after "wait 1500"
      {us(1750), GuestOp::kDiscard, 1048576, 65536},  // trim, after "wait 250" more
      {us(1750), GuestOp::kWrite, 65536, 131072},
  };
  EXPECT_EQ(trace.requests, expected);
  // add, open, wait, sync, wait, datasync, close
  EXPECT_EQ(trace.skipped_lines, 7u);
}

TEST(Trace, FioVersion3SampleIsRead) {
  const Trace trace = read_trace(kData / "trace_v3.iolog", TraceFormat::kFioIolog);
  const std::vector<GuestRequest> expected = {
      {us(10), GuestOp::kWrite, 0, 4096},
      {us(25), GuestOp::kWrite, 4096, 16384},
      {us(25), GuestOp::kRead, 0, 4096},
      {us(1200), GuestOp::kDiscard, 8192, 8192},
      {us(2000000), GuestOp::kWrite, 1048576, 65536},
  };
  EXPECT_EQ(trace.requests, expected);
  EXPECT_EQ(trace.skipped_lines, 4u);  // add, open, sync, close
}

TEST(Trace, FormatNames) {
  EXPECT_EQ(parse_trace_format("fio"), TraceFormat::kFioIolog);
  EXPECT_EQ(trace_format_name(TraceFormat::kCsv), "csv");
  EXPECT_FALSE(parse_trace_format("blktrace").has_value());
}

struct BadTrace {
  const char* name;
  TraceFormat format;
  std::string text;
  std::uint64_t line;
  std::string message;  // a part of the message
};

// For gtest's messages and ctest's test names (no byte dump of the struct).
void PrintTo(const BadTrace& c, std::ostream* os) {
  *os << c.name;
}

const std::string kCsvHeader = "time_us,op,offset,length\n";
const std::string kV2Open = "fio version 2 iolog\n/dev/sda add\n/dev/sda open\n";
const std::string kV3Open = "fio version 3 iolog\n0 /dev/sda add\n0 /dev/sda open\n";
const std::string nul(1, '\0');

std::vector<BadTrace> bad_traces() {
  return {
      {"CsvBadOp", TraceFormat::kCsv, kCsvHeader + "0,write,0,512\n5,fsync,0,512\n", 3,
       "op 'fsync' is not an operation; allowed: write, write_zeroes, discard (or trim), read, "
       "flush"},
      {"CsvUnalignedOffset", TraceFormat::kCsv, kCsvHeader + "0,write,100,512\n", 2,
       "offset 100 is not a multiple of 512"},
      {"CsvUnalignedLength", TraceFormat::kCsv, kCsvHeader + "0,write,0,4000\n", 2,
       "length 4000 is not a multiple of 512"},
      {"CsvZeroLength", TraceFormat::kCsv, kCsvHeader + "0,write,0,0\n", 2, "length is 0"},
      {"CsvNegativeOffset", TraceFormat::kCsv, kCsvHeader + "0,write,-512,512\n", 2,
       "offset '-512' is not a number"},
      {"CsvHugeNumber", TraceFormat::kCsv, kCsvHeader + "0,write,99999999999999999999,512\n", 2,
       "does not fit in 64 bits"},
      {"CsvTimeGoesBack", TraceFormat::kCsv, kCsvHeader + "10,write,0,512\n\n5,read,0,512\n", 4,
       "time 5 us is before the previous request's 10 us (line 2)"},
      {"CsvPastDiskEnd", TraceFormat::kCsv, kCsvHeader + "0,write,1048064,1024\n", 2,
       "ends past the disk end"},
      {"CsvTooFewFields", TraceFormat::kCsv, kCsvHeader + "0,write,0\n", 2, "too few fields"},
      {"CsvTooManyFields", TraceFormat::kCsv, kCsvHeader + "0,write,0,512,9\n", 2,
       "too many fields"},
      {"CsvMissingColumn", TraceFormat::kCsv, "time_us,op,offset\n", 1,
       "the header lacks column 'length'"},
      {"CsvUnknownColumn", TraceFormat::kCsv, "time_us,op,offset,length,disk\n", 1,
       "unknown column 'disk'"},
      {"CsvNoHeader", TraceFormat::kCsv, "", 1, "no header row"},
      {"CsvFlushWithARange", TraceFormat::kCsv, kCsvHeader + "0,flush,0,512\n", 2,
       "a flush has offset 0 and length 512; allowed: offset 0 and length 0"},
      {"FioBadHeader", TraceFormat::kFioIolog, "fio version 4 iolog\n", 1,
       "is not an fio iolog header"},
      {"FioV3Wait", TraceFormat::kFioIolog, kV3Open + "5 /dev/sda wait 100 0\n", 4,
       "'wait' is not allowed in version 3"},
      {"FioUnknownAction", TraceFormat::kFioIolog, kV2Open + "/dev/sda flush 0 512\n", 4,
       "action 'flush' is unknown"},
      {"FioIoBeforeOpen", TraceFormat::kFioIolog,
       "fio version 2 iolog\n/dev/sda add\n/dev/sda write 0 512\n", 3, "that is not open"},
      {"FioNotAdded", TraceFormat::kFioIolog, "fio version 2 iolog\n/dev/sda open\n", 2,
       "was not added"},
      {"FioSecondFile", TraceFormat::kFioIolog, kV2Open + "/dev/sdb add\n", 4, "a second add"},
      {"FioOtherFile", TraceFormat::kFioIolog, kV2Open + "/dev/sdb write 0 512\n", 4,
       "is not the trace's file"},
      {"FioFieldCount", TraceFormat::kFioIolog, kV3Open + "/dev/sda write 0 512\n", 4, "4 fields"},
      {"FioBadTimestamp", TraceFormat::kFioIolog, kV3Open + "x /dev/sda write 0 512\n", 4,
       "timestamp 'x' is not a number"},
      {"FioTimeGoesBack", TraceFormat::kFioIolog,
       kV3Open + "9 /dev/sda write 0 512\n8 /dev/sda write 0 512\n", 5, "before the previous"},
      {"FioUnaligned", TraceFormat::kFioIolog, kV2Open + "/dev/sda write 4097 512\n", 4,
       "offset 4097 is not a multiple of 512"},
      // A NUL ends a field in the CSV parser: it must not drop the rest of the row.
      {"CsvNulInOp", TraceFormat::kCsv, kCsvHeader + "0,write,0,512\n5,wr" + nul + "ite,0,512\n", 3,
       "field op holds a NUL byte"},
      {"CsvNulInLastField", TraceFormat::kCsv, kCsvHeader + "5,write,0,51" + nul + "2\n", 2,
       "field length holds a NUL byte"},
      {"CsvNulStartsTheRow", TraceFormat::kCsv, kCsvHeader + nul + ",write,0,512\n", 2,
       "field time_us holds a NUL byte"},
      {"CsvNulColumnsInOtherOrder", TraceFormat::kCsv,
       "op,length,time_us,offset\nwrite,512,0,0\nwrite,512,1," + nul + "\n", 3,
       "field offset holds a NUL byte"},
      {"CsvNulInHeader", TraceFormat::kCsv, "time_us,op" + nul + ",offset,length\n", 1,
       "the header row holds a NUL byte"},
      {"CsvNulInComment", TraceFormat::kCsv, kCsvHeader + "# note" + nul + "\n", 2,
       "a comment holds a NUL byte"},
      {"CsvLineTooLong", TraceFormat::kCsv,
       kCsvHeader + "0,write,0,512\n0,write,0," + std::string(kMaxTraceLineBytes, '5') + "\n", 3,
       "line longer than 1 MiB; allowed: lines of at most 1 MiB"},
      {"FioNulInAction", TraceFormat::kFioIolog, kV2Open + "/dev/sda wr" + nul + "ite 0 512\n", 4,
       "action holds a NUL byte"},
      {"FioNulInTimestamp", TraceFormat::kFioIolog, kV3Open + "1" + nul + " /dev/sda write 0 512\n",
       4, "timestamp holds a NUL byte"},
      {"FioNulInHeader", TraceFormat::kFioIolog, "fio version 2" + nul + " iolog\n", 1,
       "the header line holds a NUL byte"},
      // v2 waits add up; a sum past 2^64 must not wrap around to a small time.
      {"FioWaitsWrapPast2To64", TraceFormat::kFioIolog,
       kV2Open + "/dev/sda wait 100 0\n/dev/sda wait 18446744073709551600 0\n"
                 "/dev/sda write 0 512\n",
       5, "brings the time to past 2^64"},
      {"FioWaitsPastTheTimeLimit", TraceFormat::kFioIolog,
       kV2Open + "/dev/sda wait 4503599627370496 0\n/dev/sda wait 1 0\n", 5,
       "brings the time to 4503599627370497 us; allowed: waits that add up to at most "
       "4503599627370496 us"},
  };
}

class MalformedTrace : public testing::TestWithParam<BadTrace> {};

TEST_P(MalformedTrace, NamesTheFileAndLine) {
  const BadTrace& c = GetParam();
  try {
    parse_trace(c.text, "bad.trace", c.format, TraceOptions{.disk_length = 1 << 20});
    FAIL() << "accepted:\n" << c.text;
  } catch (const TraceError& e) {
    EXPECT_EQ(e.file(), "bad.trace");
    EXPECT_EQ(e.line(), c.line) << e.what();
    EXPECT_TRUE(std::string(e.what()).starts_with("bad.trace:" + std::to_string(c.line) + ": "))
        << e.what();
    EXPECT_NE(e.message().find(c.message), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedTrace, testing::ValuesIn(bad_traces()),
                         [](const testing::TestParamInfo<BadTrace>& info) {
                           return std::string(info.param.name);
                         });

TEST(Trace, MissingFileIsAnError) {
  EXPECT_THROW(read_trace(kData / "no-such-trace.csv", TraceFormat::kAuto), TraceError);
}

TEST(Trace, ALineJustUnderTheLimitIsNotTooLong) {
  // One byte under the limit: refused as a number, not as a long line.
  const std::string text =
      kCsvHeader + "0,write,0," + std::string(kMaxTraceLineBytes - 10, '5') + "\n";
  try {
    parse_trace(text, "long.csv", TraceFormat::kCsv);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_NE(e.message().find("length '555"), std::string::npos) << e.message().substr(0, 80);
  }
}

// The message read_trace gives for `path`: line 0 (the file, not a line),
// one line, naming the file.
std::string read_error(const std::filesystem::path& path, const TraceOptions& options = {}) {
  try {
    read_trace(path, TraceFormat::kAuto, options);
  } catch (const TraceError& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.file(), path.string());
    EXPECT_EQ(message.find('\n'), std::string::npos);
    EXPECT_TRUE(message.starts_with(path.string() + ":")) << message;
    EXPECT_NE(message.find("; allowed: "), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << path << " was read";
  return "";
}

TEST(Trace, ADirectoryIsNotATrace) {
  EXPECT_NE(read_error(kData).find(":0: is a directory"), std::string::npos);
}

TEST(Trace, DevZeroStopsAtTheFirstNulByte) {
  if (!std::filesystem::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(read_error("/dev/zero").find("/dev/zero:1: the header row holds a NUL byte"),
            std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(Trace, AFileOverTheSizeLimitIsRefused) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("mirrorsim-trace-" + std::to_string(::getpid()));
  std::string text = kCsvHeader;
  while (text.size() < 4096) text += "0,write,0,512\n";
  std::ofstream(file, std::ios::binary) << text;
  EXPECT_EQ(read_trace(file, TraceFormat::kCsv, TraceOptions{.max_file_bytes = text.size()})
                .requests.size(),
            (text.size() - kCsvHeader.size()) / 14);
  const std::string message = read_error(file, TraceOptions{.max_file_bytes = text.size() - 1});
  EXPECT_NE(message.find(":0: larger than " + std::to_string(text.size() - 1) + " bytes"),
            std::string::npos)
      << message;
  std::filesystem::remove(file);
  EXPECT_EQ(TraceOptions{}.max_file_bytes, kMaxTraceFileBytes);
}

}  // namespace
}  // namespace mirrorsim::sim

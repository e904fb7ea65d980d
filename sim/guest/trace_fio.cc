// fio iolog traces, versions 2 and 3 (format in trace.h).
#include <array>
#include <string>
#include <vector>

#include "sim/guest/trace.h"
#include "sim/guest/trace_rows.h"
#include "sim/guest/workload_params.h"

namespace mirrorsim::sim {
namespace {

constexpr std::string_view kHeaderV2 = "fio version 2 iolog";
constexpr std::string_view kHeaderV3 = "fio version 3 iolog";

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t at = 0;
  while (at < line.size()) {
    at = line.find_first_not_of(" \t", at);
    if (at == std::string_view::npos) break;
    std::size_t end = line.find_first_of(" \t", at);
    if (end == std::string_view::npos) end = line.size();
    fields.push_back(line.substr(at, end - at));
    at = end;
  }
  return fields;
}

// The state of the one file a trace may use.
enum class FileState { kNone, kAdded, kOpen, kClosed };

class IologReader {
 public:
  IologReader(std::string_view name, const TraceOptions& options, int version)
      : checker_(name, options), version_(version) {}

  void read_line(std::uint64_t line, std::string_view text);
  Trace take() { return std::move(trace_); }

 private:
  void file_action(std::uint64_t line, std::string_view file, std::string_view action);
  void io_action(std::uint64_t line, std::string_view file, std::string_view action,
                 std::string_view offset, std::string_view length);
  void check_file(std::uint64_t line, std::string_view file);

  trace_detail::RequestChecker checker_;
  int version_;
  Trace trace_;
  std::string file_;
  FileState state_ = FileState::kNone;
  std::uint64_t time_us_ = 0;  // v3: this line's timestamp; v2: the sum of waits so far
};

void IologReader::read_line(std::uint64_t line, std::string_view text) {
  std::vector<std::string_view> fields = split_fields(text);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].find('\0') == std::string_view::npos) continue;
    static constexpr std::array<std::string_view, 5> kV3 = {"timestamp", "filename", "action",
                                                            "offset", "length"};
    const std::size_t name = version_ == 3 ? i : i + 1;  // v2 has no timestamp
    checker_.fail(line,
                  (name < kV3.size() ? std::string(kV3[name]) : "field " + std::to_string(i + 1)) +
                      " holds a NUL byte; allowed: text without NUL bytes");
  }
  if (fields.empty()) return;  // blank line
  if (version_ == 3) {
    if (fields.size() != 3 && fields.size() != 5) {
      checker_.fail(line, std::to_string(fields.size()) +
                              " fields; allowed: 'timestamp filename action' or "
                              "'timestamp filename action offset length'");
    }
    time_us_ = checker_.number(line, "timestamp", fields[0]);
    fields.erase(fields.begin());
  } else if (fields.size() != 2 && fields.size() != 4) {
    checker_.fail(line, std::to_string(fields.size()) +
                            " fields; allowed: 'filename action' or "
                            "'filename action offset length'");
  }
  if (fields.size() == 2) {
    file_action(line, fields[0], fields[1]);
  } else {
    io_action(line, fields[0], fields[1], fields[2], fields[3]);
  }
}

void IologReader::file_action(std::uint64_t line, std::string_view file, std::string_view action) {
  ++trace_.skipped_lines;
  if (action == "add") {
    if (state_ != FileState::kNone) {
      checker_.fail(line, "a second add of a file (the trace already uses '" + file_ +
                              "'); allowed: one file per trace, added once");
    }
    file_ = std::string(file);
    state_ = FileState::kAdded;
    return;
  }
  if (action != "open" && action != "close") {
    checker_.fail(
        line, "file action '" + std::string(action) + "' is unknown; allowed: add, open, close");
  }
  check_file(line, file);
  if (action == "open") {
    if (state_ == FileState::kOpen) checker_.fail(line, "open of a file that is already open");
    state_ = FileState::kOpen;
  } else {
    if (state_ != FileState::kOpen) checker_.fail(line, "close of a file that is not open");
    state_ = FileState::kClosed;
  }
}

void IologReader::io_action(std::uint64_t line, std::string_view file, std::string_view action,
                            std::string_view offset_text, std::string_view length_text) {
  const std::uint64_t offset = checker_.number(line, "offset", offset_text);
  const std::uint64_t length = checker_.number(line, "length", length_text);
  if (action == "wait") {
    if (version_ == 3) {
      checker_.fail(line,
                    "'wait' is not allowed in version 3; allowed: read, write, trim, "
                    "sync, datasync (timestamps give the times)");
    }
    ++trace_.skipped_lines;
    // The wait's offset field is its duration in microseconds. Checked
    // before adding, so a sum past 2^64 cannot wrap around to a small time.
    if (offset > kMaxWorkloadTimeUs - time_us_) {
      checker_.fail(line, "offset (the wait) " + std::to_string(offset) +
                              " us brings the time to " +
                              (offset > UINT64_MAX - time_us_ ? std::string("past 2^64")
                                                              : std::to_string(time_us_ + offset)) +
                              " us; allowed: waits that add up to at most " +
                              std::to_string(kMaxWorkloadTimeUs) + " us");
    }
    time_us_ += offset;
    return;
  }
  GuestOp op = GuestOp::kWrite;
  if (action == "write") {
    op = GuestOp::kWrite;
  } else if (action == "read") {
    op = GuestOp::kRead;
  } else if (action == "trim") {
    op = GuestOp::kDiscard;
  } else if (action != "sync" && action != "datasync") {
    checker_.fail(line, "action '" + std::string(action) +
                            "' is unknown; allowed: read, write, "
                            "trim, sync, datasync" +
                            (version_ == 2 ? ", wait" : ""));
  }
  check_file(line, file);
  if (state_ != FileState::kOpen) {
    checker_.fail(line, "I/O on file '" + file_ + "' that is not open; allowed: I/O after 'open'");
  }
  if (action == "sync" || action == "datasync") {
    ++trace_.skipped_lines;  // a flush: no guest request to replay
    return;
  }
  checker_.add(trace_, line, time_us_, op, offset, length);
}

void IologReader::check_file(std::uint64_t line, std::string_view file) {
  if (state_ == FileState::kNone) {
    checker_.fail(line, "file '" + std::string(file) +
                            "' was not added; allowed: files named "
                            "by an earlier 'add' line");
  }
  if (file != file_) {
    checker_.fail(line, "file '" + std::string(file) + "' is not the trace's file '" + file_ +
                            "'; allowed: one file per trace");
  }
}

}  // namespace

Trace parse_fio_iolog(std::string_view text, std::string_view name, const TraceOptions& options) {
  std::uint64_t line = 0;
  std::size_t at = 0;
  const auto next_line = [&](std::string_view& out) {
    if (at >= text.size()) return false;
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    out = text.substr(at, end - at);
    if (out.ends_with('\r')) out.remove_suffix(1);
    at = end + 1;
    ++line;
    return true;
  };
  std::string_view header;
  if (!next_line(header)) header = {};
  while (header.ends_with(' ') || header.ends_with('\t')) header.remove_suffix(1);
  int version = 0;
  if (header == kHeaderV2) version = 2;
  if (header == kHeaderV3) version = 3;
  if (version == 0 && header.find('\0') != std::string_view::npos) {
    throw TraceError(std::string(name), 1,
                     "the header line holds a NUL byte; allowed: text without NUL bytes");
  }
  if (version == 0) {
    throw TraceError(std::string(name), 1,
                     "'" + std::string(header.substr(0, 40)) + "' is not an fio iolog header; " +
                         "allowed: '" + std::string(kHeaderV2) + "', '" + std::string(kHeaderV3) +
                         "'");
  }
  IologReader reader(name, options, version);
  std::string_view text_line;
  while (next_line(text_line)) reader.read_line(line, text_line);
  return reader.take();
}

}  // namespace mirrorsim::sim

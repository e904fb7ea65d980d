// Guest workloads replayed from trace files: CSV and fio iolog.
//
// Formats (both text):
//  - CSV: a header row naming the columns time_us, op, offset, length (any
//    order), then one request per row: time in microseconds, op one of
//    write|write_zeroes|discard|read|flush (trim, fio's name, is a discard), offset and length in
//    bytes (a flush has no range: offset and length 0). Lines starting with '#' and empty lines are
//    skipped.
//  - fio iolog, versions 2 and 3 (fio's HOWTO, "Trace file format"): the first
//    line is "fio version 2 iolog" or "fio version 3 iolog"; then lines
//    "filename action" (add, open, close) or "filename action offset length"
//    (read, write, trim, sync, datasync; v2 also wait). Version 3 puts a
//    timestamp first: microseconds since the start, as fio writes them. In
//    version 2 a request's time is the sum of the "wait" lines before it
//    (wait's offset field is microseconds relative to the previous wait).
//    read -> read, write -> write, trim -> discard; sync and datasync carry
//    no guest request here and are counted as skipped (CSV rows say "flush"
//    for that; mapping them here would change what old fio traces replay).
//    One file per trace,
//    added and opened before I/O is done on it.
// Limits: a trace file is at most kMaxTraceFileBytes and a CSV line at most
// kMaxTraceLineBytes. A NUL byte anywhere is an error naming its line and
// field; reading stops at the first one, so /dev/zero fails at once.
// Guarantees of a Trace that was read without error: every request is
// 512-aligned in offset and length, has length > 0 (a flush: offset and
// length 0), ends within
// TraceOptions::disk_length when that is set, and times never decrease.
// Anything else is a TraceError naming the file, the line and the problem;
// nothing is rounded or skipped silently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/guest/workload_request.h"

namespace mirrorsim::sim {

inline constexpr std::uint64_t kMaxTraceFileBytes = std::uint64_t{256} << 20;  // 256 MiB
inline constexpr std::uint64_t kMaxTraceLineBytes = std::uint64_t{1} << 20;    // 1 MiB

enum class TraceFormat : std::uint8_t {
  kAuto,  // fio iolog if the first line says "fio version", else CSV
  kCsv,
  kFioIolog,
};
std::string_view trace_format_name(TraceFormat format);  // "auto", "csv", "fio"
std::optional<TraceFormat> parse_trace_format(std::string_view name);

// what() is "<file>:<line>: <message>" (line 0 when the file could not be read).
class TraceError : public std::runtime_error {
 public:
  TraceError(std::string file, std::uint64_t line, std::string message);
  const std::string& file() const { return file_; }
  std::uint64_t line() const { return line_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  std::uint64_t line_;
  std::string message_;
};

struct TraceOptions {
  std::uint64_t disk_length = 0;  // when > 0, every request must end within this many bytes
  std::uint64_t max_file_bytes = kMaxTraceFileBytes;  // read_trace refuses larger files
  // Remapping, applied to each row as it is read (so an error still names
  // its line). A request's time becomes time * time_scale + start_offset_us
  // (1.0 and 0 keep the file's times exactly); its offset becomes offset +
  // offset_shift_bytes; with `scale_from_bytes` (the length of the disk the
  // trace was recorded on) that times disk_length / scale_from_bytes, down to
  // a multiple of 512, so the trace's layout keeps its shape on a smaller or
  // bigger disk; and with `wrap` that modulo disk_length. Scaled or wrapped, a
  // request that would cross the disk's end is moved back to end there.
  // Lengths are kept. Flushes have no range and keep offset 0.
  double time_scale = 1.0;  // > 0: 0.5 replays twice as fast
  std::uint64_t start_offset_us = 0;
  std::uint64_t offset_shift_bytes = 0;  // a multiple of 512
  std::uint64_t scale_from_bytes = 0;    // 0 = no scaling; requires disk_length > 0
  bool wrap = false;                     // requires disk_length > 0
};

struct Trace {
  std::vector<GuestRequest> requests;
  std::uint64_t skipped_lines = 0;  // fio lines with no guest request: add/open/close/sync/wait
};

// Reads a trace file. Throws TraceError.
Trace read_trace(const std::filesystem::path& path, TraceFormat format,
                 const TraceOptions& options = {});
// The same from text in memory; `name` is used in errors.
Trace parse_trace(std::string_view text, std::string_view name, TraceFormat format,
                  const TraceOptions& options = {});
Trace parse_csv_trace(std::string_view text, std::string_view name,
                      const TraceOptions& options = {});
Trace parse_fio_iolog(std::string_view text, std::string_view name,
                      const TraceOptions& options = {});

// Hands out a trace's requests in order.
class TraceReplay final : public RequestSource {
 public:
  explicit TraceReplay(std::vector<GuestRequest> requests) : requests_(std::move(requests)) {}
  std::optional<GuestRequest> next() override {
    if (next_ == requests_.size()) return std::nullopt;
    return requests_[next_++];
  }

  const std::vector<GuestRequest>& requests() const { return requests_; }

 private:
  std::vector<GuestRequest> requests_;
  std::size_t next_ = 0;
};

// Hands out a trace's requests over and over, until the caller stops
// asking (the world stops when the job ends) or the times pass
// kMaxWorkloadTimeUs. Each repetition starts 1 us after the previous one's
// last request: it is the trace shifted by (last - first) + 1 us.
class LoopingTraceReplay final : public RequestSource {
 public:
  explicit LoopingTraceReplay(std::vector<GuestRequest> requests);
  std::optional<GuestRequest> next() override;

 private:
  std::vector<GuestRequest> requests_;
  engine::TimeNs period_ = 0;
  engine::TimeNs shift_ = 0;
  std::size_t next_ = 0;
};

}  // namespace mirrorsim::sim

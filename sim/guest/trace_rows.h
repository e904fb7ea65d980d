// Shared by the trace readers (trace_csv.cc, trace_fio.cc): number parsing
// and the checks every request of every format must pass (see trace.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/guest/trace.h"

namespace mirrorsim::sim::trace_detail {

// A decimal unsigned 64-bit number, nothing around it; nullopt otherwise.
std::optional<std::uint64_t> parse_u64(std::string_view text);

// Appends checked requests to a Trace, remembering the previous time.
class RequestChecker {
 public:
  RequestChecker(std::string_view name, const TraceOptions& options)
      : name_(name), options_(options) {}

  [[noreturn]] void fail(std::uint64_t line, std::string message) const;

  // A number field, or a TraceError naming the field.
  std::uint64_t number(std::uint64_t line, std::string_view field, std::string_view text) const;

  // Throws TraceError unless the request is aligned, non-empty, within the
  // disk and not earlier than the previous one.
  void add(Trace& trace, std::uint64_t line, std::uint64_t time_us, GuestOp op,
           std::uint64_t offset, std::uint64_t length);

 private:
  // The row's time after time_scale and start_offset_us, in nanoseconds.
  engine::TimeNs remapped_time(std::uint64_t line, std::uint64_t time_us) const;

  std::string name_;
  TraceOptions options_;
  std::uint64_t previous_time_us_ = 0;
  std::uint64_t previous_line_ = 0;
};

}  // namespace mirrorsim::sim::trace_detail

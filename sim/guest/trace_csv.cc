// CSV traces: "time_us,op,offset,length" (format in trace.h).
//
// Read line by line here: no quoting, fields split at ',' and trimmed of
// spaces, tabs and '\r'; '#' lines and blank lines are skipped. (This used
// fast-cpp-csv-parser, whose fixed 48 MiB buffer per read cost about 0.5 ms
// per trace in a release build and 90 ms under ASan, whose line limit was
// not the stated one, and which ended a field at a NUL byte without a word.)
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "sim/guest/trace.h"
#include "sim/guest/trace_rows.h"

namespace mirrorsim::sim {
namespace {

constexpr std::array<std::string_view, 4> kNames = {"time_us", "op", "offset", "length"};
constexpr std::string_view kColumns = "time_us, op, offset, length";

std::string line_too_long() {
  return "line longer than " + std::to_string(kMaxTraceLineBytes >> 20) +
         " MiB; allowed: lines of at most " + std::to_string(kMaxTraceLineBytes >> 20) + " MiB";
}

std::string_view trim(std::string_view field) {
  while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
  while (!field.empty() && (field.back() == ' ' || field.back() == '\t' || field.back() == '\r')) {
    field.remove_suffix(1);
  }
  return field;
}

void split(std::string_view row, std::vector<std::string_view>& fields) {
  fields.clear();
  for (std::size_t from = 0;;) {
    const std::size_t comma = row.find(',', from);
    fields.push_back(
        trim(row.substr(from, comma == std::string_view::npos ? row.npos : comma - from)));
    if (comma == std::string_view::npos) return;
    from = comma + 1;
  }
}

}  // namespace

Trace parse_csv_trace(std::string_view text, std::string_view name, const TraceOptions& options) {
  trace_detail::RequestChecker checker(name, options);
  Trace trace;
  std::vector<std::string_view> header;             // column names, once the header row is read
  std::array<std::size_t, kNames.size()> column{};  // where each named column is in a row
  std::vector<std::string_view> fields;
  std::uint64_t line = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    ++line;
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view row = text.substr(at, end - at);
    at = end + 1;
    if (row.size() > kMaxTraceLineBytes) checker.fail(line, line_too_long());
    const bool comment = trim(row).empty() || row.front() == '#';
    if (const std::size_t nul = row.find('\0'); nul != std::string_view::npos) {
      if (header.empty() && !comment) {
        checker.fail(line, "the header row holds a NUL byte; allowed: text without NUL bytes");
      }
      const auto index = static_cast<std::size_t>(
          std::count(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(nul), ','));
      const std::string field = comment                 ? std::string("a comment")
                                : index < header.size() ? "field " + std::string(header[index])
                                                        : "field " + std::to_string(index + 1);
      checker.fail(line, field + " holds a NUL byte; allowed: text without NUL bytes");
    }
    if (comment) continue;
    split(row, fields);
    if (header.empty()) {
      std::array<bool, kNames.size()> seen{};
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto known = std::find(kNames.begin(), kNames.end(), fields[i]);
        if (known == kNames.end()) {
          checker.fail(line, "the header has an unknown column '" + std::string(fields[i]) +
                                 "'; allowed: " + std::string(kColumns));
        }
        const auto k = static_cast<std::size_t>(known - kNames.begin());
        if (seen[k]) {
          checker.fail(line, "the header names column '" + std::string(fields[i]) +
                                 "' twice; allowed: " + std::string(kColumns));
        }
        seen[k] = true;
        column[k] = i;
      }
      for (std::size_t k = 0; k < kNames.size(); ++k) {
        if (!seen[k]) {
          checker.fail(line, "the header lacks column '" + std::string(kNames[k]) +
                                 "'; allowed: " + std::string(kColumns));
        }
      }
      header = fields;
      continue;
    }
    if (fields.size() != kNames.size()) {
      checker.fail(line, std::string(fields.size() < kNames.size() ? "too few" : "too many") +
                             " fields; allowed: 4 fields: " + std::string(kColumns));
    }
    const std::uint64_t time_us = checker.number(line, "time_us", fields[column[0]]);
    const std::string_view op_name = fields[column[1]];
    const std::optional<GuestOp> op = parse_guest_op(op_name);
    if (!op) {
      checker.fail(line, "op '" + std::string(op_name) +
                             "' is not an operation; allowed: " + std::string(guest_op_names()));
    }
    checker.add(trace, line, time_us, *op, checker.number(line, "offset", fields[column[2]]),
                checker.number(line, "length", fields[column[3]]));
  }
  if (header.empty()) {
    checker.fail(std::max<std::uint64_t>(line, 1),
                 "no header row; allowed: a first row naming the columns " + std::string(kColumns));
  }
  return trace;
}

}  // namespace mirrorsim::sim

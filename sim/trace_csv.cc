// CSV traces: "time_us,op,offset,length", read with fast-cpp-csv-parser.
#include <algorithm>
#include <string>

#include "sim/trace.h"
#include "sim/trace_csv_parser.h"
#include "sim/trace_rows.h"

namespace mirrorsim::sim {
namespace {

using CsvReader = io::CSVReader<4, io::trim_chars<' ', '\t', '\r'>, io::no_quote_escape<','>,
                                io::throw_on_overflow, io::single_and_empty_line_comment<'#'>>;

constexpr const char* kColumns = "time_us, op, offset, length";

// fast-cpp-csv-parser's errors, said in our words (file and line are added).
std::string describe(const io::error::base& error) {
  if (dynamic_cast<const io::error::header_missing*>(&error)) {
    return std::string("no header row; allowed: a first row naming the columns ") + kColumns;
  }
  if (const auto* e = dynamic_cast<const io::error::missing_column_in_header*>(&error)) {
    return std::string("the header lacks column '") + e->column_name + "'; allowed: " + kColumns;
  }
  if (const auto* e = dynamic_cast<const io::error::extra_column_in_header*>(&error)) {
    return std::string("the header has an unknown column '") + e->column_name +
           "'; allowed: " + kColumns;
  }
  if (const auto* e = dynamic_cast<const io::error::duplicated_column_in_header*>(&error)) {
    return std::string("the header names column '") + e->column_name +
           "' twice; allowed: " + kColumns;
  }
  if (dynamic_cast<const io::error::too_few_columns*>(&error)) {
    return std::string("too few fields; allowed: 4 fields: ") + kColumns;
  }
  if (dynamic_cast<const io::error::too_many_columns*>(&error)) {
    return std::string("too many fields; allowed: 4 fields: ") + kColumns;
  }
  if (dynamic_cast<const io::error::line_length_limit_exceeded*>(&error)) {
    return "line too long; allowed: lines under 1 MiB";
  }
  return error.what();
}

}  // namespace

Trace parse_csv_trace(std::string_view text, std::string_view name, const TraceOptions& options) {
  const std::string file(name);
  trace_detail::RequestChecker checker(name, options);
  CsvReader reader(file, text.data(), text.data() + text.size());
  // The line of an error: the parser's own when it knows it, else the last line read.
  const auto error_line = [&reader](const io::error::base& error) -> std::uint64_t {
    const auto* located = dynamic_cast<const io::error::with_file_line*>(&error);
    if (located != nullptr && located->file_line > 0) return located->file_line;
    return std::max(reader.get_file_line(), 1u);
  };
  try {
    reader.read_header(io::ignore_no_column, "time_us", "op", "offset", "length");
    Trace trace;
    std::string time, op_name, offset, length;
    while (reader.read_row(time, op_name, offset, length)) {
      const std::uint64_t line = reader.get_file_line();
      const std::uint64_t time_us = checker.number(line, "time_us", time);
      const std::optional<GuestOp> op = parse_guest_op(op_name);
      if (!op) {
        checker.fail(line, "op '" + op_name +
                               "' is not an operation; allowed: " + std::string(guest_op_names()));
      }
      checker.add(trace, line, time_us, *op, checker.number(line, "offset", offset),
                  checker.number(line, "length", length));
    }
    return trace;
  } catch (const io::error::base& error) {
    throw TraceError(file, error_line(error), describe(error));
  }
}

}  // namespace mirrorsim::sim

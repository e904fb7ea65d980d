#include "sim/guest/trace.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include "engine/block_device.h"
#include "sim/guest/trace_rows.h"
#include "sim/guest/workload_params.h"

namespace mirrorsim::sim {
namespace {

constexpr std::array<std::string_view, 3> kFormatNames = {"auto", "csv", "fio"};

}  // namespace

TraceError::TraceError(std::string file, std::uint64_t line, std::string message)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + message),
      file_(std::move(file)),
      line_(line),
      message_(std::move(message)) {}

std::string_view trace_format_name(TraceFormat format) {
  return kFormatNames.at(static_cast<std::size_t>(format));
}

std::optional<TraceFormat> parse_trace_format(std::string_view name) {
  for (std::size_t i = 0; i < kFormatNames.size(); ++i) {
    if (kFormatNames[i] == name) return static_cast<TraceFormat>(i);
  }
  return std::nullopt;
}

Trace read_trace(const std::filesystem::path& path, TraceFormat format,
                 const TraceOptions& options) {
  const std::string name = path.string();
  const std::uint64_t limit =
      std::min<std::uint64_t>(options.max_file_bytes, std::uint64_t{1} << 62);
  const std::string allowed =
      "; allowed: a readable trace file of at most " + std::to_string(limit) + " bytes" +
      (limit % (1 << 20) == 0 ? " (" + std::to_string(limit >> 20) + " MiB)" : "");
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw TraceError(name, 0, std::string("cannot open: ") + std::strerror(errno) + allowed);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    throw TraceError(name, 0, "is a directory, not a file" + allowed);
  }
  // Read at most one byte past the limit, and stop at a NUL byte: either
  // way the file is refused, and an endless one (/dev/zero) stops at once.
  std::string text;
  std::size_t size = 0;
  bool nul = false;
  while (size <= limit && !nul) {
    if (text.size() == size) {
      text.resize(static_cast<std::size_t>(
          std::min<std::uint64_t>(std::max<std::uint64_t>(2 * size, 1 << 16), limit + 1)));
    }
    const ssize_t n = ::read(fd, text.data() + size, text.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw TraceError(name, 0, std::string("cannot read: ") + std::strerror(errno) + allowed);
    if (n == 0) break;
    nul = std::memchr(text.data() + size, '\0', static_cast<std::size_t>(n)) != nullptr;
    size += static_cast<std::size_t>(n);
  }
  text.resize(size);
  if (nul) {
    // The parsers name the NUL's line and field (or an earlier problem).
    parse_trace(text, name, format, options);
    throw TraceError(name, 0, "holds a NUL byte; allowed: a text file");
  }
  if (size > limit) {
    throw TraceError(name, 0, "larger than " + std::to_string(limit) + " bytes" + allowed);
  }
  return parse_trace(text, name, format, options);
}

Trace parse_trace(std::string_view text, std::string_view name, TraceFormat format,
                  const TraceOptions& options) {
  if (format == TraceFormat::kAuto) {
    format = text.starts_with("fio version") ? TraceFormat::kFioIolog : TraceFormat::kCsv;
  }
  return format == TraceFormat::kCsv ? parse_csv_trace(text, name, options)
                                     : parse_fio_iolog(text, name, options);
}

namespace trace_detail {

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc{} || stop != end) return std::nullopt;
  return value;
}

void RequestChecker::fail(std::uint64_t line, std::string message) const {
  throw TraceError(name_, line, std::move(message));
}

std::uint64_t RequestChecker::number(std::uint64_t line, std::string_view field,
                                     std::string_view text) const {
  if (auto value = parse_u64(text)) return *value;
  const bool digits_only =
      !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  fail(line, std::string(field) + " '" + std::string(text) + "' " +
                 (digits_only ? "does not fit in 64 bits" : "is not a number") +
                 "; allowed: a decimal integer from 0 to 18446744073709551615");
}

void RequestChecker::add(Trace& trace, std::uint64_t line, std::uint64_t time_us, GuestOp op,
                         std::uint64_t offset, std::uint64_t length) {
  const auto bytes = [](std::uint64_t v) { return std::to_string(v) + " bytes"; };
  const std::string kSectors = "; allowed: multiples of 512 (the engine works in 512-byte sectors)";
  if (op == GuestOp::kFlush) {
    // A flush covers every write completed before it: it has no range.
    if (offset != 0 || length != 0) {
      fail(line, "a flush has offset " + std::to_string(offset) + " and length " +
                     std::to_string(length) +
                     "; allowed: offset 0 and length 0 (a flush has no range)");
    }
  } else if (offset % engine::kSectorSize != 0) {
    fail(line, "offset " + std::to_string(offset) + " is not a multiple of 512" + kSectors);
  }
  if (length == 0 && op != GuestOp::kFlush) {
    fail(line, "length is 0; allowed: a positive multiple of 512");
  }
  if (length % engine::kSectorSize != 0) {
    fail(line, "length " + std::to_string(length) + " is not a multiple of 512" + kSectors);
  }
  if (op != GuestOp::kFlush && options_.offset_shift_bytes != 0) {
    if (options_.offset_shift_bytes > UINT64_MAX - offset) {
      fail(line,
           "offset + offset_shift_bytes does not fit in 64 bits; allowed: requests "
           "within the disk");
    }
    offset += options_.offset_shift_bytes;
  }
  const bool remap = options_.wrap || options_.scale_from_bytes != 0;
  if (op != GuestOp::kFlush && remap && options_.disk_length != 0) {
    if (length > options_.disk_length) {
      fail(line, "length " + bytes(length) +
                     " is longer than the disk; allowed: with wrap or scale_from_bytes, "
                     "requests of at most the " +
                     bytes(options_.disk_length) + " of the disk");
    }
    if (options_.scale_from_bytes != 0) {
      // 128 bits: a 1 PiB offset times a 1 PiB disk does not fit in 64.
      const unsigned __int128 scaled =
          static_cast<unsigned __int128>(offset) * options_.disk_length / options_.scale_from_bytes;
      offset = scaled >= options_.disk_length
                   ? options_.disk_length
                   : static_cast<std::uint64_t>(scaled) / engine::kSectorSize * engine::kSectorSize;
    }
    if (options_.wrap) offset %= options_.disk_length;
    if (offset + length > options_.disk_length) offset = options_.disk_length - length;
  }
  if (length > UINT64_MAX - offset)
    fail(line, "offset + length does not fit in 64 bits; allowed: requests within the disk");
  if (options_.disk_length != 0 && offset + length > options_.disk_length) {
    fail(line, "request [" + std::to_string(offset) + ", " + std::to_string(offset + length) +
                   ") ends past the disk end; allowed: requests within the " +
                   bytes(options_.disk_length) + " of the disk");
  }
  if (time_us > kMaxWorkloadTimeUs) {
    fail(line, "time " + std::to_string(time_us) +
                   " us is too far in the future; allowed: at most " +
                   std::to_string(kMaxWorkloadTimeUs) + " us");
  }
  if (time_us < previous_time_us_) {
    fail(line, "time " + std::to_string(time_us) + " us is before the previous request's " +
                   std::to_string(previous_time_us_) + " us (line " +
                   std::to_string(previous_line_) + "); allowed: times in non-decreasing order");
  }
  previous_time_us_ = time_us;
  previous_line_ = line;
  trace.requests.push_back(GuestRequest{remapped_time(line, time_us), op, offset, length});
}

engine::TimeNs RequestChecker::remapped_time(std::uint64_t line, std::uint64_t time_us) const {
  std::uint64_t scaled_us = time_us;
  engine::TimeNs ns = static_cast<engine::TimeNs>(time_us) * engine::kNsPerUs;
  if (options_.time_scale != 1.0) {  // 1.0 keeps the file's times exactly
    const double scaled = static_cast<double>(time_us) * options_.time_scale;
    scaled_us = static_cast<std::uint64_t>(scaled);
    ns = static_cast<engine::TimeNs>(std::llround(scaled * engine::kNsPerUs));
  }
  if (options_.start_offset_us > kMaxWorkloadTimeUs - std::min(scaled_us, kMaxWorkloadTimeUs)) {
    fail(line, "time " + std::to_string(time_us) +
                   " us, scaled and shifted by start_offset_us, is too far in the future; "
                   "allowed: at most " +
                   std::to_string(kMaxWorkloadTimeUs) + " us");
  }
  return ns + static_cast<engine::TimeNs>(options_.start_offset_us) * engine::kNsPerUs;
}

}  // namespace trace_detail

LoopingTraceReplay::LoopingTraceReplay(std::vector<GuestRequest> requests)
    : requests_(std::move(requests)) {
  if (!requests_.empty()) {
    period_ = requests_.back().time - requests_.front().time + engine::kNsPerUs;
  }
}

std::optional<GuestRequest> LoopingTraceReplay::next() {
  if (requests_.empty()) return std::nullopt;
  if (next_ == requests_.size()) {
    next_ = 0;
    shift_ += period_;
  }
  GuestRequest r = requests_[next_++];
  constexpr auto kEnd = static_cast<engine::TimeNs>(kMaxWorkloadTimeUs) * engine::kNsPerUs;
  if (shift_ > kEnd - r.time) return std::nullopt;
  r.time += shift_;
  return r;
}

namespace trace_detail {}  // namespace trace_detail
}  // namespace mirrorsim::sim

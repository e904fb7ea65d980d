#include "properties/content_provenance.h"

#include <fmt/core.h>

#include <algorithm>

namespace mirrorsim::properties {
namespace {

using sim::kSectorSize;

// Comparison windows (sim/disks/disk_view.cc) end at multiples of this with the
// default page size; a difference that ends on one may go on past it.
constexpr std::uint64_t kWindowGrain = std::uint64_t{1} << 20;

std::string sector_of_it(std::uint64_t index, std::uint64_t home, std::uint64_t byte) {
  std::string out = fmt::format("sector {} of it", index);
  if (home != byte) out += fmt::format(", which belongs at byte {}", home);
  return out;
}

// Bytes from `offset` on over which `a` and `b` keep reading differently,
// looked at up to `cap` bytes; the flag says the look stopped at the cap.
std::pair<std::uint64_t, bool> differing_length(const sim::GuestView& a, const sim::GuestView& b,
                                                std::uint64_t offset, std::uint64_t cap) {
  constexpr std::uint64_t kWindow = std::uint64_t{16} << 20;
  const std::uint64_t common = std::min(a.length(), b.length());
  const std::uint64_t limit = offset + std::min(cap, common - std::min(common, offset));
  std::vector<sim::Extent> xa;
  std::vector<sim::Extent> xb;
  for (std::uint64_t pos = offset; pos < limit;) {
    const std::uint64_t end = std::min(limit, pos + kWindow);
    xa.clear();
    xb.clear();
    a.read_into(pos, end - pos, xa);
    b.read_into(pos, end - pos, xb);
    // Inside the overlap of two extents the sides differ at every sector or
    // at none (sim/disks/disk_view.cc compares the same way).
    std::size_t i = 0;
    std::size_t j = 0;
    for (std::uint64_t at = pos; at < end;) {
      if (xa[i].at(at) == xb[j].at(at)) return {at - offset, false};
      at = std::min(xa[i].end(), xb[j].end());
      if (xa[i].end() == at) ++i;
      if (xb[j].end() == at) ++j;
    }
    pos = end;
  }
  return {limit - offset, limit < common};
}

std::string layer_name(std::span<const std::string> names, std::size_t k) {
  if (k < names.size()) return "the " + names[k];
  return fmt::format("backing layer {}", k);
}

}  // namespace

std::string human_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes == 0 || bytes % 1024 != 0) return fmt::format("{} bytes", bytes);
  std::uint64_t n = bytes / 1024;
  std::size_t unit = 0;
  while (n % 1024 == 0 && unit + 1 < std::size(kUnits)) {
    n /= 1024;
    ++unit;
  }
  return fmt::format("{} {}", n, kUnits[unit]);
}

void ContentProvenance::record_fill(std::uint64_t value, std::string what, std::string note,
                                    std::uint64_t offset) {
  fills_.push_back({value, std::move(what), std::move(note), offset});
}

void ContentProvenance::record_guest_write(std::uint64_t value, std::uint64_t number,
                                           bool after_pivot) {
  if (guest_numbers_.empty()) first_guest_value_ = value;
  if (value < first_guest_value_) return;  // out of order: leave it unknown
  const std::uint64_t slot = value - first_guest_value_;
  if (slot < guest_numbers_.size()) return;
  guest_numbers_.resize(slot);  // values nobody recorded stay 0 (unknown)
  guest_numbers_.push_back(number | (after_pivot ? kAfterPivot : 0));
}

std::string ContentProvenance::describe(const sim::SectorContent& content, std::uint64_t byte,
                                        const RequestLookup& lookup) const {
  if (sim::is_uniform(content.value)) return "zeroes";
  for (const Fill& fill : fills_) {
    if (fill.value == content.value) {
      return fill.what + " (" + (fill.note.empty() ? "" : fill.note + ", ") +
             sector_of_it(content.index, fill.offset + content.index * kSectorSize, byte) + ")";
    }
  }
  if (!guest_numbers_.empty() && content.value >= first_guest_value_ &&
      content.value - first_guest_value_ < guest_numbers_.size()) {
    const std::uint64_t entry = guest_numbers_[content.value - first_guest_value_];
    const std::uint64_t number = entry & ~kAfterPivot;
    if (number != 0) {
      std::string out = fmt::format("guest request #{}", number);
      if ((entry & kAfterPivot) != 0) out += " after the pivot";
      std::optional<sim::GuestRequest> request;
      if (lookup) request = lookup(number);
      if (!request) return out + " (" + fmt::format("sector {} of it", content.index) + ")";
      return out +
             fmt::format(" ({}, t={:.6f} s, offset {}, {}, ", sim::guest_op_name(request->op),
                         static_cast<double>(request->time) / 1e9, request->offset,
                         human_size(request->length)) +
             sector_of_it(content.index, request->offset + content.index * kSectorSize, byte) + ")";
    }
  }
  return fmt::format("content value {} of unknown origin (sector {} of it)", content.value,
                     content.index);
}

std::string ContentProvenance::describe_at(const sim::GuestView& view,
                                           std::span<const std::string> layer_names,
                                           std::uint64_t byte, const RequestLookup& lookup) const {
  const sim::SectorContent content = view.at(byte);
  if (!sim::is_uniform(content.value)) return describe(content, byte, lookup);
  for (std::size_t k = 0; k < view.depth(); ++k) {
    const sim::ExtentStore& layer = view.layer(k);
    if (byte >= layer.length())
      return "zeroes (past the end of " + layer_name(layer_names, k) + ")";
    sim::ExtentStore::Cursor cursor(layer, byte, kSectorSize);
    sim::ExtentStore::Run run;
    if (!cursor.next(run) || run.hole) continue;
    if (!sim::is_uniform(run.value)) return "zeroes";  // not what the chain reads: say no more
    std::string out = "zeroes (stored on " + layer_name(layer_names, k);
    if (k == 0 && view.depth() > 1) out += " itself, hiding " + layer_name(layer_names, 1);
    return out + ")";
  }
  return "zeroes (unallocated: never written, or discarded)";
}

DifferenceSides ContentProvenance::describe_sides(const sim::Difference& d, const sim::GuestView& a,
                                                  std::span<const std::string> a_layers,
                                                  const sim::GuestView& b,
                                                  std::span<const std::string> b_layers,
                                                  const RequestLookup& lookup) const {
  static constexpr const char* kPastEnd = "nothing (the disk ends before this byte)";
  DifferenceSides sides;
  sides.a = d.a_past_end ? kPastEnd : describe_at(a, a_layers, d.offset, lookup);
  sides.b = d.b_past_end ? kPastEnd : describe_at(b, b_layers, d.offset, lookup);
  if (!d.a_past_end && !d.b_past_end) {
    const auto [length, capped] = differing_length(a, b, d.offset, kMeasureCap);
    sides.length = length;
    sides.length_at_least = capped;
  }
  return sides;
}

std::string describe_difference(const sim::Difference& d, std::string_view a_name,
                                std::string_view b_name, const DifferenceSides* sides) {
  std::uint64_t length = d.length;
  bool at_least = !d.a_past_end && !d.b_past_end && (d.offset + d.length) % kWindowGrain == 0;
  if (sides != nullptr && sides->length) {
    length = *sides->length;
    at_least = sides->length_at_least;
  }
  std::string out = fmt::format("{} differs from {} at byte {} ({}{} long): ", a_name, b_name,
                                d.offset, at_least ? "at least " : "", human_size(length));
  if (sides != nullptr) {
    return out + fmt::format("{} holds {}, {} holds {}", a_name, sides->a, b_name, sides->b);
  }
  auto raw = [](const sim::SectorContent& c, bool past_end) {
    return past_end ? std::string("nothing (the disk ends before this byte)")
                    : "content " + sim::describe(c);
  };
  return out + fmt::format("{} reads {}, {} reads {}", a_name, raw(d.a, d.a_past_end), b_name,
                           raw(d.b, d.b_past_end));
}

}  // namespace mirrorsim::properties

// Where a content value came from, in words, for failure messages that a
// person reads without knowing the content model (ARCHITECTURE.md "Content
// model"): "(1, 4096)" becomes "the base image's original data (sector 4096
// of it)", "(7, 8)" becomes "guest request #12 (write, t=0.001200 s, offset
// 2093056, 8 KiB, sector 8 of it)".
//
// The world records, as content values are handed out, which disk fill or
// which guest request took each one. A guest write costs one 64-bit entry
// (the request's number); the request itself (time, offset, length) is looked
// up only when a message needs it, through a RequestLookup that the world
// provides. Recording touches neither the event log nor any random stream,
// so it cannot change a run.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/disks/content.h"
#include "sim/disks/disk_view.h"
#include "sim/guest/workload_request.h"

namespace mirrorsim::properties {

// Finds guest request `number` (1 = the first request the guest issued), or
// nullopt when it cannot.
using RequestLookup = std::function<std::optional<sim::GuestRequest>(std::uint64_t number)>;

// What each side of a difference holds at its first byte, in words, and how
// far the difference goes on.
struct DifferenceSides {
  std::string a;
  std::string b;
  // Bytes from the first difference over which the sides keep differing,
  // when measured; `length_at_least` when the measure stopped at its cap.
  std::optional<std::uint64_t> length;
  bool length_at_least = false;
};

class ContentProvenance {
 public:
  // `value` filled a whole disk before the run began; `what` names that data
  // and `note` adds to it: "the target's old data (stale, there before the
  // job, sector 8 of it)". Sector i of it belongs at byte `offset` + 512 * i
  // of that disk (a [[prefill]] write starts at its own offset).
  void record_fill(std::uint64_t value, std::string what, std::string note = "",
                   std::uint64_t offset = 0);
  // Guest request `number` wrote fresh content `value`; `after_pivot` when
  // the guest issued it after the pivot. REQUIRES: values of successive
  // calls increase (ContentSource hands them out in order); a value skipped
  // between two calls stays unknown.
  void record_guest_write(std::uint64_t value, std::uint64_t number, bool after_pivot);

  // What `content`, read at byte `byte` of a disk, is: "zeroes", "the base
  // image's original data (sector 4096 of it)", "guest request #3 (write,
  // t=0.001200 s, offset 4096, 8 KiB, sector 2 of it)", with ", which belongs
  // at byte N" when the sector sits elsewhere than where it was written.
  // `lookup` may be empty: the request is then named by its number alone.
  std::string describe(const sim::SectorContent& content, std::uint64_t byte,
                       const RequestLookup& lookup) const;

  // The same for what `view` reads at `byte`, saying for zeroes where they
  // come from: "zeroes (never written)", "zeroes (stored on the target
  // itself, hiding the base image)". `layer_names` name the view's layers,
  // top first ("target", "base image"); missing names read "backing layer k".
  // REQUIRES: byte < view.length(), sector-aligned.
  std::string describe_at(const sim::GuestView& view, std::span<const std::string> layer_names,
                          std::uint64_t byte, const RequestLookup& lookup) const;

  // Both sides of `d` (a past-end side reads "nothing (the disk ends
  // before this byte)"), and the length over which they keep differing,
  // measured up to kMeasureCap past the first byte.
  DifferenceSides describe_sides(const sim::Difference& d, const sim::GuestView& a,
                                 std::span<const std::string> a_layers, const sim::GuestView& b,
                                 std::span<const std::string> b_layers,
                                 const RequestLookup& lookup) const;

 private:
  static constexpr std::uint64_t kMeasureCap = std::uint64_t{1} << 30;

  struct Fill {
    std::uint64_t value = 0;
    std::string what;
    std::string note;
    std::uint64_t offset = 0;  // where its sector 0 belongs
  };
  std::vector<Fill> fills_;
  // Entry v - first_guest_value_: the number of the guest request that took
  // value v (0 when none did), kAfterPivot set when it came after the pivot.
  static constexpr std::uint64_t kAfterPivot = std::uint64_t{1} << 63;
  std::uint64_t first_guest_value_ = 0;
  std::vector<std::uint64_t> guest_numbers_;
};

// "the target differs from the source at byte 2097152 (64 KiB long): the
// target holds zeroes (never written), the source holds guest request #1
// (...)". Without `sides` each side is named by its raw (value, sector) pair.
// The length is the sides' measure when they have one, else d.length, which
// reads "at least" when it ends where a comparison window may end.
std::string describe_difference(const sim::Difference& d, std::string_view a_name,
                                std::string_view b_name, const DifferenceSides* sides);

// "8 KiB", "1 MiB", "1536 bytes": exact, in the largest binary unit that
// divides the size.
std::string human_size(std::uint64_t bytes);

}  // namespace mirrorsim::properties

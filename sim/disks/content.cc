#include "sim/disks/content.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "engine/invariant.h"

namespace mirrorsim::sim {

void append_merged(std::vector<Extent>& out, const Extent& extent) {
  if (extent.length == 0) return;
  if (!out.empty()) {
    Extent& last = out.back();
    MIRRORSIM_ASSERT(last.end() == extent.offset, "append_merged needs contiguous extents");
    if (continues(last, extent)) {
      last.length += extent.length;
      return;
    }
  }
  out.push_back(extent);
}

std::string describe(const SectorContent& content) {
  return "(" + std::to_string(content.value) + ", " + std::to_string(content.index) + ")";
}

std::string describe(std::span<const Extent> extents) {
  std::string out;
  for (const Extent& e : extents) {
    if (!out.empty()) out += "; ";
    out += "[" + std::to_string(e.offset) + ", " + std::to_string(e.end()) + ") ";
    if (e.value == kZeroValue) {
      out += "zero";
    } else if (e.value == kZeroClusterValue) {
      out += "zero-cluster";
    } else {
      out += "v" + std::to_string(e.value) + " i" + std::to_string(e.base);
    }
  }
  return out.empty() ? "(empty)" : out;
}

std::string ContentPayload::check(std::span<const Extent> extents) {
  std::uint64_t expected = 0;
  for (const Extent& e : extents) {
    if (e.offset != expected) {
      return "extent at " + std::to_string(e.offset) +
             " does not start where the previous one ends (" + std::to_string(expected) + ")";
    }
    if (e.length == 0 || e.length % kSectorSize != 0) {
      return "extent at " + std::to_string(e.offset) + " has length " + std::to_string(e.length) +
             ", not a positive multiple of 512";
    }
    if (e.value == kZeroClusterValue) return "extent uses the reserved zero-cluster value";
    if (e.value > kMaxContentValue) {
      return "extent value " + std::to_string(e.value) + " is above kMaxContentValue";
    }
    if (e.value == kZeroValue && e.base != 0) return "a zero extent must have base 0";
    if (e.base > kMaxContentIndex - e.length / kSectorSize) {
      return "extent indices from " + std::to_string(e.base) + " pass kMaxContentIndex";
    }
    expected = e.end();
  }
  return "";
}

namespace {

void require_valid_payload(std::span<const Extent> extents) {
  if (std::string problem = ContentPayload::check(extents); !problem.empty()) {
    throw_invariant_violation(__FILE__, __LINE__, "ContentPayload::check(extents).empty()",
                              "invalid content payload: " + problem);
  }
}

}  // namespace

ContentPayload::ContentPayload(std::span<const Extent> extents) : count_(extents.size()) {
  require_valid_payload(extents);
  if (count_ == 1) {
    single_ = extents.front();
  } else {
    many_.assign(extents.begin(), extents.end());
  }
}

ContentPayload::ContentPayload(std::vector<Extent>&& extents) : count_(extents.size()) {
  require_valid_payload(extents);
  if (count_ == 1) {
    single_ = extents.front();
  } else {
    many_ = std::move(extents);
  }
}

ContentPayload ContentPayload::fresh(std::uint64_t value, std::uint64_t length) {
  MIRRORSIM_ASSERT(value <= kMaxContentValue, "fresh payload with a reserved value");
  const Extent extent{0, length, value, 0};
  return ContentPayload(std::span<const Extent>(&extent, 1));
}

ContentPayload ContentPayload::zeroes(std::uint64_t length) {
  const Extent extent{0, length, kZeroValue, 0};
  return ContentPayload(std::span<const Extent>(&extent, 1));
}

ContentPayload ContentPayload::slice(std::uint64_t offset, std::uint64_t length) const {
  MIRRORSIM_ASSERT(offset % kSectorSize == 0 && length % kSectorSize == 0 && length > 0 &&
                       offset <= this->length() && length <= this->length() - offset,
                   "payload slice [" + std::to_string(offset) + ", +" + std::to_string(length) +
                       ") outside a payload of " + std::to_string(this->length()) + " bytes");
  const std::uint64_t end = offset + length;
  std::vector<Extent> out;
  for (const Extent& e : extents()) {
    if (e.end() <= offset) continue;
    if (e.offset >= end) break;
    const Extent part = e.slice(std::max(e.offset, offset), std::min(e.end(), end));
    out.push_back(part.moved_to(part.offset - offset));
  }
  return ContentPayload(std::move(out));
}

ContentPayload ContentPayload::concat(std::span<const ContentPayload> parts) {
  MIRRORSIM_ASSERT(!parts.empty(), "concat of no payloads");
  std::vector<Extent> out;
  std::uint64_t at = 0;
  for (const ContentPayload& part : parts) {
    MIRRORSIM_ASSERT(part.length() > 0, "concat of an empty payload");
    for (const Extent& e : part.extents()) append_merged(out, e.moved_to(at + e.offset));
    at += part.length();
  }
  return ContentPayload(std::move(out));
}

SectorContent ContentPayload::at(std::uint64_t byte) const {
  const std::span<const Extent> all = extents();
  auto it = std::upper_bound(all.begin(), all.end(), byte,
                             [](std::uint64_t b, const Extent& e) { return b < e.end(); });
  MIRRORSIM_ASSERT(it != all.end(), "payload read past its end");
  return it->at(byte);
}

std::uint64_t ContentSource::next() {
  MIRRORSIM_ASSERT(next_ <= kMaxContentValue, "content values exhausted");
  return next_++;
}

}  // namespace mirrorsim::sim

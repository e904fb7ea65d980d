#include "sim/disks/disk_view.h"

#include <algorithm>

#include <boost/container/small_vector.hpp>

#include "engine/invariant.h"
#include "sim/disks/extent_chain.h"

namespace mirrorsim::sim {
namespace {

// Bytes compared at a time: small enough to keep two windows of extents in
// cache, large enough that a sparse disk takes few windows.
constexpr std::uint64_t kCompareWindowBytes = std::uint64_t{16} << 20;

using Chain = boost::container::small_vector<const ExtentStore*, 4>;

Chain chain_of(const std::vector<ExtentStore>& layers) {
  Chain chain;
  for (const ExtentStore& s : layers) chain.push_back(&s);
  return chain;
}

}  // namespace

GuestView::GuestView() : GuestView(std::vector<ExtentStore>{ExtentStore(0)}) {}

GuestView::GuestView(std::vector<ExtentStore> layers)
    : layers_(std::make_shared<const std::vector<ExtentStore>>(std::move(layers))) {
  MIRRORSIM_ASSERT(!layers_->empty(), "a guest view needs at least one layer");
}

std::uint64_t GuestView::length() const {
  return layers_->front().length();
}

void GuestView::read_into(std::uint64_t offset, std::uint64_t length,
                          std::vector<Extent>& out) const {
  MIRRORSIM_ASSERT(offset <= this->length() && length <= this->length() - offset,
                   "guest view read past the end");
  Chain chain = chain_of(*layers_);
  read_chain(LayerChain(chain.data(), chain.size()), offset, length, out);
}

ContentPayload GuestView::read(std::uint64_t offset, std::uint64_t length) const {
  std::vector<Extent> extents;
  read_into(offset, length, extents);
  for (Extent& e : extents) e.offset -= offset;
  return ContentPayload(std::move(extents));
}

SectorContent GuestView::at(std::uint64_t byte) const {
  std::vector<Extent> one;
  read_into(byte, kSectorSize, one);
  return one.front().at(byte);
}

bool GuestView::shares_storage(const GuestView& other, std::uint64_t offset,
                               std::uint64_t length) const {
  if (layers_ == other.layers_) return true;
  if (layers_->size() != other.layers_->size()) return false;
  for (std::size_t i = 0; i < layers_->size(); ++i) {
    const ExtentStore& mine = (*layers_)[i];
    const ExtentStore& theirs = (*other.layers_)[i];
    if (mine.length() != theirs.length()) return false;
    // A lower layer is read only inside its own length.
    const std::uint64_t from = std::min(offset, mine.length());
    const std::uint64_t to = std::min(offset + length, mine.length());
    if (!mine.shares_storage(theirs, from, to - from)) return false;
  }
  return true;
}

std::string Difference::describe() const {
  auto side = [](const SectorContent& c, bool past_end) {
    return past_end ? std::string("nothing (past its end)") : sim::describe(c);
  };
  return "first difference at byte " + std::to_string(offset) + " (+" + std::to_string(length) +
         "): a reads " + side(a, a_past_end) + ", b reads " + side(b, b_past_end);
}

namespace {

// The first difference inside [pos, end), read through both chains.
std::optional<Difference> compare_window(const GuestView& a, const GuestView& b, std::uint64_t pos,
                                         std::uint64_t end, std::vector<Extent>& xa,
                                         std::vector<Extent>& xb) {
  xa.clear();
  xb.clear();
  a.read_into(pos, end - pos, xa);
  b.read_into(pos, end - pos, xb);
  // Walk both extent lists; each step covers the overlap of the current pair,
  // inside which the two either differ at every sector or at none.
  std::size_t i = 0;
  std::size_t j = 0;
  std::optional<Difference> found;
  for (std::uint64_t at = pos; at < end;) {
    const Extent& ea = xa[i];
    const Extent& eb = xb[j];
    const std::uint64_t step_end = std::min(ea.end(), eb.end());
    const SectorContent ca = ea.at(at);
    const SectorContent cb = eb.at(at);
    const bool differs = ca != cb;
    if (differs && !found) found = Difference{at, 0, ca, cb, false, false};
    if (found) {
      if (!differs) break;
      found->length = step_end - found->offset;
    }
    at = step_end;
    if (ea.end() == at) ++i;
    if (eb.end() == at) ++j;
  }
  return found;
}

}  // namespace

bool compares_by_pages(const GuestView& a, const GuestView& b) {
  return a.depth() == 1 && b.depth() == 1 && a.length() == b.length() &&
         a.layer(0).page_bytes() == b.layer(0).page_bytes();
}

std::optional<Difference> first_difference(const GuestView& a, const GuestView& b,
                                           std::uint64_t from) {
  MIRRORSIM_ASSERT(from % kSectorSize == 0, "first_difference from an unaligned offset");
  const std::uint64_t common = std::min(a.length(), b.length());
  // Two single layers of one shape: skip identical pages without reading them.
  const bool by_pages = compares_by_pages(a, b);
  const std::uint64_t window = by_pages ? a.layer(0).page_bytes() : kCompareWindowBytes;
  std::vector<Extent> xa;
  std::vector<Extent> xb;
  std::uint64_t pos = from;
  while (pos < common) {
    // Windows stay aligned to multiples of their size whatever `from` is.
    if (by_pages && pos % window == 0) {
      pos += a.layer(0).identical_prefix(b.layer(0), pos);
      if (pos >= common) break;
    }
    const std::uint64_t end = std::min(common, (pos / window + 1) * window);
    if (by_pages || !a.shares_storage(b, pos, end - pos)) {
      if (auto found = compare_window(a, b, pos, end, xa, xb)) return found;
    }
    pos = end;
  }
  if (a.length() == b.length()) return std::nullopt;
  Difference d;
  d.offset = common;
  d.length = std::max(a.length(), b.length()) - common;
  d.a_past_end = a.length() == common;
  d.b_past_end = b.length() == common;
  if (!d.a_past_end) d.a = a.at(common);
  if (!d.b_past_end) d.b = b.at(common);
  return d;
}

}  // namespace mirrorsim::sim

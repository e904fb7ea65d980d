#include "engine/inflight_ops.h"

#include <algorithm>
#include <utility>

#include "engine/invariant.h"
#include "engine/limits.h"

namespace mirrorsim::engine {

std::uint64_t InflightOps::add(OpKind kind, ByteSpan span, bool background, bool pseudo) {
  MIRRORSIM_ASSERT(!background || background_count_ < max_background_,
                   "more background ops in flight than the limit");
  const std::uint64_t id = next_id_++;
  InflightOp& op = ops_.emplace_back();
  op.id = id;
  op.kind = kind;
  op.span = span;
  op.background = background;
  op.pseudo = pseudo;
  if (background) ++background_count_;
  if (kind == OpKind::kActiveWrite) ++active_write_count_;
  return id;
}

const InflightOp& InflightOps::at(std::uint64_t id) const {
  const auto it = std::lower_bound(ops_.begin(), ops_.end(), id,
                                   [](const InflightOp& op, std::uint64_t x) { return op.id < x; });
  MIRRORSIM_ASSERT(it != ops_.end() && it->id == id, "no op in flight has this id");
  return *it;
}

bool InflightOps::contains(std::uint64_t id) const {
  const auto it = std::lower_bound(ops_.begin(), ops_.end(), id,
                                   [](const InflightOp& op, std::uint64_t x) { return op.id < x; });
  return it != ops_.end() && it->id == id;
}

InflightOp& InflightOps::at(std::uint64_t id) {
  return const_cast<InflightOp&>(std::as_const(*this).at(id));
}

InflightOp InflightOps::remove(std::uint64_t id) {
  const auto it = ops_.begin() + (&at(id) - ops_.data());
  InflightOp op = std::move(*it);
  ops_.erase(it);
  if (op.background) --background_count_;
  if (op.kind == OpKind::kActiveWrite) --active_write_count_;
  return op;
}

const InflightOp* InflightOps::find_overlap(ByteSpan span, std::uint64_t except_id) const {
  for (const InflightOp& op : ops_) {
    if (op.id != except_id && overlaps(op.span, span)) return &op;
  }
  return nullptr;
}

bool InflightOps::job_io_in_flight() const {
  return std::any_of(ops_.begin(), ops_.end(), [](const InflightOp& op) {
    return !op.pseudo && op.kind != OpKind::kActiveWrite;
  });
}

}  // namespace mirrorsim::engine

#include "sim/guest/workload_request.h"

#include <array>

namespace mirrorsim::sim {
namespace {

constexpr std::array<std::string_view, 5> kOpNames = {"write", "write_zeroes", "discard", "read",
                                                      "flush"};

}  // namespace

std::string_view guest_op_name(GuestOp op) {
  return kOpNames.at(static_cast<std::size_t>(op));
}

std::optional<GuestOp> parse_guest_op(std::string_view name) {
  for (std::size_t i = 0; i < kOpNames.size(); ++i) {
    if (kOpNames[i] == name) return static_cast<GuestOp>(i);
  }
  if (name == "trim") return GuestOp::kDiscard;  // fio's name for it (trace_fio.cc maps it too)
  return std::nullopt;
}

std::string_view guest_op_names() {
  return "write, write_zeroes, discard (or trim), read, flush";
}

}  // namespace mirrorsim::sim

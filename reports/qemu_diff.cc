#include "reports/qemu_diff.h"

#include <algorithm>
#include <charconv>

#include <fmt/core.h>

namespace mirrorsim::reports {
namespace {

// The number after `key` ("offset ") in `line`, if any.
std::optional<std::uint64_t> number_after(std::string_view line, std::string_view key) {
  const std::size_t at = line.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = line.data() + at + key.size();
  const char* last = line.data() + line.size();
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(first, last, value);
  if (error != std::errc() || end == first) return std::nullopt;
  return value;
}

// The trace event's name: the line's first word, after any "pid@time:".
std::string_view event_name(std::string_view line) {
  const std::size_t space = line.find(' ');
  std::string_view head = line.substr(0, space);
  const std::size_t colon = head.find(':');
  if (colon != std::string_view::npos && head.find('@') < colon) head.remove_prefix(colon + 1);
  return head;
}

std::string op_text(const std::optional<DiffOp>& op) {
  if (!op) return "(none)";
  return fmt::format("offset {} length {}", op->offset, op->length);
}

}  // namespace

OpAccount account_of(std::span<const OpEvent> events, std::uint64_t cluster_bytes) {
  OpAccount account;
  std::vector<DiffOp> in_flight;
  const std::uint64_t cluster = std::max<std::uint64_t>(cluster_bytes, 1);
  for (const OpEvent& e : events) {
    switch (e.kind) {
      case OpEvent::Kind::kGuestRequest:
        account.cut_at_guest_request = true;
        break;
      case OpEvent::Kind::kCopyStart: {
        ++account.all_copies;
        in_flight.push_back(e.op);
        if (account.cut_at_guest_request || e.op.length == 0) break;
        account.copies.push_back(e.op);
        for (std::uint64_t c = e.op.offset / cluster;
             c <= (e.op.offset + e.op.length - 1) / cluster; ++c) {
          const auto over = std::count_if(in_flight.begin(), in_flight.end(), [&](const DiffOp& o) {
            return o.length > 0 && o.offset < (c + 1) * cluster &&
                   c * cluster < o.offset + o.length;
          });
          account.max_in_flight_per_cluster =
              std::max(account.max_in_flight_per_cluster, static_cast<std::uint32_t>(over));
        }
        break;
      }
      case OpEvent::Kind::kOpEnd: {
        const auto it = std::find(in_flight.begin(), in_flight.end(), e.op);
        if (it == in_flight.end()) {
          ++account.other_ops;
        } else {
          in_flight.erase(it);
        }
        break;
      }
    }
  }
  return account;
}

std::vector<OpEvent> parse_qemu_trace(std::string_view text) {
  std::vector<OpEvent> events;
  bool guest_seen = false;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    const std::string_view name = event_name(line);
    if (name == "handle_hmp_command") {
      if (!guest_seen) events.push_back({OpEvent::Kind::kGuestRequest, {}});
      guest_seen = true;
      continue;
    }
    const bool start = name == "mirror_one_iteration";
    if (!start && name != "mirror_iteration_done") continue;
    const auto offset = number_after(line, " offset ");
    const auto bytes = number_after(line, " bytes ");
    if (!offset || !bytes) continue;  // a line cut short (QEMU killed mid-write)
    events.push_back(
        {start ? OpEvent::Kind::kCopyStart : OpEvent::Kind::kOpEnd, DiffOp{*offset, *bytes}});
  }
  return events;
}

std::string qemu_outcome(std::string_view qmp_log) {
  while (!qmp_log.empty()) {
    const std::size_t newline = qmp_log.find('\n');
    const std::string_view line = qmp_log.substr(0, newline);
    qmp_log.remove_prefix(newline == std::string_view::npos ? qmp_log.size() : newline + 1);
    if (line.find("\"event\": \"BLOCK_JOB_CANCELLED\"") != std::string_view::npos)
      return "cancelled";
    if (line.find("\"event\": \"BLOCK_JOB_COMPLETED\"") == std::string_view::npos) continue;
    const std::string_view key = "\"error\": \"";
    const std::size_t at = line.find(key);
    if (at == std::string_view::npos) return "completed";
    const std::size_t from = at + key.size();
    return "failed: " + std::string(line.substr(from, line.find('"', from) - from));
  }
  return "did not end";
}

std::string_view outcome_word(std::string_view outcome) {
  return outcome.substr(0, outcome.find(':'));
}

DiffResult compare_sides(const DiffSide& sim, const DiffSide& qemu, std::string_view profile) {
  DiffResult r;
  r.order_cut = sim.ops.cut_at_guest_request || qemu.ops.cut_at_guest_request;
  std::string& out = r.text;
  bool agrees = true;
  auto row = [&](std::string_view what, const std::string& a, const std::string& b, bool same) {
    out += fmt::format("  {:<34} {:<32} {:<32} {}\n", what, a, b, same ? "same" : "DIFFERS");
    agrees = agrees && same;
  };
  out += fmt::format("  {:<34} {:<32} {}\n", "", fmt::format("simulator ({})", profile), "QEMU");

  // Copy ops: the compared prefixes, up to the shorter one when cut.
  const std::vector<DiffOp>& a = sim.ops.copies;
  const std::vector<DiffOp>& b = qemu.ops.copies;
  const std::size_t compared =
      r.order_cut ? std::min(a.size(), b.size()) : std::max(a.size(), b.size());
  std::optional<std::size_t> first_difference;
  for (std::size_t i = 0; i < compared && !first_difference; ++i) {
    if (i >= a.size() || i >= b.size() || !(a[i] == b[i])) first_difference = i;
  }
  const bool counts_compared = !r.order_cut;
  if (counts_compared) {
    row("copy ops", fmt::format("{}", sim.ops.all_copies), fmt::format("{}", qemu.ops.all_copies),
        sim.ops.all_copies == qemu.ops.all_copies);
  } else {
    out +=
        fmt::format("  {:<34} {:<32} {:<32} not compared\n", "copy ops",
                    fmt::format("{}", sim.ops.all_copies), fmt::format("{}", qemu.ops.all_copies));
  }
  if (r.order_cut) {
    out += fmt::format(
        "  (guest requests during the job: copy ops compared up to the first one on each side, "
        "{} op(s); the rest depends on when QEMU got them)\n",
        compared);
  }
  if (first_difference) {
    const std::size_t i = *first_difference;
    const auto at = [i](const std::vector<DiffOp>& v) {
      return i < v.size() ? std::optional<DiffOp>(v[i]) : std::nullopt;
    };
    row(fmt::format("first different copy op (#{})", i + 1), op_text(at(a)), op_text(at(b)), false);
  } else {
    row(fmt::format("copy ops in order ({} compared)", compared), "-", "-", true);
  }
  row("max copy ops in flight per cluster", fmt::format("{}", sim.ops.max_in_flight_per_cluster),
      fmt::format("{}", qemu.ops.max_in_flight_per_cluster),
      sim.ops.max_in_flight_per_cluster == qemu.ops.max_in_flight_per_cluster);
  out += fmt::format("  {:<34} {:<32} {:<32} not compared\n", "zero writes and discards",
                     fmt::format("{}", sim.ops.other_ops), fmt::format("{}", qemu.ops.other_ops));
  row("outcome", sim.outcome, qemu.outcome,
      outcome_word(sim.outcome) == outcome_word(qemu.outcome));
  row("images", sim.image, qemu.image, sim.image == qemu.image);
  r.agrees = agrees;
  return r;
}

}  // namespace mirrorsim::reports

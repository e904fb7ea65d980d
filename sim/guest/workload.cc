#include "sim/guest/workload.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/block_device.h"

namespace mirrorsim::sim {
namespace {

// Spreads Zipf ranks over the disk: multiplying by a prime larger than any
// block count is a bijection modulo that count, so every block keeps its
// own rank and the hottest blocks are not all at the start of the disk.
constexpr std::uint64_t kRankSpreadPrime = (std::uint64_t{1} << 61) - 1;

constexpr engine::TimeNs kEndOfTimeNs =
    static_cast<engine::TimeNs>(kMaxWorkloadTimeUs) * engine::kNsPerUs;

engine::TimeNs us_to_ns(std::uint64_t us) {
  return static_cast<engine::TimeNs>(us) * engine::kNsPerUs;
}

}  // namespace

WorkloadGenerator::WorkloadGenerator(WorkloadParams params, std::uint64_t disk_length,
                                     RandomStream random)
    : params_(std::move(params)),
      disk_length_(disk_length),
      random_(random),
      blocks_(0),
      cursor_ns_(us_to_ns(params_.start_us)) {
  if (auto problem = check_workload_params(params_)) {
    throw std::invalid_argument("workload parameter " + problem->key + ": " + problem->what +
                                "; allowed: " + problem->allowed);
  }
  if (disk_length_ % engine::kSectorSize != 0) {
    throw std::invalid_argument("workload disk length " + std::to_string(disk_length_) +
                                " is not a multiple of 512");
  }
  const std::uint64_t align = params_.align_bytes;
  blocks_ = disk_length_ / align + (disk_length_ % align != 0 ? 1 : 0);
  if (blocks_ == 0) done_ = true;
  if (params_.locality == Locality::kZipf && blocks_ > 0) {
    zipf_.emplace(blocks_, params_.zipf_theta);
  }
  if (params_.locality == Locality::kHotspot && blocks_ > 0) {
    const double wanted = std::ceil(params_.hot_fraction * static_cast<double>(blocks_));
    hot_blocks_ = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(wanted), 1, blocks_);
    hot_first_block_ = std::min(params_.hot_offset_bytes / align, blocks_ - hot_blocks_);
  }
  engine::TimeNs end = cursor_ns_;
  for (const Phase& phase : params_.phases) {
    end += us_to_ns(phase.duration_us);
    phase_end_ns_.push_back(end);
  }
}

std::optional<GuestRequest> WorkloadGenerator::next() {
  if (pending_flush_) {
    const GuestRequest flush = *pending_flush_;
    pending_flush_.reset();
    return flush;
  }
  if (done_) return std::nullopt;
  double rate = 0.0;
  if ((params_.max_requests != 0 && issued_ >= params_.max_requests) || !advance_to_active(rate)) {
    done_ = true;
    return std::nullopt;
  }
  GuestRequest request;
  request.time = cursor_ns_;
  request.op = draw_op();
  request.offset = draw_offset();
  request.length = std::min(draw_size(), disk_length_ - request.offset);
  if (params_.locality == Locality::kSequential) {
    sequential_next_ = request.offset + request.length;
  }
  cursor_ns_ += draw_gap(rate);
  ++issued_;
  if (params_.flush_every != 0 && changes_content(request.op) &&
      ++changes_since_flush_ == params_.flush_every) {
    changes_since_flush_ = 0;
    pending_flush_ = GuestRequest{request.time, GuestOp::kFlush, 0, 0};
  }
  return request;
}

bool WorkloadGenerator::advance_to_active(double& rate) {
  const engine::TimeNs stop_ns = params_.stop_us != 0 ? us_to_ns(params_.stop_us) : kEndOfTimeNs;
  const engine::TimeNs start_ns = us_to_ns(params_.start_us);
  for (;;) {
    if (cursor_ns_ >= stop_ns || cursor_ns_ >= kEndOfTimeNs) return false;
    engine::TimeNs segment_end = kEndOfTimeNs;
    rate = params_.rate_iops;
    if (!params_.phases.empty()) {
      while (phase_ < phase_end_ns_.size() && cursor_ns_ >= phase_end_ns_[phase_]) ++phase_;
      if (phase_ == phase_end_ns_.size()) return false;
      rate = params_.phases[phase_].rate_iops;
      segment_end = phase_end_ns_[phase_];
    }
    if (rate <= 0.0) {
      cursor_ns_ = segment_end;  // quiet until the segment ends
      continue;
    }
    if (params_.burst_off_us != 0) {
      const engine::TimeNs on = us_to_ns(params_.burst_on_us);
      const engine::TimeNs period = on + us_to_ns(params_.burst_off_us);
      const engine::TimeNs position = (cursor_ns_ - start_ns) % period;
      if (position >= on) {
        cursor_ns_ += period - position;  // skip the off part of the burst
        continue;
      }
    }
    return true;
  }
}

GuestOp WorkloadGenerator::draw_op() {
  const OpMix& mix = params_.mix;
  const double weights[] = {mix.write, mix.write_zeroes, mix.discard, mix.read};
  const double total = mix.write + mix.write_zeroes + mix.discard + mix.read;
  double point = random_.unit() * total;
  for (int i = 0; i < 4; ++i) {
    if (point < weights[i]) return static_cast<GuestOp>(i);
    point -= weights[i];
  }
  // Rounding left the point past the last weight: the last nonzero one.
  for (int i = 3; i >= 0; --i) {
    if (weights[i] > 0.0) return static_cast<GuestOp>(i);
  }
  return GuestOp::kWrite;
}

std::uint64_t WorkloadGenerator::draw_offset() {
  const std::uint64_t align = params_.align_bytes;
  std::uint64_t block = 0;
  switch (params_.locality) {
    case Locality::kUniform:
      block = random_.below(blocks_);
      break;
    case Locality::kSequential:
      return sequential_next_ < disk_length_ ? sequential_next_ : 0;
    case Locality::kHotspot:
      if (hot_blocks_ == blocks_ || random_.chance(params_.hot_share)) {
        block = hot_first_block_ + random_.below(hot_blocks_);
      } else {
        const std::uint64_t cold = random_.below(blocks_ - hot_blocks_);
        block = cold < hot_first_block_ ? cold : cold + hot_blocks_;
      }
      break;
    case Locality::kZipf: {
      const std::uint64_t rank = zipf_->sample(random_);
      block = static_cast<std::uint64_t>(static_cast<unsigned __int128>(rank - 1) *
                                         kRankSpreadPrime % blocks_);
      break;
    }
  }
  return block * align;
}

std::uint64_t WorkloadGenerator::draw_size() {
  if (const auto* fixed = std::get_if<FixedSize>(&params_.size)) return fixed->bytes;
  if (const auto* uniform = std::get_if<UniformSize>(&params_.size)) {
    const std::uint64_t low = uniform->min_bytes / engine::kSectorSize;
    const std::uint64_t high = uniform->max_bytes / engine::kSectorSize;
    return random_.between(low, high) * engine::kSectorSize;
  }
  const auto& choices = std::get<ChoiceSize>(params_.size).bytes;
  return choices[random_.below(choices.size())];
}

engine::TimeNs WorkloadGenerator::draw_gap(double rate) {
  double mean_ns = 1e9 / rate;
  if (params_.arrival == Arrival::kUniform) mean_ns = random_.unit() * 2.0 * mean_ns;
  // Inverse transform: -ln(1 - u) is exponential with mean 1 for u in [0, 1).
  if (params_.arrival == Arrival::kPoisson) mean_ns = -std::log1p(-random_.unit()) * mean_ns;
  const double limit = static_cast<double>(kEndOfTimeNs);
  const double gap = std::min(std::floor(mean_ns + 0.5), limit);
  return std::max<engine::TimeNs>(static_cast<engine::TimeNs>(gap), 1);
}

}  // namespace mirrorsim::sim

#include "sim/guest/workload_params.h"

#include <array>
#include <charconv>
#include <cmath>

#include "engine/block_device.h"

namespace mirrorsim::sim {
namespace {

// Shortest text that reads back as the same double ("0.1", "nan").
std::string number(double value) {
  std::array<char, 64> buffer{};
  auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return error == std::errc{} ? std::string(buffer.data(), end) : std::string("?");
}

std::optional<ParamProblem> problem(std::string key, std::string what, std::string allowed) {
  return ParamProblem{std::move(key), std::move(what), std::move(allowed)};
}

std::string request_sizes() {
  static_assert(kMaxRequestBytes == 1024 * 1024 * 1024, "the text below says 1GiB");
  return "a multiple of 512 bytes, from 512 bytes to 1GiB";
}

std::optional<ParamProblem> check_request_size(const std::string& key, std::uint64_t bytes) {
  if (bytes == 0) return problem(key, "a request size of 0 bytes", request_sizes());
  if (bytes % engine::kSectorSize != 0) {
    return problem(key, std::to_string(bytes) + " bytes is not a multiple of 512", request_sizes());
  }
  if (bytes > kMaxRequestBytes) {
    return problem(key, std::to_string(bytes) + " bytes is too large", request_sizes());
  }
  return std::nullopt;
}

std::optional<ParamProblem> check_rate(const std::string& key, double rate) {
  if (!std::isfinite(rate) || rate < 0.0 || rate > kMaxRateIops) {
    return problem(key, "rate " + number(rate) + " is out of range",
                   "a number of requests per second from 0 to 1e9");
  }
  return std::nullopt;
}

std::optional<ParamProblem> check_unit_interval(const std::string& key, double value,
                                                bool zero_allowed) {
  if (!std::isfinite(value) || value < 0.0 || value > 1.0 || (!zero_allowed && value == 0.0)) {
    return problem(key, number(value) + " is out of range",
                   zero_allowed ? "a number from 0 to 1" : "a number greater than 0, at most 1");
  }
  return std::nullopt;
}

std::optional<ParamProblem> check_time(const std::string& key, std::uint64_t us) {
  if (us > kMaxWorkloadTimeUs) {
    return problem(key, std::to_string(us) + " us is too far in the future",
                   "at most " + std::to_string(kMaxWorkloadTimeUs) + " us");
  }
  return std::nullopt;
}

std::optional<ParamProblem> check_size(const SizeDistribution& size) {
  if (const auto* fixed = std::get_if<FixedSize>(&size)) {
    return check_request_size("size_bytes", fixed->bytes);
  }
  if (const auto* uniform = std::get_if<UniformSize>(&size)) {
    if (auto p = check_request_size("size_bytes.min_bytes", uniform->min_bytes)) return p;
    if (auto p = check_request_size("size_bytes.max_bytes", uniform->max_bytes)) return p;
    if (uniform->min_bytes > uniform->max_bytes) {
      return problem("size_bytes.max_bytes", "max_bytes is smaller than min_bytes",
                     "max_bytes >= min_bytes");
    }
    return std::nullopt;
  }
  const auto& choice = std::get<ChoiceSize>(size);
  if (choice.bytes.empty() || choice.bytes.size() > kMaxSizeChoices) {
    return problem("size_bytes", "a list of " + std::to_string(choice.bytes.size()) + " sizes",
                   "a list of 1 to " + std::to_string(kMaxSizeChoices) + " sizes");
  }
  for (std::size_t i = 0; i < choice.bytes.size(); ++i) {
    if (auto p = check_request_size("size_bytes[" + std::to_string(i) + "]", choice.bytes[i]))
      return p;
  }
  return std::nullopt;
}

std::optional<ParamProblem> check_mix(const OpMix& mix) {
  const std::array<std::pair<const char*, double>, 4> weights = {
      {{"mix.write", mix.write},
       {"mix.write_zeroes", mix.write_zeroes},
       {"mix.discard", mix.discard},
       {"mix.read", mix.read}}};
  double sum = 0.0;
  for (const auto& [key, weight] : weights) {
    if (!std::isfinite(weight) || weight < 0.0 || weight > 1e12) {
      return problem(key, "weight " + number(weight) + " is out of range",
                     "a number from 0 to 1e12");
    }
    sum += weight;
  }
  if (sum <= 0.0) return problem("mix", "every weight is 0", "at least one weight above 0");
  return std::nullopt;
}

std::optional<ParamProblem> check_phases(const std::vector<Phase>& phases, std::uint64_t start) {
  if (phases.size() > kMaxPhases) {
    return problem("phases", std::to_string(phases.size()) + " phases",
                   "at most " + std::to_string(kMaxPhases) + " phases");
  }
  std::uint64_t end = start;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const std::string key = "phases[" + std::to_string(i) + "]";
    if (phases[i].duration_us == 0) {
      return problem(key + ".duration_us", "a phase of 0 us", "a duration above 0");
    }
    if (auto p = check_time(key + ".duration_us", phases[i].duration_us)) return p;
    end += phases[i].duration_us;  // both terms <= 2^52: no overflow
    if (auto p = check_time(key + ".duration_us", end)) return p;
    if (auto p = check_rate(key + ".rate_iops", phases[i].rate_iops)) return p;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ParamProblem> check_workload_params(const WorkloadParams& params) {
  if (auto p = check_rate("rate_iops", params.rate_iops)) return p;
  if (auto p = check_time("burst_on_us", params.burst_on_us)) return p;
  if (auto p = check_time("burst_off_us", params.burst_off_us)) return p;
  if (params.burst_off_us != 0 && params.burst_on_us == 0) {
    return problem("burst_on_us", "bursts that are never on",
                   "burst_on_us > 0 when burst_off_us > 0");
  }
  if (params.burst_on_us + params.burst_off_us > kMaxWorkloadTimeUs) {  // each <= 2^52: no overflow
    return problem(
        "burst_off_us", "a burst period longer than the time limit",
        "burst_on_us + burst_off_us at most " + std::to_string(kMaxWorkloadTimeUs) + " us");
  }
  if (auto p = check_size(params.size)) return p;
  const std::uint64_t align = params.align_bytes;
  if (align < engine::kSectorSize || align > kMaxRequestBytes || (align & (align - 1)) != 0) {
    return problem("align_bytes",
                   std::to_string(align) + " bytes is not a power of two from 512 bytes to 1GiB",
                   "a power of two from 512 bytes to 1GiB");
  }
  if (auto p = check_unit_interval("hot_fraction", params.hot_fraction, false)) return p;
  if (auto p = check_unit_interval("hot_share", params.hot_share, true)) return p;
  if (params.hot_offset_bytes % engine::kSectorSize != 0) {
    return problem("hot_offset_bytes",
                   std::to_string(params.hot_offset_bytes) + " bytes is not a multiple of 512",
                   "a multiple of 512 bytes");
  }
  if (!std::isfinite(params.zipf_theta) || params.zipf_theta <= 0.0 ||
      params.zipf_theta > kMaxZipfTheta) {
    return problem("zipf_theta", number(params.zipf_theta) + " is out of range",
                   "a number greater than 0, at most 10");
  }
  if (auto p = check_mix(params.mix)) return p;
  if (params.flush_every > kMaxFlushEvery) {
    return problem("flush_every", std::to_string(params.flush_every) + " is out of range",
                   "0 (no flushes) to " + std::to_string(kMaxFlushEvery));
  }
  if (auto p = check_time("start_us", params.start_us)) return p;
  if (auto p = check_time("stop_us", params.stop_us)) return p;
  if (params.stop_us != 0 && params.stop_us <= params.start_us) {
    return problem("stop_us", "stop_us is not after start_us",
                   "0 (no stop) or a time after start_us");
  }
  return check_phases(params.phases, params.start_us);
}

std::optional<double> requested_rate_iops(const WorkloadParams& params) {
  if (!params.phases.empty()) return std::nullopt;
  double rate = params.rate_iops;
  if (params.burst_off_us != 0) {
    const auto on = static_cast<double>(params.burst_on_us);
    rate *= on / (on + static_cast<double>(params.burst_off_us));
  }
  if (params.flush_every != 0) {
    const OpMix& m = params.mix;
    const double total = m.write + m.write_zeroes + m.discard + m.read;
    const double changes = total > 0 ? (m.write + m.write_zeroes + m.discard) / total : 0.0;
    rate *= 1.0 + changes / static_cast<double>(params.flush_every);
  }
  return rate;
}

}  // namespace mirrorsim::sim

// Parameters of a generated guest workload, as plain values.
//
// These are the knobs a scenario file's [workload] section sets; the field
// comments give each default and unit. The parameters say nothing about the
// disk: the generator is told the disk length when it is built.
// check_workload_params() is the single definition of which parameter sets
// are valid; it names the offending parameter by the key scenario files use
// (e.g. "align_bytes", "size_bytes.min_bytes", "phases[1].rate_iops").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mirrorsim::sim {

// Upper bounds that keep every derived quantity inside 64-bit arithmetic.
inline constexpr std::uint64_t kMaxWorkloadTimeUs = std::uint64_t{1} << 52;  // ~142 years
inline constexpr std::uint64_t kMaxRequestBytes = std::uint64_t{1} << 30;    // 1 GiB
inline constexpr double kMaxRateIops = 1e9;                                  // one per ns
inline constexpr double kMaxZipfTheta = 10.0;
inline constexpr std::size_t kMaxSizeChoices = 64;
inline constexpr std::size_t kMaxPhases = 1024;
inline constexpr std::uint64_t kMaxFlushEvery = std::uint64_t{1} << 32;

// How far apart consecutive requests are, for a rate r.
enum class Arrival : std::uint8_t {
  kFixed,    // exactly 1/r apart
  kUniform,  // uniform in [0, 2/r): mean 1/r, with jitter
  kPoisson,  // exponential gaps, mean 1/r: independent arrivals (an open system)
};

// Where requests land.
enum class Locality : std::uint8_t {
  kUniform,     // any aligned offset, equally likely
  kSequential,  // each request starts where the previous one ended, wrapping at the end
  kHotspot,     // hot_share of the requests in a hot region of hot_fraction of the disk
  kZipf,        // aligned blocks ranked by a Zipf law of exponent zipf_theta, ranks spread
};

// Request sizes, all in bytes, all multiples of 512, at most kMaxRequestBytes.
struct FixedSize {
  std::uint64_t bytes = 4096;
  bool operator==(const FixedSize&) const = default;
};
struct UniformSize {  // every multiple of 512 in [min, max] equally likely
  std::uint64_t min_bytes = 4096;
  std::uint64_t max_bytes = 65536;
  bool operator==(const UniformSize&) const = default;
};
struct ChoiceSize {  // one of the listed sizes, equally likely; 1..kMaxSizeChoices entries
  std::vector<std::uint64_t> bytes;
  bool operator==(const ChoiceSize&) const = default;
};
using SizeDistribution = std::variant<FixedSize, UniformSize, ChoiceSize>;

// Relative weights of the operations: finite, >= 0, not all zero.
struct OpMix {
  double write = 1.0;
  double write_zeroes = 0.0;
  double discard = 0.0;
  double read = 0.0;
  bool operator==(const OpMix&) const = default;
};

// A stretch of time with its own rate; rate 0 is a quiet phase.
struct Phase {
  std::uint64_t duration_us = 1'000'000;  // > 0
  double rate_iops = 100.0;               // in [0, kMaxRateIops]
  bool operator==(const Phase&) const = default;
};

struct WorkloadParams {
  double rate_iops = 100.0;  // requests per second while on; 0 = none; ignored when phases given
  Arrival arrival = Arrival::kFixed;
  // Bursts: on for burst_on_us, then off for burst_off_us, repeating from
  // start_us. burst_off_us = 0 means always on (no bursts).
  std::uint64_t burst_on_us = 0;
  std::uint64_t burst_off_us = 0;
  SizeDistribution size = FixedSize{};
  std::uint64_t align_bytes = 4096;  // offsets are multiples of this; power of two >= 512
  Locality locality = Locality::kUniform;
  double hot_fraction = 0.1;           // hotspot: share of the disk that is hot, in (0, 1]
  double hot_share = 0.9;              // hotspot: share of requests that go there, in [0, 1]
  std::uint64_t hot_offset_bytes = 0;  // hotspot: where the hot region starts (clamped to fit)
  double zipf_theta = 0.99;            // zipf: exponent, in (0, kMaxZipfTheta]
  OpMix mix;
  // When non-empty, the phases run one after another from start_us (each
  // with its own rate) and the workload ends after the last one.
  std::vector<Phase> phases;
  std::uint64_t start_us = 0;      // time of the first request
  std::uint64_t stop_us = 0;       // no request at or after this time; 0 = no stop time
  std::uint64_t max_requests = 0;  // stop after this many requests; 0 = no limit
  // After every flush_every-th write, zero write or discard, a guest flush
  // at the same instant (no draw of its own); 0 = no flushes. A flush does
  // not count against max_requests.
  std::uint64_t flush_every = 0;

  bool operator==(const WorkloadParams&) const = default;
};

// What is wrong with a parameter set: the key, what is wrong, what is allowed.
struct ParamProblem {
  std::string key;
  std::string what;
  std::string allowed;
};

// The rate the generator asks for, in requests per second, as a run's
// achieved rate counts them: rate_iops, times the on share of a burst
// period, plus the flushes flush_every adds. nullopt with phases (the rate
// changes over time). For valid params only.
std::optional<double> requested_rate_iops(const WorkloadParams& params);

// nullopt when `params` is valid; otherwise the first problem found.
std::optional<ParamProblem> check_workload_params(const WorkloadParams& params);

}  // namespace mirrorsim::sim

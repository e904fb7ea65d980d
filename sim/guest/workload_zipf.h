// Zipf-distributed ranks, drawn in constant time with a method written out here.
//
// Rank k in [1, n] is drawn with probability proportional to k^-theta, by
// rejection-inversion (Hörmann and Derflinger, "Rejection-inversion to
// generate variates from monotone discrete distributions", 1996): invert the
// integral of a continuous hat function, round to the nearest rank, and
// accept or redraw. It needs no table and no sum over n, so n may be the
// number of 4 KiB blocks of a 1 TiB disk. Each attempt draws one unit() from
// the stream; the expected number of attempts is below 1.5.
//
// Determinism: only IEEE arithmetic and log1p/expm1/log/exp from the C
// library are used, so a build gives the same ranks for the same stream.
#pragma once

#include <cstdint>

#include "sim/kernel/random.h"

namespace mirrorsim::sim {

class ZipfSampler {
 public:
  // REQUIRES: n >= 1; 0 < theta <= kMaxZipfTheta (workload_params.h).
  ZipfSampler(std::uint64_t n, double theta);

  // A rank in [1, n]; rank 1 is the most likely.
  std::uint64_t sample(RandomStream& random) const;

  std::uint64_t n() const { return n_; }
  double theta() const { return theta_; }

 private:
  double h(double x) const;           // the weight function x^-theta
  double h_integral(double x) const;  // its antiderivative H, with H(1) = 0
  double h_integral_inverse(double y) const;

  std::uint64_t n_;
  double theta_;
  double h_integral_x1_;  // H(1.5) - h(1)
  double h_integral_n_;   // H(n + 0.5)
  double squeeze_;        // accept at once when k - x <= squeeze_
};

}  // namespace mirrorsim::sim

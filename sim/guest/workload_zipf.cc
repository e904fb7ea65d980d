#include "sim/guest/workload_zipf.h"

#include <cmath>

#include "engine/invariant.h"
#include "sim/guest/workload_params.h"

namespace mirrorsim::sim {
namespace {

// log1p(y) / y, continuous at 0.
double log1p_over(double y) {
  if (std::fabs(y) > 1e-8) return std::log1p(y) / y;
  return 1.0 - y * (0.5 - y * (1.0 / 3.0 - 0.25 * y));
}

// expm1(y) / y, continuous at 0.
double expm1_over(double y) {
  if (std::fabs(y) > 1e-8) return std::expm1(y) / y;
  return 1.0 + y * 0.5 * (1.0 + y * (1.0 / 3.0) * (1.0 + 0.25 * y));
}

}  // namespace

ZipfSampler::ZipfSampler(std::uint64_t n, double theta) : n_(n), theta_(theta) {
  MIRRORSIM_ASSERT(n >= 1, "ZipfSampler needs at least one rank");
  MIRRORSIM_ASSERT(theta > 0.0 && theta <= kMaxZipfTheta, "ZipfSampler theta out of range");
  h_integral_x1_ = h_integral(1.5) - 1.0;
  h_integral_n_ = h_integral(static_cast<double>(n) + 0.5);
  squeeze_ = 2.0 - h_integral_inverse(h_integral(2.5) - h(2.0));
}

double ZipfSampler::h(double x) const {
  return std::exp(-theta_ * std::log(x));
}

// H(x) = (x^(1-theta) - 1) / (1-theta), or log(x) when theta = 1.
double ZipfSampler::h_integral(double x) const {
  const double log_x = std::log(x);
  return expm1_over((1.0 - theta_) * log_x) * log_x;
}

double ZipfSampler::h_integral_inverse(double y) const {
  double t = y * (1.0 - theta_);
  if (t < -1.0) t = -1.0;  // rounding can push it just past the pole
  return std::exp(log1p_over(t) * y);
}

std::uint64_t ZipfSampler::sample(RandomStream& random) const {
  const double n = static_cast<double>(n_);
  for (;;) {
    const double u = h_integral_n_ + random.unit() * (h_integral_x1_ - h_integral_n_);
    const double x = h_integral_inverse(u);
    double k = std::floor(x + 0.5);
    if (k < 1.0) k = 1.0;
    if (k > n) k = n;
    if (k - x <= squeeze_ || u >= h_integral(k + 0.5) - h(k)) {
      const auto rank = static_cast<std::uint64_t>(k);
      return rank < 1 ? 1 : (rank > n_ ? n_ : rank);
    }
  }
}

}  // namespace mirrorsim::sim

#pragma once
// Fast variates for the pSGD simulators (brief mixed-cumulant.md §7 "RNG"): the Marsaglia–Tsang ziggurat for
// N(0,1) (128 layers, 32-bit resolution; Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000) and the Marsaglia–Tsang
// gamma method on top of it for χ²_k = 2 Gamma(k/2). About 3× faster than std::normal_distribution; the
// moments and tails are tested in tests/test_cumulant_sim.cpp.
#include <array>
#include <cmath>
#include <cstdint>
#include <random>

namespace hdflow::cumulant {

class FastNormal {
 public:
  FastNormal() {
    const double m1 = 2147483648.0;  // 2^31
    double dn = 3.442619855899, tn = dn;
    const double vn = 9.91256303526217e-3, q = vn / std::exp(-0.5 * dn * dn);
    kn_[0] = static_cast<std::uint32_t>((dn / q) * m1);
    kn_[1] = 0;
    wn_[0] = q / m1;
    wn_[127] = dn / m1;
    fn_[0] = 1.0;
    fn_[127] = std::exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; --i) {
      dn = std::sqrt(-2 * std::log(vn / dn + std::exp(-0.5 * dn * dn)));
      kn_[static_cast<std::size_t>(i + 1)] = static_cast<std::uint32_t>((dn / tn) * m1);
      tn = dn;
      fn_[static_cast<std::size_t>(i)] = std::exp(-0.5 * dn * dn);
      wn_[static_cast<std::size_t>(i)] = dn / m1;
    }
  }

  double operator()(std::mt19937_64& rng) const {
    for (;;) {
      const std::uint64_t bits = rng();
      const auto hz = static_cast<std::int32_t>(static_cast<std::uint32_t>(bits));
      const std::size_t iz = static_cast<std::size_t>(bits >> 32) & 127u;
      const std::uint32_t ahz = hz < 0 ? static_cast<std::uint32_t>(-static_cast<std::int64_t>(hz)) : static_cast<std::uint32_t>(hz);
      const double x = hz * wn_[iz];
      if (ahz < kn_[iz]) return x;
      if (iz == 0) {  // the tail beyond r = 3.442619855899
        const double r = 3.442619855899;
        double xt, y;
        do {
          xt = -std::log(uniform(rng)) / r;
          y = -std::log(uniform(rng));
        } while (y + y < xt * xt);
        return hz > 0 ? r + xt : -r - xt;
      }
      if (fn_[iz] + uniform(rng) * (fn_[iz - 1] - fn_[iz]) < std::exp(-0.5 * x * x)) return x;
    }
  }

  /// Uniform on (0, 1) (53 bits, never 0).
  static double uniform(std::mt19937_64& rng) { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; }

  /// Gamma(alpha, 1), alpha > 0 (Marsaglia–Tsang; alpha < 1 by Gamma(alpha + 1) U^{1/alpha}).
  double gamma(double alpha, std::mt19937_64& rng) const {
    if (alpha < 1) return gamma(alpha + 1, rng) * std::pow(uniform(rng), 1 / alpha);
    const double d = alpha - 1.0 / 3.0, c = 1 / std::sqrt(9 * d);
    for (;;) {
      double x, v;
      do {
        x = (*this)(rng);
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = uniform(rng);
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
    }
  }

  /// χ²_k = 2 Gamma(k/2), k > 0.
  double chi_square(double k, std::mt19937_64& rng) const { return 2 * gamma(0.5 * k, rng); }

 private:
  std::array<std::uint32_t, 128> kn_{};
  std::array<double, 128> wn_{}, fn_{};
};

/// The shared tables (built once, read-only, thread-safe).
inline const FastNormal& fast_normal() {
  static const FastNormal f;
  return f;
}

}  // namespace hdflow::cumulant

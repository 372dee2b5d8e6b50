// Quadrature: exactness on polynomials, closed forms, the trapezoid rule's measured accuracy against
// adaptive oracles (Boost.Math), tensor rules in 2–4 dimensions, bad covariances.
#include <doctest/doctest.h>

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <functional>
#include <vector>
#include <numbers>

#include "hdflow/core/gauss.hpp"
#include "hdflow/core/status.hpp"

using namespace hdflow;

namespace {
double double_factorial(int k) {
  double r = 1;
  for (int i = k; i > 1; i -= 2) r *= i;
  return r;
}
// Oracle: E F(s ζ + a) by adaptive Gauss–Kronrod on the real line (split at the centre).
template <class F>
double oracle(F f, double s, double a) {
  auto g = [&](double z) { return f(s * z + a) * std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi); };
  using boost::math::quadrature::gauss_kronrod;
  double err = 0;
  double sum = 0;
  // Pieces of width ≤ 0.25/s so that tanh's near-real poles are resolved by the adaptive rule.
  const double w = std::min(0.5, 0.25 / std::max(s, 1e-3));
  for (double lo = -12; lo < 12; lo += w) sum += gauss_kronrod<double, 31>::integrate(g, lo, std::min(lo + w, 12.0), 8, 1e-15, &err);
  return sum;
}
}  // namespace

TEST_CASE("Gauss-Hermite with n nodes integrates monomials of degree <= 2n-1 exactly") {
  for (int n : {1, 2, 5, 10, 20}) {
    const auto& r = gauss::hermite(n);
    REQUIRE(r.size() == static_cast<std::size_t>(n));
    for (int k = 0; k <= 2 * n - 1; ++k) {
      double sum = 0, scale = 0;  // scale = Σ w|x|^k bounds the rounding of the sum
      for (std::size_t i = 0; i < r.size(); ++i) {
        sum += r.weights[i] * std::pow(r.nodes[i], k);
        scale += r.weights[i] * std::pow(std::abs(r.nodes[i]), k);
      }
      const double exact = k % 2 ? 0.0 : double_factorial(k - 1);
      CAPTURE(n);
      CAPTURE(k);
      CHECK(std::abs(sum - exact) <= 1e-13 * std::max(1.0, scale));
    }
    // Degree 2n is not exact (E ζ^{2n} = (2n−1)!! differs): the rule is no better than claimed.
    double sum = 0;
    for (std::size_t i = 0; i < r.size(); ++i) sum += r.weights[i] * std::pow(r.nodes[i], 2 * n);
    CHECK(std::abs(sum - double_factorial(2 * n - 1)) > 1e-6);
  }
}

TEST_CASE("E erf(a zeta + b) = erf(b / sqrt(1 + 2 a^2)) by both rules") {
  gauss::TanhLineQuadrature trap({1e-13});
  for (double a : {0.1, 0.5, 1.0, 3.0}) {
    for (double b : {-1.0, 0.0, 0.4, 2.0}) {
      const double exact = std::erf(b / std::sqrt(1 + 2 * a * a));
      const auto& gh = gauss::hermite(a <= 1.0 ? 60 : 200);
      const auto& tr = trap.rule(a);
      double s1 = 0, s2 = 0;
      for (std::size_t i = 0; i < gh.size(); ++i) s1 += gh.weights[i] * std::erf(a * gh.nodes[i] + b);
      for (std::size_t i = 0; i < tr.size(); ++i) s2 += tr.weights[i] * std::erf(a * tr.nodes[i] + b);
      CAPTURE(a);
      CAPTURE(b);
      CHECK(std::abs(s1 - exact) < (a <= 1.0 ? 1e-12 : 1e-6));
      CHECK(std::abs(s2 - exact) < 1e-12);
    }
  }
}

TEST_CASE("trapezoid rule for tanh fields meets its stated accuracy for widths 0.05..12") {
  // The six moments phase 1 needs: φ, φ², φ', φφ', φ'' = −2φφ', φ'² + φφ'' = φ'(1 − 3φ²).
  const std::vector<std::function<double(double)>> fs = {
      [](double x) { return std::tanh(x); },
      [](double x) { return std::tanh(x) * std::tanh(x); },
      [](double x) { const double t = std::tanh(x); return 1 - t * t; },
      [](double x) { const double t = std::tanh(x); return t * (1 - t * t); },
      [](double x) { const double t = std::tanh(x); return -2 * t * (1 - t * t); },
      [](double x) { const double t = std::tanh(x); return (1 - t * t) * (1 - 3 * t * t); }};
  for (double s : {0.05, 0.5, 1.0, 2.0, 4.0, 8.0, 12.0}) {
    for (double a : {0.0, 0.7, 3.0}) {
      for (std::size_t k = 0; k < fs.size(); ++k) {
        const double exact = oracle(fs[k], s, a);
        for (double acc : {1e-8, 1e-10, 1e-13}) {
          const auto& r = gauss::TanhLineQuadrature({acc}).rule(s);
          double e = 0;
          for (std::size_t i = 0; i < r.size(); ++i) e += r.weights[i] * fs[k](s * r.nodes[i] + a);
          CAPTURE(acc);
          CAPTURE(s);
          CAPTURE(a);
          CAPTURE(k);
          CHECK(std::abs(e - exact) < std::max(acc, 2e-14));
        }
      }
    }
  }
}

TEST_CASE("Gauss-Hermite degrades for wide tanh fields (why phase 1 uses the trapezoid rule)") {
  auto th = [](double x) { return std::tanh(x); };
  // At width s = 4, 80 Gauss–Hermite nodes (exact to degree 159) are far from 1e-10, while the trapezoid
  // rule reaches 1e-13 with ~250 nodes; at s = 0.5, 40 nodes suffice (brief §7).
  const double a = 0.7;
  auto gh_error = [&](int nodes, double s) {
    const auto& gh = gauss::hermite(nodes);
    double e = 0;
    for (std::size_t i = 0; i < gh.size(); ++i) e += gh.weights[i] * th(s * gh.nodes[i] + a);
    return std::abs(e - oracle(th, s, a));
  };
  CHECK(gh_error(80, 4.0) > 1e-6);
  CHECK(gh_error(40, 0.5) < 1e-12);
}

TEST_CASE("tensor expectations in 2-4 dimensions against Gaussian moment identities") {
  Eigen::VectorXd m(2);
  m << 0.3, -0.5;
  Eigen::MatrixXd C(2, 2);
  C << 1.2, 0.4, 0.4, 0.7;
  // E[x1 x2] = C12 + m1 m2; E[x1² x2²] = (C11 + m1²)(C22 + m2²) + 2C12² + 4 m1 m2 C12
  CHECK(gauss::expect([](const Eigen::VectorXd& x) { return x[0] * x[1]; }, m, C, 4) ==
        doctest::Approx(0.4 + 0.3 * -0.5).epsilon(1e-14));
  const double e22 = (1.2 + 0.09) * (0.7 + 0.25) + 2 * 0.16 + 4 * 0.3 * -0.5 * 0.4;
  CHECK(gauss::expect([](const Eigen::VectorXd& x) { return x[0] * x[0] * x[1] * x[1]; }, m, C, 4) ==
        doctest::Approx(e22).epsilon(1e-13));
  // E exp(a·x) = exp(a·m + a'Ca/2) in 3 and 4 dimensions (smooth: converges geometrically).
  for (int dim : {3, 4}) {
    Eigen::MatrixXd B = Eigen::MatrixXd::Random(dim, dim) * 0.5;
    Eigen::MatrixXd Cd = B * B.transpose() + 0.2 * Eigen::MatrixXd::Identity(dim, dim);
    Eigen::VectorXd md = Eigen::VectorXd::LinSpaced(dim, -0.2, 0.3);
    Eigen::VectorXd av = Eigen::VectorXd::LinSpaced(dim, 0.3, -0.4);
    const double exact = std::exp(av.dot(md) + 0.5 * av.dot(Cd * av));
    CHECK(gauss::expect([&](const Eigen::VectorXd& x) { return std::exp(av.dot(x)); }, md, Cd, 16) ==
          doctest::Approx(exact).epsilon(1e-12));
  }
  // Singular (rank-1) covariance is allowed: x2 = x1.
  Eigen::MatrixXd S(2, 2);
  S << 1, 1, 1, 1;
  CHECK(gauss::expect([](const Eigen::VectorXd& x) { return (x[0] - x[1]) * (x[0] - x[1]); }, Eigen::VectorXd::Zero(2),
                      S, 6) == doctest::Approx(0.0).scale(1e-12));
}

TEST_CASE("bad covariances and rule sizes are InputErrors naming the field") {
  Eigen::MatrixXd C(2, 2);
  C << 1, 2, 2, 1;  // eigenvalues 3, −1
  try {
    gauss::expect([](const Eigen::VectorXd&) { return 1.0; }, Eigen::VectorXd::Zero(2), C, 4);
    FAIL("no throw");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("cov: smallest eigenvalue") != std::string::npos);
  }
  Eigen::MatrixXd A(2, 2);
  A << 1, 0.5, 0.1, 1;
  CHECK_THROWS_AS(gauss::psd_sqrt(A), InputError);
  CHECK_THROWS_AS(gauss::expect([](const Eigen::VectorXd&) { return 1.0; }, Eigen::VectorXd::Zero(3),
                                Eigen::MatrixXd::Identity(2, 2), 4),
                  InputError);
  CHECK_THROWS_AS(gauss::hermite(0), InputError);
  CHECK_THROWS_AS(gauss::TanhLineQuadrature({1.5}), InputError);
}

TEST_CASE("piecewise Gauss-Legendre rule for kinked integrands (ReLU)") {
  // E relu(ζ − k) = −k Q(k) + φ(k) (Q the upper tail), E[(ζ − k)² 1{ζ > k}] = (1 + k²)Q(k) − kφ(k).
  for (int n : {32, 64}) {
    for (double k : {-12.0, -3.0, -1.0, -0.2, 0.0, 0.7, 2.5, 9.5}) {
      const hdflow::gauss::Rule1D R = hdflow::gauss::piecewise_normal(k, n);
      double s1 = 0, s2 = 0, mass = 0;
      for (std::size_t i = 0; i < R.size(); ++i) {
        const double x = std::max(0.0, R.nodes[i] - k);
        s1 += R.weights[i] * x;
        s2 += R.weights[i] * x * x;
        mass += R.weights[i];
      }
      const double Q = 0.5 * std::erfc(k / std::sqrt(2.0)), phi = std::exp(-0.5 * k * k) / std::sqrt(2 * std::numbers::pi);
      CAPTURE(n);
      CAPTURE(k);
      CHECK(std::abs(mass - 1) < 1e-15);
      CHECK(std::abs(s1 - (-k * Q + phi)) < 1e-14 * std::max(1.0, std::abs(k)));
      CHECK(std::abs(s2 - ((1 + k * k) * Q - k * phi)) < 1e-14 * (1 + k * k));
    }
  }
  // A non-tabulated count still works, less precisely (documented in gauss.hpp).
  const hdflow::gauss::Rule1D R = hdflow::gauss::piecewise_normal(0.0, 50);
  double s = 0;
  for (std::size_t i = 0; i < R.size(); ++i) s += R.weights[i] * std::max(0.0, R.nodes[i]);
  CHECK(std::abs(s - 1 / std::sqrt(2 * std::numbers::pi)) < 1e-9);
}

// Related-work regression models of brief model-collapse-recursion.md §10.3–10.4 (CV-12): the closed forms against
// a Monte-Carlo simulation of the replace / accumulate / fake-chain protocols (the simulation lives in the test; the
// library's side is closed form).
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include <Eigen/Dense>

#include "hdflow/retrain/gaussian.hpp"

using namespace hdflow::retrain;

namespace {

// OLS fit of y on X
Eigen::VectorXd ols(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) { return X.colPivHouseholderQr().solve(y); }

struct Protocol {
  int d = 5, T = 20, n = 8;
  double sigma = 1;
};

// E‖ŵ_k − w*‖² for k = 1..n, replace (accumulate = false) or accumulate (true); w* = 0 (the error does not depend on it)
std::vector<double> simulate(const Protocol& P, bool accumulate, int R, std::uint64_t seed, std::vector<double>& se) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> N01;
  std::vector<double> sum(static_cast<std::size_t>(P.n), 0.0), sq(static_cast<std::size_t>(P.n), 0.0);
  for (int r = 0; r < R; ++r) {
    Eigen::VectorXd w = Eigen::VectorXd::Zero(P.d);  // ŵ₀ = w* = 0
    Eigen::MatrixXd Xall(0, P.d);
    Eigen::VectorXd yall(0);
    for (int k = 0; k < P.n; ++k) {
      Eigen::MatrixXd X(P.T, P.d);
      Eigen::VectorXd y(P.T);
      for (int i = 0; i < P.T; ++i) {
        for (int j = 0; j < P.d; ++j) X(i, j) = N01(rng);
        y[i] = X.row(i).dot(w) + P.sigma * N01(rng);  // labels from the previous fit plus noise
      }
      if (accumulate) {
        Xall.conservativeResize(Xall.rows() + P.T, P.d);
        Xall.bottomRows(P.T) = X;
        yall.conservativeResize(yall.size() + P.T);
        yall.tail(P.T) = y;
        w = ols(Xall, yall);
      } else {
        w = ols(X, y);
      }
      const double e = w.squaredNorm();
      sum[static_cast<std::size_t>(k)] += e;
      sq[static_cast<std::size_t>(k)] += e * e;
    }
  }
  se.resize(sum.size());
  for (std::size_t k = 0; k < sum.size(); ++k) {
    const double m = sum[k] / R;
    se[k] = std::sqrt((sq[k] / R - m * m) / (R - 1));
    sum[k] = m;
  }
  return sum;
}

}  // namespace

TEST_CASE("retrain.regression: CV-12 Gerstgrasser et al.: replace grows linearly, accumulate stays below the sum of k^-2 (d = 5, T = 20, 20000 replicas)") {
  const Protocol P;
  const double unit = 1.0 * 5 / (20 - 5 - 1);
  CHECK(regression_replace_error(1, 5, 20, 1) == doctest::Approx(unit).scale(0).epsilon(1e-15));
  CHECK(regression_accumulate_envelope(1, 5, 20, 8) / unit == doctest::Approx(1.527422052154).scale(0).epsilon(1e-12));
  std::vector<double> se_r, se_a;
  const auto rep = simulate(P, false, 20000, 11, se_r);
  const auto acc = simulate(P, true, 20000, 12, se_a);
  // brief CV-12 (R = 4e5): accumulate ratios
  const double acc_ref[] = {0.9985, 1.2046, 1.2907, 1.3377, 1.3671, 1.3879, 1.4026, 1.4136};
  for (int k = 1; k <= 8; ++k) {
    CAPTURE(k);
    const auto i = static_cast<std::size_t>(k - 1);
    CHECK(std::abs(rep[i] - regression_replace_error(1, 5, 20, k)) < 4 * se_r[i]);
    CHECK(acc[i] < regression_accumulate_envelope(1, 5, 20, k) + 3 * se_a[i]);  // the envelope is an upper bound
    CHECK(std::abs(acc[i] / unit - acc_ref[i]) < 4 * se_a[i] / unit + 0.002);
    CHECK(acc[i] < unit * M_PI * M_PI / 6);
  }
  CHECK(acc[7] < 0.96 * regression_accumulate_envelope(1, 5, 20, 8));  // strictly below from k = 2 on
}

TEST_CASE("retrain.regression: CV-12 Dohmatob et al.: test error linear in the number of fake generations (d = 5, T0 = 15, sigma0 = 0.7, T = 25)") {
  const double ref[][2] = {{0, 0.2632}, {1, 0.5354}, {3, 1.0798}, {6, 1.8965}};
  for (const auto& r : ref)
    CHECK(std::abs(regression_chain_test_error(1, 5, 25, 0.49, 15, static_cast<int>(r[0])) - r[1]) < 1e-4);
  // Monte Carlo: n fake OLS generations on T0 samples with noise σ0², then a fit on T samples with noise σ²; the test
  // error E‖ŵ − w*‖² (isotropic design)
  std::mt19937_64 rng(3);
  std::normal_distribution<double> N01;
  const int R = 20000, d = 5;
  for (int n : {1, 3}) {
    double s = 0, s2 = 0;
    for (int rr = 0; rr < R; ++rr) {
      Eigen::VectorXd w = Eigen::VectorXd::Zero(d);
      for (int k = 0; k <= n; ++k) {
        const int T = k < n ? 15 : 25;
        const double sig = k < n ? 0.7 : 1.0;
        Eigen::MatrixXd X(T, d);
        Eigen::VectorXd y(T);
        for (int i = 0; i < T; ++i) {
          for (int j = 0; j < d; ++j) X(i, j) = N01(rng);
          y[i] = X.row(i).dot(w) + sig * N01(rng);
        }
        w = ols(X, y);
      }
      s += w.squaredNorm();
      s2 += w.squaredNorm() * w.squaredNorm();
    }
    const double m = s / R, se = std::sqrt((s2 / R - m * m) / (R - 1));
    CAPTURE(n);
    CHECK(std::abs(m - regression_chain_test_error(1, 5, 25, 0.49, 15, n)) < 4 * se);
  }
}

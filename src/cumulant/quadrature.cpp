// Gauss–Legendre, Gauss–Laguerre and half-normal rules (brief mixed-cumulant.md §7, "Node generation").
#include "hdflow/cumulant/quadrature.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <string>
#include <utility>

#include "hdflow/core/status.hpp"

namespace hdflow::cumulant {

namespace {

std::mutex rule_mutex;

void check_n(int n, const char* what) {
  if (n < 1 || n > 2000)
    throw InputError({std::string(what) + " nodes: " + std::to_string(n) + ": allowed integers in [1, 2000]"});
}

// Golub–Welsch nodes, refined by Newton on the orthonormal three-term recurrence; weights from the
// Christoffel–Darboux form w_i = 1/Σ_k p_k(x_i)² (accurate to relative rounding for every node).
// diag(k), off(k) (k ≥ 1) are the Jacobi matrix entries of the orthonormal polynomials p_k; mass = ∫ weight.
template <class Diag, class Off>
gauss::Rule1D golub_welsch(int n, Diag diag, Off off, double mass) {
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
  for (int k = 0; k < n; ++k) J(k, k) = diag(k);
  for (int k = 1; k < n; ++k) J(k, k - 1) = J(k - 1, k) = off(k);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(J);
  gauss::Rule1D r;
  r.nodes.resize(static_cast<std::size_t>(n));
  r.weights.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    double x = es.eigenvalues()[i];
    double sum = 0;
    for (int it = 0; it < 3; ++it) {
      // p_0 = 1/√mass; off(k+1) p_{k+1} = (x − diag(k)) p_k − off(k) p_{k−1}; derivative alongside.
      double pm1 = 0, p = 1 / std::sqrt(mass), dpm1 = 0, dp = 0;
      sum = p * p;
      for (int k = 0; k < n; ++k) {
        const double ok = k > 0 ? off(k) : 0.0;
        const double pn = ((x - diag(k)) * p - ok * pm1) / off(k + 1);
        const double dpn = (p + (x - diag(k)) * dp - ok * dpm1) / off(k + 1);
        pm1 = p;
        p = pn;
        dpm1 = dp;
        dp = dpn;
        if (k + 1 < n) sum += p * p;
      }
      if (dp != 0 && it < 2) x -= p / dp;  // p = p_n(x), zero at the node
    }
    r.nodes[static_cast<std::size_t>(i)] = x;
    r.weights[static_cast<std::size_t>(i)] = 1 / sum;
  }
  return r;
}

template <class Make>
const gauss::Rule1D& cached(std::map<std::pair<int, double>, std::unique_ptr<gauss::Rule1D>>& cache, int n, double L,
                            Make make) {
  std::lock_guard<std::mutex> lock(rule_mutex);
  auto& slot = cache[{n, L}];
  if (!slot) slot = std::make_unique<gauss::Rule1D>(make());
  return *slot;
}

}  // namespace

const gauss::Rule1D& legendre_rule(int n) {
  check_n(n, "Gauss-Legendre");
  static std::map<std::pair<int, double>, std::unique_ptr<gauss::Rule1D>> cache;
  return cached(cache, n, 0.0, [n] {
    // Orthonormal Legendre: diag 0, off(k) = k/√(4k² − 1); weight 1 on [−1, 1], mass 2.
    return golub_welsch(
        n, [](int) { return 0.0; },
        [](int k) { const double kk = k; return kk / std::sqrt(4 * kk * kk - 1); }, 2.0);
  });
}

const gauss::Rule1D& laguerre_rule(int n) {
  check_n(n, "Gauss-Laguerre");
  static std::map<std::pair<int, double>, std::unique_ptr<gauss::Rule1D>> cache;
  return cached(cache, n, 0.0, [n] {
    // Orthonormal Laguerre (weight e^{−t}): diag 2k + 1, off(k) = k; mass 1.
    return golub_welsch(
        n, [](int k) { return 2.0 * k + 1; }, [](int k) { return static_cast<double>(k); }, 1.0);
  });
}

const gauss::Rule1D& half_normal_rule(int n, double L) {
  check_n(n, "half-normal");
  static std::map<std::pair<int, double>, std::unique_ptr<gauss::Rule1D>> cache;
  const gauss::Rule1D& gl = legendre_rule(n);  // before taking the lock (the mutex is not recursive)
  return cached(cache, n, L, [&gl, L] {
    gauss::Rule1D r;
    for (std::size_t i = 0; i < gl.size(); ++i) {
      const double x = 0.5 * L * (gl.nodes[i] + 1);
      r.nodes.push_back(x);
      r.weights.push_back(0.5 * L * gl.weights[i] * std::exp(-0.5 * x * x) / std::sqrt(2 * std::numbers::pi));
    }
    return r;
  });
}

}  // namespace hdflow::cumulant

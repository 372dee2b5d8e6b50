#include "hdflow/core/gauss.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <stdexcept>
#include <tuple>

#include <gsl/gsl_integration.h>

#include <string>

#include "hdflow/core/status.hpp"

namespace hdflow::gauss {

namespace {

std::mutex cache_mutex;

// Golub–Welsch: the Jacobi matrix of the probabilists' Hermite polynomials has zero diagonal and
// off-diagonal √k; nodes are its eigenvalues, weights the squared first eigenvector components.
Rule1D golub_welsch_hermite(int n) {
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
  for (int k = 1; k < n; ++k) J(k, k - 1) = J(k - 1, k) = std::sqrt(static_cast<double>(k));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(J);
  Rule1D r;
  r.nodes.resize(static_cast<std::size_t>(n));
  r.weights.resize(static_cast<std::size_t>(n));
  // Eigenvector weights carry only absolute accuracy (tiny outer weights lose their digits), so the
  // nodes are refined by Newton on the normalised polynomial h_n = He_n/√(n!) and the weights taken
  // from w_i = 1/(n h_{n−1}(x_i)²), which is accurate to relative rounding for every node.
  auto hermite_pair = [n](double x) {  // returns (h_n(x), h_{n−1}(x))
    double hm1 = 0.0, h = 1.0;         // h_{−1}, h_0
    for (int k = 0; k < n; ++k) {
      const double hn = (x * h - std::sqrt(static_cast<double>(k)) * hm1) / std::sqrt(static_cast<double>(k + 1));
      hm1 = h;
      h = hn;
    }
    return std::pair<double, double>{h, hm1};
  };
  for (int i = 0; i < n; ++i) {
    double x = es.eigenvalues()[i];
    for (int it = 0; it < 3; ++it) {
      const auto [hn, hn1] = hermite_pair(x);
      const double dh = std::sqrt(static_cast<double>(n)) * hn1;  // h_n' = √n h_{n−1}
      if (!std::isfinite(hn) || !std::isfinite(dh) || dh == 0.0) break;
      x -= hn / dh;
    }
    const double hn1 = hermite_pair(x).second;
    r.nodes[static_cast<std::size_t>(i)] = x;
    const double w = 1.0 / (static_cast<double>(n) * hn1 * hn1);
    r.weights[static_cast<std::size_t>(i)] = std::isfinite(w) ? w : 0.0;
  }
  // Symmetrise (the rule is exactly symmetric; this removes O(eps) asymmetry of the eigensolver).
  for (int i = 0; i < n / 2; ++i) {
    const auto a = static_cast<std::size_t>(i), b = static_cast<std::size_t>(n - 1 - i);
    const double x = 0.5 * (r.nodes[b] - r.nodes[a]);
    const double w = 0.5 * (r.weights[a] + r.weights[b]);
    r.nodes[a] = -x;
    r.nodes[b] = x;
    r.weights[a] = r.weights[b] = w;
  }
  if (n % 2 == 1) r.nodes[static_cast<std::size_t>(n / 2)] = 0.0;
  return r;
}

}  // namespace

const Rule1D& hermite(int n) {
  if (n < 1 || n > 400)
    throw InputError({"nodes: " + std::to_string(n) + ": allowed range is integers in [1, 400]"});
  static std::map<int, std::unique_ptr<Rule1D>> cache;
  std::lock_guard<std::mutex> lock(cache_mutex);
  auto& slot = cache[n];
  if (!slot) slot = std::make_unique<Rule1D>(golub_welsch_hermite(n));
  return *slot;
}

const Rule1D& legendre(int n) {
  if (n < 1 || n > 1000) throw InputError({"legendre nodes: " + std::to_string(n) + ": allowed integers in [1, 1000]"});
  static std::map<int, std::unique_ptr<Rule1D>> cache;
  std::lock_guard<std::mutex> lock(cache_mutex);
  auto& slot = cache[n];
  if (!slot) {
    auto rule = std::make_unique<Rule1D>();
    gsl_integration_glfixed_table* t = gsl_integration_glfixed_table_alloc(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      double x = 0, w = 0;
      gsl_integration_glfixed_point(-1, 1, i, &x, &w, t);
      rule->nodes.push_back(x);
      rule->weights.push_back(w);
    }
    gsl_integration_glfixed_table_free(t);
    slot = std::move(rule);
  }
  return *slot;
}

Rule1D piecewise_normal(double kink, int n, double L) {
  const Rule1D& gl = legendre(n);
  Rule1D out;
  auto piece = [&](double a, double b) {
    const double c = 0.5 * (a + b), h = 0.5 * (b - a);
    for (std::size_t i = 0; i < gl.size(); ++i) {
      const double z = c + h * gl.nodes[i];
      out.nodes.push_back(z);
      out.weights.push_back(h * gl.weights[i] * std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi));
    }
  };
  // Pieces end at ±L, at the kink and at 0 (so that no piece is wider than L).
  std::vector<double> cuts = {-L, 0.0, L};
  if (kink > -L && kink < L && kink != 0.0) cuts.push_back(kink);
  std::sort(cuts.begin(), cuts.end());
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) piece(cuts[i], cuts[i + 1]);
  return out;
}

namespace {
// Equally spaced nodes (k + offset)h in [−L, L] with weights hφ: offset 0 is the trapezoid rule (node 0 included),
// offset ½ the midpoint rule. Cached by (h, L) per rule.
const Rule1D& uniform_rule(double h, double L, bool midpoint) {
  const char* name = midpoint ? "midpoint" : "trapezoid";
  if (!(h > 0.0) || !(L > 0.0) || L / h > 1e6)
    throw InputError({std::string(name) + " step: h=" + std::to_string(h) + ", L=" + std::to_string(L) +
                      ": allowed h > 0, L > 0, L/h <= 1e6"});
  static std::map<std::tuple<double, double, bool>, std::unique_ptr<Rule1D>> cache;
  std::lock_guard<std::mutex> lock(cache_mutex);
  auto& slot = cache[{h, L, midpoint}];
  if (!slot) {
    auto r = std::make_unique<Rule1D>();
    const auto half = static_cast<long>(std::floor(L / h));
    const double norm = h / std::sqrt(2.0 * std::numbers::pi), offset = midpoint ? 0.5 : 0.0;
    for (long k = -half; k < (midpoint ? half : half + 1); ++k) {
      const double x = (static_cast<double>(k) + offset) * h;
      r->nodes.push_back(x);
      r->weights.push_back(norm * std::exp(-0.5 * x * x));
    }
    slot = std::move(r);
  }
  return *slot;
}
}  // namespace

const Rule1D& trapezoid(double h, double L) { return uniform_rule(h, L, false); }

const Rule1D& midpoint(double h, double L) { return uniform_rule(h, L, true); }

double tanh_step_constant(double accuracy) {
  if (!(accuracy > 0.0 && accuracy < 1.0))
    throw InputError({"quadrature accuracy: " + std::to_string(accuracy) + ": allowed range (0, 1)"});
  return std::numbers::pi * std::numbers::pi / (std::log(1.0 / accuracy) + 10.0);
}

TanhLineQuadrature::TanhLineQuadrature(TanhLineOptions o)
    : options(o), c_h_(tanh_step_constant(o.accuracy)) {
  if (!(o.L > 0.0)) throw InputError({"quadrature L: " + std::to_string(o.L) + ": allowed range (0, inf)"});
  if (!(o.h_max > 0.0))
    throw InputError({"quadrature h_max: " + std::to_string(o.h_max) + ": allowed range (0, inf)"});
}

const Rule1D& TanhLineQuadrature::rule(double s) {
  // Round the number of steps per unit length up to an integer, so that nearby widths share a
  // cached rule and the step never exceeds c_h/s.
  const double h_wanted = s > 0.0 ? std::min(options.h_max, c_h_ / s) : options.h_max;
  const double per_unit = std::ceil(1.0 / h_wanted);
  return trapezoid(1.0 / per_unit, options.L);
}

Eigen::MatrixXd psd_sqrt(const Eigen::MatrixXd& cov, const std::string& field) {
  if (cov.rows() != cov.cols() || cov.rows() < 1)
    throw InputError({field + ": " + std::to_string(cov.rows()) + "x" + std::to_string(cov.cols()) +
                      ": allowed a square matrix of size 1 to 4 matching the mean"});
  const double scale = std::max(1.0, cov.cwiseAbs().maxCoeff());
  if (!cov.allFinite() || (cov - cov.transpose()).cwiseAbs().maxCoeff() > 1e-12 * scale)
    throw InputError({field + ": not symmetric or not finite: allowed a symmetric PSD matrix"});
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(0.5 * (cov + cov.transpose()));
  const double lmin = es.eigenvalues().minCoeff();
  if (lmin < -1e-12 * scale)
    throw InputError({field + ": smallest eigenvalue " + std::to_string(lmin) +
                      ": allowed a positive semi-definite matrix (eigenvalues >= 0)"});
  const Eigen::VectorXd sq = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return es.eigenvectors() * sq.asDiagonal() * es.eigenvectors().transpose();
}

Rule1D compress(const std::vector<double>& x, const std::vector<double>& w, int m) {
  if (x.size() != w.size()) throw std::invalid_argument("gauss::compress: nodes and weights differ in length");
  std::vector<double> xs, ws;
  double total = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (w[i] > 0) {
      xs.push_back(x[i]);
      ws.push_back(w[i]);
      total += w[i];
    }
  Rule1D out;
  if (xs.empty() || m < 1) return out;
  const auto N = static_cast<Eigen::Index>(xs.size());
  double c = 0, v = 0;
  for (Eigen::Index i = 0; i < N; ++i) c += ws[static_cast<std::size_t>(i)] * xs[static_cast<std::size_t>(i)] / total;
  for (Eigen::Index i = 0; i < N; ++i) {
    const double dx = xs[static_cast<std::size_t>(i)] - c;
    v += ws[static_cast<std::size_t>(i)] * dx * dx / total;
  }
  const double s = v > 0 ? std::sqrt(v) : 1.0;
  Eigen::VectorXd y(N), q0(N);
  for (Eigen::Index i = 0; i < N; ++i) {
    y[i] = (xs[static_cast<std::size_t>(i)] - c) / s;
    q0[i] = std::sqrt(ws[static_cast<std::size_t>(i)] / total);
  }
  const Eigen::Index mm = std::min<Eigen::Index>(m, N);
  Eigen::MatrixXd Qv(N, mm);
  std::vector<double> a, b;  // Jacobi matrix: diagonal a_k, off-diagonal b_k
  Qv.col(0) = q0 / q0.norm();
  for (Eigen::Index k = 0; k < mm; ++k) {
    Eigen::VectorXd u = y.cwiseProduct(Qv.col(k));
    a.push_back(Qv.col(k).dot(u));
    if (k + 1 == mm) break;
    for (int pass = 0; pass < 2; ++pass) u -= Qv.leftCols(k + 1) * (Qv.leftCols(k + 1).transpose() * u);
    const double beta = u.norm();
    if (!(beta > 1e-12)) break;  // the measure has only k + 1 points of support (to rounding)
    b.push_back(beta);
    Qv.col(k + 1) = u / beta;
  }
  const auto n = static_cast<Eigen::Index>(a.size());
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index k = 0; k < n; ++k) {
    J(k, k) = a[static_cast<std::size_t>(k)];
    if (k + 1 < n) J(k, k + 1) = J(k + 1, k) = b[static_cast<std::size_t>(k)];
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(J);
  for (Eigen::Index k = 0; k < n; ++k) {
    out.nodes.push_back(c + s * es.eigenvalues()[k]);
    const double v0 = es.eigenvectors()(0, k);
    out.weights.push_back(total * v0 * v0);
  }
  return out;
}

}  // namespace hdflow::gauss

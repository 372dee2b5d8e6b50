// Bulk-variance map and critical sample size of the autoencoder retraining chain (brief online-sgd-ae-diffusion.md
// §6.2, §7.2–7.4).
#include "hdflow/retrain/clusters.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/special_functions/digamma.hpp>

namespace hdflow::retrain {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
double v_eff(const ClustersChain& c, double v) { return c.rho * c.lambda_bar + (1 - c.rho) * v; }
}  // namespace

double skip_after(double t, double v, double tau) {
  const double a = 1 - t, b = t, kappa = a * a + b * b * v;
  return b * v / kappa * (-std::expm1(-kappa * tau));
}

double bulk_amplitude(double b, int T, bool exact_flow) {
  if (exact_flow) return std::pow(static_cast<double>(T), b - 1);
  if (T <= 100000) {
    double A = 1;
    for (int j = 2; j <= T; ++j) A *= 1 + (b - 1) / j;
    return A;
  }
  return std::exp(std::lgamma(T + b) - std::lgamma(1 + b) - std::lgamma(T + 1.0));
}

double bulk_map(const ClustersChain& c, double tau, double v) {
  const double A = bulk_amplitude(skip_after(c.t, v_eff(c, v), tau), c.T, c.exact_flow);
  return A * A;
}

double bulk_map_slope(const ClustersChain& c, double tau, double v) {
  const double w = v_eff(c, v), al = 1 - c.t, be = c.t, kappa = al * al + be * be * w;
  const double E = std::exp(-kappa * tau), one_m_E = -std::expm1(-kappa * tau);
  // ∂b/∂w for b = βw/κ (1 − e^{−κτ}), ∂κ/∂w = β²
  const double db = be / kappa * one_m_E - be * w * be * be / (kappa * kappa) * one_m_E + be * w / kappa * tau * be * be * E;
  const double b = skip_after(c.t, w, tau), A = bulk_amplitude(b, c.T, c.exact_flow);
  // d ln A/db: ln T (exact flow) or ψ(T + b) − ψ(1 + b) (Euler: A_T = Γ(T + b)/(Γ(1 + b)Γ(T + 1)))
  const double dlnA = c.exact_flow ? std::log(static_cast<double>(c.T))
                                   : boost::math::digamma(c.T + b) - boost::math::digamma(1 + b);
  return (1 - c.rho) * 2 * A * A * dlnA * db;
}

std::vector<double> bulk_sequence(const ClustersChain& c, double tau, int G) {
  std::vector<double> v{c.lambda_bar};
  for (int g = 0; g < G; ++g) v.push_back(bulk_map(c, tau, v.back()));
  return v;
}

std::vector<double> bulk_fixed_points(const ClustersChain& c, double tau) {
  std::vector<double> out;
  const int n = 4000;
  const double l0 = std::log(1e-12), l1 = std::log(1e6);
  auto f = [&](double v) { return bulk_map(c, tau, v) - v; };
  double xa = std::exp(l0), fa = f(xa);
  for (int i = 1; i <= n; ++i) {
    const double xb = std::exp(l0 + (l1 - l0) * i / n), fb = f(xb);
    if (fa == 0) out.push_back(xa);
    else if ((fa < 0) != (fb < 0)) {
      double lo = xa, hi = xb, flo = fa;
      for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
        const double mid = 0.5 * (lo + hi), fm = f(mid);
        if ((fm < 0) == (flo < 0)) {
          lo = mid;
          flo = fm;
        } else {
          hi = mid;
        }
      }
      out.push_back(0.5 * (lo + hi));
    }
    xa = xb;
    fa = fb;
  }
  return out;
}

double bulk_limit(const ClustersChain& c, double tau) {
  const double l = c.lambda_bar, Fl = bulk_map(c, tau, l);
  if (Fl == l) return l;
  const auto fps = bulk_fixed_points(c, tau);
  if (Fl < l) {  // decreasing sequence: the largest fixed point below λ̄
    double best = 0;
    for (double v : fps)
      if (v < l) best = std::max(best, v);
    return best;
  }
  double best = kInf;
  for (double v : fps)
    if (v > l) best = std::min(best, v);
  return best;
}

double critical_tau(const ClustersChain& c) {
  const double l = c.lambda_bar;
  auto g = [&](double tau) { return bulk_map(c, tau, l) - l; };
  if (g(1e4) < 0) return kInf;
  double lo = 0, hi = 1;
  while (g(hi) < 0) hi *= 2;
  for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    (g(mid) < 0 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

std::string bulk_regime(const ClustersChain& c, double tau) {
  const double d = bulk_map(c, tau, c.lambda_bar) - c.lambda_bar;
  if (std::abs(d) <= 1e-12 * c.lambda_bar) return "critical";
  return d < 0 ? "collapse" : "inflation";
}

}  // namespace hdflow::retrain

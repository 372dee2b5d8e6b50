// Seed 001's bounds (brief model-collapse-recursion.md §5) and their evaluation on the Gaussian pipeline.
#include "hdflow/retrain/bounds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <gsl/gsl_integration.h>

namespace hdflow::retrain {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
double pos(double x) { return x > 0 ? x : 0; }
double sq(double x) { return x * x; }
}  // namespace

std::vector<BoundRow> evaluate_bounds(const BoundInput& in) {
  const double a = in.alpha, u = 1 - a, u2 = u * u;
  const std::size_t N = in.eps2.size();
  std::vector<BoundRow> rows;
  BoundRow r0;
  r0.g = 0;
  r0.D_incoherent = r0.disc_sum = r0.D_lower = r0.D_envelope = in.D0;
  r0.I_lo = r0.I_lo_clean = r0.I_hi = r0.I_LO = r0.KL_hi = std::numeric_limits<double>::quiet_NaN();
  if (in.k.c2) r0.D_thm_hi = *in.k.c2 * in.D0 + in.k.C_bias.value_or(0);
  rows.push_back(r0);
  double disc_eps = 0;  // Σ_{i<g}(1−α)^{2(g−1−i)} ε_i²
  for (std::size_t i = 0; i < N; ++i) {
    const BoundRow& p = rows.back();
    BoundRow r;
    r.g = static_cast<int>(i) + 1;
    const double e = in.eps2[i], eta = i < in.eta.size() ? in.eta[i] : 1.0;
    // Prop. 3.3 / Thm 3.4 band and the leading-order identity (brief §5.3–5.4)
    r.perturbative = e <= 1;
    r.clean = e <= std::min(1.0, in.k.C > 0 ? eta / (8 * in.k.C) : kInf);
    r.I_lo = pos(0.25 * eta * e - in.k.C * e * e);
    r.I_lo_clean = 0.125 * eta * e;
    r.I_hi = 4 * e + in.k.c * e * e;
    r.I_LO = eta * e;
    r.KL_hi = i < in.eps_hat2.size() ? 0.5 * in.eps_hat2[i] : std::numeric_limits<double>::quiet_NaN();
    // the paper's incoherent law and the discounted sum of Thm 4.2 (brief §5.7, §5.9 item 2)
    r.D_incoherent = u2 * p.D_incoherent + r.I_LO;
    disc_eps = u2 * disc_eps + e;
    r.disc_sum = disc_eps + std::pow(u2, r.g) * in.D0;
    // coherent envelope √D_{g+1} ≤ (1−α)√D_g + √(κ_g I_hi) (brief §5.5, §5.9 item 4)
    const double kap = i < in.kappa.size() ? in.kappa[i] : kInf;
    r.D_envelope = std::isfinite(kap) && std::isfinite(p.D_envelope) ? sq(u * std::sqrt(p.D_envelope) + std::sqrt(kap * r.I_hi)) : kInf;
    // rigorous lower chain: decreasing in D_g, so D_g is replaced by its upper envelope (brief §5.9 item 3)
    const double Dup = p.D_envelope;
    const double I_lo = r.perturbative ? r.I_lo : 0.0;  // the band is proven only for ε² ≤ 1
    r.D_lower = std::isfinite(Dup) ? std::max({0.0, 0.5 * a * I_lo - u2 * Dup, sq(pos(std::sqrt(a * I_lo) - u * std::sqrt(Dup)))}) : 0.0;
    // additive Thm 4.2 bounds (brief §5.7), i₀ = 0
    if (in.k.c2) r.D_thm_hi = *in.k.c2 * r.disc_sum + in.k.C_bias.value_or(0);
    if (in.k.c1) r.D_thm_lo = pos(*in.k.c1 * disc_eps - in.k.c_prime.value_or(0) * std::pow(u2, r.g) * in.D0);
    rows.push_back(r);
  }
  return rows;
}

double persistence_floor(double alpha, double eta_floor, double eps_floor) {
  return alpha * eta_floor * eps_floor / (16 * (1 + sq(1 - alpha)));
}

double eq23_rhs(double alpha, const std::vector<double>& eps2, double D0, int N) {
  const double u2 = sq(1 - alpha);
  double s = 0;
  for (int i = 0; i <= N && i < static_cast<int>(eps2.size()); ++i) s += std::pow(u2, N - i) * eps2[static_cast<std::size_t>(i)];
  return s + std::pow(u2, N + 1) * D0;
}

double stationary_incoherent(double alpha, double eta, double eps2) { return eta * eps2 / (alpha * (2 - alpha)); }

ConstantErrorCase constant_error_case(double c, double T, double t0) {
  const double L = T - t0, delta = 2 * c * (1 - std::exp(-0.5 * L)), eps2 = c * c * L;
  return {delta, eps2, delta * delta / eps2, std::expm1(delta * delta), 0.5 * delta * delta};
}

void unobservable_error_case(double c, double T, double t0, double& kappa, double& eps2) {
  const double L = T - t0;
  kappa = 2 / (1 + std::exp(-0.5 * L));
  // ∫₀^L c²(1 − κe^{−s/2})² ds = c²[L − 4κ(1 − e^{−L/2}) + κ²(1 − e^{−L})]
  eps2 = c * c * (L - 4 * kappa * (1 - std::exp(-0.5 * L)) + kappa * kappa * (1 - std::exp(-L)));
}

double path_energy(double m, double v, const Mixture1D& q, double t0, double T, bool along_learned, int nodes) {
  gsl_integration_glfixed_table* tab = gsl_integration_glfixed_table_alloc(static_cast<std::size_t>(nodes));
  // t = −ln s, dt = −ds/s, s ∈ [e^{−T}, e^{−t0}]
  const double s_lo = std::exp(-T), s_hi = std::exp(-t0);
  double total = 0;
  for (int i = 0; i < nodes; ++i) {
    double sn = 0, ws = 0;
    gsl_integration_glfixed_point(s_lo, s_hi, static_cast<std::size_t>(i), &sn, &ws, tab);
    const double t = -std::log(sn), e = std::exp(-t), eh = std::exp(-0.5 * t);
    const double mg = eh * m, vg = e * v + 1 - e;  // ĝ_t
    Mixture1D qt = q;
    for (std::size_t k = 0; k < q.w.size(); ++k) {
      qt.m[k] = eh * q.m[k];
      qt.v[k] = e * q.v[k] + 1 - e;
    }
    auto score_q = [&](double x) {  // Σ w_k N_k (−(x − m_k)/v_k) / Σ w_k N_k, by log-sum-exp weights
      double mx = -kInf;
      std::vector<double> l(qt.w.size());
      for (std::size_t k = 0; k < qt.w.size(); ++k) {
        l[k] = qt.w[k] > 0 ? std::log(qt.w[k]) - 0.5 * std::log(qt.v[k]) - 0.5 * sq(x - qt.m[k]) / qt.v[k] : -kInf;
        mx = std::max(mx, l[k]);
      }
      double num = 0, den = 0;
      for (std::size_t k = 0; k < qt.w.size(); ++k) {
        const double w = std::exp(l[k] - mx);
        num += w * (-(x - qt.m[k]) / qt.v[k]);
        den += w;
      }
      return num / den;
    };
    // x-average by a trapezoid over the sampling law's components ± 14 sd
    double lo = kInf, hi = -kInf, sdmin = kInf;
    auto cover = [&](double mm, double vv) {
      lo = std::min(lo, mm - 14 * std::sqrt(vv));
      hi = std::max(hi, mm + 14 * std::sqrt(vv));
      sdmin = std::min(sdmin, std::sqrt(vv));
    };
    if (along_learned) cover(mg, vg);
    else
      for (std::size_t k = 0; k < qt.w.size(); ++k) cover(qt.m[k], qt.v[k]);
    const int n = std::max(2001, static_cast<int>(std::ceil((hi - lo) / (sdmin / 5))) + 1);
    const double h = (hi - lo) / (n - 1);
    double ex = 0;
    for (int j = 0; j < n; ++j) {
      const double x = lo + j * h, wj = (j == 0 || j == n - 1) ? 0.5 : 1.0;
      const double dens = along_learned ? std::exp(-0.5 * sq(x - mg) / vg) / std::sqrt(2 * M_PI * vg) : qt.density(x);
      ex += wj * dens * sq(-(x - mg) / vg - score_q(x));
    }
    total += ws * ex * h / sn;
  }
  gsl_integration_glfixed_table_free(tab);
  return total;
}

std::vector<GaussianBoundRow> gaussian_bound_rows(double mu0, double var0, double alpha, int G, const Sampler& s) {
  const auto pop = population_pipeline(mu0, var0, alpha, G, s);
  const double a = alpha, u = 1 - a, u2 = u * u;
  const Mixture1D p{{1}, {mu0}, {var0}};
  std::vector<GaussianBoundRow> rows;
  GaussianBoundRow r0;
  rows.push_back(r0);
  for (int g = 1; g <= G; ++g) {
    const auto& prev = pop[static_cast<std::size_t>(g - 1)];
    const auto& cur = pop[static_cast<std::size_t>(g)];
    const GaussianBoundRow& pr = rows.back();
    GaussianBoundRow r;
    r.g = g;
    r.D = cur.D_chi2;
    const Mixture1D q{{a, u}, {mu0, prev.mean}, {var0, prev.var}}, ph{{1}, {cur.mean}, {cur.var}};
    r.I = chi2_mixture_1d(ph, q);
    r.KL_intra = kl_mixture_1d(ph, q);
    r.J = l2_over_1d(ph, q, p);
    // κ = sup q/p = α + (1−α) sup N(m, v)/N(μ₀, v₀): finite iff v < v₀ (or the same law)
    // (max over x of the exponent: (m − μ₀)²/(2(v₀ − v)), no cancellation as v → v₀)
    if (prev.var < var0) {
      const double lr = 0.5 * std::log(var0 / prev.var) + 0.5 * sq(prev.mean - mu0) / (var0 - prev.var);
      r.kappa = a + u * std::exp(lr);
    } else {
      r.kappa = prev.var == var0 && prev.mean == mu0 ? 1.0 : kInf;
    }
    const double Dp = pr.D, sDp = std::sqrt(Dp);
    r.innovation_lower = 0.5 * a * r.I - u2 * Dp;
    r.triangle_lower = sq(pos(std::sqrt(r.J) - u * sDp));
    r.triangle_upper = sq(u * sDp + std::sqrt(r.J));
    r.kappa_upper = std::isfinite(r.kappa) ? sq(u * sDp + std::sqrt(r.kappa * r.I)) : kInf;
    r.alpha_lower = sq(pos(std::sqrt(a * r.I) - u * sDp));
    r.chain_upper = sq(u * std::sqrt(pr.chain_upper) + std::sqrt(r.J));
    r.chain_lower = sq(pos(std::sqrt(r.J) - u * std::sqrt(pr.chain_upper)));
    r.D_incoherent = u2 * pr.D_incoherent + r.I;
    r.D_coherent = sq(u * std::sqrt(pr.D_coherent) + std::sqrt(r.I));
    if (s.kind == SamplerKind::exact) {
      // Girsanov/de Bruijn with a consistent score and infinite horizon (brief §5.2): the learned score is that of
      // the moment-matched Gaussian of q_{g−1}, flowed by OU; the ideal endpoint is q_{g−1,t₀}.
      const double et = std::exp(-s.t0), eh = std::exp(-0.5 * s.t0);
      const Mixture1D qt{{a, u}, {eh * mu0, eh * prev.mean}, {et * var0 + 1 - et, et * prev.var + 1 - et}};
      r.girsanov = true;
      r.KL_star = kl_mixture_1d(ph, qt);
      r.eps_hat2 = 2 * r.KL_star;
      r.eps_star2 = 2 * kl_mixture_1d(qt, ph);
      r.I_star = chi2_mixture_1d(ph, qt);
    }
    rows.push_back(r);
  }
  return rows;
}

}  // namespace hdflow::retrain

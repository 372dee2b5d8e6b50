// The Gaussian-mixture experiment of seed 001 in the population limit (brief model-collapse-recursion.md §9.3
// Tier A, §3.6, §4.4, §7.6). Closed-form moments; KL and χ² by the (k+1)-dimensional reduction, never Monte Carlo.
#include "hdflow/retrain/gmm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include <gsl/gsl_integration.h>

#include "hdflow/core/gauss.hpp"
#include "hdflow/core/gsl_errors.hpp"
#include "hdflow/core/status.hpp"
#include "hdflow/retrain/gaussian.hpp"

namespace hdflow::retrain {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Generalised Gauss–Laguerre rule for E f(u), u ~ Gamma(a, 1) (weight u^{a−1}e^{−u}/Γ(a)), from GSL; cached.
// ρ² = 2 v u is the squared radius of the (d−k)-dimensional orthogonal part of N(·, v I): a = (d−k)/2.
const gauss::Rule1D& gamma_rule(int n, double a) {
  static std::mutex mu;
  static std::map<std::pair<int, double>, gauss::Rule1D> cache;
  const std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find({n, a});
  if (it != cache.end()) return it->second;
  gsl_errors_off();
  gsl_integration_fixed_workspace* w =
      gsl_integration_fixed_alloc(gsl_integration_fixed_laguerre, static_cast<std::size_t>(n), 0.0, 1.0, a - 1.0, 0.0);
  if (w == nullptr) throw InputError({"rho_nodes: " + std::to_string(n) + ": allowed a Gauss-Laguerre rule GSL can build"});
  gauss::Rule1D r;
  const double* x = gsl_integration_fixed_nodes(w);
  const double* wt = gsl_integration_fixed_weights(w);
  double s = 0;
  for (int i = 0; i < n; ++i) s += wt[i];
  for (int i = 0; i < n; ++i) {
    r.nodes.push_back(x[i]);
    r.weights.push_back(wt[i] / s);  // Σ w = Γ(a): normalised so that the rule integrates the Gamma law
  }
  gsl_integration_fixed_free(w);
  return cache.emplace(std::make_pair(n, a), std::move(r)).first->second;
}

// The plane of brief §3.6: orthonormal coordinates of the means' span (K × k), and ln π_j.
struct Plane {
  int d = 0, k = 0;
  Eigen::MatrixXd Y;
  std::vector<double> log_pi;
};

Plane plane_of(const GmmData& data) {
  Plane P;
  P.d = data.d;
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(data.means, Eigen::ComputeThinV);
  const Eigen::VectorXd& s = svd.singularValues();
  const double smax = s.size() > 0 ? s.maxCoeff() : 0.0;
  for (Eigen::Index i = 0; i < s.size(); ++i)
    if (s[i] > 1e-10 * smax && smax > 0) ++P.k;
  P.Y = data.means * svd.matrixV().leftCols(P.k);
  for (double p : data.pi) P.log_pi.push_back(p > 0 ? std::log(p) : -kInf);
  return P;
}

// ln of the density of M at the points (y_i, ρ²_r) (ny × nr), brief §3.6: each component factorises into its plane
// part N_k(y; c_a Y_j, v_a) and its orthogonal part ∝ v_a^{−(d−k)/2} e^{−ρ²/(2v_a)}, so
//   ln M(y, ρ) = LSE_a [ln W_a + LF_a(y) + LG_a(ρ)],  LF_a(y) = LSE_j [ln π_j − ‖y − c_a Y_j‖²/(2v_a)] − (k/2) ln 2πv_a.
// The age sum is a matrix product after shifting LF by its row maximum and LG by its column maximum; an entry whose
// product underflows (the best ages for y and ρ far apart) is redone by an explicit log-sum-exp.
Eigen::MatrixXd log_density(const AgeMixture& M, const Plane& P, const Eigen::MatrixXd& Yn, const Eigen::VectorXd& r2) {
  const Eigen::Index ny = Yn.rows(), nr = r2.size(), A = static_cast<Eigen::Index>(M.size());
  const Eigen::Index K = P.Y.rows();
  Eigen::MatrixXd LF(ny, A), LG(A, nr);
  std::vector<double> t(static_cast<std::size_t>(K));
  for (Eigen::Index a = 0; a < A; ++a) {
    const double va = M.v[static_cast<std::size_t>(a)], ca = M.c[static_cast<std::size_t>(a)];
    const double lv = std::log(2 * M_PI * va), lw = std::log(M.W[static_cast<std::size_t>(a)]);
    for (Eigen::Index i = 0; i < ny; ++i) {
      double mx = -kInf;
      for (Eigen::Index j = 0; j < K; ++j) {
        const double q = P.k > 0 ? (Yn.row(i) - ca * P.Y.row(j)).squaredNorm() : 0.0;
        t[static_cast<std::size_t>(j)] = P.log_pi[static_cast<std::size_t>(j)] - 0.5 * q / va;
        mx = std::max(mx, t[static_cast<std::size_t>(j)]);
      }
      double s = 0;
      for (double u : t) s += std::exp(u - mx);
      LF(i, a) = lw - 0.5 * P.k * lv + mx + std::log(s);
    }
    for (Eigen::Index r = 0; r < nr; ++r) LG(a, r) = -0.5 * (P.d - P.k) * lv - 0.5 * r2[r] / va;
  }
  const Eigen::VectorXd Fm = LF.rowwise().maxCoeff();
  const Eigen::RowVectorXd Gm = LG.colwise().maxCoeff();
  const Eigen::MatrixXd E = (LF.colwise() - Fm).array().exp().matrix();
  const Eigen::MatrixXd H = (LG.rowwise() - Gm).array().exp().matrix();
  const Eigen::MatrixXd S = E * H;
  Eigen::MatrixXd out(ny, nr);
  for (Eigen::Index i = 0; i < ny; ++i)
    for (Eigen::Index r = 0; r < nr; ++r) {
      if (S(i, r) > 1e-250) {
        out(i, r) = Fm[i] + Gm[r] + std::log(S(i, r));
        continue;
      }
      double mx = -kInf;
      for (Eigen::Index a = 0; a < A; ++a) mx = std::max(mx, LF(i, a) + LG(a, r));
      double s = 0;
      for (Eigen::Index a = 0; a < A; ++a) s += std::exp(LF(i, a) + LG(a, r) - mx);
      out(i, r) = mx + std::log(s);
    }
  return out;
}

Mixture1D mixture_1d(const AgeMixture& a, const GmmData& data) {
  Mixture1D m;
  for (std::size_t s = 0; s < a.size(); ++s)
    for (int j = 0; j < data.K(); ++j) {
      if (!(data.pi[static_cast<std::size_t>(j)] > 0)) continue;
      m.w.push_back(a.W[s] * data.pi[static_cast<std::size_t>(j)]);
      m.m.push_back(a.c[s] * data.means(j, 0));
      m.v.push_back(a.v[s]);
    }
  return m;
}

double total_weight(const AgeMixture& a) {
  double s = 0;
  for (double w : a.W) s += w;
  return s;
}

void push_age(AgeMixture& m, double W, double c, double v) {
  if (!(W > 0)) return;
  m.W.push_back(W);
  m.c.push_back(c);
  m.v.push_back(v);
}

}  // namespace

// ---------------------------------------------------------------- data (brief §9.1)

GmmData GmmData::paper(int d, double scale, double sigma) {
  if (d < 2) throw InputError({"d: " + std::to_string(d) + ": allowed d >= 2 for the default geometry (means (+-4, +-4, 0, ...))"});
  GmmData D;
  D.d = d;
  D.pi.assign(5, 0.2);
  D.means = Eigen::MatrixXd::Zero(5, d);
  const double s[4][2] = {{4, 4}, {4, -4}, {-4, 4}, {-4, -4}};
  for (int j = 0; j < 4; ++j) {
    D.means(j + 1, 0) = scale * s[j][0];
    D.means(j + 1, 1) = scale * s[j][1];
  }
  D.sigma2 = sigma * sigma;
  return D;
}

GmmData GmmData::gaussian1d(double mu0, double var0) {
  GmmData D;
  D.d = 1;
  D.pi = {1.0};
  D.means = Eigen::MatrixXd::Constant(1, 1, mu0);
  D.sigma2 = var0;
  return D;
}

double GmmData::mean_norm2() const {
  double s = 0;
  for (int j = 0; j < K(); ++j) s += pi[static_cast<std::size_t>(j)] * means.row(j).squaredNorm();
  return s;
}

double GmmData::second_moment() const { return mean_norm2() + d * sigma2; }

// ---------------------------------------------------------------- the closure (brief §9.3)

double gmm_v_star(double h, double t0) { return t0 > 0 ? 1 + std::exp(-t0) * h * h / -std::expm1(-t0) : kInf; }

double gmm_age_variance(int k, double sigma2, double h, double t0) {
  if (!(t0 > 0)) return sigma2 + k * h * h;
  const double e = std::exp(-k * t0);
  return e * sigma2 + (-std::expm1(-k * t0)) * gmm_v_star(h, t0);
}

AgeMixture gmm_generation(int g, double sigma2, double alpha, double h, double t0) {
  AgeMixture m;
  if (g == 0) {
    push_age(m, 1.0, 1.0, sigma2);  // p̂⁰ = p
    return m;
  }
  for (int k = 1; k <= g; ++k) {
    const double w = k < g ? alpha * std::pow(1 - alpha, k - 1) : std::pow(1 - alpha, g - 1);
    push_age(m, w, std::exp(-0.5 * k * t0), gmm_age_variance(k, sigma2, h, t0));
  }
  return m;
}

AgeMixture gmm_refresh(const AgeMixture& r, double sigma2, double alpha) {
  AgeMixture q;
  push_age(q, alpha, 1.0, sigma2);
  for (std::size_t a = 0; a < r.size(); ++a) push_age(q, (1 - alpha) * r.W[a], r.c[a], r.v[a]);
  return q;
}

AgeMixture gmm_limit(double sigma2, double alpha, double h, double t0) {
  AgeMixture m;
  if (!(alpha > 0)) return m;
  for (int k = 1; k <= 100000; ++k) {
    push_age(m, alpha * std::pow(1 - alpha, k - 1), std::exp(-0.5 * k * t0), gmm_age_variance(k, sigma2, h, t0));
    if (std::pow(1 - alpha, k) < 1e-17) break;
  }
  return m;
}

namespace {
// (M3) from v_age = Σ W_a v_a, s̄ = Σ W_a c_a, Σ W_a c_a² (normalised weights).
GmmMoments moments_of(const GmmData& data, double v, double s, double c2) {
  const double M2 = data.mean_norm2();
  GmmMoments m;
  m.v_age = v;
  m.shrink = s;
  m.v_bar = v + M2 / data.d * (c2 - s * s);
  m.second_moment = data.d * v + c2 * M2;
  m.drift = m.second_moment / data.second_moment() - 1;
  return m;
}
}  // namespace

// brief §9.4: moments of Σ_a W_a A_a p
GmmMoments gmm_moments(const AgeMixture& a, const GmmData& data) {
  const double W = total_weight(a);
  double v = 0, s = 0, c2 = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    v += a.W[i] * a.v[i];
    s += a.W[i] * a.c[i];
    c2 += a.W[i] * a.c[i] * a.c[i];
  }
  return moments_of(data, v / W, s / W, c2 / W);
}

// brief §7.6, §9.3: geometric series of the age weights
GmmMoments gmm_limit_moments(const GmmData& data, double alpha, double h, double t0) {
  GmmMoments m;
  if (!(alpha > 0)) {
    m.v_bar = m.v_age = m.shrink = m.second_moment = m.drift = kNaN;
    return m;
  }
  const double r = std::exp(-0.5 * t0), u = 1 - alpha;
  const double s = alpha * r / (1 - u * r), c2 = alpha * r * r / (1 - u * r * r);
  const double v = t0 > 0 ? gmm_v_star(h, t0) + (data.sigma2 - gmm_v_star(h, t0)) * c2 : data.sigma2 + h * h / alpha;
  return moments_of(data, v, s, c2);
}

// ---------------------------------------------------------------- divergences (brief §3.6, §4.4)

int gmm_plane_dimension(const GmmData& data) { return plane_of(data).k; }

bool gmm_chi2_finite(const AgeMixture& a, const AgeMixture& b) {
  double vb = 0, va = 0;
  for (double v : b.v) vb = std::max(vb, v);
  for (double v : a.v) va = std::max(va, v);
  return va < 2 * vb;
}

GmmDivergence gmm_divergence(const AgeMixture& a, const AgeMixture& b, const GmmData& data, const GmmQuadrature& q) {
  GmmDivergence out;
  const bool finite = gmm_chi2_finite(a, b);
  if (data.d == 1) {  // 1-D: the dense trapezoid rule of gaussian.cpp (brief §4.4, CV-2)
    const Mixture1D A = mixture_1d(a, data), B = mixture_1d(b, data);
    out.kl = kl_mixture_1d(A, B);
    out.chi2 = finite ? chi2_mixture_1d(A, B) : kInf;
    return out;
  }
  const Plane P = plane_of(data);
  if (P.k > 3)
    throw InputError({"means: plane dimension " + std::to_string(P.k) +
                      ": allowed means spanning at most 3 dimensions for divergences (set divergences = false)"});
  // tensor Gauss–Hermite rule in the plane (k ≤ 3), Gamma((d−k)/2) rule for ρ²/(2v)
  const gauss::Rule1D& H = gauss::hermite(q.nodes);
  const int n = static_cast<int>(H.size());
  int ny = 1;
  for (int i = 0; i < P.k; ++i) ny *= n;
  Eigen::MatrixXd Z(ny, P.k);
  Eigen::VectorXd wy(ny);
  for (int f = 0; f < ny; ++f) {
    int rest = f;
    double w = 1;
    for (int i = 0; i < P.k; ++i) {
      Z(f, i) = H.nodes[static_cast<std::size_t>(rest % n)];
      w *= H.weights[static_cast<std::size_t>(rest % n)];
      rest /= n;
    }
    wy[f] = w;
  }
  Eigen::VectorXd u = Eigen::VectorXd::Zero(1), wr = Eigen::VectorXd::Ones(1);
  if (P.d > P.k) {
    const gauss::Rule1D& L = gamma_rule(q.rho_nodes, 0.5 * (P.d - P.k));
    u = Eigen::Map<const Eigen::VectorXd>(L.nodes.data(), static_cast<Eigen::Index>(L.size()));
    wr = Eigen::Map<const Eigen::VectorXd>(L.weights.data(), static_cast<Eigen::Index>(L.size()));
  }
  double kl = 0, chi = 0;
  const double Wa = total_weight(a);
  for (std::size_t s = 0; s < a.size(); ++s)
    for (int j = 0; j < data.K(); ++j) {
      const double wc = a.W[s] * data.pi[static_cast<std::size_t>(j)] / Wa;
      if (!(wc > 0)) continue;
      // nodes of component (age s, mode j): y = c_s Y_j + √v_s ζ, ρ² = 2 v_s u
      Eigen::MatrixXd Yn = std::sqrt(a.v[s]) * Z;
      if (P.k > 0) Yn.rowwise() += a.c[s] * P.Y.row(j);
      const Eigen::VectorXd r2 = 2 * a.v[s] * u;
      const Eigen::MatrixXd D = log_density(a, P, Yn, r2) - log_density(b, P, Yn, r2);
      kl += wc * wy.dot(D * wr);
      if (finite) chi += wc * wy.dot(D.array().exp().matrix() * wr);
    }
  out.kl = kl;
  out.chi2 = finite ? chi - 1 : kInf;
  return out;
}

std::vector<GmmRow> gmm_closure(const GmmData& data, const GmmClosure& c, int first) {
  std::vector<GmmRow> rows;
  const AgeMixture p = gmm_generation(0, data.sigma2, c.alpha, c.h, c.t0);
  for (int g = std::max(0, first); g <= c.G; ++g) {
    GmmRow r;
    r.g = g;
    const AgeMixture a = gmm_generation(g, data.sigma2, c.alpha, c.h, c.t0);
    r.m = gmm_moments(a, data);
    if (c.divergences) {
      r.divergences = true;
      if (g > 0) r.D = gmm_divergence(a, p, data, c.quadrature);  // D₀ = 0 (p̂⁰ = p)
      const AgeMixture next = gmm_generation(g + 1, data.sigma2, c.alpha, c.h, c.t0);
      r.I = gmm_divergence(next, gmm_refresh(a, data.sigma2, c.alpha), data, c.quadrature);
    }
    rows.push_back(r);
  }
  return rows;
}

// ---------------------------------------------------------------- exact-score limit law (brief §7.6, CV-11)

LimitLaw1D exact_score_limit_1d(double mu0, double var0, double alpha, double t0, double h, double box) {
  LimitLaw1D L;
  if (!(alpha > 0)) {
    L.mean = L.var = L.kl = L.chi2 = L.chi2_box = kNaN;
    return L;
  }
  const GmmData data = GmmData::gaussian1d(mu0, var0);
  const GmmMoments m = gmm_limit_moments(data, alpha, h, t0);
  L.mean = m.shrink * mu0;
  L.var = m.v_bar;  // K = 1, d = 1: the within-mode variance about the mean is the variance
  const AgeMixture lim = gmm_limit(var0, alpha, h, t0);
  const Mixture1D A = mixture_1d(lim, data), p{{1.0}, {mu0}, {var0}};
  L.kl = kl_mixture_1d(A, p);
  // Full χ² (equations/retrain-gmm.md §5): the diagonal pairwise terms are w_k² √(v₀/(v_k² P_k)) exp(½(B_k²/P_k − C_k)),
  // P_k = 2/v_k − 1/v₀, B_k = 2m_k/v_k − μ₀/v₀, with v_k → v* and m_k → 0. Finite iff v* < 2v₀, or v* = 2v₀ with
  // μ₀ = 0 and (1−α)² e^{t₀/2} < 1 (then P_k ∝ e^{−k t₀}, B_k → 0); at v* = 2v₀ with μ₀ ≠ 0 (CV-11: h = 0, v₀ = ½)
  // B_k²/P_k grows like e^{k t₀} and the series diverges. α = 1: one age; t₀ = 0: v_k = v₀ + k h² → ∞ unless h = 0.
  bool infinite = false;
  if (alpha >= 1) {
    infinite = lim.v[0] >= 2 * var0;
  } else if (!(t0 > 0)) {
    infinite = h > 0;
  } else {
    const double vs = gmm_v_star(h, t0), tol = 1e-12 * 2 * var0;
    if (vs > 2 * var0 + tol) infinite = true;
    else if (std::abs(vs - 2 * var0) <= tol) infinite = mu0 != 0 || (1 - alpha) * (1 - alpha) * std::exp(0.5 * t0) >= 1;
  }
  if (infinite) {
    L.chi2 = kInf;
  } else {  // pairwise closed form of brief §4.4 on the truncated series
    double s = 0;
    for (std::size_t k = 0; k < A.w.size(); ++k)
      for (std::size_t l = 0; l < A.w.size(); ++l) {
        const double P = 1 / A.v[k] + 1 / A.v[l] - 1 / var0;
        const double B = A.m[k] / A.v[k] + A.m[l] / A.v[l] - mu0 / var0;
        const double C = A.m[k] * A.m[k] / A.v[k] + A.m[l] * A.m[l] / A.v[l] - mu0 * mu0 / var0;
        s += A.w[k] * A.w[l] * std::sqrt(var0 / (A.v[k] * A.v[l] * P)) * std::exp(0.5 * (B * B / P - C));
      }
    L.chi2 = s - 1;
  }
  // restricted χ² on [μ₀ − L, μ₀ + L]: 20-point Gauss–Legendre panels of width ≤ √v₀/4 (brief §2.5 [S])
  const gauss::Rule1D& GL = gauss::legendre(20);
  const int panels = static_cast<int>(std::ceil(2 * box / (0.25 * std::sqrt(var0))));
  const double w = 2 * box / panels;
  double r = 0;
  for (int i = 0; i < panels; ++i) {
    const double centre = mu0 - box + (i + 0.5) * w;
    for (std::size_t q = 0; q < GL.size(); ++q) {
      const double x = centre + 0.5 * w * GL.nodes[q];
      const double la = std::log(A.density(x)), lp = std::log(p.density(x));
      r += 0.5 * w * GL.weights[q] * std::exp(2 * la - lp);
    }
  }
  L.chi2_box = r - 1;
  return L;
}

}  // namespace hdflow::retrain

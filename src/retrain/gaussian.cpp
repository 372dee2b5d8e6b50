// The Gaussian / linear-denoiser retraining pipeline (brief model-collapse-recursion.md §4, §7, §10.1).
#include "hdflow/retrain/gaussian.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/special_functions/digamma.hpp>

#include "hdflow/core/status.hpp"

namespace hdflow::retrain {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double log_det_spd(const Eigen::MatrixXd& S, bool& ok) {
  Eigen::LLT<Eigen::MatrixXd> llt(S);
  ok = llt.info() == Eigen::Success;
  if (!ok) return 0;
  return 2.0 * llt.matrixLLT().diagonal().array().log().sum();
}

Eigen::MatrixXd spd_sqrt(const Eigen::MatrixXd& S) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(S);
  return es.eigenvectors() * es.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal() * es.eigenvectors().transpose();
}

void check_dims(const Eigen::VectorXd& m1, const Eigen::MatrixXd& S1, const Eigen::VectorXd& m0, const Eigen::MatrixXd& S0) {
  const auto d = m1.size();
  if (m0.size() != d || S1.rows() != d || S1.cols() != d || S0.rows() != d || S0.cols() != d)
    throw InputError({"gaussian: dimensions " + std::to_string(m1.size()) + ", " + std::to_string(m0.size()) +
                      ": allowed equal dimensions of means and covariances"});
}

// log of a mixture density by log-sum-exp (no underflow far in the tails).
double log_density(const Mixture1D& a, double x) {
  double mx = -kInf;
  thread_local std::vector<double> t;
  t.resize(a.w.size());
  for (std::size_t k = 0; k < a.w.size(); ++k) {
    const double z = x - a.m[k];
    t[k] = a.w[k] > 0 ? std::log(a.w[k]) - 0.5 * std::log(2 * M_PI * a.v[k]) - 0.5 * z * z / a.v[k] : -kInf;
    mx = std::max(mx, t[k]);
  }
  if (!std::isfinite(mx)) return -kInf;
  double s = 0;
  for (double u : t) s += std::exp(u - mx);
  return mx + std::log(s);
}

double max_v(const Mixture1D& a) {
  double v = 0;
  for (std::size_t k = 0; k < a.v.size(); ++k)
    if (a.w[k] > 0) v = std::max(v, a.v[k]);
  return v;
}


// Trapezoid rule for ∫ f where f is a sum of Gaussian-shaped terms N_k N_j / N_l (or a mixture density): the range
// covers every term's centre ± 14 standard deviations (tail mass e^{−98}); for the tilted terms of χ²-type
// integrands the centre (m_k/v_k + m_j/v_j − m_l/v_l)/(1/v_k + 1/v_j − 1/v_l) can lie far outside the components'
// means. The step resolves the narrowest component and term (σ/h ≥ 5: aliasing error ~e^{−2π²·25}).
struct Window {
  double lo = kInf, hi = -kInf, sd_min = kInf;
  void add(double centre, double var) {
    const double sd = std::sqrt(var);
    lo = std::min(lo, centre - 14 * sd);
    hi = std::max(hi, centre + 14 * sd);
    sd_min = std::min(sd_min, sd);
  }
  void add_mixture(const Mixture1D& a) {
    for (std::size_t k = 0; k < a.w.size(); ++k)
      if (a.w[k] > 0) add(a.m[k], a.v[k]);
  }
  void add_tilted(const Mixture1D& a, const Mixture1D& b, const Mixture1D& c) {
    for (std::size_t k = 0; k < a.w.size(); ++k)
      for (std::size_t j = 0; j < b.w.size(); ++j)
        for (std::size_t l = 0; l < c.w.size(); ++l) {
          if (a.w[k] <= 0 || b.w[j] <= 0 || c.w[l] <= 0) continue;
          const double prec = 1 / a.v[k] + 1 / b.v[j] - 1 / c.v[l];
          if (prec <= 0) continue;
          add((a.m[k] / a.v[k] + b.m[j] / b.v[j] - c.m[l] / c.v[l]) / prec, 1 / prec);
        }
  }
};

template <class F>
double trapezoid_window(const Window& w, F&& f, int points) {
  const int n = std::max(points, static_cast<int>(std::ceil((w.hi - w.lo) / (w.sd_min / 5.0))) + 1);
  const double h = (w.hi - w.lo) / (n - 1);
  double s = 0;
  for (int i = 0; i < n; ++i) s += ((i == 0 || i == n - 1) ? 0.5 : 1.0) * f(w.lo + i * h);
  return s * h;
}

// ∫ N_k N_j / c is finite for every pair (k, j) iff 1/v_k + 1/v_j − 1/v_c,max > 0 (the denominator is at least its
// widest component and at most a sum of Gaussians; brief §4.4).
bool tilted_finite(const Mixture1D& a, const Mixture1D& b, const Mixture1D& c) {
  const double vc = max_v(c);
  for (std::size_t k = 0; k < a.w.size(); ++k)
    for (std::size_t j = 0; j < b.w.size(); ++j)
      if (a.w[k] > 0 && b.w[j] > 0 && !(1 / a.v[k] + 1 / b.v[j] - 1 / vc > 0)) return false;
  return true;
}

}  // namespace

// ---------------------------------------------------------------- divergences

// brief §4.1
double kl_gauss(const Eigen::VectorXd& m1, const Eigen::MatrixXd& S1, const Eigen::VectorXd& m0, const Eigen::MatrixXd& S0) {
  check_dims(m1, S1, m0, S0);
  const auto d = static_cast<double>(m1.size());
  Eigen::LLT<Eigen::MatrixXd> l0(S0);
  bool ok0 = false, ok1 = false;
  const double ld0 = log_det_spd(S0, ok0), ld1 = log_det_spd(S1, ok1);
  if (!ok0 || !ok1) throw InputError({"gaussian: covariance: allowed positive definite matrices"});
  const Eigen::VectorXd D = m1 - m0;
  return 0.5 * (l0.solve(S1).trace() - d + D.dot(l0.solve(D)) + ld0 - ld1);
}

// brief §4.2: 1 + χ² = det(S0)^{1/2}/(det S1 det(M)^{1/2}) exp(½bᵀM⁻¹b − c), M = 2S1⁻¹ − S0⁻¹.
double chi2_gauss(const Eigen::VectorXd& m1, const Eigen::MatrixXd& S1, const Eigen::VectorXd& m0, const Eigen::MatrixXd& S0) {
  check_dims(m1, S1, m0, S0);
  bool ok0 = false, ok1 = false;
  const double ld0 = log_det_spd(S0, ok0), ld1 = log_det_spd(S1, ok1);
  if (!ok0 || !ok1) throw InputError({"gaussian: covariance: allowed positive definite matrices"});
  const Eigen::MatrixXd P1 = S1.inverse(), P0 = S0.inverse();
  Eigen::MatrixXd M = 2.0 * P1 - P0;
  M = 0.5 * (M + M.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(M);
  if (es.eigenvalues().minCoeff() <= 0) return kInf;  // finiteness rule (brief §4.2, §4.4)
  const double ldM = es.eigenvalues().array().log().sum();
  const Eigen::VectorXd b = 2.0 * P1 * m1 - P0 * m0;
  const double c = m1.dot(P1 * m1) - 0.5 * m0.dot(P0 * m0);
  const double log1p_chi2 = 0.5 * ld0 - ld1 - 0.5 * ldM + 0.5 * b.dot(M.ldlt().solve(b)) - c;
  return std::expm1(log1p_chi2);
}

// brief §4.3
double w2sq_gauss(const Eigen::VectorXd& m1, const Eigen::MatrixXd& S1, const Eigen::VectorXd& m0, const Eigen::MatrixXd& S0) {
  check_dims(m1, S1, m0, S0);
  const Eigen::MatrixXd R0 = spd_sqrt(S0);
  const Eigen::MatrixXd C = spd_sqrt(R0 * S1 * R0);
  return (m1 - m0).squaredNorm() + (S1 + S0 - 2.0 * C).trace();
}

double kl_gauss_1d(double m1, double v1, double m0, double v0) {
  return 0.5 * (v1 / v0 - 1 + (m1 - m0) * (m1 - m0) / v0 + std::log(v0 / v1));
}

double chi2_gauss_1d(double m1, double v1, double m0, double v0) {
  const double M = 2 / v1 - 1 / v0;
  if (!(M > 0)) return kInf;
  const double b = 2 * m1 / v1 - m0 / v0, c = m1 * m1 / v1 - 0.5 * m0 * m0 / v0;
  return std::expm1(0.5 * std::log(v0) - std::log(v1) - 0.5 * std::log(M) + 0.5 * b * b / M - c);
}

double w2sq_gauss_1d(double m1, double v1, double m0, double v0) {
  const double ds = std::sqrt(v1) - std::sqrt(v0);
  return (m1 - m0) * (m1 - m0) + ds * ds;
}

double Mixture1D::density(double x) const { return std::exp(log_density(*this, x)); }

double Mixture1D::mean() const {
  double s = 0;
  for (std::size_t k = 0; k < w.size(); ++k) s += w[k] * m[k];
  return s;
}

double Mixture1D::variance() const {
  const double mu = mean();
  double s = 0;
  for (std::size_t k = 0; k < w.size(); ++k) s += w[k] * (v[k] + (m[k] - mu) * (m[k] - mu));
  return s;
}

double chi2_mixture_1d(const Mixture1D& a, const Mixture1D& b, int points) {
  if (!tilted_finite(a, a, b)) return kInf;
  Window w;
  w.add_mixture(a);
  w.add_tilted(a, a, b);
  return trapezoid_window(w, [&](double x) { return std::exp(2 * log_density(a, x) - log_density(b, x)); }, points) - 1;
}

double kl_mixture_1d(const Mixture1D& a, const Mixture1D& b, int points) {
  Window w;
  w.add_mixture(a);
  w.add_mixture(b);
  return trapezoid_window(w, [&](double x) {
    const double la = log_density(a, x);
    return std::exp(la) * (la - log_density(b, x));
  }, points);
}

double l2_over_1d(const Mixture1D& a, const Mixture1D& b, const Mixture1D& c, int points) {
  if (!tilted_finite(a, a, c) || !tilted_finite(b, b, c)) return kInf;
  Window w;
  w.add_mixture(a);
  w.add_mixture(b);
  w.add_tilted(a, a, c);
  w.add_tilted(b, b, c);
  w.add_tilted(a, b, c);
  return trapezoid_window(w, [&](double x) {
    const double la = log_density(a, x), lb = log_density(b, x), lc = log_density(c, x);
    const double lm = std::max(la, lb);
    const double diff = std::exp(la - lm) - std::exp(lb - lm);
    return std::exp(2 * lm - lc) * diff * diff;
  }, points);
}

// ---------------------------------------------------------------- refit recursion (brief §7.2)

double realised_alpha(double alpha, int n, Composition c) {
  return c == Composition::fixed ? std::round(alpha * n) / n : alpha;
}

namespace {

// The recursion is affine, x' = A x + c with x = (e, s) (brief §7.2):
//  fixed:     e' = (1−α)²e + (α + (1−α)s)/n,   s' = f(α + (1−α)s) + b α(1−α) e,
//             MLE f = (n−1)/n, b = 1; unbiased f = 1, b = n/(n−1);
//  Bernoulli: V = α + (1−α)s + α(1−α)e, e' = (1−α)²e + V/n, s' = f V (MLE f = (n−1)/n; unbiased f = 1 [D here:
//             the unbiased covariance of an i.i.d. sample of q_g has expectation Var q_g]).
void affine_form(double a, int n_, Estimator est, Composition comp, Eigen::Matrix2d& A, Eigen::Vector2d& c) {
  const double n = n_, u = 1 - a;
  if (comp == Composition::fixed) {
    const double f = est == Estimator::mle ? (n - 1) / n : 1.0, b = est == Estimator::mle ? 1.0 : n / (n - 1);
    A << u * u, u / n, b * a * u, f * u;
    c << a / n, f * a;
  } else {
    const double f = est == Estimator::mle ? (n - 1) / n : 1.0;
    A << u * u + a * u / n, u / n, f * a * u, f * u;
    c << a / n, f * a;
  }
}

}  // namespace

Moments moment_step(const Moments& x, double alpha, int n, Estimator est, Composition comp) {
  Eigen::Matrix2d A;
  Eigen::Vector2d c;
  affine_form(alpha, n, est, comp, A, c);
  const Eigen::Vector2d y = A * Eigen::Vector2d(x.e, x.s) + c;
  return {y[0], y[1]};
}

std::vector<Moments> moment_recursion(int G, double alpha, int n, Estimator est, Composition comp) {
  std::vector<Moments> out{Moments{0, 1}};
  for (int g = 0; g < G; ++g) out.push_back(moment_step(out.back(), alpha, n, est, comp));
  return out;
}

double moment_spectral_radius(double alpha, int n, Estimator est, Composition comp) {
  Eigen::Matrix2d A;
  Eigen::Vector2d c;
  affine_form(alpha, n, est, comp, A, c);
  return A.eigenvalues().cwiseAbs().maxCoeff();
}

Moments moment_fixed_point(double alpha, int n, Estimator est, Composition comp) {
  if (alpha == 0) return est == Estimator::mle ? Moments{1, 0} : Moments{kInf, 1};  // brief §7.2, α = 0
  if (moment_spectral_radius(alpha, n, est, comp) >= 1) return {kInf, kInf};
  Eigen::Matrix2d A;
  Eigen::Vector2d c;
  affine_form(alpha, n, est, comp, A, c);
  const Eigen::Vector2d x = (Eigen::Matrix2d::Identity() - A).partialPivLu().solve(c);
  return {x[0], x[1]};
}

double unbiased_critical_n(double alpha) { return alpha > 0 ? 1.0 / (alpha * (2 - alpha)) : kInf; }
double unbiased_alpha_threshold(int n) { return 1 - std::sqrt(1 - 1.0 / n); }

double shumailov_c(int n) {
  return std::sqrt(2.0 / n) * std::exp(std::lgamma(0.5 * n) - std::lgamma(0.5 * (n - 1)));
}

double log_variance_step(int n, Estimator est) {
  return boost::math::digamma(0.5 * (n - 1)) + std::log(2.0 / (est == Estimator::mle ? n : n - 1));
}

// ---------------------------------------------------------------- samplers (brief §3.4)

void sampler_map_1d(double mu, double lambda, const Sampler& s, double& mean_out, double& var_out) {
  auto v = [&](double t) { return std::exp(-t) * lambda + 1 - std::exp(-t); };
  switch (s.kind) {
    case SamplerKind::exact:
      mean_out = std::exp(-0.5 * s.t0) * mu;
      var_out = v(s.t0);
      return;
    case SamplerKind::continuous: {
      // Φ = e^{(T−t₀)/2}(e^{t₀} + λ − 1)/(e^T + λ − 1); start N(0, 1).
      const double Phi = std::exp(0.5 * (s.T - s.t0)) * (std::exp(s.t0) + lambda - 1) / (std::exp(s.T) + lambda - 1);
      mean_out = std::exp(-0.5 * s.t0) * mu + Phi * (0 - std::exp(-0.5 * s.T) * mu);
      var_out = v(s.t0) + Phi * Phi * (1 - v(s.T));
      return;
    }
    case SamplerKind::em: {
      const double h = (s.T - s.t0) / s.steps;
      double M = 0, P = 1;
      for (int j = 0; j < s.steps; ++j) {
        const double t = s.T - j * h, vj = v(t), c = 1 + h * (0.5 - 1 / vj);
        M = c * M + h * std::exp(-0.5 * t) * mu / vj;
        P = c * c * P + h;
      }
      mean_out = M;
      var_out = P;
      return;
    }
  }
}

void sampler_map(const Eigen::VectorXd& m, const Eigen::MatrixXd& S, const Sampler& s, Eigen::VectorXd& m_out,
                 Eigen::MatrixXd& S_out) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(0.5 * (S + S.transpose()));
  const Eigen::MatrixXd& U = es.eigenvectors();
  const Eigen::VectorXd mu = U.transpose() * m;
  Eigen::VectorXd Mo(m.size()), Po(m.size());
  for (Eigen::Index k = 0; k < m.size(); ++k) sampler_map_1d(mu[k], es.eigenvalues()[k], s, Mo[k], Po[k]);
  m_out = U * Mo;
  S_out = U * Po.asDiagonal() * U.transpose();
}

// ---------------------------------------------------------------- population pipeline (brief §7.5)

std::vector<PopulationRow> population_pipeline(double mu0, double var0, double alpha, int G, const Sampler& s) {
  std::vector<PopulationRow> rows;
  double m = mu0, v = var0;
  for (int g = 0; g <= G; ++g) {
    if (g > 0) {
      const double mq = alpha * mu0 + (1 - alpha) * m;
      const double vq = alpha * var0 + (1 - alpha) * v + alpha * (1 - alpha) * (m - mu0) * (m - mu0);
      sampler_map_1d(mq, vq, s, m, v);
    }
    PopulationRow r;
    r.g = g;
    r.mean = m;
    r.var = v;
    r.D_chi2 = chi2_gauss_1d(m, v, mu0, var0);
    r.D_kl = kl_gauss_1d(m, v, mu0, var0);
    r.W2sq = w2sq_gauss_1d(m, v, mu0, var0);
    rows.push_back(r);
  }
  return rows;
}

// ---------------------------------------------------------------- leading order (brief §7.4)

double k_d(int d, Fit fit) {
  switch (fit) {
    case Fit::full: return d + 0.5 * d * (d + 1.0);
    case Fit::diagonal: return 2.0 * d;
    case Fit::isotropic: return d + 1.0;
  }
  return 0;
}

double lo_drift(double kd, int n, double alpha, int g) {
  if (alpha == 0) return kd * g / n;
  return kd / n * (1 - std::pow(1 - alpha, 2 * g)) / (alpha * (2 - alpha));
}

double drift_critical_n(double kd, double alpha, double D_target) { return kd / (alpha * (2 - alpha) * D_target); }

// ---------------------------------------------------------------- regression models (brief §10.3–10.4)

double regression_replace_error(double sigma2, int d, int T, int n) { return sigma2 * d * n / (T - d - 1.0); }

double regression_accumulate_envelope(double sigma2, int d, int T, int n) {
  double s = 0;
  for (int k = 1; k <= n; ++k) s += 1.0 / (static_cast<double>(k) * k);
  return sigma2 * d / (T - d - 1.0) * s;
}

double regression_chain_test_error(double sigma2, int d, int T, double sigma02, int T0, int n) {
  return sigma2 * d / (T - d - 1.0) + n * sigma02 * d / (T0 - d - 1.0);
}

}  // namespace hdflow::retrain

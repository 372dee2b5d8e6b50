// The d → ∞ ODEs of online SGD for the tied autoencoder on a K-cluster mixture
// (brief online-sgd-ae-diffusion.md §3–4; equations/clusters-sgd.md).
#include "hdflow/clusters/sgd.hpp"

#include <cmath>
#include <numbers>
#include <limits>
#include <random>

#include "hdflow/core/gauss.hpp"
#include "hdflow/core/status.hpp"
#include "hdflow/io/params.hpp"

namespace hdflow::clusters {

double SgdParams::lambda_bar() const {
  double l = 0;
  for (std::size_t s = 0; s < lambda_s.size(); ++s) l += p_s[s] * lambda_s[s];
  return l;
}

std::vector<std::string> SgdParams::validate() const {
  std::vector<std::string> v;
  const int k = K();
  if (k < 1 || k > 64) v.push_back("pi: " + std::to_string(k) + " clusters: allowed K in [1, 64]");
  double sum = 0;
  for (double x : pi) {
    if (!(x >= 0)) v.push_back("pi: " + format_number(x) + ": allowed weights >= 0");
    sum += x;
  }
  if (std::abs(sum - 1) > 1e-9) v.push_back("pi: sum " + format_number(sum) + ": allowed weights summing to 1");
  if (r < 1 || r > 4) v.push_back("r: " + std::to_string(r) + ": allowed integers in [1, 4] (r-dimensional quadrature)");
  if (T.empty()) v.push_back("means_gram: empty: allowed one K x K Gram matrix per spectral block");
  if (lambda_s.size() != T.size() || p_s.size() != T.size())
    v.push_back("spectrum: " + std::to_string(lambda_s.size()) + " eigenvalues, " + std::to_string(p_s.size()) +
                " fractions, " + std::to_string(T.size()) + " Gram blocks: allowed equal lengths");
  double psum = 0;
  for (std::size_t s = 0; s < T.size(); ++s) {
    const std::string f = T.size() > 1 ? "means_gram[" + std::to_string(s) + "]" : "means_gram";
    if (T[s].rows() != k || T[s].cols() != k) {
      v.push_back(f + ": " + std::to_string(T[s].rows()) + "x" + std::to_string(T[s].cols()) + ": allowed K x K = " +
                  std::to_string(k) + "x" + std::to_string(k) + " (K from pi)");
      continue;
    }
    try {
      (void)gauss::psd_sqrt(T[s], f);
    } catch (const InputError& e) {
      v.insert(v.end(), e.violations.begin(), e.violations.end());
    }
  }
  for (std::size_t s = 0; s < lambda_s.size(); ++s)
    if (!(lambda_s[s] > 0)) v.push_back("spectrum: eigenvalue " + format_number(lambda_s[s]) + ": allowed > 0");
  for (double x : p_s) {
    if (!(x > 0)) v.push_back("fractions: " + format_number(x) + ": allowed > 0");
    psum += x;
  }
  if (!p_s.empty() && std::abs(psum - 1) > 1e-9) v.push_back("fractions: sum " + format_number(psum) + ": allowed summing to 1");
  if (!(t > 0 && t < 1)) v.push_back("t: " + format_number(t) + ": allowed (0, 1)");
  if (!(eta > 0)) v.push_back("eta: " + format_number(eta) + ": allowed (0, inf)");
  if (!(weight_decay >= 0)) v.push_back("weight_decay: " + format_number(weight_decay) + ": allowed [0, inf)");
  if (nodes < 2 || nodes > 400) v.push_back("nodes: " + std::to_string(nodes) + ": allowed integers in [2, 400]");
  return v;
}

SgdParams fig1_setting(int nodes) {
  SgdParams P;
  P.pi = {1.0 / 3, 1.0 / 3, 1.0 / 3};
  Eigen::MatrixXd mu(3, 2);
  mu << 3, 0, 0, -3, -3, 0;
  P.T = {mu * mu.transpose()};
  P.lambda_s = {1};
  P.p_s = {1};
  P.nodes = nodes;
  return P;
}

Eigen::MatrixXd SgdState::M() const {
  Eigen::MatrixXd out = m.at(0);
  for (std::size_t s = 1; s < m.size(); ++s) out += m[s];
  return out;
}
Eigen::MatrixXd SgdState::Q() const {
  Eigen::MatrixXd out = q.at(0);
  for (std::size_t s = 1; s < q.size(); ++s) out += q[s];
  return out;
}
Eigen::MatrixXd SgdState::Qt(const SgdParams& P) const {
  Eigen::MatrixXd out = P.lambda_s[0] * q.at(0);
  for (std::size_t s = 1; s < q.size(); ++s) out += P.lambda_s[s] * q[s];
  return out;
}

SgdState informed_start(const SgdParams& P) {
  SgdState s;
  const int K = P.K(), r = P.r, g = std::min(K, r);
  for (const auto& T : P.T) {
    Eigen::MatrixXd m = Eigen::MatrixXd::Zero(K, r), q = Eigen::MatrixXd::Zero(r, r);
    m.leftCols(g) = 0.1 * T.leftCols(g);
    q.topLeftCorner(g, g) = 0.01 * T.topLeftCorner(g, g);
    s.m.push_back(m);
    s.q.push_back(q);
  }
  s.b = 0;
  return s;
}

void activation_eval(Activation kind, double x, double& f, double& f1, double& f2) {
  switch (kind) {
    case Activation::tanh:
      f = std::tanh(x);
      f1 = 1 - f * f;
      f2 = -2 * f * f1;
      return;
    case Activation::erf:
      f = std::erf(x);
      f1 = 2 / std::sqrt(std::numbers::pi) * std::exp(-x * x);
      f2 = -2 * x * f1;
      return;
    case Activation::linear:
      f = x;
      f1 = 1;
      f2 = 0;
      return;
  }
}

double b_closed_form(const SgdParams& P, double b0, double tau) {
  const double a = 1 - P.t, be = P.t, lb = P.lambda_bar();
  const double kappa = a * a + be * be * lb, bstar = be * lb / kappa;
  return bstar + (b0 - bstar) * std::exp(-kappa * tau);
}

namespace {


// Per-cluster Gaussian averages needed by the probe operator D (brief §3.2), and the cluster-averaged ones
// of L (direct form) and S (§3.3), all over ω | c ~ N(βM_c·, Ω) with A replaced by its conditional mean
// a(ω) and covariance S_A (§4.1).
struct ClusterAverages {
  Eigen::VectorXd s, d1, d1a, d2a;      // E σ_γ, E σ'_γ, E σ'_γ a_γ, E σ''_γ a_γ
  Eigen::MatrixXd ss, d1d1;             // E σ_γσ_δ, E σ'_γσ'_δ
};
struct Averages {
  std::vector<ClusterAverages> c;
  Eigen::MatrixXd sa, d1aw;             // ⟨σ_γ a_δ⟩, ⟨σ'_γ a_γ ω_δ⟩
  Eigen::MatrixXd E1, E2, E3;           // ⟨σσ⟩, ⟨σ_γσ'_δa_δ + σ'_γa_γσ_δ⟩, ⟨σ'_γa_γσ'_δa_δ⟩ + ⟨σ'σ'⟩∘S_A
};

Eigen::MatrixXd pinv_sym(const Eigen::MatrixXd& A) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A);
  Eigen::VectorXd inv = es.eigenvalues();
  const double tol = 1e-14 * std::max(1.0, inv.cwiseAbs().maxCoeff());
  for (Eigen::Index i = 0; i < inv.size(); ++i) inv[i] = inv[i] > tol ? 1 / inv[i] : 0.0;
  return es.eigenvectors() * inv.asDiagonal() * es.eigenvectors().transpose();
}

// `mc`: the peers' method for the benchmark only — per cluster, `mc_samples` fresh standard normal vectors with
// equal weights replace the tensor Gauss–Hermite rule (the theory never uses it).
Averages averages(const SgdParams& P, const SgdState& st, std::mt19937_64* mc = nullptr, int mc_samples = 0) {
  const int K = P.K(), r = P.r;
  const double al = 1 - P.t, be = P.t, b = st.b, cb = 1 - b * be;
  const Eigen::MatrixXd M = st.M(), Q = st.Q(), Qt = st.Qt(P);
  const Eigen::MatrixXd Om = be * be * Qt + al * al * Q;   // Ω = β²Q̃ + α²Q
  // A numerically indefinite Ω (a diverging integration) is a numerical outcome, not bad input: NaN drift,
  // reported by the caller as a non_finite row.
  Eigen::MatrixXd root;
  try {
    root = gauss::psd_sqrt(Om, "Omega");
  } catch (const InputError&) {
    root = Eigen::MatrixXd::Constant(r, r, std::numeric_limits<double>::quiet_NaN());
  }
  const Eigen::MatrixXd Oi = pinv_sym(Om);
  const Eigen::MatrixXd G1 = be * Qt * Oi, G0 = al * Q * Oi;  // E[λ¹|ω] − M_c = G1 Δω, E[λ⁰|ω] = G0 Δω
  const Eigen::MatrixXd Ga = b * al * G0 - cb * G1;              // a(ω) = Ga Δω − (1 − bβ)M_c + Qσ(ω)
  // Conditional covariances (constant in ω) and Cov(A | ω) = S_A.
  const Eigen::MatrixXd S11 = Qt - be * be * Qt * Oi * Qt, S00 = Q - al * al * Q * Oi * Q, S10 = -al * be * Qt * Oi * Q;
  const Eigen::MatrixXd SA = b * b * al * al * S00 - b * al * cb * (S10 + S10.transpose()) + cb * cb * S11;
  const gauss::Rule1D& gh = gauss::hermite(P.nodes);
  const auto act = [&P](double x, double& f, double& f1, double& f2) { activation_eval(P.activation, x, f, f1, f2); };
  Averages A;
  A.sa = A.d1aw = A.E1 = A.E2 = A.E3 = Eigen::MatrixXd::Zero(r, r);
  const std::size_t n = gh.size();
  std::size_t total = 1;
  for (int k = 0; k < r; ++k) total *= n;
  Eigen::VectorXd xi(r), dw(r), w(r), sg(r), s1(r), s2(r), a(r);
  for (int c = 0; c < K; ++c) {
    ClusterAverages C;
    C.s = C.d1 = C.d1a = C.d2a = Eigen::VectorXd::Zero(r);
    C.ss = C.d1d1 = Eigen::MatrixXd::Zero(r, r);
    Eigen::MatrixXd sa = Eigen::MatrixXd::Zero(r, r), d1aw = sa, e2 = sa, e3 = sa;
    const Eigen::VectorXd Mc = M.row(c).transpose();
    std::normal_distribution<double> N01;
    const std::size_t points = mc ? static_cast<std::size_t>(mc_samples) : total;
    for (std::size_t flat = 0; flat < points; ++flat) {
      double wt = 1;
      if (mc) {
        for (int k = 0; k < r; ++k) xi[k] = N01(*mc);
        wt = 1.0 / mc_samples;
      } else {
        std::size_t rest = flat;
        for (int k = 0; k < r; ++k) {
          const std::size_t i = rest % n;
          rest /= n;
          xi[k] = gh.nodes[i];
          wt *= gh.weights[i];
        }
      }
      if (wt < 1e-300) continue;
      dw.noalias() = root * xi;
      w = be * Mc + dw;
      for (int k = 0; k < r; ++k) act(w[k], sg[k], s1[k], s2[k]);
      // a(ω) = bα E[λ⁰|ω] − (1 − bβ) E[λ¹|ω] + Q σ(ω)
      a.noalias() = Ga * dw + Q * sg;
      a -= cb * Mc;
      // The r-dimensional accumulators, written out (r ≤ 4: no temporaries in the hot loop).
      for (int g = 0; g < r; ++g) {
        const double s1a_g = s1[g] * a[g];
        C.s[g] += wt * sg[g];
        C.d1[g] += wt * s1[g];
        C.d1a[g] += wt * s1a_g;
        C.d2a[g] += wt * s2[g] * a[g];
        for (int e = 0; e < r; ++e) {
          const double s1a_e = s1[e] * a[e];
          C.ss(g, e) += wt * sg[g] * sg[e];
          C.d1d1(g, e) += wt * s1[g] * s1[e];
          sa(g, e) += wt * sg[g] * a[e];
          d1aw(g, e) += wt * s1a_g * w[e];
          e2(g, e) += wt * (sg[g] * s1a_e + s1a_g * sg[e]);
          e3(g, e) += wt * s1a_g * s1a_e;
        }
      }
    }
    const double pc = P.pi[static_cast<std::size_t>(c)];
    A.sa += pc * sa;
    A.d1aw += pc * d1aw;
    A.E1 += pc * C.ss;
    A.E2 += pc * e2;
    A.E3 += pc * (e3 + C.d1d1.cwiseProduct(SA));
    A.c.push_back(std::move(C));
  }
  return A;
}

// The probe drift operator of brief §3.2 for unit γ and cluster c:
// D_γ[θ, c⁰, c¹]_c = (1 − bβ)θ Eσ_γ + 2[(1 − bβ)βc¹_γ − bα²c⁰_γ] Eσ'_γ − Σ_δ c⁰_δ Eσ_γσ_δ − βθ Eσ'_γA_γ
//                   − (α²c⁰_γ + β²c¹_γ) Eσ''_γA_γ − Σ_δ (α²c⁰_δ + β²c¹_δ) Q_γδ Eσ'_γσ'_δ.
double D(const SgdParams& P, double b, const Eigen::MatrixXd& Q, const ClusterAverages& C, int g, double theta,
         const Eigen::VectorXd& c0, const Eigen::VectorXd& c1) {
  const double al = 1 - P.t, be = P.t, cb = 1 - b * be;
  double out = cb * theta * C.s[g] + 2 * (cb * be * c1[g] - b * al * al * c0[g]) * C.d1[g] - c0.dot(C.ss.row(g).transpose()) -
               be * theta * C.d1a[g] - (al * al * c0[g] + be * be * c1[g]) * C.d2a[g];
  for (Eigen::Index e = 0; e < c0.size(); ++e) out -= (al * al * c0[e] + be * be * c1[e]) * Q(g, e) * C.d1d1(g, e);
  return out;
}

// L⁽ˢ⁾_γδ = Σ_c π_c D_γ[m⁽ˢ⁾_cδ, q⁽ˢ⁾_δ·, λ_s q⁽ˢ⁾_δ·]_c (brief §3.3 note, §3.4).
Eigen::MatrixXd probe_L(const SgdParams& P, double b, const Eigen::MatrixXd& Q, const Averages& A, const Eigen::MatrixXd& m,
                        const Eigen::MatrixXd& q, double ls) {
  const int r = P.r, K = P.K();
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(r, r);
  for (int g = 0; g < r; ++g)
    for (int dl = 0; dl < r; ++dl) {
      const Eigen::VectorXd c0 = q.row(dl).transpose(), c1 = ls * c0;
      for (int c = 0; c < K; ++c)
        L(g, dl) += P.pi[static_cast<std::size_t>(c)] * D(P, b, Q, A.c[static_cast<std::size_t>(c)], g, m(c, dl), c0, c1);
    }
  return L;
}

}  // namespace

Eigen::MatrixXd sgd_L_probe(const SgdParams& P, const SgdState& st) {
  const Averages A = averages(P, st);
  return probe_L(P, st.b, st.Q(), A, st.m.at(0), st.q.at(0), P.lambda_s.at(0));
}

SgdDrift sgd_drift(const SgdParams& P, const SgdState& st) { return sgd_drift_sampled(P, st, nullptr, 0); }

SgdDrift sgd_drift_sampled(const SgdParams& P, const SgdState& st, std::mt19937_64* rng, int samples) {
  const int K = P.K(), r = P.r, N = P.N();
  const double al = 1 - P.t, be = P.t, b = st.b, cb = 1 - b * be, wd = P.weight_decay;
  const Averages A = averages(P, st, rng, samples);
  const Eigen::MatrixXd Q = st.Q();
  SgdDrift dr;
  for (int s = 0; s < N; ++s) {
    const double ls = P.lambda_s[static_cast<std::size_t>(s)], ps = P.p_s[static_cast<std::size_t>(s)];
    const Eigen::MatrixXd& m = st.m[static_cast<std::size_t>(s)];
    const Eigen::MatrixXd& q = st.q[static_cast<std::size_t>(s)];
    const Eigen::MatrixXd& T = P.T[static_cast<std::size_t>(s)];
    Eigen::MatrixXd dm = -0.5 * wd * m;
    for (int k = 0; k < K; ++k) {
      const Eigen::VectorXd c0 = m.row(k).transpose(), c1 = ls * c0;
      for (int g = 0; g < r; ++g)
        for (int c = 0; c < K; ++c)
          dm(k, g) += P.pi[static_cast<std::size_t>(c)] * D(P, b, Q, A.c[static_cast<std::size_t>(c)], g, T(k, c), c0, c1);
    }
    // L⁽ˢ⁾ by the probe form; S⁽ˢ⁾ with λ_s in the squared-norm constants.
    const Eigen::MatrixXd L = probe_L(P, b, Q, A, m, q, ls);
    const double cee = b * b * al * al + cb * cb * ls, cex = b * al * al - be * cb * ls, cxx = al * al + be * be * ls;
    const Eigen::MatrixXd S = cee * A.E1 + cex * A.E2 + cxx * A.E3;
    dr.dm.push_back(dm);
    dr.dq.push_back(L + L.transpose() + 2 * P.eta * ps * S - wd * q);
  }
  dr.db = be * cb * P.lambda_bar() - b * al * al;  // db/dτ = β(1 − bβ)λ̄ − bα²
  return dr;
}

Eigen::MatrixXd sgd_L_direct(const SgdParams& P, const SgdState& st) {
  const Averages A = averages(P, st);
  return -(A.sa + A.d1aw);
}

SgdState integrate_sgd(const SgdParams& P, SgdState s, double tau0, double tau1, double dt, Scheme scheme) {
  return integrate_sgd_sampled(P, std::move(s), tau0, tau1, dt, scheme, nullptr, 0);
}

SgdState integrate_sgd_sampled(const SgdParams& P, SgdState s, double tau0, double tau1, double dt, Scheme scheme,
                               std::mt19937_64* rng, int samples) {
  if (!(tau1 > tau0)) return s;
  const int steps = static_cast<int>(std::ceil((tau1 - tau0) / dt - 1e-12));
  const double h = (tau1 - tau0) / steps;
  auto axpy = [](const SgdState& x, const SgdDrift& k, double c) {
    SgdState y = x;
    for (std::size_t i = 0; i < y.m.size(); ++i) {
      y.m[i] += c * k.dm[i];
      y.q[i] += c * k.dq[i];
      y.q[i] = 0.5 * (y.q[i] + y.q[i].transpose());
    }
    y.b += c * k.db;
    return y;
  };
  for (int j = 0; j < steps; ++j) {
    const SgdDrift k1 = sgd_drift_sampled(P, s, rng, samples);
    if (scheme == Scheme::euler) {
      s = axpy(s, k1, h);
      continue;
    }
    const SgdDrift k2 = sgd_drift_sampled(P, axpy(s, k1, 0.5 * h), rng, samples);
    const SgdDrift k3 = sgd_drift_sampled(P, axpy(s, k2, 0.5 * h), rng, samples);
    const SgdDrift k4 = sgd_drift_sampled(P, axpy(s, k3, h), rng, samples);
    s = axpy(s, k1, h / 6);
    s = axpy(s, k2, h / 3);
    s = axpy(s, k3, h / 3);
    s = axpy(s, k4, h / 6);
  }
  return s;
}

}  // namespace hdflow::clusters

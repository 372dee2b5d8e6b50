// The d → ∞ ODEs of online SGD for the tied autoencoder on a K-cluster mixture
// (brief online-sgd-ae-diffusion.md §3–4; equations/clusters-sgd.md).
#include "hdflow/clusters/sgd.hpp"

#include <cmath>
#include <numbers>
#include <limits>
#include <random>

#include "hdflow/clusters/averages.hpp"
#include "hdflow/core/gauss.hpp"
#include "hdflow/core/ode.hpp"
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
      f = 1 - 2 / (1 + std::exp(2 * x));  // tanh to ~1e−16 absolute, at the cost of one exp
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
    case Activation::relu:
      f = x > 0 ? x : 0.0;
      f1 = x > 0 ? 1.0 : 0.0;
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

// L⁽ˢ⁾_γδ = Σ_c π_c D_γ[m⁽ˢ⁾_cδ, q⁽ˢ⁾_δ·, λ_s q⁽ˢ⁾_δ·]_c (brief §3.3 note, §3.4).
// D is the probe operator of brief §3.2 (clusters/averages.hpp: probe_D) on the field law F of the state.
Eigen::MatrixXd probe_L(const SgdParams& P, const FieldLaw& F, const Averages& A, const Eigen::MatrixXd& m,
                        const Eigen::MatrixXd& q, double ls) {
  const int r = P.r, K = P.K();
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(r, r);
  for (int g = 0; g < r; ++g)
    for (int dl = 0; dl < r; ++dl) {
      const Eigen::VectorXd c0 = q.row(dl).transpose(), c1 = ls * c0;
      for (int c = 0; c < K; ++c)
        L(g, dl) += P.pi[static_cast<std::size_t>(c)] * probe_D(F, A.c[static_cast<std::size_t>(c)], g, m(c, dl), c0, c1);
    }
  return L;
}

}  // namespace

Eigen::MatrixXd sgd_L_probe(const SgdParams& P, const SgdState& st) {
  const FieldLaw F = field_law(P, st);
  return probe_L(P, F, field_averages(F), st.m.at(0), st.q.at(0), P.lambda_s.at(0));
}

SgdDrift sgd_drift(const SgdParams& P, const SgdState& st) { return sgd_drift_sampled(P, st, nullptr, 0); }

SgdDrift sgd_drift_sampled(const SgdParams& P, const SgdState& st, std::mt19937_64* rng, int samples, bool joint) {
  const int K = P.K(), r = P.r, N = P.N();
  const double al = 1 - P.t, be = P.t, b = st.b, cb = 1 - b * be, wd = P.weight_decay;
  const FieldLaw F = field_law(P, st);
  const Averages A = field_averages(F, rng, samples, joint);
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
          dm(k, g) += P.pi[static_cast<std::size_t>(c)] * probe_D(F, A.c[static_cast<std::size_t>(c)], g, T(k, c), c0, c1);
    }
    // L⁽ˢ⁾ by the probe form; S⁽ˢ⁾ with λ_s in the squared-norm constants.
    const Eigen::MatrixXd L = probe_L(P, F, A, m, q, ls);
    const double cee = b * b * al * al + cb * cb * ls, cex = b * al * al - be * cb * ls, cxx = al * al + be * be * ls;
    const Eigen::MatrixXd S = cee * A.E1 + cex * A.E2 + cxx * A.E3;
    dr.dm.push_back(dm);
    dr.dq.push_back(L + L.transpose() + 2 * P.eta * ps * S - wd * q);
  }
  dr.db = be * cb * P.lambda_bar() - b * al * al;  // db/dτ = β(1 − bβ)λ̄ − bα²
  return dr;
}

Eigen::MatrixXd sgd_L_direct(const SgdParams& P, const SgdState& st) {
  const Averages A = sgd_averages(P, st);
  return -(A.sa + A.d1aw);
}

namespace {
Eigen::VectorXd pack(const SgdState& s) {
  Eigen::Index n = 1;
  for (std::size_t i = 0; i < s.m.size(); ++i) n += s.m[i].size() + s.q[i].size();
  Eigen::VectorXd y(n);
  Eigen::Index o = 0;
  for (std::size_t i = 0; i < s.m.size(); ++i) {
    y.segment(o, s.m[i].size()) = Eigen::Map<const Eigen::VectorXd>(s.m[i].data(), s.m[i].size());
    o += s.m[i].size();
    y.segment(o, s.q[i].size()) = Eigen::Map<const Eigen::VectorXd>(s.q[i].data(), s.q[i].size());
    o += s.q[i].size();
  }
  y[o] = s.b;
  return y;
}
void unpack(const Eigen::VectorXd& y, SgdState& s) {
  Eigen::Index o = 0;
  for (std::size_t i = 0; i < s.m.size(); ++i) {
    s.m[i] = Eigen::Map<const Eigen::MatrixXd>(y.data() + o, s.m[i].rows(), s.m[i].cols());
    o += s.m[i].size();
    s.q[i] = Eigen::Map<const Eigen::MatrixXd>(y.data() + o, s.q[i].rows(), s.q[i].cols());
    s.q[i] = 0.5 * (s.q[i] + s.q[i].transpose());
    o += s.q[i].size();
  }
  s.b = y[o];
}
}  // namespace

std::vector<SgdState> integrate_sgd_path(const SgdParams& P, const SgdState& s, double tau0, const std::vector<double>& taus,
                                         double rel_tol) {
  SgdState work = s;
  const OdeRhs f = [&](double, const Eigen::VectorXd& y, Eigen::VectorXd& dy) {
    unpack(y, work);
    const SgdDrift k = sgd_drift(P, work);
    SgdState d = work;
    d.m = k.dm;
    d.q = k.dq;
    d.b = k.db;
    dy = pack(d);
  };
  OdeOptions opt;
  opt.rel_tol = rel_tol;
  opt.abs_tol = rel_tol;
  opt.initial_step = 1e-2;
  const OdeResult res = integrate_adaptive(f, tau0, pack(s), taus, opt);
  std::vector<SgdState> out(taus.size(), s);
  for (std::size_t i = 0; i < taus.size(); ++i) {
    if (i < res.states.size()) unpack(res.states[i], out[i]);
    else out[i].b = std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

SgdState integrate_sgd(const SgdParams& P, SgdState s, double tau0, double tau1, double dt, Scheme scheme, double rel_tol) {
  if (scheme != Scheme::rk8pd) return integrate_sgd_sampled(P, std::move(s), tau0, tau1, dt, scheme, nullptr, 0);
  if (!(tau1 > tau0)) return s;
  return integrate_sgd_path(P, s, tau0, {tau1}, rel_tol).back();
}

SgdState integrate_sgd_sampled(const SgdParams& P, SgdState s, double tau0, double tau1, double dt, Scheme scheme,
                               std::mt19937_64* rng, int samples, bool joint) {
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
    const SgdDrift k1 = sgd_drift_sampled(P, s, rng, samples, joint);
    if (scheme == Scheme::euler) {
      s = axpy(s, k1, h);
      continue;
    }
    const SgdDrift k2 = sgd_drift_sampled(P, axpy(s, k1, 0.5 * h), rng, samples, joint);
    const SgdDrift k3 = sgd_drift_sampled(P, axpy(s, k2, 0.5 * h), rng, samples, joint);
    const SgdDrift k4 = sgd_drift_sampled(P, axpy(s, k3, h), rng, samples, joint);
    s = axpy(s, k1, h / 6);
    s = axpy(s, k2, h / 3);
    s = axpy(s, k3, h / 3);
    s = axpy(s, k4, h / 6);
  }
  return s;
}

}  // namespace hdflow::clusters

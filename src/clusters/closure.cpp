// The retraining closure for one generation step (brief online-sgd-ae-diffusion.md §7.2;
// equations/clusters-closure.md). See include/hdflow/clusters/closure.hpp.
#include "hdflow/clusters/closure.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "hdflow/clusters/averages.hpp"
#include "hdflow/core/gauss.hpp"
#include "hdflow/core/ode.hpp"

namespace hdflow::clusters {

SgdState ChildState::sgd() const {
  SgdState s;
  s.m = {M};
  s.q = {Q};
  s.b = b;
  return s;
}

ParentLaw parent_law(const SgdParams& P, const SgdState& parent, const ClosureOptions& o) {
  if (P.N() != 1) throw std::domain_error("retraining closure: one spectral block only (Sigma = lambda I)");
  GenerateOptions g = o.sampler;
  g.activation = P.activation;
  if (g.sde.active()) throw std::domain_error("retraining closure: the stochastic sampler has no deterministic latent map");
  ParentLaw L;
  L.Mg = parent.M();
  L.Qg = parent.Q();
  L.bg = parent.b;
  const double A = g.exact_flow ? std::pow(static_cast<double>(g.T), L.bg - 1) : euler_amplitude(L.bg, g.T);
  L.vg = A * A;  // bulk variance of the parent's output (brief §5.2–5.4)
  const int r = P.r;
  for (int a = 0; a < r; ++a)
    for (int c = 0; c < a; ++c)
      if (std::abs(L.Qg(a, c)) > 1e-10 * std::sqrt(std::abs(L.Qg(a, a) * L.Qg(c, c))))
        throw std::domain_error("retraining closure: the parent's Q is not diagonal (the outer rule needs independent units)");
  // Per unit: the pushforward of N(0, Q_γγ) by the decoupled latent map Φ on a dense trapezoid rule in the
  // whitened start (brief §5.6: the map is nearly a step function for b < 1), compressed to `outer` nodes.
  const gauss::Rule1D& dense = gauss::midpoint(24.0 / g.grid, 12.0);
  std::vector<gauss::Rule1D> unit(static_cast<std::size_t>(r));
  for (int a = 0; a < r; ++a) {
    const double q = L.Qg(a, a);
    std::vector<double> z(dense.size());
    for (std::size_t i = 0; i < dense.size(); ++i) z[i] = latent_map_unit(q, L.bg, std::sqrt(q) * dense.nodes[i], g);
    unit[static_cast<std::size_t>(a)] = gauss::compress(z, dense.weights, o.outer);
  }
  std::size_t total = 1;
  for (const auto& u : unit) total *= u.size();
  for (std::size_t flat = 0; flat < total; ++flat) {
    Eigen::VectorXd Z(r);
    double w = 1;
    std::size_t rest = flat;
    for (int a = 0; a < r; ++a) {
      const auto& u = unit[static_cast<std::size_t>(a)];
      const std::size_t i = rest % u.size();
      rest /= u.size();
      Z[a] = u.nodes[i];
      w *= u.weights[i];
    }
    L.Z.push_back(Z);
    L.w.push_back(w);
  }
  double sum = 0;
  for (double w : L.w) sum += w;
  for (double& w : L.w) w /= sum;  // the trapezoid rule on [−12, 12] misses 4e−33 of mass
  return L;
}

ChildState child_start(const SgdParams& P, const ParentLaw& L, bool warm) {
  ChildState s;
  if (warm) {
    s.R = L.Qg;
    s.Q = L.Qg;
    s.M = L.Mg;
    s.b = L.bg;
    return s;
  }
  const SgdState cold = informed_start(P);  // M(0) = 0.1 T_·,1:r, Q(0) = 0.01 T_1:r,1:r, b(0) = 0
  s.M = cold.M();
  s.Q = cold.Q();
  s.b = 0;
  const int r = P.r, g = std::min(P.K(), r);
  s.R = Eigen::MatrixXd::Zero(r, r);
  s.R.topRows(g) = 0.1 * L.Mg.topRows(g);  // w_γ(0) = 0.1√d μ_γ: R_γγ' = 0.1 μ_γ·w_g,γ'/√d = 0.1 (M_g)_γγ'
  return s;
}

namespace {

struct Sources {
  FieldLaw parent, target;
  Averages Ap, At;
  Eigen::MatrixXd Qgi;
};

Sources averages_of(const SgdParams& P, const ParentLaw& L, const ChildState& s, const ClosureOptions& o) {
  Sources S;
  const int r = P.r;
  S.Qgi = L.Qg.inverse();
  FieldLaw& F = S.parent;
  F.pi = L.w;
  F.M.resize(static_cast<Eigen::Index>(L.Z.size()), r);
  const Eigen::MatrixXd RQgi = s.R * S.Qgi;
  for (std::size_t j = 0; j < L.Z.size(); ++j) F.M.row(static_cast<Eigen::Index>(j)) = (RQgi * L.Z[j]).transpose();  // E[λ¹ | Z]
  F.Q = s.Q;
  F.Qt = L.vg * (s.Q - RQgi * s.R.transpose());  // Q̃ = v_g(Q − RQ_g⁻¹Rᵀ)
  F.Qt = 0.5 * (F.Qt + F.Qt.transpose());
  F.b = s.b;
  F.t = P.t;
  F.activation = P.activation;
  F.nodes = o.inner;
  F.quadrature = P.quadrature;
  if (o.rho < 1) S.Ap = field_averages(F);
  if (o.rho > 0) {
    S.target = field_law(P, s.sgd());
    S.target.nodes = P.nodes;
    S.At = field_averages(S.target);
  }
  return S;
}

// S of brief §3.3 for one source: c_ee, c_ex, c_xx with that source's bulk variance v.
Eigen::MatrixXd noise_S(const Averages& A, double al, double be, double b, double v) {
  const double cb = 1 - b * be;
  const double cee = b * b * al * al + cb * cb * v, cex = b * al * al - be * cb * v, cxx = al * al + be * be * v;
  return cee * A.E1 + cex * A.E2 + cxx * A.E3;
}

}  // namespace

ChildDrift child_drift(const SgdParams& P, const ParentLaw& L, const ChildState& s, const ClosureOptions& o) {
  const int r = P.r, K = P.K();
  const double al = 1 - P.t, be = P.t, wd = P.weight_decay, rho = o.rho, lb = P.lambda_bar();
  const Sources S = averages_of(P, L, s, o);
  ChildDrift dr;
  dr.dR = -0.5 * wd * s.R;
  dr.dM = -0.5 * wd * s.M;
  Eigen::MatrixXd Lm = Eigen::MatrixXd::Zero(r, r), Sm = Lm;
  const Eigen::VectorXd zero = Eigen::VectorXd::Zero(r);
  if (rho < 1) {
    // Parent source (brief §7.2).
    const Eigen::MatrixXd MgQgi = L.Mg * S.Qgi;
    const Eigen::MatrixXd C1 = L.vg * (s.M - MgQgi * s.R.transpose());  // c¹ of the M probes: v_g(M − M_gQ_g⁻¹Rᵀ)
    for (std::size_t j = 0; j < L.Z.size(); ++j) {
      const ClusterAverages& C = S.Ap.c[j];
      const double wj = (1 - rho) * L.w[j];
      const Eigen::VectorXd th = MgQgi * L.Z[j];
      for (int g = 0; g < r; ++g) {
        for (int gp = 0; gp < r; ++gp)
          dr.dR(g, gp) += wj * probe_D(S.parent, C, g, L.Z[j][gp], s.R.col(gp), zero);  // θ = Z_γ', c⁰ = R_·γ', c¹ = 0
        for (int k = 0; k < K; ++k)
          dr.dM(k, g) += wj * probe_D(S.parent, C, g, th[k], s.M.row(k).transpose(), C1.row(k).transpose());
      }
    }
    Lm += -(1 - rho) * (S.Ap.sa + S.Ap.d1aw);  // L_γδ = −⟨σ_γA_δ + σ'_γA_γω_δ⟩
    Sm += (1 - rho) * noise_S(S.Ap, al, be, s.b, L.vg);
  }
  if (rho > 0) {
    // Real-data source: the clusters.sgd expressions (brief §3.3); R's probe w_g,γ'/√d has θ = M_g,cγ', c¹ = λ̄R_·γ'.
    const Eigen::MatrixXd& T = P.T[0];
    for (int c = 0; c < K; ++c) {
      const ClusterAverages& C = S.At.c[static_cast<std::size_t>(c)];
      const double wc = rho * P.pi[static_cast<std::size_t>(c)];
      for (int g = 0; g < r; ++g) {
        for (int gp = 0; gp < r; ++gp)
          dr.dR(g, gp) += wc * probe_D(S.target, C, g, L.Mg(c, gp), s.R.col(gp), lb * s.R.col(gp));
        for (int k = 0; k < K; ++k)
          dr.dM(k, g) += wc * probe_D(S.target, C, g, T(k, c), s.M.row(k).transpose(), lb * s.M.row(k).transpose());
      }
    }
    Lm += -rho * (S.At.sa + S.At.d1aw);
    Sm += rho * noise_S(S.At, al, be, s.b, lb);
  }
  dr.dQ = Lm + Lm.transpose() + 2 * P.eta * Sm - wd * s.Q;
  dr.db = be * (1 - s.b * be) * (rho * lb + (1 - rho) * L.vg) - s.b * al * al;  // db/dτ = β(1 − bβ)v − bα²
  return dr;
}

std::pair<Eigen::MatrixXd, Eigen::MatrixXd> child_L_forms(const SgdParams& P, const ParentLaw& L, const ChildState& s,
                                                          const ClosureOptions& o_in) {
  ClosureOptions o = o_in;
  o.rho = 0;
  const Sources S = averages_of(P, L, s, o);
  const int r = P.r;
  Eigen::MatrixXd probe = Eigen::MatrixXd::Zero(r, r);
  for (std::size_t j = 0; j < L.Z.size(); ++j)
    for (int g = 0; g < r; ++g)
      for (int dl = 0; dl < r; ++dl)
        probe(g, dl) += L.w[j] * probe_D(S.parent, S.Ap.c[j], g, S.parent.M(static_cast<Eigen::Index>(j), dl),
                                         s.Q.row(dl).transpose(), S.parent.Qt.row(dl).transpose());
  return {-(S.Ap.sa + S.Ap.d1aw), probe};
}

namespace {
Eigen::VectorXd pack(const ChildState& s) {
  Eigen::VectorXd y(s.R.size() + s.Q.size() + s.M.size() + 1);
  y << Eigen::Map<const Eigen::VectorXd>(s.R.data(), s.R.size()), Eigen::Map<const Eigen::VectorXd>(s.Q.data(), s.Q.size()),
      Eigen::Map<const Eigen::VectorXd>(s.M.data(), s.M.size()), s.b;
  return y;
}
void unpack(const Eigen::VectorXd& y, ChildState& s) {
  Eigen::Index o = 0;
  s.R = Eigen::Map<const Eigen::MatrixXd>(y.data(), s.R.rows(), s.R.cols());
  o += s.R.size();
  s.Q = Eigen::Map<const Eigen::MatrixXd>(y.data() + o, s.Q.rows(), s.Q.cols());
  s.Q = 0.5 * (s.Q + s.Q.transpose());
  o += s.Q.size();
  s.M = Eigen::Map<const Eigen::MatrixXd>(y.data() + o, s.M.rows(), s.M.cols());
  o += s.M.size();
  s.b = y[o];
}
}  // namespace

std::vector<ChildState> integrate_child(const SgdParams& P, const ParentLaw& L, const ChildState& s0,
                                        const std::vector<double>& taus, const ClosureOptions& o) {
  ChildState work = s0;
  const OdeRhs f = [&](double, const Eigen::VectorXd& y, Eigen::VectorXd& dy) {
    unpack(y, work);
    const ChildDrift k = child_drift(P, L, work, o);
    ChildState d = work;
    d.R = k.dR;
    d.Q = k.dQ;
    d.M = k.dM;
    d.b = k.db;
    dy = pack(d);
  };
  OdeOptions opt;
  opt.rel_tol = o.rel_tol;
  opt.abs_tol = o.rel_tol;
  opt.initial_step = 1e-2;
  const OdeResult res = integrate_adaptive(f, 0.0, pack(s0), taus, opt);
  std::vector<ChildState> out(taus.size(), s0);
  for (std::size_t i = 0; i < taus.size(); ++i) {
    if (i < res.states.size()) unpack(res.states[i], out[i]);
    else out[i].b = std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

}  // namespace hdflow::clusters

// The Gaussian averages of the clusters ODEs by deterministic quadrature (brief §3.2–3.3, §4.1–4.2;
// equations/clusters-sgd.md §4). See include/hdflow/clusters/averages.hpp for the three routes.
#include "hdflow/clusters/averages.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <memory>
#include <numbers>
#include <stdexcept>

#include "hdflow/core/gauss.hpp"
#include "hdflow/core/status.hpp"

namespace hdflow::clusters {

namespace {

// Everything of §4.1 that does not depend on ω: Ω, its pseudo-inverse, the conditional-mean map of A
// (a(ω) = Ga Δω − (1 − bβ)M_c + Qσ(ω), Δω = ω − βM_c) and the conditional covariance S_A.
struct Setup {
  int K = 0, r = 0;
  double al = 0, be = 0, b = 0, cb = 0;
  Eigen::MatrixXd M, Q, Qt, Om, Ga, SA;
};

Eigen::MatrixXd pinv_sym(const Eigen::MatrixXd& A) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A);
  Eigen::VectorXd inv = es.eigenvalues();
  const double tol = 1e-14 * std::max(1.0, inv.cwiseAbs().maxCoeff());
  for (Eigen::Index i = 0; i < inv.size(); ++i) inv[i] = inv[i] > tol ? 1 / inv[i] : 0.0;
  return es.eigenvectors() * inv.asDiagonal() * es.eigenvectors().transpose();
}

Setup make_setup(const FieldLaw& F) {
  Setup S;
  S.K = static_cast<int>(F.pi.size());
  S.r = static_cast<int>(F.Q.rows());
  S.al = 1 - F.t;
  S.be = F.t;
  S.b = F.b;
  S.cb = 1 - F.b * S.be;
  S.M = F.M;
  S.Q = F.Q;
  S.Qt = F.Qt;
  S.Om = S.be * S.be * S.Qt + S.al * S.al * S.Q;  // Ω = β²Q̃ + α²Q
  const Eigen::MatrixXd Oi = pinv_sym(S.Om);
  const Eigen::MatrixXd G1 = S.be * S.Qt * Oi, G0 = S.al * S.Q * Oi;  // E[λ¹|ω] − M_c = G1 Δω, E[λ⁰|ω] = G0 Δω
  S.Ga = S.b * S.al * G0 - S.cb * G1;
  const Eigen::MatrixXd S11 = S.Qt - S.be * S.be * S.Qt * Oi * S.Qt, S00 = S.Q - S.al * S.al * S.Q * Oi * S.Q,
                        S10 = -S.al * S.be * S.Qt * Oi * S.Q;
  S.SA = S.b * S.b * S.al * S.al * S00 - S.b * S.al * S.cb * (S10 + S10.transpose()) + S.cb * S.cb * S11;
  return S;
}

bool is_diagonal(const Eigen::MatrixXd& Om) {
  for (Eigen::Index g = 0; g < Om.rows(); ++g)
    for (Eigen::Index e = 0; e < g; ++e)
      if (std::abs(Om(g, e)) > 1e-13 * std::sqrt(std::abs(Om(g, g) * Om(e, e)))) return false;
  return true;
}

// Lower Cholesky factor of a PSD matrix; a (numerically) zero pivot gives a zero column (that coordinate
// is then a deterministic function of the earlier ones).
Eigen::MatrixXd cholesky_psd(const Eigen::MatrixXd& A) {
  const Eigen::Index n = A.rows();
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(n, n);
  const double tol = 1e-14 * std::max(1.0, A.diagonal().cwiseAbs().maxCoeff());
  for (Eigen::Index j = 0; j < n; ++j) {
    const double d = A(j, j) - L.row(j).head(j).squaredNorm();
    if (!(d > tol)) continue;
    L(j, j) = std::sqrt(d);
    for (Eigen::Index i = j + 1; i < n; ++i) L(i, j) = (A(i, j) - L.row(i).head(j).dot(L.row(j).head(j))) / L(j, j);
  }
  return L;
}

// Gauss–Legendre nodes per piece of the kinked (ReLU) rules: GSL tabulates 32, 64, 100, ... to full precision
// (other counts are computed and measured ~1e−11 off); 32 per piece gives ≤ 1e−15 on E relu(ζ − k).
constexpr int kLegendrePiece = 32;

struct Node {
  Eigen::VectorXd dw;  // ω − mean
  double w;
};

// Nested rule for ω = mean + Lξ (L lower triangular): at level k the coordinate ω_k is affine in ξ_k given
// ξ_<k, so its ReLU kink is one point ξ_k*, and the 1-D rule for ξ_k is split there (piecewise
// Gauss–Legendre, n nodes per piece). Exact to the Legendre rule's accuracy for piecewise-smooth integrands
// whose kinks are the hyperplanes ω_k = 0.
void kinked_nodes(const Eigen::VectorXd& mean, const Eigen::MatrixXd& L, int n, std::vector<Node>& out) {
  const Eigen::Index r = mean.size();
  Eigen::VectorXd xi = Eigen::VectorXd::Zero(r);
  std::function<void(Eigen::Index, double)> level = [&](Eigen::Index k, double w) {
    if (k == r) {
      out.push_back({L * xi, w});
      return;
    }
    if (L(k, k) == 0) {
      xi[k] = 0;
      level(k + 1, w);
      return;
    }
    const double offset = mean[k] + L.row(k).head(k).dot(xi.head(k));
    const gauss::Rule1D rule = gauss::piecewise_normal(-offset / L(k, k), n);
    for (std::size_t i = 0; i < rule.size(); ++i) {
      if (w * rule.weights[i] < 1e-300) continue;
      xi[k] = rule.nodes[i];
      level(k + 1, w * rule.weights[i]);
    }
  };
  level(0, 1.0);
}

void act(const FieldLaw& P, double x, double& f, double& f1, double& f2) { activation_eval(P.activation, x, f, f1, f2); }

// ---------- factorised route (Ω diagonal) ----------

// One unit's moments E[σ^a σ'^b σ''^c Δ^e], a + b + c + e ≤ 4, Δ = ω − E ω, computed on first request from
// the unit's 1-D rule (an average needs about twenty of the seventy).
class UnitMoments {
 public:
  UnitMoments(const FieldLaw& P, double m, double s) : m_(m), relu_(P.activation == Activation::relu) {
    static gauss::TanhLineQuadrature tanh_line(gauss::TanhLineOptions{1e-13, 9.0, 0.45});
    gauss::Rule1D own;
    const gauss::Rule1D* rule = nullptr;
    if (!(s > 0)) {
      own.nodes = {0.0};
      own.weights = {1.0};
      rule = &own;
    } else if (relu_) {
      own = gauss::piecewise_normal(-m / s, 64);
      rule = &own;
    } else if (P.activation == Activation::tanh) {
      rule = &tanh_line.rule(s);
    } else {
      rule = &gauss::hermite(P.nodes);
    }
    n_ = 0;
    for (std::size_t i = 0; i < rule->size(); ++i) n_ += rule->weights[i] >= 1e-300 ? 1 : 0;
    buf_.reset(new double[21 * n_]);  // weights, then powers 0..4 of σ, σ', σ'', Δ at the nodes (all written below)
    std::size_t row = 0;
    for (std::size_t i = 0; i < rule->size(); ++i) {
      if (rule->weights[i] < 1e-300) continue;
      double f, f1, f2;
      const double dw = s * rule->nodes[i];
      act(P, m + dw, f, f1, f2);
      buf_[row] = rule->weights[i];
      const double x[4] = {f, f1, relu_ ? 0.0 : f2, dw};  // ReLU: the δ part of σ'' is handled in at()
      for (std::size_t k = 0; k < 4; ++k) {
        double pw = 1;
        for (std::size_t j = 0; j < 5; ++j, pw *= x[k]) buf_[(1 + k * 5 + j) * n_ + row] = pw;
      }
      ++row;
    }
    // σ'' = δ(ω) for ReLU: E[δ(ω) g(ω)] = p_ω(0) g(0).
    dens0_ = s > 0 ? std::exp(-0.5 * m * m / (s * s)) / (s * std::sqrt(2 * std::numbers::pi)) : 0.0;
    v_.fill(std::numeric_limits<double>::quiet_NaN());
  }

  double at(int a, int b, int c, int e) const {
    double& slot = v_[index()[static_cast<std::size_t>(((a * 5 + b) * 5 + c) * 5 + e)]];
    if (!std::isnan(slot)) return slot;
    if (relu_ && c > 0) {
      // g(0) with σ(0) = 0, Δ(0) = −m (σ'(0) never multiplies σ'' in the averages; ½ by symmetry).
      // Higher powers of δ never occur.
      slot = c > 1 ? std::numeric_limits<double>::infinity() : dens0_ * (a > 0 ? 0.0 : 1.0) * std::pow(0.5, b) * std::pow(-m_, e);
      return slot;
    }
    const double* w = buf_.get();
    const double *pa = w + (1 + a) * n_, *pb = w + (6 + b) * n_, *pc = w + (11 + c) * n_, *pe = w + (16 + e) * n_;
    double sum = 0;
    for (std::size_t i = 0; i < n_; ++i) sum += w[i] * pa[i] * pb[i] * pc[i] * pe[i];
    slot = sum;
    return slot;
  }

 private:
  double m_;
  bool relu_;
  double dens0_ = 0;
  // (a, b, c, e) with a + b + c + e ≤ 4 → one of 70 slots.
  static const std::array<unsigned char, 625>& index() {
    static const std::array<unsigned char, 625> idx = [] {
      std::array<unsigned char, 625> t{};
      unsigned char next = 0;
      for (int a = 0; a <= 4; ++a)
        for (int b = 0; a + b <= 4; ++b)
          for (int c = 0; a + b + c <= 4; ++c)
            for (int e = 0; a + b + c + e <= 4; ++e) t[static_cast<std::size_t>(((a * 5 + b) * 5 + c) * 5 + e)] = next++;
      return t;
    }();
    return idx;
  }
  std::size_t n_ = 0;
  std::unique_ptr<double[]> buf_;
  mutable std::array<double, 70> v_{};
};

enum Type { S = 0, S1 = 1, S2 = 2, D = 3 };  // σ, σ', σ'', Δ
struct Fac {
  int unit;  // < 0: the constant 1
  int type;
};
struct Term {
  double coef;
  Fac f;
};

// E Π_j f_j(ω_{u_j}) = Π over units of that unit's moment (the units are independent given the cluster).
using Moments = std::vector<const UnitMoments*>;  // one per unit, for one component

double product(const Moments& mom, std::initializer_list<Fac> fs) {
  std::array<std::array<int, 4>, 4> cnt{};
  std::array<bool, 4> used{};
  for (const Fac& f : fs) {
    if (f.unit < 0) continue;
    ++cnt[static_cast<std::size_t>(f.unit)][static_cast<std::size_t>(f.type)];
    used[static_cast<std::size_t>(f.unit)] = true;
  }
  double out = 1;
  for (std::size_t u = 0; u < mom.size(); ++u)
    if (used[u]) out *= mom[u]->at(cnt[u][0], cnt[u][1], cnt[u][2], cnt[u][3]);
  return out;
}

void factorised_cluster(const Setup& Z, int c, const Moments& mom, ClusterAverages& C, Eigen::MatrixXd& sa,
                        Eigen::MatrixXd& d1aw, Eigen::MatrixXd& e2, Eigen::MatrixXd& e3) {
  const int r = Z.r;
  // a_γ = −(1 − bβ)M_cγ + Σ_k Ga_γk Δ_k + Σ_k Q_γk σ_k as one-unit terms.
  std::vector<std::vector<Term>> a(static_cast<std::size_t>(r));
  for (int g = 0; g < r; ++g) {
    auto& t = a[static_cast<std::size_t>(g)];
    t.push_back({-Z.cb * Z.M(c, g), {-1, 0}});
    for (int k = 0; k < r; ++k) {
      if (Z.Ga(g, k) != 0) t.push_back({Z.Ga(g, k), {k, D}});
      if (Z.Q(g, k) != 0) t.push_back({Z.Q(g, k), {k, S}});
    }
  }
  C.s = C.d1 = C.d1a = C.d2a = Eigen::VectorXd::Zero(r);
  C.ss = C.d1d1 = Eigen::MatrixXd::Zero(r, r);
  for (int g = 0; g < r; ++g) {
    const auto& ag = a[static_cast<std::size_t>(g)];
    C.s[g] = product(mom, {{g, S}});
    C.d1[g] = product(mom, {{g, S1}});
    for (const Term& t : ag) {
      C.d1a[g] += t.coef * product(mom, {{g, S1}, t.f});
      C.d2a[g] += t.coef * product(mom, {{g, S2}, t.f});
    }
    for (int e = 0; e < r; ++e) {
      const auto& ae = a[static_cast<std::size_t>(e)];
      for (const Term& t : ae) sa(g, e) += t.coef * product(mom, {{g, S}, t.f});
      for (const Term& t : ag)
        d1aw(g, e) += t.coef * (Z.be * Z.M(c, e) * product(mom, {{g, S1}, t.f}) + product(mom, {{g, S1}, t.f, {e, D}}));
      if (e < g) continue;  // ss, d1d1, e2, e3 are symmetric in (γ, δ)
      C.ss(g, e) = C.ss(e, g) = product(mom, {{g, S}, {e, S}});
      C.d1d1(g, e) = C.d1d1(e, g) = product(mom, {{g, S1}, {e, S1}});
      double x2 = 0, x3 = 0;
      for (const Term& t : ae) x2 += t.coef * product(mom, {{g, S}, {e, S1}, t.f});
      for (const Term& t : ag) {
        x2 += t.coef * product(mom, {{g, S1}, t.f, {e, S}});
        for (const Term& u : ae) x3 += t.coef * u.coef * product(mom, {{g, S1}, t.f, {e, S1}, u.f});
      }
      e2(g, e) = e2(e, g) = x2;
      e3(g, e) = e3(e, g) = x3;
    }
  }
}

// ---------- tensor route ----------

// E[δ(ω_γ) a_γ(ω)] = p_{ω_γ}(0) E[a_γ(ω) | ω_γ = 0] for ReLU, the conditional law of the other units by the
// kinked rule (equations/clusters-sgd.md §4).
double relu_delta_term(const Setup& Z, int c, int g) {
  const int r = Z.r;
  const Eigen::VectorXd m = Z.be * Z.M.row(c).transpose();
  const double vg = Z.Om(g, g);
  if (!(vg > 0)) return 0.0;
  const double dens = std::exp(-0.5 * m[g] * m[g] / vg) / std::sqrt(2 * std::numbers::pi * vg);
  std::vector<int> o;
  for (int k = 0; k < r; ++k)
    if (k != g) o.push_back(k);
  const auto ro = static_cast<Eigen::Index>(o.size());
  Eigen::VectorXd mo(ro), Og(ro);
  Eigen::MatrixXd Co(ro, ro);
  for (Eigen::Index i = 0; i < ro; ++i) {
    Og[i] = Z.Om(o[static_cast<std::size_t>(i)], g);
    mo[i] = m[o[static_cast<std::size_t>(i)]] - Og[i] * m[g] / vg;
    for (Eigen::Index j = 0; j < ro; ++j) Co(i, j) = Z.Om(o[static_cast<std::size_t>(i)], o[static_cast<std::size_t>(j)]);
  }
  Co -= Og * Og.transpose() / vg;
  std::vector<Node> nodes;
  if (ro == 0) nodes.push_back({Eigen::VectorXd(0), 1.0});
  else kinked_nodes(mo, cholesky_psd(0.5 * (Co + Co.transpose())), kLegendrePiece, nodes);
  Eigen::VectorXd dw(r), sg(r);
  double sum = 0;
  for (const Node& nd : nodes) {
    dw[g] = -m[g];
    for (Eigen::Index i = 0; i < ro; ++i) {
      const int k = o[static_cast<std::size_t>(i)];
      const double w = mo[i] + nd.dw[i];
      dw[k] = w - m[k];
      sg[k] = std::max(0.0, w);
    }
    sg[g] = 0;
    sum += nd.w * (Z.Ga.row(g).dot(dw) - Z.cb * Z.M(c, g) + Z.Q.row(g).dot(sg));
  }
  return dens * sum;
}

void tensor_cluster(const FieldLaw& P, const Setup& Z, int c, const Eigen::MatrixXd& root, std::mt19937_64* mc,
                    int mc_samples, bool joint, ClusterAverages& C, Eigen::MatrixXd& sa, Eigen::MatrixXd& d1aw, Eigen::MatrixXd& e2,
                    Eigen::MatrixXd& e3) {
  const int r = Z.r;
  const bool relu = P.activation == Activation::relu;
  C.s = C.d1 = C.d1a = C.d2a = Eigen::VectorXd::Zero(r);
  C.ss = C.d1d1 = Eigen::MatrixXd::Zero(r, r);
  const Eigen::VectorXd Mc = Z.M.row(c).transpose();
  Eigen::VectorXd w(r), sg(r), s1(r), s2(r), a(r);
  // `A_exact`: the sampled A itself (joint Monte Carlo); otherwise its conditional mean a(ω).
  auto accumulate = [&](const Eigen::VectorXd& dw, double wt, const Eigen::VectorXd* A_exact = nullptr) {
    w = Z.be * Mc + dw;
    for (int k = 0; k < r; ++k) act(P, w[k], sg[k], s1[k], s2[k]);
    if (A_exact) {
      a = *A_exact + Z.Q * sg;
    } else {
      a.noalias() = Z.Ga * dw + Z.Q * sg;  // a(ω) = bα E[λ⁰|ω] − (1 − bβ) E[λ¹|ω] + Q σ(ω)
      a -= Z.cb * Mc;
    }
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
  };
  Eigen::VectorXd xi(r), dw(r);
  if (mc && joint) {
    // The notebooks' sampling: (λ¹, λ⁰) | c ~ N((M_c, 0), blockdiag(Q̃, Q)) in 2r dimensions, ω = αλ⁰ + βλ¹,
    // A = bαλ⁰ − (1 − bβ)λ¹ + Qσ(ω) exactly (no conditioning; S_A is then not added).
    if (relu) throw std::logic_error("sgd_averages: the Monte-Carlo route has no ReLU delta term");
    const Eigen::MatrixXd rQt = gauss::psd_sqrt(Z.Qt, "Qt"), rQ = gauss::psd_sqrt(Z.Q, "Q");
    std::normal_distribution<double> N01;
    Eigen::VectorXd z1(r), z0(r), l1(r), l0(r), lin(r);
    for (int i = 0; i < mc_samples; ++i) {
      for (int k = 0; k < r; ++k) z1[k] = N01(*mc);
      for (int k = 0; k < r; ++k) z0[k] = N01(*mc);
      l1.noalias() = Mc + rQt * z1;
      l0.noalias() = rQ * z0;
      dw = Z.al * l0 + Z.be * (l1 - Mc);
      lin = Z.b * Z.al * l0 - Z.cb * l1;
      accumulate(dw, 1.0 / mc_samples, &lin);
    }
    return;
  }
  if (mc) {
    if (relu) throw std::logic_error("sgd_averages: the Monte-Carlo route has no ReLU delta term");
    std::normal_distribution<double> N01;
    for (int i = 0; i < mc_samples; ++i) {
      for (int k = 0; k < r; ++k) xi[k] = N01(*mc);
      dw.noalias() = root * xi;
      accumulate(dw, 1.0 / mc_samples);
    }
    return;
  }
  if (relu) {
    std::vector<Node> nodes;
    kinked_nodes(Z.be * Mc, cholesky_psd(Z.Om), kLegendrePiece, nodes);
    for (const Node& nd : nodes) accumulate(nd.dw, nd.w);
    for (int g = 0; g < r; ++g) C.d2a[g] = relu_delta_term(Z, c, g);
    return;
  }
  const gauss::Rule1D& gh = gauss::hermite(P.nodes);
  const std::size_t n = gh.size();
  std::size_t total = 1;
  for (int k = 0; k < r; ++k) total *= n;
  for (std::size_t flat = 0; flat < total; ++flat) {
    double wt = 1;
    std::size_t rest = flat;
    for (int k = 0; k < r; ++k) {
      const std::size_t i = rest % n;
      rest /= n;
      xi[k] = gh.nodes[i];
      wt *= gh.weights[i];
    }
    if (wt < 1e-300) continue;
    dw.noalias() = root * xi;
    accumulate(dw, wt);
  }
}

}  // namespace

FieldLaw field_law(const SgdParams& P, const SgdState& st) {
  FieldLaw F;
  F.pi = P.pi;
  F.M = st.M();
  F.Q = st.Q();
  F.Qt = st.Qt(P);
  F.b = st.b;
  F.t = P.t;
  F.activation = P.activation;
  F.nodes = P.nodes;
  F.quadrature = P.quadrature;
  return F;
}

Averages sgd_averages(const SgdParams& P, const SgdState& st, std::mt19937_64* mc, int mc_samples, bool joint) {
  return field_averages(field_law(P, st), mc, mc_samples, joint);
}

double probe_D(const FieldLaw& F, const ClusterAverages& C, int g, double theta, const Eigen::VectorXd& c0,
               const Eigen::VectorXd& c1) {
  const double al = 1 - F.t, be = F.t, b = F.b, cb = 1 - b * be;
  double out = cb * theta * C.s[g] + 2 * (cb * be * c1[g] - b * al * al * c0[g]) * C.d1[g] - c0.dot(C.ss.row(g).transpose()) -
               be * theta * C.d1a[g] - (al * al * c0[g] + be * be * c1[g]) * C.d2a[g];
  for (Eigen::Index e = 0; e < c0.size(); ++e) out -= (al * al * c0[e] + be * be * c1[e]) * F.Q(g, e) * C.d1d1(g, e);
  return out;
}

Averages field_averages(const FieldLaw& P, std::mt19937_64* mc, int mc_samples, bool joint) {
  const Setup Z = make_setup(P);
  const int r = Z.r;
  Averages A;
  A.sa = A.d1aw = A.E1 = A.E2 = A.E3 = Eigen::MatrixXd::Zero(r, r);
  A.factorised = !mc && P.quadrature == Quadrature::automatic && is_diagonal(Z.Om);
  // A numerically indefinite Ω (a diverging integration) is a numerical outcome, not bad input: NaN averages,
  // reported by the caller as a non_finite row.
  Eigen::MatrixXd root;
  if (!A.factorised) {
    try {
      root = gauss::psd_sqrt(Z.Om, "Omega");
    } catch (const InputError&) {
      root = Eigen::MatrixXd::Constant(r, r, std::numeric_limits<double>::quiet_NaN());
    }
  }
  // Factorised route: one set of 1-D moments per unit and distinct mean βM_cγ (components sharing a unit's mean
  // — the outer nodes of the retraining closure, which form a tensor grid — share its moments).
  std::vector<std::vector<UnitMoments>> unit_moments(static_cast<std::size_t>(r));
  std::vector<std::vector<std::size_t>> which(static_cast<std::size_t>(r), std::vector<std::size_t>(static_cast<std::size_t>(Z.K)));
  if (A.factorised) {
    for (int u = 0; u < r; ++u) {
      const double sd = std::sqrt(std::max(0.0, Z.Om(u, u)));
      std::vector<std::pair<double, int>> means;
      for (int c = 0; c < Z.K; ++c) means.push_back({Z.be * Z.M(c, u), c});
      std::sort(means.begin(), means.end());
      auto& um = unit_moments[static_cast<std::size_t>(u)];
      um.reserve(means.size());
      double last = 0;
      for (const auto& [m, c] : means) {
        if (um.empty() || std::abs(m - last) > 1e-14 * (1 + std::abs(m))) {
          um.emplace_back(P, m, sd);
          last = m;
        }
        which[static_cast<std::size_t>(u)][static_cast<std::size_t>(c)] = um.size() - 1;
      }
    }
  }
  Moments mom(static_cast<std::size_t>(r));
  for (int c = 0; c < Z.K; ++c) {
    ClusterAverages C;
    Eigen::MatrixXd sa = Eigen::MatrixXd::Zero(r, r), d1aw = sa, e2 = sa, e3 = sa;
    if (A.factorised) {
      for (int u = 0; u < r; ++u)
        mom[static_cast<std::size_t>(u)] =
            &unit_moments[static_cast<std::size_t>(u)][which[static_cast<std::size_t>(u)][static_cast<std::size_t>(c)]];
      factorised_cluster(Z, c, mom, C, sa, d1aw, e2, e3);
    }
    else tensor_cluster(P, Z, c, root, mc, mc_samples, joint, C, sa, d1aw, e2, e3);
    const double pc = P.pi[static_cast<std::size_t>(c)];
    A.sa += pc * sa;
    A.d1aw += pc * d1aw;
    A.E1 += pc * C.ss;
    A.E2 += pc * e2;
    A.E3 += pc * (mc && joint ? e3 : Eigen::MatrixXd(e3 + C.d1d1.cwiseProduct(Z.SA)));
    A.c.push_back(std::move(C));
  }
  return A;
}

}  // namespace hdflow::clusters

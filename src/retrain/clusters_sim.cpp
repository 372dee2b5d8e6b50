// Finite-d autoencoder retraining chain (brief online-sgd-ae-diffusion.md §1.4, §5.2, §7).
#include "hdflow/retrain/clusters_sim.hpp"

#include <cmath>
#include <random>

#include "hdflow/core/parallel.hpp"
#include "hdflow/retrain/clusters.hpp"
#include "hdflow/sim/mixture.hpp"

namespace hdflow::retrain {

const std::vector<ParamSpec>& ClustersSimOptions::specs() {
  using K = ParamSpec::Kind;
  static const std::vector<ParamSpec> s = {
      {"d", K::integer, 1000, 8, 1e6, false, false, "dimension of the simulated data and network", {}, ""},
      {"seeds", K::integer, 2, 1, 1e4, false, false, "independent chains", {}, ""},
      {"seed", K::integer, 1, 0, 9e15, false, false, "base seed; chain r uses streams of (seed * 1000003 + r)", {}, ""},
      {"threads", K::integer, 0, 0, 1024, false, false, "chains on threads; 0 = all cores", {}, ""},
      {"particles", K::integer, 2000, 10, 1e7, false, false, "generated samples per generation for the projected observables", {}, ""},
  };
  return s;
}

ClustersSimOptions ClustersSimOptions::from_json(const Json& given) {
  const Json j = resolve_params(specs(), given, "simulation.");
  ClustersSimOptions o;
  o.d = j["d"].get<int>();
  o.seeds = j["seeds"].get<int>();
  o.seed = j["seed"].get<std::uint64_t>();
  o.threads = j["threads"].get<int>();
  o.particles = j["particles"].get<int>();
  return o;
}

namespace {

constexpr int r = 2;

// A trained generation: W (r × d), b, Q = WWᵀ/d, its Cholesky factor, Q⁻¹ and the bulk amplitude A_T(b).
struct Generator {
  Eigen::MatrixXd W;
  double b = 0, A = 0;
  Eigen::Matrix2d Q, Qinv, LQ;
  int T = 100;

  void set(const Eigen::MatrixXd& W_, double b_, int T_) {
    W = W_;
    b = b_;
    T = T_;
    const double d = static_cast<double>(W.cols());
    Q = W * W.transpose() / d;
    Qinv = Q.inverse();
    LQ = Q.llt().matrixL();
    A = bulk_amplitude(b, T, false);
  }

  // x = WᵀQ⁻¹Z/√d + A(ξ − WᵀQ⁻¹Wξ/d), Z = latent Euler map of Z₀ = L_Q ζ (brief §5.2, §5.4)
  template <class Rng>
  void sample(Rng& rng, std::normal_distribution<double>& N01, Eigen::VectorXd& x) {
    const double d = static_cast<double>(W.cols()), sd = std::sqrt(d);
    Eigen::Vector2d z = LQ * Eigen::Vector2d(N01(rng), N01(rng));
    for (int k = 0; k <= T - 2; ++k) {
      const double h = 1.0 / (T - k);
      const Eigen::Vector2d th(std::tanh(z[0]), std::tanh(z[1]));
      z = (1 + (b - 1) * h) * z + h * (Q * th);
    }
    for (Eigen::Index j = 0; j < x.size(); ++j) x[j] = N01(rng);
    const Eigen::Vector2d c = Qinv * (W * x / d);  // Q⁻¹Wξ/d
    x = A * x + W.transpose() * (Qinv * z / sd - A * c);
  }
};

// One online-SGD step of brief §1.4 on the pair (x₀, x₁): loss ‖f(x_t) − x₁‖², W ← W − η∇ − η(λ_wd/d)W,
// b ← b − (η/d²)∂_b; xt and e are work vectors.
void sgd_step(const ClustersSimParams& P, const Eigen::VectorXd& x0, const Eigen::VectorXd& x1, Eigen::MatrixXd& W, double& b,
              Eigen::VectorXd& xt, Eigen::VectorXd& e) {
  const auto d = static_cast<double>(W.cols());
  const double sd = std::sqrt(d), al = 1 - P.t, be = P.t, eta = P.eta;
  xt = al * x0 + be * x1;
  const Eigen::Vector2d h = W * xt / sd;
  const Eigen::Vector2d sg(std::tanh(h[0]), std::tanh(h[1]));
  const Eigen::Vector2d s1(1 - sg[0] * sg[0], 1 - sg[1] * sg[1]);
  e.noalias() = b * xt + W.transpose() * sg / sd - x1;  // e = f(x_t) − x₁
  const Eigen::Vector2d A = W * e / sd;                 // A_γ = w_γ·e/√d
  const double db = 2 * e.dot(xt);
  const double shrink = 1 - eta * P.weight_decay / d;
  for (int gg = 0; gg < r; ++gg) {
    W.row(gg) *= shrink;
    W.row(gg).noalias() -= (2 * eta / sd) * (sg[gg] * e + s1[gg] * A[gg] * xt).transpose();
  }
  b -= eta / (d * d) * db;
}

Eigen::MatrixXd fig1_means(int d) {
  Eigen::MatrixXd mu = Eigen::MatrixXd::Zero(3, d);  // Fig. 1: μ₁ = 3e₁, μ₂ = −3e₂, μ₃ = −3e₁
  mu(0, 0) = 3;
  mu(1, 1) = -3;
  mu(2, 0) = -3;
  return mu;
}

}  // namespace

Eigen::MatrixXd parent_weights(double M11, double M22, double Q11, double Q22, int d, std::uint64_t seed) {
  auto rng = sim::stream(seed, 37);
  std::normal_distribution<double> N01;
  const double sd = std::sqrt(static_cast<double>(d));
  // u₁, u₂: random orthonormal, orthogonal to e₁, e₂ (Gram–Schmidt on Gaussian vectors)
  Eigen::MatrixXd U = Eigen::MatrixXd::Zero(2, d);
  for (int g = 0; g < 2; ++g) {
    for (int j = 2; j < d; ++j) U(g, j) = N01(rng);
    if (g == 1) U.row(1) -= U.row(1).dot(U.row(0)) * U.row(0);
    U.row(g).normalize();
  }
  Eigen::MatrixXd W = Eigen::MatrixXd::Zero(2, d);
  const double M[2] = {M11, M22}, Q[2] = {Q11, Q22}, sign[2] = {1, -1};  // ê₁ = μ₁/3 = e₁, ê₂ = μ₂/3 = −e₂
  for (int g = 0; g < 2; ++g) {
    W(g, g) = sd * sign[g] * M[g] / 3;
    W.row(g) += sd * std::sqrt(Q[g] - M[g] * M[g] / 9) * U.row(g);
  }
  return W;
}

std::vector<ChildRecord> simulate_child(const Eigen::MatrixXd& Wg, double bg, const ClustersSimParams& P,
                                        const std::vector<double>& taus, std::uint64_t seed) {
  const auto d = static_cast<int>(Wg.cols());
  const double sd = std::sqrt(static_cast<double>(d));
  const Eigen::MatrixXd mu = fig1_means(d);
  Generator parent;
  parent.set(Wg, bg, P.T);
  auto rng = sim::stream(seed, 41);
  std::normal_distribution<double> N01;
  Eigen::MatrixXd W = 0.1 * sd * mu.topRows(r);  // cold informed start
  double b = 0;
  Eigen::VectorXd x0(d), x1(d), xt(d), e(d);
  std::vector<ChildRecord> out;
  long k = 0;
  for (double tau : taus) {
    const auto steps = static_cast<long>(std::llround(tau * d / (2 * P.eta)));  // τ = 2ηk/d
    for (; k < steps; ++k) {
      parent.sample(rng, N01, x1);
      for (int j = 0; j < d; ++j) x0[j] = N01(rng);
      sgd_step(P, x0, x1, W, b, xt, e);
    }
    ChildRecord c;
    c.R = W * Wg.transpose() / d;
    c.Q = W * W.transpose() / d;
    c.M = mu * W.transpose() / sd;
    c.b = b;
    out.push_back(c);
  }
  return out;
}

std::vector<ClustersGeneration> simulate_clusters_chain(const ClustersSimParams& P, const ClustersSimOptions& o,
                                                        std::uint64_t seed) {
  const int d = o.d;
  const double sd = std::sqrt(static_cast<double>(d));
  const Eigen::MatrixXd mu = fig1_means(d);
  auto rng = sim::stream(seed, 31);
  std::normal_distribution<double> N01;
  std::uniform_int_distribution<int> cluster(0, 2);
  Generator parent;
  bool have_parent = false;
  std::vector<ClustersGeneration> out;
  Eigen::VectorXd x0(d), x1(d), xt(d), e(d), u(d);

  // a fixed random unit direction orthogonal to e₁, e₂ for the measured bulk variance
  for (int j = 0; j < d; ++j) u[j] = j < 2 ? 0.0 : N01(rng);
  for (int g = 1; g <= P.G; ++g) {
    Eigen::MatrixXd W = 0.1 * sd * mu.topRows(r);  // cold informed start (brief §7.1 item 3)
    double b = 0;
    const long n = g == 1 && P.n_first > 0 ? P.n_first : P.n;
    for (long k = 0; k < n; ++k) {
      // fixed composition, evenly interleaved: sample k is fresh iff ⌊(k+1)ρ⌋ > ⌊kρ⌋
      const bool fresh = !have_parent || std::floor(static_cast<double>(k + 1) * P.rho) > std::floor(static_cast<double>(k) * P.rho);
      if (fresh) {
        const int c = cluster(rng);
        for (int j = 0; j < d; ++j) x1[j] = mu(c, j) + N01(rng);
      } else {
        parent.sample(rng, N01, x1);
      }
      for (int j = 0; j < d; ++j) x0[j] = N01(rng);
      sgd_step(P, x0, x1, W, b, xt, e);
    }
    Generator cur;
    cur.set(W, b, P.T);
    ClustersGeneration rec{};
    rec.b = b;
    rec.v = cur.A * cur.A;
    const Eigen::MatrixXd M = mu * W.transpose() / sd;
    rec.M11 = M(0, 0);
    rec.M22 = M(1, 1);
    rec.Q11 = cur.Q(0, 0);
    rec.Q22 = cur.Q(1, 1);
    rec.Q12 = cur.Q(0, 1);
    // projected observables of the generated law: y₁ = x·μ₁/3 = x₁, y₂ = x·μ₂/3 = −x₂
    Eigen::VectorXd uo = u - W.transpose() * (cur.Qinv * (W * u)) / d;  // orthogonal to the rows of W
    uo[0] = uo[1] = 0;
    uo.normalize();
    double s1a = 0, s1 = 0, s1q = 0, s2a = 0, s2 = 0, s2q = 0, vb = 0, w[3] = {0, 0, 0};
    Eigen::VectorXd x(d);
    for (int i = 0; i < o.particles; ++i) {
      cur.sample(rng, N01, x);
      const double y1 = x[0], y2 = -x[1];
      s1a += std::abs(y1), s1 += y1, s1q += y1 * y1;
      s2a += std::abs(y2), s2 += y2, s2q += y2 * y2;
      const double pu = uo.dot(x);
      vb += pu * pu;
      int best = 0;
      double bd = 1e300;
      for (int c = 0; c < 3; ++c) {
        const double dd = std::pow(x[0] - mu(c, 0), 2) + std::pow(x[1] - mu(c, 1), 2);
        if (dd < bd) bd = dd, best = c;
      }
      w[best] += 1;
    }
    const double Np = o.particles;
    rec.y1_abs = s1a / Np;
    rec.y1_var = s1q / Np - std::pow(s1 / Np, 2);
    rec.y2_abs = s2a / Np;
    rec.y2_var = s2q / Np - std::pow(s2 / Np, 2);
    rec.w1 = w[0] / Np;
    rec.w2 = w[1] / Np;
    rec.w3 = w[2] / Np;
    rec.v_measured = vb / Np;
    out.push_back(rec);
    parent = cur;
    have_parent = true;
  }
  return out;
}

std::vector<Json> simulate_clusters_rows(const ClustersSimParams& P, const ClustersSimOptions& o, bool trajectory) {
  std::vector<std::vector<ClustersGeneration>> runs(static_cast<std::size_t>(o.seeds));
  parallel_for(o.seeds, o.threads, [&](int i) {
    runs[static_cast<std::size_t>(i)] = simulate_clusters_chain(P, o, o.seed * 1000003ULL + static_cast<std::uint64_t>(i));
  });
  static const char* names[] = {"b", "v", "M_1_1", "M_2_2", "Q_1_1", "Q_2_2", "Q_1_2", "y1_abs", "y1_var", "y2_abs",
                                "y2_var", "w1", "w2", "w3", "v_measured"};
  std::vector<Json> rows;
  const double S = o.seeds;
  for (int g = trajectory ? 1 : P.G; g <= P.G; ++g) {
    Json row = {{"g", g}, {"seeds", o.seeds}, {"steps", P.n}};
    bool finite = true;
    for (std::size_t c = 0; c < 15; ++c) {
      auto get = [&](const std::vector<ClustersGeneration>& run) {
        const ClustersGeneration& x = run[static_cast<std::size_t>(g - 1)];
        const double v[15] = {x.b, x.v, x.M11, x.M22, x.Q11, x.Q22, x.Q12, x.y1_abs, x.y1_var, x.y2_abs, x.y2_var,
                              x.w1, x.w2, x.w3, x.v_measured};
        return v[c];
      };
      double mean = 0, sq = 0;
      for (const auto& run : runs) mean += get(run) / S;
      for (const auto& run : runs) sq += std::pow(get(run) - mean, 2);
      finite = finite && std::isfinite(mean);
      row[names[c]] = std::isfinite(mean) ? Json(mean) : Json(nullptr);
      row[std::string(names[c]) + "_stderr"] = o.seeds > 1 && std::isfinite(sq) ? std::sqrt(sq / (S - 1) / S) : 0.0;
    }
    double lv = 0;
    for (const auto& run : runs) lv += std::log(run[static_cast<std::size_t>(g - 1)].v) / S;
    row["log_v"] = lv;
    row["status"] = finite ? "converged" : "non_finite";
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace hdflow::retrain

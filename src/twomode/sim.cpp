// Finite-d simulation of the two-mode mixture (see include/hdflow/twomode/sim.hpp).
#include "hdflow/twomode/sim.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "hdflow/core/minimise.hpp"
#include "hdflow/core/parallel.hpp"
#include "hdflow/core/status.hpp"
#include "hdflow/twomode/generate.hpp"
#include "hdflow/twomode/phase2.hpp"

namespace hdflow::twomode {

const std::vector<ParamSpec>& SimOptions::specs() {
  using K = ParamSpec::Kind;
  const SimOptions d;
  static const std::vector<ParamSpec> specs = {
      {"d", K::integer, d.d, 2, 1e7, false, false, "dimension of the simulated data and networks", {}, ""},
      {"seeds", K::integer, d.seeds, 1, 1e4, false, false, "independent replicas (datasets and noise) per point", {}, ""},
      {"seed", K::integer, 1, 0, 9e15, false, false, "base seed; replica r uses stream (seed, r)", {}, ""},
      {"labels", K::string, "fixed", 0, 0, false, false,
       "fixed: exactly n_plus positive labels (the theory's input); random: i.i.d. with P(s = 1) = p", {"fixed", "random"}, ""},
      {"grad_tol", K::real, d.grad_tol, 0, 1, true, false, "L-BFGS stop on |grad(L/d)|_inf in the scaled parameters", {}, ""},
      {"max_iterations", K::integer, d.max_iterations, 1, 1e7, false, false, "L-BFGS iterations per network", {}, ""},
      {"threads", K::integer, 0, 0, 1024, false, false, "replicas on threads; 0 = all cores", {}, ""},
      {"trainer", K::string, "lbfgs", 0, 0, false, false,
       "lbfgs: L-BFGS to the minimiser; adam, gd: full-batch first-order training for a number of epochs", {"lbfgs", "adam", "gd"}, ""},
      {"learning_rate", K::real, d.learning_rate, 0, 10, true, false, "step of adam / gd (in the rescaled parameters)", {}, ""},
      {"epochs", K::integer, d.epochs, 1, 1e8, false, false, "epochs of adam / gd", {}, ""},
      {"fresh_noise", K::boolean, false, 0, 0, false, false,
       "adam / gd: one fresh noise sample per datum every epoch (the paper's protocol) instead of the exact average", {}, ""},
  };
  return specs;
}

SimOptions SimOptions::from_json(const Json& given) {
  const Json j = resolve_params(specs(), given, "simulation.");
  SimOptions o;
  o.d = j["d"].get<int>();
  o.seeds = j["seeds"].get<int>();
  o.seed = j["seed"].get<std::uint64_t>();
  o.random_labels = j["labels"] == "random";
  o.grad_tol = j["grad_tol"].get<double>();
  o.max_iterations = j["max_iterations"].get<int>();
  o.threads = j["threads"].get<int>();
  o.trainer = j["trainer"].get<std::string>();
  o.learning_rate = j["learning_rate"].get<double>();
  o.epochs = j["epochs"].get<int>();
  o.fresh_noise = j["fresh_noise"].get<bool>();
  return o;
}

namespace {

int n_plus_of(const SimPointParams& P) {
  return static_cast<int>(std::lround(P.n_plus >= 0 ? P.n_plus : std::round(P.p * P.n)));
}

// Start of the optimisation: the n → ∞ phase-1 solution (Corollary 1) when τ√d ≤ κ, else the sign model of
// phase 2 (brief §7, "finite-d reference implementation").
sim::Autoencoder initial_network(const SimPointParams& P, const sim::TwoModeData& D, const sim::DenoiserLoss& L, double tau) {
  const double d = D.d, n = D.n;
  sim::Autoencoder a;
  const double pbar = static_cast<double>(D.n_plus) / n;
  if (tau * std::sqrt(d) <= P.kappa * (1 + 1e-12)) {
    a.c = 0;
    a.b = std::atanh(std::clamp(2 * pbar - 1, -0.99, 0.99));
    a.u = D.mu;
    a.w = std::max(tau * std::sqrt(d), 0.3) * D.mu;
    return a;
  }
  const Phase2Solution s = solve_phase2_tau(tau, P.sigma, P.lambda, n, P.k);
  a.c = s.c;
  a.b = 0;
  a.u = ((1 - s.c * tau) / (n + P.lambda)) * (D.X1.transpose() * D.s);
  if (P.k > 0) {
    Eigen::VectorXd xi = Eigen::VectorXd::Zero(D.d);
    for (int i = 0; i < D.n; ++i)
      for (int r = 0; r < P.k; ++r) xi += D.s[i] / P.k * L.X0.row(i * P.k + r).transpose();
    a.u -= (s.c * (1 - tau) / (n + P.lambda)) * xi;
  }
  a.w = D.mu;  // ω = 1: saturated for τ√d ≫ 1
  return a;
}

bool converged(const MinimiseReport& r, const SimOptions& o) {
  return r.finite && r.grad_norm <= o.grad_tol * std::max(1.0, std::abs(r.value));
}
// converged; max_iterations (budget used up); stalled (the line search found no decrease above the tolerance).
const char* status_of(const MinimiseReport& r, const SimOptions& o) {
  if (!r.finite) return "non_finite";
  if (converged(r, o)) return "converged";
  const int budget = o.trainer == "lbfgs" ? o.max_iterations : o.epochs;
  return r.iterations >= budget ? "max_iterations" : "stalled";
}

// The loss (10) at interpolation weight τ for the dataset D (k fixed noise samples drawn from `seed`).
sim::DenoiserLoss make_loss(const SimPointParams& P, const sim::TwoModeData& D, double tau, std::uint64_t seed) {
  sim::DenoiserLoss L;
  L.X1 = &D.X1;
  L.alpha = 1 - tau;
  L.beta = tau;
  L.lambda = P.lambda;
  L.ell = P.ell;
  if (P.k > 0) sim::draw_noise(L, P.k, seed);
  return L;
}

struct Trained {
  sim::Autoencoder net;
  MinimiseReport rep;
};

Trained train(const sim::DenoiserLoss& L_in, sim::Autoencoder a, const SimOptions& o, std::uint64_t seed) {
  sim::DenoiserLoss L = L_in;  // fresh-noise training redraws L.X0 every epoch
  Eigen::VectorXd x = sim::pack_scaled(a);
  const Objective f = [&](const Eigen::VectorXd& v, Eigen::VectorXd& g) { return sim::scaled_loss(L, v, g); };
  Trained t;
  if (o.trainer == "lbfgs") {
    LbfgsOptions lo;
    lo.grad_tol = o.grad_tol;
    lo.max_iterations = o.max_iterations;
    t.rep = minimise_lbfgs(f, x, lo);
  } else {
    FirstOrderOptions fo;
    fo.adam = o.trainer == "adam";
    fo.learning_rate = o.learning_rate;
    fo.epochs = o.epochs;
    std::function<void(int)> epoch;
    if (o.fresh_noise)
      epoch = [&](int e) { sim::draw_noise(L, 1, seed * 7919ULL + static_cast<std::uint64_t>(e)); };
    t.rep = minimise_first_order(f, x, fo, epoch);
    if (o.fresh_noise) {  // report the gradient of the exact loss at the result (the status is judged on it)
      L.k = 0;
      Eigen::VectorXd g(x.size());
      t.rep.value = f(x, g);
      t.rep.grad_norm = g.lpNorm<Eigen::Infinity>();
    }
  }
  t.net = sim::unpack_scaled(x);
  return t;
}

}  // namespace

Measured simulate_one(const SimPointParams& P, const SimOptions& o, std::uint64_t seed) {
  const sim::TwoModeData D =
      sim::sample_two_mode(o.d, P.n, P.p, P.sigma, o.random_labels ? -1 : n_plus_of(P), seed);
  const double tau = schedule_tau(P.t, P.kappa, o.d, P.dilated).first;
  const sim::DenoiserLoss L = make_loss(P, D, tau, seed);
  Trained tr = train(L, initial_network(P, D, L, tau), o, seed);
  sim::Autoencoder& a = tr.net;
  if (D.mu.dot(a.w) < 0) {  // the symmetry (u, w, b) → −(u, w, b): report ω ≥ 0 (brief §1.4)
    a.u = -a.u;
    a.w = -a.w;
    a.b = -a.b;
  }
  const double d = o.d, n = P.n;
  Measured m;
  Json& v = m.values;
  // Overlaps of eq. (12), per class for ε± and q_η± (brief §1.6), and the signed phase-2 ones.
  const Eigen::VectorXd Zw = D.Z * a.w, Zu = D.Z * a.u;
  double ep = 0, em = 0, qp = 0, qm = 0, qs = 0;
  int np = 0, nm = 0;
  for (int i = 0; i < D.n; ++i) {
    if (D.s[i] > 0) { ep += Zw[i]; qp += Zu[i]; ++np; }
    else { em += Zw[i]; qm += Zu[i]; ++nm; }
    qs += D.s[i] * Zu[i];
  }
  double qxi = 0;
  if (P.k > 0) {
    const Eigen::VectorXd X0u = L.X0 * a.u;
    for (int i = 0; i < D.n; ++i)
      for (int r = 0; r < P.k; ++r) qxi += D.s[i] * X0u[i * P.k + r];
    qxi /= n * P.k * d;
  }
  v["omega"] = D.mu.dot(a.w) / d;
  v["b"] = a.b;
  v["r"] = a.w.squaredNorm() / d;
  v["eps_plus"] = np ? ep / (np * d) : 0.0;
  v["eps_minus"] = nm ? em / (nm * d) : 0.0;
  v["m"] = D.mu.dot(a.u) / d;
  v["q"] = a.u.squaredNorm() / d;
  v["q_eta_plus"] = np ? qp / (np * d) : 0.0;
  v["q_eta_minus"] = nm ? qm / (nm * d) : 0.0;
  v["q_eta"] = qs / (n * d);
  v["q_xi"] = qxi;
  v["c"] = a.c;
  v["c_sqrt_d"] = a.c * std::sqrt(d);
  v["mse_train"] = L.mse(a);
  v["mse_test"] = sim::test_mse(a, D.mu, P.p, P.sigma, 1 - tau, tau);
  v["tau"] = tau;
  v["n_plus"] = D.n_plus;
  m.iterations = tr.rep.iterations;
  m.grad_norm = tr.rep.grad_norm;
  m.converged = converged(tr.rep, o);
  m.status = status_of(tr.rep, o);
  return m;
}


Json simulate_point(const SimPointParams& P, const SimOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Measured> reps(static_cast<std::size_t>(o.seeds));
  parallel_for(o.seeds, o.threads, [&](int r) {
    reps[static_cast<std::size_t>(r)] = simulate_one(P, o, o.seed * 1000003ULL + static_cast<std::uint64_t>(r));
  });
  Json row;
  row["d"] = o.d;
  row["seeds"] = o.seeds;
  const double S = o.seeds;
  for (auto it = reps[0].values.begin(); it != reps[0].values.end(); ++it) {
    const std::string& key = it.key();
    double mean = 0, sq = 0;
    for (const auto& m : reps) mean += m.values[key].get<double>() / S;
    for (const auto& m : reps) sq += std::pow(m.values[key].get<double>() - mean, 2);
    row[key] = mean;
    row[key + "_stderr"] = o.seeds > 1 ? std::sqrt(sq / (S - 1) / S) : 0.0;
  }
  int conv = 0, iters = 0;
  double gmax = 0;
  for (const auto& m : reps) {
    conv += m.converged;
    iters += m.iterations;
    gmax = std::max(gmax, m.grad_norm);
  }
  row["replicas_converged"] = conv;
  // The worst replica's status: non_finite > max_iterations > stalled > converged.
  auto rank = [](const std::string& st) { return st == "non_finite" ? 3 : st == "max_iterations" ? 2 : st == "stalled" ? 1 : 0; };
  std::string worst = "converged";
  for (const auto& m : reps)
    if (rank(m.status) > rank(worst)) worst = m.status;
  row["status"] = worst;
  row["iterations"] = iters / o.seeds;
  row["residual"] = gmax;
  row["point_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return row;
}

std::vector<Json> fig1_trajectory(const Fig1Params& F, const SimOptions& o) {
  const SimPointParams& B = F.base;
  const int d = o.d, N = F.points;
  const sim::TwoModeData D = sim::sample_two_mode(d, B.n, B.p, B.sigma, o.random_labels ? -1 : n_plus_of(B), o.seed);
  const double T = B.dilated ? 2.0 : 1.0, dt = T / N;
  // One network per grid time t_j = jT/N, j = 0..N−1 (brief §4.6), trained independently (threads).
  std::vector<Trained> nets(static_cast<std::size_t>(N));
  parallel_for(N, o.threads, [&](int j) {
    SimPointParams P = B;
    P.t = j * dt;
    P.k = 0;  // the Fig. 1 reproduction trains on the exact k = ∞ loss (brief §4.6)
    const double tau = schedule_tau(P.t, P.kappa, d, P.dilated).first;
    const sim::DenoiserLoss L = make_loss(P, D, tau, 0);
    nets[static_cast<std::size_t>(j)] = train(L, initial_network(P, D, L, tau), o, o.seed * 131ULL + static_cast<std::uint64_t>(j));
  });
  // Exact-denoiser references on the same grid (no sampling error): population p and empirical p̄.
  const double pbar = static_cast<double>(D.n_plus) / B.n;
  const std::vector<double> ref_p = exact_euler_trajectory(B.p, B.sigma, B.kappa, d, N, B.dilated);
  const std::vector<double> ref_pbar = exact_euler_trajectory(std::clamp(pbar, 1e-9, 1 - 1e-9), B.sigma, B.kappa, d, N, B.dilated);
  // Particles X₀ ~ N(0, I_d), explicit Euler X ← X + Δt τ'/(1 − τ) (f_θ(X) − X).
  auto rng = sim::stream(o.seed, 3);
  std::normal_distribution<double> N01;
  Eigen::MatrixXd X(F.particles, d);
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    for (Eigen::Index j = 0; j < d; ++j) X(i, j) = N01(rng);
  std::vector<Json> rows;
  const double sd = std::sqrt(static_cast<double>(d));
  for (int j = 0; j < N; ++j) {
    const double t = j * dt;
    const auto [tau, dtau] = schedule_tau(t, B.kappa, d, B.dilated);
    const sim::Autoencoder& a = nets[static_cast<std::size_t>(j)].net;
    const Eigen::VectorXd pre = (X * a.w / sd).array() + a.b;
    const Eigen::VectorXd phi = pre.array().tanh();
    const double fac = dt * dtau / (1 - tau);
    X = X + fac * ((a.c - 1) * X + phi * a.u.transpose());
    const Eigen::VectorXd M = X * D.mu / d;
    const double pt = static_cast<double>((M.array() > 0).count()) / F.particles;
    const double mabs = M.array().abs().mean();
    const double perp = ((X.rowwise().squaredNorm().array() - d * M.array().square()) / d).mean();
    Json row;
    row["t"] = (j + 1) * dt;
    row["step"] = j + 1;
    row["tau_train"] = tau;
    row["p_t"] = pt;
    row["p_t_stderr"] = std::sqrt(std::max(pt * (1 - pt), 1e-12) / F.particles);
    row["p_exact"] = ref_p[static_cast<std::size_t>(j)];
    row["p_exact_bar"] = ref_pbar[static_cast<std::size_t>(j)];
    row["p_bar"] = pbar;
    row["m_abs"] = mabs;
    row["var_perp"] = perp;
    row["n_plus"] = D.n_plus;
    const auto& tr = nets[static_cast<std::size_t>(j)];
    row["status"] = status_of(tr.rep, o);
    row["iterations"] = tr.rep.iterations;
    row["residual"] = tr.rep.grad_norm;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace hdflow::twomode

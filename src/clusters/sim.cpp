// Finite-d online SGD for the clusters module (brief online-sgd-ae-diffusion.md §1.4, §4.4).
#include "hdflow/clusters/sim.hpp"

#include "hdflow/clusters/sde.hpp"

#include <algorithm>
#include <cmath>

#include "hdflow/core/gauss.hpp"
#include "hdflow/core/parallel.hpp"
#include "hdflow/sim/mixture.hpp"

namespace hdflow::clusters {

const std::vector<ParamSpec>& SgdSimOptions::specs() {
  using K = ParamSpec::Kind;
  static const std::vector<ParamSpec> specs = {
      {"d", K::integer, 2000, 2, 1e7, false, false, "dimension of the simulated data and network", {}, ""},
      {"seeds", K::integer, 1, 1, 1e4, false, false, "independent online-SGD runs per point", {}, ""},
      {"seed", K::integer, 1, 0, 9e15, false, false, "base seed; run r uses stream (seed * 1000003 + r); the points of a tau sweep share a seed's trajectory", {}, ""},
      {"threads", K::integer, 0, 0, 1024, false, false, "runs on threads; 0 = all cores", {}, ""},
  };
  return specs;
}

SgdSimOptions SgdSimOptions::from_json(const Json& given) {
  const Json j = resolve_params(specs(), given, "simulation.");
  SgdSimOptions o;
  o.d = j["d"].get<int>();
  o.seeds = j["seeds"].get<int>();
  o.seed = j["seed"].get<std::uint64_t>();
  o.threads = j["threads"].get<int>();
  return o;
}

Eigen::MatrixXd embed_means(const SgdParams& P, int d, std::vector<int>& block_start) {
  const int K = P.K(), N = P.N();
  Eigen::MatrixXd mu = Eigen::MatrixXd::Zero(K, d);
  block_start.assign(static_cast<std::size_t>(N + 1), 0);
  for (int s = 0; s < N; ++s)
    block_start[static_cast<std::size_t>(s + 1)] =
        s + 1 == N ? d : block_start[static_cast<std::size_t>(s)] + static_cast<int>(std::lround(P.p_s[static_cast<std::size_t>(s)] * d));
  for (int s = 0; s < N; ++s) {
    const Eigen::MatrixXd R = gauss::psd_sqrt(P.T[static_cast<std::size_t>(s)], "means_gram");  // R Rᵀ = t⁽ˢ⁾, K columns
    const int start = block_start[static_cast<std::size_t>(s)];
    const int width = std::min(K, block_start[static_cast<std::size_t>(s + 1)] - start);
    mu.block(0, start, K, width) = R.leftCols(width);
  }
  return mu;
}

void simulate_sgd_weights(const SgdParams& P, double tau, const SgdSimOptions& o, std::uint64_t seed, Eigen::MatrixXd& W,
                          double& b_out, Eigen::MatrixXd& mu_out, double b0) {
  const int d = o.d, r = P.r, K = P.K(), N = P.N();
  const double sd = std::sqrt(static_cast<double>(d)), al = 1 - P.t, be = P.t, eta = P.eta;
  std::vector<int> bs;
  const Eigen::MatrixXd mu = embed_means(P, d, bs);
  Eigen::VectorXd scale(d);  // √λ_s per coordinate
  for (int s = 0; s < N; ++s)
    scale.segment(bs[static_cast<std::size_t>(s)], bs[static_cast<std::size_t>(s + 1)] - bs[static_cast<std::size_t>(s)])
        .setConstant(std::sqrt(P.lambda_s[static_cast<std::size_t>(s)]));
  // Informed start: w_γ(0) = 0.1√d μ_γ (γ ≤ min(r, K)), b(0) = 0.
  W = Eigen::MatrixXd::Zero(r, d);
  for (int g = 0; g < std::min(r, K); ++g) W.row(g) = 0.1 * sd * mu.row(g);
  double b = b0;
  auto rng = sim::stream(seed, 11);
  std::normal_distribution<double> N01;
  std::discrete_distribution<int> cluster(P.pi.begin(), P.pi.end());
  const long steps = std::lround(tau * d / (2 * eta));  // τ = 2ηk/d
  Eigen::VectorXd x0(d), x1(d), xt(d), e(d), h(r), sg(r), s1(r), A(r);
  double unused = 0;
  for (long k = 0; k < steps; ++k) {
    const int c = cluster(rng);
    for (int j = 0; j < d; ++j) {
      x0[j] = N01(rng);
      x1[j] = mu(c, j) + scale[j] * N01(rng);
    }
    xt = al * x0 + be * x1;
    h.noalias() = W * xt / sd;
    for (int g = 0; g < r; ++g) activation_eval(P.activation, h[g], sg[g], s1[g], unused);
    // e = f(xₜ) − x₁ = b xₜ + Wᵀσ/√d − x₁;  A_γ = w_γ·e/√d
    e.noalias() = b * xt + W.transpose() * sg / sd - x1;
    A.noalias() = W * e / sd;
    const double db = 2 * e.dot(xt);  // ∂_b ℓ
    // ∇_{w_γ} ℓ = (2/√d)(σ_γ e + σ'_γ A_γ xₜ); the weight decay ηλ_wd/d
    const double shrink = 1 - eta * P.weight_decay / d;
    for (int g = 0; g < r; ++g) {
      W.row(g) *= shrink;
      W.row(g).noalias() -= (2 * eta / sd) * (sg[g] * e + s1[g] * A[g] * xt).transpose();
    }
    b -= eta / (static_cast<double>(d) * d) * db;
  }
  b_out = b;
  mu_out = mu;
}

SgdState statistics_of(const SgdParams& P, const Eigen::MatrixXd& W, double b, const Eigen::MatrixXd& mu) {
  const int d = static_cast<int>(W.cols());
  std::vector<int> bs;
  (void)embed_means(P, d, bs);
  const double sd = std::sqrt(static_cast<double>(d));
  SgdState out;
  for (int s = 0; s < P.N(); ++s) {
    const int a = bs[static_cast<std::size_t>(s)], w = bs[static_cast<std::size_t>(s + 1)] - a;
    out.m.push_back(mu.middleCols(a, w) * W.middleCols(a, w).transpose() / sd);
    out.q.push_back(W.middleCols(a, w) * W.middleCols(a, w).transpose() / d);
  }
  out.b = b;
  return out;
}

SgdState simulate_sgd_run(const SgdParams& P, double tau, const SgdSimOptions& o, std::uint64_t seed, double b0) {
  Eigen::MatrixXd W, mu;
  double b = 0;
  simulate_sgd_weights(P, tau, o, seed, W, b, mu, b0);
  return statistics_of(P, W, b, mu);
}

Json simulate_sgd_point(const SgdParams& P, double tau, const SgdSimOptions& o, double b0) {
  std::vector<SgdState> runs(static_cast<std::size_t>(o.seeds));
  parallel_for(o.seeds, o.threads, [&](int i) {
    runs[static_cast<std::size_t>(i)] = simulate_sgd_run(P, tau, o, o.seed * 1000003ULL + static_cast<std::uint64_t>(i), b0);
  });
  Json row;
  row["d"] = o.d;
  row["seeds"] = o.seeds;
  row["steps"] = std::lround(tau * o.d / (2 * P.eta));
  const double S = o.seeds;
  auto put = [&](const std::string& key, auto get) {
    double mean = 0, sq = 0;
    for (const auto& s : runs) mean += get(s) / S;
    for (const auto& s : runs) sq += std::pow(get(s) - mean, 2);
    row[key] = mean;
    row[key + "_stderr"] = o.seeds > 1 ? std::sqrt(sq / (S - 1) / S) : 0.0;
  };
  for (int k = 0; k < P.K(); ++k)
    for (int g = 0; g < P.r; ++g)
      put("M_" + std::to_string(k + 1) + "_" + std::to_string(g + 1), [&](const SgdState& s) { return s.M()(k, g); });
  for (int g = 0; g < P.r; ++g)
    for (int e = g; e < P.r; ++e)
      put("Q_" + std::to_string(g + 1) + "_" + std::to_string(e + 1), [&](const SgdState& s) { return s.Q()(g, e); });
  put("b", [](const SgdState& s) { return s.b; });
  bool finite = true;
  for (const auto& s : runs) finite = finite && s.M().allFinite() && s.Q().allFinite() && std::isfinite(s.b);
  row["status"] = finite ? "converged" : "non_finite";
  return row;
}

Json simulate_generate_point(const SgdParams& P, double tau, const SgdSimOptions& o, int particles, int T, bool exact_flow,
                             const std::vector<int>& project_on, double b0, const SdeSampler& sde) {
  const std::size_t np = project_on.size();
  std::vector<std::vector<double>> stats(static_cast<std::size_t>(o.seeds));  // per seed: 4 per projection
  parallel_for(o.seeds, o.threads, [&](int r) {
      {
        Eigen::MatrixXd W, mu;
        double b = 0;
        const std::uint64_t seed = o.seed * 1000003ULL + static_cast<std::uint64_t>(r);
        simulate_sgd_weights(P, tau, o, seed, W, b, mu, b0);
        const int d = o.d;
        const double sd = std::sqrt(static_cast<double>(d));
        auto rng = sim::stream(seed, 21);
        std::normal_distribution<double> N01;
        Eigen::MatrixXd X(particles, d);
        for (int i = 0; i < particles; ++i)
          for (int j = 0; j < d; ++j) X(i, j) = N01(rng);
        // dX/dt = [(b − 1)X + Wᵀσ(WX/√d)/√d]/(1 − t) (linear schedule, brief §5.1)
        auto nonlinear = [&](const Eigen::MatrixXd& Y) {  // rows: Wᵀσ(WY/√d)/√d
          Eigen::MatrixXd S = (Y * W.transpose()) / sd;
          double f1 = 0, f2 = 0;
          for (Eigen::Index i = 0; i < S.size(); ++i) activation_eval(P.activation, S.data()[i], S.data()[i], f1, f2);
          return Eigen::MatrixXd((1 / sd) * S * W);
        };
        auto velocity = [&](const Eigen::MatrixXd& Y) { return Eigen::MatrixXd((b - 1) * Y + nonlinear(Y)); };
        Eigen::MatrixXd noise(particles, d);
        auto draw = [&]() {
          for (Eigen::Index i = 0; i < noise.size(); ++i) noise.data()[i] = N01(rng);
        };
        if (!exact_flow && sde.active()) {
          // Euler–Maruyama of dX = [Δ̂X + Γ̂Wᵀσ/√d]dt + √(2ε_t)dB on the grid t_k = k/T (brief §5.7).
          const double h = 1.0 / T;
          for (int k = 0; k <= T - 2; ++k) {
            double D, G, eps;
            sde_coefficients(b, static_cast<double>(k) / T, sde, D, G, eps);
            draw();
            X = (1 + h * D) * X + (h * G) * nonlinear(X) + std::sqrt(2 * eps * h) * noise;
          }
        } else if (sde.active()) {
          // Stochastic Heun in s = ln 1/(1 − t), steps ≤ 0.01 (as the latent sampler).
          const double S = std::log(static_cast<double>(T));
          const int n = static_cast<int>(std::ceil(S / 0.01));
          const double h = S / n;
          auto coef = [&](double s, double& aD, double& aG, double& g) {
            const double t = 1 - std::exp(-s), al = 1 - t;
            double D, G, eps;
            sde_coefficients(b, t, sde, D, G, eps);
            aD = al * D;
            aG = al * G;
            g = std::sqrt(2 * eps * al);
          };
          for (int j = 0; j < n; ++j) {
            double D0, G0, g0, D1, G1, g1;
            coef(j * h, D0, G0, g0);
            coef((j + 1) * h, D1, G1, g1);
            draw();
            noise *= std::sqrt(h);
            const Eigen::MatrixXd f0 = D0 * X + G0 * nonlinear(X);
            const Eigen::MatrixXd pred = X + h * f0 + g0 * noise;
            X += 0.5 * h * (f0 + D1 * pred + G1 * nonlinear(pred)) + 0.5 * (g0 + g1) * noise;
          }
        } else if (!exact_flow) {
          for (int k = 0; k <= T - 2; ++k) X += (1.0 / (T - k)) * velocity(X);
        } else {
          // in s = ln 1/(1 − t): dX/ds = (b − 1)X + Wᵀσ/√d, s ∈ [0, ln T], RK4 with step ≤ 0.01
          const double S = std::log(static_cast<double>(T));
          const int n = static_cast<int>(std::ceil(S / 0.01));
          const double h = S / n;
          for (int j = 0; j < n; ++j) {
            const Eigen::MatrixXd k1 = velocity(X), k2 = velocity(X + 0.5 * h * k1), k3 = velocity(X + 0.5 * h * k2),
                                  k4 = velocity(X + h * k3);
            X += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
          }
        }
        std::vector<double> st;
        for (std::size_t p = 0; p < np; ++p) {
          const int k = project_on[p] - 1;
          const Eigen::VectorXd y = X * mu.row(k).transpose() / mu.row(k).norm();
          const double m = y.mean();
          st.push_back(m);
          st.push_back(y.array().abs().mean());
          st.push_back((y.array() - m).square().mean());
          st.push_back(y.array().pow(4).mean());
        }
        stats[static_cast<std::size_t>(r)] = st;
      }
    });
  Json row;
  row["d"] = o.d;
  row["seeds"] = o.seeds;
  row["particles"] = particles;
  const char* names[4] = {"mean", "abs", "var", "m4"};
  const double S = o.seeds;
  for (std::size_t p = 0; p < np; ++p)
    for (int q = 0; q < 4; ++q) {
      const std::size_t idx = 4 * p + static_cast<std::size_t>(q);
      double mean = 0, sq = 0;
      for (const auto& st : stats) mean += st[idx] / S;
      for (const auto& st : stats) sq += std::pow(st[idx] - mean, 2);
      const std::string key = "y" + std::to_string(p + 1) + "_" + names[q];
      row[key] = mean;
      row[key + "_stderr"] = o.seeds > 1 ? std::sqrt(sq / (S - 1) / S) : 0.0;
    }
  row["status"] = "converged";
  return row;
}

}  // namespace hdflow::clusters

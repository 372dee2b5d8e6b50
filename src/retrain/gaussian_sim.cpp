// Finite-sample Gaussian retraining pipeline (brief model-collapse-recursion.md §3.2, §7).
#include "hdflow/retrain/gaussian_sim.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "hdflow/core/parallel.hpp"
#include "hdflow/sim/mixture.hpp"

namespace hdflow::retrain {

const std::vector<ParamSpec>& GaussianSimOptions::specs() {
  using K = ParamSpec::Kind;
  static const std::vector<ParamSpec> s = {
      {"d", K::integer, 1, 1, 200, false, false, "dimension of the simulated data (theory is per whitened dimension)", {}, ""},
      {"seeds", K::integer, 1000, 1, 1e7, false, false, "independent pipelines (replicas)", {}, ""},
      {"seed", K::integer, 1, 0, 9e15, false, false, "base seed; replica r uses stream (seed, r)", {}, ""},
      {"threads", K::integer, 0, 0, 1024, false, false, "replicas on threads; 0 = all cores", {}, ""},
      {"score", K::string, "affine", 0, 0, false, false,
       "affine: closed-form DSM minimiser (S1, sample moments); affine_dsm: least-squares DSM regression over n K_noise noise "
       "draws at every EM time (S2, brief §3.3; d = 1, sampler em, estimator mle)",
       {"affine", "affine_dsm"}, ""},
      {"K_noise", K::integer, 1, 1, 1e9, false, false, "noise draws per training point (score = affine_dsm)", {}, ""},
      {"intra", K::boolean, false, 0, 0, false, false,
       "also I_chi2 = chi2(p_hat^{g+1} | q_g), I_kl, J = int (p_hat^{g+1} - q_g)^2/p by quadrature (d = 1)", {}, ""},
  };
  return s;
}

GaussianSimOptions GaussianSimOptions::from_json(const Json& given) {
  const Json j = resolve_params(specs(), given, "simulation.");
  GaussianSimOptions o;
  o.d = j["d"].get<int>();
  o.seeds = j["seeds"].get<int>();
  o.seed = j["seed"].get<std::uint64_t>();
  o.threads = j["threads"].get<int>();
  o.intra = j["intra"].get<bool>();
  o.score = j["score"].get<std::string>() == "affine" ? ScoreModel::affine : ScoreModel::affine_dsm;
  o.K_noise = j["K_noise"].get<double>();
  return o;
}

AffineFit1D dsm_affine_fit_1d(double mean, double ss, int n, double K, double t, std::mt19937_64& rng) {
  std::normal_distribution<double> N01;
  const double N = n * K, a = std::exp(-0.5 * t), sg = std::sqrt(-std::expm1(-t));
  // exact law of the sufficient sums: (Σz, Σ(x₀ − x̄)z) are independent N(0, N), N(0, K ss) (the two design vectors
  // 1 and x₀ − x̄ are orthogonal over the N draws); the residual of z off their span is an independent χ²_{N−2}
  const double xi1 = N01(rng), xi2 = N01(rng);
  const double chi = N > 2 ? std::chi_squared_distribution<double>(N - 2)(rng) : 0.0;
  const double Z1 = std::sqrt(N) * xi1, Z2 = std::sqrt(K * ss) * xi2, W = xi2 * xi2 + chi;  // W = Σ(z − z̄)²
  // centred sums of x_t = a x₀ + σ z and y = −z/σ over the N draws
  const double Sxx = a * a * K * ss + 2 * a * sg * Z2 + sg * sg * W;
  const double Sxy = -(a * Z2 + sg * W) / sg;
  const double xt = a * mean + sg * Z1 / N, yt = -Z1 / (sg * N);
  AffineFit1D f;
  f.A = Sxy / Sxx;
  f.b = yt - f.A * xt;
  return f;
}

std::vector<std::vector<std::array<double, 9>>> simulate_gaussian_replicas(const GaussianPipeline& P,
                                                                           const GaussianSimOptions& o) {
  const int d = P.d, n = P.n;
  std::vector<std::vector<std::array<double, 9>>> out(static_cast<std::size_t>(o.seeds));
  const Eigen::VectorXd mu0 = Eigen::VectorXd::Constant(d, P.mu0);
  const Eigen::MatrixXd S0 = P.var0 * Eigen::MatrixXd::Identity(d, d);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  parallel_for(o.seeds, o.threads, [&](int r) {
    auto rng = sim::stream(o.seed, static_cast<std::uint64_t>(r));
    // the S2 noise sums use their own stream (seed, 2^62 + r): the data draws stay those of the S1 run with the same
    // seed until the fits differ, so S2 − S1 differences per replica are paired (common random numbers)
    auto fit_rng = sim::stream(o.seed, (std::uint64_t{1} << 62) + static_cast<std::uint64_t>(r));
    std::normal_distribution<double> N01;
    std::binomial_distribution<int> binom(n, P.alpha);
    Eigen::VectorXd m = mu0;  // p̂⁰ = p (brief §2.3)
    Eigen::MatrixXd S = S0;
    Eigen::MatrixXd X(n, d);
    auto& rows = out[static_cast<std::size_t>(r)];
    for (int g = 0; g < P.G; ++g) {
      const int nf = P.composition == Composition::fixed ? static_cast<int>(std::lround(P.alpha * n)) : binom(rng);
      Eigen::LLT<Eigen::MatrixXd> llt(S);
      const Eigen::MatrixXd L = llt.matrixL();
      Eigen::VectorXd z(d);
      const double s0 = std::sqrt(P.var0);
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < d; ++j) z[j] = N01(rng);
        if (i < nf) {
          for (int j = 0; j < d; ++j) X(i, j) = P.mu0 + s0 * z[j];
        } else {
          for (int j = 0; j < d; ++j) {
            double x = m[j];
            for (int k = 0; k <= j; ++k) x += L(j, k) * z[k];
            X(i, j) = x;
          }
        }
      }
      // the affine score's fit: sample mean and covariance (brief §3.3, S1)
      const Eigen::VectorXd mh = X.colwise().mean().transpose();
      const Eigen::MatrixXd Xc = X.rowwise() - mh.transpose();
      const double denom = P.estimator == Estimator::mle ? n : n - 1.0;
      const Eigen::MatrixXd Sh = (Xc.transpose() * Xc) / denom;
      Eigen::VectorXd mn;
      Eigen::MatrixXd Sn;
      if (o.score == ScoreModel::affine_dsm) {
        // S2 (brief §3.3): a fresh DSM regression at every EM time t_j; the EM law from N(0, 1) stays Gaussian,
        // M ← c_j M + h b_j, P ← c_j² P + h with c_j = 1 + h(½ + A_j) (the S1 recursion (G8) has A_j = −1/v_j)
        const double h = (P.sampler.T - P.sampler.t0) / P.sampler.steps, ss = Xc.squaredNorm();
        double M = 0, Pv = 1;
        for (int j = 0; j < P.sampler.steps; ++j) {
          const AffineFit1D f = dsm_affine_fit_1d(mh[0], ss, n, o.K_noise, P.sampler.T - j * h, fit_rng);
          const double c = 1 + h * (0.5 + f.A);
          M = c * M + h * f.b;
          Pv = c * c * Pv + h;
        }
        mn = Eigen::VectorXd::Constant(1, M);
        Sn = Eigen::MatrixXd::Constant(1, 1, Pv);
      } else {
        sampler_map(mh, Sh, P.sampler, mn, Sn);
      }
      std::array<double, 9> rec{};
      rec[0] = (mn - mu0).squaredNorm() / (P.var0 * d);
      rec[1] = Sn.trace() / (P.var0 * d);
      rec[2] = chi2_gauss(mn, Sn, mu0, S0);
      rec[3] = kl_gauss(mn, Sn, mu0, S0);
      rec[4] = w2sq_gauss(mn, Sn, mu0, S0);
      rec[5] = rec[6] = rec[7] = rec[8] = nan;
      if (o.intra && d == 1) {
        const double a = static_cast<double>(nf) / n;  // the realised mixture q_g = a p + (1 − a) p̂^g
        const Mixture1D q{{a, 1 - a}, {P.mu0, m[0]}, {P.var0, S(0, 0)}}, pn{{1}, {mn[0]}, {Sn(0, 0)}},
            p{{1}, {P.mu0}, {P.var0}};
        rec[5] = chi2_mixture_1d(pn, q, 2001);
        rec[6] = kl_mixture_1d(pn, q, 2001);
        rec[7] = l2_over_1d(pn, q, p, 2001);
        // the sampler-free bounds of brief §5.5 on this replica (exact D_g of the same replica, realised a):
        // innovation, α-lower, triangle lower/upper in L²(1/p); 1 if all bracket D_{g+1}
        const double Dp = rows.empty() ? 0.0 : rows.back()[2], D = rec[2], u = 1 - a, tol = 1e-9 * (1 + D);
        const double sJ = std::sqrt(rec[7]), sDp = std::sqrt(Dp);
        const bool ok = 0.5 * a * rec[5] - u * u * Dp <= D + tol && std::pow(std::max(0.0, std::sqrt(a * rec[5]) - u * sDp), 2) <= D + tol &&
                        std::pow(std::max(0.0, sJ - u * sDp), 2) <= D + tol && D <= std::pow(u * sDp + sJ, 2) + tol;
        rec[8] = std::isfinite(D) && std::isfinite(Dp) && std::isfinite(rec[7]) ? (ok ? 1.0 : 0.0) : nan;
      }
      rows.push_back(rec);
      m = mn;
      S = Sn;
    }
  });
  return out;
}

std::vector<Json> simulate_gaussian_rows(const GaussianPipeline& P, const GaussianSimOptions& o, bool trajectory) {
  const auto reps = simulate_gaussian_replicas(P, o);
  static const char* names[] = {"e", "s", "D_chi2", "D_kl", "W2sq", "I_chi2", "I_kl", "J", "bracketed"};
  std::vector<Json> rows;
  const double R = o.seeds;
  for (int g = trajectory ? 1 : P.G; g <= P.G; ++g) {
    Json row = {{"g", g}, {"seeds", o.seeds}};
    std::string chi2 = "finite";
    for (std::size_t c = 0; c < 9; ++c) {
      if (c >= 5 && !(o.intra && P.d == 1)) continue;
      // mean over replicas; +∞ (an infinite χ²) is counted and reported as null with its fraction; NaN (a quantity
      // undefined for this replica, e.g. bounds next to an infinite χ²) is left out and its fraction reported
      double mean = 0, sq = 0;
      int inf = 0, undef = 0;
      for (const auto& rep : reps) {
        const double x = rep[static_cast<std::size_t>(g - 1)][c];
        if (std::isnan(x)) ++undef;
        else if (std::isinf(x)) ++inf;
        else mean += x;
      }
      if (undef > 0) row[std::string(names[c]) + "_undefined_fraction"] = undef / R;
      if (inf > 0 || undef == o.seeds) {
        row[names[c]] = nullptr;
        if (inf > 0) row[std::string(names[c]) + "_infinite_fraction"] = inf / R;
        if (c == 2) chi2 = "chi2_infinite";
        continue;
      }
      const double Rf = R - undef;
      mean /= Rf;
      for (const auto& rep : reps) {
        const double x = rep[static_cast<std::size_t>(g - 1)][c];
        if (!std::isnan(x)) sq += std::pow(x - mean, 2);
      }
      row[names[c]] = mean;
      row[std::string(names[c]) + "_stderr"] = Rf > 1 ? std::sqrt(sq / (Rf - 1) / Rf) : 0.0;
    }
    row["chi2_status"] = chi2;  // a divergence that is infinite for some replica is not a numerical failure
    row["status"] = "converged";
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace hdflow::retrain

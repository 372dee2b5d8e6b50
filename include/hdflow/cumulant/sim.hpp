#pragma once
// Finite-d online projected SGD on the mixed cumulant model (brief mixed-cumulant.md §5):
//  * the data sampler (E1.1–E1.5) in d dimensions (data.cpp);
//  * the full d-dimensional pSGD of (E1.10)–(E1.11) (§5.1) and the exact reduced chain for (α_u, α_v) (§5.2),
//    which has the same law at any d ≥ 4 and costs O(1) per step;
//  * replicas on threads, each with its own seeded stream; overlaps recorded at given sample counts and
//    first-passage sample counts of |α_u| ≥ ε_u, |α_v| ≥ ε_v.
#include <Eigen/Dense>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "hdflow/cumulant/params.hpp"

namespace hdflow::cumulant {

// ---- data (E1.1–E1.5) ----

/// A random orthonormal pair (u, v) in d ≥ 2 dimensions (the law is rotation-equivariant, §5.1).
struct Directions {
  Eigen::VectorXd u, v;
};
Directions random_directions(int d, std::mt19937_64& rng);

/// The latents (λ, ν): λ ~ N(0,1); ν from its law (independent), or ν = sign λ with probability q (E1.4).
struct Latents {
  double lambda, nu;
};
Latents draw_latents(const Model& M, std::mt19937_64& rng);

/// One clean sample x_0 = √β_u λ u + S(√β_v ν v + z) (E1.1–E1.2), written into x0 (size d). Returns the latents.
Latents sample_x0(const Model& M, const Directions& D, std::mt19937_64& rng, Eigen::VectorXd& x0);

// ---- projected SGD ----

struct SimOptions {
  int d = 1000;
  int seeds = 20;
  std::uint64_t seed = 1;
  int threads = 0;
  std::string method = "reduced";  ///< reduced (exact chain, §5.2) or full (d-dimensional, §5.1)

  static const std::vector<ParamSpec>& specs();
  static SimOptions from_json(const Json& resolved);
};

/// One run of pSGD with learning rate γ (E1.11).
struct RunSpec {
  double gamma = 0;
  long max_steps = 0;              ///< samples at most
  bool random_start = true;        ///< uniform on the sphere; else w = α_u u + α_v v + ρ e (e random ⟂ u, v)
  double alpha_u0 = 0, alpha_v0 = 0;
  std::vector<long> record;        ///< increasing sample counts at which (α_u, α_v) is recorded (0 = start)
  double eps_u = 0, eps_v = 0;     ///< first-passage thresholds on |α| (≤ 0: not tracked)
  int stop_on = -1;                ///< stop once |α_u| ≥ ε_u (0) or |α_v| ≥ ε_v (1) and every record is taken
};

struct RunResult {
  std::vector<double> alpha_u, alpha_v;  ///< at RunSpec::record
  long n_u = -1, n_v = -1;               ///< first sample count with |α| ≥ ε (−1: not within max_steps)
  long steps = 0;                        ///< samples used
};

/// Full d-dimensional pSGD (§5.1), d ≥ 3.
RunResult run_full(const Model& M, const RunSpec& R, int d, std::uint64_t seed);
/// Exact reduced chain for (α_u, α_v) (§5.2), d ≥ 4.
RunResult run_reduced(const Model& M, const RunSpec& R, int d, std::uint64_t seed);
/// o.seeds replicas (replica r uses the stream of (o.seed, r)) on o.threads threads, with o.method.
std::vector<RunResult> run_replicas(const Model& M, const RunSpec& R, const SimOptions& o);

// ---- statistics over replicas ----

/// Empirical p-quantile of first-passage counts (censored runs, −1, count as +∞) with a distribution-free
/// 68 % interval from the order statistics N p ± √(N p (1 − p)) (brief §5.3). Infinite values are returned as
/// +inf (the caller turns them into a status).
struct QuantileCI {
  double value, lo, hi;
};
QuantileCI quantile_ci(std::vector<double> n, double p);

/// Least-squares slope of log y on log x.
double loglog_slope(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace hdflow::cumulant

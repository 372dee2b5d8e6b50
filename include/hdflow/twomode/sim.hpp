#pragma once
// Finite-d simulation of the two-mode mixture (DESIGN.md §3, issue "theory held against direct
// training"): one network (8) per time point trained by L-BFGS on the loss (10) (boxed form, brief §1.5)
// with the exact k → ∞ noise expectation or k explicit noise samples per datum, the overlaps of
// eq. (12) (and phase 2's signed ones) measured on the trained weights, averaged over seeds.
// The generation experiment of Fig. 1: networks learned on a time grid, particles moved by the
// probability-flow ODE (explicit Euler with the learned velocity), p_t = P(μ·X_t > 0).
#include <cstdint>
#include <string>
#include <vector>

#include "hdflow/core/sweep.hpp"
#include "hdflow/io/params.hpp"
#include "hdflow/sim/autoencoder.hpp"
#include "hdflow/sim/mixture.hpp"
#include "hdflow/twomode/schedule.hpp"

namespace hdflow::twomode {

struct SimOptions {
  int d = 1000;
  int seeds = 3;
  std::uint64_t seed = 1;
  bool random_labels = false;    ///< labels i.i.d. ~ p (default: exactly n₊ positive, as the theory)
  double grad_tol = 1e-7;        ///< L-BFGS stop on ‖∇(L/d)‖∞ ≤ grad_tol · max(1, L/d), scaled parameters
  int max_iterations = 3000;
  int threads = 0;               ///< replicas on threads (0: all cores)
  std::string trainer = "lbfgs"; ///< lbfgs (exact minimiser), adam or gd (full batch, first order)
  double learning_rate = 1e-2;   ///< adam / gd
  int epochs = 5000;             ///< adam / gd
  bool fresh_noise = false;      ///< adam / gd: redraw one noise sample per datum every epoch (the paper's protocol)

  static const std::vector<ParamSpec>& specs();
  static SimOptions from_json(const Json& j);
};

/// Physical setting of one simulated time point (the curve parameters of twomode.curve).
struct SimPointParams {
  double p = 0.8, sigma = 1.0, kappa = 4.0, lambda = 0.1, ell = 0.1, t = 0.5;
  int n = 128;
  double n_plus = -1;  ///< < 0: round(p n)
  int k = 0;           ///< 0: exact noise average; ≥ 1: k fixed noise samples per datum
  bool dilated = true;
};

/// One trained network's measured overlaps (flat, named as the theory columns).
struct Measured {
  Json values;       ///< omega, b, r, eps_plus, eps_minus, m, q, q_eta_plus, q_eta_minus, q_eta, q_xi, c, c_sqrt_d, mse_train, mse_test
  int iterations = 0;
  double grad_norm = 0;
  bool converged = false;
  const char* status = "converged";
};

/// Trains one network at (P, d, seed) and measures it.
Measured simulate_one(const SimPointParams& P, const SimOptions& o, std::uint64_t seed);

/// Mean and standard error over o.seeds replicas (threads), as one flat row: X, X_stderr, d, seeds, status.
Json simulate_point(const SimPointParams& P, const SimOptions& o);

/// The Fig. 1 experiment at one schedule: rows (t, p_t) for the 'points' grid, trained at every grid time.
struct Fig1Params {
  SimPointParams base;  ///< t ignored
  int points = 100;
  int particles = 2000;
};
std::vector<Json> fig1_trajectory(const Fig1Params& F, const SimOptions& o);

}  // namespace hdflow::twomode

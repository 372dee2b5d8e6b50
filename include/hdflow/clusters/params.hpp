#pragma once
// Parameters of the clusters module (brief online-sgd-ae-diffusion.md §1, §10): the K-cluster mixture given
// by its weights and the Gram matrices of its means (one per spectral block), the tied autoencoder's width r,
// the training noise level, learning rate and weight decay, and the initial overlaps.
#include "hdflow/clusters/sgd.hpp"
#include "hdflow/io/params.hpp"

namespace hdflow::clusters {

/// Specs of clusters.sgd (defaults: the Fig. 1 setting, K = 3, r = 2, μ = (3e₁, −3e₂, −3e₁), Σ = I, t = 0.7).
const std::vector<ParamSpec>& sgd_specs();

/// A resolved parameter object → the ODE parameters, the initial state and the requested training time.
struct SgdProblem {
  SgdParams P;
  SgdState start;
  double tau = 1.0;
  double d = 2000;  ///< only to report sample counts n = τd/(2η)
};
SgdProblem sgd_problem_from_json(const Json& params, const Json& solver);

/// Validation of one point (shapes, PSD Gram matrices, ranges) as "field: value: allowed range" messages.
std::vector<std::string> validate_sgd_point(const Json& params);

/// A flat row: τ, n = τd/(2η), b (and its closed form), M_k_γ, Q_γ_δ (γ ≤ δ), Q̃_γ_δ, and per block m/q when N > 1.
Json sgd_row(const SgdProblem& pr, const SgdState& s, double tau);

/// JSON list of rows → matrix; throws InputError naming `field` when ragged or empty.
Eigen::MatrixXd matrix_from_json(const Json& j, const std::string& field);

}  // namespace hdflow::clusters

#pragma once
// Seed 001's bounds as functions of the per-generation score-error energies and the fresh fraction α, and their
// evaluation on the Gaussian pipeline, where the exact divergences are known (brief model-collapse-recursion.md
// §5; "the brief" below). Pure arithmetic plus 1-D quadrature; constants the paper does not give
// (C, c, c₁, c₂, c', C_bias) are user inputs, and 0 / absent means "leading terms only".
//
// Indexing: generation g = 0 is the data (D₀ = 0 unless given); the error energy ε_g² belongs to the model trained
// in generation g, i.e. to the step g → g+1 (brief §2.3).
#include <optional>
#include <vector>

#include "hdflow/retrain/gaussian.hpp"

namespace hdflow::retrain {

struct BoundConstants {
  double C = 0;   ///< lower-band remainder: I ≥ ηε²/4 − Cε⁴ (Prop. 3.3)
  double c = 0;   ///< upper-band remainder: I ≤ 4ε² + cε⁴ (Thm 3.4)
  std::optional<double> c1, c2, c_prime, C_bias;  ///< additive Thm 4.2 bounds (brief §5.7), when given
};

struct BoundInput {
  double alpha = 0.5;
  std::vector<double> eps2;      ///< ε⋆,g² for g = 0..N−1 (one per trained model)
  std::vector<double> eps_hat2;  ///< ε̂_g² (optional; empty: not reported)
  std::vector<double> eta;       ///< η_g (same length as eps2)
  std::vector<double> kappa;     ///< κ_g ≥ ‖q_g/p‖_∞ (empty or +∞: envelope vacuous)
  double D0 = 0;                 ///< D_{i0}, i0 = 0
  BoundConstants k;
};

/// Bounds at generation g (values refer to D_g = χ²(p̂^g ‖ p) and, for the intra-generation band, to I_{g−1}).
struct BoundRow {
  int g = 0;
  double I_lo = 0, I_lo_clean = 0, I_hi = 0, I_LO = 0, KL_hi = 0;  ///< band of I_{g−1} (row g ≥ 1; brief §5.3–5.4)
  bool clean = false;       ///< ε² ≤ min(1, η/(8C)) (clean regime of Prop. 3.3)
  bool perturbative = true; ///< ε² ≤ 1
  double D_incoherent = 0;  ///< D_g of the paper's law D_{g+1} = (1−α)²D_g + ηε_g² (brief §5.9 item 2)
  double disc_sum = 0;      ///< Σ_{i<g}(1−α)^{2(g−1−i)}ε_i² + (1−α)^{2g}D₀ (Thm 4.2's right side)
  double D_lower = 0;       ///< rigorous lower chain (brief §5.9 item 3) with the envelope as the upper D_{g−1}
  double D_envelope = 0;    ///< coherent envelope (item 4), +∞ when some κ is infinite
  std::optional<double> D_thm_hi, D_thm_lo;  ///< additive Thm 4.2 bounds (item 5)
};

std::vector<BoundRow> evaluate_bounds(const BoundInput& in);

/// Prop. 4.1(ii): limsup D ≥ α η_floor ε_floor / (16(1 + (1−α)²)) (brief §5.6, CV-9).
double persistence_floor(double alpha, double eta_floor, double eps_floor);

/// Eq. (23) as displayed: the smallest c₂ with D_{N+1} + C_bias ≤ c₂ · RHS_N is (D_{N+1} + C_bias)/RHS_N; RHS_N is
/// Σ_{i≤N}(1−α)^{2(N−i)}ε_i² + (1−α)^{2(N+1)}D₀ (brief §5.7, CV-9). Returns RHS_N.
double eq23_rhs(double alpha, const std::vector<double>& eps2, double D0, int N);

/// Stationary D for a constant error: incoherent ηε²/(α(2−α)) (brief §5.9 table).
double stationary_incoherent(double alpha, double eta, double eps2);

/// The Gaussian population pipeline (n = ∞, affine score, brief §7.5) with its exact per-generation quantities and
/// the rigorous sampler-free bounds of brief §5.5 evaluated on them.
struct GaussianBoundRow {
  int g = 0;
  double D = 0;          ///< exact D_g = χ²(p̂^g ‖ p)
  double I = 0;          ///< exact I_{g−1} = χ²(p̂^g ‖ q_{g−1}) (quadrature)
  double KL_intra = 0;   ///< KL(p̂^g ‖ q_{g−1})
  double J = 0;          ///< ∫(p̂^g − q_{g−1})²/p (the κ-free innovation)
  double kappa = 0;      ///< ‖q_{g−1}/p‖_∞ (+∞ when p̂^{g−1} is wider than p)
  double innovation_lower = 0;  ///< α I/2 − (1−α)²D_{g−1} ≤ D_g (brief §5.5, Lemma: innovation bound)
  double triangle_lower = 0;    ///< (√J − (1−α)√D_{g−1})₊² ≤ D_g (triangle inequality in L²(1/p))
  double triangle_upper = 0;    ///< ((1−α)√D_{g−1} + √J)² ≥ D_g
  double kappa_upper = 0;       ///< ((1−α)√D_{g−1} + √(κI))² ≥ D_g (brief §5.5 envelope)
  double alpha_lower = 0;       ///< (√(αI) − (1−α)√D_{g−1})₊² ≤ D_g (brief §5.5)
  double chain_lower = 0, chain_upper = 0;  ///< the triangle bounds chained from D₀ with only the I/J sequence
  double D_incoherent = 0;      ///< Σ(1−α)^{2(g−1−i)} I_i (the paper's law applied to the exact I)
  double D_coherent = 0;        ///< (Σ(1−α)^{g−1−i} √I_i)² (coherent weighting)
  // Girsanov band (exact sampler only: de Bruijn makes the energies exact, brief §5.2):
  bool girsanov = false;
  double eps_hat2 = 0;   ///< 2 KL(p̂^g ‖ q_{g−1,t0})
  double eps_star2 = 0;  ///< 2 KL(q_{g−1,t0} ‖ p̂^g)
  double I_star = 0;     ///< χ²(p̂^g ‖ q_{g−1,t0}), the endpoint the Girsanov bounds compare with
  double KL_star = 0;    ///< KL(p̂^g ‖ q_{g−1,t0}) = ε̂²/2 (Prop. 3.1 with equality)
};

/// CV-6(a) [D]: a constant state-independent error e_t(x) = c on the stationary N(0,1), continuous sampler from
/// N(0,1) = q_T, L = T − t₀: endpoint N(δ, 1), δ = 2c(1 − e^{−L/2}), ε⋆² = ε̂² = c²L, η = δ²/(c²L),
/// χ² = e^{δ²} − 1, KL = δ²/2 (brief §2.4, CV-6).
struct ConstantErrorCase {
  double delta, eps2, eta, chi2, kl;
};
ConstantErrorCase constant_error_case(double c, double T, double t0);
/// CV-6(b): e_t = c(1 − κe^{−(t−t₀)/2}), κ = 2/(1 + e^{−L/2}): zero endpoint shift (η = 0); returns (κ, ε²).
void unobservable_error_case(double c, double T, double t0, double& kappa, double& eps2);

/// Score-error path energy ∫_{t0}^{T} E_{x∼r_t} |∇log ĝ_t(x) − ∇log q_t(x)|² dt between the OU flows of a Gaussian
/// ĝ = N(m, v) (the learned, consistent score) and a 1-D mixture q (the ideal score), the expectation along the
/// learned marginals (r = ĝ: ε̂²) or the ideal ones (r = q: ε⋆²) (brief §2.4). Gauss–Legendre in e^{−t} (`nodes`)
/// × trapezoid in x. The de Bruijn identity makes ½ε̂² = KL(ĝ_{t0} ‖ q_{t0}) − KL(ĝ_T ‖ q_T) (brief §5.2, CV-6c).
double path_energy(double m, double v, const Mixture1D& q, double t0, double T, bool along_learned, int nodes = 200);

std::vector<GaussianBoundRow> gaussian_bound_rows(double mu0, double var0, double alpha, int G, const Sampler& s);

}  // namespace hdflow::retrain

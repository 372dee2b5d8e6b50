// The online-SGD ODEs of the clusters module against the brief's check values
// (online-sgd-ae-diffusion.md §10.1–10.3, §10.5) and their own identities.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "hdflow/clusters/averages.hpp"
#include "hdflow/clusters/params.hpp"
#include "hdflow/clusters/sgd.hpp"
#include "hdflow/core/status.hpp"

using namespace hdflow;
using namespace hdflow::clusters;

namespace {
SgdParams fig1(int nodes) { return fig1_setting(nodes); }
}  // namespace

TEST_CASE("closed forms §10.1: kappa, b*, b(tau)") {
  const SgdParams P = fig1(20);
  const double taus[6] = {0.5, 1, 1.5, 2, 3, 4};
  const double bs[6] = {0.303819832233, 0.531157143800, 0.701265371598, 0.828551161004, 0.995061585462, 1.088290500133};
  for (int i = 0; i < 6; ++i) CHECK(std::abs(b_closed_form(P, 0, taus[i]) - bs[i]) < 1e-12 * bs[i]);
  CHECK(std::abs(b_closed_form(P, 0, 1e9) - 1.206896551724138) < 1e-14);
  // The ODE's b follows the closed form (RK4, dτ = 0.01).
  const SgdState s = integrate_sgd(P, informed_start(P), 0, 1, 0.01, Scheme::rk4);
  CHECK(std::abs(s.b - 0.531157143800) < 1e-11);
}

TEST_CASE("drift at the Fig. 1 initial state (§10.2), symmetry zeros exact") {
  const SgdParams P = fig1(40);
  const SgdDrift d = sgd_drift(P, informed_start(P));
  CHECK(std::abs(d.dm[0](0, 0) - 5.97957182) < 1e-8);
  CHECK(std::abs(d.dm[0](2, 0) + 5.97957182) < 1e-8);
  CHECK(std::abs(d.dm[0](1, 1) - 3.49936105) < 1e-8);
  CHECK(std::abs(d.dq[0](0, 0) - 1.32767936) < 1e-8);
  CHECK(std::abs(d.dq[0](1, 1) - 0.780905685) < 1e-9);
  CHECK(d.db == doctest::Approx(0.7).epsilon(1e-15));
  // Exactly zero by symmetry (the notebooks' Monte Carlo gives ±0.02 here).
  CHECK(std::abs(d.dm[0](0, 1)) < 1e-12);
  CHECK(std::abs(d.dm[0](1, 0)) < 1e-12);
  CHECK(std::abs(d.dm[0](2, 1)) < 1e-12);
  CHECK(std::abs(d.dq[0](0, 1)) < 1e-12);
}

TEST_CASE("drift at the generic state (§10.2) and the two forms of L agree") {
  const SgdParams P = fig1(100);
  SgdState g;
  g.m = {(Eigen::MatrixXd(3, 2) << 2, 0.5, 0.3, 1.5, -1.8, -0.2).finished()};
  g.q = {(Eigen::MatrixXd(2, 2) << 1.2, 0.3, 0.3, 0.8).finished()};
  g.b = 0.6;
  const SgdDrift d = sgd_drift(P, g);
  const Eigen::MatrixXd dM = (Eigen::MatrixXd(3, 2) << 1.660126633, -0.412875574, -0.470735582, 0.994666726, -1.817998916,
                              0.308641101).finished();
  const Eigen::MatrixXd dQ = (Eigen::MatrixXd(2, 2) << -0.064353504, -0.447147084, -0.447147084, 0.055955619).finished();
  CHECK((d.dm[0] - dM).cwiseAbs().maxCoeff() < 1e-8);
  CHECK((d.dq[0] - dQ).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(d.db == doctest::Approx(0.352).epsilon(1e-14));
  CHECK((sgd_L_direct(P, g) - sgd_L_probe(P, g)).cwiseAbs().maxCoeff() < 1e-10);  // brief: 3e-13
}

TEST_CASE("reference trajectory (§10.3) to 1e-7") {
  const SgdParams P = fig1(100);
  SgdState s = informed_start(P);
  struct Row { double tau, M11, M22, Q11, Q22, b; };
  const Row rows[] = {{0.5, 3.2072765, 2.4137036, 1.1957818, 0.6949914, 0.3038198},
                      {1.0, 3.9937059, 3.0646535, 1.8266739, 1.1051087, 0.5311571},
                      {2.0, 3.8327423, 3.0756465, 1.6678815, 1.0977359, 0.8285512},
                      {4.0, 2.5280230, 2.1726699, 0.7297316, 0.5489863, 1.0882905}};
  double tau = 0;
  for (const auto& r : rows) {
    s = integrate_sgd(P, s, tau, r.tau, 0.01, Scheme::rk4);
    tau = r.tau;
    const Eigen::MatrixXd M = s.M(), Q = s.Q();
    CAPTURE(r.tau);
    CHECK(std::abs(M(0, 0) - r.M11) < 1e-7);
    CHECK(std::abs(M(1, 1) - r.M22) < 1e-7);
    CHECK(std::abs(Q(0, 0) - r.Q11) < 1e-7);
    CHECK(std::abs(Q(1, 1) - r.Q22) < 1e-7);
    CHECK(std::abs(s.b - r.b) < 1e-7);
    CHECK(std::abs(M(2, 0) + M(0, 0)) < 1e-12);  // M₃· = −M₁·
    CHECK(std::abs(M(0, 1)) < 1e-12);
    CHECK(std::abs(Q(0, 1)) < 1e-12);
  }
}

TEST_CASE("spectral blocks: initial drift (§10.2) and trajectory (§10.5)") {
  SgdParams P = fig1(40);
  P.T = {(Eigen::MatrixXd(3, 3) << 9, 0, -9, 0, 0, 0, -9, 0, 9).finished(),  // μ₁, μ₃ in block 1
         (Eigen::MatrixXd(3, 3) << 0, 0, 0, 0, 9, 0, 0, 0, 0).finished()};  // μ₂ in block 2
  P.lambda_s = {0.5, 1.5};
  P.p_s = {0.5, 0.5};
  const SgdDrift d = sgd_drift(P, informed_start(P));
  CHECK(std::abs(d.dm[0](0, 0) - 5.748231331) < 1e-8);
  CHECK(std::abs(d.dm[0](2, 0) + 5.748231331) < 1e-8);
  CHECK(std::abs(d.dm[1](1, 1) - 3.855718705) < 1e-8);
  CHECK(std::abs(d.dq[0](0, 0) - 1.183220716) < 1e-8);
  CHECK(std::abs(d.dq[0](1, 1) - 0.02261014275) < 1e-10);
  CHECK(std::abs(d.dq[1](0, 0) - 0.09663166064) < 1e-10);
  CHECK(std::abs(d.dq[1](1, 1) - 0.8362130071) < 1e-9);
  CHECK(d.db == doctest::Approx(0.7).epsilon(1e-15));
  const SgdState s = integrate_sgd(P, informed_start(P), 0, 1, 0.02, Scheme::rk4);
  const Eigen::MatrixXd M = s.M(), Q = s.Q();
  CHECK(std::abs(M(0, 0) - 3.91969) < 2e-4);
  CHECK(std::abs(M(1, 1) - 3.21109) < 2e-4);
  CHECK(std::abs(Q(0, 0) - 1.76427) < 2e-4);
  CHECK(std::abs(Q(1, 1) - 1.21291) < 2e-4);
  CHECK(std::abs(s.b - 0.531157) < 2e-6);
}

TEST_CASE("Euler reproduces the notebooks' discretisation error; linear and erf activations run") {
  const SgdParams P = fig1(40);
  const SgdState e = integrate_sgd(P, informed_start(P), 0, 1, 0.01, Scheme::euler);
  CHECK(std::abs(e.M()(0, 0) - 4.00898) < 2e-4);  // brief §4.3: Euler dτ = 0.01 gives 4.00898 (RK4: 3.99371)
  SgdParams L = P;
  L.activation = Activation::linear;
  const SgdDrift dl = sgd_drift(L, informed_start(L));
  CHECK(dl.dm[0].allFinite());
  SgdParams E = P;
  E.activation = Activation::erf;
  CHECK(sgd_drift(E, informed_start(E)).dq[0].allFinite());
}

TEST_CASE("factorised and tensor routes agree (tanh, erf) where Omega is diagonal") {
  // Fig. 1 state at τ = 1.5 (Ω₁₁ ≈ 1.09, the brief's hardest row): the 1-D trapezoid products against the
  // 2-D tensor Gauss–Hermite rule with 200 nodes per axis (brief §4.2: 160 nodes give 3e−12).
  const SgdParams P = fig1(100);
  const SgdState s = integrate_sgd(P, informed_start(P), 0, 1.5, 0, Scheme::rk8pd, 1e-10);
  REQUIRE(sgd_averages(P, s).factorised);
  SgdParams T = fig1(200);
  T.quadrature = Quadrature::tensor;
  REQUIRE_FALSE(sgd_averages(T, s).factorised);
  const SgdDrift a = sgd_drift(P, s), b = sgd_drift(T, s);
  CHECK((a.dm[0] - b.dm[0]).cwiseAbs().maxCoeff() < 1e-11);
  CHECK((a.dq[0] - b.dq[0]).cwiseAbs().maxCoeff() < 1e-11);
  SgdParams E = P, Et = T;
  E.activation = Et.activation = Activation::erf;
  const SgdDrift c = sgd_drift(E, s), e = sgd_drift(Et, s);
  CHECK((c.dm[0] - e.dm[0]).cwiseAbs().maxCoeff() < 1e-11);
  CHECK((c.dq[0] - e.dq[0]).cwiseAbs().maxCoeff() < 1e-11);
  // rk8pd (the default integrator) against RK4 dτ = 0.005 on the same equations.
  const SgdState r = integrate_sgd(P, informed_start(P), 0, 1.5, 0.005, Scheme::rk4);
  CHECK((r.M() - s.M()).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((r.Q() - s.Q()).cwiseAbs().maxCoeff() < 1e-9);
}

TEST_CASE("ReLU: closed-form moments, the delta term of D, both routes") {
  SgdParams P = fig1(100);
  P.activation = Activation::relu;
  // A diagonal state (factorised route): E relu(ω) = mΦ(m/s) + sφ(m/s), E relu' = Φ(m/s), E relu² = (m² + s²)Φ + msφ.
  SgdState g;
  g.m = {(Eigen::MatrixXd(3, 2) << 2, 0.5, 0.3, 1.5, -1.8, -0.2).finished()};
  g.q = {(Eigen::MatrixXd(2, 2) << 1.2, 0, 0, 0.8).finished()};
  g.b = 0.6;
  const Averages A = sgd_averages(P, g);
  REQUIRE(A.factorised);
  const double al = 1 - P.t, be = P.t;
  for (int c = 0; c < 3; ++c)
    for (int u = 0; u < 2; ++u) {
      const double m = be * g.m[0](c, u), s = std::sqrt((be * be + al * al) * g.q[0](u, u)), z = m / s;
      const double Phi = 0.5 * std::erfc(-z / std::sqrt(2.0)), phi = std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
      CAPTURE(c);
      CAPTURE(u);
      CHECK(std::abs(A.c[static_cast<std::size_t>(c)].s[u] - (m * Phi + s * phi)) < 1e-13);
      CHECK(std::abs(A.c[static_cast<std::size_t>(c)].d1[u] - Phi) < 1e-13);
      CHECK(std::abs(A.c[static_cast<std::size_t>(c)].ss(u, u) - ((m * m + s * s) * Phi + m * s * phi)) < 1e-12);
    }
  // The δ term E[δ(ω_γ) a_γ] is not small here, and the probe form of L (which contains it) equals the direct
  // form (which has no σ''): a test of the δ term, on both routes.
  CHECK(A.c[0].d2a.cwiseAbs().maxCoeff() > 0.03);
  CHECK((sgd_L_direct(P, g) - sgd_L_probe(P, g)).cwiseAbs().maxCoeff() < 1e-11);
  SgdParams T = P;
  T.quadrature = Quadrature::tensor;
  const SgdDrift a = sgd_drift(P, g), b = sgd_drift(T, g);
  CHECK((a.dm[0] - b.dm[0]).cwiseAbs().maxCoeff() < 1e-11);
  CHECK((a.dq[0] - b.dq[0]).cwiseAbs().maxCoeff() < 1e-11);
  // A correlated state (tensor route, conditional δ term over the other unit).
  g.q = {(Eigen::MatrixXd(2, 2) << 1.2, 0.3, 0.3, 0.8).finished()};
  REQUIRE_FALSE(sgd_averages(P, g).factorised);
  CHECK((sgd_L_direct(P, g) - sgd_L_probe(P, g)).cwiseAbs().maxCoeff() < 1e-11);
  // Along the trajectory (ReLU breaks the tanh symmetry: Q₁₂ ≠ 0, M₁₂ ≠ 0, but M₃· = −M₁· stays).
  const SgdState h = integrate_sgd(P, informed_start(P), 0, 1, 0, Scheme::rk8pd, 1e-10);
  CHECK((sgd_L_direct(P, h) - sgd_L_probe(P, h)).cwiseAbs().maxCoeff() < 1e-10);
  CHECK((h.M().row(2) + h.M().row(0)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(std::abs(h.Q()(0, 1)) > 0.1);
}

TEST_CASE("bad clusters input names the field") {
  auto violations = [](const Json& j) {
    try {
      (void)sgd_problem_from_json(j, Json::object());
    } catch (const InputError& e) {
      return e.violations;
    }
    return std::vector<std::string>{};
  };
  CHECK(violations({{"means_gram", {{1, 2}, {2, 1}}}, {"pi", {0.5, 0.5}}}).at(0).rfind("means_gram: smallest eigenvalue", 0) == 0);
  CHECK(violations({{"means_gram", {{1, 0}, {0, 1}}}}).at(0) == "means_gram: 2x2: allowed K x K = 3x3 (K from pi)");
  CHECK(violations({{"r", 7}}).at(0) == "r: 7: allowed integers in [1, 4]");
  CHECK(violations({{"pi", {0.5, 0.6, -0.1}}}).at(0) == "pi: -0.1: allowed weights >= 0");
  CHECK(violations({{"M0", {{1, 2, 3}}}}).at(0) == "M0: 1x3: allowed K x r = 3x2");
  CHECK(violations({{"means_gram", {{1, 0}, {0}}}}).at(0).rfind("means_gram: row 1 has 1 entries", 0) == 0);
  CHECK(violations({{"spectrum", {1, 2}}}).at(0).rfind("spectrum: 2 eigenvalues, 1 fractions, 1 Gram blocks", 0) == 0);
}

// The online-SGD ODEs of the clusters module against the brief's check values
// (online-sgd-ae-diffusion.md §10.1–10.3, §10.5) and their own identities.
#include <doctest/doctest.h>

#include <cmath>

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

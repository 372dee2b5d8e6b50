// Phase 2 of the two-mode mixture against the brief's check values (§6.2) and closed-form limits (§6.3).
#include <doctest/doctest.h>

#include <cmath>

#include "hdflow/core/status.hpp"
#include "hdflow/twomode/phase2.hpp"

using namespace hdflow;
using namespace hdflow::twomode;

namespace {
struct Table2 {
  int n, k;
  double lambda, sigma;
  double vals[7][3];  // c, m, q_eta, q_xi, q, train, test at t = 1.25, 1.5, 1.9
};
const Table2 tables[] = {
    {8, 0, 0.1, 1.0,
     {{0.3595505618, 0.9411764706, 1.0958904110}, {0.8988764045, 0.5228758170, 0.0135295112},
      {0.1123595506, 0.0653594771, 0.0016911889}, {0, 0, 0}, {0.9089761394, 0.3075740100, 0.0002059286},
      {0.7976265623, 0.4667435602, 0.0121739860}, {1.0021461937, 0.5359477124, 0.0122203200}}},
    {8, 1, 0.1, 1.0,
     {{0.4050632911, 1.0069930070, 1.0977469084}, {0.8876386935, 0.4903738237, 0.0118792913},
      {0.1109548367, 0.0612967280, 0.0014849114}, {-0.0375058603, -0.0621600622, -0.0135524310},
      {0.8976437730, 0.3014357845, 0.0016281043}, {0.7876542770, 0.4375684940, 0.0106710109},
      {1.0098804556, 0.5610313215, 0.0136821591}}},
    {128, 0, 0.1, 1.0,
     {{0.3974689477, 0.9964747356, 1.0974662794}, {0.8999296930, 0.5013709362, 0.0122707620},
      {0.0070307007, 0.0039169604, 0.0000958653}, {0, 0, 0}, {0.8162005887, 0.2533366657, 0.0001517479},
      {0.8936674757, 0.4980394485, 0.0121939512}, {0.9063316345, 0.5019702173, 0.0121963057}}},
    {128, 1, 0.1, 1.0,
     {{0.4002832193, 1.0003932363, 1.0975714984}, {0.8992266743, 0.4994132153, 0.0121761388},
      {0.0070252084, 0.0039016657, 0.0000951261}, {-0.0023435786, -0.0039047355, -0.0008568084},
      {0.8156288888, 0.2533137138, 0.0002433841}, {0.8929692976, 0.4960939813, 0.0120998478},
      {0.9070208206, 0.5039003838, 0.0122902478}}},
    {20, 0, 0.3, 1.5,
     {{0.7724412057, 1.3658727060, 1.1047788828}, {0.7949652203, 0.3123779774, 0.0056147837},
      {0.0596223915, 0.0234283483, 0.0004211088}, {0, 0, 0}, {0.7030662929, 0.1085577508, 0.0000350724},
      {1.7274467184, 0.6813079867, 0.0122747948}, {1.8717727990, 0.7035928194, 0.0122819945}}},
    {20, 1, 0.3, 1.5,
     {{0.8044153156, 1.3875446251, 1.1050891246}, {0.7870898237, 0.3017021551, 0.0053396925},
      {0.0590317368, 0.0226276616, 0.0004004769}, {-0.0297197777, -0.0341759760, -0.0054437888},
      {0.7068706133, 0.1246243585, 0.0006244167}, {1.7101720679, 0.6577269712, 0.0116645364},
      {1.8875133199, 0.7259353125, 0.0128742222}}},
};
}  // namespace

TEST_CASE("phase 2: brief check values §6.2 to 1e-10 (n = 8, 128, 20; k = inf and 1)") {
  const double ts[3] = {1.25, 1.5, 1.9};
  for (const auto& T : tables) {
    for (int j = 0; j < 3; ++j) {
      Phase2Params P;
      P.n = T.n;
      P.k = T.k;
      P.lambda = T.lambda;
      P.sigma = T.sigma;
      P.t = ts[j];
      const Phase2Solution s = solve_phase2(P);
      const double got[7] = {s.c, s.m, s.q_eta, s.q_xi, s.q, s.mse_train, s.mse_test};
      CAPTURE(T.n);
      CAPTURE(T.k);
      CAPTURE(ts[j]);
      for (int q = 0; q < 7; ++q) {
        CAPTURE(q);
        CHECK(std::abs(got[q] - T.vals[q][j]) < 1e-10);
      }
    }
  }
  // K values printed with the tables.
  CHECK(std::abs(solve_phase2_tau(0.5, 1.0, 0.1, 8, 0).K - 0.8888888889) < 1e-10);
  CHECK(std::abs(solve_phase2_tau(0.5, 1.5, 0.3, 20, 0).K - 2.1539408867) < 1e-10);
  CHECK(std::abs(solve_phase2_tau(0.5, 1.0, 0.1, 8, 1).rho_k - 0.8765432099) < 1e-10);
  // Misprint illustration (brief §3.3): n = 8, λ = 0.1, σ = 1, τ = 0.5: c = 1.0069930070 (k = 1), 0.9411764706 (k = ∞).
  CHECK(std::abs(solve_phase2_tau(0.5, 1.0, 0.1, 8, 1).c - 1.0069930070) < 1e-10);
  CHECK(std::abs(solve_phase2_tau(0.5, 1.0, 0.1, 8, 0).c - 0.9411764706) < 1e-10);
}

TEST_CASE("phase 2 limits: n -> inf (Corollary 3 corrected), lambda -> 0 with k = 1, t -> 1+, t -> 2") {
  for (double tau : {0.25, 0.5, 0.9}) {
    const Phase2Solution big = solve_phase2_tau(tau, 1.0, 0.1, 1e9, 0);
    const Phase2Solution s = solve_phase2_tau(tau, 1.0, 0.1, 8, 0);
    CHECK(std::abs(big.c - s.c_n_inf) < 1e-8);
    CHECK(std::abs(big.m - s.m_n_inf) < 1e-8);
    CHECK(std::abs(big.mse_test - s.mse_n_inf) < 1e-8);
    CHECK(std::abs(big.mse_train - s.mse_n_inf) < 1e-8);
    // c* of eq. (9): βσ²/(α² + σ²β²)
    CHECK(std::abs(s.c_n_inf - tau / ((1 - tau) * (1 - tau) + tau * tau)) < 1e-15);
  }
  CHECK(std::abs(solve_phase2_tau(0.25, 1, 0.1, 8, 0).c_n_inf - 0.4) < 1e-15);
  CHECK(std::abs(solve_phase2_tau(0.9, 1, 0.1, 8, 0).c_n_inf - 1.0975609756) < 1e-10);
  CHECK(std::abs(solve_phase2_tau(0.9, 1, 0.1, 8, 0).mse_n_inf - 0.0121951220) < 1e-10);
  // λ → 0, k = 1: K/ρ₁ = σ² exactly, so c equals the n = ∞ value for every n.
  for (double n : {2.0, 8.0, 128.0}) {
    const Phase2Solution s = solve_phase2_tau(0.6, 1.3, 0.0, n, 1);
    CHECK(std::abs(s.c - s.c_n_inf) < 1e-14);
  }
  // λ = 0, k = ∞: K = (n − 1)σ²/n.
  CHECK(std::abs(solve_phase2_tau(0.5, 1.3, 0.0, 8, 0).K - 7.0 / 8 * 1.69) < 1e-14);
  // τ → 0: c → 0, m → n/(n + λ), q → n(n + σ²)/(n + λ)², test → 1 + σ² + q − 2m.
  const Phase2Solution z = solve_phase2_tau(0.0, 1.0, 0.1, 8, 0);
  CHECK(z.c == 0.0);
  CHECK(std::abs(z.m - 8 / 8.1) < 1e-15);
  CHECK(std::abs(z.q - 8 * 9 / (8.1 * 8.1)) < 1e-14);
  CHECK(std::abs(z.mse_test - (2 + z.q - 2 * z.m)) < 1e-14);
  // τ → 1: c → 1, m, q and both MSEs → 0.
  const Phase2Solution e = solve_phase2_tau(1.0, 1.0, 0.1, 8, 1);
  CHECK(std::abs(e.c - 1.0) < 1e-15);
  CHECK(std::abs(e.m) < 1e-15);
  CHECK(std::abs(e.mse_test) < 1e-14);
}

TEST_CASE("finite d uses tau_d(t), not t - 1; bad input is named") {
  Phase2Params P;
  P.d = 4000;
  P.kappa = 4;
  P.t = 1.25;
  const double a = 4 / std::sqrt(4000.0);
  CHECK(std::abs(P.tau() - (a + (1 - a) * 0.25)) < 1e-15);
  CHECK(std::abs(P.tau() - 0.25) > 0.04);  // the offset the brief warns about (0.063 · 0.75 + ...)
  P.t = 0.5;
  P.d = 10;
  const auto v = P.validate();
  REQUIRE(v.size() == 2);
  CHECK(v[0] == "t: 0.5: allowed [1, 2]");
  CHECK(v[1].rfind("d: 10: allowed d > kappa^2 = 16", 0) == 0);
}

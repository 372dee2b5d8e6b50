// Phase 1 of the two-mode mixture against the brief's check values (phase-aware-gmm.md §6.1, §6.3).
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "hdflow/twomode/phase1.hpp"
#include "hdflow/twomode/phase1_limit.hpp"

using namespace hdflow;
using namespace hdflow::twomode;

namespace {

struct CheckSet {
  const char* name;
  double n_plus, n_minus, p, sigma, kappa, lambda, ell;
  bool paper;
  // rows: quantity → values at t = 0.25, 0.5, 1
  std::map<std::string, std::vector<double>> q;
};

const std::vector<CheckSet>& check_sets() {
  static const std::vector<CheckSet> sets = {
      {"S1 full", 6, 2, 0.8, 1, 4, 0.1, 0.1, false,
       {{"omega", {0.8151549895, 0.9914565345, 0.5324013206}},
        {"b", {0.5864802232, 0.4819362058, 0.3303446546}},
        {"eps_plus", {0.0679295825, 0.0826213779, 0.0443667767}},
        {"eps_minus", {-0.2037887474, -0.2478641336, -0.1331003301}},
        {"r", {0.7752239331, 1.1468170698, 0.3306930272}},
        {"m", {1.0232550119, 1.0266892022, 1.0089720096}},
        {"q", {1.1921246132, 1.1860906979, 1.1452834231}},
        {"q_eta_plus", {0.1522246011, 0.1314894565, 0.1266148968}},
        {"q_eta_minus", {-0.0549537028, -0.1188762317, -0.1246413143}},
        {"mse_train", {1.2374698890, 0.9268934428, 0.8766863780}},
        {"mse_test", {1.4482111908, 1.1911888191, 1.1234479542}},
        {"F", {-2.9517530165, -4.1757808403, -4.4194556655}},
        {"c_sqrt_d", {0.8983976331, 1.7461012499, 3.5373204753}},
        {"F_triv", {-1.4814814815, -1.4814814815, -1.4814814815}}}},
      {"S1 paper ansatz", 6, 2, 0.8, 1, 4, 0.1, 0.1, true,
       {{"omega", {0.8323922364, 1.0928746328, 0.6254638422}},
        {"b", {0.5358406766, 0.3435464815, 0.1605433847}},
        {"r", {0.6928768352, 1.1943749630, 0.3912050179}},
        {"m", {1.0179435751, 1.0290672578, 1.0100535070}},
        {"q", {1.1854498918, 1.1917628552, 1.1477414351}},
        {"q_eta_plus", {0.1559037720, 0.1327716766, 0.1268096072}},
        {"q_eta_minus", {-0.0412604717, -0.1162185991, -0.1245979318}},
        {"mse_train", {1.2780437589, 0.9470632674, 0.8773417696}},
        {"mse_test", {1.4188572927, 1.1739705595, 1.1236912896}},
        {"F", {-2.7939086281, -4.0924400395, -4.4136855991}},
        {"c_sqrt_d", {0.9403856325, 1.7647972812, 3.5371537892}}}},
      {"S2 full", 102, 26, 0.8, 1, 4, 0.1, 0.1, false,
       {{"omega", {0.9780140994, 1.6830840917, 0.9319117835}},
        {"b", {0.6824930001, 0.6108776054, 0.2459897810}},
        {"eps_plus", {0.0047941868, 0.0082504122, 0.0045681950}},
        {"eps_minus", {-0.0188079635, -0.0323670018, -0.0179213805}},
        {"r", {0.9680531965, 2.8669533213, 0.8789387225}},
        {"m", {1.0033341506, 1.0067072113, 1.0036094796}},
        {"q", {1.0155721693, 1.0213924517, 1.0151010189}},
        {"q_eta_plus", {0.0092693932, 0.0080399701, 0.0078486117}},
        {"q_eta_minus", {-0.0022252323, -0.0071780868, -0.0078096570}},
        {"mse_train", {1.3206037091, 1.0445156203, 0.9926008447}},
        {"mse_test", {1.3348498143, 1.0618625925, 1.0082642401}},
        {"F", {-43.3821813521, -60.9565830102, -64.3788439517}},
        {"c_sqrt_d", {0.9931716740, 1.9777993863, 3.9649512397}},
        {"F_triv", {-23.0444964871, -23.0444964871, -23.0444964871}}}},
      {"S2 paper ansatz", 102, 26, 0.8, 1, 4, 0.1, 0.1, true,
       {{"omega", {0.9782510066, 1.6898568561, 0.9464384498}},
        {"b", {0.6756742538, 0.5889055428, 0.2211254694}},
        {"r", {0.9569750318, 2.8556161941, 0.8957457393}},
        {"m", {1.0032968987, 1.0066984318, 1.0036094714}},
        {"q", {1.0155211490, 1.0213754748, 1.0151010030}},
        {"mse_train", {1.3232064995, 1.0459758855, 0.9926184020}},
        {"mse_test", {1.3323108217, 1.0604205525, 1.0082221524}},
        {"F", {-43.2161592255, -60.8636937464, -64.3768799349}}}},
      {"S1b full", 6.4, 1.6, 0.8, 1, 4, 0.1, 0.1, false,
       {{"omega", {0.7957018815, 0.9557059632, 0.5132761581}},
        {"b", {0.7296463305, 0.6136631307, 0.4328792808}},
        {"eps_plus", {0.0621642095, 0.0746645284, 0.0400996999}},
        {"eps_minus", {-0.2486568380, -0.2986581135, -0.1603987994}},
        {"m", {1.0221117333, 1.0249302686, 1.0083745775}},
        {"mse_train", {1.1907298557, 0.9202890186, 0.8765715484}},
        {"mse_test", {1.4579553069, 1.1983926366, 1.1247723258}},
        {"F", {-3.1396739201, -4.2051503350, -4.4207718986}}}},
      {"S2b full", 102.4, 25.6, 0.8, 1, 4, 0.1, 0.1, false,
       {{"omega", {0.9778594352, 1.6817691822, 0.9308593764}},
        {"b", {0.6921352547, 0.6193368704, 0.2495760091}},
        {"q", {1.0155569244, 1.0213658258, 1.0150941149}},
        {"mse_test", {1.3349020989, 1.0618940073, 1.0082663816}},
        {"F", {-43.5620837030, -60.9807724199, -64.3790260200}},
        {"c_sqrt_d", {0.9931708128, 1.9778076822, 3.9649630904}}}},
      {"S3 full", 13, 7, 0.7, 1.5, 2, 0.3, 0.05, false,
       {{"omega", {0.5877235863, 1.0153448862, 1.4561028893}},
        {"b", {0.5249063417, 0.3886067872, 0.3467707248}},
        {"eps_plus", {0.0339071300, 0.0585775896, 0.0840059359}},
        {"eps_minus", {-0.0629703843, -0.1087869521, -0.1560110239}},
        {"r", {0.3881219140, 1.1583747866, 2.3823526656}},
        {"m", {0.8125278303, 0.9694387984, 0.9988746661}},
        {"q", {0.8161384055, 1.0506529220, 1.1100432897}},
        {"q_eta_plus", {0.1078293865, 0.0844401378, 0.0760254184}},
        {"q_eta_minus", {0.0261414685, -0.0509194867, -0.0728545085}},
        {"mse_train", {2.9099616564, 2.5646701836, 2.1933450986}},
        {"mse_test", {3.0141002450, 2.7481182666, 2.4314784213}},
        {"F", {-3.2682596277, -6.6667408556, -10.3404837038}},
        {"c_sqrt_d", {1.1461128586, 2.1697104511, 4.2937065213}},
        {"F_triv", {-1.9950738916, -1.9950738916, -1.9950738916}}}},
      {"S3 paper ansatz", 13, 7, 0.7, 1.5, 2, 0.3, 0.05, true,
       {{"omega", {0.5968607936, 1.0274255196, 1.5441467761}},
        {"b", {0.5351244918, 0.3597511932, 0.2521455974}},
        {"m", {0.7884300320, 0.9633607228, 0.9986715823}},
        {"mse_train", {2.9267701173, 2.6021109824, 2.2110692938}},
        {"mse_test", {3.0053475672, 2.7165235629, 2.4156073447}},
        {"F", {-3.1054833793, -6.2966006451, -10.1632539838}},
        {"c_sqrt_d", {1.1780843673, 2.2152281004, 4.3109208674}}}},
  };
  return sets;
}

double get(const Phase1Overlaps& o, const std::string& k) {
  if (k == "omega") return o.omega;
  if (k == "b") return o.b;
  if (k == "eps_plus") return o.eps_plus;
  if (k == "eps_minus") return o.eps_minus;
  if (k == "r") return o.r;
  if (k == "m") return o.m;
  if (k == "q") return o.q;
  if (k == "q_eta_plus") return o.q_eta_plus;
  if (k == "q_eta_minus") return o.q_eta_minus;
  if (k == "mse_train") return o.mse_train;
  if (k == "mse_test") return o.mse_test;
  if (k == "F") return o.F;
  if (k == "c_sqrt_d") return o.c_sqrt_d;
  if (k == "F_triv") return o.F_triv;
  FAIL("unknown quantity " << k);
  return 0;
}

Phase1Params params_of(const CheckSet& s, double t) {
  Phase1Params P;
  P.n = static_cast<int>(std::lround(s.n_plus + s.n_minus));
  P.n_plus = s.n_plus;
  P.p = s.p;
  P.sigma = s.sigma;
  P.kappa = s.kappa;
  P.lambda = s.lambda;
  P.ell = s.ell;
  P.t = t;
  P.paper_ansatz = s.paper;
  return P;
}

}  // namespace

TEST_CASE("phase 1: brief check values §6.1 to 1e-8 (full solution and the paper's ansatz)") {
  const double ts[3] = {0.25, 0.5, 1.0};
  for (const auto& set : check_sets()) {
    for (int k = 0; k < 3; ++k) {
      const Phase1Solution sol = solve_phase1(params_of(set, ts[k]), Phase1Options{});
      const std::string set_name = set.name;
      CAPTURE(set_name);
      CAPTURE(ts[k]);
      CHECK(sol.branch == "learned");
      CHECK(sol.report.status == Status::converged);
      CHECK(sol.grad_norm < 1e-10);
      for (const auto& [name, vals] : set.q) {
        CAPTURE(name);
        CHECK(std::abs(get(sol.overlaps, name) - vals[static_cast<std::size_t>(k)]) < 1e-8);
      }
    }
  }
}

TEST_CASE("Corollary 1 closed form and the n -> inf MSE (brief §6.3)") {
  const double kts[3] = {1, 2, 4};
  const double mse[3] = {1.326349208079, 1.052670493158, 1.000077544587};
  for (int i = 0; i < 3; ++i) {
    Phase1LimitParams P;
    P.kappa = 4;
    P.t = kts[i] / 4;
    const Phase1Limit L = solve_phase1_limit(P);
    CAPTURE(kts[i]);
    CHECK(std::abs(L.mse_test - mse[i]) < 1e-11);
    CHECK(std::abs(L.E_s_phi - L.E_phi2) < 1e-12);  // posterior-mean identity E[sφ] = E[φ²]
    CHECK(L.omega == kts[i]);
    CHECK(L.r == kts[i] * kts[i]);
    CHECK(L.b == doctest::Approx(std::atanh(0.6)).epsilon(1e-15));
  }
}

TEST_CASE("the n -> inf limit of Result 1 approaches Corollary 1 (kappa t <= 2, brief §2.5)") {
  // (n₊, n₋) = (8·10⁴, 2·10⁴), λ = ℓ = 0.1: the brief measured ω = 0.99997, b = 0.693145 at κt = 1,
  // ω = 1.99927 at κt = 2, and a test MSE within 2e−5 of Corollary 2's limit.
  for (double kt : {1.0, 2.0}) {
    Phase1Params P;
    P.n = 100000;
    P.n_plus = 80000;
    P.t = kt / 4;
    const auto sol = solve_phase1(P, Phase1Options{});
    Phase1LimitParams L;
    L.t = kt / 4;
    const auto lim = solve_phase1_limit(L);
    CAPTURE(kt);
    CHECK(sol.branch == "learned");
    CHECK(sol.report.status == Status::converged);
    CHECK(std::abs(sol.overlaps.omega - lim.omega) < 1e-3);
    CHECK(std::abs(sol.overlaps.b - lim.b) < 3e-4);  // O(1/n) approach; 2e−6 at κt = 1
    CHECK(std::abs(sol.overlaps.m - 1.0) < 1e-4);
    CHECK(std::abs(sol.overlaps.q - 1.0) < 1e-4);
    CHECK(std::abs(sol.overlaps.mse_test - lim.mse_test) < 2e-5);
    CHECK(std::abs(sol.overlaps.mse_train - lim.mse_train) < 2e-4);
    CHECK(std::abs(sol.overlaps.eps_plus) < 1e-4);
  }
}

TEST_CASE("trivial branch below the learning threshold (brief §2.3, §6.3)") {
  struct Case { double np, nm, t, m, q, train, test; };
  for (const Case c : {Case{6, 2, 0.01, 0.493827160494, 0.365797896662, 1.625057155921, 1.773205304070},
                       Case{102, 26, 0.001, 0.593286494926, 0.359789172320, 1.639648657098, 1.647845378409}}) {
    Phase1Params P;
    P.n = static_cast<int>(c.np + c.nm);
    P.n_plus = c.np;
    P.t = c.t;
    const auto sol = solve_phase1(P, Phase1Options{});
    CHECK(sol.branch == "trivial");
    CHECK(sol.report.status == Status::converged);
    CHECK(sol.overlaps.b_infinite);
    CHECK(sol.overlaps.b > 0);
    CHECK(std::abs(sol.overlaps.m - c.m) < 1e-11);
    CHECK(std::abs(sol.overlaps.q - c.q) < 1e-11);
    CHECK(std::abs(sol.overlaps.mse_train - c.train) < 1e-11);
    CHECK(std::abs(sol.overlaps.mse_test - c.test) < 1e-11);
  }
  // The threshold κt_c ≈ 0.065 for (6, 2): learned just above, trivial just below.
  Phase1Params P;
  P.n = 8;
  P.n_plus = 6;
  P.t = 0.068 / 4;
  CHECK(solve_phase1(P, Phase1Options{}).branch == "learned");
  P.t = 0.062 / 4;
  CHECK(solve_phase1(P, Phase1Options{}).branch == "trivial");
}

TEST_CASE("identities at the solution: n+eps+ + n-eps- = 0; Corollary 2 unreduced = reduced") {
  gauss::TanhLineQuadrature quad({1e-14});
  for (const auto& set : check_sets()) {
    if (set.paper) continue;
    for (double t : {0.3, 0.7}) {
      const Phase1Params P = params_of(set, t);
      const auto sol = solve_phase1(P, Phase1Options{});
      REQUIRE(sol.branch == "learned");
      const auto& o = sol.overlaps;
      const double np = P.n_plus_resolved(), nm = P.n_minus_resolved(), n = np + nm;
      CHECK(std::abs(np * o.eps_plus + nm * o.eps_minus) < 1e-10);
      // Unreduced train MSE: 1 + σ² + q Ā − 2(m \overline{sg} + σ \overline{g q_η}) (brief §2.6).
      const Phase1Eval e = evaluate_phase1(P, sol.state, quad);
      const double Abar = (np * e.plus.A + nm * e.minus.A) / n;
      const double sgbar = (np * e.plus.g - nm * e.minus.g) / n;
      const double gqbar = (np * e.plus.g * o.q_eta_plus + nm * e.minus.g * o.q_eta_minus) / n;
      const double s2 = P.sigma * P.sigma;
      CHECK(std::abs(1 + s2 + o.q * Abar - 2 * (o.m * sgbar + P.sigma * gqbar) - o.mse_train) < 1e-12);
      // q = m² + n₊(q_η⁺)² + n₋(q_η⁻)² (R1.5 corrected)
      CHECK(std::abs(o.m * o.m + np * o.q_eta_plus * o.q_eta_plus + nm * o.q_eta_minus * o.q_eta_minus - o.q) < 1e-12);
    }
  }
  // Reduced test MSE (ε = 0, p̄ = p): the paper ansatz at n₊ = p n.
  Phase1Params P;
  P.n = 128;
  P.n_plus = 102.4;
  P.paper_ansatz = true;
  P.t = 0.4;
  const auto sol = solve_phase1(P, Phase1Options{});
  const Phase1Eval e = evaluate_phase1(P, sol.state, quad);
  const double n = 128, p = 0.8, lam = P.lambda;
  const double Abar = p * e.plus.A + (1 - p) * e.minus.A;
  const double sg = p * e.plus.g - (1 - p) * e.minus.g;
  const double g2 = p * e.plus.g * e.plus.g + (1 - p) * e.minus.g * e.minus.g;
  const double reduced = 2.0 - n * (sg * sg * (2 * lam + n * Abar) - g2 * Abar) / ((lam + n * Abar) * (lam + n * Abar));
  CHECK(std::abs(reduced - sol.overlaps.mse_test) < 1e-12);
}

TEST_CASE("gradient of F matches finite differences (the stationarity equations are F's)") {
  gauss::TanhLineQuadrature quad({1e-15});
  Phase1Params P;
  P.n = 20;
  P.n_plus = 13;
  P.sigma = 1.5;
  P.kappa = 2;
  P.t = 0.6;
  const Phase1State s{0.7, 0.3, 0.05, -0.09};
  const Phase1Eval e = evaluate_phase1(P, s, quad);
  const double h = 1e-6;
  for (int k = 0; k < 4; ++k) {
    Phase1State a = s, b = s;
    double* pa[4] = {&a.omega, &a.b, &a.eps_plus, &a.eps_minus};
    double* pb[4] = {&b.omega, &b.b, &b.eps_plus, &b.eps_minus};
    *pa[k] += h;
    *pb[k] -= h;
    const double fd = (evaluate_phase1(P, a, quad).F - evaluate_phase1(P, b, quad).F) / (2 * h);
    CAPTURE(k);
    CHECK(std::abs(fd - e.grad[k]) < 1e-8);
  }
}

TEST_CASE("warm starts reproduce cold solutions; non-convergence is a status, not NaN") {
  Phase1Params P;
  P.n = 8;
  P.n_plus = 6;
  P.t = 0.5;
  const auto cold = solve_phase1(P, Phase1Options{});
  Eigen::VectorXd warm(4);
  warm << 0.9, 0.5, 0.07, -0.2;
  const auto w = solve_phase1(P, Phase1Options{}, &warm);
  CHECK(std::abs(w.overlaps.omega - cold.overlaps.omega) < 1e-10);
  CHECK(std::abs(w.overlaps.b - cold.overlaps.b) < 1e-10);
  Phase1Options o;
  o.fixed_point.max_iterations = 1;
  o.fixed_point.tolerance = 1e-16;
  o.newton_polish = false;
  P.t = 1.0;
  const auto bad = solve_phase1(P, o);
  CHECK(bad.report.status != Status::converged);
  CHECK(std::isfinite(bad.overlaps.omega));
  CHECK(std::isfinite(bad.overlaps.mse_test));
}

TEST_CASE("bad parameters name the field and the allowed range") {
  Phase1Params P;
  P.n = 8;
  P.n_plus = 9;
  P.p = 1.5;
  const auto v = P.validate();
  REQUIRE(v.size() == 2);
  CHECK(v[0] == "p: 1.5: allowed (0, 1)");
  CHECK(v[1] == "n_plus: 9: allowed range [0, n] = [0, 8]");
  CHECK_THROWS_AS(solve_phase1(P, Phase1Options{}), InputError);
}

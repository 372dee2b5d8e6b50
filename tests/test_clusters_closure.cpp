// The retraining closure of the clusters model (brief online-sgd-ae-diffusion.md §7.2; check values §7.5, §10.5;
// equations/clusters-closure.md).
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "hdflow/clusters/averages.hpp"
#include "hdflow/clusters/closure.hpp"
#include "hdflow/core/gauss.hpp"

using namespace hdflow;
using namespace hdflow::clusters;

namespace {

SgdState target_trained(const SgdParams& P, double tau) {
  return integrate_sgd_path(P, informed_start(P), 0.0, {tau}, 1e-10).back();
}

ParentLaw law_after(const SgdParams& P, double parent_tau, int outer) {
  ClosureOptions o;
  o.outer = outer;
  return parent_law(P, target_trained(P, parent_tau), o);
}

// Closure columns R11; R22; Q11; Q22; b; M11; M22 of a brief §7.5 table.
struct Row {
  double tau, R11, R22, Q11, Q22, b, M11, M22;
};

double max_dev(const ChildState& s, const Row& e) {
  const double d[7] = {s.R(0, 0) - e.R11, s.R(1, 1) - e.R22, s.Q(0, 0) - e.Q11, s.Q(1, 1) - e.Q22,
                       s.b - e.b,         s.M(0, 0) - e.M11, s.M(1, 1) - e.M22};
  double m = 0;
  for (double x : d) m = std::max(m, std::abs(x));
  return m;
}

std::vector<ChildState> child_path(const SgdParams& P, const ParentLaw& L, const std::vector<Row>& rows) {
  std::vector<double> taus;
  for (const Row& r : rows) taus.push_back(r.tau);
  return integrate_child(P, L, child_start(P, L, false), taus, ClosureOptions{});
}

const std::vector<Row> kParent4 = {{0.5, 1.36092, 1.03546, 2.61935, 2.03779, 0.559734, 4.73009, 4.12561},
                                   {1, 1.53407, 1.15646, 3.28696, 2.50093, 0.880833, 5.32393, 4.59418},
                                   {2, 1.14175, 0.86092, 1.81496, 1.38048, 1.170705, 3.95889, 3.41399},
                                   {4, 0.51514, 0.40238, 0.38081, 0.31255, 1.297492, 1.78515, 1.59365}};
const std::vector<Row> kParent1 = {{0.5, 1.70041, 0.97481, 1.58602, 0.86552, 0.005761, 3.73554, 2.74268},
                                   {1, 2.34996, 1.39236, 3.02538, 1.75836, 0.011246, 5.14851, 3.88753},
                                   {2, 2.90207, 1.70870, 4.61228, 2.64434, 0.021440, 6.34868, 4.74919},
                                   {4, 3.11897, 1.80658, 5.32715, 2.95529, 0.039055, 6.81957, 5.01162}};

}  // namespace

TEST_CASE("gauss::compress: the m-point rule integrates degree <= 2m-1 exactly; breakdown on a 3-point measure") {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> U(-1, 1);
  std::vector<double> x(3000), w(3000);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = std::sinh(3 * U(rng));  // wide, skewed support
    w[i] = std::exp(-x[i] * x[i] / 50);
  }
  const int m = 12;
  const gauss::Rule1D g = gauss::compress(x, w, m);
  REQUIRE(g.size() == static_cast<std::size_t>(m));
  for (int k = 0; k <= 2 * m - 1; ++k) {
    double exact = 0, got = 0, scale = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      exact += w[i] * std::pow(x[i], k);
      scale += w[i] * std::pow(std::abs(x[i]), k);
    }
    for (std::size_t i = 0; i < g.size(); ++i) got += g.weights[i] * std::pow(g.nodes[i], k);
    CAPTURE(k);
    CHECK(std::abs(got - exact) <= 1e-10 * scale);
  }
  const gauss::Rule1D three = gauss::compress({-1, 0.5, 2, 2}, {0.25, 0.25, 0.25, 0.25}, 8);
  REQUIRE(three.size() == 3);
  CHECK(three.nodes[2] == doctest::Approx(2).epsilon(1e-10));
  CHECK(three.weights[2] == doctest::Approx(0.5).epsilon(1e-10));
}

TEST_CASE("gauss::midpoint splits the mass of a jump at 0 evenly (the trapezoid rule puts h phi(0) on it)") {
  const double h = 24.0 / 20000;
  auto step_mass = [](const gauss::Rule1D& r) {
    double pos = 0;
    for (std::size_t i = 0; i < r.size(); ++i) pos += r.nodes[i] > 0 ? r.weights[i] : 0.0;
    return pos;
  };
  CHECK(step_mass(gauss::midpoint(h, 12.0)) == doctest::Approx(0.5).epsilon(1e-12));
  CHECK(0.5 - step_mass(gauss::trapezoid(h, 12.0)) == doctest::Approx(h / std::sqrt(2 * M_PI) / 2).epsilon(1e-6));
}

TEST_CASE("closure: parent tau = 1 (b < 1): brief §7.5 closure columns to 2e-5 (tolerance of §10.5: 1e-3)") {
  const SgdParams P = fig1_setting();
  const ParentLaw L = law_after(P, 1.0, 32);
  CHECK(L.vg == doctest::Approx(0.0168686078).epsilon(1e-8));  // v₁ of brief §7.4
  const auto path = child_path(P, L, kParent1);
  for (std::size_t i = 0; i < kParent1.size(); ++i) {
    CAPTURE(kParent1[i].tau);
    CHECK(max_dev(path[i], kParent1[i]) < 2e-5);
    CHECK(std::abs(path[i].R(0, 1)) < 1e-12);  // symmetry keeps R diagonal
  }
}

TEST_CASE("closure: parent tau = 4 (b > 1): the brief's table is the 20-node outer rule; converged values differ by up to 1.1e-2") {
  const SgdParams P = fig1_setting();
  // The brief's §7.5 closure columns are reproduced to 2e-5 by a 20-node outer rule (its stated setting) ...
  const auto p20 = child_path(P, law_after(P, 4.0, 20), kParent4);
  for (std::size_t i = 0; i < kParent4.size(); ++i) {
    CAPTURE(kParent4[i].tau);
    CHECK(max_dev(p20[i], kParent4[i]) < 2e-5);
  }
  // ... which is not converged for this wide law (b_g = 1.088): 64 and 96 nodes agree to 1e-6, and differ from
  // the table by up to 1.1e-2 (Q11 at child tau = 1: 3.295279 instead of 3.28696). equations/clusters-closure.md §5.
  const auto p64 = child_path(P, law_after(P, 4.0, 64), kParent4);
  const auto p96 = child_path(P, law_after(P, 4.0, 96), {kParent4[0], kParent4[1]});
  for (std::size_t i = 0; i < p96.size(); ++i) {
    const ChildState &a = p64[i], &b = p96[i];
    CHECK((a.R - b.R).cwiseAbs().maxCoeff() < 1e-6);
    CHECK((a.Q - b.Q).cwiseAbs().maxCoeff() < 1e-6);
    CHECK((a.M - b.M).cwiseAbs().maxCoeff() < 1e-6);
  }
  double worst = 0;
  for (std::size_t i = 0; i < kParent4.size(); ++i) {
    const ChildState& a = p64[i];
    worst = std::max(worst, max_dev(a, kParent4[i]));
    MESSAGE("child tau " << kParent4[i].tau << ": converged - brief, max over R, Q, b, M: " << max_dev(a, kParent4[i]));
  }
  CHECK(p64[1].Q(0, 0) == doctest::Approx(3.295279).epsilon(2e-6));
  CHECK(p64[1].M(0, 0) == doctest::Approx(5.330633).epsilon(2e-6));
  CHECK(p64[1].R(0, 0) == doctest::Approx(1.536020).epsilon(2e-6));
  CHECK(worst > 8e-3);
  CHECK(worst < 1.2e-2);
}

TEST_CASE("closure: the compressed outer rule = the dense pushforward measure (drift at a trained child state, 2e-5)") {
  const SgdParams P = fig1_setting();
  const SgdState parent = target_trained(P, 4.0);
  ClosureOptions o;
  o.outer = 64;
  const ParentLaw L = parent_law(P, parent, o);
  const ChildState s = integrate_child(P, L, child_start(P, L, false), {0.5}, o).back();
  // Dense: 800 midpoint nodes per unit in the whitened start (h = 0.03: ω = βR₁₁Z/Q_g varies on ~0.04 in ξ),
  // mapped, no compression (2.3e5 components).
  ParentLaw D = L;
  D.Z.clear();
  D.w.clear();
  const gauss::Rule1D& rule = gauss::midpoint(24.0 / 800, 12.0);
  std::vector<double> z1, z2;
  for (double xi : rule.nodes) {
    z1.push_back(latent_map_unit(L.Qg(0, 0), L.bg, std::sqrt(L.Qg(0, 0)) * xi, o.sampler));
    z2.push_back(latent_map_unit(L.Qg(1, 1), L.bg, std::sqrt(L.Qg(1, 1)) * xi, o.sampler));
  }
  double total = 0;
  for (std::size_t i = 0; i < rule.size(); ++i)
    for (std::size_t j = 0; j < rule.size(); ++j) {
      const double w = rule.weights[i] * rule.weights[j];
      if (w < 1e-18) continue;
      D.Z.push_back(Eigen::Vector2d(z1[i], z2[j]));
      D.w.push_back(w);
      total += w;
    }
  for (double& w : D.w) w /= total;
  const ChildDrift a = child_drift(P, L, s, o), b = child_drift(P, D, s, o);
  CHECK((a.dR - b.dR).cwiseAbs().maxCoeff() < 2e-5);
  CHECK((a.dQ - b.dQ).cwiseAbs().maxCoeff() < 2e-5);
  CHECK((a.dM - b.dM).cwiseAbs().maxCoeff() < 2e-5);
}

TEST_CASE("closure: probe operator self-tests on the closure's law (generic non-diagonal state)") {
  SgdParams P = fig1_setting();
  ClosureOptions o;
  o.outer = 24;
  o.inner = 40;
  const ParentLaw L = law_after(P, 2.0, 24);
  ChildState s = child_start(P, L, false);
  s = integrate_child(P, L, s, {0.7}, o).back();
  s.R(0, 1) = 0.15;
  s.R(1, 0) = -0.1;
  s.Q(0, 1) = s.Q(1, 0) = 0.2;
  s.b = 0.3;
  // L direct = L probe (Gaussian integration by parts on λ¹ | Z ~ N(RQ_g⁻¹Z, Q̃), λ⁰ ~ N(0, Q))
  const auto [direct, probe] = child_L_forms(P, L, s, o);
  CHECK((direct - probe).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(direct.cwiseAbs().maxCoeff() > 0.05);
  // factorised (diagonal Ω) = tensor rule on a diagonal state
  ChildState sd = integrate_child(P, L, child_start(P, L, false), {0.7}, o).back();
  const ChildDrift f = child_drift(P, L, sd, o);
  P.quadrature = Quadrature::tensor;
  const ChildDrift t = child_drift(P, L, sd, o);
  CHECK((f.dR - t.dR).cwiseAbs().maxCoeff() < 1e-8);
  CHECK((f.dQ - t.dQ).cwiseAbs().maxCoeff() < 1e-8);
  CHECK((f.dM - t.dM).cwiseAbs().maxCoeff() < 1e-8);
}

TEST_CASE("closure: real-data fraction rho = 1 is clusters.sgd (M, Q, b) exactly; rho mixes the two sources linearly") {
  const SgdParams P = fig1_setting(60);
  const ParentLaw L = law_after(P, 2.0, 24);
  ClosureOptions o;
  o.rho = 1;
  ChildState s = child_start(P, L, false);
  s = integrate_child(P, L, s, {0.8}, o).back();  // a state off the symmetric manifold is not needed: any state
  const ChildDrift c = child_drift(P, L, s, o);
  const SgdDrift g = sgd_drift(P, s.sgd());
  CHECK((c.dM - g.dm[0]).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((c.dQ - g.dq[0]).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(c.db == doctest::Approx(g.db).epsilon(1e-14));
  // drift(ρ) = ρ drift(1) + (1 − ρ) drift(0) (weight decay is linear too)
  ClosureOptions o0 = o, oh = o;
  o0.rho = 0;
  oh.rho = 0.3;
  const ChildDrift d0 = child_drift(P, L, s, o0), dh = child_drift(P, L, s, oh);
  CHECK((dh.dR - (0.3 * c.dR + 0.7 * d0.dR)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((dh.dQ - (0.3 * c.dQ + 0.7 * d0.dQ)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((dh.dM - (0.3 * c.dM + 0.7 * d0.dM)).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("closure: three-generation chains A and B of brief §7.5 (tolerance 2e-3, relative for the moments)") {
  const SgdParams P = fig1_setting();
  GenerateOptions gen;
  struct Gen {
    double M11, M22, Q11, Q22, b, A, y1, y2, v1, v2;
  };
  auto run = [&](double tau1, const std::vector<Gen>& expect) {
    SgdState st = target_trained(P, tau1);
    for (std::size_t g = 0; g < expect.size(); ++g) {
      if (g > 0) {
        ClosureOptions o;
        o.outer = st.b < 0.7 ? 32 : st.b < 0.9 ? 48 : 64;
        const ParentLaw L = parent_law(P, st, o);
        st = integrate_child(P, L, child_start(P, L, false), {4.0}, o).back().sgd();
      }
      const ProjectedLaw law = projected_law(P, st, gen);
      const Eigen::MatrixXd M = st.M(), Q = st.Q();
      const Gen& e = expect[g];
      CAPTURE(tau1);
      CAPTURE(g + 1);
      CHECK(std::abs(M(0, 0) - e.M11) < 2e-3);
      CHECK(std::abs(M(1, 1) - e.M22) < 2e-3);
      CHECK(std::abs(Q(0, 0) - e.Q11) < 2e-3);
      CHECK(std::abs(Q(1, 1) - e.Q22) < 2e-3);
      CHECK(std::abs(st.b - e.b) < 1e-6);
      CHECK(law.amplitude == doctest::Approx(e.A).epsilon(1e-5));
      CHECK(law.abs_mean[0] == doctest::Approx(e.y1).epsilon(2e-3));
      CHECK(law.abs_mean[1] == doctest::Approx(e.y2).epsilon(2e-3));
      CHECK(law.var[0] == doctest::Approx(e.v1).epsilon(2e-3));
      CHECK(law.var[1] == doctest::Approx(e.v2).epsilon(2e-3));
    }
  };
  run(4.0, {{2.528023, 2.172670, 0.729732, 0.548986, 1.088291, 1.443796, 4.512613, 3.786013, 23.16006, 17.14711},
            {1.785147, 1.593650, 0.380813, 0.312552, 1.297492, 3.384609, 5.838068, 5.294978, 43.97905, 37.43000},
            {0.41800, 0.39687, 0.04018, 0.03907, 1.406028, 5.21672, 4.45899, 4.43022, 31.1075, 30.7284}});
  run(1.0, {{3.993706, 3.064653, 1.826674, 1.105109, 0.531157, 0.129879, 2.457603, 1.669719, 6.10943, 2.97062},
            {6.819569, 5.011621, 5.327147, 2.955292, 0.039055, 0.012226, 2.343203, 1.706692, 5.49140, 2.91485},
            {6.64838, 5.09209, 5.06234, 3.04936, 0.000351, 0.010018, 2.199585, 1.670674, 4.83886, 2.79271}});
}

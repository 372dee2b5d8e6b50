// retrain.clusters theory: the bulk-variance map and the critical sample size (brief online-sgd-ae-diffusion.md
// §6.2, §7.3–7.4, §10.1).
#include <doctest/doctest.h>

#include <cmath>

#include "hdflow/retrain/clusters.hpp"

using namespace hdflow::retrain;
using doctest::Approx;

TEST_CASE("retrain.clusters: brief §10.1 closed forms: b(tau), A_100(b), tau_c, n_c, F'(1) (rel 1e-12 / 1e-4)") {
  const double taus[] = {0.5, 1, 1.5, 2, 3, 4};
  const double bs[] = {0.303819832233, 0.531157143800, 0.701265371598, 0.828551161004, 0.995061585462, 1.088290500133};
  const double As[] = {0.045127043375, 0.129879204711, 0.277696250396, 0.483061210694, 0.979525745999, 1.443796163074};
  const double Ex[] = {0.040517222325, 0.115428828400, 0.252656655648, 0.454048580224, 0.977514416010, 1.501692460303};
  for (int i = 0; i < 6; ++i) {
    const double b = skip_after(0.7, 1.0, taus[i]);
    // printed with 12 decimals: the brief's "1e-12 relative" is an absolute 5e-13 rounding for values < 1
    CHECK(std::abs(b - bs[i]) < 1e-12);
    CHECK(std::abs(bulk_amplitude(b, 100, false) - As[i]) < 1e-12);
    CHECK(std::abs(bulk_amplitude(b, 100, true) - Ex[i]) < 1e-12);
  }
  CHECK(bulk_amplitude(0, 100, false) == Approx(0.01).scale(0).epsilon(1e-13));
  CHECK(bulk_amplitude(1, 100, false) == Approx(1).scale(0).epsilon(1e-13));
  CHECK(bulk_amplitude(0.5, 100, false) == Approx(0.112696958019).scale(0).epsilon(1e-11));
  CHECK(bulk_amplitude(1.2, 100, false) == Approx(2.282528398420).scale(0).epsilon(1e-11));
  CHECK(bulk_amplitude(0.5, 1000, false) == Approx(0.035678022292).scale(0).epsilon(1e-11));
  CHECK(bulk_amplitude(0.5, 200000, false) == Approx(std::exp(std::lgamma(200000.5) - std::lgamma(1.5) - std::lgamma(200001.0))).scale(0).epsilon(1e-12));
  ClustersChain c;  // Fig. 1: t = 0.7, eta = 0.1, d = 2000, T = 100, Euler
  CHECK(critical_tau(c) == Approx(3.040669986658).scale(0).epsilon(1e-11));
  CHECK(c.n_of_tau(critical_tau(c)) == Approx(30406.70).scale(0).epsilon(1e-6));
  const double kappa = 0.09 + 0.49, bstar = 0.7 / kappa;
  CHECK(critical_tau(c) == Approx(std::log(bstar / (bstar - 1)) / kappa).scale(0).epsilon(1e-12));
  CHECK(bulk_map_slope(c, critical_tau(c), 1.0) == Approx(3.8811).scale(0).epsilon(3e-5));
  // the slope agrees with a centred difference
  const double h = 1e-6;
  CHECK(bulk_map_slope(c, 2.0, 0.3) == Approx((bulk_map(c, 2.0, 0.3 + h) - bulk_map(c, 2.0, 0.3 - h)) / (2 * h)).scale(0).epsilon(1e-7));
  ClustersChain e = c;
  e.exact_flow = true;
  CHECK(critical_tau(e) == Approx(critical_tau(c)).scale(0).epsilon(1e-12));  // A(1) = 1 for either sampler
}

TEST_CASE("retrain.clusters: brief §7.4 sequences and fixed points of the bulk map (rel 1e-8)") {
  ClustersChain c;
  const auto s1 = bulk_sequence(c, 1.0, 6);
  CHECK(s1[1] == Approx(0.0168686078).scale(0).epsilon(1e-8));
  CHECK(s1[2] == Approx(1.12327459e-4).scale(0).epsilon(1e-8));
  CHECK(s1[3] == Approx(1.0007789e-4).scale(0).epsilon(1e-7));
  CHECK(s1[4] == Approx(1.00069393e-4).scale(0).epsilon(1e-8));
  CHECK(bulk_limit(c, 1.0) == Approx(1.00069387e-4).scale(0).epsilon(1e-8));
  const auto s2 = bulk_sequence(c, 2.0, 4);
  CHECK(s2[1] == Approx(0.233348133).scale(0).epsilon(1e-8));
  CHECK(s2[2] == Approx(1.44742e-3).scale(0).epsilon(1e-5));
  CHECK(s2[3] == Approx(1.01936907e-4).scale(0).epsilon(1e-8));
  CHECK(s2[4] == Approx(1.0013532e-4).scale(0).epsilon(1e-7));
  const auto s3 = bulk_sequence(c, 3.0, 5);
  CHECK(s3[1] == Approx(0.959470687).scale(0).epsilon(1e-8));
  CHECK(s3[2] == Approx(0.815298074).scale(0).epsilon(1e-8));
  CHECK(s3[3] == Approx(0.42071145).scale(0).epsilon(1e-8));
  CHECK(s3[4] == Approx(0.0275394904).scale(0).epsilon(1e-8));
  CHECK(s3[5] == Approx(1.66671248e-4).scale(0).epsilon(1e-8));
  CHECK(bulk_limit(c, 3.0) == Approx(1.00191e-4).scale(0).epsilon(1e-5));
  const auto s4 = bulk_sequence(c, 4.0, 5);
  CHECK(s4[1] == Approx(2.08454736).scale(0).epsilon(1e-8));
  CHECK(s4[2] == Approx(11.4555759).scale(0).epsilon(1e-8));
  CHECK(s4[3] == Approx(27.2141653).scale(0).epsilon(1e-8));
  CHECK(s4[4] == Approx(30.1535095).scale(0).epsilon(1e-8));
  CHECK(s4[5] == Approx(30.3754442).scale(0).epsilon(1e-8));
  CHECK(bulk_limit(c, 4.0) == Approx(30.3916165).scale(0).epsilon(1e-8));
  const auto f4 = bulk_fixed_points(c, 4.0);
  REQUIRE(f4.size() == 3);
  CHECK(f4[0] == Approx(1.00244344e-4).scale(0).epsilon(1e-8));
  CHECK(f4[1] == Approx(0.755030312).scale(0).epsilon(1e-8));
  CHECK(f4[2] == Approx(30.3916165).scale(0).epsilon(1e-8));
  const auto f2 = bulk_fixed_points(c, 2.0);
  REQUIRE(f2.size() == 3);
  CHECK(f2[0] == Approx(1.00132924e-4).scale(0).epsilon(1e-8));
  CHECK(f2[1] == Approx(1.59071143).scale(0).epsilon(1e-8));
  CHECK(f2[2] == Approx(30.3916165).scale(0).epsilon(1e-8));
  CHECK(bulk_regime(c, 3.0) == "collapse");
  CHECK(bulk_regime(c, 3.1) == "inflation");
}

TEST_CASE("retrain.clusters: fresh data do not move the critical sample size, they bound the depth of the collapse") {
  ClustersChain c;
  const double tc = critical_tau(c);
  for (double rho : {0.1, 0.5, 0.9}) {
    CAPTURE(rho);
    ClustersChain r = c;
    r.rho = rho;
    CHECK(critical_tau(r) == Approx(tc).scale(0).epsilon(1e-12));
    CHECK(bulk_regime(r, 0.99 * tc) == "collapse");
    CHECK(bulk_regime(r, 1.01 * tc) == "inflation");
    // the collapsed bulk stays above the one-generation deflation A(b(tau; lambda))^2 scaled by rho ...
    CHECK(bulk_limit(r, 1.0) > bulk_limit(c, 1.0));
    // ... and the slope at the critical point is (1 − rho) times the pure-synthetic one
    CHECK(bulk_map_slope(r, tc, 1.0) == Approx((1 - rho) * bulk_map_slope(c, tc, 1.0)).scale(0).epsilon(1e-12));
  }
  // all fresh: v_g = F(lambda) for every g >= 1
  ClustersChain all = c;
  all.rho = 1;
  const auto s = bulk_sequence(all, 1.0, 4);
  CHECK(s[4] == Approx(s[1]).scale(0).epsilon(1e-15));
  CHECK(s[1] == Approx(0.0168686078).scale(0).epsilon(1e-8));
  // a target bulk variance other than 1: n_c then depends on T
  ClustersChain l = c;
  l.lambda_bar = 1.5;
  ClustersChain l2 = l;
  l2.T = 1000;
  CHECK(std::abs(critical_tau(l) - critical_tau(l2)) > 1e-3);
  CHECK(bulk_map(l, critical_tau(l), 1.5) == Approx(1.5).scale(0).epsilon(1e-12));
}

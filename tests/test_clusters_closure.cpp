// The retraining closure of the clusters model (brief online-sgd-ae-diffusion.md §7.2, check values §7.5, §10.5).
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "hdflow/clusters/closure.hpp"
#include "hdflow/core/gauss.hpp"

using namespace hdflow;
using namespace hdflow::clusters;

namespace {

SgdState target_trained(const SgdParams& P, double tau) {
  return integrate_sgd_path(P, informed_start(P), 0.0, {tau}, 1e-10).back();
}

// Closure columns R11; R22; Q11; Q22; b; M11; M22 of a brief §7.5 table.
struct Row {
  double tau, R11, R22, Q11, Q22, b, M11, M22;
};

void check_child_table(double parent_tau, const std::vector<Row>& rows, double tol) {
  const SgdParams P = fig1_setting();
  const ParentLaw L = parent_law(P, target_trained(P, parent_tau), ClosureOptions{});
  std::vector<double> taus;
  for (const Row& r : rows) taus.push_back(r.tau);
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = integrate_child(P, L, child_start(P, L, false), taus, ClosureOptions{});
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("parent tau " << parent_tau << ": " << L.Z.size() << " outer nodes, child to tau " << taus.back() << " in " << secs << " s");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ChildState& s = out[i];
    const Row& e = rows[i];
    CAPTURE(e.tau);
    std::printf("tau %.1f: R %.6f %.6f (%.5f %.5f) Q %.6f %.6f (%.5f %.5f) b %.7f (%.6f) M %.6f %.6f (%.5f %.5f) R12 %.1e\n",
                e.tau, s.R(0, 0), s.R(1, 1), e.R11, e.R22, s.Q(0, 0), s.Q(1, 1), e.Q11, e.Q22, s.b, e.b, s.M(0, 0), s.M(1, 1),
                e.M11, e.M22, s.R(0, 1));
    CHECK(std::abs(s.R(0, 0) - e.R11) < tol);
    CHECK(std::abs(s.R(1, 1) - e.R22) < tol);
    CHECK(std::abs(s.Q(0, 0) - e.Q11) < tol);
    CHECK(std::abs(s.Q(1, 1) - e.Q22) < tol);
    CHECK(std::abs(s.b - e.b) < tol);
    CHECK(std::abs(s.M(0, 0) - e.M11) < tol);
    CHECK(std::abs(s.M(1, 1) - e.M22) < tol);
  }
}

}  // namespace

TEST_CASE("closure: brief §7.5 generation-2 table, parent tau = 4 (tolerance 1e-3, §10.5)") {
  check_child_table(4.0, {{0.5, 1.36092, 1.03546, 2.61935, 2.03779, 0.559734, 4.73009, 4.12561},
                          {1, 1.53407, 1.15646, 3.28696, 2.50093, 0.880833, 5.32393, 4.59418},
                          {2, 1.14175, 0.86092, 1.81496, 1.38048, 1.170705, 3.95889, 3.41399},
                          {4, 0.51514, 0.40238, 0.38081, 0.31255, 1.297492, 1.78515, 1.59365}},
                    1e-3);
}

TEST_CASE("closure: brief §7.5 generation-2 table, parent tau = 1 (tolerance 1e-3, §10.5)") {
  check_child_table(1.0, {{0.5, 1.70041, 0.97481, 1.58602, 0.86552, 0.005761, 3.73554, 2.74268},
                          {1, 2.34996, 1.39236, 3.02538, 1.75836, 0.011246, 5.14851, 3.88753},
                          {2, 2.90207, 1.70870, 4.61228, 2.64434, 0.021440, 6.34868, 4.74919},
                          {4, 3.11897, 1.80658, 5.32715, 2.95529, 0.039055, 6.81957, 5.01162}},
                    1e-3);
}

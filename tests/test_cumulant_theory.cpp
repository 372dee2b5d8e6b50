// The d → ∞ theory of the cumulant module against the check values of brief mixed-cumulant.md §6 and the
// tables of §3.3, §4.2 (reference model β_u = 2, β_v = 10, (a, b) = (0.8, 0.6), Rademacher ν).
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "hdflow/cumulant/params.hpp"
#include "hdflow/cumulant/theory.hpp"

using namespace hdflow;
using namespace hdflow::cumulant;

namespace {
Model ref(Activation act, double c = 0, Latent lat = Latent::indep, double q = 1) {
  Model M;
  M.activation = act;
  M.c = c;
  M.latent = lat;
  M.q = q;
  M.n_gh = act == Activation::erf ? 80 : 200;
  return M;
}
}  // namespace

TEST_CASE("cumulant: kernel (E2.2) and its derivatives (E2.4) at m = 0.4, tau^2 = 0.9 (brief §6)") {
  struct Row {
    Activation act;
    double c, psi, psi_m, psi_t;
  };
  const Row rows[] = {
      {Activation::tanh, 0, -0.616148021864, -0.540441217149, -0.654188733070},
      {Activation::tanh, 0.3, -0.242630088409, -0.408437849248, -0.494504574419},
      {Activation::erf, 0, -0.608889862563, -0.518415831386, -0.630574000060},
      {Activation::erf, 0.3, -0.260327653346, -0.386797338067, -0.470891025744},
      {Activation::linear, 0, -0.6576, -0.768, -0.96},
      {Activation::linear, 0.3, -0.03456, -0.4608, -0.576},
  };
  for (const Row& r : rows) {
    const std::string act = to_string(r.act);
    CAPTURE(act);
    CAPTURE(r.c);
    const Kernel K = kernel(ref(r.act, r.c), 0.4, 0.9);
    CHECK(std::abs(K.psi - r.psi) < 1e-9);
    CHECK(std::abs(K.psi_m - r.psi_m) < 1e-9);
    CHECK(std::abs(K.psi_tau2 - r.psi_t) < 1e-9);
  }
}

TEST_CASE("cumulant: noise at the origin E_A, E_B, Gamma_0 and Gamma(0.3, 0.2) (E2.5, brief §6)") {
  struct Row {
    Activation act;
    double c, EA, EB, G0, G;
  };
  const Row rows[] = {
      {Activation::tanh, 0, 2.0352553045, 0.2427805493, 2.2780358538, 2.4299227730},
      {Activation::tanh, 0.3, 1.1267176354, 0.3539076633, 1.4806252987, 1.5634146898},
      {Activation::erf, 0, 1.8371489330, 0.1935389297, 2.0306878627, 2.1929163667},
      {Activation::erf, 0.3, 0.9751568865, 0.2671468058, 1.2423036923, 1.3306999251},
      {Activation::linear, 0, 3.744, 0.576, 4.32, 4.99392},
      {Activation::linear, 0.3, 1.44, 1.44, 2.88, 3.1392},
  };
  for (const Row& r : rows) {
    const std::string act = to_string(r.act);
    CAPTURE(act);
    CAPTURE(r.c);
    const Model M = ref(r.act, r.c);
    const LossPoint L0 = loss_point(M, 0, 0);
    CHECK(std::abs(L0.E_A - r.EA) < 1e-9);
    CHECK(std::abs(L0.E_B - r.EB) < 1e-9);
    CHECK(std::abs(L0.Gamma - r.G0) < 1e-9);
    CHECK(std::abs(loss_point(M, 0.3, 0.2).Gamma - r.G) < 1e-9);
  }
}

TEST_CASE("cumulant: loss, gradient, Gamma and ODE right-hand side at alpha = (0.3, 0.2), delta = 0.5 (brief §6)") {
  struct Row {
    Activation act;
    Latent lat;
    double q, F, Fu, Fv, G, du, dv;
  };
  const Row rows[] = {
      {Activation::tanh, Latent::indep, 1, -0.6919583239, -0.7615107830, -0.0014958636, 2.4299227730, 0.2553204264, -0.0828753783},
      {Activation::tanh, Latent::sign, 1, -0.7757812435, -1.0229825636, -0.4261364035, 2.5380331617, 0.3574967308, 0.1104051677},
      {Activation::tanh, Latent::sign, 0.5, -0.7338697837, -0.8922466733, -0.2138161336, 2.4839779673, 0.3064085786, 0.0137648947},
      {Activation::erf, Latent::indep, 1, -0.6823000899, -0.7366442630, -0.0012625936, 2.1929163667, 0.2529008981, -0.0763161921},
      {Activation::erf, Latent::sign, 1, -0.7631441906, -0.9910517714, -0.4101112772, 2.3084821446, 0.3520571373, 0.1094098063},
      {Activation::erf, Latent::sign, 0.5, -0.7227221403, -0.8638480172, -0.2056869354, 2.2506992556, 0.3024790177, 0.0165468071},
      {Activation::linear, Latent::indep, 1, -0.7728, -1.152, 0, 4.99392, 0.336888, -0.159408},
      {Activation::linear, Latent::sign, 1, -0.8967399155, -1.5651330518, -0.6196995777, 5.4772856706, 0.4881463386, 0.1135696640},
  };
  for (const Row& r : rows) {
    const std::string act = to_string(r.act);
    CAPTURE(act);
    CAPTURE(r.q);
    CAPTURE(static_cast<int>(r.lat));
    const Model M = ref(r.act, 0, r.lat, r.q);
    const LossPoint L = loss_point(M, 0.3, 0.2);
    CHECK(std::abs(L.F - r.F) < 1e-9);
    CHECK(std::abs(L.F_u - r.Fu) < 1e-9);
    CHECK(std::abs(L.F_v - r.Fv) < 1e-9);
    CHECK(std::abs(L.Gamma - r.G) < 1e-9);
    const Eigen::Vector2d rhs = ode_rhs(M, 0.5, {0.3, 0.2});
    CHECK(std::abs(rhs[0] - r.du) < 1e-9);
    CHECK(std::abs(rhs[1] - r.dv) < 1e-9);
  }
  // Same point with c = 0.3.
  {
    const LossPoint L = loss_point(ref(Activation::tanh, 0.3), 0.3, 0.2);
    CHECK(std::abs(L.F + 0.2999476729) < 1e-9);
    CHECK(std::abs(L.F_u + 0.5757304530) < 1e-9);
    CHECK(std::abs(L.F_v + 0.0011241070) < 1e-9);
    const LossPoint S = loss_point(ref(Activation::tanh, 0.3, Latent::sign), 0.3, 0.2);
    CHECK(std::abs(S.F + 0.3633121230) < 1e-9);
    CHECK(std::abs(S.F_u + 0.7734666161) < 1e-9);
    CHECK(std::abs(S.F_v + 0.3220982948) < 1e-9);
    CHECK(std::abs(S.Gamma - 1.6223371227) < 1e-9);
    const LossPoint E = loss_point(ref(Activation::erf, 0.3), 0.3, 0.2);
    CHECK(std::abs(E.F + 0.3151964441) < 1e-9);
    CHECK(std::abs(E.F_u + 0.5504995438) < 1e-9);
    CHECK(std::abs(E.F_v + 0.0009165491) < 1e-9);
    const LossPoint ES = loss_point(ref(Activation::erf, 0.3, Latent::sign), 0.3, 0.2);
    CHECK(std::abs(ES.F + 0.3755769758) < 1e-9);
    CHECK(std::abs(ES.F_u + 0.7408331845) < 1e-9);
    CHECK(std::abs(ES.F_v + 0.3061752450) < 1e-9);
    CHECK(std::abs(ES.Gamma - 1.3936824283) < 1e-9);
  }
}

TEST_CASE("cumulant: analytic gradient (E2.4) equals central differences of F to 1e-8, every activation and latent law") {
  for (Activation act : {Activation::tanh, Activation::erf, Activation::linear, Activation::relu})
    for (Latent lat : {Latent::indep, Latent::sign}) {
      Model M = ref(act, 0.2, lat, 0.7);
      const std::string a = to_string(act);
      CAPTURE(a);
      CAPTURE(static_cast<int>(lat));
      const double h = 1e-5, au = 0.35, av = -0.25;
      const LossPoint L = loss_point(M, au, av, false);
      const double fu = (loss_point(M, au + h, av, false).F - loss_point(M, au - h, av, false).F) / (2 * h);
      const double fv = (loss_point(M, au, av + h, false).F - loss_point(M, au, av - h, false).F) / (2 * h);
      CHECK(std::abs(L.F_u - fu) < 1e-8);
      CHECK(std::abs(L.F_v - fv) < 1e-8);
    }
  for (NuLaw nu : {NuLaw::uniform, NuLaw::laplace}) {
    Model M = ref(Activation::tanh);
    M.nu = nu;
    const double h = 1e-5;
    const LossPoint L = loss_point(M, 0.2, 0.4, false);
    CHECK(std::abs(L.F_v - (loss_point(M, 0.2, 0.4 + h, false).F - loss_point(M, 0.2, 0.4 - h, false).F) / (2 * h)) < 1e-8);
    CHECK(std::abs(L.F_u - (loss_point(M, 0.2 + h, 0.4, false).F - loss_point(M, 0.2 - h, 0.4, false).F) / (2 * h)) < 1e-8);
  }
}

TEST_CASE("cumulant: linear closed forms (E2.6) and c_uv (E1.5)") {
  for (Latent lat : {Latent::indep, Latent::sign})
    for (double c : {0.0, 0.3}) {
      const Model M = ref(Activation::linear, c, lat);
      const double au = 0.3, av = 0.2, a = M.a, b = M.b;
      const double vs = 1 + M.beta_u * au * au + 2 * M.c_uv() * au * av, p = a * (1 + 2 * c) - 1;
      const double F = (a * a - 2 * a + 2 * c * a * a) * vs + b * b * (1 + 2 * c);
      const double G = 4 * ((p * p + b * b * (1 + 2 * c) * (1 + 2 * c)) * (a * a * vs + b * b) -
                            2 * (p * a + b * b * (1 + 2 * c)) * a * vs + (a * a + b * b) * vs);
      const LossPoint L = loss_point(M, au, av);
      CHECK(std::abs(L.F - F) < 1e-10);
      CHECK(std::abs(L.Gamma - G) < 1e-9);
    }
  CHECK(std::abs(ref(Activation::tanh, 0, Latent::sign).c_uv() - 1.0758673223) < 1e-10);
}

TEST_CASE("cumulant: Hermite coefficients (E3.2) at (a, b) = (0.8, 0.6), table of brief §3.3") {
  struct Row {
    Activation act;
    double c;
    double ck[5];  // c_0, c_2, c_4, c_6, c_8
  };
  const Row rows[] = {
      {Activation::linear, 0, {-0.6, -1.92, 0, 0, 0}},
      {Activation::linear, 0.3, {0, -1.152, 0, 0, 0}},
      {Activation::tanh, 0, {-0.5748343250, -1.3332349246, 0.7596039781, -1.1726640361, 2.9132778907}},
      {Activation::tanh, 0.3, {-0.2114110192, -1.0076737177, 0.5705634909, -0.8771796002, 2.1718380466}},
      {Activation::erf, 0, {-0.5693700003, -1.2813079385, 0.6272338968, -0.7705247382, 1.4183148533}},
      {Activation::erf, 0.3, {-0.2308562502, -0.9563347384, 0.4539148568, -0.5375839483, 0.9391223713}},
      {Activation::relu, 0, {-0.3, -0.96, 0, 0, 0}},
  };
  for (const Row& r : rows) {
    const std::string act = to_string(r.act);
    CAPTURE(act);
    CAPTURE(r.c);
    const std::vector<double> c = hermite_coefficients(ref(r.act, r.c), 8, 300);
    for (int j = 0; j < 5; ++j) {
      CAPTURE(2 * j);
      CHECK(std::abs(c[static_cast<std::size_t>(2 * j)] - r.ck[j]) < 1e-9);
    }
    if (r.act != Activation::relu)
      for (int k : {1, 3, 5, 7}) CHECK(std::abs(c[static_cast<std::size_t>(k)]) < 1e-12);
  }
  const std::vector<double> relu = hermite_coefficients(ref(Activation::relu), 5, 300);
  CHECK(std::abs(relu[1] + 0.6702230311) < 1e-9);
  CHECK(std::abs(relu[3] + 0.7966079455) < 1e-9);
  CHECK(std::abs(relu[5] - 0.7451348167) < 1e-9);
}

TEST_CASE("cumulant: Hermite coefficients over the noise level, variance preserving, c = 0 (brief §3.3)") {
  struct Row {
    Activation act;
    double b, c2, c4, c6, G0;
  };
  const Row rows[] = {
      {Activation::tanh, 0.1, -1.3344078615, 0.8573565824, -1.5414917612, 1.9283598104},
      {Activation::tanh, 0.5, -1.3532046531, 0.8363365864, -1.4322687081, 2.1593922698},
      {Activation::tanh, 0.9, -0.9267752518, 0.1946030263, -0.1007188622, 2.9367063258},
      {Activation::erf, 0.3, -1.3285730496, 0.7832451678, -1.1977087272, 1.9084297246},
      {Activation::erf, 0.7, -1.2187108919, 0.5054102351, -0.5152225409, 2.1089650857},
  };
  for (const Row& r : rows) {
    Model M = ref(r.act);
    M.b = r.b;
    M.a = std::sqrt(1 - r.b * r.b);
    CAPTURE(r.b);
    const std::vector<double> c = hermite_coefficients(M, 6, 300);
    CHECK(std::abs(c[2] - r.c2) < 1e-9);
    CHECK(std::abs(c[4] - r.c4) < 1e-9);
    CHECK(std::abs(c[6] - r.c6) < 1e-9);
    CHECK(std::abs(loss_point(M, 0, 0).Gamma - r.G0) < 1e-9);
  }
}

TEST_CASE("cumulant: Hermite moments (E3.4)-(E3.5) and the series (E3.3) resums to F") {
  const Model I = ref(Activation::tanh), S = ref(Activation::tanh, 0, Latent::sign);
  CHECK(std::abs(hermite_moment(I, 2, 0.3, 0.2) - 0.18) < 1e-12);
  CHECK(std::abs(hermite_moment(I, 4, 0.3, 0.2) - 0.0945553719) < 1e-10);
  CHECK(std::abs(hermite_moment(S, 2, 0.3, 0.2) - 0.3091040787) < 1e-10);
  CHECK(std::abs(hermite_moment(S, 4, 0.3, 0.2) - 0.1687315335) < 1e-10);
  // (E3.5) closed form for q = 0.6
  Model S6 = S;
  S6.q = 0.6;
  const double p = std::sqrt(2.0) * 0.3, r = std::sqrt(S.theta()) * 0.2, k = 0.6 * std::sqrt(2 / M_PI);
  CHECK(std::abs(hermite_moment(S6, 2, 0.3, 0.2) - (p * p + 2 * k * p * r)) < 1e-12);
  CHECK(std::abs(hermite_moment(S6, 4, 0.3, 0.2) - (3 * std::pow(p, 4) - 2 * std::pow(r, 4) + 8 * k * (p * p * p * r - p * r * r * r))) < 1e-12);
  const std::vector<double> c = hermite_coefficients(I, 20, 300);
  const double partial[] = {-0.694825468179, -0.691832774986, -0.691964876974, -0.691957949453};
  for (int j = 0; j < 4; ++j) {
    const std::vector<double> ck(c.begin(), c.begin() + 2 * (j + 1) + 1);
    CHECK(std::abs(hermite_series(I, ck, 0.3, 0.2) - partial[j]) < 1e-9);
  }
  CHECK(std::abs(hermite_series(I, c, 0.3, 0.2) - (-0.691958323940)) < 1e-9);
  CHECK(std::abs(hermite_series(I, c, 0.3, 0.2) - loss_point(I, 0.3, 0.2, false).F) < 1e-9);
  const std::vector<double> cs = hermite_coefficients(S, 20, 300);
  CHECK(std::abs(hermite_series(S, cs, 0.3, 0.2) - loss_point(S, 0.3, 0.2, false).F) < 1e-9);
  // Hermite moments of the latent laws are their cumulants at k = 4, 6 (unit variance, symmetric).
  for (NuLaw nu : {NuLaw::rademacher, NuLaw::uniform, NuLaw::laplace}) {
    Model M = I;
    M.nu = nu;
    CHECK(std::abs(nu_hermite_moment(M, 2)) < 1e-10);
    CHECK(std::abs(nu_hermite_moment(M, 4) - M.kappa4()) < 1e-9);
    CHECK(std::abs(nu_hermite_moment(M, 6) - M.kappa6()) < 1e-8);
  }
}

TEST_CASE("cumulant: diffusion information exponents (E3.6), table of brief §3.3") {
  auto ex = [](const Model& M) { return information_exponents(M, hermite_coefficients(M, 8, 300)); };
  for (Activation act : {Activation::tanh, Activation::erf}) {
    const Exponents E = ex(ref(act));
    CHECK(E.k_u == 2);
    CHECK(E.k_v == 4);
    CHECK(E.coef_u < 0);  // attractive
    CHECK(E.coef_v < 0);  // c_4 κ_4 < 0: attractive
    CHECK(E.mixed_uv == 0);
    Model L = ref(act);
    L.nu = NuLaw::laplace;  // leptokurtic: repelled
    CHECK(ex(L).k_v == 4);
    CHECK(ex(L).coef_v > 0);
    const Exponents S = ex(ref(act, 0, Latent::sign));
    CHECK(S.mixed_uv < 0);
  }
  CHECK(ex(ref(Activation::linear)).k_v == 0);  // infinite: never learns v
  CHECK(ex(ref(Activation::relu)).k_v == 0);
  CHECK(ex(ref(Activation::relu)).k_u == 2);
  // tanh with the isotropic skip at its c_4 zero b = 0.4576462418 (VP): k_v = 6, repelled (c_6 κ_6 > 0).
  Model Z = ref(Activation::tanh);
  Z.b = 0.4576462418;
  Z.a = std::sqrt(1 - Z.b * Z.b);
  Z.c = Z.a / (Z.a * Z.a + Z.b * Z.b);
  const std::vector<double> c = hermite_coefficients(Z, 8, 300);
  CHECK(std::abs(c[4]) < 1e-9);
  CHECK(std::abs(c[2] + 0.1637349) < 1e-7);
  CHECK(std::abs(c[6] - 0.1460769) < 1e-7);
  const Exponents E6 = information_exponents(Z, c, 1e-7);
  CHECK(E6.k_v == 6);
  CHECK(E6.coef_v > 0);
}

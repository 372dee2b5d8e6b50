// Generated density of the clusters module (brief online-sgd-ae-diffusion.md §5; equations/clusters-generate.md).
#include "hdflow/clusters/generate.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "hdflow/clusters/sde.hpp"
#include "hdflow/core/gauss.hpp"
#include "hdflow/core/status.hpp"

namespace hdflow::clusters {

double euler_amplitude(double b, int T) {
  double A = 1;
  for (int j = 2; j <= T; ++j) A *= 1 + (b - 1) / j;  // A_T(b) = Π_{j=2}^{T} (1 + (b − 1)/j)   (brief §5.4)
  return A;
}

Eigen::VectorXd latent_map(const Eigen::MatrixXd& Q, double b, const Eigen::VectorXd& z0, const GenerateOptions& o) {
  Eigen::VectorXd z = z0;
  const auto sigma = [&o](const Eigen::VectorXd& y) {
    Eigen::VectorXd out(y.size());
    double f1 = 0, f2 = 0;
    for (Eigen::Index i = 0; i < y.size(); ++i) activation_eval(o.activation, y[i], out[i], f1, f2);
    return out;
  };
  if (!o.exact_flow) {
    // Euler in t at t_k = k/T, k = 0..T−2: Z ← (1 + (b − 1)/(T − k)) Z + Q σ(Z)/(T − k)   (brief §5.4)
    for (int k = 0; k <= o.T - 2; ++k) {
      const double h = 1.0 / (o.T - k);
      z = (1 + (b - 1) * h) * z + h * (Q * sigma(z));
    }
    return z;
  }
  // Exact flow in s = ln(1/(1 − t)): dZ/ds = (b − 1)Z + Q tanh Z on [0, ln T]; RK4 with steps of 1e−3 in s.
  const double S = std::log(static_cast<double>(o.T));
  const int n = static_cast<int>(std::ceil(S / 1e-3));
  const double h = S / n;
  auto F = [&](const Eigen::VectorXd& y) { return Eigen::VectorXd((b - 1) * y + Q * sigma(y)); };
  for (int j = 0; j < n; ++j) {
    const Eigen::VectorXd k1 = F(z), k2 = F(z + 0.5 * h * k1), k3 = F(z + 0.5 * h * k2), k4 = F(z + h * k3);
    z += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return z;
}

double latent_map_unit(double q, double b, double z, const GenerateOptions& o) {
  double f1 = 0, f2 = 0, f = 0;
  if (!o.exact_flow) {
    for (int k = 0; k <= o.T - 2; ++k) {  // the same steps as latent_map, for one decoupled unit
      const double h = 1.0 / (o.T - k);
      activation_eval(o.activation, z, f, f1, f2);
      z = (1 + (b - 1) * h) * z + h * (q * f);
    }
    return z;
  }
  const double S = std::log(static_cast<double>(o.T));
  const int n = static_cast<int>(std::ceil(S / 1e-3));
  const double h = S / n;
  auto F = [&](double y) {
    activation_eval(o.activation, y, f, f1, f2);
    return (b - 1) * y + q * f;
  };
  for (int j = 0; j < n; ++j) {
    const double k1 = F(z), k2 = F(z + 0.5 * h * k1), k3 = F(z + 0.5 * h * k2), k4 = F(z + h * k3);
    z += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return z;
}

double latent_fixed_point(double q, double b) {
  if (b >= 1) return std::numeric_limits<double>::infinity();
  if (q + b <= 1) return 0.0;
  // g(z) = Q tanh z − (1 − b) z is positive just right of 0 (slope Q + b − 1 > 0) and negative for z > Q/(1 − b).
  double lo = 1e-12, hi = q / (1 - b) + 1;
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    (q * std::tanh(mid) - (1 - b) * mid > 0 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

namespace {

Eigen::MatrixXd projection_G(const SgdParams& P, const SgdState& s, const GenerateOptions& o) {
  const Eigen::MatrixXd M = s.M();
  Eigen::MatrixXd Tg = P.T[0];
  for (std::size_t b = 1; b < P.T.size(); ++b) Tg += P.T[b];
  Eigen::MatrixXd G(static_cast<Eigen::Index>(o.project_on.size()), P.r);
  for (std::size_t p = 0; p < o.project_on.size(); ++p) {
    const int k = o.project_on[p] - 1;
    G.row(static_cast<Eigen::Index>(p)) = M.row(k) / std::sqrt(Tg(k, k));  // rows of E: μ_k/‖μ_k‖
  }
  return G;
}

// Nearest-mean fractions (equations/clusters-generate.md §9): y = (y₁, y₂) independent, y_p = a_p + s_p ξ_p with a_p
// distributed as the dense atoms; the means in y coordinates m_c = (T_{k₁c}/‖μ_{k₁}‖, T_{k₂c}/‖μ_{k₂}‖). For fixed y₁
// the Voronoi cell of m_c is an interval of y₂ (half-planes); its probability is a sum of Φ over the y₂ law. The y₁
// law and the y₂ law are represented by m-point Gauss rules compressed from the atoms (ξ₁ by Gauss–Hermite); the
// result with m and 2m is reported with their difference as the error.
void mode_weights(const SgdParams& P, const GenerateOptions& o, const std::vector<std::vector<double>>& atoms,
                  const std::vector<double>& w, const std::vector<double>& sds, ProjectedLaw& L) {
  Eigen::MatrixXd T = P.T[0];
  for (std::size_t b = 1; b < P.T.size(); ++b) T += P.T[b];
  const int k1 = o.project_on[0] - 1, k2 = o.project_on[1] - 1, K = P.K();
  const double n1 = std::sqrt(T(k1, k1)), n2 = std::sqrt(T(k2, k2));
  if (!(n1 > 0 && n2 > 0) || std::abs(T(k1, k2)) > 1e-12 * n1 * n2) return;  // E's rows must be orthonormal
  std::vector<Eigen::Vector2d> m(static_cast<std::size_t>(K));
  for (int c = 0; c < K; ++c) {
    m[static_cast<std::size_t>(c)] = Eigen::Vector2d(T(k1, c) / n1, T(k2, c) / n2);
    if (std::abs(m[static_cast<std::size_t>(c)].squaredNorm() - T(c, c)) > 1e-9 * (1 + T(c, c))) return;  // μ_c ∉ span(E)
  }
  const gauss::Rule1D& gh = gauss::hermite(40);
  auto weights = [&](int nodes) {
    const gauss::Rule1D r1 = gauss::compress(atoms[0], w, nodes), r2 = gauss::compress(atoms[1], w, nodes);
    std::vector<double> out(static_cast<std::size_t>(K), 0.0);
    const double s1 = sds[0], s2 = sds[1];
    const std::size_t n_xi = s1 > 0 ? gh.size() : 1;
    for (std::size_t i = 0; i < r1.size(); ++i)
      for (std::size_t a = 0; a < n_xi; ++a) {
        const double y1 = r1.nodes[i] + (s1 > 0 ? s1 * gh.nodes[a] : 0.0);
        const double wy = r1.weights[i] * (s1 > 0 ? gh.weights[a] : 1.0);
        for (int c = 0; c < K; ++c) {
          double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
          bool empty = false;
          for (int k = 0; k < K && !empty; ++k) {
            if (k == c) continue;
            // |y − m_c|² ≤ |y − m_k|²  ⟺  2(m_k − m_c)₂ y₂ ≤ |m_k|² − |m_c|² − 2(m_k − m_c)₁ y₁
            const Eigen::Vector2d dm = m[static_cast<std::size_t>(k)] - m[static_cast<std::size_t>(c)];
            const double a2 = 2 * dm[1];
            const double rhs = m[static_cast<std::size_t>(k)].squaredNorm() - m[static_cast<std::size_t>(c)].squaredNorm() - 2 * dm[0] * y1;
            if (a2 > 1e-14) hi = std::min(hi, rhs / a2);
            else if (a2 < -1e-14) lo = std::max(lo, rhs / a2);
            else if (rhs < 0) empty = true;
          }
          if (empty || !(hi > lo)) continue;
          double p = 0;
          for (std::size_t j = 0; j < r2.size(); ++j) {
            const double yj = r2.nodes[j];
            const double F_hi = s2 > 0 ? 0.5 * std::erfc(-(hi - yj) / (s2 * std::numbers::sqrt2)) : (yj <= hi ? 1.0 : 0.0);
            const double F_lo = s2 > 0 ? 0.5 * std::erfc(-(lo - yj) / (s2 * std::numbers::sqrt2)) : (yj <= lo ? 1.0 : 0.0);
            p += r2.weights[j] * (F_hi - F_lo);
          }
          out[static_cast<std::size_t>(c)] += wy * p;
        }
      }
    return out;
  };
  const std::vector<double> a = weights(64), b = weights(128);
  L.mode_weight = b;
  L.mode_weight_err = 0;
  for (int c = 0; c < K; ++c) L.mode_weight_err = std::max(L.mode_weight_err, std::abs(a[static_cast<std::size_t>(c)] - b[static_cast<std::size_t>(c)]));
}

}  // namespace

double abs_gauss(double m, double sd) {
  if (sd <= 0) return std::abs(m);
  return sd * std::sqrt(2 / std::numbers::pi) * std::exp(-m * m / (2 * sd * sd)) + m * std::erf(m / (std::numbers::sqrt2 * sd));
}

ProjectedLaw projected_law(const SgdParams& P, const SgdState& s, const GenerateOptions& o_in) {
  GenerateOptions o = o_in;
  o.activation = P.activation;
  const Eigen::MatrixXd Q = s.Q(), G = projection_G(P, s, o);
  const Eigen::MatrixXd Qi = Q.inverse();
  const Eigen::MatrixXd C = G * Qi;  // y = C Z + ξ
  ProjectedLaw L;
  // The origin of a decoupled unit, dz/ds = (b − 1)z + Q_γγ σ(z), is unstable iff Q_γγ σ'(0) + b > 1
  // (σ'(0) = 1 for tanh, 2/√π for erf, 1 for linear, right derivative 1 for ReLU).
  double f0, d0, u0;
  activation_eval(P.activation, 0.0, f0, d0, u0);
  if (P.activation == Activation::relu) d0 = 1;
  for (int g = 0; g < P.r; ++g) L.active_units += Q(g, g) * d0 + s.b > 1;
  if (o.sde.active()) {  // the stochastic sampler (brief §5.7): latent particles
    const int units = L.active_units;
    L = projected_law_sde(Q, G, s.b, o);
    L.active_units = units;
    return L;
  }
  L.amplitude = o.exact_flow ? std::pow(static_cast<double>(o.T), s.b - 1) : euler_amplitude(s.b, o.T);  // a = T^{b−1}
  const Eigen::MatrixXd Xi = L.amplitude * L.amplitude * (Eigen::MatrixXd::Identity(G.rows(), G.rows()) - G * Qi * G.transpose());
  // The fast path needs one latent unit per projection: G (p × r) diagonal with p ≤ r, Q diagonal.
  const double off = (Q - Eigen::MatrixXd(Q.diagonal().asDiagonal())).cwiseAbs().maxCoeff() + (G.rows() <= P.r ? 0.0 : 1.0);
  double goff = 0;
  for (Eigen::Index p = 0; p < G.rows(); ++p)
    for (Eigen::Index g = 0; g < G.cols(); ++g)
      if (g != p) goff = std::max(goff, std::abs(G(p, g)));
  L.diagonal = off < 1e-12 && goff < 1e-12;
  const auto np = static_cast<std::size_t>(G.rows());
  L.mean.assign(np, 0);
  L.abs_mean.assign(np, 0);
  L.var.assign(np, 0);
  L.m4.assign(np, 0);
  if (L.diagonal) {
    // y_p = (G_pp/Q_pp) Z_p + ξ_p, Var ξ_p = a²(1 − G_pp²/Q_pp): one-dimensional latent maps (brief §5.6).
    const gauss::Rule1D& rule = gauss::midpoint(24.0 / o.grid, 12.0);
    std::vector<std::vector<double>> atoms(np);  // c_p Z_p at the dense nodes
    std::vector<double> sds(np);
    for (std::size_t p = 0; p < np; ++p) {
      const auto g = static_cast<Eigen::Index>(p);
      const double c = C(g, g), sd = std::sqrt(std::max(Xi(g, g), 0.0)), q = Q(g, g);
      sds[p] = sd;
      double m1 = 0, m2 = 0, m4z = 0, ab = 0;
      for (std::size_t i = 0; i < rule.size(); ++i) {
        const double z = latent_map_unit(q, s.b, std::sqrt(q) * rule.nodes[i], o);
        const double w = rule.weights[i], yz = c * z;
        atoms[p].push_back(yz);
        m1 += w * yz;
        m2 += w * yz * yz;
        m4z += w * yz * yz * yz * yz;
        ab += w * abs_gauss(yz, sd);
      }
      L.mean[p] = m1;
      L.abs_mean[p] = ab;
      L.var[p] = m2 + sd * sd - m1 * m1;
      L.m4[p] = m4z + 6 * m2 * sd * sd + 3 * sd * sd * sd * sd;  // E(cZ + ξ)⁴ with ξ independent, centred
    }
    if (np == 2 && o.mode_weights) mode_weights(P, o, atoms, rule.weights, sds, L);
    return L;
  }
  if (P.r > 2) throw InputError({"r: " + std::to_string(P.r) + ": allowed r <= 2 for a non-diagonal Q in the generated law"});
  // General r ≤ 2: tensor trapezoid rule in the whitened start ξ, Z(0) = Q^{1/2} ξ.
  const Eigen::MatrixXd root = gauss::psd_sqrt(Q, "Q");
  const gauss::Rule1D& rule = gauss::midpoint(24.0 / o.grid2d, 12.0);
  const std::size_t n = rule.size();
  const std::size_t total = P.r == 1 ? n : n * n;
  for (std::size_t f = 0; f < total; ++f) {
    Eigen::VectorXd xi(P.r);
    double w = rule.weights[f % n];
    xi[0] = rule.nodes[f % n];
    if (P.r == 2) {
      xi[1] = rule.nodes[f / n];
      w *= rule.weights[f / n];
    }
    if (w < 1e-300) continue;
    const Eigen::VectorXd y = C * latent_map(Q, s.b, root * xi, o);
    for (std::size_t p = 0; p < np; ++p) {
      const double yz = y[static_cast<Eigen::Index>(p)], sd = std::sqrt(std::max(Xi(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(p)), 0.0));
      L.mean[p] += w * yz;
      L.var[p] += w * (yz * yz + sd * sd);
      L.m4[p] += w * (yz * yz * yz * yz + 6 * yz * yz * sd * sd + 3 * sd * sd * sd * sd);
      L.abs_mean[p] += w * abs_gauss(yz, sd);
    }
  }
  for (std::size_t p = 0; p < np; ++p) L.var[p] -= L.mean[p] * L.mean[p];
  return L;
}

std::vector<std::array<double, 3>> projected_density(const SgdParams& P, const SgdState& s, const GenerateOptions& o_in,
                                                     double half_width, int points) {
  GenerateOptions o = o_in;
  o.activation = P.activation;
  const Eigen::MatrixXd Q = s.Q(), G = projection_G(P, s, o);
  if (G.rows() != 2 || P.r < 2) throw InputError({"project_on: allowed exactly two clusters for a 2-D density (and r >= 2)"});
  if (o.sde.active()) return projected_density_sde(Q, G, s.b, o, half_width, points);
  const Eigen::MatrixXd Qi = Q.inverse(), C = G * Qi;
  const double A = o.exact_flow ? std::pow(static_cast<double>(o.T), s.b - 1) : euler_amplitude(s.b, o.T);
  const Eigen::MatrixXd Xi = A * A * (Eigen::MatrixXd::Identity(2, 2) - G * Qi * G.transpose());
  const double h = 2 * half_width / (points - 1);
  std::vector<std::array<double, 3>> out;
  const bool diagonal = std::abs(Q(0, 1)) < 1e-12 && std::abs(G(0, 1)) < 1e-12 && std::abs(G(1, 0)) < 1e-12 && P.r == 2;
  if (diagonal) {
    // Independent projections: p(y₁, y₂) = p₁(y₁)p₂(y₂), each p_p = Σ_i w_i N(y; c z_i, s²) over the dense
    // 1-D grid of latent starts (the latent map is nearly a step function; brief §5.6).
    const gauss::Rule1D& rule = gauss::midpoint(24.0 / o.grid, 12.0);
    std::array<std::vector<double>, 2> dens;
    for (int p = 0; p < 2; ++p) {
      const double c = C(p, p), s2 = std::max(Xi(p, p), h * h), q = Q(p, p);
      std::vector<std::pair<double, double>> atoms;
      for (std::size_t i = 0; i < rule.size(); ++i)
        if (rule.weights[i] > 1e-16)
          atoms.emplace_back(c * latent_map_unit(q, s.b, std::sqrt(q) * rule.nodes[i], o), rule.weights[i]);
      dens[static_cast<std::size_t>(p)].assign(static_cast<std::size_t>(points), 0.0);
      for (int a = 0; a < points; ++a) {
        const double y = -half_width + a * h;
        double sum = 0;
        for (const auto& [m, w] : atoms) sum += w * std::exp(-0.5 * (y - m) * (y - m) / s2);
        dens[static_cast<std::size_t>(p)][static_cast<std::size_t>(a)] = sum / std::sqrt(2 * std::numbers::pi * s2);
      }
    }
    for (int a = 0; a < points; ++a)
      for (int c2 = 0; c2 < points; ++c2)
        out.push_back({-half_width + a * h, -half_width + c2 * h,
                       dens[0][static_cast<std::size_t>(a)] * dens[1][static_cast<std::size_t>(c2)]});
    return out;
  }
  // General case: latent end points on a whitened 2-D grid, then the Gaussian ξ smooths them into a density.
  if (P.r != 2) throw InputError({"r: " + std::to_string(P.r) + ": allowed 2 for the density of a non-diagonal Q"});
  const Eigen::MatrixXd root = gauss::psd_sqrt(Q, "Q");
  const gauss::Rule1D& rule = gauss::midpoint(24.0 / 400, 12.0);
  std::vector<std::pair<Eigen::Vector2d, double>> atoms;
  for (std::size_t i = 0; i < rule.size(); ++i)
    for (std::size_t j = 0; j < rule.size(); ++j) {
      const double w = rule.weights[i] * rule.weights[j];
      if (w < 1e-14) continue;
      Eigen::VectorXd xi = Eigen::VectorXd::Zero(P.r);
      xi[0] = rule.nodes[i];
      xi[1] = rule.nodes[j];
      atoms.emplace_back(C * latent_map(Q, s.b, root * xi, o), w);
    }
  // Floor the smoothing at the grid spacing so that collapsed (point-mass) laws still draw.
  Eigen::Matrix2d S = Xi;
  S(0, 0) = std::max(S(0, 0), h * h);
  S(1, 1) = std::max(S(1, 1), h * h);
  const Eigen::Matrix2d Si = S.inverse();
  const double norm = 1 / (2 * std::numbers::pi * std::sqrt(S.determinant()));
  for (int a = 0; a < points; ++a)
    for (int c = 0; c < points; ++c) {
      const Eigen::Vector2d y(-half_width + a * h, -half_width + c * h);
      double dens = 0;
      for (const auto& [m, w] : atoms) {
        const Eigen::Vector2d e = y - m;
        dens += w * norm * std::exp(-0.5 * e.dot(Si * e));
      }
      out.push_back({y[0], y[1], dens});
    }
  return out;
}

}  // namespace hdflow::clusters

// The stochastic sampler variant (brief online-sgd-ae-diffusion.md §5.7; equations/clusters-generate.md §7).
#include "hdflow/clusters/sde.hpp"

#include <cmath>
#include <numbers>
#include <random>

#include "hdflow/core/status.hpp"
#include "hdflow/sim/mixture.hpp"

namespace hdflow::clusters {

void sde_coefficients(double b, double t, const SdeSampler& S, double& Dhat, double& Ghat, double& eps) {
  const double al = 1 - t, be = t;
  eps = S.eps * std::pow(al, S.power);                  // ε_t = ε₀ α_t^power
  Dhat = (b - 1) / al + eps * (b * be - 1) / (al * al);  // Δ̂ = Δ + ε_t(bβ_t − 1)/α_t²
  Ghat = 1 / al + eps * be / (al * al);                  // Γ̂ = Γ + ε_t β_t/α_t²
}

LatentSample latent_sde(const Eigen::MatrixXd& Q, double b, const GenerateOptions& o) {
  const Eigen::Index r = Q.rows();
  const int n = o.sde.particles;
  // Q^{1/2}: any square root serves (noise and start are Gaussian); Cholesky-like via LDLT for PSD Q.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(Q);
  const Eigen::MatrixXd root = es.eigenvectors() * es.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal() *
                               es.eigenvectors().transpose();
  auto rng = sim::stream(o.sde.seed, 0x5de);
  std::normal_distribution<double> N01;
  auto gauss = [&](Eigen::MatrixXd& E) {
    for (Eigen::Index i = 0; i < E.size(); ++i) E.data()[i] = N01(rng);
  };
  LatentSample out;
  out.Z.resize(r, n);
  gauss(out.Z);
  out.Z = root * out.Z;  // Z(0) ~ N(0, Q)
  auto sigma = [&o](const Eigen::MatrixXd& Y) {
    Eigen::MatrixXd S(Y.rows(), Y.cols());
    double f1 = 0, f2 = 0;
    for (Eigen::Index i = 0; i < Y.size(); ++i) activation_eval(o.activation, Y.data()[i], S.data()[i], f1, f2);
    return S;
  };
  Eigen::MatrixXd xi(r, n);
  double v = 1;
  if (!o.exact_flow) {
    // Euler–Maruyama on the notebooks' grid t_k = k/T, h = 1/T, k = 0..T−2 (ε₀ = 0: the §5.4 update).
    const double h = 1.0 / o.T;
    for (int k = 0; k <= o.T - 2; ++k) {
      double D, G, eps;
      sde_coefficients(b, static_cast<double>(k) / o.T, o.sde, D, G, eps);
      gauss(xi);
      out.Z = (1 + h * D) * out.Z + (h * G) * (Q * sigma(out.Z)) + std::sqrt(2 * eps * h) * (root * xi);
      v = (1 + h * D) * (1 + h * D) * v + 2 * eps * h;  // the bulk under the same step
    }
    out.v_perp = v;
    return out;
  }
  // Continuous sampler to t = 1 − 1/T in s = ln 1/(1 − t) (dt = α ds): drift α(Δ̂Z + Γ̂Qσ(Z)), noise
  // √(2ε_t α) Q^{1/2} dB_s; stochastic Heun, steps ≤ 0.01 in s; v⊥ by RK4 on the same grid.
  const double S = std::log(static_cast<double>(o.T));
  const int steps = static_cast<int>(std::ceil(S / 0.01));
  const double h = S / steps;
  auto coef = [&](double s, double& aD, double& aG, double& g, double& e2) {
    const double t = 1 - std::exp(-s), al = 1 - t;
    double D, G, eps;
    sde_coefficients(b, t, o.sde, D, G, eps);
    aD = al * D;
    aG = al * G;
    g = std::sqrt(2 * eps * al);
    e2 = 2 * eps * al;
  };
  for (int j = 0; j < steps; ++j) {
    const double s0 = j * h, s1 = s0 + h;
    double D0, G0, g0, e0, D1, G1, g1, e1, Dm, Gm, gm, em;
    coef(s0, D0, G0, g0, e0);
    coef(s1, D1, G1, g1, e1);
    coef(s0 + 0.5 * h, Dm, Gm, gm, em);
    gauss(xi);
    const Eigen::MatrixXd dW = std::sqrt(h) * (root * xi);
    const Eigen::MatrixXd f0 = D0 * out.Z + G0 * (Q * sigma(out.Z));
    const Eigen::MatrixXd pred = out.Z + h * f0 + g0 * dW;
    const Eigen::MatrixXd f1 = D1 * pred + G1 * (Q * sigma(pred));
    out.Z += 0.5 * h * (f0 + f1) + 0.5 * (g0 + g1) * dW;
    // dv/ds = 2αΔ̂ v + 2ε_t α
    auto F = [](double D, double e, double x) { return 2 * D * x + e; };
    const double k1 = F(D0, e0, v), k2 = F(Dm, em, v + 0.5 * h * k1), k3 = F(Dm, em, v + 0.5 * h * k2), k4 = F(D1, e1, v + h * k3);
    v += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  out.v_perp = v;
  return out;
}

ProjectedLaw projected_law_sde(const Eigen::MatrixXd& Q, const Eigen::MatrixXd& G, double b, const GenerateOptions& o) {
  const LatentSample L = latent_sde(Q, b, o);
  const Eigen::MatrixXd C = G * Q.inverse();
  const Eigen::MatrixXd Xi = L.v_perp * (Eigen::MatrixXd::Identity(G.rows(), G.rows()) - C * G.transpose());
  const Eigen::MatrixXd Y = C * L.Z;  // p × n
  ProjectedLaw out;
  out.amplitude = std::sqrt(L.v_perp);
  out.v_perp = L.v_perp;
  out.diagonal = false;
  const auto n = static_cast<double>(L.Z.cols());
  for (Eigen::Index p = 0; p < Y.rows(); ++p) {
    const double sd = std::sqrt(std::max(Xi(p, p), 0.0));
    // Per particle: E over ξ of y, |y|, y², y⁴ given Z; then means and standard errors over particles.
    double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
    for (Eigen::Index i = 0; i < Y.cols(); ++i) {
      const double m = Y(p, i);
      const double v[4] = {m, abs_gauss(m, sd), m * m + sd * sd, m * m * m * m + 6 * m * m * sd * sd + 3 * sd * sd * sd * sd};
      for (int k = 0; k < 4; ++k) {
        s[k] += v[k];
        q[k] += v[k] * v[k];
      }
    }
    double mean[4], err[4];
    for (int k = 0; k < 4; ++k) {
      mean[k] = s[k] / n;
      err[k] = std::sqrt(std::max(q[k] / n - mean[k] * mean[k], 0.0) / (n - 1));
    }
    out.mean.push_back(mean[0]);
    out.abs_mean.push_back(mean[1]);
    out.var.push_back(mean[2] - mean[0] * mean[0]);
    out.m4.push_back(mean[3]);
    out.mean_err.push_back(err[0]);
    out.abs_err.push_back(err[1]);
    out.var_err.push_back(err[2] + 2 * std::abs(mean[0]) * err[0]);  // first-order bound for E y² − (E y)²
    out.m4_err.push_back(err[3]);
  }
  return out;
}

std::vector<std::array<double, 3>> projected_density_sde(const Eigen::MatrixXd& Q, const Eigen::MatrixXd& G, double b,
                                                         const GenerateOptions& o, double half_width, int points) {
  if (G.rows() != 2) throw InputError({"project_on: allowed exactly two clusters for a 2-D density"});
  const LatentSample L = latent_sde(Q, b, o);
  const Eigen::MatrixXd C = G * Q.inverse();
  const double h = 2 * half_width / (points - 1);
  Eigen::Matrix2d S = L.v_perp * (Eigen::Matrix2d::Identity() - C * G.transpose());
  S(0, 0) = std::max(S(0, 0), h * h);
  S(1, 1) = std::max(S(1, 1), h * h);
  const Eigen::Matrix2d Si = S.inverse();
  const double norm = 1 / (2 * std::numbers::pi * std::sqrt(S.determinant()) * static_cast<double>(L.Z.cols()));
  const Eigen::MatrixXd Y = C * L.Z;
  std::vector<std::array<double, 3>> out;
  for (int a = 0; a < points; ++a)
    for (int c = 0; c < points; ++c) {
      const Eigen::Vector2d y(-half_width + a * h, -half_width + c * h);
      double dens = 0;
      for (Eigen::Index i = 0; i < Y.cols(); ++i) {
        const Eigen::Vector2d e = y - Y.col(i);
        const double qf = e.dot(Si * e);
        if (qf < 80) dens += std::exp(-0.5 * qf);
      }
      out.push_back({y[0], y[1], norm * dens});
    }
  return out;
}

}  // namespace hdflow::clusters

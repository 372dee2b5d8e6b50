// Eq. (8) and the loss (10) (boxed form, brief §1.5) with exact gradients; the k = ∞ expectation.
#include "hdflow/sim/autoencoder.hpp"

#include <cmath>

#include "hdflow/core/gauss.hpp"
#include "hdflow/sim/mixture.hpp"

namespace hdflow::sim {

namespace {
// E_ζ of tanh-moments at φ = tanh(sζ + a): values and derivatives with respect to a and s.
struct Moments {
  double G = 0, A = 0, Zp = 0;      // Eφ, Eφ², E[ζφ]
  double dG = 0, dA = 0, dZ = 0;    // ∂/∂a: Eφ', 2Eφφ', E[ζφ']
  double sG = 0, sA = 0, sZ = 0;    // ∂/∂s: E[ζφ'], 2E[ζφφ'], E[ζ²φ']
};
Moments moments(double s, double a, const gauss::Rule1D& r) {
  Moments m;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const double z = r.nodes[i], w = r.weights[i];
    const double f = std::tanh(s * z + a), f1 = 1 - f * f;
    m.G += w * f;
    m.A += w * f * f;
    m.Zp += w * z * f;
    m.dG += w * f1;
    m.dA += w * 2 * f * f1;
    m.dZ += w * z * f1;
    m.sA += w * 2 * z * f * f1;
    m.sZ += w * z * z * f1;
  }
  m.sG = m.dZ;
  return m;
}
}  // namespace

Eigen::VectorXd Autoencoder::forward(const Eigen::VectorXd& x) const {
  const double d = static_cast<double>(x.size());
  return c * x + u * std::tanh(w.dot(x) / std::sqrt(d) + b);
}

double DenoiserLoss::value(const Autoencoder& net, Autoencoder* grad) const {
  const Eigen::MatrixXd& X = *X1;
  const auto n = X.rows();
  const double d = static_cast<double>(X.cols()), sd = std::sqrt(d);
  const double c = net.c, al = alpha, be = beta;
  const double U = net.u.squaredNorm();
  double L = 0.5 * lambda * U + 0.5 * ell * net.w.squaredNorm();
  if (grad) {
    grad->c = 0;
    grad->b = 0;
    grad->u = lambda * net.u;
    grad->w = ell * net.w;
  }
  if (k == 0) {
    // Exact expectation over x₀ (brief §1.5): with ζ = ŵ·x₀ ~ N(0, 1) and φᵢ = tanh(s ζ + aᵢ),
    // s = α‖w‖/√d, aᵢ = β w·x₁ⁱ/√d + b,
    // Eᵢ = c²α²d + (cβ − 1)²‖x₁ⁱ‖² + ‖u‖² Eφᵢ² + 2cα (u·ŵ) E[ζφᵢ] + 2(cβ − 1)(u·x₁ⁱ) Eφᵢ.
    const double wn = net.w.norm();
    const Eigen::VectorXd what = wn > 0 ? Eigen::VectorXd(net.w / wn) : Eigen::VectorXd::Zero(net.w.size());
    const double s = al * wn / sd, P = net.u.dot(what);
    const Eigen::VectorXd Q = X * net.u, Wx = X * net.w, Xn = X.rowwise().squaredNorm();
    gauss::TanhLineQuadrature quad({quadrature_accuracy});
    const gauss::Rule1D& rule = quad.rule(s);
    Eigen::VectorXd cx(n), cwx(n);  // coefficients of x₁ⁱ in ∂L/∂u and ∂L/∂w
    double sumA = 0, sumZ = 0, sum_ws = 0, sum_c = 0, sum_b = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const Moments m = moments(s, be * Wx[i] / sd + net.b, rule);
      const double e = c * c * al * al * d + (c * be - 1) * (c * be - 1) * Xn[i] + U * m.A + 2 * c * al * P * m.Zp +
                       2 * (c * be - 1) * Q[i] * m.G;
      L += 0.5 * e;
      if (!grad) continue;
      sum_c += c * al * al * d + be * (c * be - 1) * Xn[i] + al * P * m.Zp + be * Q[i] * m.G;
      sumA += m.A;
      sumZ += m.Zp;
      cx[i] = (c * be - 1) * m.G;  // ∂/∂u: (cβ − 1) Gᵢ x₁ⁱ
      const double da = 0.5 * (U * m.dA + 2 * c * al * P * m.dZ + 2 * (c * be - 1) * Q[i] * m.dG);
      const double ds = 0.5 * (U * m.sA + 2 * c * al * P * m.sZ + 2 * (c * be - 1) * Q[i] * m.sG);
      sum_b += da;
      cwx[i] = da * be / sd;       // ∂aᵢ/∂w = β x₁ⁱ/√d
      sum_ws += ds;                // ∂s/∂w = α ŵ/√d
    }
    if (grad) {
      grad->c = sum_c;
      grad->b = sum_b;
      grad->u += sumA * net.u + c * al * sumZ * what + X.transpose() * cx;
      grad->w += sum_ws * al / sd * what + X.transpose() * cwx;
      if (wn > 0) grad->w += (c * al * sumZ / wn) * (net.u - P * what);  // ∂(u·ŵ)/∂w = (u − Pŵ)/‖w‖
    }
    return L;
  }
  // k explicit noise samples per datum: xₜⁱᵃ = α x₀ⁱᵃ + β x₁ⁱ.
  const double inv_k = 1.0 / k;
  for (Eigen::Index i = 0; i < n; ++i) {
    for (int a = 0; a < k; ++a) {
      const Eigen::VectorXd xt = al * X0.row(i * k + a).transpose() + be * X.row(i).transpose();
      const double pre = net.w.dot(xt) / sd + net.b, phi = std::tanh(pre);
      const Eigen::VectorXd r = c * xt + phi * net.u - X.row(i).transpose();
      L += 0.5 * inv_k * r.squaredNorm();
      if (!grad) continue;
      const double gpre = inv_k * net.u.dot(r) * (1 - phi * phi);
      grad->c += inv_k * r.dot(xt);
      grad->u += inv_k * phi * r;
      grad->b += gpre;
      grad->w += (gpre / sd) * xt;
    }
  }
  return L;
}

double DenoiserLoss::mse(const Autoencoder& net) const {
  DenoiserLoss plain = *this;
  plain.lambda = plain.ell = 0;
  const double n = static_cast<double>(X1->rows()), d = static_cast<double>(X1->cols());
  return 2.0 * plain.value(net, nullptr) / (n * d);
}

Eigen::VectorXd pack_scaled(const Autoencoder& a) {
  const auto d = a.u.size();
  const double sd = std::sqrt(static_cast<double>(d));
  Eigen::VectorXd x(2 + 2 * d);
  x << a.c, a.b, a.u / sd, a.w / sd;
  return x;
}

Autoencoder unpack_scaled(const Eigen::VectorXd& v) {
  const auto d = (v.size() - 2) / 2;
  const double sd = std::sqrt(static_cast<double>(d));
  Autoencoder a;
  a.c = v[0];
  a.b = v[1];
  a.u = sd * v.segment(2, d);
  a.w = sd * v.segment(2 + d, d);
  return a;
}

double scaled_loss(const DenoiserLoss& L, const Eigen::VectorXd& theta, Eigen::VectorXd& grad) {
  const auto d = (theta.size() - 2) / 2;
  const double dd = static_cast<double>(d), sd = std::sqrt(dd);
  Autoencoder g;
  const double val = L.value(unpack_scaled(theta), &g);
  grad.resize(theta.size());
  grad << g.c / dd, g.b / dd, g.u / sd, g.w / sd;  // ∂(L/d)/∂(u/√d) = (∂L/∂u)/√d
  return val / dd;
}

void draw_noise(DenoiserLoss& L, int k, std::uint64_t seed) {
  L.k = k;
  auto rng = stream(seed, 2);
  std::normal_distribution<double> N01;
  L.X0.resize(L.X1->rows() * k, L.X1->cols());
  for (Eigen::Index i = 0; i < L.X0.rows(); ++i)
    for (Eigen::Index j = 0; j < L.X0.cols(); ++j) L.X0(i, j) = N01(rng);
}

double test_mse(const Autoencoder& net, const Eigen::VectorXd& mu, double p, double sigma, double alpha, double beta,
                double accuracy) {
  // Brief §1.5: v = α² + β²σ², r = ‖w‖²/d, φ_s(ζ) = tanh(√(vr) ζ + sβ√d ω + b),
  // mse = Σ_s p_s [c²α² + (cβ − 1)²(1 + σ²) + q Eφ_s² + 2(cβ − 1) s m Eφ_s
  //               + 2 E[ζφ_s] (cα² + (cβ − 1)βσ²) (u·w/d)/√(v r d)].
  const double d = static_cast<double>(mu.size());
  const double v = alpha * alpha + beta * beta * sigma * sigma, r = net.w.squaredNorm() / d;
  const double omega = mu.dot(net.w) / d, m = mu.dot(net.u) / d, q = net.u.squaredNorm() / d, uw = net.u.dot(net.w) / d;
  const double c = net.c, s2 = sigma * sigma, width = std::sqrt(v * r);
  gauss::TanhLineQuadrature quad({accuracy});
  const gauss::Rule1D& rule = quad.rule(width);
  double out = 0;
  for (int sgn : {1, -1}) {
    const double ps = sgn > 0 ? p : 1 - p;
    const Moments mo = moments(width, sgn * beta * std::sqrt(d) * omega + net.b, rule);
    const double cross = width > 0 ? 2 * mo.Zp * (c * alpha * alpha + (c * beta - 1) * beta * s2) * uw / (width * std::sqrt(d)) : 0.0;
    out += ps * (c * c * alpha * alpha + (c * beta - 1) * (c * beta - 1) * (1 + s2) + q * mo.A +
                 2 * (c * beta - 1) * sgn * m * mo.G + cross);
  }
  return out;
}

}  // namespace hdflow::sim

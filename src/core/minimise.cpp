#include "hdflow/core/minimise.hpp"
#include "hdflow/core/gsl_errors.hpp"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#include <cmath>
#include <deque>
#include <memory>

namespace hdflow {

namespace {
struct Ctx {
  const Objective* f;
  Eigen::VectorXd x, g;
  bool finite = true;
};

double eval(const gsl_vector* v, void* p, gsl_vector* grad) {
  auto* c = static_cast<Ctx*>(p);
  for (Eigen::Index i = 0; i < c->x.size(); ++i) c->x[i] = gsl_vector_get(v, static_cast<std::size_t>(i));
  const double val = (*c->f)(c->x, c->g);
  if (!std::isfinite(val) || !c->g.allFinite()) {
    c->finite = false;
    if (grad) gsl_vector_set_zero(grad);
    return GSL_POSINF;
  }
  if (grad)
    for (Eigen::Index i = 0; i < c->x.size(); ++i) gsl_vector_set(grad, static_cast<std::size_t>(i), c->g[i]);
  return val;
}
double f_only(const gsl_vector* v, void* p) { return eval(v, p, nullptr); }
void df_only(const gsl_vector* v, void* p, gsl_vector* g) { (void)eval(v, p, g); }
void fdf(const gsl_vector* v, void* p, double* f, gsl_vector* g) { *f = eval(v, p, g); }
}  // namespace

MinimiseReport minimise_bfgs(const Objective& f, Eigen::VectorXd& x, double grad_tol, int max_iterations,
                             double initial_step) {
  const std::size_t n = static_cast<std::size_t>(x.size());
  Ctx ctx{&f, x, Eigen::VectorXd::Zero(x.size())};
  gsl_multimin_function_fdf fun{&f_only, &df_only, &fdf, n, &ctx};
  std::unique_ptr<gsl_vector, decltype(&gsl_vector_free)> v(gsl_vector_alloc(n), &gsl_vector_free);
  for (std::size_t i = 0; i < n; ++i) gsl_vector_set(v.get(), i, x[static_cast<Eigen::Index>(i)]);
  std::unique_ptr<gsl_multimin_fdfminimizer, decltype(&gsl_multimin_fdfminimizer_free)> s(
      gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, n), &gsl_multimin_fdfminimizer_free);
  gsl_errors_off();  // failures are statuses, never an abort (core/gsl_errors.hpp)
  MinimiseReport rep;
  gsl_multimin_fdfminimizer_set(s.get(), &fun, v.get(), initial_step, 0.1);
  for (rep.iterations = 0; rep.iterations < max_iterations; ++rep.iterations) {
    if (gsl_multimin_fdfminimizer_iterate(s.get()) != GSL_SUCCESS) break;
    double gmax = 0.0;
    for (std::size_t i = 0; i < n; ++i) gmax = std::max(gmax, std::abs(gsl_vector_get(s->gradient, i)));
    if (gmax < grad_tol) break;
  }
  for (std::size_t i = 0; i < n; ++i) x[static_cast<Eigen::Index>(i)] = gsl_vector_get(s->x, i);
  rep.value = s->f;
  rep.grad_norm = 0.0;
  for (std::size_t i = 0; i < n; ++i) rep.grad_norm = std::max(rep.grad_norm, std::abs(gsl_vector_get(s->gradient, i)));
  rep.finite = std::isfinite(rep.value);
  return rep;
}

namespace {

struct LinePoint {
  double a, f, g;  // step, value, directional derivative
};

// Strong-Wolfe line search along p from (x, f0, g0·p). Returns the accepted step (0 if none).
double wolfe_search(const Objective& f, const Eigen::VectorXd& x, const Eigen::VectorXd& p, double f0, double d0,
                    double a1, const LbfgsOptions& o, Eigen::VectorXd& x_new, Eigen::VectorXd& g_new, double& f_new) {
  auto eval = [&](double a) {
    x_new = x + a * p;
    f_new = f(x_new, g_new);
    const double d = g_new.allFinite() ? g_new.dot(p) : NAN;
    return LinePoint{a, f_new, d};
  };
  auto zoom = [&](LinePoint lo, LinePoint hi) -> double {
    for (int it = 0; it < 40; ++it) {
      // Cubic interpolation, safeguarded to the middle 80% of the bracket; bisection otherwise.
      double a = 0.5 * (lo.a + hi.a);
      const double d1 = lo.g + hi.g - 3 * (lo.f - hi.f) / (lo.a - hi.a);
      const double disc = d1 * d1 - lo.g * hi.g;
      if (disc >= 0) {
        const double d2 = std::copysign(std::sqrt(disc), hi.a - lo.a);
        const double ac = hi.a - (hi.a - lo.a) * (hi.g + d2 - d1) / (hi.g - lo.g + 2 * d2);
        const double lo_b = std::min(lo.a, hi.a), hi_b = std::max(lo.a, hi.a), w = hi_b - lo_b;
        if (std::isfinite(ac) && ac > lo_b + 0.1 * w && ac < hi_b - 0.1 * w) a = ac;
      }
      const LinePoint c = eval(a);
      if (!std::isfinite(c.f) || c.f > f0 + o.c1 * a * d0 || c.f >= lo.f) {
        hi = c;
      } else {
        if (std::abs(c.g) <= -o.c2 * d0) return a;
        if (c.g * (hi.a - lo.a) >= 0) hi = lo;
        lo = c;
      }
      if (std::abs(hi.a - lo.a) < 1e-16 * std::max(1.0, lo.a)) break;
    }
    // Fall back to the best Armijo point found (lo), re-evaluated so x_new/g_new match it.
    if (lo.a > 0) {
      eval(lo.a);
      return lo.a;
    }
    return 0.0;
  };
  LinePoint prev{0.0, f0, d0};
  double a = a1;
  for (int it = 0; it < 30; ++it) {
    const LinePoint c = eval(a);
    if (!std::isfinite(c.f) || !std::isfinite(c.g)) {  // step too long into a non-finite region
      a = 0.5 * (prev.a + a);
      if (a - prev.a < 1e-14) return 0.0;
      continue;
    }
    if (c.f > f0 + o.c1 * a * d0 || (it > 0 && c.f >= prev.f)) return zoom(prev, c);
    if (std::abs(c.g) <= -o.c2 * d0) return a;
    if (c.g >= 0) return zoom(c, prev);
    prev = c;
    a *= 2.0;
  }
  return 0.0;
}

}  // namespace

MinimiseReport minimise_lbfgs(const Objective& f, Eigen::VectorXd& x, const LbfgsOptions& o) {
  MinimiseReport rep;
  Eigen::VectorXd g(x.size());
  double fx = f(x, g);
  if (!std::isfinite(fx) || !g.allFinite()) {
    rep.finite = false;
    rep.value = fx;
    return rep;
  }
  std::deque<Eigen::VectorXd> S, Y;
  std::deque<double> rho;
  Eigen::VectorXd x_new(x.size()), g_new(x.size());
  for (rep.iterations = 0; rep.iterations < o.max_iterations; ++rep.iterations) {
    if (g.lpNorm<Eigen::Infinity>() <= o.grad_tol * std::max(1.0, std::abs(fx))) break;
    // Two-loop recursion: p = −H∇f.
    Eigen::VectorXd q = g;
    std::vector<double> alpha(S.size());
    for (std::size_t j = S.size(); j-- > 0;) {
      alpha[j] = rho[j] * S[j].dot(q);
      q -= alpha[j] * Y[j];
    }
    const double gamma = S.empty() ? 1.0 / std::max(1.0, g.norm()) : S.back().dot(Y.back()) / Y.back().squaredNorm();
    q *= gamma;
    for (std::size_t j = 0; j < S.size(); ++j) {
      const double beta = rho[j] * Y[j].dot(q);
      q += (alpha[j] - beta) * S[j];
    }
    Eigen::VectorXd p = -q;
    double d0 = g.dot(p);
    if (!(d0 < 0)) {  // not a descent direction: restart with steepest descent
      S.clear(); Y.clear(); rho.clear();
      p = -g / std::max(1.0, g.norm());
      d0 = g.dot(p);
    }
    double f_new = fx;
    const double a = wolfe_search(f, x, p, fx, d0, 1.0, o, x_new, g_new, f_new);
    if (a <= 0.0 || !std::isfinite(f_new)) {
      if (S.empty()) break;  // no progress even along the gradient
      S.clear(); Y.clear(); rho.clear();
      continue;
    }
    const Eigen::VectorXd s = x_new - x, y = g_new - g;
    const double sy = s.dot(y);
    if (sy > 1e-12 * s.norm() * y.norm()) {
      S.push_back(s);
      Y.push_back(y);
      rho.push_back(1.0 / sy);
      if (static_cast<int>(S.size()) > o.memory) { S.pop_front(); Y.pop_front(); rho.pop_front(); }
    }
    x = x_new;
    g = g_new;
    fx = f_new;
  }
  rep.value = fx;
  rep.grad_norm = g.lpNorm<Eigen::Infinity>();
  rep.finite = true;
  return rep;
}

MinimiseReport minimise_first_order(const Objective& f, Eigen::VectorXd& x, const FirstOrderOptions& o,
                                    const std::function<void(int)>& epoch) {
  MinimiseReport rep;
  Eigen::VectorXd g(x.size()), m = Eigen::VectorXd::Zero(x.size()), v = Eigen::VectorXd::Zero(x.size());
  double b1 = 1, b2 = 1;
  for (rep.iterations = 0; rep.iterations < o.epochs; ++rep.iterations) {
    if (epoch) epoch(rep.iterations);
    const double fx = f(x, g);
    rep.value = fx;
    rep.grad_norm = g.lpNorm<Eigen::Infinity>();
    if (!std::isfinite(fx) || !g.allFinite()) {
      rep.finite = false;
      return rep;
    }
    if (o.grad_tol > 0 && rep.grad_norm <= o.grad_tol * std::max(1.0, std::abs(fx))) return rep;
    if (!o.adam) {
      x -= o.learning_rate * g;
      continue;
    }
    m = o.beta1 * m + (1 - o.beta1) * g;
    v = o.beta2 * v + (1 - o.beta2) * g.cwiseAbs2();
    b1 *= o.beta1;
    b2 *= o.beta2;
    x.array() -= o.learning_rate * (m.array() / (1 - b1)) / ((v.array() / (1 - b2)).sqrt() + o.eps);
  }
  rep.value = f(x, g);
  rep.grad_norm = g.lpNorm<Eigen::Infinity>();
  rep.finite = std::isfinite(rep.value) && g.allFinite();
  return rep;
}

}  // namespace hdflow

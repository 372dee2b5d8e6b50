#include "hdflow/core/minimise.hpp"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#include <cmath>
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
  gsl_error_handler_t* old = gsl_set_error_handler_off();  // the library never aborts
  MinimiseReport rep;
  gsl_multimin_fdfminimizer_set(s.get(), &fun, v.get(), initial_step, 0.1);
  for (rep.iterations = 0; rep.iterations < max_iterations; ++rep.iterations) {
    if (gsl_multimin_fdfminimizer_iterate(s.get()) != GSL_SUCCESS) break;
    double gmax = 0.0;
    for (std::size_t i = 0; i < n; ++i) gmax = std::max(gmax, std::abs(gsl_vector_get(s->gradient, i)));
    if (gmax < grad_tol) break;
  }
  gsl_set_error_handler(old);
  for (std::size_t i = 0; i < n; ++i) x[static_cast<Eigen::Index>(i)] = gsl_vector_get(s->x, i);
  rep.value = s->f;
  rep.grad_norm = 0.0;
  for (std::size_t i = 0; i < n; ++i) rep.grad_norm = std::max(rep.grad_norm, std::abs(gsl_vector_get(s->gradient, i)));
  rep.finite = std::isfinite(rep.value);
  return rep;
}

}  // namespace hdflow

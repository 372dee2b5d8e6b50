#include "hdflow/core/ode.hpp"
#include "hdflow/core/gsl_errors.hpp"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

#include <memory>

namespace hdflow {

namespace {
struct Ctx {
  const OdeRhs* f;
  Eigen::VectorXd y, dy;
};
int rhs(double t, const double y[], double dydt[], void* p) {
  auto* c = static_cast<Ctx*>(p);
  for (Eigen::Index i = 0; i < c->y.size(); ++i) c->y[i] = y[i];
  (*c->f)(t, c->y, c->dy);
  for (Eigen::Index i = 0; i < c->y.size(); ++i) {
    if (!std::isfinite(c->dy[i])) return GSL_EBADFUNC;
    dydt[i] = c->dy[i];
  }
  return GSL_SUCCESS;
}
}  // namespace

OdeResult integrate_adaptive(const OdeRhs& f, double t0, const Eigen::VectorXd& y0, const std::vector<double>& times,
                             const OdeOptions& opt) {
  const auto n = static_cast<std::size_t>(y0.size());
  Ctx ctx{&f, y0, Eigen::VectorXd::Zero(y0.size())};
  gsl_odeiv2_system sys{&rhs, nullptr, n, &ctx};
  std::unique_ptr<gsl_odeiv2_driver, decltype(&gsl_odeiv2_driver_free)> drv(
      gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, opt.initial_step, opt.abs_tol, opt.rel_tol),
      &gsl_odeiv2_driver_free);
  gsl_errors_off();  // failures are statuses, never an abort (core/gsl_errors.hpp)
  OdeResult r;
  std::vector<double> y(y0.data(), y0.data() + y0.size());
  double t = t0;
  for (double target : times) {
    if (target > t) {
      const int status = gsl_odeiv2_driver_apply(drv.get(), &t, target, y.data());
      if (status != GSL_SUCCESS) {
        r.ok = false;
        r.message = std::string("gsl_odeiv2: ") + gsl_strerror(status) + " at t = " + std::to_string(t);
        break;
      }
    }
    r.times.push_back(target);
    r.states.emplace_back(Eigen::Map<const Eigen::VectorXd>(y.data(), y0.size()));
  }
  return r;
}

Eigen::VectorXd integrate_fixed(const OdeRhs& f, double t0, double t1, Eigen::VectorXd y, int steps, FixedScheme s) {
  const double h = (t1 - t0) / steps;
  Eigen::VectorXd k1(y.size()), k2(y.size()), k3(y.size()), k4(y.size());
  for (int j = 0; j < steps; ++j) {
    const double t = t0 + j * h;
    f(t, y, k1);
    if (s == FixedScheme::euler) {
      y += h * k1;
      continue;
    }
    f(t + 0.5 * h, y + 0.5 * h * k1, k2);
    f(t + 0.5 * h, y + 0.5 * h * k2, k3);
    f(t + h, y + h * k3, k4);
    y += (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
  }
  return y;
}

}  // namespace hdflow

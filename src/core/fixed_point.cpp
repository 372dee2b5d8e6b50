#include "hdflow/core/fixed_point.hpp"

#include <cmath>
#include <deque>
#include <limits>
#include <sstream>

namespace hdflow {

std::vector<std::string> FixedPointOptions::validate() const {
  std::vector<std::string> v;
  auto num = [](double x) { std::ostringstream s; s << x; return s.str(); };
  if (!(damping > 0.0 && damping <= 1.0)) v.push_back("solver.damping: " + num(damping) + ": allowed range (0, 1]");
  if (!(tolerance > 0.0)) v.push_back("solver.tolerance: " + num(tolerance) + ": allowed range (0, inf)");
  if (max_iterations < 1) v.push_back("solver.max_iterations: " + num(max_iterations) + ": allowed integers >= 1");
  if (anderson_depth < 0 || anderson_depth > 50)
    v.push_back("solver.anderson_depth: " + num(anderson_depth) + ": allowed integers in [0, 50]");
  if (!(safeguard >= 1.0)) v.push_back("solver.safeguard: " + num(safeguard) + ": allowed range [1, inf)");
  if (!(min_damping > 0.0 && min_damping <= damping))
    v.push_back("solver.min_damping: " + num(min_damping) + ": allowed range (0, damping]");
  if (stall_window < 2) v.push_back("solver.stall_window: " + num(stall_window) + ": allowed integers >= 2");
  return v;
}

std::string SolveReport::brief() const {
  std::ostringstream s;
  s << to_string(status) << " after " << iterations << " iterations, residual " << residual;
  return s.str();
}

namespace {
bool finite(const Eigen::VectorXd& v) { return v.allFinite(); }
}  // namespace

SolveReport solve_fixed_point(const FixedPointMap& F, Eigen::VectorXd& x, const FixedPointOptions& opt) {
  throw_if_invalid(opt.validate());
  SolveReport rep;
  double beta = opt.damping;

  Eigen::VectorXd good_x = x;   // last iterate with a finite image
  Eigen::VectorXd good_f;       // its residual F(x) − x
  double best = std::numeric_limits<double>::infinity();
  int best_at = 0;
  bool have_good = false;

  std::deque<Eigen::VectorXd> dX, dR;  // Anderson history: differences of iterates and residuals
  Eigen::VectorXd prev_x, prev_r;

  Eigen::VectorXd cur = x;
  bool cur_is_anderson = false;
  while (rep.iterations < opt.max_iterations) {
    const Eigen::VectorXd Fx = F(cur);
    ++rep.iterations;
    if (!finite(Fx) || !finite(cur)) {
      // Roll back to the last good iterate with more damping and a fresh history.
      ++rep.rollbacks;
      beta *= 0.5;
      dX.clear(); dR.clear(); prev_x.resize(0);
      if (!have_good || beta < opt.min_damping) { rep.status = Status::non_finite; break; }
      cur = good_x + beta * good_f;
      cur_is_anderson = false;
      continue;
    }
    const Eigen::VectorXd r = Fx - cur;
    const double res = r.lpNorm<Eigen::Infinity>();

    if (cur_is_anderson && have_good && res > opt.safeguard * best) {
      // Safeguard: the accelerated step made things worse; take a damped step from the best point.
      ++rep.anderson_rejected;
      dX.clear(); dR.clear(); prev_x.resize(0);
      cur = good_x + beta * good_f;
      cur_is_anderson = false;
      continue;
    }
    if (cur_is_anderson) ++rep.anderson_accepted;

    if (res < best) {
      if (res < 0.5 * best) best_at = rep.iterations;
      best = res;
      good_x = cur;
      good_f = r;
      have_good = true;
    }
    if (res <= opt.tolerance) { rep.status = Status::converged; break; }
    if (rep.iterations - best_at > opt.stall_window) { rep.status = Status::stalled; break; }

    // Anderson history update.
    if (prev_x.size() == cur.size()) {
      dX.push_back(cur - prev_x);
      dR.push_back(r - prev_r);
      if (static_cast<int>(dX.size()) > opt.anderson_depth) { dX.pop_front(); dR.pop_front(); }
    }
    prev_x = cur;
    prev_r = r;

    Eigen::VectorXd next = cur + beta * r;  // plain damped step
    cur_is_anderson = false;
    if (opt.anderson_depth > 0 && !dX.empty()) {
      const auto m = static_cast<Eigen::Index>(dX.size());
      Eigen::MatrixXd DX(cur.size(), m), DR(cur.size(), m);
      for (Eigen::Index j = 0; j < m; ++j) { DX.col(j) = dX[static_cast<std::size_t>(j)]; DR.col(j) = dR[static_cast<std::size_t>(j)]; }
      const Eigen::VectorXd gamma = DR.completeOrthogonalDecomposition().solve(r);
      const Eigen::VectorXd cand = cur + beta * r - (DX + beta * DR) * gamma;
      if (finite(cand)) { next = cand; cur_is_anderson = true; }
    }
    cur = next;
  }
  x = have_good ? good_x : x;
  rep.residual = have_good ? best : std::numeric_limits<double>::infinity();
  if (rep.status == Status::max_iterations && have_good && best <= opt.tolerance) rep.status = Status::converged;
  return rep;
}

double newton_polish(const FixedPointMap& G, Eigen::VectorXd& x, int steps, double h) {
  Eigen::VectorXd g = G(x);
  double norm = g.allFinite() ? g.lpNorm<Eigen::Infinity>() : std::numeric_limits<double>::infinity();
  const Eigen::Index n = x.size();
  for (int s = 0; s < steps && std::isfinite(norm) && norm > 0.0; ++s) {
    Eigen::MatrixXd J(n, n);
    for (Eigen::Index j = 0; j < n; ++j) {
      const double dj = h * std::max(1.0, std::abs(x[j]));
      Eigen::VectorXd xp = x, xm = x;
      xp[j] += dj;
      xm[j] -= dj;
      J.col(j) = (G(xp) - G(xm)) / (2.0 * dj);
    }
    if (!J.allFinite()) break;
    const Eigen::VectorXd step = J.fullPivLu().solve(g);
    if (!step.allFinite()) break;
    const Eigen::VectorXd xn = x - step;
    const Eigen::VectorXd gn = G(xn);
    const double nn = gn.allFinite() ? gn.lpNorm<Eigen::Infinity>() : std::numeric_limits<double>::infinity();
    if (!(nn < norm)) break;
    x = xn;
    g = gn;
    norm = nn;
  }
  return norm;
}

}  // namespace hdflow

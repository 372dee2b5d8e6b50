// Finite-d online projected SGD on the mixed cumulant model (brief mixed-cumulant.md §5.1–§5.3).
#include "hdflow/cumulant/sim.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hdflow/core/parallel.hpp"
#include "hdflow/cumulant/rng.hpp"
#include "hdflow/cumulant/theory.hpp"  // activation_values only
#include "hdflow/sim/mixture.hpp"      // sim::stream

namespace hdflow::cumulant {

const std::vector<ParamSpec>& SimOptions::specs() {
  using K = ParamSpec::Kind;
  static const std::vector<ParamSpec> specs = {
      {"d", K::integer, 1000, 4, 1e8, false, false, "dimension of the data and of the neuron (reduced chain: d >= 4)", {}, ""},
      {"seeds", K::integer, 20, 1, 1e6, false, false, "independent pSGD runs (replicas) per point", {}, ""},
      {"seed", K::integer, 1, 0, 9e15, false, false, "base seed; replica r uses the stream (seed * 1000003 + r, 2002)", {}, ""},
      {"threads", K::integer, 0, 0, 1024, false, false, "replicas on threads; 0 = all cores", {}, ""},
      {"method", K::string, "reduced", 0, 0, false, false,
       "reduced: exact Markov chain of (alpha_u, alpha_v), O(1) per step (brief §5.2); full: d-dimensional pSGD (§5.1)",
       {"reduced", "full"}, ""},
  };
  return specs;
}

SimOptions SimOptions::from_json(const Json& given) {
  const Json j = resolve_params(specs(), given, "simulation.");
  SimOptions o;
  o.d = j["d"].get<int>();
  o.seeds = j["seeds"].get<int>();
  o.seed = j["seed"].get<std::uint64_t>();
  o.threads = j["threads"].get<int>();
  o.method = j["method"].get<std::string>();
  return o;
}

namespace {

// Bookkeeping shared by both simulators: records, first passages, the stop rule.
struct Tracker {
  const RunSpec& R;
  RunResult out;
  std::size_t next = 0;
  explicit Tracker(const RunSpec& r) : R(r) {}
  // Returns true when the run may stop after sample count n.
  bool observe(long n, double au, double av) {
    if (R.eps_u > 0 && out.n_u < 0 && std::abs(au) >= R.eps_u) out.n_u = n;
    if (R.eps_v > 0 && out.n_v < 0 && std::abs(av) >= R.eps_v) out.n_v = n;
    while (next < R.record.size() && R.record[next] <= n) {
      out.alpha_u.push_back(au);
      out.alpha_v.push_back(av);
      ++next;
    }
    out.steps = n;
    if (next < R.record.size()) return false;
    if (R.stop_on == 0) return out.n_u >= 0;
    if (R.stop_on == 1) return out.n_v >= 0;
    return true;
  }
};

}  // namespace

// §5.1: one fresh (x_0, ξ) per step; g = −2σ x_0 + 2K x_t + 2σ² w (E1.10), K = σσ' − sσ' + c(σ + hσ');
// w ← (w − γg)/‖w − γg‖ (E1.11).
RunResult run_full(const Model& M, const RunSpec& R, int d, std::uint64_t seed) {
  auto rng = sim::stream(seed, 2002);
  const FastNormal& N01 = fast_normal();
  const Directions D = random_directions(d, rng);
  Eigen::VectorXd w(d), x0(d), xt(d);
  for (int i = 0; i < d; ++i) w[i] = N01(rng);
  if (R.random_start) {
    w.normalize();
  } else {
    w -= w.dot(D.u) * D.u + w.dot(D.v) * D.v;
    w.normalize();
    const double rho = std::sqrt(std::max(0.0, 1 - R.alpha_u0 * R.alpha_u0 - R.alpha_v0 * R.alpha_v0));
    w = R.alpha_u0 * D.u + R.alpha_v0 * D.v + rho * w;
  }
  Tracker T(R);
  bool stop = T.observe(0, w.dot(D.u), w.dot(D.v));
  const double g = R.gamma, a = M.a, b = M.b, c = M.c;
  for (long n = 1; n <= R.max_steps && !stop; ++n) {
    sample_x0(M, D, rng, x0);
    for (int i = 0; i < d; ++i) xt[i] = a * x0[i] + b * N01(rng);
    const double s = w.dot(x0), h = w.dot(xt);
    const ActivationValues v = activation_values(M.activation, h);
    const double K = v.s * v.s1 - s * v.s1 + c * (v.s + h * v.s1);
    w = (1 - 2 * g * v.s * v.s) * w + (2 * g * v.s) * x0 - (2 * g * K) * xt;
    w.normalize();
    stop = T.observe(n, w.dot(D.u), w.dot(D.v));
  }
  return T.out;
}

// §5.2: the components of w, x_0, x_t along u, v and the bulk direction e of w, plus the squared norm of the
// step orthogonal to (u, v, e), γ²(A² + B²)χ²_{d−3} with A = −2σ + 2aK, B = 2bK.
RunResult run_reduced(const Model& M, const RunSpec& R, int d, std::uint64_t seed) {
  auto rng = sim::stream(seed, 2002);
  const FastNormal& N01 = fast_normal();
  double au = R.alpha_u0, av = R.alpha_v0;
  if (R.random_start) {  // uniform on the sphere: (g_1, g_2)/√(g_1² + g_2² + χ²_{d−2})
    const double g1 = N01(rng), g2 = N01(rng), nrm = std::sqrt(g1 * g1 + g2 * g2 + N01.chi_square(d - 2, rng));
    au = g1 / nrm;
    av = g2 / nrm;
  }
  Tracker T(R);
  bool stop = T.observe(0, au, av);
  const double g = R.gamma, a = M.a, b = M.b, c = M.c, su = std::sqrt(M.beta_u), sv = std::sqrt(M.beta_v),
               nv = 1 / std::sqrt(1 + M.beta_v);
  for (long n = 1; n <= R.max_steps && !stop; ++n) {
    const Latents L = draw_latents(M, rng);
    const double r = std::sqrt(std::max(0.0, 1 - au * au - av * av));
    const double x0u = su * L.lambda + N01(rng), x0v = (sv * L.nu + N01(rng)) * nv, x0e = N01(rng);
    const double xtu = a * x0u + b * N01(rng), xtv = a * x0v + b * N01(rng), xte = a * x0e + b * N01(rng);
    const double s = au * x0u + av * x0v + r * x0e, h = au * xtu + av * xtv + r * xte;
    const ActivationValues v = activation_values(M.activation, h);
    const double K = v.s * v.s1 - s * v.s1 + c * (v.s + h * v.s1);
    const double s2 = 2 * v.s * v.s;
    const double gu = -2 * v.s * x0u + 2 * K * xtu + s2 * au, gv = -2 * v.s * x0v + 2 * K * xtv + s2 * av,
                 ge = -2 * v.s * x0e + 2 * K * xte + s2 * r;
    const double A = -2 * v.s + 2 * a * K, B = 2 * b * K;
    const double nu_ = au - g * gu, nv_ = av - g * gv, ne_ = r - g * ge;
    const double N = std::sqrt(nu_ * nu_ + nv_ * nv_ + ne_ * ne_ + g * g * (A * A + B * B) * N01.chi_square(d - 3, rng));
    au = nu_ / N;
    av = nv_ / N;
    stop = T.observe(n, au, av);
  }
  return T.out;
}

std::vector<RunResult> run_replicas(const Model& M, const RunSpec& R, const SimOptions& o) {
  std::vector<RunResult> out(static_cast<std::size_t>(o.seeds));
  const bool full = o.method == "full";
  parallel_for(o.seeds, o.threads, [&](int r) {
    const std::uint64_t s = o.seed * 1000003ULL + static_cast<std::uint64_t>(r);
    out[static_cast<std::size_t>(r)] = full ? run_full(M, R, o.d, s) : run_reduced(M, R, o.d, s);
  });
  return out;
}

QuantileCI quantile_ci(std::vector<double> n, double p) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double& x : n)
    if (x < 0) x = inf;
  std::sort(n.begin(), n.end());
  const auto N = static_cast<double>(n.size());
  if (n.empty()) return {inf, inf, inf};
  auto at = [&](double i) { return n[static_cast<std::size_t>(std::clamp(i, 0.0, N - 1))]; };
  // Type-7 interpolation (numpy's default) between the order statistics around (N − 1)p.
  const double hpos = (N - 1) * p, f = hpos - std::floor(hpos);
  const double x0 = at(std::floor(hpos)), x1 = at(std::floor(hpos) + 1);
  const double value = f == 0 ? x0 : (std::isinf(x1) ? inf : x0 + f * (x1 - x0));
  const double half = std::sqrt(N * p * (1 - p));
  return {value, at(std::floor(N * p - half)), at(std::ceil(N * p + half) - 1)};
}

double loglog_slope(const std::vector<double>& x, const std::vector<double>& y) {
  const auto n = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double lx = std::log(x[i]), ly = std::log(y[i]);
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

}  // namespace hdflow::cumulant

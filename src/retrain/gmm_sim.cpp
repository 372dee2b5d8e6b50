// Tier B of the GMM experiment (brief model-collapse-recursion.md §9.3): the finite-N KDE pipeline with the exact
// sampler, mode labels carried with the points, at the paper's N = 1e5 in O(N d) per generation.
#include <array>
#include <cmath>
#include <limits>
#include <random>

#include "hdflow/core/parallel.hpp"
#include "hdflow/retrain/gmm.hpp"
#include "hdflow/sim/mixture.hpp"

namespace hdflow::retrain {

namespace {

// Statistics of one generated set (columns of X, labels ℓ): brief §9.4's v̄ (within-mode variance about each
// mode's sample mean, pooled), the relative change of E‖x‖² against the data value, and the mean shrink factor.
std::array<double, 4> measure(const Eigen::MatrixXd& X, const std::vector<int>& label, const GmmData& data) {
  const int d = data.d, K = data.K();
  const Eigen::Index N = X.cols();
  Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(d, K);
  std::vector<double> count(static_cast<std::size_t>(K), 0.0);
  double sq = 0, proj = 0, mu2 = 0;
  for (Eigen::Index i = 0; i < N; ++i) {
    const int l = label[static_cast<std::size_t>(i)];
    sum.col(l) += X.col(i);
    count[static_cast<std::size_t>(l)] += 1;
    sq += X.col(i).squaredNorm();
  }
  double within = sq;
  for (int l = 0; l < K; ++l) {
    const double n = count[static_cast<std::size_t>(l)];
    if (n > 0) within -= sum.col(l).squaredNorm() / n;
    proj += sum.col(l).dot(data.means.row(l).transpose());
    mu2 += n * data.means.row(l).squaredNorm();
  }
  const double Nd = static_cast<double>(N);
  return {within / (Nd * d), sq / Nd / data.second_moment() - 1,
          mu2 > 0 ? proj / mu2 : std::numeric_limits<double>::quiet_NaN(), sq / Nd};
}

}  // namespace

std::vector<std::vector<std::array<double, 4>>> simulate_gmm_runs(const GmmData& data, double alpha, double h, double t0,
                                                                  int G, const GmmSimOptions& o) {
  const int d = data.d, N = o.N;
  const int nf = static_cast<int>(std::lround(alpha * N)), ns = N - nf;
  const double shrink = std::exp(-0.5 * t0), sd = std::sqrt(std::exp(-t0) * h * h - std::expm1(-t0));
  const double sigma = std::sqrt(data.sigma2);
  std::vector<std::vector<std::array<double, 4>>> out(static_cast<std::size_t>(o.seeds));
  parallel_for(o.seeds, o.threads, [&](int r) {
    auto rng = sim::stream(o.seed, static_cast<std::uint64_t>(r));
    std::normal_distribution<double> N01;
    std::discrete_distribution<int> mode(data.pi.begin(), data.pi.end());
    std::uniform_int_distribution<int> pick(0, N - 1);
    auto draw_p = [&](Eigen::MatrixXd& X, std::vector<int>& lab, int from, int count) {
      for (int i = from; i < from + count; ++i) {
        const int l = mode(rng);
        lab[static_cast<std::size_t>(i)] = l;
        for (int j = 0; j < d; ++j) X(j, i) = data.means(l, j) + sigma * N01(rng);
      }
    };
    // generated set of generation g (p̂⁰ = p: a sample of the data)
    Eigen::MatrixXd X(d, N), train(d, N);
    std::vector<int> lab(static_cast<std::size_t>(N)), train_lab(static_cast<std::size_t>(N));
    draw_p(X, lab, 0, N);
    auto& rows = out[static_cast<std::size_t>(r)];
    rows.push_back(measure(X, lab, data));
    for (int g = 0; g < G; ++g) {
      // training set: round(αN) fresh points of p, then N − round(αN) points of generation g's set
      draw_p(train, train_lab, 0, nf);
      train.rightCols(ns) = X.leftCols(ns);
      std::copy(lab.begin(), lab.begin() + ns, train_lab.begin() + nf);
      // KDE + exact sampler: S_{t₀}(x_U + h z) = e^{−t₀/2}x_U + √(e^{−t₀}h² + 1 − e^{−t₀}) z (brief §3.3 S3)
      for (int i = 0; i < N; ++i) {
        const int u = pick(rng);
        lab[static_cast<std::size_t>(i)] = train_lab[static_cast<std::size_t>(u)];
        for (int j = 0; j < d; ++j) X(j, i) = shrink * train(j, u) + sd * N01(rng);
      }
      rows.push_back(measure(X, lab, data));
    }
  });
  return out;
}

}  // namespace hdflow::retrain

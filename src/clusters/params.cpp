#include "hdflow/clusters/params.hpp"

#include <cmath>

#include "hdflow/core/gauss.hpp"
#include "hdflow/core/status.hpp"

namespace hdflow::clusters {

const std::vector<ParamSpec>& sgd_specs() {
  using K = ParamSpec::Kind;
  static const std::vector<ParamSpec> specs = {
      {"pi", K::array, Json::array({1.0 / 3, 1.0 / 3, 1.0 / 3}), 0, 0, false, false, "cluster weights (K of them, summing to 1)", {}, ""},
      {"means_gram", K::array, Json::array({Json::array({9, 0, -9}), Json::array({0, 9, 0}), Json::array({-9, 0, 9})}), 0, 0,
       false, false, "Gram matrix T_kc = mu_k.mu_c (K x K, PSD), or a list of one Gram matrix per spectral block", {}, ""},
      {"spectrum", K::array, Json::array({1.0}), 0, 0, false, false, "eigenvalues lambda_s of the covariance, one per block", {}, ""},
      {"fractions", K::array, Json::array({1.0}), 0, 0, false, false, "fractions p_s of the coordinates in each block (sum 1)", {}, ""},
      {"r", K::integer, 2, 1, 4, false, false, "hidden units of the tied autoencoder", {}, ""},
      {"M0", K::array, nullptr, 0, 0, false, false, "initial M (K x r); null: informed start 0.1 T[:, :r] (one block only)", {}, ""},
      {"Q0", K::array, nullptr, 0, 0, false, false, "initial Q (r x r); null: informed start 0.01 T[:r, :r]", {}, ""},
      {"b0", K::real, 0.0, -1e3, 1e3, false, false, "initial skip connection b", {}, ""},
      {"t", K::real, 0.7, 0, 1, true, true, "training noise level: alpha = 1 - t multiplies the noise, beta = t the data", {}, ""},
      {"eta", K::real, 0.1, 0, 1e3, true, false, "SGD learning rate of W (b uses eta/d^2)", {}, ""},
      {"weight_decay", K::real, 0.1, 0, 1e3, false, false, "weight decay lambda_wd of W (per step eta lambda_wd/d)", {}, ""},
      {"activation", K::string, "tanh", 0, 0, false, false, "sigma of the hidden units", {"tanh", "erf", "linear", "relu"}, ""},
      {"tau", K::real, 1.0, 0, 1e6, false, false, "training time tau = 2 eta k/d (k = samples seen)", {}, ""},
      {"d", K::real, 2000, 1, 1e12, false, false, "dimension, only to report the sample count n = tau d/(2 eta)", {}, ""},
  };
  return specs;
}

Eigen::MatrixXd matrix_from_json(const Json& j, const std::string& field) {
  if (!j.is_array() || j.empty()) throw InputError({field + ": " + j.dump() + ": allowed a non-empty list of rows"});
  if (!j[0].is_array()) {  // a vector: one column
    Eigen::MatrixXd v(static_cast<Eigen::Index>(j.size()), 1);
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (!j[i].is_number()) throw InputError({field + ": " + j.dump() + ": allowed numbers"});
      v(static_cast<Eigen::Index>(i), 0) = j[i].get<double>();
    }
    return v;
  }
  const std::size_t cols = j[0].size();
  Eigen::MatrixXd m(static_cast<Eigen::Index>(j.size()), static_cast<Eigen::Index>(cols));
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_array() || j[i].size() != cols)
      throw InputError({field + ": row " + std::to_string(i) + " has " + std::to_string(j[i].is_array() ? j[i].size() : 0) +
                        " entries: allowed " + std::to_string(cols) + " in every row"});
    for (std::size_t c = 0; c < cols; ++c) {
      if (!j[i][c].is_number()) throw InputError({field + ": " + j[i][c].dump() + ": allowed numbers"});
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = j[i][c].get<double>();
    }
  }
  return m;
}

namespace {
std::vector<double> list(const Json& j, const std::string& field) {
  const Eigen::MatrixXd m = matrix_from_json(j, field);
  if (m.cols() != 1) throw InputError({field + ": " + j.dump() + ": allowed a flat list of numbers"});
  return std::vector<double>(m.data(), m.data() + m.rows());
}
}  // namespace

SgdProblem sgd_problem_from_json(const Json& given_all, const Json& solver) {
  // Models built on the ODEs (generated law, density) add their own keys; only the ODE's are read here.
  Json given = Json::object();
  if (given_all.is_object())
    for (const auto& s : sgd_specs())
      if (given_all.contains(s.name)) given[s.name] = given_all[s.name];
  const Json j = resolve_params(sgd_specs(), given);
  SgdProblem pr;
  SgdParams& P = pr.P;
  P.pi = list(j["pi"], "pi");
  const Json& g = j["means_gram"];
  if (g.is_array() && !g.empty() && g[0].is_array() && !g[0].empty() && g[0][0].is_array()) {
    for (std::size_t s = 0; s < g.size(); ++s) P.T.push_back(matrix_from_json(g[s], "means_gram[" + std::to_string(s) + "]"));
  } else {
    P.T.push_back(matrix_from_json(g, "means_gram"));
  }
  P.lambda_s = list(j["spectrum"], "spectrum");
  P.p_s = list(j["fractions"], "fractions");
  P.r = j["r"].get<int>();
  P.t = j["t"].get<double>();
  P.eta = j["eta"].get<double>();
  P.weight_decay = j["weight_decay"].get<double>();
  const std::string a = j["activation"].get<std::string>();
  P.activation = a == "tanh" ? Activation::tanh : a == "erf" ? Activation::erf : a == "relu" ? Activation::relu : Activation::linear;
  P.nodes = solver.value("nodes", 100);
  P.quadrature = solver.value("quadrature", std::string("auto")) == "tensor" ? Quadrature::tensor : Quadrature::automatic;
  pr.tau = j["tau"].get<double>();
  pr.d = j["d"].get<double>();
  throw_if_invalid(P.validate());
  pr.start = informed_start(P);
  std::vector<std::string> v;
  if (!j["M0"].is_null() || !j["Q0"].is_null()) {
    if (P.N() > 1) v.push_back("M0: given with " + std::to_string(P.N()) + " spectral blocks: allowed null (informed start) with blocks");
    if (!j["M0"].is_null()) {
      const Eigen::MatrixXd M0 = matrix_from_json(j["M0"], "M0");
      if (M0.rows() != P.K() || M0.cols() != P.r)
        v.push_back("M0: " + std::to_string(M0.rows()) + "x" + std::to_string(M0.cols()) + ": allowed K x r = " +
                    std::to_string(P.K()) + "x" + std::to_string(P.r));
      else pr.start.m[0] = M0;
    }
    if (!j["Q0"].is_null()) {
      const Eigen::MatrixXd Q0 = matrix_from_json(j["Q0"], "Q0");
      if (Q0.rows() != P.r || Q0.cols() != P.r)
        v.push_back("Q0: " + std::to_string(Q0.rows()) + "x" + std::to_string(Q0.cols()) + ": allowed r x r = " +
                    std::to_string(P.r) + "x" + std::to_string(P.r));
      else {
        try {
          (void)gauss::psd_sqrt(Q0, "Q0");
          pr.start.q[0] = Q0;
        } catch (const InputError& e) {
          v.insert(v.end(), e.violations.begin(), e.violations.end());
        }
      }
    }
  }
  throw_if_invalid(v);
  pr.start.b = j["b0"].get<double>();
  return pr;
}

Json sgd_row(const SgdProblem& pr, const SgdState& s, double tau) {
  const SgdParams& P = pr.P;
  Json row;
  row["tau"] = tau;
  row["n_samples"] = tau * pr.d / (2 * P.eta);
  row["b"] = s.b;
  row["b_closed_form"] = b_closed_form(P, pr.start.b, tau);
  const Eigen::MatrixXd M = s.M(), Q = s.Q(), Qt = s.Qt(P);
  for (int k = 0; k < P.K(); ++k)
    for (int g = 0; g < P.r; ++g) row["M_" + std::to_string(k + 1) + "_" + std::to_string(g + 1)] = M(k, g);
  for (int g = 0; g < P.r; ++g)
    for (int e = g; e < P.r; ++e) row["Q_" + std::to_string(g + 1) + "_" + std::to_string(e + 1)] = Q(g, e);
  if (P.N() > 1) {
    for (int g = 0; g < P.r; ++g)
      for (int e = g; e < P.r; ++e) row["Qt_" + std::to_string(g + 1) + "_" + std::to_string(e + 1)] = Qt(g, e);
    for (int b = 0; b < P.N(); ++b) {
      const std::string blk = "s" + std::to_string(b + 1) + "_";
      for (int k = 0; k < P.K(); ++k)
        for (int g = 0; g < P.r; ++g)
          row["m_" + blk + std::to_string(k + 1) + "_" + std::to_string(g + 1)] = s.m[static_cast<std::size_t>(b)](k, g);
      for (int g = 0; g < P.r; ++g)
        for (int e = g; e < P.r; ++e)
          row["q_" + blk + std::to_string(g + 1) + "_" + std::to_string(e + 1)] = s.q[static_cast<std::size_t>(b)](g, e);
    }
  }
  const bool finite = M.allFinite() && Q.allFinite() && std::isfinite(s.b);
  row["status"] = finite ? "converged" : "non_finite";
  return row;
}

std::vector<std::string> validate_sgd_point(const Json& params) {
  try {
    (void)sgd_problem_from_json(params, Json::object());
  } catch (const InputError& e) {
    return e.violations;
  }
  return {};
}

}  // namespace hdflow::clusters

// Small views of grids as text, shared by the grid tests.
#pragma once

#include <string>
#include <vector>

#include "sweep/grid.hpp"

namespace sweep::test {

/// Point i's parameters as the JSON object records carry.
inline std::string params(const Grid& g, std::uint64_t i) {
  std::string s;
  append_params_json(s, g, g.point(i));
  return s;
}

/// Every point's parameters, in order.
inline std::vector<std::string> all_points(const Grid& g) {
  std::vector<std::string> out;
  for (std::uint64_t i = 0; i < g.size(); ++i) out.push_back(params(g, i));
  return out;
}

/// Every value of a sequence as command-line text.
inline std::vector<std::string> texts(const ValueSeq& seq) {
  std::vector<std::string> out;
  for (std::uint64_t i = 0; i < seq.size(); ++i)
    out.push_back(to_text(seq.at(i)));
  return out;
}

}  // namespace sweep::test

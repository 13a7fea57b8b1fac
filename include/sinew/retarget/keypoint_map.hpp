// Keypoint maps: which model body or site follows which source joint, with a position weight and
// an optional orientation weight (docs/retargeting.md; models/maps/ holds examples). Host only.
#pragma once
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sinew/io/error.hpp"

namespace sinew {

/// One line of a keypoint map: a source joint, the model body or site that follows it, a weight,
/// and the weight of its orientation target (0: position only).
struct KeypointMap {
  std::string source, target;
  double weight = 1;
  double orient = 0;
  std::string file;  ///< where it was read (for error messages), empty if built in code
  int line = 0;
};

/// Reads a keypoint map: one "source_joint model_body_or_site [weight] [orient=W]" per line, '#'
/// comments. A target "site:NAME" or "body:NAME" forces the kind; a bare name is a body first,
/// then a site. orient=W adds an orientation target of weight W (per rad^2; see retargeting.md).
inline std::vector<KeypointMap> parse_keypoint_map(const std::string& text, const std::string& file = "<string>") {
  std::vector<KeypointMap> out;
  std::istringstream in(text);
  std::string line;
  int ln = 0;
  while (std::getline(in, line)) {
    ++ln;
    const size_t h = line.find('#');
    if (h != std::string::npos) line.resize(h);
    std::istringstream ls(line);
    std::vector<std::string> w;
    for (std::string t; ls >> t;) w.push_back(t);
    if (w.empty()) continue;
    if (w.size() < 2 || w.size() > 4)
      throw ModelError(
          SourceLocation{file, ln, ""},
          "expected 'source_joint model_body_or_site [weight] [orient=W]', got " + std::to_string(w.size()) + " words");
    KeypointMap k{w[0], w[1], 1.0, 0.0, file, ln};
    bool have_weight = false;
    for (size_t i = 2; i < w.size(); ++i) {
      const bool orient = w[i].rfind("orient=", 0) == 0;
      if (!orient && have_weight)
        throw ModelError(SourceLocation{file, ln, ""},
                         "two position weights; an orientation weight is written orient=W");
      const std::string num = orient ? w[i].substr(7) : w[i];
      char* e = nullptr;
      const double v = std::strtod(num.c_str(), &e);
      if (num.empty() || *e != '\0' || !std::isfinite(v) || v <= 0 || (orient && k.orient > 0))
        throw ModelError(SourceLocation{file, ln, ""}, std::string(orient ? "orientation " : "") +
                                                           "weight must be a positive number (given once), got '" +
                                                           w[i] + "'");
      (orient ? k.orient : k.weight) = v;
      have_weight = have_weight || !orient;
    }
    out.push_back(k);
  }
  if (out.empty()) throw ModelError(SourceLocation{file, 0, ""}, "the keypoint map has no entries");
  return out;
}

inline std::vector<KeypointMap> load_keypoint_map(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw ModelError(SourceLocation{path, 0, ""}, "cannot open keypoint map");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_keypoint_map(ss.str(), path);
}

}  // namespace sinew

// Errors and warnings raised while reading models: each names the file, line and element.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace sinew {

/// Where something was declared in a model file.
struct SourceLocation {
  std::string file;     ///< path as given (after include resolution)
  int line = 0;         ///< 1-based line, 0 when unknown
  std::string element;  ///< XML element name, e.g. "joint"

  std::string str() const {
    // appended piece by piece: g++ 12 reports a false -Wrestrict on `s += ":" + to_string(..)`
    std::string s = file.empty() ? std::string("<string>") : file;
    if (line > 0) {
      s += ':';
      s += std::to_string(line);
    }
    if (!element.empty()) {
      s += ": <";
      s += element;
      s += '>';
    }
    return s;
  }
};

/// Thrown for malformed or unsupported model input.
class ModelError : public std::runtime_error {
 public:
  ModelError(SourceLocation where, const std::string& what)
      : std::runtime_error(where.str() + ": error: " + what), where_(std::move(where)) {}
  const SourceLocation& where() const { return where_; }

 private:
  SourceLocation where_;
};

/// A warning: the model loads, but something in it is not (yet) simulated or was adjusted.
struct Diagnostic {
  SourceLocation where;
  std::string message;
  std::string str() const { return where.str() + ": warning: " + message; }
};

}  // namespace sinew

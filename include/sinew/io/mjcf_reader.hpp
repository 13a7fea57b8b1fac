// MJCF reading machinery, host only: an XML tree that remembers each element's original file and
// line through <include> expansion, validation against MuJoCo's own schema (unknown elements and
// attributes are errors, as in MuJoCo), default classes, and typed attribute parsing whose errors
// name file:line and element.
//
//   sinew::mjcf::XNode root = sinew::mjcf::read_tree_file("model.xml");   // includes expanded
//   sinew::mjcf::validate(root);                                          // schema check
//   sinew::mjcf::Defaults defs; defs.build(root);                         // <default> classes
//   sinew::mjcf::Attrs a = defs.resolve(geom_node, cls, "geom");         // defaults + own attrs
//   double size[3] = {0, 0, 0}; a.reals("size", size, 3);
#pragma once
#include <tinyxml2.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "sinew/io/error.hpp"
#include "sinew/io/mjcf_schema.hpp"

namespace sinew::mjcf {

/// One XML element, with where it was written (after include expansion).
struct XNode {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;  ///< in document order
  std::vector<XNode> children;
  std::string file;
  int line = 0;

  const std::string* attr(const std::string& key) const {
    for (auto& kv : attrs)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  SourceLocation loc() const { return SourceLocation{file, line, name}; }
  [[noreturn]] void fail(const std::string& what) const { throw ModelError(loc(), what); }
};

//------------------------------------------------------------------------------------------------
// XML loading and <include> expansion

namespace detail {

inline std::string dir_of(const std::string& path) {
  std::filesystem::path p(path);
  std::string d = p.parent_path().string();
  return d.empty() ? std::string(".") : d;
}

inline std::string join_path(const std::string& dir, const std::string& file) {
  if (file.empty() || file[0] == '/' || dir.empty()) return file;
  if (dir.back() == '/') return dir + file;
  return dir + "/" + file;
}

inline XNode convert(const tinyxml2::XMLElement* e, const std::string& file) {
  XNode n;
  n.name = e->Name();
  n.file = file;
  n.line = e->GetLineNum();
  for (const tinyxml2::XMLAttribute* a = e->FirstAttribute(); a; a = a->Next())
    n.attrs.emplace_back(a->Name(), a->Value());
  for (const tinyxml2::XMLElement* c = e->FirstChildElement(); c; c = c->NextSiblingElement())
    n.children.push_back(convert(c, file));
  return n;
}

inline XNode parse_xml(const std::string& text, const std::string& file, bool from_file) {
  tinyxml2::XMLDocument doc;
  tinyxml2::XMLError err = doc.Parse(text.c_str(), text.size());
  if (err != tinyxml2::XML_SUCCESS) {
    std::string msg = doc.ErrorStr() ? doc.ErrorStr() : "XML parse error";
    throw ModelError(SourceLocation{file, doc.ErrorLineNum(), ""}, "malformed XML: " + msg);
  }
  const tinyxml2::XMLElement* root = doc.RootElement();
  if (!root)
    throw ModelError(SourceLocation{file, 0, ""},
                     from_file ? "XML file has no root element" : "XML has no root element");
  return convert(root, file);
}

/// Limits on what an MJCF file and its includes may make Sinew read (docs/reliability.md).
inline constexpr uintmax_t mjcf_max_file_bytes = uintmax_t(256) << 20;  ///< one file
inline constexpr uintmax_t mjcf_max_total_bytes = uintmax_t(1) << 30;   ///< the file and all includes
inline constexpr int mjcf_max_includes = 10000;                         ///< include expansions

/// A regular file's text, its size checked before it is read (no /dev/zero, no 10 GB file):
/// at most `limit` bytes, "the limit of <limit_of>" in the error (MJCF's by default).
inline std::string read_text_file(const std::string& path, const SourceLocation& where, const std::string& what,
                                  uintmax_t* budget = nullptr, uintmax_t limit = mjcf_max_file_bytes,
                                  const char* limit_of = "an MJCF file") {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) throw ModelError(where, "could not open " + what + " '" + path + "'");
  if (!std::filesystem::is_regular_file(st)) throw ModelError(where, what + " '" + path + "' is not a regular file");
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw ModelError(where, "could not read the size of " + what + " '" + path + "'");
  if (size > limit)
    throw ModelError(where, what + " '" + path + "' has " + std::to_string(size >> 20) + " MiB, more than the " +
                                std::to_string(limit >> 20) + " MiB limit of " + limit_of);
  if (budget) {
    if (size > *budget)
      throw ModelError(
          where, "the model and its includes exceed " + std::to_string(mjcf_max_total_bytes >> 20) + " MiB of XML");
    *budget -= size;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ModelError(where, "could not open " + what + " '" + path + "'");
  std::string text(size_t(size), '\0');
  if (size && !f.read(text.data(), std::streamsize(size)))
    throw ModelError(where, "could not read " + what + " '" + path + "'");
  return text;
}

/// The include chain being expanded (canonical paths: ./self.xml and self.xml are one file) and
/// what remains of the reading budget.
struct IncludeState {
  std::vector<std::string> stack;
  uintmax_t budget = mjcf_max_total_bytes;
  int count = 0;
  static std::string key(const std::string& path) {
    std::error_code ec;
    const auto c = std::filesystem::weakly_canonical(path, ec);
    return ec ? path : c.string();
  }
};

// Replaces every <include file> below `n` by the children of the included file's root element.
// Paths are relative to the directory of the file holding the <include> (for the main file, its
// directory or the given base directory): myo models nest includes across folders this way.
inline void expand_includes(XNode& n, const std::string& base_dir, IncludeState& st) {
  std::vector<XNode> out;
  out.reserve(n.children.size());
  for (auto& c : n.children) {
    if (c.name != "include") {
      expand_includes(c, base_dir, st);
      out.push_back(std::move(c));
      continue;
    }
    const std::string* f = c.attr("file");
    if (!f) c.fail("<include> requires the 'file' attribute");
    for (auto& kv : c.attrs)
      if (kv.first != "file") c.fail("unknown attribute '" + kv.first + "' in <include>");
    if (!c.children.empty()) c.fail("<include> cannot have children");
    std::string path = join_path(base_dir, *f);
    const std::string key = IncludeState::key(path);
    for (auto& s : st.stack)
      if (s == key) c.fail("recursive include of '" + path + "'");
    if (++st.count > mjcf_max_includes)
      c.fail("more than " + std::to_string(mjcf_max_includes) + " <include> expansions");
    std::string text = read_text_file(path, c.loc(), "included file", &st.budget);
    XNode inc = parse_xml(text, path, true);
    st.stack.push_back(key);
    expand_includes(inc, dir_of(path), st);
    st.stack.pop_back();
    for (auto& ic : inc.children) out.push_back(std::move(ic));
  }
  n.children = std::move(out);
}

}  // namespace detail

/// Reads an MJCF file into a tree with includes expanded.
inline XNode read_tree_file(const std::string& path) {
  detail::IncludeState st;
  std::string text = detail::read_text_file(path, SourceLocation{path, 0, ""}, "model file", &st.budget);
  XNode root = detail::parse_xml(text, path, true);
  st.stack.push_back(detail::IncludeState::key(path));
  detail::expand_includes(root, detail::dir_of(path), st);
  return root;
}

/// Reads MJCF text; includes are resolved against base_dir.
inline XNode read_tree_string(const std::string& xml, const std::string& base_dir) {
  XNode root = detail::parse_xml(xml, "", false);
  detail::IncludeState st;
  detail::expand_includes(root, base_dir, st);
  return root;
}

//------------------------------------------------------------------------------------------------
// Schema

struct SchemaNode {
  std::string name;
  char mult = '*';
  std::vector<std::string> attrs;
  std::vector<int> children;
  int parent = -1;
};

class Schema {
 public:
  static const Schema& get() {
    static const Schema s;
    return s;
  }
  const SchemaNode& node(int i) const { return nodes_[size_t(i)]; }
  int root() const { return 0; }

  /// Schema node of child element `name` under schema node `parent`, or -1.
  int child(int parent, const std::string& name) const {
    const SchemaNode& p = nodes_[size_t(parent)];
    for (int c : p.children) {
      const std::string& cn = nodes_[size_t(c)].name;
      if (cn == name || (cn == "(world)body" && name == "worldbody")) return c;
    }
    // recursive elements (default in default, body in body)
    if (p.mult == 'R' && (p.name == name || (p.name == "(world)body" && name == "body"))) return parent;
    return -1;
  }
  bool has_attr(int n, const std::string& a) const {
    for (auto& s : nodes_[size_t(n)].attrs)
      if (s == a) return true;
    return false;
  }

 private:
  std::vector<SchemaNode> nodes_;

  Schema() {
    std::istringstream in(sinew::detail::mjcf_schema_text());
    std::string line;
    std::vector<int> stack;  // node index per depth
    int cur = -1;
    while (std::getline(in, line)) {
      if (line.find_first_not_of(' ') == std::string::npos) continue;
      size_t indent = line.find_first_not_of(' ');
      std::istringstream ls(line);
      if (indent >= 30) {  // continuation of the attribute list
        std::string a;
        while (ls >> a) nodes_[size_t(cur)].attrs.push_back(a);
        continue;
      }
      int depth = int(indent / 3);
      SchemaNode n;
      std::string mult;
      ls >> n.name >> mult;
      n.mult = mult.size() >= 2 ? mult[1] : '*';
      std::string a;
      while (ls >> a) n.attrs.push_back(a);
      stack.resize(size_t(depth));
      n.parent = depth > 0 ? stack[size_t(depth - 1)] : -1;
      cur = int(nodes_.size());
      nodes_.push_back(n);
      if (n.parent >= 0) nodes_[size_t(n.parent)].children.push_back(cur);
      stack.push_back(cur);
    }
    // <frame>: a coordinate frame inside bodies (MuJoCo >= 3.2), not printed by mj_printSchema
    int body = -1;
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i].name == "(world)body") body = int(i);
    if (body >= 0) {
      SchemaNode f;
      f.name = "frame";
      f.mult = '*';
      f.attrs = {"name", "childclass", "pos", "quat", "axisangle", "xyaxes", "zaxis", "euler"};
      f.parent = body;
      nodes_.push_back(f);
      nodes_[size_t(body)].children.push_back(int(nodes_.size() - 1));
      SchemaNode r;
      r.name = "replicate";
      r.attrs = {"count", "offset", "euler", "sep"};
      r.parent = body;
      nodes_.push_back(r);
      nodes_[size_t(body)].children.push_back(int(nodes_.size() - 1));
    }
  }
};

/// Checks every element and attribute against MuJoCo's schema; throws ModelError at the first
/// unknown element, unknown attribute or repeated singleton.
inline void validate(const XNode& root) {
  const Schema& s = Schema::get();
  if (root.name != "mujoco") root.fail("root element must be <mujoco>, found <" + root.name + ">");
  struct Rec {
    static void go(const Schema& s, const XNode& n, int sn) {
      for (auto& kv : n.attrs)
        if (!s.has_attr(sn, kv.first)) n.fail("unknown attribute '" + kv.first + "'");
      std::map<std::string, int> count;
      for (auto& c : n.children) {
        int cn = s.child(sn, c.name);
        if (cn < 0) c.fail("unknown element <" + c.name + "> in <" + n.name + ">");
        if (s.node(cn).mult == '?' || s.node(cn).mult == '!')
          if (++count[c.name] > 1) c.fail("element <" + c.name + "> may appear at most once in <" + n.name + ">");
        // frames hold body content
        if (c.name == "frame") go_frame(s, c);
        else go(s, c, cn);
      }
    }
    static int find_body(const Schema& s) {
      for (int i = 0;; ++i)
        if (s.node(i).name == "(world)body") return i;
    }
    static void go_frame(const Schema& s, const XNode& f) {
      int body = find_body(s);
      int fn = s.child(body, "frame");
      for (auto& kv : f.attrs)
        if (!s.has_attr(fn, kv.first)) f.fail("unknown attribute '" + kv.first + "'");
      for (auto& c : f.children) {
        if (c.name == "frame") {
          go_frame(s, c);
          continue;
        }
        int cn = s.child(body, c.name);
        if (cn < 0 || c.name == "inertial") c.fail("unknown element <" + c.name + "> in <frame>");
        go(s, c, cn);
      }
    }
  };
  Rec::go(s, root, s.root());
}

//------------------------------------------------------------------------------------------------
// Typed attribute access

/// Resolved attributes of one element: defaults first, the element's own last. Each entry keeps
/// the node it came from for messages. Vector attributes are resolved MuJoCo's way: a value with
/// fewer numbers than the attribute holds overwrites only the leading entries.
struct Attrs {
  struct Entry {
    std::string key;
    std::string value;
    const XNode* from;
  };
  const XNode* node = nullptr;  ///< the element itself
  std::vector<Entry> entries;   ///< in application order (defaults, then the element)

  bool has(const std::string& k) const {
    for (auto& e : entries)
      if (e.key == k) return true;
    return false;
  }
  /// Whether the element itself (not a default) sets k.
  bool own(const std::string& k) const { return node && node->attr(k) != nullptr; }
  const Entry* last(const std::string& k) const {
    const Entry* r = nullptr;
    for (auto& e : entries)
      if (e.key == k) r = &e;
    return r;
  }
  std::string str(const std::string& k, const std::string& def = "") const {
    const Entry* e = last(k);
    return e ? e->value : def;
  }
  [[noreturn]] void fail_at(const Entry& e, const std::string& what) const {
    const XNode* n = e.from ? e.from : node;
    throw ModelError(n->loc(), "attribute '" + e.key + "': " + what);
  }

  static std::vector<double> numbers(const Attrs& self, const Entry& e) {
    std::vector<double> v;
    const char* p = e.value.c_str();
    while (true) {
      while (*p && std::isspace(static_cast<unsigned char>(*p))) ++p;
      if (!*p) break;
      char* end = nullptr;
      errno = 0;
      double d = std::strtod(p, &end);
      if (end == p || (*end && !std::isspace(static_cast<unsigned char>(*end))))
        self.fail_at(e, "could not parse '" + e.value + "' as numbers");
      if (errno == ERANGE && std::isinf(d)) self.fail_at(e, "number out of range in '" + e.value + "'");
      v.push_back(d);
      p = end;
    }
    return v;
  }

  /// Reads up to n reals into out (partial values overwrite leading entries), applying every
  /// default and then the element. exact: the value must have exactly n numbers. Returns
  /// whether any level set the attribute.
  bool reals(const std::string& k, double* out, int n, bool exact = false) const {
    bool found = false;
    for (auto& e : entries) {
      if (e.key != k) continue;
      std::vector<double> v = numbers(*this, e);
      if (int(v.size()) > n) fail_at(e, "has more than " + std::to_string(n) + " value" + (n > 1 ? "s" : ""));
      if (exact && int(v.size()) != n) fail_at(e, "must have " + std::to_string(n) + " value" + (n > 1 ? "s" : ""));
      if (v.empty()) fail_at(e, "is empty");
      for (size_t i = 0; i < v.size(); ++i) {
        if (std::isnan(v[i])) fail_at(e, "is NaN");
        out[i] = v[i];
      }
      found = true;
    }
    return found;
  }
  bool real(const std::string& k, double& out) const { return reals(k, &out, 1, true); }
  /// All numbers of the last setting (any count).
  bool list(const std::string& k, std::vector<double>& out) const {
    const Entry* e = last(k);
    if (!e) return false;
    out = numbers(*this, *e);
    return true;
  }
  bool integer(const std::string& k, int& out) const {
    double d;
    if (!real(k, d)) return false;
    const Entry* e = last(k);
    if (d != std::floor(d) || std::abs(d) > 2147483647.0) fail_at(*e, "must be an integer");
    out = int(d);
    return true;
  }
  /// Keyword attribute: value must be one of `words`; out = its index.
  bool keyword(const std::string& k, int& out, std::initializer_list<const char*> words) const {
    const Entry* e = last(k);
    if (!e) return false;
    std::string v = e->value;
    // MuJoCo ignores surrounding whitespace in keywords
    size_t a = v.find_first_not_of(" \t\n\r"), b = v.find_last_not_of(" \t\n\r");
    v = a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
    int i = 0;
    std::string allowed;
    for (const char* w : words) {
      if (v == w) {
        out = i;
        return true;
      }
      allowed += (i ? ", " : "") + std::string(w);
      ++i;
    }
    fail_at(*e, "invalid keyword '" + e->value + "' (expected one of: " + allowed + ")");
  }
  bool boolean(const std::string& k, bool& out) const {
    int i;
    if (!keyword(k, i, {"false", "true"})) return false;
    out = i == 1;
    return true;
  }
};

//------------------------------------------------------------------------------------------------
// Default classes

/// <default> classes: a tree rooted at "main". Each class holds at most one default element per
/// kind (geom, joint, ...); a class inherits every setting of its ancestors.
class Defaults {
 public:
  struct Class {
    std::string name;
    int parent = -1;
    const XNode* node = nullptr;
    std::vector<const XNode*> elems;  ///< default elements in document order
  };

  Defaults() { classes_.push_back(Class{"main", -1, nullptr, {}}); }

  /// Reads every top-level <default> section of `root`.
  void build(const XNode& root) {
    for (auto& c : root.children)
      if (c.name == "default") add(c, -1);
  }

  int find(const std::string& name) const {
    for (size_t i = 0; i < classes_.size(); ++i)
      if (classes_[i].name == name) return int(i);
    return -1;
  }
  const Class& cls(int i) const { return classes_[size_t(i)]; }

  /// Class index for an element: its own `class`, else the inherited childclass `active`.
  int class_of(const XNode& n, int active) const {
    if (const std::string* c = n.attr("class")) {
      int i = find(*c);
      if (i < 0) n.fail("unknown default class '" + *c + "'");
      return i;
    }
    return active;
  }

  /// Attributes of element `n` of default kind `kind` in class `cls`: defaults of the class
  /// chain (root first), then n's own attributes. `kinds` lets several default element kinds feed
  /// one element (actuator shortcuts share one actuator default in MuJoCo).
  Attrs resolve(const XNode& n, int cls, std::initializer_list<const char*> kinds) const {
    Attrs a;
    a.node = &n;
    std::vector<int> chain;
    for (int c = cls; c >= 0; c = classes_[size_t(c)].parent) chain.insert(chain.begin(), c);
    for (int c : chain)
      for (const XNode* d : classes_[size_t(c)].elems)
        for (const char* k : kinds)
          if (d->name == k)
            for (auto& kv : d->attrs) a.entries.push_back({kv.first, kv.second, d});
    for (auto& kv : n.attrs) a.entries.push_back({kv.first, kv.second, &n});
    return a;
  }
  Attrs resolve(const XNode& n, int cls, const char* kind) const { return resolve(n, cls, {kind}); }

  /// The default elements (in class-chain order) of the given kinds: used where a default's
  /// element kind matters (actuator shortcuts).
  std::vector<const XNode*> chain_elems(int cls, std::initializer_list<const char*> kinds) const {
    std::vector<int> chain;
    for (int c = cls; c >= 0; c = classes_[size_t(c)].parent) chain.insert(chain.begin(), c);
    std::vector<const XNode*> r;
    for (int c : chain)
      for (const XNode* d : classes_[size_t(c)].elems)
        for (const char* k : kinds)
          if (d->name == k) r.push_back(d);
    return r;
  }

 private:
  std::vector<Class> classes_;

  void add(const XNode& d, int parent) {
    int idx;
    const std::string* cname = d.attr("class");
    if (parent < 0) {
      // top-level <default>: the main class (a class name other than "main" is an error in MuJoCo)
      if (cname && *cname != "main") d.fail("top-level default class must be 'main', got '" + *cname + "'");
      idx = 0;
      classes_[0].node = &d;
    } else {
      if (!cname) d.fail("nested <default> requires the 'class' attribute");
      if (find(*cname) >= 0) d.fail("repeated default class name '" + *cname + "'");
      idx = int(classes_.size());
      classes_.push_back(Class{*cname, parent, &d, {}});
    }
    for (auto& c : d.children) {
      if (c.name == "default") add(c, idx);
      else classes_[size_t(idx)].elems.push_back(&c);
    }
  }
};

}  // namespace sinew::mjcf

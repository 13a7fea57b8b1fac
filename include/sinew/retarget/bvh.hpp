// BVH motion capture files: reader, writer and forward kinematics of the file's own skeleton.
// Host only.
//
//   sinew::Bvh b = sinew::load_bvh("walk.bvh");          // throws sinew::ModelError (file:line: ...)
//   std::vector<double> p = sinew::bvh_joint_positions(b); // nframe x njoint x 3, the file's units and axes
//   sinew::save_bvh("copy.bvh", b);
//
// Format (Biovision hierarchy): HIERARCHY, then ROOT name { OFFSET x y z CHANNELS n c1 .. cn
// (JOINT name { ... } | End Site { OFFSET x y z })* }, then MOTION, "Frames: N", "Frame Time: dt"
// and N lines of values, one per channel in hierarchy order. Channels are Xposition,
// Yposition, Zposition, Xrotation, Yrotation, Zrotation in any order (at most one each);
// rotations are in degrees and compose in the order listed (channels "Zrotation Xrotation
// Yrotation" give R = Rz Rx Ry, applied to child offsets). A joint's local transform is the
// translation OFFSET + (Xposition, Yposition, Zposition), then the rotation, as Blender and
// most readers do (roots of real files have OFFSET 0, so the position channels are the root's
// position). End Sites become joints named "<parent>_end" without channels.
//
// Malformed input throws ModelError naming the file, the line and what is wrong (unknown
// keyword, missing brace, bad or non-finite number, a frame line with the wrong number of values,
// fewer frame lines than "Frames:"). Nothing is allocated from a count in the file before the
// values it announces have been read, and the hierarchy is parsed without recursion, so no file
// can make the reader crash or hang.
#pragma once
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sinew/io/error.hpp"
#include "sinew/math/math.hpp"

namespace sinew {

/// Channel kinds of a BVH joint.
enum BvhChannel : int { BVH_XPOS = 0, BVH_YPOS, BVH_ZPOS, BVH_XROT, BVH_YROT, BVH_ZROT };

struct BvhJoint {
  std::string name;
  int parent = -1;               ///< index into Bvh::joints, -1 for the root
  double offset[3] = {0, 0, 0};  ///< in the parent's frame, the file's units
  std::vector<int> channels;     ///< BvhChannel values in file order
  int channel_adr = 0;           ///< first column of this joint in a frame
  bool end_site = false;         ///< an End Site (no channels)
};

/// A BVH file: joints in file order (parents before children), frames of channel values.
struct Bvh {
  std::vector<BvhJoint> joints;
  int nchannel = 0;
  int nframe = 0;
  double frame_time = 0;       ///< seconds per frame
  std::vector<double> motion;  ///< nframe x nchannel, degrees for rotations

  int njoint() const { return int(joints.size()); }
  double fps() const { return frame_time > 0 ? 1.0 / frame_time : 0; }
  const double* frame(int f) const { return motion.data() + size_t(f) * size_t(nchannel); }
  /// Index of the named joint, or -1.
  int find(const std::string& name) const {
    for (size_t i = 0; i < joints.size(); ++i)
      if (joints[i].name == name) return int(i);
    return -1;
  }
  /// Appends a joint (parent must already exist) and assigns its channel columns; returns its index.
  int add_joint(const std::string& name, int parent, const double offset[3], std::vector<int> channels,
                bool end_site = false) {
    BvhJoint j;
    j.name = name;
    j.parent = parent;
    j.end_site = end_site;
    for (int k = 0; k < 3; ++k) j.offset[k] = offset[k];
    j.channels = std::move(channels);
    j.channel_adr = nchannel;
    nchannel += int(j.channels.size());
    joints.push_back(std::move(j));
    return njoint() - 1;
  }
};

namespace bvh_detail {

struct Token {
  std::string text;
  int line;
};

[[noreturn]] inline void fail(const std::string& file, int line, const std::string& what) {
  throw ModelError(SourceLocation{file, line, ""}, what);
}

/// Splits the text into whitespace-separated tokens with their lines; '{' and '}' are tokens of
/// their own even when attached to a word.
inline std::vector<Token> tokenize(const std::string& text, size_t begin, size_t end, int line0) {
  std::vector<Token> out;
  int line = line0;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back({cur, line});
    cur.clear();
  };
  for (size_t i = begin; i < end; ++i) {
    const char c = text[i];
    if (c == '\n') {
      flush();
      ++line;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') flush();
    else if (c == '{' || c == '}') {
      flush();
      out.push_back({std::string(1, c), line});
    } else cur += c;
  }
  flush();
  return out;
}

/// A finite number filling the whole token, else a ModelError naming `what`.
inline double number(const std::string& file, const Token& t, const char* what) {
  const char* s = t.text.c_str();
  char* e = nullptr;
  const double v = std::strtod(s, &e);
  if (e == s || *e != '\0') fail(file, t.line, std::string("expected a number for ") + what + ", got '" + t.text + "'");
  if (!std::isfinite(v)) fail(file, t.line, std::string("non-finite value '") + t.text + "' for " + what);
  return v;
}

inline int channel_of(const std::string& s) {
  static const char* names[6] = {"Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation"};
  for (int k = 0; k < 6; ++k)
    if (s == names[k]) return k;
  return -1;
}
inline const char* channel_name(int c) {
  static const char* names[6] = {"Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation"};
  return names[c];
}

inline mat3<double> axis_rot(int axis, double deg) {
  const double a = deg * (M_PI / 180.0), c = std::cos(a), s = std::sin(a);
  if (axis == 0) return {{1, 0, 0, 0, c, -s, 0, s, c}};
  if (axis == 1) return {{c, 0, s, 0, 1, 0, -s, 0, c}};
  return {{c, -s, 0, s, c, 0, 0, 0, 1}};
}

/// The offset of the line holding MOTION (npos when there is none) and, in motion_line, its
/// number: the hierarchy ends there; frames are read line by line after it.
inline size_t find_motion(const std::string& text, int& motion_line) {
  size_t motion_pos = std::string::npos;
  int line = 1;
  size_t start = 0;
  while (start <= text.size()) {
    size_t e = text.find('\n', start);
    if (e == std::string::npos) e = text.size();
    const std::string l = text.substr(start, e - start);
    const size_t a = l.find_first_not_of(" \t\r");
    if (a != std::string::npos && l.compare(a, 6, "MOTION") == 0 &&
        (a + 6 == l.size() || l.find_first_not_of(" \t\r", a + 6) == std::string::npos)) {
      motion_pos = start;
      motion_line = line;
      break;
    }
    if (e == text.size()) break;
    start = e + 1;
    ++line;
  }
  return motion_pos;
}

/// MOTION: "Frames: N", "Frame Time: dt", then N lines of nchannel values, into b.
inline void read_motion(Bvh& b, const std::string& text, size_t motion_pos, int motion_line, const std::string& file) {
  std::istringstream in(text.substr(motion_pos));
  std::string line;
  int ln = motion_line;
  std::getline(in, line);  // MOTION
  auto next_line = [&](const char* what) {
    while (std::getline(in, line)) {
      ++ln;
      if (line.find_first_not_of(" \t\r") != std::string::npos) return;
    }
    fail(file, ln, std::string("unexpected end of file, expected ") + what);
  };
  auto header = [&](const char* key, const char* what) -> Token {
    next_line(what);
    const std::vector<Token> t = tokenize(line, 0, line.size(), ln);
    std::string joined;
    size_t k = 0;
    for (; k < t.size(); ++k) {
      joined += (joined.empty() ? "" : " ") + t[k].text;
      if (!joined.empty() && joined.back() == ':') break;
    }
    if (joined.rfind(key, 0) != 0) fail(file, ln, std::string("expected '") + key + "', got '" + line + "'");
    std::string rest = joined.substr(std::string(key).size());
    if (!rest.empty()) return Token{rest, ln};  // "Frames:12" written without a space is not BVH
    if (k + 2 != t.size()) fail(file, ln, std::string("expected one value after '") + key + "'");
    return t[k + 1];
  };
  const Token ft = header("Frames:", "'Frames:'");
  const double nf = number(file, ft, "Frames");
  if (nf != std::floor(nf) || nf < 0 || nf > 2e9)
    fail(file, ln, "Frames must be a non-negative integer, got '" + ft.text + "'");
  const Token tt = header("Frame Time:", "'Frame Time:'");
  b.frame_time = number(file, tt, "Frame Time");
  if (!(b.frame_time > 0)) fail(file, ln, "Frame Time must be positive, got '" + tt.text + "'");
  b.nframe = int(nf);
  for (int f = 0; f < b.nframe; ++f) {
    next_line(("frame " + std::to_string(f + 1) + " of " + std::to_string(b.nframe) + " (truncated motion)").c_str());
    const std::vector<Token> t = tokenize(line, 0, line.size(), ln);
    if (int(t.size()) != b.nchannel)
      fail(file, ln,
           "frame " + std::to_string(f + 1) + " has " + std::to_string(t.size()) + " values, the hierarchy has " +
               std::to_string(b.nchannel) + " channels");
    for (const Token& x : t) b.motion.push_back(number(file, x, "a channel value"));
  }
  while (std::getline(in, line)) {
    ++ln;
    if (line.find_first_not_of(" \t\r") != std::string::npos)
      fail(file, ln, "more frame lines than 'Frames: " + std::to_string(b.nframe) + "'");
  }
}

}  // namespace bvh_detail

/// Parses BVH text; `file` names the source in error messages.
inline Bvh parse_bvh(const std::string& text, const std::string& file = "<string>") {
  using namespace bvh_detail;
  int motion_line = 1;
  const size_t motion_pos = find_motion(text, motion_line);
  const size_t hier_end = motion_pos == std::string::npos ? text.size() : motion_pos;
  const std::vector<Token> tok = tokenize(text, 0, hier_end, 1);
  size_t i = 0;
  const int last_line = tok.empty() ? 1 : tok.back().line;
  auto next = [&](const char* what) -> const Token& {
    if (i >= tok.size()) fail(file, last_line, std::string("unexpected end of hierarchy, expected ") + what);
    return tok[i++];
  };
  auto expect = [&](const char* word) {
    const Token& t = next(word);
    if (t.text != word) fail(file, t.line, std::string("expected '") + word + "', got '" + t.text + "'");
  };

  Bvh b;
  expect("HIERARCHY");
  const Token& root = next("ROOT");
  if (root.text != "ROOT") fail(file, root.line, "expected 'ROOT', got '" + root.text + "'");
  std::vector<int> stack;  // open joints
  int parent = -1;
  bool is_end = false;
  std::string name;
  for (;;) {
    // the head of a joint ("ROOT name", "JOINT name" or "End Site") has been read
    if (!is_end) {
      const Token& n = next("a joint name");
      if (n.text == "{" || n.text == "}") fail(file, n.line, "joint without a name");
      name = n.text;
      for (const BvhJoint& j : b.joints)
        if (j.name == name) fail(file, n.line, "duplicate joint name '" + name + "'");
    } else {
      name = (parent >= 0 ? b.joints[size_t(parent)].name : std::string("root")) + "_end";
    }
    expect("{");
    const Token& off = next("OFFSET");
    if (off.text != "OFFSET") fail(file, off.line, "expected 'OFFSET', got '" + off.text + "'");
    double o[3];
    for (int k = 0; k < 3; ++k) o[k] = number(file, next("an OFFSET value"), "OFFSET");
    std::vector<int> ch;
    if (!is_end) {
      const Token& c = next("CHANNELS");
      if (c.text != "CHANNELS") fail(file, c.line, "expected 'CHANNELS' in joint '" + name + "', got '" + c.text + "'");
      const Token& nt = next("the channel count");
      const double nc = number(file, nt, "the channel count");
      if (nc != std::floor(nc) || nc < 0 || nc > 6)
        fail(file, nt.line, "channel count must be an integer from 0 to 6, got '" + nt.text + "'");
      for (int k = 0; k < int(nc); ++k) {
        const Token& ct = next("a channel name");
        const int id = channel_of(ct.text);
        if (id < 0) fail(file, ct.line, "unknown channel '" + ct.text + "' (expected X/Y/Z position or rotation)");
        for (int prev : ch)
          if (prev == id) fail(file, ct.line, "channel '" + ct.text + "' repeated in joint '" + name + "'");
        ch.push_back(id);
      }
    }
    const int id = b.add_joint(name, parent, o, std::move(ch), is_end);
    stack.push_back(id);
    parent = id;
    // children, or closing braces
    for (;;) {
      if (i >= tok.size()) {
        if (stack.empty()) break;
        fail(file, last_line,
             "unexpected end of hierarchy: joint '" + b.joints[size_t(stack.back())].name + "' is not closed by '}'");
      }
      const Token& t = tok[i++];
      if (t.text == "}") {
        stack.pop_back();
        parent = stack.empty() ? -1 : stack.back();
        if (stack.empty()) break;
        continue;
      }
      if (b.joints[size_t(stack.back())].end_site)
        fail(file, t.line, "an End Site has no children, got '" + t.text + "'");
      if (t.text == "JOINT") {
        is_end = false;
        break;
      }
      if (t.text == "End") {
        const Token& s = next("'Site'");
        if (s.text != "Site") fail(file, s.line, "expected 'Site' after 'End', got '" + s.text + "'");
        is_end = true;
        break;
      }
      if (t.text == "ROOT") fail(file, t.line, "only one ROOT is supported");
      fail(file, t.line, "expected 'JOINT', 'End Site' or '}', got '" + t.text + "'");
    }
    if (stack.empty()) break;
  }
  if (i < tok.size())
    fail(file, tok[i].line, "unexpected '" + tok[i].text + "' after the root joint (only one ROOT is supported)");
  if (motion_pos == std::string::npos) fail(file, last_line, "missing MOTION section");

  read_motion(b, text, motion_pos, motion_line, file);
  return b;
}

/// Reads a BVH file (see parse_bvh).
inline Bvh load_bvh(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ModelError(SourceLocation{path, 0, ""}, "cannot open BVH file");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_bvh(ss.str(), path);
}

/// BVH text of `b`; numbers with `digits` significant digits (10 by default: 1e-10 relative,
/// far below any capture's precision, so a written file reads back to the same motion).
inline std::string bvh_to_string(const Bvh& b, int digits = 10) {
  if (b.joints.empty() || b.joints[0].parent != -1)
    throw std::invalid_argument("bvh_to_string: the first joint must be the root");
  if (b.motion.size() != size_t(b.nframe) * size_t(b.nchannel))
    throw std::invalid_argument("bvh_to_string: motion size");
  char buf[64];
  auto num = [&](double v) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v == 0 ? 0.0 : v);
    return std::string(buf);
  };
  std::vector<std::vector<int>> children(b.joints.size());
  for (size_t j = 1; j < b.joints.size(); ++j) {
    const int p = b.joints[j].parent;
    if (p < 0 || p >= int(j)) throw std::invalid_argument("bvh_to_string: joints must follow their parents");
    children[size_t(p)].push_back(int(j));
  }
  std::string out = "HIERARCHY\n";
  // depth-first with an explicit stack: (joint, next child index)
  std::vector<std::pair<int, size_t>> st{{0, 0}};
  auto open = [&](int j) {
    const BvhJoint& J = b.joints[size_t(j)];
    const std::string ind(2 * (st.size() - 1), ' ');
    out += ind + (J.parent < 0 ? "ROOT " + J.name : J.end_site ? std::string("End Site") : "JOINT " + J.name) + "\n";
    out += ind + "{\n" + ind + "  OFFSET " + num(J.offset[0]) + " " + num(J.offset[1]) + " " + num(J.offset[2]) + "\n";
    if (!J.end_site) {
      out += ind + "  CHANNELS " + std::to_string(J.channels.size());
      for (int c : J.channels) out += std::string(" ") + bvh_detail::channel_name(c);
      out += "\n";
    }
  };
  open(0);
  while (!st.empty()) {
    auto& [j, k] = st.back();
    if (k < children[size_t(j)].size()) {
      const int c = children[size_t(j)][k++];
      st.push_back({c, 0});
      open(c);
    } else {
      out += std::string(2 * (st.size() - 1), ' ') + "}\n";
      st.pop_back();
    }
  }
  out += "MOTION\nFrames: " + std::to_string(b.nframe) + "\nFrame Time: " + num(b.frame_time) + "\n";
  for (int f = 0; f < b.nframe; ++f) {
    for (int c = 0; c < b.nchannel; ++c) {  // piece by piece: g++ 12 reports a false -Wrestrict on "..." + string
      if (c) out += ' ';
      out += num(b.frame(f)[c]);
    }
    out += "\n";
  }
  return out;
}

/// Writes `b` to `path` (see bvh_to_string).
inline void save_bvh(const std::string& path, const Bvh& b, int digits = 10) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot write " + path);
  f << bvh_to_string(b, digits);
  if (!f) throw std::runtime_error("error writing " + path);
}

/// World positions (njoint x 3) and rotations (njoint x 9, row-major; may be null) of every
/// joint at frame f, in the file's units and axes.
inline void bvh_frame_pose(const Bvh& b, int f, double* pos, double* rot = nullptr) {
  const double* v = b.frame(f);
  std::vector<mat3<double>> R(b.joints.size());
  for (size_t j = 0; j < b.joints.size(); ++j) {
    const BvhJoint& J = b.joints[j];
    vec3<double> t{J.offset[0], J.offset[1], J.offset[2]};
    mat3<double> r = mat3<double>::identity();
    for (size_t k = 0; k < J.channels.size(); ++k) {
      const int c = J.channels[k];
      const double x = v[J.channel_adr + int(k)];
      if (c < 3) t[c] += x;
      else r = r * bvh_detail::axis_rot(c - 3, x);
    }
    if (J.parent < 0) {
      t.store(pos + 3 * j);
      R[j] = r;
    } else {
      const size_t p = size_t(J.parent);
      (R[p] * t + vec3<double>::load(pos + 3 * p)).store(pos + 3 * j);
      R[j] = R[p] * r;
    }
    if (rot) R[j].store(rot + 9 * j);
  }
}

/// World joint positions of every frame: nframe x njoint x 3 (End Sites included).
inline std::vector<double> bvh_joint_positions(const Bvh& b) {
  std::vector<double> out(size_t(b.nframe) * b.joints.size() * 3);
  for (int f = 0; f < b.nframe; ++f) bvh_frame_pose(b, f, out.data() + size_t(f) * b.joints.size() * 3);
  return out;
}

}  // namespace sinew

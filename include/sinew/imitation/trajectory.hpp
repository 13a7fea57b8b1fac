// Reference motions: many clips stacked along one frame axis, in LocoMuJoCo's / MuscleMimic's
// trajectory .npz format; resampling to the control rate; forward kinematics to fill body and
// site poses; a flat copy on the backend (TrajectoryView) that per-world functors read.
//
//   sinew::Trajectory tr = sinew::load_trajectory("models/arm_reach.npz");
//   tr = sinew::resample(tr, 100.0);                         // 30 fps -> 100 Hz control rate
//   sinew::fill_kinematics(sinew::exec::omp, model, tr);     // xpos, xquat, cvel, site poses
//   sinew::TrajectoryBuffers<float, sinew::HostSpace> ref(tr);  // ref.view() goes to functors
//
// Keys (exactly LocoMuJoCo's, loco_mujoco/trajectory/dataclasses.py; see docs/imitation.md):
//   data:  qpos (N,nq) qvel (N,nv) xpos (N,nbody,3) xquat (N,nbody,4) cvel (N,nbody,6)
//          subtree_com (N,nbody,3) site_xpos (N,nsite,3) site_xmat (N,nsite,9) split_points (nclip+1)
//   info:  joint_names frequency body_names site_names   (metadata: a pickled object, not read)
//   model: njnt jnt_type nbody body_rootid body_weldid body_mocapid body_pos body_quat body_ipos
//          body_iquat nsite site_bodyid site_pos site_quat
#pragma once
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "sinew/data/data.hpp"
#include "sinew/exec/parallel_for.hpp"
#include "sinew/io/npz.hpp"
#include "sinew/kinematics/com_pos.hpp"
#include "sinew/kinematics/com_vel.hpp"
#include "sinew/kinematics/kinematics.hpp"
#include "sinew/math/math.hpp"
#include "sinew/math/random.hpp"
#include "sinew/model/model.hpp"

namespace sinew {

/// Host trajectory: all clips stacked along the frame axis (double, C order, frame-major).
struct Trajectory {
  std::vector<std::string> joint_names, body_names, site_names;
  std::vector<int> jnt_type;  ///< per joint (JNT_FREE, JNT_BALL, JNT_SLIDE, JNT_HINGE)
  double frequency = 0;       ///< frames per second
  int nq = 0, nv = 0, nbody = 0, nsite = 0;
  std::vector<int> split_points;                       ///< start frame of each clip, then the total frame count
  std::vector<double> qpos, qvel;                      ///< N x nq, N x nv
  std::vector<double> xpos, xquat, cvel, subtree_com;  ///< N x nbody x (3, 4, 6, 3); empty if not filled
  std::vector<double> site_xpos, site_xmat;            ///< N x nsite x (3, 9); empty if not filled
  /// LocoMuJoCo's TrajectoryModel arrays (body_pos, site_quat, ...), kept and written back unchanged.
  std::map<std::string, NpyBlob> model_arrays;

  int nframe() const { return nq ? int(qpos.size() / size_t(nq)) : 0; }
  int nclip() const { return split_points.empty() ? 0 : int(split_points.size()) - 1; }
  int clip_length(int c) const { return split_points[size_t(c) + 1] - split_points[size_t(c)]; }
  bool has_kinematics() const { return !xpos.empty() && !site_xpos.empty(); }
};

namespace detail {
inline int joint_nq(int type) { return type == JNT_FREE ? 7 : type == JNT_BALL ? 4 : 1; }
inline int joint_nv(int type) { return type == JNT_FREE ? 6 : type == JNT_BALL ? 3 : 1; }
}  // namespace detail

/// An empty trajectory carrying `m`'s joint, body and site names and LocoMuJoCo's model arrays.
inline Trajectory trajectory_for(const Model<double>& m, double frequency) {
  Trajectory t;
  t.frequency = frequency;
  t.nq = m.nq;
  t.nv = m.nv;
  t.nbody = m.nbody;
  t.nsite = m.nsite;
  t.jnt_type = m.jnt_type;
  for (int j = 0; j < m.njnt; ++j) t.joint_names.push_back(m.jnt_names[size_t(j)]);
  t.body_names = m.body_names;
  t.site_names = m.site_names;
  const size_t nb = size_t(m.nbody), ns = size_t(m.nsite);
  auto ints = [](const std::vector<int>& v, std::vector<size_t> s) {
    std::vector<int64_t> w(v.begin(), v.end());
    return NpyBlob::from(w.data(), std::move(s));
  };
  t.model_arrays["body_rootid"] = ints(m.body_rootid, {nb});
  t.model_arrays["body_weldid"] = ints(m.body_weldid, {nb});
  t.model_arrays["body_mocapid"] = ints(m.body_mocapid, {nb});
  t.model_arrays["body_pos"] = NpyBlob::from(m.body_pos.data(), {nb, 3});
  t.model_arrays["body_quat"] = NpyBlob::from(m.body_quat.data(), {nb, 4});
  t.model_arrays["body_ipos"] = NpyBlob::from(m.body_ipos.data(), {nb, 3});
  t.model_arrays["body_iquat"] = NpyBlob::from(m.body_iquat.data(), {nb, 4});
  t.model_arrays["site_bodyid"] = ints(m.site_bodyid, {ns});
  t.model_arrays["site_pos"] = NpyBlob::from(m.site_pos.data(), {ns, 3});
  t.model_arrays["site_quat"] = NpyBlob::from(m.site_quat.data(), {ns, 4});
  t.split_points = {0};
  return t;
}

/// Appends one clip (n frames of qpos; qvel may be empty: then it is filled by finite differences).
inline void add_clip(Trajectory& t, const std::vector<double>& qpos, const std::vector<double>& qvel = {});

/// Reads a LocoMuJoCo / MuscleMimic trajectory .npz (stored or deflate-compressed).
inline Trajectory load_trajectory(const std::string& path) {
  auto a = read_npz(path);
  auto need = [&](const char* k) -> const NpyBlob& {
    auto it = a.find(k);
    if (it == a.end()) throw std::runtime_error(path + ": trajectory lacks '" + k + "'");
    return it->second;
  };
  Trajectory t;
  const NpyBlob& qpos = need("qpos");
  if (qpos.shape.size() != 2) throw std::runtime_error(path + ": qpos must be (N, nq)");
  t.nq = int(qpos.shape[1]);
  t.qpos = qpos.as_double();
  const NpyBlob& qvel = need("qvel");
  t.nv = qvel.shape.size() == 2 ? int(qvel.shape[1]) : 0;
  t.qvel = qvel.as_double();
  t.frequency = need("frequency").as_double().at(0);
  t.joint_names = need("joint_names").as_strings();
  t.jnt_type = need("jnt_type").as_int();
  const int n = t.nframe();
  if (a.count("split_points") && a["split_points"].size() >= 2) t.split_points = a["split_points"].as_int();
  else t.split_points = {0, n};
  if (t.split_points.front() != 0 || t.split_points.back() != n)
    throw std::runtime_error(path + ": split_points do not cover the frames");
  for (size_t c = 1; c < t.split_points.size(); ++c)
    if (t.split_points[c] <= t.split_points[c - 1]) throw std::runtime_error(path + ": split_points must increase");
  if (t.qvel.size() != size_t(n) * size_t(t.nv))
    throw std::runtime_error(path + ": qvel and qpos disagree on the frame count");
  auto opt = [&](const char* k, std::vector<double>& dst, int per, int& count) {
    auto it = a.find(k);
    if (it == a.end() || it->second.is_object() || it->second.size() == 0) return;
    dst = it->second.as_double();
    if (n == 0 || dst.size() % (size_t(n) * size_t(per))) throw std::runtime_error(path + ": bad shape of " + k);
    count = int(dst.size() / (size_t(n) * size_t(per)));
  };
  int nb = 0, ns = 0, tmp = 0;
  opt("xpos", t.xpos, 3, nb);
  opt("xquat", t.xquat, 4, tmp);
  opt("cvel", t.cvel, 6, tmp);
  opt("subtree_com", t.subtree_com, 3, tmp);
  opt("site_xpos", t.site_xpos, 3, ns);
  opt("site_xmat", t.site_xmat, 9, tmp);
  t.nbody = nb;
  t.nsite = ns;
  if (a.count("body_names") && a["body_names"].is_string()) t.body_names = a["body_names"].as_strings();
  if (a.count("site_names") && a["site_names"].is_string()) t.site_names = a["site_names"].as_strings();
  if (!t.body_names.empty() && !nb) t.nbody = int(t.body_names.size());
  if (!t.site_names.empty() && !ns) t.nsite = int(t.site_names.size());
  for (const char* k : {"body_rootid", "body_weldid", "body_mocapid", "body_pos", "body_quat", "body_ipos",
                        "body_iquat", "site_bodyid", "site_pos", "site_quat"})
    if (a.count(k) && !a[k].is_object() && a[k].size()) t.model_arrays[k] = a[k];
  return t;
}

/// Writes `t` as an uncompressed LocoMuJoCo trajectory .npz (keys as load_trajectory reads them;
/// LocoMuJoCo's Trajectory.load and numpy.load read it), plus any `extra` arrays (a rollout's
/// act and ctrl per frame; LocoMuJoCo's loader does not know them).
inline void save_trajectory(const std::string& path, const Trajectory& t,
                            const std::vector<std::pair<std::string, NpyBlob>>& extra = {}) {
  const size_t n = size_t(t.nframe()), nb = size_t(t.nbody), ns = size_t(t.nsite);
  std::vector<std::pair<std::string, NpyBlob>> a;
  a.push_back({"qpos", NpyBlob::from(t.qpos.data(), {n, size_t(t.nq)})});
  a.push_back({"qvel", NpyBlob::from(t.qvel.data(), {n, size_t(t.nv)})});
  auto put = [&](const char* k, const std::vector<double>& v, size_t per) {
    if (!v.empty()) a.push_back({k, NpyBlob::from(v.data(), {n, v.size() / (n * per), per})});
  };
  put("xpos", t.xpos, 3);
  put("xquat", t.xquat, 4);
  put("cvel", t.cvel, 6);
  put("subtree_com", t.subtree_com, 3);
  put("site_xpos", t.site_xpos, 3);
  put("site_xmat", t.site_xmat, 9);
  std::vector<int64_t> sp(t.split_points.begin(), t.split_points.end());
  a.push_back({"split_points", NpyBlob::from(sp.data(), {sp.size()})});
  a.push_back({"joint_names", NpyBlob::strings(t.joint_names)});
  a.push_back({"frequency", NpyBlob::scalar(t.frequency)});
  if (!t.body_names.empty()) a.push_back({"body_names", NpyBlob::strings(t.body_names)});
  if (!t.site_names.empty()) a.push_back({"site_names", NpyBlob::strings(t.site_names)});
  a.push_back({"njnt", NpyBlob::scalar(int64_t(t.jnt_type.size()))});
  std::vector<int64_t> jt(t.jnt_type.begin(), t.jnt_type.end());
  a.push_back({"jnt_type", NpyBlob::from(jt.data(), {jt.size()})});
  if (nb) a.push_back({"nbody", NpyBlob::scalar(int64_t(nb))});
  if (ns) a.push_back({"nsite", NpyBlob::scalar(int64_t(ns))});
  for (const auto& [k, v] : t.model_arrays) a.push_back({k, v});
  a.insert(a.end(), extra.begin(), extra.end());
  write_npz(path, a);
}

// ---- resampling and finite differences ----

namespace detail {
inline quat<double> slerp(quat<double> a, quat<double> b, double s) {
  const double cosang = a.w * b.w + a.x * b.x + a.y * b.y + a.z * b.z;
  if (cosang < 0) b = {-b.w, -b.x, -b.y, -b.z};
  // rotation from a to b in a's frame, scaled: exact for constant local angular velocity
  const vec3<double> r = sub_quat(b, a);
  const double ang = std::sqrt(dot(r, r));
  if (ang < 1e-300) return a;
  quat<double> q = mul(a, axis_angle_quat(vec3<double>{r.x / ang, r.y / ang, r.z / ang}, s * ang));
  normalize(q);
  return q;
}

/// qvel of one frame from two qpos frames dt apart (MuJoCo's mj_differentiatePos): hinge and
/// slide by difference, ball and free rotation as the local-frame rotation vector, free
/// translation in the world frame.
inline void differentiate(const std::vector<int>& jt, const double* q0, const double* q1, double dt, double* v) {
  int qa = 0, va = 0;
  for (int type : jt) {
    if (type == JNT_FREE) {
      for (int k = 0; k < 3; ++k) v[va + k] = (q1[qa + k] - q0[qa + k]) / dt;
      const vec3<double> w = sub_quat(quat<double>::load(q1 + qa + 3), quat<double>::load(q0 + qa + 3));
      v[va + 3] = w.x / dt;
      v[va + 4] = w.y / dt;
      v[va + 5] = w.z / dt;
    } else if (type == JNT_BALL) {
      const vec3<double> w = sub_quat(quat<double>::load(q1 + qa), quat<double>::load(q0 + qa));
      v[va] = w.x / dt;
      v[va + 1] = w.y / dt;
      v[va + 2] = w.z / dt;
    } else {
      v[va] = (q1[qa] - q0[qa]) / dt;
    }
    qa += joint_nq(type);
    va += joint_nv(type);
  }
}

/// qvel of every frame of one clip: central differences inside, one-sided at the ends.
inline void clip_velocities(const std::vector<int>& jt, int nq, int nv, const double* qpos, int n, double dt,
                            double* qvel) {
  for (int f = 0; f < n; ++f) {
    const int a = f == 0 ? 0 : f - 1, b = f == n - 1 ? n - 1 : f + 1;
    if (a == b) {
      for (int k = 0; k < nv; ++k) qvel[size_t(f) * size_t(nv) + size_t(k)] = 0;
      continue;
    }
    differentiate(jt, qpos + size_t(a) * size_t(nq), qpos + size_t(b) * size_t(nq), dt * (b - a),
                  qvel + size_t(f) * size_t(nv));
  }
}
}  // namespace detail

inline void add_clip(Trajectory& t, const std::vector<double>& qpos, const std::vector<double>& qvel) {
  if (t.nq == 0 || qpos.size() % size_t(t.nq)) throw std::invalid_argument("add_clip: qpos is not a multiple of nq");
  const int n = int(qpos.size() / size_t(t.nq));
  if (t.split_points.empty()) t.split_points = {0};
  t.qpos.insert(t.qpos.end(), qpos.begin(), qpos.end());
  if (qvel.empty()) {
    std::vector<double> v(size_t(n) * size_t(t.nv));
    detail::clip_velocities(t.jnt_type, t.nq, t.nv, qpos.data(), n, 1.0 / t.frequency, v.data());
    t.qvel.insert(t.qvel.end(), v.begin(), v.end());
  } else {
    if (qvel.size() != size_t(n) * size_t(t.nv)) throw std::invalid_argument("add_clip: qvel size");
    t.qvel.insert(t.qvel.end(), qvel.begin(), qvel.end());
  }
  t.split_points.push_back(t.split_points.back() + n);
  t.xpos.clear();
  t.xquat.clear();
  t.cvel.clear();
  t.subtree_com.clear();
  t.site_xpos.clear();
  t.site_xmat.clear();
}

/// Each clip resampled to `frequency`: frame k at time k / frequency for every time within the
/// clip; hinge, slide and free translation interpolated linearly, ball and free rotations by
/// slerp; qvel by finite differences of the resampled qpos (detail::clip_velocities). Body and
/// site poses are dropped (run fill_kinematics again).
inline Trajectory resample(const Trajectory& in, double frequency) {
  if (!(frequency > 0) || !(in.frequency > 0)) throw std::invalid_argument("resample: frequencies must be positive");
  Trajectory out = in;
  out.frequency = frequency;
  out.qpos.clear();
  out.qvel.clear();
  out.split_points = {0};
  out.xpos.clear();
  out.xquat.clear();
  out.cvel.clear();
  out.subtree_com.clear();
  out.site_xpos.clear();
  out.site_xmat.clear();
  const int nq = in.nq;
  for (int c = 0; c < in.nclip(); ++c) {
    const int s0 = in.split_points[size_t(c)], n = in.clip_length(c);
    const double duration = (n - 1) / in.frequency;
    const int m = int(std::floor(duration * frequency + 1e-9)) + 1;
    std::vector<double> q(size_t(m) * size_t(nq));
    for (int k = 0; k < m; ++k) {
      const double x = k * in.frequency / frequency;  // position in source frames
      int i = std::min(int(std::floor(x)), n - 1);
      double s = x - i;
      if (i == n - 1) {
        if (n > 1) {
          i = n - 2;
          s = 1;
        } else {
          s = 0;
          i = 0;
        }
      }
      const double* a = in.qpos.data() + size_t(s0 + i) * size_t(nq);
      const double* b = n > 1 ? a + nq : a;
      double* o = q.data() + size_t(k) * size_t(nq);
      int qa = 0;
      for (int type : in.jnt_type) {
        const int nlin = type == JNT_FREE ? 3 : type == JNT_BALL ? 0 : 1;
        for (int j = 0; j < nlin; ++j) o[qa + j] = a[qa + j] + s * (b[qa + j] - a[qa + j]);
        if (type == JNT_FREE || type == JNT_BALL) {
          const int qq = qa + nlin;
          detail::slerp(quat<double>::load(a + qq), quat<double>::load(b + qq), s).store(o + qq);
        }
        qa += detail::joint_nq(type);
      }
    }
    std::vector<double> v(size_t(m) * size_t(in.nv));
    detail::clip_velocities(in.jnt_type, nq, in.nv, q.data(), m, 1.0 / frequency, v.data());
    out.qpos.insert(out.qpos.end(), q.begin(), q.end());
    out.qvel.insert(out.qvel.end(), v.begin(), v.end());
    out.split_points.push_back(out.split_points.back() + m);
  }
  return out;
}

// ---- forward kinematics of every frame ----

namespace detail {
template <class T, class L> struct TrajectoryKinematicsFn {
  ModelView<T> m;
  DataView<T, L> d;
  SINEW_HD void operator()(int w) const {
    const auto wd = d.world(w);
    kinematics(m, wd);
    com_pos(m, wd);
    com_vel(m, wd);
  }
};
}  // namespace detail

/// Fills xpos, xquat, cvel, subtree_com, site_xpos and site_xmat of every frame with Sinew's
/// kinematics (mj_kinematics, mj_comPos, mj_comVel), one world per frame, on `exec`'s backend;
/// `mv` must live in that backend's memory (Model::view() for host policies, DeviceModel::view()
/// for exec::Cuda). Frames are processed in batches of at most `batch` worlds.
template <class E>
void fill_kinematics(E exec, const Model<double>& m, const ModelView<double>& mv, Trajectory& t, int batch = 4096) {
  if (t.nq != m.nq || t.nv != m.nv)
    throw std::invalid_argument("fill_kinematics: trajectory and model disagree on nq/nv");
  const int n = t.nframe(), nb = m.nbody, ns = m.nsite;
  t.nbody = nb;
  t.nsite = ns;
  t.body_names = m.body_names;
  t.site_names = m.site_names;
  t.xpos.assign(size_t(n) * nb * 3, 0);
  t.xquat.assign(size_t(n) * nb * 4, 0);
  t.cvel.assign(size_t(n) * nb * 6, 0);
  t.subtree_com.assign(size_t(n) * nb * 3, 0);
  t.site_xpos.assign(size_t(n) * ns * 3, 0);
  t.site_xmat.assign(size_t(n) * ns * 9, 0);
  for (int f0 = 0; f0 < n; f0 += batch) {
    const int cnt = std::min(batch, n - f0);
    Data<double, WorldOuter, typename E::space> d(m, cnt);
    d.set_all("qpos",
              std::vector<double>(t.qpos.begin() + ptrdiff_t(f0) * m.nq, t.qpos.begin() + ptrdiff_t(f0 + cnt) * m.nq));
    d.set_all("qvel",
              std::vector<double>(t.qvel.begin() + ptrdiff_t(f0) * m.nv, t.qvel.begin() + ptrdiff_t(f0 + cnt) * m.nv));
    parallel_for(exec, cnt, detail::TrajectoryKinematicsFn<double, WorldOuter>{mv, d.view()});
    auto copy = [&](const char* name, std::vector<double>& dst, size_t per) {
      const std::vector<double> v = d.get_all(name);
      std::copy(v.begin(), v.end(), dst.begin() + ptrdiff_t(size_t(f0) * per));
    };
    copy("xpos", t.xpos, size_t(nb) * 3);
    copy("xquat", t.xquat, size_t(nb) * 4);
    copy("cvel", t.cvel, size_t(nb) * 6);
    copy("subtree_com", t.subtree_com, size_t(nb) * 3);
    copy("site_xpos", t.site_xpos, size_t(ns) * 3);
    copy("site_xmat", t.site_xmat, size_t(ns) * 9);
  }
}
/// Host-policy shorthand.
template <class E> void fill_kinematics(E exec, const Model<double>& m, Trajectory& t, int batch = 4096) {
  static_assert(is_host_policy_v<E>, "pass the DeviceModel's view for a device policy");
  fill_kinematics(exec, m, m.view(), t, batch);
}

// ---- the trajectory on the backend ----

/// Flat, trivially copyable view of a trajectory in the backend's memory (frame-major arrays).
template <class T> struct TrajectoryView {
  int nframe = 0, nclip = 0, nq = 0, nv = 0, nbody = 0, nsite = 0;
  T frequency = 0;
  const int* split_points = nullptr;  ///< nclip + 1
  const T *qpos = nullptr, *qvel = nullptr, *xpos = nullptr, *xquat = nullptr, *cvel = nullptr, *subtree_com = nullptr,
          *site_xpos = nullptr, *site_xmat = nullptr;
  SINEW_INLINE const T* qpos_at(int f) const { return qpos + ptrdiff_t(f) * nq; }
  SINEW_INLINE const T* qvel_at(int f) const { return qvel + ptrdiff_t(f) * nv; }
  SINEW_INLINE vec3<T> site_pos(int f, int s) const {
    return vec3<T>::load(site_xpos + (ptrdiff_t(f) * nsite + s) * 3);
  }
  SINEW_INLINE mat3<T> site_mat(int f, int s) const {
    return mat3<T>::load(site_xmat + (ptrdiff_t(f) * nsite + s) * 9);
  }
  SINEW_INLINE const T* body_cvel(int f, int b) const { return cvel + (ptrdiff_t(f) * nbody + b) * 6; }
  SINEW_INLINE vec3<T> body_subtree_com(int f, int b) const {
    return vec3<T>::load(subtree_com + (ptrdiff_t(f) * nbody + b) * 3);
  }
  SINEW_INLINE int clip_start(int c) const { return split_points[c]; }
  SINEW_INLINE int clip_end(int c) const { return split_points[c + 1]; }  ///< one past the last frame
};

/// Owning copy of a host Trajectory, cast to T, in memory space Space (HostSpace or DeviceSpace).
template <class T, class Space = HostSpace> class TrajectoryBuffers {
 public:
  explicit TrajectoryBuffers(const Trajectory& t)
      : nframe_(t.nframe()),
        nclip_(t.nclip()),
        nq_(t.nq),
        nv_(t.nv),
        nbody_(t.nbody),
        nsite_(t.nsite),
        freq_(T(t.frequency)) {
    if (!t.has_kinematics()) throw std::invalid_argument("TrajectoryBuffers: run fill_kinematics first");
    put(split_, std::vector<int>(t.split_points));
    put(qpos_, cast(t.qpos));
    put(qvel_, cast(t.qvel));
    put(xpos_, cast(t.xpos));
    put(xquat_, cast(t.xquat));
    put(cvel_, cast(t.cvel));
    put(com_, cast(t.subtree_com));
    put(sxpos_, cast(t.site_xpos));
    put(sxmat_, cast(t.site_xmat));
  }
  TrajectoryView<T> view() const {
    TrajectoryView<T> v;
    v.nframe = nframe_;
    v.nclip = nclip_;
    v.nq = nq_;
    v.nv = nv_;
    v.nbody = nbody_;
    v.nsite = nsite_;
    v.frequency = freq_;
    v.split_points = ptr(split_);
    v.qpos = ptr(qpos_);
    v.qvel = ptr(qvel_);
    v.xpos = ptr(xpos_);
    v.xquat = ptr(xquat_);
    v.cvel = ptr(cvel_);
    v.subtree_com = ptr(com_);
    v.site_xpos = ptr(sxpos_);
    v.site_xmat = ptr(sxmat_);
    return v;
  }

 private:
  template <class S> using Buf = typename detail::Buffer<S, Space>::type;
  static std::vector<T> cast(const std::vector<double>& v) { return std::vector<T>(v.begin(), v.end()); }
  template <class S> static void put(Buf<S>& b, const std::vector<S>& v) { b = Buf<S>(v.begin(), v.end()); }
  template <class B> static auto ptr(const B& b) {
    using S = typename B::value_type;
    return static_cast<const S*>(detail::Buffer<S, Space>::ptr(const_cast<B&>(b)));
  }
  int nframe_, nclip_, nq_, nv_, nbody_, nsite_;
  T freq_;
  Buf<int> split_;
  Buf<T> qpos_, qvel_, xpos_, xquat_, cvel_, com_, sxpos_, sxmat_;
};

// ---- per-world phase sampling ----

/// Phase of a world in the reference: clip, and absolute frame index into the stacked arrays.
struct Phase {
  int clip, frame;
};
/// A random clip (uniform) and a random start frame in it that leaves at least `min_remaining`
/// frames after it (or the first frame of a shorter clip).
template <class T>
SINEW_INLINE Phase sample_phase(const TrajectoryView<T>& t, unsigned long long seed, int world,
                                unsigned long long counter, int min_remaining = 1) {
  int c = int(uniform01(seed, world, 2 * counter) * t.nclip);
  if (c >= t.nclip) c = t.nclip - 1;
  const int len = t.clip_end(c) - t.clip_start(c);
  const int nstart = len - min_remaining > 0 ? len - min_remaining : 1;
  int f = int(uniform01(seed, world, 2 * counter + 1) * nstart);
  if (f >= nstart) f = nstart - 1;
  return {c, t.clip_start(c) + f};
}

}  // namespace sinew

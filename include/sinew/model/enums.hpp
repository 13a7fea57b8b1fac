// Enumerations with MuJoCo's numeric values, so model fields compare one to one with mjModel.
#pragma once
#include "sinew/config.hpp"

namespace sinew {

// Constraint enumerations (mjtEq, mjtObj subset, mjtConstraint) and constants, so eq_* and efc_*
// fields compare one to one with mjModel / mjData.
enum EqType : int { EQ_CONNECT = 0, EQ_WELD = 1, EQ_JOINT = 2, EQ_TENDON = 3, EQ_FLEX = 4 };
enum ObjType : int {
  OBJ_UNKNOWN = 0,
  OBJ_BODY = 1,
  OBJ_XBODY = 2,
  OBJ_JOINT = 3,
  OBJ_GEOM = 5,
  OBJ_SITE = 6,
  OBJ_CAMERA = 7,
  OBJ_TENDON = 18,
  OBJ_ACTUATOR = 19
};
enum ConstraintType : int {
  CNSTR_EQUALITY = 0,
  CNSTR_FRICTION_DOF = 1,
  CNSTR_FRICTION_TENDON = 2,
  CNSTR_LIMIT_JOINT = 3,
  CNSTR_LIMIT_TENDON = 4,
  CNSTR_CONTACT_FRICTIONLESS = 5,
  CNSTR_CONTACT_PYRAMIDAL = 6,
  CNSTR_CONTACT_ELLIPTIC = 7
};
constexpr int NEQDATA = 11;  ///< mjNEQDATA: reals per equality in eq_data

/// How a mesh's volume and inertia are computed (mjtMeshInertia, same order; MJCF attribute
/// <mesh inertia="...">, default legacy in MuJoCo 3.4.0).
enum class MeshInertia { convex, exact, legacy, shell };

enum JointType : int { JNT_FREE = 0, JNT_BALL = 1, JNT_SLIDE = 2, JNT_HINGE = 3 };
/// mjtSameFrame: a frame that coincides (within 1e-6) with its body's frame or inertial frame, in
/// position and orientation or in orientation only; kinematics copies instead of composing.
enum SameFrame : int {
  SAMEFRAME_NONE = 0,
  SAMEFRAME_BODY = 1,
  SAMEFRAME_INERTIA = 2,
  SAMEFRAME_BODYROT = 3,
  SAMEFRAME_INERTIAROT = 4
};

enum GeomType : int {
  GEOM_PLANE = 0,
  GEOM_HFIELD = 1,
  GEOM_SPHERE = 2,
  GEOM_CAPSULE = 3,
  GEOM_ELLIPSOID = 4,
  GEOM_CYLINDER = 5,
  GEOM_BOX = 6,
  GEOM_MESH = 7,
  GEOM_SDF = 8
};

enum Integrator : int { INT_EULER = 0, INT_RK4 = 1, INT_IMPLICIT = 2, INT_IMPLICITFAST = 3 };
enum Cone : int { CONE_PYRAMIDAL = 0, CONE_ELLIPTIC = 1 };
enum Solver : int { SOL_PGS = 0, SOL_CG = 1, SOL_NEWTON = 2 };
enum Jacobian : int { JAC_DENSE = 0, JAC_SPARSE = 1, JAC_AUTO = 2 };

/// Bits of Option::disableflags (mjtDisableBit).
enum DisableBit : int {
  DSBL_CONSTRAINT = 1 << 0,
  DSBL_EQUALITY = 1 << 1,
  DSBL_FRICTIONLOSS = 1 << 2,
  DSBL_LIMIT = 1 << 3,
  DSBL_CONTACT = 1 << 4,
  DSBL_SPRING = 1 << 5,
  DSBL_DAMPER = 1 << 6,
  DSBL_GRAVITY = 1 << 7,
  DSBL_CLAMPCTRL = 1 << 8,
  DSBL_WARMSTART = 1 << 9,
  DSBL_FILTERPARENT = 1 << 10,
  DSBL_ACTUATION = 1 << 11,
  DSBL_REFSAFE = 1 << 12,
  DSBL_SENSOR = 1 << 13,
  DSBL_MIDPHASE = 1 << 14,
  DSBL_EULERDAMP = 1 << 15,
  DSBL_AUTORESET = 1 << 16,
  DSBL_NATIVECCD = 1 << 17,
  DSBL_ISLAND = 1 << 18
};

/// Bits of Option::enableflags (mjtEnableBit).
enum EnableBit : int {
  ENBL_OVERRIDE = 1 << 0,
  ENBL_ENERGY = 1 << 1,
  ENBL_FWDINV = 1 << 2,
  ENBL_INVDISCRETE = 1 << 3,
  ENBL_MULTICCD = 1 << 4,
  ENBL_SLEEP = 1 << 5
};

enum WrapType : int {
  WRAP_NONE = 0,
  WRAP_JOINT = 1,
  WRAP_PULLEY = 2,
  WRAP_SITE = 3,
  WRAP_SPHERE = 4,
  WRAP_CYLINDER = 5
};
enum TrnType : int {
  TRN_JOINT = 0,
  TRN_JOINTINPARENT = 1,
  TRN_SLIDERCRANK = 2,
  TRN_TENDON = 3,
  TRN_SITE = 4,
  TRN_BODY = 5
};
enum DynType : int {
  DYN_NONE = 0,
  DYN_INTEGRATOR = 1,
  DYN_FILTER = 2,
  DYN_FILTEREXACT = 3,
  DYN_MUSCLE = 4,
  DYN_USER = 5
};
enum GainType : int { GAIN_FIXED = 0, GAIN_AFFINE = 1, GAIN_MUSCLE = 2, GAIN_USER = 3 };
enum BiasType : int { BIAS_NONE = 0, BIAS_AFFINE = 1, BIAS_MUSCLE = 2, BIAS_USER = 3 };

/// Sensor types (mjtSensor), data types (mjtDataType) and the stage a sensor needs (mjtStage).
enum SensorType : int {
  SENS_TOUCH = 0,
  SENS_ACCELEROMETER = 1,
  SENS_VELOCIMETER = 2,
  SENS_GYRO = 3,
  SENS_FORCE = 4,
  SENS_TORQUE = 5,
  SENS_MAGNETOMETER = 6,
  SENS_RANGEFINDER = 7,
  SENS_CAMPROJECTION = 8,
  SENS_JOINTPOS = 9,
  SENS_JOINTVEL = 10,
  SENS_TENDONPOS = 11,
  SENS_TENDONVEL = 12,
  SENS_ACTUATORPOS = 13,
  SENS_ACTUATORVEL = 14,
  SENS_ACTUATORFRC = 15,
  SENS_JOINTACTFRC = 16,
  SENS_TENDONACTFRC = 17,
  SENS_BALLQUAT = 18,
  SENS_BALLANGVEL = 19,
  SENS_JOINTLIMITPOS = 20,
  SENS_JOINTLIMITVEL = 21,
  SENS_JOINTLIMITFRC = 22,
  SENS_TENDONLIMITPOS = 23,
  SENS_TENDONLIMITVEL = 24,
  SENS_TENDONLIMITFRC = 25,
  SENS_FRAMEPOS = 26,
  SENS_FRAMEQUAT = 27,
  SENS_FRAMEXAXIS = 28,
  SENS_FRAMEYAXIS = 29,
  SENS_FRAMEZAXIS = 30,
  SENS_FRAMELINVEL = 31,
  SENS_FRAMEANGVEL = 32,
  SENS_FRAMELINACC = 33,
  SENS_FRAMEANGACC = 34,
  SENS_SUBTREECOM = 35,
  SENS_SUBTREELINVEL = 36,
  SENS_SUBTREEANGMOM = 37,
  SENS_INSIDESITE = 38,
  SENS_GEOMDIST = 39,
  SENS_GEOMNORMAL = 40,
  SENS_GEOMFROMTO = 41,
  SENS_CONTACT = 42,
  SENS_E_POTENTIAL = 43,
  SENS_E_KINETIC = 44,
  SENS_CLOCK = 45,
  SENS_TACTILE = 46,
  SENS_PLUGIN = 47,
  SENS_USER = 48
};

/// True for the sensor types sensor/sensor.hpp computes (frame sensors only without a reference frame).
SINEW_INLINE bool sensor_computed(int type) {
  switch (type) {
    case SENS_TOUCH:
    case SENS_VELOCIMETER:
    case SENS_GYRO:
    case SENS_JOINTPOS:
    case SENS_JOINTVEL:
    case SENS_TENDONPOS:
    case SENS_TENDONVEL:
    case SENS_ACTUATORPOS:
    case SENS_ACTUATORVEL:
    case SENS_ACTUATORFRC:
    case SENS_BALLQUAT:
    case SENS_BALLANGVEL:
    case SENS_JOINTLIMITFRC:
    case SENS_TENDONLIMITFRC:
    case SENS_FRAMEPOS:
    case SENS_FRAMEQUAT:
    case SENS_FRAMEXAXIS:
    case SENS_FRAMEYAXIS:
    case SENS_FRAMEZAXIS:
    case SENS_FRAMELINVEL:
    case SENS_FRAMEANGVEL:
    case SENS_SUBTREECOM:
    case SENS_CLOCK:
    case SENS_ACCELEROMETER:
    case SENS_FORCE:
    case SENS_TORQUE:
    case SENS_MAGNETOMETER:
    case SENS_JOINTLIMITPOS:
    case SENS_JOINTLIMITVEL:
    case SENS_TENDONLIMITPOS:
    case SENS_TENDONLIMITVEL:
    case SENS_JOINTACTFRC:
    case SENS_TENDONACTFRC:
    case SENS_FRAMELINACC:
    case SENS_FRAMEANGACC:
    case SENS_SUBTREELINVEL:
    case SENS_SUBTREEANGMOM:
    case SENS_RANGEFINDER: return true;
    default: return false;
  }
}

/// True for a sensor that reads NaN: a kind Sinew does not compute, a frame sensor relative to
/// a reference frame, or one on a camera (Sinew keeps no cameras). The compiler names these in
/// its load warning; the sensor stage writes the NaN.
SINEW_INLINE bool sensor_reads_nan(int type, int objtype, int reftype) {
  return !sensor_computed(type) || reftype != OBJ_UNKNOWN || objtype == OBJ_CAMERA;
}

enum SensorDataType : int { DATATYPE_REAL = 0, DATATYPE_POSITIVE = 1, DATATYPE_AXIS = 2, DATATYPE_QUATERNION = 3 };
enum Stage : int { STAGE_NONE = 0, STAGE_POS = 1, STAGE_VEL = 2, STAGE_ACC = 3 };

/// Per-world status bits (Data::status). A world with any bit set is left alone by later stages
/// until it is reset; the other worlds carry on. BADQPOS / BADQVEL / BADQACC are MuJoCo's
/// mjWARN_BADQPOS / BADQVEL / BADQACC: an entry that is NaN or beyond mjMAXVAL (1e10) in
/// magnitude, where MuJoCo warns and resets the data; NONFINITE: qpos, qvel or act not finite.
enum WorldStatus : int {
  STATUS_OK = 0,
  STATUS_NONFINITE = 1 << 0,
  STATUS_BADQPOS = 1 << 1,
  STATUS_BADQVEL = 1 << 2,
  STATUS_BADQACC = 1 << 3,
};

}  // namespace sinew

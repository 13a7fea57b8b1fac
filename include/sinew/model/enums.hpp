// Enumerations with MuJoCo's numeric values, so model fields compare one to one with mjModel.
#pragma once

namespace sinew {

enum JointType : int { JNT_FREE = 0, JNT_BALL = 1, JNT_SLIDE = 2, JNT_HINGE = 3 };

enum GeomType : int {
  GEOM_PLANE = 0, GEOM_HFIELD = 1, GEOM_SPHERE = 2, GEOM_CAPSULE = 3, GEOM_ELLIPSOID = 4,
  GEOM_CYLINDER = 5, GEOM_BOX = 6, GEOM_MESH = 7, GEOM_SDF = 8
};

enum Integrator : int { INT_EULER = 0, INT_RK4 = 1, INT_IMPLICIT = 2, INT_IMPLICITFAST = 3 };
enum Cone : int { CONE_PYRAMIDAL = 0, CONE_ELLIPTIC = 1 };
enum Solver : int { SOL_PGS = 0, SOL_CG = 1, SOL_NEWTON = 2 };
enum Jacobian : int { JAC_DENSE = 0, JAC_SPARSE = 1, JAC_AUTO = 2 };

/// Bits of Option::disableflags (mjtDisableBit).
enum DisableBit : int {
  DSBL_CONSTRAINT = 1 << 0, DSBL_EQUALITY = 1 << 1, DSBL_FRICTIONLOSS = 1 << 2, DSBL_LIMIT = 1 << 3,
  DSBL_CONTACT = 1 << 4, DSBL_SPRING = 1 << 5, DSBL_DAMPER = 1 << 6, DSBL_GRAVITY = 1 << 7,
  DSBL_CLAMPCTRL = 1 << 8, DSBL_WARMSTART = 1 << 9, DSBL_FILTERPARENT = 1 << 10,
  DSBL_ACTUATION = 1 << 11, DSBL_REFSAFE = 1 << 12, DSBL_SENSOR = 1 << 13, DSBL_MIDPHASE = 1 << 14,
  DSBL_EULERDAMP = 1 << 15, DSBL_AUTORESET = 1 << 16, DSBL_NATIVECCD = 1 << 17, DSBL_ISLAND = 1 << 18
};

/// Bits of Option::enableflags (mjtEnableBit).
enum EnableBit : int {
  ENBL_OVERRIDE = 1 << 0, ENBL_ENERGY = 1 << 1, ENBL_FWDINV = 1 << 2, ENBL_INVDISCRETE = 1 << 3,
  ENBL_MULTICCD = 1 << 4, ENBL_SLEEP = 1 << 5
};

enum WrapType : int { WRAP_NONE = 0, WRAP_JOINT = 1, WRAP_PULLEY = 2, WRAP_SITE = 3, WRAP_SPHERE = 4, WRAP_CYLINDER = 5 };
enum TrnType : int {
  TRN_JOINT = 0, TRN_JOINTINPARENT = 1, TRN_SLIDERCRANK = 2, TRN_TENDON = 3, TRN_SITE = 4, TRN_BODY = 5
};
enum DynType : int { DYN_NONE = 0, DYN_INTEGRATOR = 1, DYN_FILTER = 2, DYN_FILTEREXACT = 3, DYN_MUSCLE = 4, DYN_USER = 5 };
enum GainType : int { GAIN_FIXED = 0, GAIN_AFFINE = 1, GAIN_MUSCLE = 2, GAIN_USER = 3 };
enum BiasType : int { BIAS_NONE = 0, BIAS_AFFINE = 1, BIAS_MUSCLE = 2, BIAS_USER = 3 };

/// Per-world status bits (Data::status). A world with any bit set is left alone by later stages
/// until it is reset; the other worlds carry on.
enum WorldStatus : int { STATUS_OK = 0, STATUS_NONFINITE = 1 << 0 };

}  // namespace sinew

// Constraint enumerations with MuJoCo's numeric values (mjtEq, mjtObj subset, mjtConstraint) and
// its constants, so eq_* and efc_* fields compare one to one with mjModel / mjData.
#pragma once

namespace sinew {

enum EqType : int { EQ_CONNECT = 0, EQ_WELD = 1, EQ_JOINT = 2, EQ_TENDON = 3, EQ_FLEX = 4 };
enum ObjType : int {
  OBJ_UNKNOWN = 0, OBJ_BODY = 1, OBJ_XBODY = 2, OBJ_JOINT = 3, OBJ_GEOM = 5, OBJ_SITE = 6, OBJ_CAMERA = 7,
  OBJ_TENDON = 18, OBJ_ACTUATOR = 19
};
enum ConstraintType : int {
  CNSTR_EQUALITY = 0, CNSTR_FRICTION_DOF = 1, CNSTR_FRICTION_TENDON = 2, CNSTR_LIMIT_JOINT = 3,
  CNSTR_LIMIT_TENDON = 4, CNSTR_CONTACT_FRICTIONLESS = 5, CNSTR_CONTACT_PYRAMIDAL = 6, CNSTR_CONTACT_ELLIPTIC = 7
};
constexpr int NEQDATA = 11;  ///< mjNEQDATA: reals per equality in eq_data

}  // namespace sinew

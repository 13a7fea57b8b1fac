# Configures, builds and runs examples/downstream against Sinew, as a user would. Run by CTest:
#
#   cmake -DMODE=find_package|subdirectory -DSINEW_SOURCE_DIR=<src> -DSINEW_BINARY_DIR=<build>
#         -DWORK_DIR=<scratch> -DMODEL=<xml> [-DGENERATOR=...] [-DCXX=...] [-DBUILD_TYPE=...]
#         -P tests/cmake/downstream.cmake
#
# find_package: installs the configured Sinew build into WORK_DIR/prefix, then builds the
# downstream project with CMAKE_PREFIX_PATH pointing there and checks it found that copy.
# subdirectory: builds the downstream project with add_subdirectory(SINEW_SOURCE_DIR).
cmake_minimum_required(VERSION 3.25)

foreach(var MODE SINEW_SOURCE_DIR SINEW_BINARY_DIR WORK_DIR MODEL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "downstream.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT DEFINED BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "downstream (${MODE}): ${what} failed (${rc}):\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(build "${WORK_DIR}/build")
set(args -S "${SINEW_SOURCE_DIR}/examples/downstream" -B "${build}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
if(GENERATOR)
  list(APPEND args -G "${GENERATOR}")
endif()
if(CXX)
  list(APPEND args "-DCMAKE_CXX_COMPILER=${CXX}")
endif()

if(MODE STREQUAL "find_package")
  set(prefix "${WORK_DIR}/prefix")
  run("cmake --install" "${CMAKE_COMMAND}" --install "${SINEW_BINARY_DIR}" --prefix "${prefix}")
  list(APPEND args -DSINEW_DOWNSTREAM_MODE=find_package "-DCMAKE_PREFIX_PATH=${prefix}")
elseif(MODE STREQUAL "subdirectory")
  list(APPEND args -DSINEW_DOWNSTREAM_MODE=subdirectory "-DSINEW_SOURCE_DIR=${SINEW_SOURCE_DIR}")
else()
  message(FATAL_ERROR "downstream.cmake: MODE must be find_package or subdirectory")
endif()

run("configure" "${CMAKE_COMMAND}" ${args})
message("${run_output}")
if(MODE STREQUAL "find_package")
  # The config must come from the fresh install, not from some other copy on the machine.
  file(STRINGS "${build}/CMakeCache.txt" found REGEX "^sinew_DIR:")
  string(FIND "${found}" "${prefix}/" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "downstream: found sinew outside the test prefix: ${found}")
  endif()
endif()
run("build" "${CMAKE_COMMAND}" --build "${build}" --parallel 2)
run("run" "${build}/sinew_downstream" "${MODEL}")
message("${run_output}")
if(NOT run_output MATCHES "world 7 qpos")
  message(FATAL_ERROR "downstream: sinew_downstream did not print the qpos of 8 worlds")
endif()

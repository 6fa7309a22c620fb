# Installs the built tree into a scratch prefix, then builds and runs
# tests/consumer against it with find_package(sweep), and the same source
# with the flags pkg-config gives. CONSUMER_FLAGS: the build's own compiler
# flags (a sanitizer build's library links only into a program built with
# the same sanitizers).
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
# Only the public API is installed: these headers and nothing else.
file(GLOB installed RELATIVE ${WORK_DIR}/prefix/include/sweep ${WORK_DIR}/prefix/include/sweep/*)
list(SORT installed)
set(public command_sweep.hpp error.hpp evaluate.hpp grid.hpp grid_parse.hpp
    record.hpp stats.hpp sweep.hpp value.hpp value_seq.hpp version.hpp)
if(NOT installed STREQUAL public)
  message(FATAL_ERROR "installed headers: ${installed}; expected ${public}")
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/build
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_CXX_FLAGS=${CONSUMER_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_FLAGS}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
# sweep::version() starts with the project version (VERSION, from CMake).
if(NOT last_output MATCHES "consumer ok: 12 results, sum 60; commands: 12 lines, 12 ends, sum 60, 12 succeeded; version ${VERSION}")
  message(FATAL_ERROR "unexpected output: ${last_output}")
endif()

set(ENV{PKG_CONFIG_PATH} ${WORK_DIR}/prefix/lib/pkgconfig)
run(pkg-config --cflags --libs sweep)
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(own UNIX_COMMAND "${CONSUMER_FLAGS}")
run(c++ ${own} ${SOURCE_DIR}/tests/consumer/main.cpp -o ${WORK_DIR}/consumer-pc ${flags})
run(${WORK_DIR}/consumer-pc)
if(NOT last_output MATCHES "consumer ok")
  message(FATAL_ERROR "pkg-config build: unexpected output: ${last_output}")
endif()
message(STATUS "installed package works with find_package and pkg-config")

# How test suites are registered with CTest: GoogleTest binaries, pytest
# suites, and stand-ins for suites whose tools are missing. A skipped test
# shows as "Skipped" in ctest's summary, never as "Passed". Under CI (the
# environment variable CI is true when CMake configures) a skipped pytest
# fails its suite, since CI installs everything the tests need.

if("$ENV{CI}" MATCHES "^([Tt][Rr][Uu][Ee]|1|[Yy][Ee][Ss]|[Oo][Nn])$")
  set(N2V_SKIPS_FAIL ON)
else()
  set(N2V_SKIPS_FAIL OFF)
endif()

# The exit status of a suite that ran with skips (tests/support/run_pytest.py).
set(N2V_SKIP_RETURN_CODE 77)

# n2v_add_gtest(NAME SOURCES ... LIBS ... [LABELS ...]): one GoogleTest
# binary; each of its tests is a CTest entry named NAME.Suite.Test.
function(n2v_add_gtest name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT TARGET GTest::gtest_main)
    find_package(GTest REQUIRED)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main)
  # GTEST_SKIP prints "[  SKIPPED ]": ctest lists the test as skipped (newer
  # CMake sets this itself). CTest cannot turn it into a failure under CI (it
  # adds regular expressions, never replaces them); scripts/test.sh fails a
  # CI run that skipped anything instead.
  set(properties SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
  if(ARG_LABELS)
    list(APPEND properties LABELS "${ARG_LABELS}")
  endif()
  include(GoogleTest)
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    TEST_PREFIX "${name}."
    PROPERTIES ${properties}
    DISCOVERY_TIMEOUT 60)
endfunction()

# n2v_add_pytest(NAME PATHS ... [ENVIRONMENT ...] [TIMEOUT s] [LABELS ...]):
# one pytest suite, run from the repository root through
# tests/support/run_pytest.py, which reports skips with its own exit status.
function(n2v_add_pytest name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "PATHS;ENVIRONMENT;LABELS" ${ARGN})
  set(skips_fail)
  if(N2V_SKIPS_FAIL)
    set(skips_fail --skips-fail)
  endif()
  add_test(NAME ${name}
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/support/run_pytest.py
            ${skips_fail} ${ARG_PATHS}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE ${N2V_SKIP_RETURN_CODE})
  if(ARG_ENVIRONMENT)
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${ARG_ENVIRONMENT}")
  endif()
  if(ARG_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  endif()
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()

# n2v_add_missing_suite(NAME REASON): stands for a suite that cannot run here
# (outside CI only: under CI a missing tool is a configure error). It prints
# REASON and is listed as skipped, so the suite never silently vanishes.
function(n2v_add_missing_suite name reason)
  add_test(NAME ${name}
    COMMAND sh -c "echo \"${name} did not run: ${reason}\"; exit ${N2V_SKIP_RETURN_CODE}")
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE ${N2V_SKIP_RETURN_CODE})
endfunction()

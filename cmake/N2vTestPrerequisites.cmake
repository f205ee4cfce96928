# What the test suites need installed besides the build's own dependencies:
# programs (Maven, Java, clang, openssl, systemd-analyze, grpcurl, ldd, dpkg)
# and the Python modules of the pytest suites. scripts/install_deps.sh
# installs all of them. A missing one is a configure error under CI
# (N2V_SKIPS_FAIL, from N2vTesting.cmake); elsewhere a warning, and the
# tests that need it are skipped, visibly.

set(N2V_INSTALL_HINT "scripts/install_deps.sh installs it")

# Reports `what` as missing: FATAL_ERROR under CI, WARNING otherwise.
function(n2v_report_missing_test_tool what)
  if(N2V_SKIPS_FAIL)
    message(FATAL_ERROR "CI=true and the tests need ${what}. ${N2V_INSTALL_HINT}.")
  endif()
  message(WARNING "the tests need ${what}; the tests using it are skipped. "
                  "${N2V_INSTALL_HINT}.")
endfunction()

# n2v_find_test_program(VAR NAME PACKAGE [PATHS ...]): finds program NAME
# into VAR; reports it missing, naming the Debian package (or source) PACKAGE.
function(n2v_find_test_program var name package)
  find_program(${var} ${name} PATHS ${ARGN})
  if(NOT ${var})
    n2v_report_missing_test_tool("${name} (${package})")
  endif()
endfunction()

n2v_find_test_program(N2V_MAVEN mvn "Debian package maven")
n2v_find_test_program(N2V_JAVA java "Debian package openjdk-17-jdk-headless")
n2v_find_test_program(N2V_CLANGXX clang++ "Debian package clang")
n2v_find_test_program(N2V_OPENSSL openssl "Debian package openssl")
n2v_find_test_program(N2V_SYSTEMD_ANALYZE systemd-analyze "Debian package systemd")
n2v_find_test_program(N2V_LDD ldd "Debian package libc-bin")
n2v_find_test_program(N2V_DPKG dpkg "Debian package dpkg")
n2v_find_test_program(N2V_GRPCURL grpcurl
  "go install github.com/fullstorydev/grpcurl/cmd/grpcurl" $ENV{HOME}/go/bin)

# Modules the pytest suites import (module names, not pip package names).
set(N2V_TEST_PYTHON_MODULES pytest numpy scipy sklearn grpc grpc_tools grpc_health
    grpc_reflection yaml neo4j)
list(JOIN N2V_TEST_PYTHON_MODULES ", " all_modules)
execute_process(COMMAND ${Python3_EXECUTABLE} -c "import ${all_modules}"
  RESULT_VARIABLE all_status OUTPUT_QUIET ERROR_QUIET)
set(missing_modules)
if(NOT all_status EQUAL 0)
  foreach(module IN LISTS N2V_TEST_PYTHON_MODULES)
    execute_process(COMMAND ${Python3_EXECUTABLE} -c "import ${module}"
      RESULT_VARIABLE status OUTPUT_QUIET ERROR_QUIET)
    if(NOT status EQUAL 0)
      list(APPEND missing_modules ${module})
    endif()
  endforeach()
endif()
if(missing_modules)
  list(JOIN missing_modules ", " missing_modules)
  n2v_report_missing_test_tool(
    "the Python modules ${missing_modules} (for ${Python3_EXECUTABLE})")
endif()

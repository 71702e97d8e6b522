# runtime.install: `cmake --install` of the build tree into a fresh
# temporary prefix, and a check that everything the issue lists is there.
# The package tests (runtime.package.*) use the prefix as a fixture.
#   cmake -DBUILD=<build dir> -DPREFIX=<prefix> -DLIBDIR=<lib> -P install.cmake
foreach(v BUILD PREFIX LIBDIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "install.cmake: set ${v}")
  endif()
endforeach()
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}${err}")
endif()
set(missing)
foreach(f bin/pdc ${LIBDIR}/libpdrt.so ${LIBDIR}/libpdrt.a include/pd_runtime.h
          ${LIBDIR}/cmake/pdc/pdcConfig.cmake ${LIBDIR}/cmake/pdc/pdcConfigVersion.cmake
          ${LIBDIR}/cmake/pdc/pdcFunctions.cmake ${LIBDIR}/pkgconfig/pdrt.pc share/man/man1/pdc.1)
  if(NOT EXISTS ${PREFIX}/${f})
    list(APPEND missing ${f})
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "not installed: ${missing}\n${out}")
endif()
# The installed pdc runs (it links LLVM's shared library, nothing of ours).
execute_process(COMMAND ${PREFIX}/bin/pdc --version RESULT_VARIABLE rc OUTPUT_VARIABLE version)
if(NOT rc EQUAL 0 OR NOT version MATCHES "^pdc [0-9]")
  message(FATAL_ERROR "installed pdc --version: ${rc} ${version}")
endif()
# The man page formats without warnings, where groff is installed.
find_program(GROFF groff)
if(GROFF)
  execute_process(COMMAND ${GROFF} -man -Tutf8 -ww -z ${PREFIX}/share/man/man1/pdc.1
                  RESULT_VARIABLE rc ERROR_VARIABLE warnings)
  if(NOT rc EQUAL 0 OR warnings)
    message(FATAL_ERROR "groff on pdc.1: ${rc}\n${warnings}")
  endif()
endif()
message("runtime.install: ${PREFIX} ok; ${version}")

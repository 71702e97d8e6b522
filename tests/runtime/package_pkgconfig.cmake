# runtime.package.pkgconfig: `pkg-config --cflags --libs pdrt` against the
# installed tree compiles and links a program that JIT-compiles the seed
# example and runs without LD_LIBRARY_PATH (the .pc's rpath);
# `pkg-config --static` does the same with libpdrt.a; the `pdc` variable is
# the installed compiler.
#   cmake -DPREFIX=<prefix> -DLIBDIR=<lib> -DPKG_CONFIG=<pkg-config> -DCC=<cc> -DSRC=<pkgconfig_test.c> -DWORK=<dir>
#         [-DCFLAGS=<flags>] -P package_pkgconfig.cmake
# CFLAGS (compile and link flags) is for sanitizer builds of pdc.
foreach(v PREFIX LIBDIR PKG_CONFIG CC SRC WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "package_pkgconfig.cmake: set ${v}")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(env ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${PREFIX}/${LIBDIR}/pkgconfig)

function(pkgconfig var)
  execute_process(COMMAND ${env} ${PKG_CONFIG} ${ARGN} pdrt RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config ${ARGN} pdrt failed (${rc}): ${err}")
  endif()
  message("pkg-config ${ARGN} pdrt: ${out}")
  separate_arguments(out UNIX_COMMAND "${out}")
  set(${var} ${out} PARENT_SCOPE)
endfunction()

separate_arguments(extra UNIX_COMMAND "${CFLAGS}")

function(build_and_run exe)
  execute_process(COMMAND ${CC} ${extra} ${SRC} -o ${WORK}/${exe} ${ARGN} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CC} ${SRC} ${ARGN} failed:\n${err}")
  endif()
  execute_process(COMMAND ${WORK}/${exe} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0 OR NOT out STREQUAL "-5 4 -6\n")
    message(FATAL_ERROR "${exe} exited ${rc} and printed '${out}', expected '-5 4 -6'")
  endif()
endfunction()

pkgconfig(version --modversion)
pkgconfig(cflags --cflags)
pkgconfig(libs --libs)
# The library is in a temporary prefix, not on the loader's path: the .pc
# gives the rpath, so the program runs with nothing else.
if(NOT libs MATCHES "-Wl,-rpath,")
  message(FATAL_ERROR "pkg-config --libs pdrt has no rpath for the non-system prefix ${PREFIX}")
endif()
build_and_run(seed_shared ${cflags} ${libs})
# The compiler's path, for Makefiles.
pkgconfig(pdc --variable=pdc)
execute_process(COMMAND ${pdc} --version RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^pdc ")
  message(FATAL_ERROR "pkg-config --variable=pdc pdrt gave '${pdc}', which does not run (${rc}): ${out}")
endif()

# Static: the same flags with --static, libpdrt.a instead of -lpdrt.
pkgconfig(static_libs --static --libs)
list(TRANSFORM static_libs REPLACE "^-lpdrt$" "${PREFIX}/${LIBDIR}/libpdrt.a")
build_and_run(seed_static ${cflags} ${static_libs})
execute_process(COMMAND ldd ${WORK}/seed_static OUTPUT_VARIABLE deps)
if(deps MATCHES "libpdrt")
  message(FATAL_ERROR "seed_static depends on libpdrt.so:\n${deps}")
endif()
message("runtime.package.pkgconfig: ok (pdrt ${version})")

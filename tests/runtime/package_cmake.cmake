# runtime.package.cmake: an external project (external/) built against the
# installed tree with find_package(pdc), pdc_add_library and pdc::pdrt; its
# programs run, and editing energy.pd rebuilds the library.
#   cmake -DPREFIX=<prefix> -DSRC=<external/> -DWORK=<scratch> -DGENERATOR=<gen> -DCC=<cc> [-DCFLAGS=<flags>]
#         -P package_cmake.cmake
# CFLAGS (compile and link flags) is for sanitizer builds of pdc.
foreach(v PREFIX SRC WORK GENERATOR CC)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "package_cmake.cmake: set ${v}")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(COPY ${SRC}/CMakeLists.txt ${SRC}/energy.pd ${SRC}/app.c ${SRC}/jit.c DESTINATION ${WORK}/src)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

# Run each program and compare with what it must print.
function(expect_output want)
  foreach(prog app jit jit_static)
    set(args)
    if(NOT prog STREQUAL "app")
      set(args ${WORK}/src/energy.pd)
    endif()
    run("${prog}" ${WORK}/build/${prog} ${args})
    if(NOT out STREQUAL want)
      message(FATAL_ERROR "${prog} printed\n${out}expected\n${want}")
    endif()
  endforeach()
endfunction()

run("configure" ${CMAKE_COMMAND} -S ${WORK}/src -B ${WORK}/build -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_C_COMPILER=${CC} -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_C_FLAGS=${CFLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${CFLAGS}")
run("build" ${CMAKE_COMMAND} --build ${WORK}/build)
if(NOT out MATCHES "pdc energy.pd")
  message(FATAL_ERROR "the first build did not run pdc:\n${out}")
endif()
# r = 5 at (3, 4); k = 2, L = 4: energy k (r - L)^2 / 2 = 1, gradient k (r - L) (x, y) / r
expect_output("energy = 1, grad = (1.2, 1.6)\n")

# Nothing changed: pdc does not run again.
run("rebuild" ${CMAKE_COMMAND} --build ${WORK}/build)
if(out MATCHES "pdc energy.pd")
  message(FATAL_ERROR "a build with nothing changed ran pdc again:\n${out}")
endif()

# Edit the .pd file: the library and app are rebuilt with the new energy.
file(READ ${WORK}/src/energy.pd text)
string(REPLACE "0.5 * k" "1.5 * k" text "${text}")
file(WRITE ${WORK}/src/energy.pd "${text}")
run("build after editing energy.pd" ${CMAKE_COMMAND} --build ${WORK}/build)
if(NOT out MATCHES "pdc energy.pd")
  message(FATAL_ERROR "editing energy.pd did not rerun pdc:\n${out}")
endif()
expect_output("energy = 3, grad = (3.6, 4.8)\n")
message("runtime.package.cmake: ok")

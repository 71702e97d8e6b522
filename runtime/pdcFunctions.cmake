# pdcFunctions.cmake — pdc_add_library, installed with pdc's CMake package.
#
#   pdc_add_library(<name> <file.pd>... [OPTIONS <pdc option>...])
#
# Runs `pdc <file.pd> --emit=obj,header <options> -o <dir>/<stem>.o` for
# each file and makes <name> a static library of the objects, with <dir>
# (holding <stem>.h) on its public include path and libm in its link
# interface. A target that links <name> can `#include "<stem>.h"` and call
# the generated functions. Each object is rebuilt when its .pd file or the
# pdc executable changes: a .pd file cannot include another file, so that
# is all it depends on.
#
# <dir> is ${CMAKE_CURRENT_BINARY_DIR}/pdc_<name>. Relative .pd paths are
# relative to ${CMAKE_CURRENT_SOURCE_DIR}. Name .pd files so their headers
# cannot shadow a system header (a math.pd would give math.h). Without
# OPTIONS, pdc compiles for the baseline CPU of the target (x86-64: SSE2),
# so the library runs on every machine; pass OPTIONS --cpu=x86-64-v3 (say)
# or --cpu=native for faster code on newer machines.
function(pdc_add_library name)
  cmake_parse_arguments(PARSE_ARGV 1 _pdc "" "" "OPTIONS")
  if(NOT _pdc_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pdc_add_library(${name}): no .pd files given")
  endif()
  if(NOT TARGET pdc::pdc)
    message(FATAL_ERROR "pdc_add_library(${name}): no pdc::pdc target; call find_package(pdc) first")
  endif()
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/pdc_${name}")
  set(outputs)
  set(stems)
  foreach(pd IN LISTS _pdc_UNPARSED_ARGUMENTS)
    get_filename_component(src "${pd}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(stem "${pd}" NAME_WE)
    if(stem IN_LIST stems)
      message(FATAL_ERROR "pdc_add_library(${name}): two files named ${stem}.pd would write the same ${stem}.o")
    endif()
    list(APPEND stems ${stem})
    add_custom_command(
      OUTPUT "${dir}/${stem}.o" "${dir}/${stem}.h"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
      COMMAND pdc::pdc "${src}" --emit=obj,header ${_pdc_OPTIONS} -o "${dir}/${stem}.o"
      DEPENDS "${src}" "$<TARGET_FILE:pdc::pdc>"
      COMMENT "pdc ${pd}"
      VERBATIM)
    set_source_files_properties("${dir}/${stem}.o" PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
    set_source_files_properties("${dir}/${stem}.h" PROPERTIES GENERATED TRUE HEADER_FILE_ONLY TRUE)
    list(APPEND outputs "${dir}/${stem}.o" "${dir}/${stem}.h")
  endforeach()
  add_library(${name} STATIC ${outputs})
  # The library has no sources to choose an archiver by: take C if the
  # project enabled it, else C++.
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if("C" IN_LIST languages)
    set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  else()
    set_target_properties(${name} PROPERTIES LINKER_LANGUAGE CXX)
  endif()
  target_include_directories(${name} PUBLIC "${dir}")
  target_link_libraries(${name} PUBLIC m)
endfunction()

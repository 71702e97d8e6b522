# check_imports.cmake — libpdrt.so runs inside other programs: it must not be
# able to end the process (exit, _exit, abort, a failed assert), start
# others (fork, vfork, system, popen, exec*) or write on the host's standard
# streams (stderr, stdout). Its undefined dynamic symbols name every
# function it can call outside itself, so none of those may be among them.
#
#   cmake -DNM=<nm> -DLIB=<libpdrt.so> -P check_imports.cmake
cmake_minimum_required(VERSION 3.20)
execute_process(COMMAND ${NM} -D --undefined-only ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR out STREQUAL "")
  message(FATAL_ERROR "${NM} -D --undefined-only ${LIB} failed")
endif()
set(forbidden exit _exit _Exit quick_exit abort __assert_fail fork vfork system popen execl execlp execle execv
              execvp execve posix_spawn posix_spawnp stderr stdout)
set(found)
string(REPLACE "\n" ";" lines "${out}")
foreach(line IN LISTS lines)
  # "                 U exit@GLIBC_2.2.5"
  if(line MATCHES "^ *[Uw] +([^@ ]+)")
    if(CMAKE_MATCH_1 IN_LIST forbidden)
      list(APPEND found ${CMAKE_MATCH_1})
    endif()
  endif()
endforeach()
list(LENGTH lines n)
if(found)
  message(FATAL_ERROR "libpdrt.so imports ${found}")
endif()
message(STATUS "libpdrt.so: ${n} imports, none of ${forbidden}")

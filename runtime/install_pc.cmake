# Installs pdrt.pc (run by `cmake --install`, which sets CMAKE_INSTALL_PREFIX
# to the prefix actually installed to): a prefix the loader searches (/usr,
# /usr/local) gets no rpath, any other gets -Wl,-rpath,${libdir}, so a
# program linked with `pkg-config --libs pdrt` runs without LD_LIBRARY_PATH.
#   set(PDRT_PC_CONFIGURED <build>/pdrt.pc) set(PDRT_PC_DEST <libdir>/pkgconfig)
file(READ "${PDRT_PC_CONFIGURED}" pc)
if(CMAKE_INSTALL_PREFIX MATCHES "^/usr(/local)?/*$")
  string(REPLACE "%PDRT_RPATH%" "" pc "${pc}")
else()
  string(REPLACE "%PDRT_RPATH%" "-Wl,-rpath,\${libdir}" pc "${pc}")
endif()
get_filename_component(dir "${PDRT_PC_CONFIGURED}" DIRECTORY)
file(WRITE "${dir}/install/pdrt.pc" "${pc}")
file(INSTALL "${dir}/install/pdrt.pc" DESTINATION "${CMAKE_INSTALL_PREFIX}/${PDRT_PC_DEST}")

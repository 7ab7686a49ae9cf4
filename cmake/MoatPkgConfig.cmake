# moat.pc, written at install time so that `cmake --install --prefix P` gets
# P in it, not the prefix the build was configured with. Paths are absolute,
# as distributions ship them; a staged install (DESTDIR) is read with
# PKG_CONFIG_SYSROOT_DIR=$DESTDIR (tests/integration/install.sh does).
string(REPLACE ";" ", " MOAT_PC_REQUIRES "${MOAT_PKG_DEPS}")
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(moat_pc_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(moat_pc_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
install(CODE "
  set(MOAT_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(MOAT_PC_LIBDIR [[${moat_pc_LIBDIR}]])
  set(MOAT_PC_INCLUDEDIR [[${moat_pc_INCLUDEDIR}]])
  set(MOAT_PC_REQUIRES [[${MOAT_PC_REQUIRES}]])
  set(PROJECT_VERSION [[${PROJECT_VERSION}]])
  configure_file([[${CMAKE_CURRENT_SOURCE_DIR}/moat.pc.in]] [[${CMAKE_CURRENT_BINARY_DIR}/moat.pc]] @ONLY)
")
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/moat.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

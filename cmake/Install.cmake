# Install rules for what is not compiled: the systemd units and the man
# pages; and, with NPR_TESTS, their tests (tests/systemd, tests/man).
# Included at the end of the top-level CMakeLists.txt.
#
# Units go to PREFIX/lib/systemd/{system,user}, not to the (multiarch)
# libdir: systemd looks there, for /usr and /usr/local alike. Their
# ExecStart= names the installed binary, so they are configured files.

set(NPR_BINARY ${CMAKE_INSTALL_FULL_BINDIR}/npiperouter)
set(NPR_UNITS_DIR ${CMAKE_BINARY_DIR}/systemd)

# user/...: systemctl --user; system/...: the system manager. Same names on
# purpose: "systemctl [--user] enable --now npiperouter" either way.
set(NPR_USER_UNITS npiperouter.service.in npiperouter@.socket)
set(NPR_SYSTEM_UNITS npiperouter.service.in npiperouter-docker.socket)

foreach(kind user system)
  if(kind STREQUAL "user")
    set(_npr_units ${NPR_USER_UNITS})
  else()
    set(_npr_units ${NPR_SYSTEM_UNITS})
  endif()
  foreach(unit IN LISTS _npr_units)
    string(REGEX REPLACE "\\.in$" "" _npr_out ${unit})
    configure_file(${PROJECT_SOURCE_DIR}/systemd/${kind}/${unit}
      ${NPR_UNITS_DIR}/${kind}/${_npr_out} @ONLY)
    install(FILES ${NPR_UNITS_DIR}/${kind}/${_npr_out}
      DESTINATION lib/systemd/${kind})
  endforeach()
endforeach()

# A man tree in the build folder too, so `man -M build/man npiperouter`
# works before installing and systemd-analyze verify finds Documentation=.
set(NPR_MAN_DIR ${CMAKE_BINARY_DIR}/man)
configure_file(${PROJECT_SOURCE_DIR}/docs/npiperouter.1
  ${NPR_MAN_DIR}/man1/npiperouter.1 COPYONLY)
configure_file(${PROJECT_SOURCE_DIR}/docs/npiperouter.conf.5
  ${NPR_MAN_DIR}/man5/npiperouter.conf.5 COPYONLY)
install(FILES docs/npiperouter.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES docs/npiperouter.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

# bash completion, where bash-completion looks: its pkg-config
# completionsdir under our prefix, else DATADIR/bash-completion/completions
# (the same place). Relative to the prefix when it is below it, so the
# .deb and `cmake --install` agree.
set(_npr_bc_dir ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
if(PKG_CONFIG_EXECUTABLE)
  execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE}
      --define-variable=prefix=${CMAKE_INSTALL_PREFIX}
      --variable=completionsdir bash-completion
    OUTPUT_VARIABLE _npr_bc_pc OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _npr_bc_rc ERROR_QUIET)
  if(_npr_bc_rc EQUAL 0 AND _npr_bc_pc)
    string(REGEX REPLACE "^${CMAKE_INSTALL_PREFIX}/" "" _npr_bc_dir
      ${_npr_bc_pc})
  endif()
endif()
set(NPR_BASH_COMPLETION_DIR ${_npr_bc_dir} CACHE PATH
  "Where the bash completion of npiperouter is installed")
install(FILES etc/bash-completion/npiperouter
  DESTINATION ${NPR_BASH_COMPLETION_DIR})

if(NPR_TESTS)
  add_subdirectory(${PROJECT_SOURCE_DIR}/tests/systemd)
  add_subdirectory(${PROJECT_SOURCE_DIR}/tests/man)
endif()

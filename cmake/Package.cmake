# A Debian package: `cpack -G DEB` in the build folder makes
# npiperouter_VERSION_ARCH.deb with everything `cmake --install` installs:
# the binary, the adapter plugins, nprelay.exe, the systemd units, the man
# pages and the example configs. Included at the end of the top-level
# CMakeLists.txt, after every install() rule; adds tests/package.
#
# The package installs below CMAKE_INSTALL_PREFIX, the prefix the binary,
# its plugin folder and the units' ExecStart= were built for. Configure
# with -DCMAKE_INSTALL_PREFIX=/usr for a package a Debian system expects
# (the default /usr/local makes a working package below /usr/local).
#
# Nothing goes to /etc: the system instance's config is the admin's to
# write (examples in /usr/share/doc/npiperouter/examples), so there are no
# conffiles to declare.

set(NPR_DEB_MAINTAINER "npiperouter maintainers <maintainers@npiperouter.invalid>"
  CACHE STRING "Maintainer field of the .deb")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME npiperouter)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR npiperouter)
set(CPACK_PACKAGE_CONTACT ${NPR_DEB_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "route unix sockets in WSL to Windows named pipes")
# Wrapped by hand: dpkg shows these lines as they are.
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "One daemon and one config file that connect Linux programs inside WSL"
  "(docker, ssh, git, gpg) to Windows services that only speak named pipes"
  "or libassuan sockets: Docker Desktop, the Windows OpenSSH agent,"
  "Gpg4win's gpg-agent. Each connection runs a relay (nprelay.exe,"
  "included) with correct half-close and bounded buffering; routes have"
  "access control and ssh-agent and Assuan adapters."
  ""
  "Comes with systemd units (user, system, socket-activated) and"
  "'npiperouter doctor', which finds WSL interop problems.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${NPR_DEB_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# libevent, libconfig, libsystemd, nettle: found by dpkg-shlibdeps in the
# ELF files (the binary and the plugins), with the versions built against.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# socat is a handy relay for Linux-side targets; systemd runs the units.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "systemd, socat")

include(CPack)

if(NPR_TESTS)
  add_subdirectory(${PROJECT_SOURCE_DIR}/tests/package)
endif()

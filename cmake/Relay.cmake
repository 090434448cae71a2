# nprelay.exe: cross-compiled from relay/ with mingw-w64 as an external
# project (a second CMake configured with the toolchain file, since one
# CMake run has one compiler), into ${CMAKE_BINARY_DIR}/relay-build.
# Included by the top-level CMakeLists.txt when NPR_RELAY is ON.
#
# Sets NPRELAY_EXE (path of nprelay.exe) and NPR_WINE_HELPERS_DIR (where
# the Wine test servers land when NPR_TESTS is ON).

include(ExternalProject)

set(NPR_MINGW_TRIPLET x86_64-w64-mingw32 CACHE STRING
  "Target triplet of the mingw-w64 cross compiler for nprelay.exe")
find_program(NPR_MINGW_CC NAMES ${NPR_MINGW_TRIPLET}-gcc
  ${NPR_MINGW_TRIPLET}-gcc-posix ${NPR_MINGW_TRIPLET}-gcc-win32)
if(NOT NPR_MINGW_CC)
  message(FATAL_ERROR
    "nprelay.exe needs the mingw-w64 cross compiler ${NPR_MINGW_TRIPLET}-gcc, "
    "which was not found.\n"
    "Install it (Debian/Ubuntu: apt-get install gcc-mingw-w64-x86-64), "
    "point NPR_MINGW_CC at it, or configure with -DNPR_RELAY=OFF to build "
    "without the Windows relay.")
endif()

set(_npr_relay_bin ${CMAKE_BINARY_DIR}/relay-build)
set(NPRELAY_EXE ${_npr_relay_bin}/nprelay.exe CACHE INTERNAL
  "nprelay.exe built by the relay external project")
set(NPR_WINE_HELPERS_DIR ${_npr_relay_bin}/wine-helpers CACHE INTERNAL
  "Wine test servers built by the relay external project")
set(NPRELAY_EXE ${NPRELAY_EXE})
set(NPR_WINE_HELPERS_DIR ${NPR_WINE_HELPERS_DIR})

if(NPR_TESTS)
  set(_npr_relay_servers ON)
  set(_npr_relay_products ${NPRELAY_EXE}
    ${NPR_WINE_HELPERS_DIR}/pipesrv.exe ${NPR_WINE_HELPERS_DIR}/assuansrv.exe)
else()
  set(_npr_relay_servers OFF)
  set(_npr_relay_products ${NPRELAY_EXE})
endif()

ExternalProject_Add(nprelay
  SOURCE_DIR ${PROJECT_SOURCE_DIR}/relay
  BINARY_DIR ${_npr_relay_bin}
  CMAKE_ARGS
    -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/mingw-w64-x86_64.cmake
    -DCMAKE_C_COMPILER=${NPR_MINGW_CC}
    -DNPR_MINGW_TRIPLET=${NPR_MINGW_TRIPLET}
    -DCMAKE_BUILD_TYPE=Release
    -DNPRELAY_VERSION=${PROJECT_VERSION}
    -DNPRELAY_TEST_SERVERS=${_npr_relay_servers}
  INSTALL_COMMAND ""
  # Let the inner build decide what is out of date on every build.
  BUILD_ALWAYS TRUE
  BUILD_BYPRODUCTS ${_npr_relay_products}
  USES_TERMINAL_BUILD TRUE)

# Beside the router's other private files: the router finds it there
# (NPR_RELAY_PATH, router/version.h.in) when relay.path is not set.
install(PROGRAMS ${NPRELAY_EXE}
  DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/npiperouter)

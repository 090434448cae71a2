# Toolchain for cross-compiling Windows x86-64 programs with mingw-w64
# (Debian/Ubuntu package gcc-mingw-w64-x86-64).  Used for nprelay.exe and
# the Wine test servers:  cmake -DCMAKE_TOOLCHAIN_FILE=this-file ...
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(NPR_MINGW_TRIPLET x86_64-w64-mingw32 CACHE STRING
  "Target triplet of the mingw-w64 cross compiler")

# The plain name is an alternatives link to the -posix or -win32 flavour;
# either suits nprelay, which uses Win32 threads only.
find_program(CMAKE_C_COMPILER NAMES ${NPR_MINGW_TRIPLET}-gcc
  ${NPR_MINGW_TRIPLET}-gcc-posix ${NPR_MINGW_TRIPLET}-gcc-win32 REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${NPR_MINGW_TRIPLET}-windres)

# Search headers and libraries only in the mingw sysroot, programs only
# on the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/${NPR_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

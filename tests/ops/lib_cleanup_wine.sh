#!/bin/bash
# lib_cleanup.sh for the Wine test libraries (tests/wine/lib.sh, run.sh
# and tests/adapters/wine/lib.sh), inside the wine fixture.
LIB_CLEANUP_SET=wine exec bash "$(dirname "$0")/lib_cleanup.sh"

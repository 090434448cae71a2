#!/bin/bash
# standin.sh and standin_faults.sh with the stand-in relay under valgrind.
dir=$(dirname "${BASH_SOURCE[0]}")
STANDIN_VALGRIND=1 bash "$dir/standin.sh" && STANDIN_VALGRIND=1 bash "$dir/standin_faults.sh"

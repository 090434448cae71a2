# npr_script_tests(PREFIX <prefix> TESTS <name:seconds>...
#                  [LABELS <label>...] [ENV <VAR=value>...]
#                  [WINE] [FIXTURE <fixture>])
#
# One ctest test per bash script <name>.sh of the calling folder, named
# <prefix>.<name>, with a TIMEOUT of <seconds>. WINE runs the script
# through tests/wine/run.sh, which keeps its output in a file (a Wine
# process it started must not hold ctest's pipe open) and stops it 10 s
# before ctest would, so the script's own exit trap cleans up.
function(npr_script_tests)
  cmake_parse_arguments(PARSE_ARGV 0 A "WINE" "PREFIX;FIXTURE" "TESTS;LABELS;ENV")
  foreach(entry IN LISTS A_TESTS)
    string(REPLACE ":" ";" parts ${entry})
    list(GET parts 0 name)
    list(GET parts 1 secs)
    set(script ${CMAKE_CURRENT_SOURCE_DIR}/${name}.sh)
    if(A_WINE)
      math(EXPR inner "${secs} - 10")
      set(cmd bash ${PROJECT_SOURCE_DIR}/tests/wine/run.sh ${script} ${inner})
    else()
      set(cmd bash ${script})
    endif()
    add_test(NAME ${A_PREFIX}.${name} COMMAND ${cmd})
    set_tests_properties(${A_PREFIX}.${name} PROPERTIES
      TIMEOUT ${secs} LABELS "${A_LABELS}" ENVIRONMENT "${A_ENV}")
    if(A_FIXTURE)
      set_tests_properties(${A_PREFIX}.${name} PROPERTIES
        FIXTURES_REQUIRED ${A_FIXTURE})
    endif()
  endforeach()
endfunction()

# npr_script_tests(PREFIX <prefix> TESTS <name:seconds>...
#                  [LABELS <label>...] [ENV <VAR=value>...]
#                  [WINE] [FIXTURE <fixture>]
#                  [BOTH_MODES] [SPAWN_ONLY <name>...])
#
# One ctest test per bash script <name>.sh of the calling folder, named
# <prefix>.<name>, with a TIMEOUT of <seconds>. BOTH_MODES registers each
# script a second time as <prefix>.mux.<name>, with NPR_TEST_MODE=mux
# and the label mux (its library then makes every route a mux route,
# issue 11), except the scripts named in SPAWN_ONLY. WINE runs the script
# through tests/wine/run.sh, which keeps its output in a file (a Wine
# process it started must not hold ctest's pipe open) and stops it 10 s
# before ctest would, so the script's own exit trap cleans up.
function(npr_script_tests)
  cmake_parse_arguments(PARSE_ARGV 0 A "WINE;BOTH_MODES" "PREFIX;FIXTURE"
    "TESTS;LABELS;ENV;SPAWN_ONLY")
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
    set(variants ${A_PREFIX}.${name})
    if(A_BOTH_MODES AND NOT name IN_LIST A_SPAWN_ONLY)
      list(APPEND variants ${A_PREFIX}.mux.${name})
    endif()
    foreach(test IN LISTS variants)
      set(labels ${A_LABELS})
      set(env ${A_ENV})
      if(test MATCHES "\\.mux\\.")
        list(APPEND labels mux)
        list(APPEND env NPR_TEST_MODE=mux)
      endif()
      add_test(NAME ${test} COMMAND ${cmd})
      set_tests_properties(${test} PROPERTIES
        TIMEOUT ${secs} LABELS "${labels}" ENVIRONMENT "${env}")
      if(A_FIXTURE)
        set_tests_properties(${test} PROPERTIES
          FIXTURES_REQUIRED ${A_FIXTURE})
      endif()
    endforeach()
  endforeach()
endfunction()

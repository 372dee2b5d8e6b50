# Writes generated/hdflow/version.hpp with the current `git describe` at build time (not only at configure
# time), so that every table names the commit it was computed with. Rewrites the header only when it changes.
execute_process(COMMAND git describe --always --dirty --tags WORKING_DIRECTORY ${SRC}
                OUTPUT_VARIABLE HDFLOW_GIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR HDFLOW_GIT STREQUAL "")
  set(HDFLOW_GIT "unknown")
endif()
configure_file(${SRC}/include/hdflow/version.hpp.in ${OUT}.tmp @ONLY)
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)

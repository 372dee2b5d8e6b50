#pragma once
// GSL's default error handler aborts the process. The library reports numerical failures as statuses
// instead, so GSL's handler is switched off once, for the whole process, before the first GSL call that
// can fail. (Switching it off and back around each call, as before, raced between sweep threads: one
// thread could restore the aborting handler while another was integrating.)
#include <gsl/gsl_errno.h>

namespace hdflow {

inline void gsl_errors_off() {
  static const bool done = [] {
    gsl_set_error_handler_off();
    return true;
  }();
  (void)done;
}

}  // namespace hdflow

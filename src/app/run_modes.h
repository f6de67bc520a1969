#pragma once
#include "app/options.h"
#include "config/config.h"

namespace sdx {

// --once: read every file source from start to end, print the exposition on
// stdout. Several files are read on every usable core (parallel_once.h), with
// the output one thread gives. Returns the process exit code.
int run_once(const Config& config);

// The daemon: HTTP endpoints, file following, checkpoints, until SIGTERM or
// SIGINT. Returns the process exit code.
int run_daemon(const Options& options, const Config& config);

}  // namespace sdx

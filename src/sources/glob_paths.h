#pragma once
// Expands the configured paths/globs of a file source.
#include <string>
#include <vector>

namespace sdx {

bool has_glob_magic(const std::string& pattern);

// Every existing path named by the patterns (plain paths are taken literally,
// globs go through glob(3)), sorted and without duplicates.
std::vector<std::string> expand_paths(const std::vector<std::string>& patterns);

// Parent directories of the patterns (themselves expanded when they hold
// glob characters), for inotify.
std::vector<std::string> parent_directories(const std::vector<std::string>& patterns);

}  // namespace sdx

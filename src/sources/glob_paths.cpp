#include "sources/glob_paths.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>

namespace sdx {
namespace {

void glob_into(const std::string& pattern, int flags, std::vector<std::string>& out) {
  glob_t g{};
  if (::glob(pattern.c_str(), flags, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::string parent_of(const std::string& pattern) {
  std::string p = pattern;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

}  // namespace

bool has_glob_magic(const std::string& pattern) {
  return pattern.find_first_of("*?[") != std::string::npos;
}

std::vector<std::string> expand_paths(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const std::string& pattern : patterns) {
    if (pattern.empty()) continue;
    if (has_glob_magic(pattern)) {
      glob_into(pattern, GLOB_NOSORT, out);
    } else {
      struct stat st;
      if (::stat(pattern.c_str(), &st) == 0) out.push_back(pattern);
    }
  }
  sort_unique(out);
  return out;
}

std::vector<std::string> parent_directories(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const std::string& pattern : patterns) {
    if (pattern.empty()) continue;
    std::string dir = parent_of(pattern);
    if (has_glob_magic(dir)) {
      std::vector<std::string> found;
      glob_into(dir, GLOB_NOSORT | GLOB_ONLYDIR, found);
      for (std::string& d : found) {
        struct stat st;  // GLOB_ONLYDIR is only a hint
        if (::stat(d.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) out.push_back(std::move(d));
      }
    } else {
      out.push_back(dir);
    }
  }
  sort_unique(out);
  return out;
}

}  // namespace sdx

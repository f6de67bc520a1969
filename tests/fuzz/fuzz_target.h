#pragma once
// The libFuzzer entry point every fuzz_<name>.cpp defines (replay_main.cpp
// calls it for the regression tests), and a check for wrong answers:
// sanitizers catch memory errors and UB, SDX_FUZZ_CHECK catches broken
// invariants. It aborts, so libFuzzer keeps the input and a replay test fails.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

[[noreturn]] inline void sdx_fuzz_check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, condition);
  std::abort();
}

#define SDX_FUZZ_CHECK(condition)                                            \
  do {                                                                       \
    if (!(condition)) sdx_fuzz_check_failed(#condition, __FILE__, __LINE__); \
  } while (false)

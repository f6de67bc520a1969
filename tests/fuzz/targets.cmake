# The fuzz targets, shared by the libFuzzer build (tests/fuzz/CMakeLists.txt)
# and the regression replay in the normal test suite (tests/CMakeLists.txt).
# A target <name> is tests/fuzz/fuzz_<name>.cpp, its seeds corpus/<name>/ and
# the crash inputs fuzzing found regressions/<name>/.
set(SDX_FUZZ_TARGETS line_splitter callback_parser config_loader state_file)

/*
 * The fuzz targets' one entry point, as libFuzzer calls it. `make fuzz` links
 * each target with clang's libFuzzer; every other build links it with
 * replay.c, whose main() feeds it the files named on its command line, so
 * the crashes kept under tests/fuzz/regress/ run in `make test` as
 * regression tests, with or without sanitizers.
 */
#ifndef SPLITBRAIN_FUZZ_H
#define SPLITBRAIN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

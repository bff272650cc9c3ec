/* The entry point of the fuzzing build of tandem-fuzz (scripts/fuzz.sh, with -Xcc -DTANDEM_FUZZING).
 * SwiftPM links an executable's entry as <module>_main; under libFuzzer that must hand over to
 * libFuzzer's driver with the Swift target's LLVMFuzzerTestOneInput. The normal build compiles to
 * nothing here and has a Swift main (the replayer). */
#ifdef TANDEM_FUZZING
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int tandem_fuzz_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
#else
typedef int tandem_fuzz_unused;
#endif

#ifndef TANDEM_FUZZ_H
#define TANDEM_FUZZ_H
/* Nothing to call from Swift: fuzz_main.c holds the fuzzing build's entry point. */
#endif

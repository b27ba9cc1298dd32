#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver (in the runtime -sanitize=fuzzer links). SwiftPM renames an executable's main
// to <module>_main and aliases `main` to it, so each target calls the driver from that function.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

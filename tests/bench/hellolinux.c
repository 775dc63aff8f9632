/*
 * The OCI bench's baseline (tests/bench/oci.sh) is apps/hello/main.c built
 * with gcc -static as an ordinary Linux program.  It asks tincan how long
 * the guest took to boot; a Linux process has no guest boot, so 0.
 */
#include <tincan.h>

uint64_t tincan_boot_to_main_ns(void)
{
	return 0;
}

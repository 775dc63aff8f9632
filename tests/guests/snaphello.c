/*
 * The restore bench's hello (tests/bench/restore.sh): ready at once, so a
 * snapshot holds a guest that has booted and run main up to here; a
 * restore prints one line and exits.
 */
#include <stdio.h>
#include <tincan.h>

int main(void)
{
	tincan_ready();
	puts("hello");
	return 0;
}

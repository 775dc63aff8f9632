/* The one binary of the Linux baseline's initramfs (tests/bench/pc.sh):
 * print a line like hello does, then power the machine off. */
#include <stdio.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	printf("Hello from Linux!\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}

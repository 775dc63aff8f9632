/* hello: the default tincan app.  A greeting, its arguments, some floating
 * point, and how long the guest took to boot. */
#include <math.h>
#include <stdio.h>
#include <tincan.h>

int main(int argc, char **argv)
{
	double boot_ms = tincan_boot_to_main_ns() / 1e6;

	printf("Hello from tincan!\n");
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = \"%s\"\n", i, argv[i]);
	printf("sqrt(2) = %.6f\n", sqrt(2.0));
	printf("boot to main: %.3f ms\n", boot_ms);
	return 0;
}

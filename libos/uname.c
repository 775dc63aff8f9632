/* uname(): the system's names.  Release and version are tincan's build. */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "internal.h"

#ifndef TINCAN_VERSION
#define TINCAN_VERSION "dev"
#endif

int uname(struct utsname *u)
{
	if (!u)
		return sys_fail(EFAULT);
	memset(u, 0, sizeof *u);
	strcpy(u->sysname, "tincan");
	if (gethostname(u->nodename, sizeof u->nodename) < 0)
		strcpy(u->nodename, "tincan");
	strncpy(u->release, TINCAN_VERSION, sizeof u->release - 1);
	strncpy(u->version, "tincan " TINCAN_VERSION, sizeof u->version - 1);
	strcpy(u->machine, "x86_64");
	strcpy(u->domainname, "(none)");
	return 0;
}

/* tincan-run's own strerror (platforms/kvm/monitor/errmsg.c): the errnos it
 * carries read in musl's words, each code with its own text, and any other
 * errno reads "error N". */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define strerror tc_strerror
#include "../../platforms/kvm/monitor/errmsg.c"
#undef strerror

#include "../tap.h"

int main(void)
{
	ok(strcmp(tc_strerror(ENOENT), "No such file or directory") == 0, "ENOENT: %s", tc_strerror(ENOENT));
	ok(strcmp(tc_strerror(EPERM), "Operation not permitted") == 0, "EPERM, the first: %s", tc_strerror(EPERM));
	ok(strcmp(tc_strerror(ENOMEM), "Out of memory") == 0, "ENOMEM: %s", tc_strerror(ENOMEM));
	ok(strcmp(tc_strerror(EACCES), "Permission denied") == 0, "EACCES: %s", tc_strerror(EACCES));
	ok(strcmp(tc_strerror(EROFS), "Read-only file system") == 0, "EROFS: %s", tc_strerror(EROFS));
	ok(strcmp(tc_strerror(EDQUOT), "Quota exceeded") == 0, "EDQUOT, the last: %s", tc_strerror(EDQUOT));
	int distinct = 1;
	for (size_t i = 0; i < sizeof codes; i++)
		for (size_t j = 0; j < i; j++)
			if (codes[i] == codes[j] || strcmp(tc_strerror(codes[i]), tc_strerror(codes[j])) == 0 ||
			    strncmp(tc_strerror(codes[i]), "error ", 6) == 0)
				distinct = 0;
	ok(distinct, "%zu codes, each its own text", sizeof codes);
	ok(strcmp(tc_strerror(EHWPOISON), "error 133") == 0, "an errno not carried: %s", tc_strerror(EHWPOISON));
	ok(strcmp(tc_strerror(0), "error 0") == 0 && strcmp(tc_strerror(-1), "error -1") == 0 &&
	       strcmp(tc_strerror(-2147483647 - 1), "error -2147483648") == 0,
	   "0, negatives and the smallest int");
	return done_testing();
}

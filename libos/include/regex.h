/* newlib's <regex.h> uses off_t without including what defines it. */
#include <sys/types.h>
#include_next <regex.h>

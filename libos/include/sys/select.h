/* newlib's <sys/select.h> with Linux's FD_SETSIZE, 1024, instead of its 64
 * (a program may still define its own before including it). */
#ifndef FD_SETSIZE
#define FD_SETSIZE 1024
#endif
#include_next <sys/select.h>

/* newlib's <setjmp.h>, plus POSIX's sigjmp_buf, sigsetjmp and siglongjmp,
 * which also save and restore the signal mask when asked. */
#include_next <setjmp.h>

#ifndef TINCAN_SETJMP_H
#define TINCAN_SETJMP_H
#include <sys/features.h>
#if __POSIX_VISIBLE
#include <sys/_sigset.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef struct __tincan_sigjmp_buf {
	jmp_buf __jb; /* first: a sigjmp_buf is a jmp_buf for setjmp */
	int __saved;
	__sigset_t __mask;
} sigjmp_buf[1];

#ifdef __GNUC__
int sigsetjmp(sigjmp_buf __env, int __savemask) __attribute__((__returns_twice__));
void siglongjmp(sigjmp_buf __env, int __val) __attribute__((__noreturn__));
#else
int sigsetjmp(sigjmp_buf __env, int __savemask);
void siglongjmp(sigjmp_buf __env, int __val);
#endif
#ifdef __cplusplus
}
#endif
#endif
#endif

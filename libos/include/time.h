/* newlib's <time.h>, plus timegm() (a BSD and GNU extension libos has). */
#include_next <time.h>

#ifndef TINCAN_TIME_H
#define TINCAN_TIME_H
#if __BSD_VISIBLE || __GNU_VISIBLE
#ifdef __cplusplus
extern "C" {
#endif
time_t timegm(struct tm *tm);
#ifdef __cplusplus
}
#endif
#endif
#endif

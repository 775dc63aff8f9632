/*
 * newlib's <math.h>, plus the long double functions libos/ldmath.c gives
 * on x86-64 (newlib declares them only where long double is double).
 */
#include_next <math.h>

#ifndef TINCAN_MATH_H
#define TINCAN_MATH_H
#if !defined(_LDBL_EQ_DBL) && (!defined(__STRICT_ANSI__) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L))
#ifdef __cplusplus
extern "C" {
#endif
long double fabsl(long double);
long double copysignl(long double, long double);
long double floorl(long double);
long double ceill(long double);
long double truncl(long double);
long double rintl(long double);
long double nearbyintl(long double);
long double roundl(long double);
long lroundl(long double);
long long llroundl(long double);
long lrintl(long double);
long long llrintl(long double);
long double fmodl(long double, long double);
long double remainderl(long double, long double);
long double scalbnl(long double, int);
long double scalblnl(long double, long);
long double ldexpl(long double, int);
long double logbl(long double);
int ilogbl(long double);
long double frexpl(long double, int *);
long double modfl(long double, long double *);
long double fminl(long double, long double);
long double fmaxl(long double, long double);
long double fdiml(long double, long double);
long double logl(long double);
long double log2l(long double);
long double log10l(long double);
long double expl(long double);
long double exp2l(long double);
long double powl(long double, long double);
long double atanl(long double);
long double atan2l(long double, long double);
long double sinl(long double);
long double cosl(long double);
long double tanl(long double);
#ifdef __cplusplus
}
#endif
#endif
#endif

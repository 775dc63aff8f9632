/*
 * long double math that newlib leaves out on x86-64 (it has only sqrtl and
 * hypotl there), on the x87 unit, which computes in this format natively.
 * Guest code runs at CPL3, where the x87 runs natively too.
 *
 * Exact: the rounding family, fabsl, copysignl, fmodl, remainderl, frexpl,
 * ldexpl/scalbnl, modfl, fminl/fmaxl/fdiml, logbl/ilogbl.  Within a few
 * units in the last place: logl, log2l, log10l, expl, exp2l, powl, atanl,
 * atan2l, and sinl/cosl/tanl for |x| < 2^63 (fsin's own range reduction;
 * beyond it they return NaN, not a wrong number).  Declared by the math.h
 * wrapper in libos/include.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>

long double fabsl(long double x)
{
	__asm__("fabs" : "+t"(x));
	return x;
}

long double copysignl(long double x, long double y)
{
	x = fabsl(x);
	return signbit(y) ? -x : x;
}

/* frndint under rounding control rc (0 nearest, 1 down, 2 up, 3 toward 0). */
static long double rnd(long double x, unsigned rc)
{
	unsigned short cw, tmp;
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	tmp = (unsigned short)((cw & ~0x0c00u) | (rc << 10));
	__asm__ volatile("fldcw %0" ::"m"(tmp));
	__asm__ volatile("frndint" : "+t"(x));
	__asm__ volatile("fldcw %0" ::"m"(cw));
	return x;
}

long double floorl(long double x)
{
	return rnd(x, 1);
}

long double ceill(long double x)
{
	return rnd(x, 2);
}

long double truncl(long double x)
{
	return rnd(x, 3);
}

long double rintl(long double x)
{
	__asm__ volatile("frndint" : "+t"(x));
	return x;
}

long double nearbyintl(long double x)
{
	return rintl(x);
}

/* Halfway cases away from zero.  x - truncl(x) is exact. */
long double roundl(long double x)
{
	long double t = truncl(x);
	if (fabsl(x - t) >= 0.5L)
		t += copysignl(1.0L, x);
	return t;
}

/* Out of range or NaN: Linux gives the "integer indefinite" value and a
 * domain error; so do we. */
static long long to_ll(long double r, long long lo, long long hi)
{
	if (!(r >= (long double)lo && r <= (long double)hi)) {
		errno = EDOM;
		return lo;
	}
	return (long long)r;
}

long long llroundl(long double x)
{
	return to_ll(roundl(x), LLONG_MIN, LLONG_MAX);
}

long lroundl(long double x)
{
	return (long)to_ll(roundl(x), LONG_MIN, LONG_MAX);
}

long long llrintl(long double x)
{
	return to_ll(rintl(x), LLONG_MIN, LLONG_MAX);
}

long lrintl(long double x)
{
	return (long)to_ll(rintl(x), LONG_MIN, LONG_MAX);
}

/* fprem/fprem1 reduce by at most 2^63 per step: loop until C2 is clear. */
static long double rem(long double x, long double y, int ieee)
{
	unsigned short sw;
	if (isnan(x) || isnan(y))
		return x + y;
	if (isinf(x) || y == 0) {
		errno = EDOM;
		return NAN;
	}
	do {
		if (ieee)
			__asm__ volatile("fprem1\n\tfnstsw %1" : "+t"(x), "=a"(sw) : "u"(y));
		else
			__asm__ volatile("fprem\n\tfnstsw %1" : "+t"(x), "=a"(sw) : "u"(y));
	} while (sw & 0x400);
	return x;
}

long double fmodl(long double x, long double y)
{
	return rem(x, y, 0);
}

long double remainderl(long double x, long double y)
{
	return rem(x, y, 1);
}

long double scalbnl(long double x, int n)
{
	long double e = n;
	__asm__("fscale" : "+t"(x) : "u"(e));
	return x;
}

long double scalblnl(long double x, long n)
{
	if (n > 40000)
		n = 40000;
	if (n < -40000)
		n = -40000;
	return scalbnl(x, (int)n);
}

long double ldexpl(long double x, int n)
{
	return scalbnl(x, n);
}

long double logbl(long double x)
{
	if (x == 0) {
		errno = ERANGE;
		return -HUGE_VALL;
	}
	if (isinf(x))
		return INFINITY;
	if (isnan(x))
		return x;
	long double sig, e;
	__asm__("fxtract" : "=t"(sig), "=u"(e) : "0"(x));
	(void)sig;
	return e;
}

int ilogbl(long double x)
{
	if (x == 0)
		return FP_ILOGB0;
	if (isnan(x))
		return FP_ILOGBNAN;
	if (isinf(x))
		return INT_MAX;
	return (int)logbl(x);
}

long double frexpl(long double x, int *e)
{
	if (x == 0 || isinf(x) || isnan(x)) {
		*e = 0;
		return x;
	}
	int l = ilogbl(x) + 1;
	*e = l;
	return scalbnl(x, -l);
}

long double modfl(long double x, long double *ip)
{
	long double t = truncl(x);
	*ip = t;
	if (isinf(x))
		return copysignl(0.0L, x);
	return copysignl(x - t, x);
}

long double fminl(long double x, long double y)
{
	if (isnan(x))
		return y;
	if (isnan(y))
		return x;
	return x < y ? x : y;
}

long double fmaxl(long double x, long double y)
{
	if (isnan(x))
		return y;
	if (isnan(y))
		return x;
	return x > y ? x : y;
}

long double fdiml(long double x, long double y)
{
	if (isnan(x) || isnan(y))
		return x + y;
	return x > y ? x - y : 0.0L;
}

/* y * log2(x) by fyl2x; logs of negatives are domain errors. */
static long double ylog2x(long double y, long double x)
{
	long double r;
	__asm__("fyl2x" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
	return r;
}

static long double log_base(long double x, long double k)
{
	if (x < 0) {
		errno = EDOM;
		return NAN;
	}
	if (x == 0) {
		errno = ERANGE;
		return -HUGE_VALL;
	}
	return ylog2x(k, x);
}

long double log2l(long double x)
{
	return log_base(x, 1.0L);
}

long double logl(long double x)
{
	long double ln2;
	__asm__("fldln2" : "=t"(ln2));
	return log_base(x, ln2);
}

long double log10l(long double x)
{
	long double lg2;
	__asm__("fldlg2" : "=t"(lg2));
	return log_base(x, lg2);
}

/* 2^x: split x into an integer and a fraction in [-0.5, 0.5], f2xm1 on the
 * fraction, fscale by the integer. */
long double exp2l(long double x)
{
	if (isnan(x))
		return x;
	if (x > 16384) {
		errno = ERANGE;
		return HUGE_VALL;
	}
	if (x < -16500)
		return 0;
	long double i = rintl(x), f = x - i;
	__asm__("f2xm1" : "+t"(f));
	return scalbnl(f + 1.0L, (int)i);
}

long double expl(long double x)
{
	long double l2e;
	__asm__("fldl2e" : "=t"(l2e));
	return exp2l(x * l2e);
}

long double powl(long double x, long double y)
{
	if (y == 0 || x == 1)
		return 1.0L;
	if (isnan(x) || isnan(y))
		return x + y;
	if (x < 0) {
		if (y != truncl(y)) {
			errno = EDOM;
			return NAN;
		}
		long double r = powl(-x, y);
		return fmodl(y, 2.0L) != 0 ? -r : r;
	}
	if (x == 0) {
		if (y < 0) {
			errno = ERANGE;
			return HUGE_VALL;
		}
		return 0;
	}
	/* Integer powers by squaring stay exact while they fit. */
	if (fabsl(y) <= 64 && y == truncl(y)) {
		long double r = 1, b = x;
		long n = (long)fabsl(y);
		for (; n; n >>= 1, b *= b)
			if (n & 1)
				r *= b;
		return y < 0 ? 1 / r : r;
	}
	return exp2l(ylog2x(y, x));
}

long double atan2l(long double y, long double x)
{
	long double r;
	__asm__("fpatan" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
	return r;
}

long double atanl(long double x)
{
	return atan2l(x, 1.0L);
}

/* fsin, fcos and fptan set C2 when |x| >= 2^63 and leave x unchanged. */
static long double trig(long double x, int which)
{
	unsigned short sw;
	long double one;
	if (fabsl(x) >= 0x1p63L) {
		errno = EDOM;
		return NAN;
	}
	switch (which) {
	case 0: __asm__("fsin\n\tfnstsw %1" : "+t"(x), "=a"(sw)); break;
	case 1: __asm__("fcos\n\tfnstsw %1" : "+t"(x), "=a"(sw)); break;
	default:
		__asm__("fptan\n\tfnstsw %2" : "=t"(one), "=u"(x), "=a"(sw) : "0"(x));
		(void)one;
		break;
	}
	return x;
}

long double sinl(long double x)
{
	return trig(x, 0);
}

long double cosl(long double x)
{
	return trig(x, 1);
}

long double tanl(long double x)
{
	return trig(x, 2);
}

/*
 * long double math on the x87 (libos/ldmath.c) and the chown family
 * (libos/vfs/attr.c): TAP from the guest, run by tests/ldmath.bats.
 */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"

/* Relative error against a reference, in units of long double epsilon. */
static int close_to(long double got, long double want, long double ulps)
{
	long double d = got - want;
	if (d < 0)
		d = -d;
	long double m = want < 0 ? -want : want;
	if (d <= ulps * LDBL_EPSILON * (m > 1 ? m : 1))
		return 1;
	printf("# got %.21Lg, wanted %.21Lg\n", got, want);
	return 0;
}

static void rounding(void)
{
	ok(ceill(2.25L) == 3 && ceill(-2.25L) == -2 && ceill(-0.5L) == 0 && signbit(ceill(-0.5L)), "ceill");
	ok(floorl(2.75L) == 2 && floorl(-2.25L) == -3, "floorl");
	ok(truncl(2.75L) == 2 && truncl(-2.75L) == -2, "truncl");
	ok(roundl(2.5L) == 3 && roundl(-2.5L) == -3 && roundl(2.49999L) == 2 && roundl(0.5L) == 1,
	   "roundl: halfway away from zero");
	ok(rintl(2.5L) == 2 && rintl(3.5L) == 4 && nearbyintl(-2.5L) == -2, "rintl/nearbyintl: to even");
	ok(llroundl(1e18L + 0.5L) == 1000000000000000001LL, "llroundl keeps 64-bit precision (1e18 + 0.5)");
	ok(lroundl(-7.5L) == -8 && llrintl(7.5L) == 8 && lrintl(-6.5L) == -6, "lroundl, llrintl, lrintl");
	errno = 0;
	(void)llroundl(1e30L);
	ok(errno == EDOM, "llroundl out of range: EDOM");
	ok(ceill(0x1p70L) == 0x1p70L && floorl(INFINITY) == INFINITY && isnan(truncl(NAN)),
	   "large, infinite, NaN pass through");
}

static void exact(void)
{
	int e;
	long double ip;
	ok(fabsl(-3.5L) == 3.5L && copysignl(2, -0.0L) == -2, "fabsl, copysignl");
	ok(fmodl(10.5L, 3) == 1.5L && fmodl(-10.5L, 3) == -1.5L && fmodl(1e4000L, 7) < 7,
	   "fmodl, with a huge dividend");
	ok(remainderl(10.5L, 3) == -1.5L, "remainderl rounds the quotient to even");
	errno = 0;
	ok(isnan(fmodl(1, 0)) && errno == EDOM, "fmodl(x, 0): NaN, EDOM");
	ok(frexpl(48.0L, &e) == 0.75L && e == 6, "frexpl(48) = 0.75 * 2^6");
	ok(ldexpl(0.75L, 6) == 48 && scalbnl(1, -16000) > 0 && scalbnl(1, 16000) == 0x1p16000L,
	   "ldexpl, scalbnl beyond double's range");
	ok(modfl(-3.25L, &ip) == -0.25L && ip == -3, "modfl");
	ok(ilogbl(1024.0L) == 10 && logbl(0.125L) == -3 && ilogbl(0) == FP_ILOGB0, "ilogbl, logbl");
	ok(fminl(1, NAN) == 1 && fmaxl(-1, 2) == 2 && fdiml(5, 7) == 0 && fdiml(7, 5) == 2, "fminl, fmaxl, fdiml");
}

static void transcendental(void)
{
	ok(close_to(logl(2.718281828459045235360287471352662498L), 1, 4) && close_to(log2l(0x1p-1000L), -1000, 1) &&
	       close_to(log10l(1e300L), 300, 4),
	   "logl, log2l, log10l");
	ok(close_to(expl(1), 2.718281828459045235360287471352662498L, 8) &&
	       close_to(exp2l(-3.5L), 0.0883883476483184405501055452631L, 8),
	   "expl, exp2l");
	ok(close_to(powl(2, 100), 0x1p100L, 0) && close_to(powl(10, -3), 0.001L, 4) &&
	       close_to(powl(2.5L, 0.5L), sqrtl(2.5L), 8),
	   "powl: integer and fractional powers");
	ok(powl(-2, 3) == -8 && isnan(powl(-2, 0.5L)) && powl(0, 0) == 1, "powl: negative bases, 0^0");
	ok(close_to(atan2l(1, 1), 0.785398163397448309615660845819875721L, 4) &&
	       close_to(4 * atanl(1), 3.14159265358979323846264338327950288L, 8),
	   "atan2l, atanl");
	ok(close_to(sinl(0.5L), 0.479425538604203000273287935215571388L, 8) &&
	       close_to(cosl(0.5L), 0.877582561890372716116281582603829651L, 8) &&
	       close_to(tanl(0.5L), 0.546302489843790513255179465780285384L, 8),
	   "sinl, cosl, tanl");
	volatile long double big = 0x1p70L; /* volatile: gcc would fold sinl of a constant itself */
	ok(isnan(sinl(big)), "sinl beyond 2^63: NaN, not a wrong number");
	errno = 0;
	ok(isnan(logl(-1)) && errno == EDOM, "logl(-1): NaN, EDOM");
}

static void owners(void)
{
	int fd = open("/tmp/own", O_CREAT | O_WRONLY, 0644);
	ok(fd >= 0, "a file to own");
	ok(chown("/tmp/own", getuid(), getgid()) == 0 && fchown(fd, (uid_t)-1, (gid_t)-1) == 0,
	   "chown/fchown to the one user: ok");
	ok(lchown("/tmp/own", 0, (gid_t)-1) == 0 && fchownat(AT_FDCWD, "/tmp/own", 0, 0, 0) == 0, "lchown, fchownat");
	errno = 0;
	ok(chown("/tmp/own", 1000, 1000) == -1 && errno == EINVAL, "another owner: EINVAL");
	errno = 0;
	ok(chown("/tmp/none", 0, 0) == -1 && errno == ENOENT, "no such file: ENOENT");
	errno = 0;
	ok(fchown(99, 0, 0) == -1 && errno == EBADF, "bad fd: EBADF");
	close(fd);
}

int main(void)
{
	rounding();
	exact();
	transcendental();
	owners();
	return done_testing();
}

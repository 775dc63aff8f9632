/* Frame-pointer stack walk; see backtrace.h. */
#include "backtrace.h"

unsigned bt_walk(uint64_t fp, bt_read_fn read, void *ctx, struct bt_frame *out, unsigned max, unsigned reads_max)
{
	unsigned n = 0;
	for (unsigned reads = 0; n < max && fp && reads < reads_max; reads++) {
		uint64_t next, ret;
		if (fp % 8 || read(ctx, fp, &next) || read(ctx, fp + 8, &ret) || ret == 0)
			break;
		if (n && out[n - 1].ret == ret)
			out[n - 1].repeats++;
		else
			out[n++] = (struct bt_frame){ ret, 0 };
		if (next <= fp)
			break;
		fp = next;
	}
	return n;
}

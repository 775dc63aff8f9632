/*
 * Walking a tincan guest's stack along its frame pointers (every guest is
 * built with -fno-omit-frame-pointer; see docs/design.md).  Shared by the
 * kvm monitor, which walks a faulted guest's stack from outside, and by
 * platforms whose guest reports its own panics.  Every word is read through
 * the caller's checked reader; a hostile or broken chain ends the walk (an
 * unreadable word, a frame pointer that does not climb) and the number of
 * reads is bounded, so no chain keeps the walker busy.
 */
#ifndef TINCAN_BACKTRACE_H
#define TINCAN_BACKTRACE_H

#include <stdint.h>

#define bt_walk __tincan_bt_walk

struct bt_frame {
	uint64_t ret; /* return address: the call is just before it */
	uint64_t repeats; /* the same return address followed this many more times (recursion) */
};

/* Read the 8-byte word at addr into *v; 0, or -1 if the walker may not. */
typedef int (*bt_read_fn)(void *ctx, uint64_t addr, uint64_t *v);

/*
 * Fill out[0..max) with the frames above the one whose frame pointer is fp
 * (the innermost function itself is the caller's to name, from its rip).
 * Runs of frames with the same return address are folded into one entry.
 * At most reads_max frames are read.  Returns the entries filled.
 */
unsigned bt_walk(uint64_t fp, bt_read_fn read, void *ctx, struct bt_frame *out, unsigned max, unsigned reads_max);

#endif

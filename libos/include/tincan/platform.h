/*
 * The platform interface: the only way libos reaches the machine.
 *
 * Every platform (platforms/<name>/guest) implements the plat_* functions
 * and calls libos_main() once, from its entry point, on the boot stack.
 * libos includes no platform header; a platform calls into libos only
 * through libos_main().  Errors are negative errno values (newlib's numbers).
 */
#ifndef TINCAN_PLATFORM_H
#define TINCAN_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

/* The networking object (linked only into apps that use sockets) calls
 * these across from libos.o: kept global, in the implementation's name space. */
#define plat_net_count __tincan_plat_net_count
#define plat_net_info __tincan_plat_net_info
#define plat_net_open __tincan_plat_net_open
#define plat_net_send __tincan_plat_net_send
#define plat_net_recv __tincan_plat_net_recv
#define plat_net_release __tincan_plat_net_release
#define plat_net_flush __tincan_plat_net_flush
#define plat_clock_monotonic_ns __tincan_plat_clock_monotonic_ns
#define plat_entropy __tincan_plat_entropy
#define plat_wait __tincan_plat_wait
#define plat_block_count __tincan_plat_block_count
#define plat_block_info __tincan_plat_block_info
#define plat_block_open __tincan_plat_block_open
#define plat_block_submit __tincan_plat_block_submit
#define plat_block_kick __tincan_plat_block_kick
#define plat_block_done __tincan_plat_block_done
#define plat_dir_count __tincan_plat_dir_count
#define plat_dir_info __tincan_plat_dir_info
#define plat_dir_cwd __tincan_plat_dir_cwd
#define plat_dir_open __tincan_plat_dir_open
#define plat_dir_lstat __tincan_plat_dir_lstat
#define plat_dir_mkdir __tincan_plat_dir_mkdir
#define plat_dir_unlink __tincan_plat_dir_unlink
#define plat_dir_rmdir __tincan_plat_dir_rmdir
#define plat_dir_rename __tincan_plat_dir_rename
#define plat_dir_symlink __tincan_plat_dir_symlink
#define plat_dir_readlink __tincan_plat_dir_readlink
#define plat_dir_utimens __tincan_plat_dir_utimens
#define plat_dir_close __tincan_plat_dir_close
#define plat_dir_pread __tincan_plat_dir_pread
#define plat_dir_pwrite __tincan_plat_dir_pwrite
#define plat_dir_fstat __tincan_plat_dir_fstat
#define plat_dir_readdir __tincan_plat_dir_readdir
#define plat_dir_truncate __tincan_plat_dir_truncate
#define plat_dir_fsync __tincan_plat_dir_fsync
#define libos_restored __tincan_libos_restored

/* What the platform hands libos at boot. */
struct tc_boot {
	uintptr_t heap_start; /* sbrk hands out [heap_start, heap_end) */
	uintptr_t heap_end;
	uintptr_t heap_max; /* plat_mem_grow may extend heap_end up to here */
	uint64_t mem_size; /* bytes of guest memory (the most it can grow to) */
	int argc;
	char **argv; /* argc entries, then NULL */
	char **envp; /* NULL-terminated */
	uint64_t start_ns; /* plat_clock_monotonic_ns() when the host started this guest */
	unsigned tty; /* bit n set: console fd n is a terminal */
	uint64_t stack_size; /* bytes of main stack (above its guard page) */
};

/* libos's entry: sets up the C library and runs main(); never returns.
 * The CPU state libos expects: on x86-64, SSE on and CR4.FSGSBASE set when
 * cpuid leaf 7 reports FSGSBASE (libos sets each thread's %fs base with
 * wrfsbase, in apps with thread-local variables). */
noreturn void libos_main(const struct tc_boot *boot);

/* Set the stack protector's canary (libos/ssp.c) from 8 random bytes: the
 * platform's entry calls it first, before libos_main, from a function that
 * is not itself protected (__attribute__((no_stack_protector))): a
 * protected frame live across the change would fail its check. */
void libos_stack_guard(uint64_t random);

/* Extend the heap past *heap_end by at least bytes (a page multiple):
 * 0 with *heap_end moved up (perhaps by more), or -ENOMEM (no more memory:
 * the limit, or the host) or -EINVAL. */
int plat_mem_grow(uintptr_t *heap_end, size_t bytes);

/* Write len bytes to console fd 1 or 2; returns bytes written or -errno. */
long plat_console_write(int fd, const void *buf, size_t len);

/* Read up to len bytes from console fd 0; blocks until at least one byte
 * or end of file.  Returns bytes read, 0 at end of file, or -errno. */
long plat_console_read(void *buf, size_t len);

/* Clocks in nanoseconds.  Reading them never leaves the guest.  Monotonic
 * never goes backwards; realtime is nanoseconds since the Unix epoch. */
uint64_t plat_clock_monotonic_ns(void);
uint64_t plat_clock_realtime_ns(void);

/*
 * Events: the only definition of their bits in libos (a platform checks
 * that its own numbering agrees, e.g. with a static assertion).
 *   PLAT_EV_CONSOLE_IN   console fd 0 has input (or end of file)
 *   PLAT_EV_NET(dev)     net device dev received a frame
 *   PLAT_EV_BLOCK(dev)   block device dev completed a request
 */
#define PLAT_NET_MAX 4
#define PLAT_BLOCK_MAX 4
#define PLAT_EV_CONSOLE_IN 1u
#define PLAT_EV_NET(dev) (1u << (8 + (dev)))
#define PLAT_EV_BLOCK(dev) (1u << (16 + (dev)))

/* Block until the monotonic clock reaches deadline_ns or one of the wanted
 * events is ready; returns the ready events (0: the deadline passed).
 * Before waiting it sends queued frames and hands queued block requests to
 * their devices. */
unsigned plat_wait(uint64_t deadline_ns, unsigned wanted);

/*
 * Snapshots (kvm: tincan-run --snapshot, --restore; a platform without
 * them ignores these bits and has plat_snapshot_wanted() 0).  In a wait's
 * wanted, PLAT_EV_SNAPSHOT marks a point where the host may snapshot the
 * guest if the wait would block (libos's idle wait, once main() started),
 * PLAT_EV_SNAPSHOT_NOW with it a point where it does at once
 * (tincan_ready()).  A wait never returns them.  A guest restored from the
 * snapshot goes on from that wait: the platform has taken the new host's
 * clocks, entropy and devices (net rings empty, block completions kept) and
 * calls libos_restored() before the wait returns.
 */
#define PLAT_EV_SNAPSHOT (1u << 4)
#define PLAT_EV_SNAPSHOT_NOW (1u << 5)

/* 1: the host asked for a snapshot of this guest (not yet taken); 0. */
int plat_snapshot_wanted(void);

/* The platform's call, on its way back from a wait the guest was restored
 * in: the new host's environment entries to set ("NAME=value",
 * NULL-terminated; libos copies them) and terminals (as tc_boot.tty). */
void libos_restored(char **envp, unsigned tty);

/* The host's requests to stop that waits have seen since the last call,
 * as a mask: bit 2 SIGINT, bit 15 SIGTERM. */
unsigned plat_host_signals(void);

/*
 * Networking.  Devices are numbered from 0; frames are Ethernet frames
 * without FCS.  Sending only queues: queued frames leave at the latest on
 * the next plat_net_flush() or plat_wait(), so one exit can carry many.
 */

struct plat_net_info {
	char name[16]; /* the image manifest's name for it */
	uint8_t mac[6];
	uint16_t mtu;
	uint32_t ip4; /* network byte order; 0: configure by DHCP */
	uint32_t prefix; /* netmask length */
	uint32_t gw4; /* network byte order; 0: none */
	uint32_t mem; /* bytes of memory plat_net_open needs (rings, buffers) */
	uint32_t offload; /* PLAT_NET_OFF_*: what the device does for the guest */
};

/* PLAT_NET_OFF_CSUM: TCP frames may be sent with PLAT_NET_NEEDS_CSUM, and
 * received frames may come with their checksums known good.
 * PLAT_NET_OFF_TSO4: TCP/IPv4 frames of up to 65,535 bytes may be sent with
 * PLAT_NET_GSO_TCPV4 (the device cuts them into gso_size segments), and
 * received frames may be that long, in several pieces. */
#define PLAT_NET_OFF_CSUM 1
#define PLAT_NET_OFF_TSO4 2

/* A frame's offloads, as virtio-net's header (virtio 1.x 5.1.6). */
struct plat_net_hdr {
	uint8_t csum_flags; /* PLAT_NET_NEEDS_CSUM: the TCP checksum holds the pseudo-header's sum */
	uint8_t gso_type; /* PLAT_NET_GSO_TCPV4, or 0 */
	uint16_t hdr_len; /* GSO: Ethernet, IP and TCP header bytes */
	uint16_t gso_size; /* GSO: TCP payload bytes per segment */
	uint16_t csum_start; /* NEEDS_CSUM: the TCP header's offset */
	uint16_t csum_offset; /* NEEDS_CSUM: 16 */
};
#define PLAT_NET_NEEDS_CSUM 1
#define PLAT_NET_GSO_TCPV4 1

/* plat_net_recv's flags. */
#define PLAT_NET_MORE 1 /* the frame goes on in the next piece */
#define PLAT_NET_CSUM_OK 2 /* the frame's checksums need no check (first piece) */

/* How many net devices are attached, and what they are. */
int plat_net_count(void);
const struct plat_net_info *plat_net_info(int dev);

/* Start using device dev with info->mem bytes at mem (64-byte aligned,
 * contents undefined, the platform's from now on: the platform never
 * allocates); 0 or -errno. */
int plat_net_open(int dev, void *mem);

/* A frame to send, in n pieces one after another, with offloads (hdr;
 * NULL: none) within info->offload; queued: -EAGAIN when the queue is
 * full (flush, then retry). */
struct plat_net_piece {
	const void *p;
	size_t len;
};
int plat_net_send(int dev, const struct plat_net_piece *v, unsigned n, const struct plat_net_hdr *hdr);

/* The next received frame, or the next piece of one, or NULL if none is
 * waiting; it stays valid (and writable) until plat_net_release(dev),
 * which gives back every frame and piece handed out since the last
 * release: libos may hold many at once (netfn's batches), and while it
 * holds every receive buffer nothing more arrives.  *flags:
 * PLAT_NET_MORE, PLAT_NET_CSUM_OK. */
const void *plat_net_recv(int dev, size_t *len, unsigned *flags);
void plat_net_release(int dev);

/* Send what is queued and collect what has arrived, without blocking. */
void plat_net_flush(void);

/* Make open device dev carry frames as they are on the wire from now on
 * (the raw-frame API's): no offloads (info->offload becomes 0), so every
 * frame received is whole (one piece, at most mtu + 14 bytes) with its
 * checksums computed, also after a restore.  Frames queued or received
 * and not yet handed out may be lost.  0, or -ENOSYS (the host cannot:
 * offloads stay) or -ENODEV. */
int plat_net_raw(int dev);

/*
 * Block devices.  Devices are numbered from 0, in the image
 * manifest's order.  Like net sends, requests only queue: they reach the
 * device at the latest on the next plat_block_kick() or plat_wait(), so
 * one exit can carry a batch; each completes later, in any order, and is
 * collected with plat_block_done().  A wait that wants PLAT_EV_BLOCK(dev)
 * returns when dev has completions to collect.
 */
struct plat_block_info {
	char name[16]; /* the image manifest's name for it */
	char mount[48]; /* the manifest's mount point for it ("": none) */
	uint32_t sector_size; /* bytes; a power of two, at least 512 */
	uint64_t sectors; /* the device's size in sectors */
	uint8_t read_only; /* writes complete with -EROFS */
	uint32_t mem; /* bytes of memory plat_block_open needs (its request queue) */
};

/* How many block devices are attached, and what they are. */
int plat_block_count(void);
const struct plat_block_info *plat_block_info(int dev);

/* Start using device dev with info->mem bytes at mem (64-byte aligned,
 * contents undefined, the platform's from now on); 0 or -errno. */
int plat_block_open(int dev, void *mem);

enum plat_block_op {
	PLAT_BLOCK_READ, /* count sectors from sector into buf */
	PLAT_BLOCK_WRITE, /* count sectors from buf to sector */
	PLAT_BLOCK_FLUSH /* writes completed before it are on stable storage */
};

struct plat_block_req {
	enum plat_block_op op;
	uint64_t sector; /* first sector (unused by FLUSH) */
	uint32_t count; /* sectors (0 for FLUSH) */
	void *buf; /* count * sector_size bytes; untouched by the caller until done */
	void *tag; /* the caller's, handed back on completion */
};

struct plat_block_completion {
	void *tag; /* the request's tag */
	int status; /* 0, or -EIO, -EROFS, -EINVAL (past the end, misaligned) */
};

/* Queue up to n requests; returns how many were queued (0 when the queue
 * is full: kick or wait for completions, then retry) or -errno (-EINVAL
 * for a request past the end of the device, nothing queued).  A device
 * carries out its requests in the order queued, so a FLUSH also covers the
 * WRITEs queued before it that had not completed yet. */
int plat_block_submit(int dev, const struct plat_block_req *reqs, int n);

/* Hand every queued request to its device and collect completions,
 * without blocking. */
void plat_block_kick(void);

/* Up to n completions of dev, oldest first, into done; returns how many
 * (0: none waiting).  A request's buffer is the caller's again once its
 * completion has been collected. */
int plat_block_done(int dev, struct plat_block_completion *done, int n);

/*
 * Host directories (tincan-run --dir on kvm; a platform without them has
 * 0).  Each is shared at an absolute guest path; paths given here are
 * relative to it ("" is the directory itself), normal, without "." or ".."
 * components, and the host refuses any that would lead out of it.  Open
 * files are small handles.  Every call returns 0, a count or handle, or
 * -errno (-EROFS for a change to a read-only directory).
 */
#define PLAT_DIR_MAX 4
struct plat_dir_info {
	const char *path; /* where the guest mounts it: absolute, normal */
	int read_only;
};
int plat_dir_count(void);
const struct plat_dir_info *plat_dir_info(int dir);
/* The working directory the host asks for, or NULL. */
const char *plat_dir_cwd(void);

/* What plat_dir_lstat and plat_dir_fstat fill in. */
struct plat_stat {
	uint64_t ino, size, blocks; /* blocks of 512 bytes */
	int64_t atime_ns, mtime_ns, ctime_ns; /* since the epoch */
	uint32_t mode, nlink; /* mode: Linux's S_IF* and permission bits */
};

/* What plat_dir_readdir puts in its buffer, one after another: reclen
 * bytes each; next is the cookie of the entry after it (none when it is
 * 2^63-1 or more).  "." and ".." are left out. */
struct plat_dirent {
	uint64_t ino;
	uint64_t next;
	uint16_t reclen;
	uint8_t type; /* 4 directory, 8 regular file, 10 symbolic link (DT_*) */
	char name[]; /* NUL-terminated */
};

#define PLAT_DIR_READ 1
#define PLAT_DIR_WRITE 2
#define PLAT_DIR_CREATE 4 /* a new file, -EEXIST if there is one */
#define PLAT_DIR_DIRECTORY 8 /* for plat_dir_readdir: -ENOTDIR if not one */
#define PLAT_UTIME_NOW (~0ULL)
#define PLAT_UTIME_OMIT (~1ULL)

/* On a path in directory dir.  An open follows a final symbolic link (in
 * the directory); the others act on the last component itself. */
int plat_dir_open(int dir, const char *path, int how, unsigned mode);
int plat_dir_lstat(int dir, const char *path, struct plat_stat *st);
int plat_dir_mkdir(int dir, const char *path, unsigned mode);
int plat_dir_unlink(int dir, const char *path);
int plat_dir_rmdir(int dir, const char *path);
int plat_dir_rename(int dir, const char *from, const char *to);
int plat_dir_symlink(int dir, const char *target, const char *path);
/* The link's target, not NUL-terminated; its length. */
long plat_dir_readlink(int dir, const char *path, char *buf, size_t size);
int plat_dir_utimens(int dir, const char *path, uint64_t atime_ns, uint64_t mtime_ns);

/* On an open handle: reads and writes move the whole buffer in one exit
 * (a short count only at the end of the file or on an error). */
int plat_dir_close(int h);
long plat_dir_pread(int h, void *buf, size_t len, uint64_t off);
long plat_dir_pwrite(int h, const void *buf, size_t len, uint64_t off);
int plat_dir_fstat(int h, struct plat_stat *st);
/* Entries from cookie (0: the first) into buf; bytes, 0 at the end. */
long plat_dir_readdir(int h, uint64_t cookie, void *buf, size_t len);
int plat_dir_truncate(int h, uint64_t size);
int plat_dir_fsync(int h);

/* Fill buf with len bytes from the CPU's random source; 0 or -EIO. */
int plat_entropy(void *buf, size_t len);

/* Make the heap page at addr (page-aligned) a guard page, which faults at
 * any access (on = 1), or an ordinary page again (on = 0).  0, or
 * -ENOMEM (not now: the platform ran out of what it needs), -ENOSYS. */
int plat_guard_page(uintptr_t addr, int on);

/* End the guest with this exit status. */
noreturn void plat_exit(int status);

/* End the guest abnormally: report msg (not NUL-terminated) and where the
 * guest was, with a backtrace.  Must not allocate. */
noreturn void plat_panic(const char *msg, size_t len);

#endif

/*
 * tincan KVM guest <-> monitor ABI.
 *
 * Shared, unchanged, by the guest side (platforms/kvm/guest) and the monitor
 * (platforms/kvm/monitor).  Self-contained: only fixed-width types.  Guest
 * addresses are plain integers (tc_gpa) so the monitor never dereferences one
 * by accident; it translates each through one bounds-checked helper.
 *
 * Rules: bump TC_ABI_VERSION on any incompatible change; new struct fields go
 * at the end.  See docs/abi.md for the prose version.
 */
#ifndef TINCAN_KVM_ABI_H
#define TINCAN_KVM_ABI_H

#include <stdint.h>

#define TC_ABI_VERSION 1

typedef uint64_t tc_gpa; /* guest-physical == guest-virtual address */

/*
 * Guest address space (identity mapped, guest runs at CPL3 only):
 *   0x0000 .. 0x0fff           not mapped (null pointers fault)
 *   0x1000 .. TC_IMAGE_BASE    monitor-owned: GDT and page tables, never
 *                              accessible to the guest
 *   TC_IMAGE_BASE .. image end ELF PT_LOAD segments (text R-X, rodata R--,
 *                              data/bss RW- NX)
 *   image end .. guard         heap (RW- NX), handed out by sbrk
 *   guard page                 not mapped: a stack overflow faults here
 *   stack                      RW- NX, grows down from boot info
 *   boot info .. mem end       R-- NX: struct tc_boot_info, argv, envp
 *   TC_DOORBELL_BASE           hypercall doorbells: no memory behind them
 * When memory grows (tc_boot_info.heap_max > heap_end), guard page, stack
 * and boot info come right after the image instead, and the heap after
 * them: [heap_start, heap_end) is backed, TC_HC_MEM_GROW backs more up to
 * heap_max, and nothing is mapped above heap_end.
 */
#define TC_PAGE_SIZE 4096ULL
#define TC_IMAGE_BASE 0x10000ULL
#define TC_MEM_MIN (64ULL << 10)
#define TC_MEM_MAX (3ULL << 30)
#define TC_DOORBELL_BASE 0xC0000000ULL
/* The main stack when the manifest names none: TC_STACK_DEFAULT, but at most
 * an eighth of guest memory (page-aligned) and at least TC_STACK_SMALL. */
#define TC_STACK_DEFAULT (1ULL << 20)
#define TC_STACK_SMALL (64ULL << 10)
#define TC_STACK_MAX (1ULL << 30)

/*
 * A hypercall is one 8-byte store of the argument struct's guest address to
 * TC_DOORBELL_BASE + 8 * call.  The store exits to the monitor, which reads
 * and writes the argument struct in guest memory and resumes the guest after
 * the store.  Argument structs must be 8-byte aligned and lie in guest RAM.
 */
enum tc_hypercall {
	TC_HC_CONSOLE_WRITE = 1,
	TC_HC_CONSOLE_READ = 2,
	TC_HC_EXIT = 3,
	TC_HC_WAIT = 4,
	TC_HC_PANIC = 5,
	TC_HC_NET_SETUP = 6,
	TC_HC_NET_IO = 7,
	TC_HC_BLK_SETUP = 8,
	TC_HC_BLK_IO = 9,
	TC_HC_FS_PATH = 10,
	TC_HC_FS_FILE = 11,
	TC_HC_MEM_GROW = 12,
	TC_HC_GUARD = 13,
	TC_HC_MAX = 13
};

/* Errors the monitor returns in `ret` fields, as negative numbers. */
enum tc_error {
	TC_EIO = 5,
	TC_EAGAIN = 11,
	TC_ENOMEM = 12,
	TC_EINVAL = 22,
	TC_ENOSPC = 28,
	TC_EROFS = 30,
	TC_EPIPE = 32,
};

/* TC_HC_CONSOLE_WRITE: write all of buf to the host's stdout (fd 1) or
 * stderr (fd 2).  ret = bytes written, or -tc_error. */
struct tc_hc_console_write {
	uint64_t fd; /* IN: 1 or 2 */
	tc_gpa buf; /* IN */
	uint64_t len; /* IN */
	int64_t ret; /* OUT */
};

/* TC_HC_CONSOLE_READ: read up to len bytes from the host's stdin; blocks
 * until at least one byte or end of file.  ret = bytes read (0 at end of
 * file), or -tc_error. */
struct tc_hc_console_read {
	tc_gpa buf; /* IN */
	uint64_t len; /* IN */
	int64_t ret; /* OUT */
};

/* TC_HC_EXIT: end the guest; status & 0xff becomes tincan-run's exit status. */
struct tc_hc_exit {
	uint64_t status; /* IN */
};

/* TC_HC_WAIT: block until the host's CLOCK_MONOTONIC reaches deadline_ns or a
 * wanted event is ready.  ret = bitmask of ready events (0: deadline).
 * For each net device it waits on, the monitor first sends the frames
 * queued in its ring and, when frames arrive, places them in its ring
 * before returning: one exit moves frames both ways. */
#define TC_EV_CONSOLE_IN 1ULL
#define TC_EV_NET(dev) (1ULL << (8 + (dev)))
#define TC_EV_BLK(dev) (1ULL << (16 + (dev)))
/* The host asked tincan-run to stop (SIGINT, SIGTERM): reported once, to a
 * wait that wants it, when the monitor sets TC_CAP_HOST_SIGNALS. */
#define TC_EV_SIGINT (1ULL << 2)
#define TC_EV_SIGTERM (1ULL << 3)
/*
 * Snapshots (tincan-run --snapshot=FILE, --restore=FILE; docs/snapshot.md).
 * TC_EV_SNAPSHOT in a wait's wanted marks a point where the guest may be
 * snapshotted: when boot info's snapshot is set, the monitor takes the
 * snapshot at the first such wait that would block (nothing ready, deadline
 * ahead), or at once if TC_EV_SNAPSHOT_NOW is set too (tincan_ready()), and
 * then exits.  A guest restored from it resumes from that wait with ret =
 * TC_EV_RESTORED and a rewritten boot info (generation one higher; clocks,
 * seed, tty, net[] and envp are the restore's, see tc_boot_info), and must
 * attach its rings again (TC_HC_NET_SETUP, TC_HC_BLK_SETUP): the restored
 * monitor knows none.  Known to monitors that set TC_CAP_SNAPSHOT.
 */
#define TC_EV_SNAPSHOT (1ULL << 4)
#define TC_EV_SNAPSHOT_NOW (1ULL << 5)
#define TC_EV_RESTORED TC_EV_SNAPSHOT
struct tc_hc_wait {
	uint64_t deadline_ns; /* IN: absolute, host CLOCK_MONOTONIC */
	uint64_t wanted; /* IN: TC_EV_* */
	int64_t ret; /* OUT */
};

/* TC_HC_PANIC: the guest gives up.  The monitor prints msg, the guest's
 * registers and a backtrace from the guest's frame pointers, and exits
 * with TC_STATUS_PANIC. */
struct tc_hc_panic {
	tc_gpa msg; /* IN: not NUL-terminated */
	uint64_t len; /* IN: at most TC_PANIC_MSG_MAX, longer is cut */
};
#define TC_PANIC_MSG_MAX 512

/* TC_HC_MEM_GROW: back at least bytes more of heap above the current
 * heap_end (boot info's, then each call's).  bytes: a page multiple, not 0
 * (else -TC_EINVAL); beyond heap_max it is -TC_ENOMEM.  The monitor may
 * back more than asked (it grows in 2 MiB chunks, by up to the heap's size
 * at a time); heap_end = the new end, or the old one on an error. */
struct tc_hc_mem_grow {
	uint64_t bytes; /* IN */
	tc_gpa heap_end; /* OUT */
	int64_t ret; /* OUT: 0 or -tc_error */
};

/* TC_HC_GUARD: make the heap page at addr a guard page (on = 1: not
 * present, so any access faults, TC_STATUS_FAULT) or an ordinary heap page
 * again (on = 0: RW- NX, contents kept).  addr: page-aligned, inside the
 * backed heap, else -TC_EINVAL.  -TC_ENOMEM: the monitor has no spare
 * page-table page to split the page's 2 MiB mapping with (it has a few);
 * the page is unchanged then. */
struct tc_hc_guard {
	tc_gpa addr; /* IN */
	uint64_t on; /* IN: 1 or 0 */
	int64_t ret; /* OUT: 0 or -tc_error */
};

/*
 * Networking.  Each net device has one ring in guest memory, shared with
 * the monitor: the guest queues frames to send in tx[] and posts empty
 * buffers in rx[]; the monitor sends and fills them in batches, on
 * TC_HC_NET_IO or a wait.  Indices are free-running uint32 counters
 * (slot = index % TC_NET_RING); the guest writes the *_prod fields, the
 * monitor the *_cons fields and the length of filled rx buffers.  The
 * monitor checks every index, address and length it reads: a guest that
 * lies is stopped.
 */
#define TC_NET_DEV_MAX 4
#define TC_NET_RING 256 /* slots per direction */
#define TC_NET_FRAME_MAX 1514 /* Ethernet frame without FCS, MTU 1500 */
#define TC_NET_FRAME_MIN 14 /* an Ethernet header */
#define TC_NET_GSO_MAX 65535 /* a frame with TC_NET_GSO_TCPV4 (tx), or in several slots (rx) */
#define TC_NET_CHAIN_MAX 44 /* rx slots one frame may take: 65535 / 1514, rounded up */

/* tc_boot_net.offload: what the monitor lets the guest use on this device.
 * TC_NET_OFF_CSUM: tx TCP frames may leave their checksum to the host
 * (TC_NET_NEEDS_CSUM), rx frames may come with TC_NET_NEEDS_CSUM or
 * TC_NET_DATA_VALID (checksums need no check).  TC_NET_OFF_TSO4: tx may
 * carry TCP/IPv4 frames of up to TC_NET_GSO_MAX bytes that the host cuts
 * into segments of gso_size (TC_NET_GSO_TCPV4), and rx frames may be such
 * frames too (the host's merged segments). */
#define TC_NET_OFF_CSUM 1
#define TC_NET_OFF_TSO4 2

/* A descriptor; the offload fields are virtio-net's header (virtio 1.x
 * 5.1.6); rx: in a frame's first slot only (the others' are left as
 * posted). */
struct tc_net_desc {
	tc_gpa addr; /* IN: frame (tx) or buffer (rx) */
	uint32_t len; /* tx: IN frame length; rx: IN buffer size, OUT bytes placed */
	uint16_t flags; /* tx: 0; rx: IN 0, OUT TC_NET_MORE or 0 */
	uint8_t csum_flags; /* TC_NET_NEEDS_CSUM, TC_NET_DATA_VALID (rx only) */
	uint8_t gso_type; /* TC_NET_GSO_NONE or TC_NET_GSO_TCPV4 */
	uint16_t hdr_len; /* GSO: Ethernet + IP + TCP header bytes */
	uint16_t gso_size; /* GSO: TCP payload bytes per segment */
	uint16_t csum_start; /* NEEDS_CSUM: the TCP header's offset in the frame */
	uint16_t csum_offset; /* NEEDS_CSUM: 16, the checksum's offset in it */
};
#define TC_NET_MORE 1 /* rx: the frame goes on in the next slot */
#define TC_NET_NEEDS_CSUM 1 /* the TCP checksum field holds the pseudo-header's sum only */
#define TC_NET_DATA_VALID 2 /* the host checked the checksums */
#define TC_NET_GSO_NONE 0
#define TC_NET_GSO_TCPV4 1

struct tc_net_ring {
	uint32_t tx_prod; /* guest: slots queued */
	uint32_t tx_cons; /* monitor: slots sent (or dropped by the host) */
	uint32_t rx_prod; /* guest: buffers posted */
	uint32_t rx_cons; /* monitor: buffers filled */
	uint64_t tx_dropped; /* monitor: frames the host refused, or forged or over --net-rate */
	uint64_t rx_dropped; /* reserved, 0: frames without a buffer stay queued in the tap */
	struct tc_net_desc tx[TC_NET_RING];
	struct tc_net_desc rx[TC_NET_RING];
};

/* TC_HC_NET_SETUP: attach the ring for net device dev (an index into
 * tc_boot_info.net).  The ring must lie in guest-writable memory and stay
 * there.  With TC_NET_SETUP_RAW or'ed into dev, the device carries frames
 * as they are on the wire from then on (raw frames, docs/netfn.md): the
 * monitor turns the tap's offloads off (once a run) and grants none, as if
 * tc_boot_net.offload were 0, and drops frames the tap queued before with
 * offload marks (a monitor older than the bit: -TC_EINVAL; the host
 * refusing to turn offloads off: -TC_EIO). */
#define TC_NET_SETUP_RAW (1ULL << 32)
struct tc_hc_net_setup {
	uint64_t dev; /* IN */
	tc_gpa ring; /* IN: struct tc_net_ring, 8-byte aligned */
	int64_t ret; /* OUT: 0, -TC_EINVAL or (raw) -TC_EIO */
};

/* TC_HC_NET_IO: send what the rings queue and fill posted buffers with
 * what has arrived, without blocking.  ret = mask of devices that received. */
struct tc_hc_net_io {
	uint64_t devs; /* IN: bit n = device n */
	int64_t ret; /* OUT */
};

/*
 * Block devices.  Each block device has one ring in guest memory, shared
 * with the monitor: the guest queues requests in req[] and advances
 * req_prod; the monitor carries them out in batches, on TC_HC_BLK_IO or any
 * wait, writes one completion per request in done[] and advances done_prod;
 * the guest collects completions and advances done_cons.  Indices are
 * free-running uint32 counters (slot = index % TC_BLK_RING).  The monitor
 * takes a request only when done[] has room for its completion, so a guest
 * that never collects stalls itself, nothing else.  It checks every index,
 * op, sector range and buffer: a guest that lies is stopped (102), and no
 * byte of the host file outside the device is touched.
 */
#define TC_BLK_DEV_MAX 4
#define TC_BLK_RING 64 /* request and completion slots */
#define TC_BLK_SECTOR 512 /* bytes per sector */

enum tc_blk_op {
	TC_BLK_READ = 0, /* count sectors from sector into buf */
	TC_BLK_WRITE = 1, /* count sectors from buf to sector */
	TC_BLK_FLUSH = 2, /* writes completed before it are on stable storage: sector, count, buf 0 */
};

struct tc_blk_req {
	uint32_t op; /* enum tc_blk_op */
	uint32_t count; /* sectors: at least 1 for READ and WRITE, 0 for FLUSH */
	uint64_t sector; /* first sector; sector + count <= the device's sectors */
	tc_gpa buf; /* count * TC_BLK_SECTOR bytes: guest-writable for READ, readable for WRITE */
	uint64_t tag; /* the guest's, handed back in the completion */
};

struct tc_blk_done {
	uint64_t tag; /* the request's */
	int32_t status; /* 0, -TC_EIO, -TC_ENOSPC, or -TC_EROFS (a write to a read-only device) */
	uint32_t pad; /* 0 */
};

struct tc_blk_ring {
	uint32_t req_prod; /* guest: requests queued */
	uint32_t req_cons; /* monitor: requests taken */
	uint32_t done_prod; /* monitor: completions written */
	uint32_t done_cons; /* guest: completions collected */
	struct tc_blk_req req[TC_BLK_RING];
	struct tc_blk_done done[TC_BLK_RING];
};

/* TC_HC_BLK_SETUP: attach the ring for block device dev (an index into
 * tc_boot_info.blk).  The ring must lie in guest-writable memory and stay
 * there; its indices start where the guest left them. */
struct tc_hc_blk_setup {
	uint64_t dev; /* IN */
	tc_gpa ring; /* IN: struct tc_blk_ring, 8-byte aligned */
	int64_t ret; /* OUT: 0 or -TC_EINVAL */
};

/* TC_HC_BLK_IO: carry out what the rings of the devices in devs queue,
 * without blocking.  ret = mask of those devices with completions the guest
 * has not collected. */
struct tc_hc_blk_io {
	uint64_t devs; /* IN: bit n = device n */
	int64_t ret; /* OUT */
};

/*
 * Host directories (tincan-run --dir=HOST[:GUEST][:ro]).  The monitor opens
 * each HOST directory before the sandbox; boot info lists them (dir[]) by
 * index.  TC_HC_FS_PATH acts on a path relative to one of them: the host
 * kernel resolves it beneath the directory (openat2 RESOLVE_BENEATH), so
 * no "..", absolute path or symbolic link leads out.  TC_HC_FS_OPEN hands
 * back a small handle (0 .. TC_FS_HANDLE_MAX-1, never a host fd) for
 * TC_HC_FS_FILE.  Errors are negative Linux errno numbers (the TC_E*
 * values above are Linux's too).  A read-only directory answers -TC_EROFS
 * to anything that would change it.  A bad handle is -EBADF (9); a buffer
 * outside guest memory or an unknown op stops the guest (102).
 */
#define TC_DIR_MAX 4
#define TC_DIR_PATH_MAX 256 /* a guest path and the cwd, with their NUL */
#define TC_DIR_RO 1u
#define TC_FS_HANDLE_MAX 64
#define TC_FS_NAME_MAX 4095 /* path bytes (no NUL) TC_HC_FS_PATH takes */

enum tc_fs_path_op {
	TC_FS_OPEN = 0, /* arg TC_O_* flags, arg2 mode; ret = a handle */
	TC_FS_LSTAT = 1, /* buf: struct tc_stat (buflen = its size); a link is itself */
	TC_FS_MKDIR = 2, /* arg mode */
	TC_FS_UNLINK = 3,
	TC_FS_RMDIR = 4,
	TC_FS_RENAME = 5, /* buf/buflen: the new path, in the same directory */
	TC_FS_SYMLINK = 6, /* buf/buflen: the link's target, stored as given */
	TC_FS_READLINK = 7, /* buf/buflen: filled, no NUL; ret = length */
	TC_FS_UTIMENS = 8, /* arg atime, arg2 mtime: ns since the epoch, or TC_UTIME_* */
};
#define TC_UTIME_NOW (~0ULL)
#define TC_UTIME_OMIT (~1ULL)

/* Open flags: Linux's values; others are -TC_EINVAL. */
#define TC_O_RDONLY 0
#define TC_O_WRONLY 1
#define TC_O_RDWR 2
#define TC_O_CREAT 0100
#define TC_O_EXCL 0200
#define TC_O_TRUNC 01000
#define TC_O_DIRECTORY 0200000
#define TC_O_NOFOLLOW 0400000

/* TC_HC_FS_PATH.  path: len bytes (0: the directory itself), relative, no
 * NUL; the op's last component may not be "." or "..". */
struct tc_hc_fs_path {
	uint32_t op; /* IN: enum tc_fs_path_op */
	uint32_t dir; /* IN: index into tc_boot_info.dir */
	tc_gpa path; /* IN */
	uint64_t len; /* IN: at most TC_FS_NAME_MAX */
	tc_gpa buf; /* IN: see the op */
	uint64_t buflen; /* IN */
	uint64_t arg; /* IN */
	uint64_t arg2; /* IN */
	int64_t ret; /* OUT: 0, a count or handle, or -errno */
};

enum tc_fs_file_op {
	TC_FS_CLOSE = 0,
	TC_FS_PREAD = 1, /* len bytes at off into buf; ret = bytes (0: end of file) */
	TC_FS_PWRITE = 2, /* len bytes from buf at off; ret = bytes */
	TC_FS_FSTAT = 3, /* buf: struct tc_stat, len = its size */
	TC_FS_READDIR = 4, /* entries from cookie off into buf (len bytes); ret = bytes, 0 at the end */
	TC_FS_TRUNCATE = 5, /* to off bytes */
	TC_FS_FSYNC = 6,
};

/* TC_HC_FS_FILE: one exit moves up to the whole buffer. */
struct tc_hc_fs_file {
	uint32_t op; /* IN: enum tc_fs_file_op */
	uint32_t handle; /* IN */
	tc_gpa buf; /* IN */
	uint64_t len; /* IN */
	uint64_t off; /* IN */
	int64_t ret; /* OUT */
};

struct tc_stat {
	uint64_t ino; /* the host's inode + its device x 0x9e3779b97f4a7c15 (mod 2^64) */
	uint64_t size;
	uint64_t blocks; /* 512-byte blocks */
	int64_t atime_ns, mtime_ns, ctime_ns;
	uint32_t mode; /* Linux's st_mode */
	uint32_t nlink;
};

/* A TC_FS_READDIR entry: the layout of Linux's struct linux_dirent64, "."
 * and ".." left out.  next is the cookie of the entry after it (a value
 * of 2^63-1 or more: none); reclen is a multiple of 8; name ends with NUL. */
struct tc_dirent {
	uint64_t ino;
	uint64_t next;
	uint16_t reclen;
	uint8_t type; /* DT_*: 4 directory, 8 regular, 10 link */
	char name[];
};

/*
 * Boot: the vCPU starts in 64-bit mode at CPL3 at the ELF entry point with
 * %rdi = address of struct tc_boot_info, %rsi = TC_BOOT_MAGIC, %rsp = a
 * 16-byte aligned stack top, %rbp = 0, SSE enabled, interrupts off.
 */
#define TC_BOOT_MAGIC 0x74696e63616e3031ULL /* "tincan01" */

#define TC_TTY_STDIN 1u
#define TC_TTY_STDOUT 2u
#define TC_TTY_STDERR 4u

struct tc_boot_info {
	uint32_t abi_version; /* TC_ABI_VERSION */
	uint32_t size; /* sizeof(struct tc_boot_info) as the monitor knows it */
	uint64_t mem_size; /* bytes of guest RAM, from 0 */
	tc_gpa heap_start; /* sbrk may hand out [heap_start, heap_end) */
	tc_gpa heap_end;
	tc_gpa stack_top;
	tc_gpa stack_bottom; /* the guard page lies just below */
	uint64_t tsc_hz; /* from KVM_GET_TSC_KHZ */
	uint64_t tsc_base; /* guest TSC read when ... */
	uint64_t mono_ns_base; /* ... the host CLOCK_MONOTONIC was this */
	uint64_t real_ns_base; /* ... and CLOCK_REALTIME was this */
	uint64_t mono_ns_start; /* host CLOCK_MONOTONIC when tincan-run started */
	uint64_t argc;
	tc_gpa argv; /* argc + 1 addresses, NULL-terminated */
	uint64_t envc;
	tc_gpa envp; /* envc + 1 addresses, NULL-terminated */
	uint32_t tty; /* TC_TTY_*: which host fds are terminals */
	uint32_t nnet; /* attached net devices, in net[] */
	struct tc_boot_net {
		char name[16]; /* the manifest's name for it */
		uint8_t mac[6]; /* the guest's MAC address */
		uint16_t mtu;
		uint32_t ip4; /* network byte order; 0: use DHCP */
		uint32_t prefix; /* netmask length for ip4 */
		uint32_t gw4; /* network byte order; 0: none */
		uint32_t offload; /* TC_NET_OFF_* */
	} net[TC_NET_DEV_MAX];
	uint8_t seed[32]; /* from the host's getrandom(): for when RDRAND is absent */
	uint32_t nblk; /* attached block devices, in blk[] */
	uint32_t pad2;
	struct tc_boot_blk {
		char name[16]; /* the manifest's name for it */
		char mount[48]; /* the manifest's mount point for it ("": none) */
		uint64_t sectors; /* size in TC_BLK_SECTOR sectors */
		uint32_t sector_size; /* TC_BLK_SECTOR */
		uint32_t flags; /* TC_BLK_RO */
	} blk[TC_BLK_DEV_MAX];
	uint32_t ndir; /* host directories, in dir[] */
	uint32_t pad3;
	struct tc_boot_dir {
		char path[TC_DIR_PATH_MAX]; /* where the guest mounts it: absolute, normal */
		uint32_t flags; /* TC_DIR_RO */
		uint32_t pad;
	} dir[TC_DIR_MAX];
	char cwd[TC_DIR_PATH_MAX]; /* the guest's working directory ("": "/") */
	/* Present when size says so (older monitors leave them out). */
	uint32_t caps; /* TC_CAP_* */
	uint32_t pad4;
	tc_gpa heap_max; /* TC_HC_MEM_GROW may extend heap_end up to here (== heap_end, or
			  * not covered by size: no growth) */
	uint64_t canary; /* from the host's getrandom(): the stack protector's canary */
	/* With TC_CAP_SNAPSHOT (and size covering them): */
	uint32_t snapshot; /* 1: tincan-run --snapshot: mark ready points (TC_EV_SNAPSHOT) */
	uint32_t generation; /* 0 at a cold boot; a restore sets the snapshot's + 1 */
};
#define TC_CAP_HOST_SIGNALS 1u /* wait knows TC_EV_SIGINT and TC_EV_SIGTERM */
#define TC_CAP_GUARD 2u /* TC_HC_GUARD exists */
#define TC_CAP_SNAPSHOT 4u /* waits know TC_EV_SNAPSHOT and TC_EV_SNAPSHOT_NOW; boot info has snapshot, generation */
#define TC_BLK_RO 1u /* the host file is read-only: writes complete with -TC_EROFS */

/*
 * tincan-run exit statuses (documented in README.md).  A guest's own exit
 * status passes through unchanged (0..255); these are what the monitor uses
 * when the guest does not exit by itself.
 */
#define TC_STATUS_PANIC 100 /* guest called panic() or abort() */
#define TC_STATUS_FAULT 101 /* guest CPU fault: page fault, #GP, #UD ... */
#define TC_STATUS_ABI 102 /* guest broke the ABI: bad pointer, unknown call */
#define TC_STATUS_IMAGE 103 /* the image is malformed or does not fit */
#define TC_STATUS_USAGE 104 /* bad command line */
#define TC_STATUS_HOST 105 /* host-side failure: /dev/kvm, I/O, memory */
#define TC_STATUS_TIMEOUT 106 /* the operator's --timeout ran out */

#endif

/*
 * --gdb=PORT, --gdb=HOST:PORT, --gdb=unix:PATH: a GDB remote stub.
 *
 * The socket is made in .open (before the jail); .start prints
 * "waiting for gdb on ..." and accepts one connection, so gdb sees the
 * guest before its first instruction.  Then the remote protocol (all-stop,
 * one thread): registers (the classic amd64 'g' layout: rax..r15, rip,
 * eflags, cs ss ds es fs gs; no target.xml), memory through the checked
 * translation (gm_ptr: monitor-owned and unmapped memory answer E14),
 * software breakpoints (Z0; Z1 "hardware" ones are the same int3s: this
 * host's KVM gives no working debug registers), write watchpoints (Z2, by
 * a read-only page; read and access watchpoints are not offered, so gdb
 * refuses rwatch/awatch), single-step, continue,
 * Ctrl-C, detach, kill; the guest's exit is a W stop, its fault or panic a
 * signal stop gdb can inspect before the run ends with the fault's status.
 *
 * This host's KVM ignores KVM_SET_GUEST_DEBUG for our CPL3 guest
 * (tests/bench/probes/README.md), and the guest has no IDT, so the stub
 * works with what comes back as KVM_EXIT_SHUTDOWN: an int3 it planted
 * (RIP one past it) and a trap flag it set (one shutdown per instruction).
 * Its own records tell those from a real fault: the planted addresses,
 * whether it set TF, and CR2 (still CR2_SENTINEL unless a page fault).
 * Breakpoints are in guest memory only while the guest runs.
 *
 * Ctrl-C: the socket raises SIGIO (O_ASYNC), which cuts KVM_RUN short;
 * on_signal reads the 0x03.  A gdb that goes away (EOF, a write error)
 * leaves the guest running without breakpoints; detach does the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../module.h"
#include "../monitor.h"
#include "../options.h"

#define PKT_MAX 4096 /* our PacketSize; a longer packet is refused */
#define BP_MAX 64
#define TF 0x100ULL
#define INT3 0xcc

/* gdb's signal numbers for stops. */
#define GDB_SIGINT 2
#define GDB_SIGILL 4
#define GDB_SIGTRAP 5
#define GDB_SIGABRT 6
#define GDB_SIGSEGV 11

static char where[sizeof(((struct sockaddr_un *)0)->sun_path) + 8]; /* for messages */
static struct sockaddr_un sun;
static struct sockaddr_in sin4;
static int want; /* --gdb given */
static int lfd = -1, cfd = -1;
static int live; /* gdb connected: stops reported, breakpoints kept */
static int noack; /* QStartNoAckMode */
static int killed; /* k: no W at the end */
static int fatal_sig; /* stopped for a fault: the run ends after it */
static int quitting; /* the monitor ends: no "runs on" */

static struct {
	uint64_t addr;
	uint8_t saved;
	int in; /* in guest memory now */
} bp[BP_MAX];
static unsigned nbp;

enum { STOPPED, RUNNING, STEPPING, STEP_OVER, WATCH_STEP };
static int state = STOPPED;
static uint64_t step_from; /* RIP before a TF step */
static int last_sig = GDB_SIGTRAP;

static struct kvm_regs regs;
static struct kvm_sregs sregs;
static int dirty; /* regs to write back before the guest runs */

/* ---- options ---------------------------------------------------------- */

static int parse_port(const char *s, unsigned *port)
{
	unsigned n = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || (n = n * 10 + (unsigned)(*s - '0')) > 65535)
			return -1;
	}
	*port = n;
	return 0;
}

static int opt_gdb(const char *v, char *err, size_t errlen)
{
	unsigned port;
	uint32_t a = htonl(INADDR_LOOPBACK);
	const char *colon = strrchr(v, ':');

	if (strncmp(v, "unix:", 5) == 0) {
		size_t n = strlen(v + 5);
		if (n == 0 || n >= sizeof sun.sun_path) {
			snprintf(err, errlen, "invalid --gdb=%s: expected unix:PATH with a path of 1 to %zu bytes", v,
				 sizeof sun.sun_path - 1);
			return -1;
		}
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, v + 5, n + 1);
		snprintf(where, sizeof where, "unix:%s", sun.sun_path);
		want = 1;
		return 0;
	}
	if (colon) {
		const char *end = parse_ipv4(v, &a);
		if (end != colon)
			goto bad;
	}
	if (parse_port(colon ? colon + 1 : v, &port) < 0)
		goto bad;
	sin4.sin_family = AF_INET;
	sin4.sin_port = htons((uint16_t)port);
	sin4.sin_addr.s_addr = a;
	want = 1;
	return 0;
bad:
	snprintf(err, errlen, "invalid --gdb=%s: expected PORT, IPV4:PORT or unix:PATH (PORT 0-65535, 0: any free)", v);
	return -1;
}

/* ---- the socket ------------------------------------------------------- */

static void name_addr(void)
{
	uint32_t a = ntohl(sin4.sin_addr.s_addr);
	snprintf(where, sizeof where, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
		 ntohs(sin4.sin_port));
}

/* A socket file no one listens on any more (a run that ended) is taken
 * over; anything else at the path (a file: connect says ECONNREFUSED for
 * it too) is left alone. */
static int stale(void)
{
	struct stat st;
	if (lstat(sun.sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r = 0;
	if (s >= 0 && connect(s, (const struct sockaddr *)&sun, sizeof sun) < 0 && errno == ECONNREFUSED)
		r = unlink(sun.sun_path) == 0;
	if (s >= 0)
		close(s);
	return r;
}

static void gdb_open(struct vm *vm, struct tc_boot_info *bi)
{
	(void)bi;
	if (!want)
		return;
	/* Breakpoints are int3s in guest memory while the guest runs. */
	if (vm->snap)
		die(TC_STATUS_USAGE, "--gdb cannot go with --snapshot: its breakpoints would be saved in the snapshot");
	int is_unix = sun.sun_family == AF_UNIX, r;
	lfd = socket(is_unix ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die(TC_STATUS_HOST, "--gdb: socket: %m");
	if (!is_unix) {
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
		name_addr();
		r = bind(lfd, (const struct sockaddr *)&sin4, sizeof sin4);
	} else {
		r = bind(lfd, (const struct sockaddr *)&sun, sizeof sun);
		if (r < 0 && errno == EADDRINUSE && stale())
			r = bind(lfd, (const struct sockaddr *)&sun, sizeof sun);
	}
	if (r < 0 || listen(lfd, 1) < 0) {
		/* The lean monitor's strerror (errmsg.c) has no text for it. */
		if (errno == EADDRINUSE)
			die(TC_STATUS_HOST, "--gdb: cannot listen on %s: Address in use", where);
		die(TC_STATUS_HOST, "--gdb: cannot listen on %s: %m", where);
	}
	if (!is_unix) { /* port 0: the one the kernel chose */
		socklen_t len = sizeof sin4;
		getsockname(lfd, (struct sockaddr *)&sin4, &len);
		name_addr();
	}
}

/* Waiting for gdb (to connect, or for its next packet while the guest is
 * stopped), SIGINT and SIGTERM are let through to a handler that ends the
 * run at once, through quit(): the other modules' ends still run (a
 * core's temporary file goes, a last metrics sample, the profile).  The
 * signalfd that reads them otherwise is not polled here; the other
 * signals stay blocked for it. */
static sigset_t waitmask;

static void on_stop_signal(int sig)
{
	msg("ended by the host's %s while gdb held the guest", sig == SIGINT ? "SIGINT" : "SIGTERM");
	live = 0; /* no stop reply gdb did not ask for: the connection just closes */
	quit(128 + sig);
}

static void gdb_start(struct vm *vm)
{
	(void)vm;
	if (lfd < 0)
		return;
	sigprocmask(SIG_BLOCK, NULL, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sys_signal(SIGINT, on_stop_signal);
	sys_signal(SIGTERM, on_stop_signal);
	msg("waiting for gdb on %s", where);
	for (;;) {
		struct pollfd p = { lfd, POLLIN, 0 };
		if (ppoll(&p, 1, NULL, &waitmask) < 0 && errno != EINTR)
			die(TC_STATUS_HOST, "--gdb: poll: %m");
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd >= 0)
			break;
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			die(TC_STATUS_HOST, "--gdb: accept: %m");
	}
	close(lfd);
	if (sun.sun_family == AF_UNIX)
		unlink(sun.sun_path); /* best effort: not found after --jail=ns's chroot */
	else
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	/* Ctrl-C while the guest runs: SIGIO, read from the monitor's signalfd. */
	if (sys_fcntl(cfd, F_SETOWN, getpid()) < 0 || sys_fcntl(cfd, F_SETFL, O_NONBLOCK | O_ASYNC) < 0)
		die(TC_STATUS_HOST, "--gdb: %m");
	live = 1;
}

static void gdb_fds(struct mod_fds *f)
{
	if (cfd < 0)
		return;
	fds_rw(f, cfd, 1, 1);
	f->setregs = 1;
}

/* ---- bytes on the wire ------------------------------------------------ */

static char rbuf[4096];
static size_t rpos, rlen;
static char last[2 * PKT_MAX + 8]; /* the last packet sent, for a nak */
static size_t last_len;

static void gone(const char *why);

/* Write it all (the socket is non-blocking); 0, or -1 with gdb gone. */
static int send_all(const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(cfd, p, n);
		if (k > 0) {
			p += k, n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EAGAIN) {
			struct pollfd q = { cfd, POLLOUT, 0 };
			ppoll(&q, 1, NULL, &waitmask);
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		gone("gdb's connection failed");
		return -1;
	}
	return 0;
}

/* The next byte from gdb, waiting for it; -1: gdb went away. */
static int next_byte(void)
{
	while (rpos == rlen) {
		ssize_t k = read(cfd, rbuf, sizeof rbuf);
		if (k > 0) {
			rpos = 0, rlen = (size_t)k;
			break;
		}
		if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd q = { cfd, POLLIN, 0 };
			ppoll(&q, 1, NULL, &waitmask);
			continue;
		}
		gone(k == 0 ? "gdb closed the connection" : "gdb's connection failed");
		return -1;
	}
	return (unsigned char)rbuf[rpos++];
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char hexd[] = "0123456789abcdef";

static void put_packet(const char *d, size_t n)
{
	uint8_t sum = 0;
	size_t k = 0;
	if (!live)
		return;
	last[k++] = '$';
	for (size_t i = 0; i < n && k < sizeof last - 3; i++) {
		last[k++] = d[i];
		sum = (uint8_t)(sum + (uint8_t)d[i]);
	}
	last[k++] = '#';
	last[k++] = hexd[sum >> 4];
	last[k++] = hexd[sum & 15];
	last_len = k;
	send_all(last, k);
}

static void put_str(const char *s)
{
	put_packet(s, strlen(s));
}

/* Garbage between packets is counted and told once a packet comes (or
 * the connection ends), on one line. */
static unsigned long junk;

static void tell_junk(void)
{
	if (junk)
		msg("gdb: ignored %lu bytes that were not a packet", junk);
	junk = 0;
}

/* The next packet's payload (unescaped, NUL-terminated) into buf, acked;
 * returns its length, -1 when gdb went away, -2 for an overlong one. */
static long get_packet(char *buf, size_t size)
{
	for (;;) {
		int c = next_byte();
		if (c < 0)
			return -1;
		if (c == '+' || c == 0x03) /* an ack; an interrupt that came too late */
			continue;
		if (c == '-') { /* gdb wants the last one again */
			if (last_len && send_all(last, last_len) < 0)
				return -1;
			continue;
		}
		if (c != '$') {
			junk++;
			continue;
		}
	restart:;
		size_t n = 0;
		int over = 0, esc = 0;
		uint8_t sum = 0;
		for (;;) {
			if ((c = next_byte()) < 0)
				return -1;
			if (c == '#')
				break;
			if (c == '$') { /* a packet that never ended: take the new one */
				junk += n;
				goto restart;
			}
			sum = (uint8_t)(sum + c);
			if (c == '}' && !esc) {
				esc = 1;
				continue;
			}
			if (esc)
				c ^= 0x20, esc = 0;
			if (n + 1 < size)
				buf[n++] = (char)c;
			else
				over = 1;
		}
		int h = next_byte(), l = h < 0 ? -1 : next_byte();
		if (l < 0)
			return -1;
		tell_junk();
		if (hexval(h) < 0 || hexval(l) < 0 || (uint8_t)(hexval(h) << 4 | hexval(l)) != sum) {
			msg("gdb: a packet with a bad checksum: dropped, asked again");
			if (!noack && send_all("-", 1) < 0)
				return -1;
			continue;
		}
		if (!noack && send_all("+", 1) < 0)
			return -1;
		buf[n] = 0;
		if (over) {
			msg("gdb: a packet longer than %d bytes: refused", PKT_MAX);
			return -2;
		}
		return (long)n;
	}
}

/* ---- registers and memory --------------------------------------------- */

/* Before the first KVM_RUN the registers wait in kvm_run's sync area
 * (kvm.c, vm_load): read and write them there until KVM takes them. */
static int sync_pending(const struct vm *vm)
{
	return (vm->run->kvm_dirty_regs & KVM_SYNC_X86_REGS) != 0;
}

static void load_regs(struct vm *vm)
{
	if (ioctl(vm->vcpu, KVM_GET_REGS, &regs) < 0 || ioctl(vm->vcpu, KVM_GET_SREGS, &sregs) < 0)
		die(TC_STATUS_HOST, "gdb: cannot read the guest's registers: %m");
	if (sync_pending(vm))
		regs = vm->run->s.regs.regs;
	dirty = 0;
}

static void store_regs(struct vm *vm)
{
	if (dirty && sync_pending(vm))
		vm->run->s.regs.regs = regs;
	else if (dirty && ioctl(vm->vcpu, KVM_SET_REGS, &regs) < 0)
		die(TC_STATUS_HOST, "gdb: cannot set the guest's registers: %m");
	dirty = 0;
}

/* gdb's amd64 register numbers 0-16 in struct kvm_regs (rbp and rsp swap). */
static uint64_t *gpr(unsigned n)
{
	static const unsigned char off[17] = {
		offsetof(struct kvm_regs, rax), offsetof(struct kvm_regs, rbx), offsetof(struct kvm_regs, rcx),
		offsetof(struct kvm_regs, rdx), offsetof(struct kvm_regs, rsi), offsetof(struct kvm_regs, rdi),
		offsetof(struct kvm_regs, rbp), offsetof(struct kvm_regs, rsp), offsetof(struct kvm_regs, r8),
		offsetof(struct kvm_regs, r9),	offsetof(struct kvm_regs, r10), offsetof(struct kvm_regs, r11),
		offsetof(struct kvm_regs, r12), offsetof(struct kvm_regs, r13), offsetof(struct kvm_regs, r14),
		offsetof(struct kvm_regs, r15), offsetof(struct kvm_regs, rip),
	};
	return (uint64_t *)((char *)&regs + off[n]);
}

#define NREGS 24 /* rax..r15, rip (8 bytes), eflags, cs ss ds es fs gs (4) */

static unsigned reg_size(unsigned n)
{
	return n < 17 ? 8 : 4;
}

static uint64_t reg_get(unsigned n)
{
	const struct kvm_segment *seg[] = { &sregs.cs, &sregs.ss, &sregs.ds, &sregs.es, &sregs.fs, &sregs.gs };
	if (n < 17)
		return *gpr(n);
	if (n == 17)
		return regs.rflags & ~TF;
	return seg[n - 18]->selector;
}

static void put_hex_le(char **o, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++, v >>= 8) {
		*(*o)++ = hexd[(v >> 4) & 15];
		*(*o)++ = hexd[v & 15];
	}
}

/* bytes little-endian hex bytes at *s; -1 if malformed. */
static int get_hex_le(const char **s, unsigned bytes, uint64_t *v)
{
	*v = 0;
	for (unsigned i = 0; i < bytes; i++) {
		int h = hexval((*s)[0]), l = h < 0 ? -1 : hexval((*s)[1]);
		if (l < 0)
			return -1;
		*v |= (uint64_t)(h << 4 | l) << (8 * i);
		*s += 2;
	}
	return 0;
}

/* Register n from gdb; eflags keeps the monitor's TF; segments are not
 * ours to change (read only). */
static int reg_set(unsigned n, uint64_t v)
{
	if (n < 17)
		*gpr(n) = v;
	else if (n == 17)
		regs.rflags = (v & 0xffffffffULL & ~TF) | (regs.rflags & TF) | 2;
	else
		return v == reg_get(n) ? 0 : -1;
	dirty = 1;
	return 0;
}

/* A hex number ending at a char in stop (or the end); -1 if none. */
static int get_num(const char **s, const char *stop, uint64_t *v)
{
	const char *p = *s;
	*v = 0;
	for (; hexval(*p) >= 0; p++) {
		if (*v >> 60)
			return -1;
		*v = *v << 4 | (uint64_t)hexval(*p);
	}
	if (p == *s || (*p && !strchr(stop, *p)))
		return -1;
	*s = *p ? p + 1 : p;
	return 0;
}

/* The guest byte at addr, for the debugger: any memory the guest may
 * read (its code too: breakpoints), never the monitor's. */
static uint8_t *gbyte(struct vm *vm, uint64_t addr)
{
	return gm_ptr(&vm->gm, addr, 1, GM_R);
}

/* ---- breakpoints ------------------------------------------------------- */

static int bp_find(uint64_t addr)
{
	for (unsigned i = 0; i < nbp; i++)
		if (bp[i].addr == addr)
			return (int)i;
	return -1;
}

/* Put every breakpoint into guest memory, but for the one at skip. */
static void bp_insert(struct vm *vm, uint64_t skip, int skipping)
{
	for (unsigned i = 0; i < nbp; i++) {
		uint8_t *p = gbyte(vm, bp[i].addr);
		if (bp[i].in || !p || (skipping && bp[i].addr == skip))
			continue;
		bp[i].saved = *p;
		*p = INT3;
		bp[i].in = 1;
	}
}

static void bp_remove(struct vm *vm)
{
	for (unsigned i = 0; i < nbp; i++) {
		uint8_t *p = gbyte(vm, bp[i].addr);
		if (bp[i].in && p)
			*p = bp[i].saved;
		bp[i].in = 0;
	}
}

/* ---- write watchpoints ------------------------------------------------- */

/*
 * A watched page is read-only in the guest's page tables (4 KiB pages
 * only: image data and bss, stacks; not the heap's 2 MiB pages): a store
 * there faults (CR2 in the page), the page is made writable for one TF
 * step, the store done, then protected again and the run goes on, or
 * stops if a watched byte changed (or the store hit the range).  Dropping
 * the writable translation KVM and the CPU cached takes madvise(DONTNEED)
 * on the host page (guard.c; a CR3 reload is not enough here), so the page
 * is copied out and back around it.  Stores by the monitor itself
 * (hypercalls filling a buffer) are not seen.
 */
#define WP_MAX 4
#define PAGE TC_PAGE_SIZE
static struct {
	uint64_t addr, len;
	uint8_t old[8];
} wp[WP_MAX];
static unsigned nwp;
static int wp_prev; /* the state a watch step interrupted */
static int intr_pending; /* a Ctrl-C that came during a watch step: taken after it */
static uint64_t wp_cr2;

/* gpa's 4 KiB leaf entry in the guest's tables, or NULL (unmapped, a
 * large page).  The tables are the monitor's, below TC_IMAGE_BASE. */
static uint64_t *pte_of(struct vm *vm, uint64_t gpa)
{
	uint64_t t = vm->lay.pml4;
	if (gpa >> 48)
		return NULL;
	for (int level = 3; level > 0; level--) {
		uint64_t e = ((const uint64_t *)(vm->mem + t))[(gpa >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P) || (e & PTE_PS) || (e & PTE_ADDR) >= TC_IMAGE_BASE)
			return NULL;
		t = e & PTE_ADDR;
	}
	return (uint64_t *)(vm->mem + t) + ((gpa >> 12) & 511);
}

static int wp_in_page(uint64_t page)
{
	for (unsigned i = 0; i < nwp; i++)
		if ((wp[i].addr & ~(PAGE - 1)) == page)
			return 1;
	return 0;
}

/* Make page read-only (or writable again) for the guest. */
static void wp_protect(struct vm *vm, uint64_t page, int on)
{
	static uint8_t copy[PAGE];
	uint64_t *e = pte_of(vm, page);
	if (!e)
		return;
	if (!on) {
		*e |= PTE_W; /* more rights: nothing cached to drop */
		return;
	}
	*e &= ~PTE_W;
	memcpy(copy, vm->mem + page, PAGE);
	if (madvise(vm->mem + page, PAGE, MADV_DONTNEED) < 0)
		die(TC_STATUS_HOST, "gdb: madvise: %m");
	memcpy(vm->mem + page, copy, PAGE);
}

static void wp_clear(struct vm *vm)
{
	while (nwp) {
		uint64_t page = wp[--nwp].addr & ~(PAGE - 1);
		if (!wp_in_page(page))
			wp_protect(vm, page, 0);
	}
}

/* Z2/z2: 1 to 8 bytes of writable guest memory in one 4 KiB page. */
static void watch(struct vm *vm, uint64_t a, uint64_t len, int set)
{
	uint64_t page = a & ~(PAGE - 1);
	unsigned i;
	for (i = 0; i < nwp && !(wp[i].addr == a && wp[i].len == len); i++)
		;
	if (!set) {
		if (i < nwp) {
			wp[i] = wp[--nwp];
			if (!wp_in_page(page))
				wp_protect(vm, page, 0);
		}
		put_str("OK");
		return;
	}
	if (len < 1 || len > 8 || (a + len - 1) / PAGE != a / PAGE || !gm_ptr(&vm->gm, a, len, GM_W) ||
	    !pte_of(vm, a)) {
		put_str("E22"); /* gdb: "Could not insert hardware watchpoint" */
		return;
	}
	if (i == nwp) {
		if (nwp == WP_MAX) {
			put_str("E28");
			return;
		}
		int fresh = !wp_in_page(page);
		wp[nwp].addr = a;
		wp[nwp++].len = len;
		if (fresh)
			wp_protect(vm, page, 1);
	}
	put_str("OK");
}

/* ---- stops -------------------------------------------------------------- */

static struct vm *gvm;

/* Stop debugging: no breakpoints, no trap flag; the guest runs on. */
static void gone(const char *why)
{
	if (!live)
		return;
	live = 0;
	tell_junk();
	if (!fatal_sig && !quitting)
		msg("%s: the guest runs on without breakpoints", why);
	if (gvm) {
		bp_remove(gvm);
		wp_clear(gvm);
		if (state != STOPPED) { /* STOPPED: the stop loop puts them back */
			load_regs(gvm);
			if (regs.rflags & TF) {
				regs.rflags &= ~TF;
				dirty = 1;
				store_regs(gvm);
			}
		}
	}
	state = RUNNING;
}

static void stop_reply(int sig, const char *why)
{
	char b[64];
	snprintf(b, sizeof b, "T%02xthread:1;%s", sig, why);
	put_str(b);
}

static void resume(struct vm *vm, int step)
{
	regs.rflags &= ~TF;
	if (step) {
		regs.rflags |= TF;
		state = STEPPING;
	} else if (bp_find(regs.rip) >= 0) {
		/* Off the breakpoint first: one step without it, then all in. */
		bp_insert(vm, regs.rip, 1);
		regs.rflags |= TF;
		state = STEP_OVER;
	} else {
		bp_insert(vm, 0, 0);
		state = RUNNING;
	}
	step_from = regs.rip;
	dirty = 1;
	store_regs(vm);
}

static void handle(struct vm *vm, char *p, long n, int *go, int *step);

/* Stopped: report sig (unless the first stop, which gdb asks for with '?')
 * and serve gdb until it resumes the guest (or detaches, or goes away). */
static void stopped(struct vm *vm, int sig, const char *why, int report)
{
	static char in[PKT_MAX];
	int go = 0, step = 0;

	gvm = vm;
	bp_remove(vm);
	regs.rflags &= ~TF;
	dirty = 1;
	state = STOPPED;
	last_sig = sig;
	if (report)
		stop_reply(sig, why);
	while (live && !go) {
		long k = get_packet(in, sizeof in);
		if (k == -1)
			break;
		if (k == -2) {
			put_str("E22");
			continue;
		}
		handle(vm, in, k, &go, &step);
	}
	if (!live) { /* detached or gone: run on, untouched */
		wp_clear(vm);
		regs.rflags &= ~TF;
		dirty = 1;
		store_regs(vm);
		state = RUNNING;
		return;
	}
	resume(vm, step);
}

static void reply_regs(void)
{
	char b[NREGS * 16 + 1], *o = b;
	for (unsigned i = 0; i < NREGS; i++)
		put_hex_le(&o, reg_get(i), reg_size(i));
	put_packet(b, (size_t)(o - b));
}

static void reply_mem(struct vm *vm, const char *s)
{
	uint64_t a, len;
	char b[PKT_MAX], *o = b;
	if (get_num(&s, ",", &a) < 0 || get_num(&s, "", &len) < 0) {
		put_str("E22");
		return;
	}
	if (len > (PKT_MAX - 8) / 2)
		len = (PKT_MAX - 8) / 2;
	for (uint64_t i = 0; i < len; i++) {
		const uint8_t *q = a + i >= a ? gbyte(vm, a + i) : NULL;
		if (!q)
			break;
		put_hex_le(&o, *q, 1);
	}
	if (o == b && len)
		put_str("E14");
	else
		put_packet(b, (size_t)(o - b));
}

/* M addr,len:hex and X addr,len:binary: all of it or nothing. */
static void write_mem(struct vm *vm, const char *s, long n, int bin)
{
	static uint8_t data[PKT_MAX];
	uint64_t a, len, v;
	const char *end = s + n;
	if (get_num(&s, ",", &a) < 0 || get_num(&s, ":", &len) < 0 || len > sizeof data ||
	    (uint64_t)(end - s) != (bin ? len : 2 * len)) {
		put_str("E22");
		return;
	}
	for (uint64_t i = 0; i < len; i++) {
		if (!bin && get_hex_le(&s, 1, &v) < 0) {
			put_str("E22");
			return;
		}
		data[i] = bin ? (uint8_t)s[i] : (uint8_t)v;
		if (a + i < a || !gbyte(vm, a + i)) {
			put_str("E14");
			return;
		}
	}
	for (uint64_t i = 0; i < len; i++)
		*gbyte(vm, a + i) = data[i];
	put_str("OK");
}

static void breakpoint(struct vm *vm, const char *s, int set)
{
	uint64_t a, kind;
	char type = s[0];
	if (!(type == '0' || type == '1' || type == '2') || s[1] != ',') {
		put_str(""); /* read and access watchpoints: not here */
		return;
	}
	s += 2;
	if (get_num(&s, ",", &a) < 0 || get_num(&s, ";", &kind) < 0) {
		put_str("E22");
		return;
	}
	if (type == '2') {
		watch(vm, a, kind, set);
		return;
	}
	int i = bp_find(a);
	if (!set) {
		if (i >= 0)
			bp[i] = bp[--nbp];
		put_str("OK");
		return;
	}
	if (!gbyte(vm, a)) {
		put_str("E14");
		return;
	}
	if (i < 0) {
		if (nbp == BP_MAX) {
			put_str("E28");
			return;
		}
		bp[nbp].addr = a;
		bp[nbp++].in = 0;
	}
	put_str("OK");
}

/* vCont;ACTION[:thread]...: the first action applies to our one thread. */
static int vcont(const char *s, int *step)
{
	if (s[0] != ';')
		return -1;
	switch (s[1]) {
	case 'c':
	case 'C': *step = 0; return 0;
	case 's':
	case 'S': *step = 1; return 0;
	}
	return -1;
}

static void handle(struct vm *vm, char *p, long n, int *go, int *step)
{
	uint64_t r, v;
	const char *s = p + 1;

	switch (p[0]) {
	case '?': stop_reply(last_sig, ""); return;
	case 'g': reply_regs(); return;
	case 'G':
		for (unsigned i = 0; i < NREGS && *s; i++)
			if (get_hex_le(&s, reg_size(i), &v) < 0 || reg_set(i, v) < 0)
				break;
		put_str("OK");
		return;
	case 'p':
		if (get_num(&s, "", &r) < 0) {
			put_str("E22");
		} else if (r >= NREGS) {
			put_str("xx"); /* unavailable: x87, SSE, fs_base ... are not read */
		} else {
			char b[17], *o = b;
			put_hex_le(&o, reg_get((unsigned)r), reg_size((unsigned)r));
			put_packet(b, (size_t)(o - b));
		}
		return;
	case 'P':
		if (get_num(&s, "=", &r) < 0 || r >= NREGS || get_hex_le(&s, reg_size((unsigned)r), &v) < 0 ||
		    reg_set((unsigned)r, v) < 0)
			put_str("E22");
		else
			put_str("OK");
		return;
	case 'm': reply_mem(vm, s); return;
	case 'M': write_mem(vm, s, n - 1, 0); return;
	case 'X': write_mem(vm, s, n - 1, 1); return;
	case 'Z':
	case 'z': breakpoint(vm, s, p[0] == 'Z'); return;
	case 'c':
	case 's':
	case 'C':
	case 'S':
		/* c[ADDR], Csig[;ADDR]: the signal is not delivered (the guest has
		 * no handlers); an address resumes there. */
		if ((p[0] == 'C' || p[0] == 'S') && (s = strchr(s, ';')) != NULL)
			s++;
		if (s && *s) {
			if (get_num(&s, "", &v) < 0) {
				put_str("E22");
				return;
			}
			regs.rip = v;
			dirty = 1;
		}
		*step = p[0] == 's' || p[0] == 'S';
		*go = 1;
		return;
	case 'D':
		put_str("OK");
		msg("gdb detached: the guest runs on");
		live = 0;
		return;
	case 'k':
		if (fatal_sig) { /* the run ends with the fault's status */
			killed = 1;
			live = 0;
			*go = 1;
			return;
		}
		killed = 1;
		live = 0;
		msg("gdb killed the guest");
		quit(128 + SIGKILL);
	case 'H': put_str("OK"); return; /* one thread: any is it */
	case 'T': put_str("OK"); return;
	case 'v':
		if (strcmp(p, "vCont?") == 0) {
			put_str("vCont;c;C;s;S");
		} else if (strncmp(p, "vCont", 5) == 0 && p[5] == ';') {
			if (vcont(p + 5, step) < 0)
				put_str("E22");
			else
				*go = 1;
		} else if (strncmp(p, "vKill", 5) == 0) {
			put_str("OK");
			killed = 1;
			live = 0;
			msg("gdb killed the guest");
			quit(128 + SIGKILL);
		} else {
			put_str("");
		}
		return;
	case 'q':
		if (strncmp(p, "qSupported", 10) == 0)
			put_str("PacketSize=1000;swbreak+;hwbreak-;QStartNoAckMode+;vContSupported+");
		else if (strcmp(p, "qAttached") == 0)
			put_str("1");
		else if (strcmp(p, "qC") == 0)
			put_str("QC1");
		else if (strcmp(p, "qfThreadInfo") == 0)
			put_str("m1");
		else if (strcmp(p, "qsThreadInfo") == 0)
			put_str("l");
		else
			put_str("");
		return;
	case 'Q':
		if (strcmp(p, "QStartNoAckMode") == 0) {
			put_str("OK");
			noack = 1;
		} else {
			put_str("");
		}
		return;
	default: put_str(""); return;
	}
}

/* ---- hooks ---------------------------------------------------------------- */

static void gdb_run_start(struct vm *vm)
{
	if (!live)
		return;
	load_regs(vm);
	stopped(vm, GDB_SIGTRAP, "", 0);
}

/* A real exception a TF step ran into leaves RIP on its instruction. */
static int faults_in_place(struct vm *vm)
{
	const uint8_t *a = gbyte(vm, regs.rip), *b = gbyte(vm, regs.rip + 1);
	return regs.rip == step_from && a && ((*a == 0x0f && b && *b == 0x0b) || *a == 0xf4 || *a == INT3);
}

static int gdb_shutdown(struct vm *vm)
{
	if (!live || state == STOPPED)
		return 0;
	load_regs(vm);
	if (sregs.cr2 != CR2_SENTINEL) { /* a page fault: the guest's, unless a watched page's */
		uint64_t page = sregs.cr2 & ~(PAGE - 1);
		uint64_t *e = wp_in_page(page) ? pte_of(vm, page) : NULL;
		if (!e || (*e & PTE_W) || state == WATCH_STEP)
			return 0;
		/* The store again, with the page writable, by one TF step. */
		for (unsigned i = 0; i < nwp; i++)
			memcpy(wp[i].old, vm->mem + wp[i].addr, wp[i].len);
		wp_cr2 = sregs.cr2;
		wp_protect(vm, page, 0);
		sregs.cr2 = CR2_SENTINEL;
		if (ioctl(vm->vcpu, KVM_SET_SREGS, &sregs) < 0)
			die(TC_STATUS_HOST, "gdb: cannot set the guest's registers: %m");
		wp_prev = state;
		state = WATCH_STEP;
		regs.rflags |= TF;
		dirty = 1;
		store_regs(vm);
		return 1;
	}
	if ((regs.rflags & TF) && state == WATCH_STEP) {
		uint64_t hit = 0, page = wp_cr2 & ~(PAGE - 1);
		for (unsigned i = 0; i < nwp; i++)
			if (!hit && (memcmp(wp[i].old, vm->mem + wp[i].addr, wp[i].len) != 0 ||
				     (wp_cr2 >= wp[i].addr && wp_cr2 < wp[i].addr + wp[i].len)))
				hit = wp[i].addr;
		if (wp_in_page(page))
			wp_protect(vm, page, 1);
		state = wp_prev;
		if (hit) {
			char why[40];
			snprintf(why, sizeof why, "watch:%llx;", (unsigned long long)hit);
			intr_pending = 0;
			stopped(vm, GDB_SIGTRAP, why, 1);
			return 1;
		}
		if (intr_pending) {
			intr_pending = 0;
			stopped(vm, GDB_SIGINT, "", 1);
			return 1;
		}
		if (state == RUNNING) {
			regs.rflags &= ~TF;
			dirty = 1;
			store_regs(vm);
			return 1;
		}
	}
	if (regs.rflags & TF) {
		if (state != STEPPING && state != STEP_OVER)
			return 0;
		if (faults_in_place(vm))
			return 0;
		if (state == STEP_OVER) {
			bp_insert(vm, 0, 0);
			regs.rflags &= ~TF;
			dirty = 1;
			store_regs(vm);
			state = RUNNING;
			return 1;
		}
		stopped(vm, GDB_SIGTRAP, "", 1);
		return 1;
	}
	int i = bp_find(regs.rip - 1);
	if (i < 0 || !bp[i].in)
		return 0;
	regs.rip--;
	dirty = 1;
	stopped(vm, GDB_SIGTRAP, "swbreak:;", 1);
	return 1;
}

static void gdb_signal(struct vm *vm, int sig)
{
	char b[256];
	ssize_t k;
	int intr = 0;
	(void)sig;
	if (!live || state == STOPPED)
		return;
	while ((k = read(cfd, b, sizeof b)) > 0)
		for (ssize_t i = 0; i < k; i++) {
			if (b[i] == 0x03)
				intr = 1;
			else if (b[i] != '+' && b[i] != '-')
				junk++;
		}
	if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
		gone(k == 0 ? "gdb closed the connection" : "gdb's connection failed");
		return;
	}
	tell_junk();
	if (!intr)
		return;
	/* Mid watch step the page is writable: stop once it is protected again. */
	if (state == WATCH_STEP) {
		intr_pending = 1;
		return;
	}
	load_regs(vm);
	stopped(vm, GDB_SIGINT, "", 1);
}

static void gdb_fatal(struct vm *vm, int status, const char *why)
{
	if (!live)
		return;
	int sig = GDB_SIGSEGV;
	if (status == TC_STATUS_PANIC)
		sig = GDB_SIGABRT;
	else if (strstr(why, "invalid opcode"))
		sig = GDB_SIGILL;
	else if (strstr(why, "int3"))
		sig = GDB_SIGTRAP;
	load_regs(vm);
	fatal_sig = sig;
	msg("gdb: the guest stopped with signal %d: the run ends when gdb continues, detaches or kills it", sig);
	stopped(vm, sig, "", 1);
}

static void gdb_quit(struct vm *vm, int status)
{
	(void)vm;
	if (!live || killed)
		return;
	quitting = 1;
	char b[8];
	if (fatal_sig)
		snprintf(b, sizeof b, "X%02x", fatal_sig);
	else
		snprintf(b, sizeof b, "W%02x", status & 0xff);
	put_str(b);
}

static const struct mod_option options[] = { { "--gdb", opt_gdb }, { NULL, NULL } };

const struct module gdb_module = {
	.options = options,
	.usage = "  --gdb=PORT   wait for gdb (target remote :PORT) before the guest's first instruction;\n"
		 "               also IPV4:PORT (default 127.0.0.1; PORT 0: any free one) or unix:PATH\n",
	.open = gdb_open,
	.start = gdb_start,
	.fds = gdb_fds,
	.sig = SIGIO,
	.run_start = gdb_run_start,
	.on_shutdown = gdb_shutdown,
	.on_signal = gdb_signal,
	.on_fatal = gdb_fatal,
	.on_quit = gdb_quit,
};

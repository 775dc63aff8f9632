/*
 * The run loop and the hypercalls.  The guest is hostile: every argument
 * struct, pointer and length it hands over goes through gm_ptr() before use,
 * and any lie ends the run with TC_STATUS_ABI.  Host-side I/O errors go back
 * to the guest as -TC_E* in `ret`.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"
#include "net.h"

static const char *const hc_names[] = {
	[TC_HC_CONSOLE_WRITE] = "console_write",
	[TC_HC_CONSOLE_READ] = "console_read",
	[TC_HC_EXIT] = "exit",
	[TC_HC_WAIT] = "wait",
	[TC_HC_PANIC] = "panic",
	[TC_HC_NET_SETUP] = "net_setup",
	[TC_HC_NET_IO] = "net_io",
};

/* The guest's argument struct for hypercall nr, checked and mapped. */
static void *hc_arg(struct vm *vm, unsigned nr, uint64_t gpa, uint64_t size, unsigned perm)
{
	void *p = (gpa % 8) ? NULL : gm_ptr(&vm->gm, gpa, size, perm);
	if (!p)
		guest_fatal(vm, TC_STATUS_ABI, "guest passed a bad argument address 0x%llx to hypercall %s",
			    (unsigned long long)gpa, hc_names[nr]);
	return p;
}

/* The guest's buffer [buf, buf+len), checked; len 0 is fine anywhere. */
static void *hc_buf(struct vm *vm, unsigned nr, uint64_t buf, uint64_t len, unsigned perm)
{
	void *p = gm_ptr(&vm->gm, buf, len, perm);
	if (!p)
		guest_fatal(vm, TC_STATUS_ABI,
			    "guest passed a bad buffer to hypercall %s: 0x%llx + %llu bytes is not %s guest memory",
			    hc_names[nr], (unsigned long long)buf, (unsigned long long)len,
			    perm & GM_W ? "writable" : "readable");
	return p;
}

static int64_t host_errno(int e)
{
	switch (e) {
	case EPIPE: return -TC_EPIPE;
	case EAGAIN: return -TC_EAGAIN;
	default: return -TC_EIO;
	}
}

static void hc_console_write(struct vm *vm, uint64_t gpa)
{
	struct tc_hc_console_write *a = hc_arg(vm, TC_HC_CONSOLE_WRITE, gpa, sizeof *a, GM_R | GM_W);
	uint64_t len = a->len, done = 0;
	const uint8_t *p = len ? hc_buf(vm, TC_HC_CONSOLE_WRITE, a->buf, len, GM_R) : NULL;

	if (a->fd != 1 && a->fd != 2) {
		a->ret = -TC_EINVAL;
		return;
	}
	while (done < len) {
		ssize_t n = write((int)a->fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			a->ret = done ? (int64_t)done : host_errno(errno);
			return;
		}
		done += (uint64_t)n;
	}
	a->ret = (int64_t)done;
}

static void hc_console_read(struct vm *vm, uint64_t gpa)
{
	struct tc_hc_console_read *a = hc_arg(vm, TC_HC_CONSOLE_READ, gpa, sizeof *a, GM_R | GM_W);
	uint64_t len = a->len;
	uint8_t *p = len ? hc_buf(vm, TC_HC_CONSOLE_READ, a->buf, len, GM_W) : NULL;
	ssize_t n;

	if (len == 0) {
		a->ret = 0;
		return;
	}
	do
		n = read(0, p, len);
	while (n < 0 && errno == EINTR);
	a->ret = n < 0 ? host_errno(errno) : n;
}

static void hc_wait(struct vm *vm, uint64_t gpa)
{
	struct tc_hc_wait *a = hc_arg(vm, TC_HC_WAIT, gpa, sizeof *a, GM_R | GM_W);
	struct pollfd pfd[1 + TC_NET_DEV_MAX];
	uint64_t ev[1 + TC_NET_DEV_MAX];
	uint64_t netmask = (a->wanted >> 8) & ((1ULL << TC_NET_DEV_MAX) - 1);
	int nfds = 0;

	if (a->wanted & ~(TC_EV_CONSOLE_IN | (netmask << 8)) || (netmask && net_fd(63 - __builtin_clzll(netmask)) < 0))
		guest_fatal(vm, TC_STATUS_ABI, "guest waits for unknown events 0x%llx", (unsigned long long)a->wanted);
	if (a->wanted & TC_EV_CONSOLE_IN) {
		pfd[nfds] = (struct pollfd){ .fd = 0, .events = POLLIN };
		ev[nfds++] = TC_EV_CONSOLE_IN;
	}
	for (int i = 0; i < TC_NET_DEV_MAX; i++)
		if (netmask & (1ULL << i)) {
			pfd[nfds] = (struct pollfd){ .fd = net_fd(i), .events = POLLIN };
			ev[nfds++] = TC_EV_NET(i);
		}
	/* Send what the guest queued, and hand over what already arrived. */
	uint64_t got = netmask ? net_io(vm, netmask) << 8 : 0;
	if (got) {
		a->ret = (int64_t)got;
		return;
	}
	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		if (now >= a->deadline_ns) {
			a->ret = 0;
			return;
		}
		uint64_t left = a->deadline_ns - now;
		/* Cap one sleep at a day; the loop takes care of longer ones. */
		if (left > 86400ULL * 1000000000ULL)
			left = 86400ULL * 1000000000ULL;
		struct timespec ts = { (time_t)(left / 1000000000ULL), (long)(left % 1000000000ULL) };
		int r = ppoll(nfds ? pfd : NULL, (nfds_t)nfds, &ts, NULL);
		if (r > 0) {
			uint64_t ready = 0;
			for (int i = 0; i < nfds; i++) {
				/* A tap that went away would be "ready" forever. */
				if ((pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) && ev[i] != TC_EV_CONSOLE_IN)
					die(TC_STATUS_HOST, "a tap device went away (deleted while the guest ran?)");
				if (pfd[i].revents)
					ready |= ev[i];
			}
			/* Frames that arrived go straight into the ring. */
			if (ready >> 8)
				net_io(vm, ready >> 8);
			a->ret = (int64_t)ready;
			return;
		}
		if (r < 0 && errno != EINTR)
			die(TC_STATUS_HOST, "ppoll: %s", strerror(errno));
	}
}

static void hc_panic(struct vm *vm, uint64_t gpa)
{
	struct tc_hc_panic *a = hc_arg(vm, TC_HC_PANIC, gpa, sizeof *a, GM_R);
	uint64_t len = a->len > TC_PANIC_MSG_MAX ? TC_PANIC_MSG_MAX : a->len;
	const char *m = len ? hc_buf(vm, TC_HC_PANIC, a->msg, len, GM_R) : "";
	char text[TC_PANIC_MSG_MAX + 1];

	/* Keep the message on one line and printable. */
	for (uint64_t i = 0; i < len; i++)
		text[i] = (m[i] >= 0x20 && m[i] < 0x7f) ? m[i] : '?';
	text[len] = '\0';
	guest_fatal(vm, TC_STATUS_PANIC, "guest panic: %s", text);
}

static void hypercall(struct vm *vm)
{
	struct kvm_run *r = vm->run;
	uint64_t addr = r->mmio.phys_addr, off = addr - TC_DOORBELL_BASE, arg;

	if (addr < TC_DOORBELL_BASE || off >= (2ULL << 20))
		guest_fatal(vm, TC_STATUS_FAULT, "guest accessed unbacked address 0x%llx", (unsigned long long)addr);
	if (!r->mmio.is_write)
		guest_fatal(vm, TC_STATUS_ABI, "guest read from the hypercall doorbells at 0x%llx",
			    (unsigned long long)addr);
	if (r->mmio.len != 8 || off % 8)
		guest_fatal(vm, TC_STATUS_ABI,
			    "guest made a %u-byte doorbell write at 0x%llx (must be 8 bytes, aligned)", r->mmio.len,
			    (unsigned long long)addr);
	memcpy(&arg, r->mmio.data, 8);
	switch (off / 8) {
	case TC_HC_CONSOLE_WRITE: hc_console_write(vm, arg); break;
	case TC_HC_CONSOLE_READ: hc_console_read(vm, arg); break;
	case TC_HC_EXIT: {
		struct tc_hc_exit *a = hc_arg(vm, TC_HC_EXIT, arg, sizeof *a, GM_R);
		if (vm->stats)
			msg("stats: %llu KVM exits", (unsigned long long)vm->exits);
		_exit((int)(a->status & 0xff));
	}
	case TC_HC_WAIT: hc_wait(vm, arg); break;
	case TC_HC_PANIC: hc_panic(vm, arg); break;
	case TC_HC_NET_SETUP: net_setup(vm, arg); break;
	case TC_HC_NET_IO: net_hc_io(vm, arg); break;
	default: guest_fatal(vm, TC_STATUS_ABI, "guest made unknown hypercall %llu", (unsigned long long)(off / 8));
	}
}

void vm_run(struct vm *vm)
{
	int again = 0;

	for (;;) {
		if (ioctl(vm->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			/* At the host's task limit KVM_RUN fails with EAGAIN: bounded retry, never spin. */
			if (errno == EAGAIN && again++ < 50) {
				nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
				continue;
			}
			die(TC_STATUS_HOST, "KVM_RUN: %s", strerror(errno));
		}
		again = 0;
		vm->exits++;
		switch (vm->run->exit_reason) {
		case KVM_EXIT_MMIO: hypercall(vm); break;
		case KVM_EXIT_SHUTDOWN: guest_shutdown(vm);
		case KVM_EXIT_IO: guest_fatal(vm, TC_STATUS_FAULT, "guest did port I/O on port 0x%x", vm->run->io.port);
		case KVM_EXIT_HLT: guest_fatal(vm, TC_STATUS_FAULT, "guest halted the CPU");
		case KVM_EXIT_INTERNAL_ERROR:
			guest_fatal(vm, TC_STATUS_FAULT,
				    "KVM could not run the guest's instruction (internal error %u)",
				    vm->run->internal.suberror);
		case KVM_EXIT_FAIL_ENTRY:
			die(TC_STATUS_HOST, "KVM could not enter the guest (hardware reason 0x%llx)",
			    (unsigned long long)vm->run->fail_entry.hardware_entry_failure_reason);
		default: guest_fatal(vm, TC_STATUS_FAULT, "unexpected KVM exit %u", vm->run->exit_reason);
		}
	}
}

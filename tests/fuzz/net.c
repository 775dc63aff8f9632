/*
 * Fuzz target: the net device's ring parser (platforms/kvm/monitor/net.c)
 * behind the hypercall core (hypercall.c), with arbitrary guest memory and
 * arguments.  Two devices on socketpairs stand in for taps: the monitor
 * writes what the guest queues to one end; two frames from the input wait
 * at the other for the guest's rx buffers.  Device 1 has the tap's
 * offloads (its tx headers are checked, its rx frames may take chains).
 */
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_monitor.h"
#include "net.h"

#include "../../platforms/kvm/monitor/net.c"

/* --net-rate's bucket (util.c): always a token here. */
uint64_t bucket_fill(struct bucket *b)
{
	(void)b;
	return 1;
}

struct net_dev net_devs[TC_NET_DEV_MAX];
unsigned net_ndevs;
static int peer[TC_NET_DEV_MAX];

/* The wait hypercall's calls into the module (core.c's hc_wait). */
static void fz_hook(const uint8_t *s)
{
	uint64_t ev = (uint64_t)s[2] << NET_EV_SHIFT;
	if (s[1] & 1)
		wait_after(&fz_vm, ev);
	else if (!(wait_full(ev) & ev))
		(void)wait_before(&fz_vm, ev);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_vm_init();
	fz_register(hc, sizeof hc / sizeof hc[0]);
	for (unsigned i = 0; i < 2; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) < 0)
			abort();
		snprintf(net_devs[i].tap, sizeof net_devs[i].tap, "fuzz%u", i);
		net_devs[i].fd = sv[0];
		net_devs[i].offload = i ? TC_NET_OFF_CSUM | TC_NET_OFF_TSO4 : 0;
		peer[i] = sv[1];
	}
	net_ndevs = 2;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t frame[TC_NET_FRAME_MAX];
	for (unsigned i = 0; i < net_ndevs; i++) {
		net_devs[i].ring = NULL;
		net_devs[i].tx_cons = net_devs[i].rx_cons = 0;
		while (read(peer[i], frame, sizeof frame) > 0) /* what the last input sent */
			;
		while (read(net_devs[i].fd, frame, sizeof frame) > 0) /* what it left unread */
			;
		/* Frames of the input's lengths for the guest's buffers. */
		for (unsigned k = 0; k < 2; k++) {
			size_t len = size > 2 * i + k ? TC_NET_FRAME_MIN + data[size - 1 - 2 * i - k] * 5 : 60;
			memset(frame, (int)(i * 2 + k), len);
			if (write(peer[i], frame, len) < 0)
				abort();
		}
	}
	fz_run_input(data, size);
	/* The monitor's view and the ring it writes stay consistent. */
	for (unsigned i = 0; i < net_ndevs; i++) {
		const struct net_dev *d = &net_devs[i];
		if (d->ring && ((uint8_t *)d->ring < fz_vm.mem || (uint8_t *)(d->ring + 1) > fz_vm.mem + FZ_MEM))
			abort();
	}
	return 0;
}

/* router: the packet path of router.c on the raw-frame API: each NIC named
 * by --addr is taken from the socket stack (TC_NETFN_ONLY) and its frames
 * are read in batches in place, forwarded in place, sent in batches. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <tincan/netfn.h>

#include "addr.h"
#include "config.h"

#define BATCH 64

static struct router R;
static int handles[NICS_MAX];
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A frame is copied into the transmit ring here; it leaves at the next
 * wait (or flush, when the ring is full). */
static void send_frame(void *ctx, int nic, uint8_t *frame, uint32_t len)
{
	(void)ctx;
	struct tc_frame f = { frame, len };
	int n = tc_netfn_send(handles[nic], &f, 1);
	if (n == 0) {
		tc_netfn_flush();
		n = tc_netfn_send(handles[nic], &f, 1);
	}
	if (n != 1)
		R.drops[D_TX_FULL]++;
}

int main(int argc, char **argv)
{
	static struct opts o;
	char err[256];
	uint32_t seed = 0;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(router_usage, stdout);
			return 0;
		}
	if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
		seed = (uint32_t)now_ns();
	router_init(&R, 16384, seed);
	R.send = send_frame;
	if (router_config(&R, &o, argc, argv, getenv("TINCAN_IP"), getenv("TINCAN_ROUTE"), err, sizeof err)) {
		fprintf(stderr, "router: %s\n", err);
		fputs(router_usage, stderr);
		return 2;
	}
	for (int i = 0; i < R.nnics; i++) {
		struct tc_netfn_info info;
		handles[i] = tc_netfn_open(R.nic[i].name, TC_NETFN_ONLY);
		if (handles[i] < 0 || tc_netfn_info(handles[i], &info)) {
			fprintf(stderr, "router: cannot open NIC '%s': %s\n", R.nic[i].name, strerror(errno));
			return 1;
		}
		memcpy(R.nic[i].mac, info.mac, 6);
		R.nic[i].mtu = info.mtu;
		char b[48];
		printf("router: %s %02x:%02x:%02x:%02x:%02x:%02x mtu %u", R.nic[i].name, info.mac[0], info.mac[1],
		       info.mac[2], info.mac[3], info.mac[4], info.mac[5], info.mtu);
		for (int j = 0; j < R.nic[i].naddr; j++)
			printf(" %s/%d", addr_str(&R.nic[i].addr[j], b), R.nic[i].plen[j]);
		printf("\n");
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("router: ready: %d NICs, %d routes, %d rules, policy %s, snat %s, max %u flows\n", R.nnics, R.rt.n,
	       R.rules.n, R.rules.deny_default ? "deny" : "allow", R.snat >= 0 ? R.nic[R.snat].name : "off", R.ct.max);
	fflush(stdout);
	uint64_t last_stats = now_ns(), last_frame = 0;
	while (!stop) {
		/* Sleep until a frame comes or the timers have work: the next
		 * resolution retry or flow expiry, the next --stats; with none
		 * of them, with no timeout (an idle router is never woken). */
		uint64_t now = now_ns(), due = router_next(&R);
		if (o.stats_every && last_stats + o.stats_every * 1000000000ull < due)
			due = last_stats + o.stats_every * 1000000000ull;
		int64_t timeout = due == ROUTER_NEVER ? -1 : due > now ? (int64_t)(due - now) : 0;
		/* --poll: for a while after the last frame, look at the rings
		 * (timeout 0) rather than sleep, so a busy router is not woken
		 * for every few frames. */
		if (o.poll_us && now - last_frame < o.poll_us * 1000ull)
			timeout = 0;
		unsigned ready = tc_netfn_wait(handles, (unsigned)R.nnics, timeout);
		now = now_ns();
		if (ready)
			last_frame = now;
		for (int i = 0; i < R.nnics; i++) {
			if (!(ready & (1u << handles[i])))
				continue;
			/* The whole ring, a batch at a time (no exit until it is
			 * empty); what is sent leaves at the next wait. */
			struct tc_frame f[BATCH];
			int n;
			do {
				n = tc_netfn_recv(handles[i], f, BATCH);
				for (int k = 0; k < n; k++)
					router_frame(&R, i, f[k].data, f[k].len, now);
			} while (n == BATCH);
			tc_netfn_release(handles[i]);
		}
		if (now >= router_next(&R))
			router_tick(&R, now);
		if (o.stats_every && now - last_stats >= o.stats_every * 1000000000ull) {
			last_stats = now;
			router_stats(&R, stdout);
			fflush(stdout);
		}
	}
	router_stats(&R, stdout);
	fflush(stdout);
	return 0;
}

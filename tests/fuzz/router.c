/*
 * Fuzz target: apps/router's packet path (router_frame, router_tick) on
 * hostile frames from both sides of a router with IPv4 and IPv6 addresses,
 * a static route, a rule and source NAT, as main.c drives it.  The input is
 * records: a control byte (bit 0: the NIC; bit 1: re-seal the IPv4 header
 * checksum; bit 2: re-seal the ICMP/ICMPv6/TCP/UDP checksum, so mutated
 * frames get past both; bits 3-7: tenths of a second to move the clock,
 * which runs the timers), a 16-bit length, the frame.  Each frame is copied
 * to a buffer of exactly its length.  Every frame the router sends must be
 * from its own MAC on a NIC it has, 14 to 1514 bytes, and, if it is IP,
 * parse as a well-formed packet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../apps/router/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct router R;

static void check_sent(void *ctx, int nic, uint8_t *f, uint32_t len)
{
	(void)ctx;
	struct pkt p;
	if (nic < 0 || nic >= R.nnics || len < ETH_HLEN || len > 1514 || memcmp(f + 6, R.nic[nic].mac, 6))
		abort();
	uint16_t et = rd16(f + 12);
	if ((et == ET_IP4 || et == ET_IP6) && pkt_parse(&p, f, len) != D_OK)
		abort(); /* the router sent a malformed packet */
	if (et == ET_IP4 && csum_fold(csum_add(0, f + ETH_HLEN, (f[ETH_HLEN] & 15) * 4u)) != 0)
		abort();
}

static void seal(uint8_t *f, uint32_t len, uint8_t ctl)
{
	if (len < ETH_HLEN + 40)
		return;
	uint8_t *ip = f + ETH_HLEN;
	uint16_t et = rd16(f + 12);
	if (et == ET_IP4 && (ctl & 2) && (ip[0] & 15) >= 5 && ETH_HLEN + (ip[0] & 15) * 4u <= len) {
		wr16(ip + 10, 0);
		wr16(ip + 10, csum_fold(csum_add(0, ip, (ip[0] & 15) * 4u)));
	}
	struct pkt p;
	if (!(ctl & 4) || pkt_parse(&p, f, len) != D_OK || p.frag)
		return;
	uint8_t *l4 = f + p.l4;
	uint32_t c = p.proto == P_TCP ? 16 : p.proto == P_UDP ? 6 : 2;
	if ((p.proto != P_TCP && p.proto != P_UDP && p.proto != P_ICMP && p.proto != P_ICMP6) || p.l4len < c + 2)
		return;
	wr16(l4 + c, 0);
	uint16_t s = p.proto == P_ICMP ? csum_fold(csum_add(0, l4, p.l4len))
		     : p.fam == 4      ? csum_l4(4, ip + 12, ip + 16, p.proto, l4, p.l4len)
				       : csum_l4(6, ip + 8, ip + 24, p.proto, l4, p.l4len);
	wr16(l4 + c, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[2][6] = { { 2, 0, 0, 0, 0, 0x10 }, { 2, 0, 0, 0, 0, 0x11 } };
	static char *argv[] = { "router",
				"--addr=eth0:10.1.0.1/24",
				"--addr=eth0:fd01::1/64",
				"--addr=eth1:10.2.0.1/24",
				"--addr=eth1:fd02::1/64",
				"--route=0.0.0.0/0@10.2.0.254",
				"--route=::/0@fd02::fe",
				"--route=10.7.0.0/16@10.1.0.7",
				"--rule=deny proto tcp port 23",
				"--rule=deny in eth1 proto udp",
				"--snat=eth1",
				"--max-flows=64" };
	memset(&R, 0, sizeof R);
	router_init(&R, 64, 1);
	R.send = check_sent;
	struct opts o;
	char err[256];
	if (router_config(&R, &o, (int)(sizeof argv / sizeof *argv), argv, NULL, NULL, err, sizeof err))
		abort();
	memcpy(R.nic[0].mac, mac[0], 6);
	memcpy(R.nic[1].mac, mac[1], 6);
	uint64_t now = 1000000000ull;
	while (size >= 3) {
		uint8_t ctl = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		uint8_t *f = malloc(len ? len : 1);
		memcpy(f, data, len);
		seal(f, (uint32_t)len, ctl);
		now += (uint64_t)(ctl >> 3) * 100000000ull;
		router_frame(&R, ctl & 1, f, (uint32_t)len, now);
		router_tick(&R, now);
		free(f);
		data += len;
		size -= len;
	}
	return 0;
}

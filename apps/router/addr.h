/* IPv4/IPv6 addresses and prefixes in text, and prefix matches. */
#ifndef ROUTER_ADDR_H
#define ROUTER_ADDR_H

#include "pkt.h"

/* Parse an address; 0 or -1. */
int addr_parse(const char *s, struct ipa *a);
/* Parse ADDR/PREFIX (or ADDR alone when need_len is 0: a host prefix). */
int prefix_parse(const char *s, struct ipa *a, int *len, int need_len);
/* Does a lie in net/len? (Same family only.) */
int prefix_has(const struct ipa *net, int len, const struct ipa *a);
/* a with the bits past len cleared. */
void prefix_mask(struct ipa *a, int len);
/* Text of a (IPv6 in its compressed form); buf of 48 bytes. */
const char *addr_str(const struct ipa *a, char *buf);
/* The struct ipa of raw bytes of family fam. */
struct ipa ipa_of(uint8_t fam, const uint8_t *b);

#endif

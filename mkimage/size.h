/* Sizes on command lines: 4096, 512K, 1M, 2G, 1MiB (binary units). */
#ifndef TINCAN_SIZE_H
#define TINCAN_SIZE_H

#include <stdint.h>

/* 0 and *out set on success; -1 for anything malformed or overflowing. */
int parse_size(const char *s, uint64_t *out);

#endif

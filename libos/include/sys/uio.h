/* Scatter/gather I/O (Linux's interface; libos/uio.c). */
#ifndef TINCAN_SYS_UIO_H
#define TINCAN_SYS_UIO_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iovec {
	void *iov_base;
	size_t iov_len;
};

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif
#define UIO_MAXIOV 1024

ssize_t readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t writev(int fd, const struct iovec *iov, int iovcnt);
ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t off);
ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off);

#ifdef __cplusplus
}
#endif

#endif

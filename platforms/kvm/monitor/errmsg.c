/*
 * strerror for tincan-run, replacing the C library's in this static binary:
 * musl's carries a text for every errno (~2.2 KiB), the monitor's 64 KiB
 * budget only the ones its host calls can meet (open, mmap, ioctl, the
 * jail's, the tap's and the block files' calls), in musl's words so its
 * messages read as before.  Any other errno reads "error N".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ERRORS(X)                                                                                                      \
	X(EPERM, "Operation not permitted")                                                                            \
	X(ENOENT, "No such file or directory")                                                                         \
	X(EINTR, "Interrupted system call")                                                                            \
	X(EIO, "I/O error")                                                                                            \
	X(ENXIO, "No such device or address")                                                                          \
	X(EBADF, "Bad file descriptor")                                                                                \
	X(EAGAIN, "Resource temporarily unavailable")                                                                  \
	X(ENOMEM, "Out of memory")                                                                                     \
	X(EACCES, "Permission denied")                                                                                 \
	X(EFAULT, "Bad address")                                                                                       \
	X(EBUSY, "Resource busy")                                                                                      \
	X(EEXIST, "File exists")                                                                                       \
	X(ENODEV, "No such device")                                                                                    \
	X(ENOTDIR, "Not a directory")                                                                                  \
	X(EISDIR, "Is a directory")                                                                                    \
	X(EINVAL, "Invalid argument")                                                                                  \
	X(ENFILE, "Too many open files in system")                                                                     \
	X(EMFILE, "No file descriptors available")                                                                     \
	X(ENOTTY, "Not a tty")                                                                                         \
	X(ETXTBSY, "Text file busy")                                                                                   \
	X(EFBIG, "File too large")                                                                                     \
	X(ENOSPC, "No space left on device")                                                                           \
	X(EROFS, "Read-only file system")                                                                              \
	X(ENAMETOOLONG, "Filename too long")                                                                           \
	X(ENOLCK, "No locks available")                                                                                \
	X(ENOSYS, "Function not implemented")                                                                          \
	X(ELOOP, "Symbolic link loop")                                                                                 \
	X(EOVERFLOW, "Value too large for data type")                                                                  \
	X(EBADFD, "File descriptor in bad state")                                                                      \
	X(EOPNOTSUPP, "Not supported")                                                                                 \
	X(EAFNOSUPPORT, "Address family not supported by protocol")                                                    \
	X(EADDRNOTAVAIL, "Address not available")                                                                      \
	X(ENETDOWN, "Network is down")                                                                                 \
	X(ENOBUFS, "No buffer space available")                                                                        \
	X(EDQUOT, "Quota exceeded")

#define CODE(e, text) e,
#define TEXT(e, text) text "\0"

static const unsigned char codes[] = { ERRORS(CODE) };
static const char texts[] = ERRORS(TEXT);

char *strerror(int e)
{
	static char other[sizeof "error -2147483648"];
	const char *t = texts;
	for (size_t i = 0; i < sizeof codes; i++, t += strlen(t) + 1)
		if (codes[i] == e)
			return (char *)t;
	snprintf(other, sizeof other, "error %d", e);
	return other;
}

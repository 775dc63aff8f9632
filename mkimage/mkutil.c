/* Small helpers shared by tincan-mkimage's writers. */
#include "mkutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int mk_fail(int status, const char *fmt, ...)
{
	va_list ap;
	fputs("tincan-mkimage: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int mk_write_file(const char *path, const void *data, size_t size, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		return -1;
	const char *p = data;
	while (size) {
		ssize_t n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n, size -= (size_t)n;
	}
	return close(fd);
}

int mk_load_image(const char *path, struct ei_image *img, struct stat *sb)
{
	char err[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, sb) < 0)
		return mk_fail(1, "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb->st_mode)) {
		close(fd);
		return mk_fail(1, "%s: not a regular file", path);
	}
	size_t size = (size_t)sb->st_size;
	const uint8_t *file = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : (const uint8_t *)"";
	close(fd);
	if (file == MAP_FAILED)
		return mk_fail(1, "%s: %s", path, strerror(errno));
	if (ei_parse(file, size, img, err, sizeof err) < 0 ||
	    ei_check_manifest(img->manifest, TC_PLATFORM_NONE, 0, err, sizeof err) < 0)
		return mk_fail(1, "%s: %s", path, err);
	return 0;
}

int mk_commit(int status, const char *tmp, const char *out)
{
	int fd = -1;
	mode_t mask = umask(0);
	umask(mask);
	if (!status && ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) < 0 || chmod(tmp, 0666 & ~mask) < 0 ||
			rename(tmp, out) < 0))
		status = mk_fail(1, "cannot write %s: %s", out, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (status)
		unlink(tmp);
	return status;
}

/* Small helpers: tincan-run's argument list, running ip and tc. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci.h"

void argv_add(struct oci_argv *a, const char *fmt, ...)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		if (a->cap > OCI_MAX_ARGS)
			oci_die("too many arguments for the guest (at most %d)", OCI_MAX_ARGS);
		a->v = realloc(a->v, a->cap * sizeof *a->v);
		if (!a->v)
			oci_die("out of memory");
	}
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&a->v[a->n], fmt, ap) < 0)
		oci_die("out of memory");
	va_end(ap);
	a->v[++a->n] = NULL;
}

int run_prog(char *const argv[], const char *in, char *out, size_t outlen)
{
	int ip[2] = { -1, -1 }, op[2];
	if ((in && pipe2(ip, O_CLOEXEC)) || pipe2(op, O_CLOEXEC))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(in ? ip[0] : null, 0);
		dup2(op[1], 1);
		dup2(op[1], 2); /* ip and tc explain failures on stderr */
		execvp(argv[0], argv);
		_exit(127);
	}
	close(op[1]);
	if (in) {
		close(ip[0]);
		size_t len = strlen(in), off = 0;
		while (off < len) {
			ssize_t w = write(ip[1], in + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(ip[1]);
	}
	size_t got = 0;
	char sink[512];
	for (;;) {
		char *dst = out && got + 1 < outlen ? out + got : sink;
		size_t room = out && got + 1 < outlen ? outlen - 1 - got : sizeof sink;
		ssize_t r = read(op[0], dst, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (dst != sink)
			got += (size_t)r;
	}
	if (out && outlen)
		out[got] = 0;
	close(op[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * tincan-mkimage --oci; see oci.h.  The layer, the blobs and the outer tar
 * are made by Debian's tools, run without a shell: GNU tar (names sorted,
 * mtime 0, owner 0:0 by number, fixed modes, ustar: no pax times), gzip -n
 * (no name, no time) and sha256sum for the digests, so no archive or hash
 * code lives here and the same input gives the same bytes.  Only the JSON
 * (four small documents, every value either fixed, a number, a digest or a
 * checked reference) is written here.  Everything is staged in a temporary
 * directory; the tar goes to a temporary name beside OUT, renamed at the end,
 * so OUT is either the old file or the whole new one.
 */
#include "mkutil.h"
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elfimage.h"

extern char **environ;

#define REF_NAME_MAX 255 /* docker's limit on domain/path */
#define REF_TAG_MAX 128
#define HEX_LEN 64

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* A path component, s[0..n): [a-z0-9]+ joined by '.', '_', '__' or '-'+. */
static int path_component_ok(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return 0;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && s[j] == s[i])
			j++;
		if (!(s[i] == '-' || (s[i] == '.' && j - i == 1) || (s[i] == '_' && j - i <= 2)) ||
		    !is_lower_alnum(s[j]))
			return 0;
		i = j;
	}
	return 1;
}

/* A registry host, s[0..n): labels of [A-Za-z0-9-] (not starting or ending
 * with '-') joined by '.', then an optional :PORT. */
static int domain_ok(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t host = colon ? (size_t)(colon - s) : n;
	if (colon) {
		if (colon + 1 == s + n)
			return 0;
		for (const char *p = colon + 1; p < s + n; p++)
			if (*p < '0' || *p > '9')
				return 0;
	}
	for (size_t i = 0; i < host;) {
		size_t j = i;
		while (j < host && s[j] != '.')
			j++;
		if (j == i || !is_alnum(s[i]) || !is_alnum(s[j - 1]))
			return 0;
		for (size_t k = i; k < j; k++)
			if (!is_alnum(s[k]) && s[k] != '-')
				return 0;
		i = j + (j < host);
		if (j < host && i == host)
			return 0; /* a trailing dot */
	}
	return host > 0;
}

int oci_normalize_ref(const char *ref, char *out, size_t len)
{
	size_t n = strlen(ref);
	const char *slash = strrchr(ref, '/'), *colon = strrchr(ref, ':');
	if (n == 0) {
		snprintf(out, len, "the reference is empty");
		return -1;
	}
	for (const char *c = ref; *c; c++)
		if (*c <= ' ' || *c > '~') {
			snprintf(out, len, "the reference has a blank or a byte outside printable ASCII (0x%02x)",
				 (unsigned char)*c);
			return -1;
		}
	if (strchr(ref, '@')) {
		snprintf(out, len, "'%s': a digest names content, not an image to import: give NAME[:TAG]", ref);
		return -1;
	}
	/* The tag: after the last ':' that follows the last '/'. */
	const char *tag = "latest";
	size_t name_len = n, tag_len = 6;
	if (colon && (!slash || colon > slash)) {
		tag = colon + 1, tag_len = strlen(tag);
		name_len = (size_t)(colon - ref);
		int ok = tag_len > 0 && tag_len <= REF_TAG_MAX && (is_alnum(tag[0]) || tag[0] == '_');
		for (size_t i = 1; ok && i < tag_len; i++)
			ok = is_alnum(tag[i]) || tag[i] == '_' || tag[i] == '.' || tag[i] == '-';
		if (!ok) {
			snprintf(out, len,
				 "'%s': bad tag '%.*s' (1 to %d of A-Z a-z 0-9 _ . -, not starting with . or -)", ref,
				 (int)(tag_len > 140 ? 140 : tag_len), tag, REF_TAG_MAX);
			return -1;
		}
	}
	/* The registry: a first component with '.' or ':', "localhost", or
	 * upper case; else Docker Hub, whose one-component names are under
	 * library/. */
	const char *first_slash = memchr(ref, '/', name_len);
	const char *domain = "docker.io", *path = ref;
	size_t domain_len = 9, path_len = name_len;
	if (first_slash) {
		size_t k = (size_t)(first_slash - ref);
		int upper = 0;
		for (size_t i = 0; i < k; i++)
			upper |= ref[i] >= 'A' && ref[i] <= 'Z';
		if (memchr(ref, '.', k) || memchr(ref, ':', k) || (k == 9 && memcmp(ref, "localhost", 9) == 0) ||
		    upper) {
			domain = ref, domain_len = k;
			path = first_slash + 1, path_len = name_len - k - 1;
			if (!domain_ok(domain, domain_len)) {
				snprintf(out, len, "'%s': bad registry host '%.*s'", ref, (int)domain_len, domain);
				return -1;
			}
			if (domain_len == 15 && memcmp(domain, "index.docker.io", 15) == 0)
				domain = "docker.io", domain_len = 9;
		}
	}
	for (size_t i = 0; i < path_len;) {
		size_t j = i;
		while (j < path_len && path[j] != '/')
			j++;
		if (!path_component_ok(path + i, j - i)) {
			int upper = 0;
			for (size_t k = i; k < j; k++)
				upper |= path[k] >= 'A' && path[k] <= 'Z';
			snprintf(out, len,
				 upper ? "'%s': the repository name must be lower case"
				       : "'%s': bad repository name (components of a-z 0-9 joined by . _ __ or -, "
					 "separated by /)",
				 ref);
			return -1;
		}
		i = j + 1;
		if (j + 1 == path_len) {
			snprintf(out, len, "'%s': the repository name ends with '/'", ref);
			return -1;
		}
	}
	if (path_len == HEX_LEN && strspn(path, "0123456789abcdef") >= HEX_LEN) {
		snprintf(out, len, "'%s': a 64-digit hexadecimal name looks like an image id: choose another", ref);
		return -1;
	}
	int library = domain_len == 9 && memcmp(domain, "docker.io", 9) == 0 && !memchr(path, '/', path_len);
	size_t full = domain_len + 1 + (library ? 8 : 0) + path_len;
	if (full > REF_NAME_MAX) {
		snprintf(out, len, "'%.40s...': the name is longer than %d bytes", ref, REF_NAME_MAX);
		return -1;
	}
	if ((size_t)snprintf(out, len, "%.*s/%s%.*s:%.*s", (int)domain_len, domain, library ? "library/" : "",
			     (int)path_len, path, (int)tag_len, tag) >= len) {
		snprintf(out, len, "the reference is too long");
		return -1;
	}
	return 0;
}

static volatile sig_atomic_t stop_signal;
static void on_signal(int sig)
{
	stop_signal = sig;
}

/* The first line of a file (at most len - 1 bytes), without its newline. */
static void first_line(const char *path, char *line, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, line, len - 1);
	if (fd >= 0)
		close(fd);
	line[n > 0 ? n : 0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
}

/* Staging: where the work happens, and where each tool's output goes. */
struct stage {
	char dir[PATH_MAX - 128];
	char log[PATH_MAX];
};

/* Run argv (no shell), its stdin from in and its stdout to out (NULL:
 * /dev/null), its stderr to the stage's log: 0, or an exit status with the
 * tool's first line of complaint printed. */
static int run(const struct stage *st, const char *const *argv, const char *in, const char *out)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, st->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	int err = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return mk_fail(1, "--oci needs %s: cannot run it: %s", argv[0], strerror(err));
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR || (stop_signal && kill(pid, SIGTERM) < 0 && errno != ESRCH)) {
			status = -1;
			break;
		}
	if (stop_signal)
		return mk_fail(1, "interrupted (signal %d): no image written", (int)stop_signal);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	char line[400];
	first_line(st->log, line, sizeof line);
	if (WIFSIGNALED(status))
		return mk_fail(1, "%s was killed by signal %d: %s", argv[0], WTERMSIG(status), line);
	return mk_fail(1, "%s failed (exit %d): %s", argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		       line[0] ? line : "(no message)");
}

/* The SHA-256 of path, as 64 hex digits, by sha256sum (reading stdin: it
 * would escape a file name with a backslash or a newline in it). */
static int digest(const struct stage *st, const char *path, char hex[HEX_LEN + 1])
{
	char sum[PATH_MAX], line[HEX_LEN + 8];
	snprintf(sum, sizeof sum, "%s/sum", st->dir);
	const char *argv[] = { "sha256sum", NULL };
	int status = run(st, argv, path, sum);
	if (status)
		return status;
	first_line(sum, line, sizeof line);
	if (strlen(line) < HEX_LEN + 1 || strspn(line, "0123456789abcdef") != HEX_LEN || line[HEX_LEN] != ' ')
		return mk_fail(1, "sha256sum printed '%.70s', not a digest", line);
	memcpy(hex, line, HEX_LEN);
	hex[HEX_LEN] = '\0';
	return 0;
}

/* Move path to blobs/sha256/<its digest>; its digest in hex, its size in *size. */
static int add_blob(const struct stage *st, const char *path, char hex[HEX_LEN + 1], long long *size)
{
	struct stat sb;
	char blob[PATH_MAX];
	int status = digest(st, path, hex);
	if (status)
		return status;
	snprintf(blob, sizeof blob, "%s/oci/blobs/sha256/%s", st->dir, hex);
	if (stat(path, &sb) < 0 || rename(path, blob) < 0)
		return mk_fail(1, "%s: %s", path, strerror(errno));
	*size = (long long)sb.st_size;
	return 0;
}

/* Write a JSON document made by snprintf(fmt, ...) to dir/name. */
static int write_json(const struct stage *st, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int write_json(const struct stage *st, const char *name, const char *fmt, ...)
{
	char doc[4096], path[PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(doc, sizeof doc, fmt, ap);
	va_end(ap);
	snprintf(path, sizeof path, "%s/%s", st->dir, name);
	if (n < 0 || n >= (int)sizeof doc)
		return mk_fail(1, "%s: the document is too long", name);
	if (mk_write_file(path, doc, (size_t)n, O_EXCL) < 0)
		return mk_fail(1, "%s: %s", path, strerror(errno));
	return 0;
}

/* The tincan annotations (manifest) and labels (config): what the runtime
 * and urunc look for.  Sorted by key. */
#define TINCAN_KEYS                                                                                                    \
	"\"com.urunc.unikernel.binary\":\"/tincan.tc\",\"com.urunc.unikernel.cmdline\":\"\","                          \
	"\"com.urunc.unikernel.hypervisor\":\"tincan-run\",\"com.urunc.unikernel.unikernelType\":\"tincan\","          \
	"\"org.tincan.abi\":\"%u\",\"org.tincan.image\":\"/tincan.tc\",\"org.tincan.platform\":\"kvm\""

/* Stage the layout in st->dir/oci and tar it to tmp. */
static int build(const struct stage *st, const char *tmp, const struct ei_image *img, const char *ref)
{
	char path[PATH_MAX], gz[PATH_MAX], diff[HEX_LEN + 1], layer[HEX_LEN + 1], config[HEX_LEN + 1],
	    manifest[HEX_LEN + 1];
	long long layer_size, config_size, manifest_size;
	unsigned abi = img->manifest->abi_version;
	static const char *const dirs[] = { "layer", "oci", "oci/blobs", "oci/blobs/sha256" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", st->dir, dirs[i]);
		if (mkdir(path, 0755) < 0)
			return mk_fail(1, "%s: %s", path, strerror(errno));
	}
	/* The bytes that were checked, not the file again. */
	snprintf(path, sizeof path, "%s/layer/tincan.tc", st->dir);
	if (mk_write_file(path, img->file, img->size, O_EXCL) < 0)
		return mk_fail(1, "%s: %s", path, strerror(errno));

	char dir_opt[PATH_MAX + 16], file_opt[PATH_MAX + 16];
	snprintf(dir_opt, sizeof dir_opt, "--directory=%s/layer", st->dir);
	snprintf(path, sizeof path, "%s/layer.tar", st->dir);
	snprintf(file_opt, sizeof file_opt, "--file=%s", path);
	const char *tar_layer[] = { "tar",	   "--create",	 "--format=ustar",
				    "--sort=name", "--mtime=@0", "--numeric-owner",
				    "--owner=0",   "--group=0",	 "--mode=0555",
				    dir_opt,	   file_opt,	 "--",
				    "tincan.tc",   NULL };
	const char *gzip[] = { "gzip", "-n", "-c", "--", path, NULL };
	snprintf(gz, sizeof gz, "%s/layer.tar.gz", st->dir);
	int status;
	if ((status = run(st, tar_layer, NULL, NULL)) || (status = digest(st, path, diff)) ||
	    (status = run(st, gzip, NULL, gz)) || (status = add_blob(st, gz, layer, &layer_size)))
		return status;

	/* No "created": a date would be the only thing differing between runs. */
	if ((status = write_json(st, "config.json",
				 "{\"architecture\":\"amd64\",\"config\":{\"Entrypoint\":[\"/tincan.tc\"],\"Cmd\":[],"
				 "\"Labels\":{" TINCAN_KEYS "}},\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
				 "\"diff_ids\":[\"sha256:%s\"]}}",
				 abi, diff)))
		return status;
	snprintf(path, sizeof path, "%s/config.json", st->dir);
	if ((status = add_blob(st, path, config, &config_size)))
		return status;
	if ((status = write_json(st, "manifest.json",
				 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
				 "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
				 "\"digest\":\"sha256:%s\",\"size\":%lld},"
				 "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
				 "\"digest\":\"sha256:%s\",\"size\":%lld}],"
				 "\"annotations\":{" TINCAN_KEYS "}}",
				 config, config_size, layer, layer_size, abi)))
		return status;
	snprintf(path, sizeof path, "%s/manifest.json", st->dir);
	if ((status = add_blob(st, path, manifest, &manifest_size)))
		return status;
	/* containerd names the imported image by io.containerd.image.name;
	 * OCI tools (skopeo, umoci) find it by its tag in
	 * org.opencontainers.image.ref.name. */
	if ((status = write_json(st, "oci/index.json",
				 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
				 "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
				 "\"digest\":\"sha256:%s\",\"size\":%lld,"
				 "\"annotations\":{\"io.containerd.image.name\":\"%s\","
				 "\"org.opencontainers.image.ref.name\":\"%s\"},"
				 "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}",
				 manifest, manifest_size, ref, strrchr(ref, ':') + 1)) ||
	    (status = write_json(st, "oci/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")))
		return status;

	snprintf(dir_opt, sizeof dir_opt, "--directory=%s/oci", st->dir);
	snprintf(file_opt, sizeof file_opt, "--file=%s", tmp);
	const char *tar_oci[] = {
		"tar",	     "--create",   "--format=ustar",  "--sort=name", "--mtime=@0", "--numeric-owner",
		"--owner=0", "--group=0",  "--mode=a=rX,u+w", dir_opt,	     file_opt,	   "--",
		"blobs",     "index.json", "oci-layout",      NULL
	};
	return run(st, tar_oci, NULL, NULL);
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)type, (void)ftw;
	remove(path);
	return 0;
}

int oci_write(const char *out, const char *image, const char *ref)
{
	char name[REF_NAME_MAX + REF_TAG_MAX + 8];
	if (ref && oci_normalize_ref(ref, name, sizeof name) < 0)
		return mk_fail(2, "--name: %s", name);

	struct stat sb, osb;
	struct ei_image img;
	if (mk_load_image(image, &img, &sb))
		return 1;
	if (stat(out, &osb) == 0 && osb.st_dev == sb.st_dev && osb.st_ino == sb.st_ino)
		return mk_fail(2, "--oci=%s would replace the image: write the OCI image to another file", out);
	if (img.manifest->platform != TC_PLATFORM_KVM)
		return mk_fail(
		    1,
		    "%s was linked for the %s platform; an OCI image holds a kvm image (tincan-run boots it): "
		    "link it with tincan-cc --platform=kvm",
		    image, ei_platform_name(img.manifest->platform));
	if (!ref) {
		/* The manifest's name, else the file's without .tc. */
		char base[TC_MFT_NAME_MAX + 256];
		const char *b = strrchr(image, '/') ? strrchr(image, '/') + 1 : image;
		size_t n = strlen(b);
		if (img.manifest->name[0])
			snprintf(base, sizeof base, "%.*s", TC_MFT_NAME_MAX - 1, img.manifest->name);
		else
			snprintf(base, sizeof base, "%.*s", (int)(n > 3 && strcmp(b + n - 3, ".tc") == 0 ? n - 3 : n),
				 b);
		if (oci_normalize_ref(base, name, sizeof name) < 0)
			return mk_fail(2, "%s: no usable image name: %s: pass --name=REF", image, name);
	}

	const char *tmpdir = getenv("TMPDIR");
	struct stage st;
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", out) >= (int)sizeof tmp ||
	    snprintf(st.dir, sizeof st.dir, "%s/tincan-oci.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp") >=
		(int)sizeof st.dir)
		return mk_fail(1, "%s: path too long", out);
	/* Interrupted from here on, we stop the tool that runs and clean up
	 * rather than die and leave files behind. */
	struct sigaction sa = { .sa_handler = on_signal }, old[3];
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	int status = 0, tfd = -1, staged = 0;
	if (!mkdtemp(st.dir)) {
		status = mk_fail(1, "cannot make a staging directory %s: %s", st.dir, strerror(errno));
	} else if ((staged = 1, tfd = mkstemp(tmp)) < 0) {
		status = mk_fail(1, "cannot create %s: %s", out, strerror(errno));
	} else {
		close(tfd);
		snprintf(st.log, sizeof st.log, "%s/log", st.dir);
		status = build(&st, tmp, &img, name);
		if (!status && stop_signal)
			status = mk_fail(1, "interrupted (signal %d): no image written", (int)stop_signal);
		status = mk_commit(status, tmp, out);
	}
	if (staged) /* remove it and all in it */
		nftw(st.dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	return status;
}

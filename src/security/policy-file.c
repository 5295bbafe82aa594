/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Init's security policy, saved by the monitor in the container's runtime
 * directory and loaded by sysc-attach: the attached process gets exactly
 * init's policy (not the config as it reads now), and attach neither parses
 * the config nor builds the seccomp filter again. */
#include "security/security.h"
#include "security/seccomp.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POLICY_FILE  "policy"
#define POLICY_MAGIC "SYSCPOL1"

struct policy_header {
	char magic[8];
	uint64_t caps_keep;
	uint32_t no_new_privs;
	uint32_t n_insns; /* seccomp filter length; 0: none */
};

int security_policy_save(const struct security_policy *p, const char *run_dir)
{
	_cleanup_free_ char *path = str_printf("%s/" POLICY_FILE, run_dir);
	_cleanup_free_ char *buf = NULL;
	struct policy_header h = {
		.magic = POLICY_MAGIC, .caps_keep = p->caps_keep, .no_new_privs = p->no_new_privs};
	const void *insns = NULL;
	size_t n = 0, len;
	int r;

	if (p->seccomp)
		insns = seccomp_prog_insns(p->seccomp, &n);
	h.n_insns = (uint32_t)n;
	len = sizeof(h) + n * sizeof(struct sock_filter);
	buf = malloc(len);
	if (!path || !buf)
		return -ENOMEM;
	memcpy(buf, &h, sizeof(h));
	if (n)
		memcpy(buf + sizeof(h), insns, n * sizeof(struct sock_filter));
	r = fileio_replace_at(AT_FDCWD, path, buf, len, 0600);
	if (r < 0)
		return log_error_errno(r, "cannot save the security policy in %s: %m", path);
	return 0;
}

/* Only a file we wrote: a regular file of our user, writable by nobody else. */
static int check_owner(int fd, const char *path, size_t *ret_size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return log_error_errno(-EPERM, "%s is not sysc's (owner or mode): refusing it",
				       path);
	*ret_size = (size_t)st.st_size;
	return 0;
}

int security_policy_load(const char *run_dir, struct security_policy **ret)
{
	_cleanup_free_ char *path = str_printf("%s/" POLICY_FILE, run_dir);
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct security_policy *p;
	struct policy_header h;
	size_t size = 0;
	int r;

	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT
				       : log_error_errno(-errno, "cannot open %s: %m", path);
	r = check_owner(fd, path, &size);
	if (r < 0)
		return r;
	if (size < sizeof(h) || size > sizeof(h) + BPF_MAXINSNS * sizeof(struct sock_filter))
		return log_error_errno(-EBADMSG, "%s: not a policy sysc saved", path);
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	if (pread(fd, buf, size, 0) != (ssize_t)size)
		return log_error_errno(-EIO, "cannot read %s", path);
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, POLICY_MAGIC, sizeof(h.magic)) != 0 || h.no_new_privs > 1 ||
	    size != sizeof(h) + (size_t)h.n_insns * sizeof(struct sock_filter))
		return log_error_errno(-EBADMSG, "%s: not a policy sysc saved", path);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->caps_keep = h.caps_keep;
	p->no_new_privs = h.no_new_privs;
	r = h.n_insns ? seccomp_prog_from_insns(buf + sizeof(h), h.n_insns, &p->seccomp) : 0;
	if (r < 0) {
		security_policy_free(p);
		return log_error_errno(r, "%s: bad seccomp filter: %m", path);
	}
	*ret = p;
	return 0;
}

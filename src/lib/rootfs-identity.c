/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/rootfs-identity.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
		.mode = (flags & O_CREAT) ? 0644 : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static int write_file(int rootfd, const char *path, const char *text, const char *name)
{
	_cleanup_close_ int fd = open_in_root(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC);
	int r = fd < 0 ? fd : fileio_write_all(fd, text, strlen(text));

	if (r < 0)
		return log_error_errno(r, "cannot write %s of %s: %m", path, name);
	return 0;
}

/* Each container makes its own ssh host keys (the template's ssh unit does). */
static int remove_ssh_host_keys(int rootfd, const char *name)
{
	int fd = open_in_root(rootfd, "/etc/ssh", O_RDONLY | O_DIRECTORY);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd < 0)
		return log_error_errno(fd, "cannot open /etc/ssh of %s: %m", name);
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return log_error_errno(r, "cannot read /etc/ssh of %s: %m", name);
	}
	while ((de = readdir(d)))
		if (str_startswith(de->d_name, "ssh_host_") &&
		    unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			r = log_error_errno(-errno, "cannot remove /etc/ssh/%s of %s: %m",
					    de->d_name, name);
			break;
		}
	closedir(d);
	return r;
}

/* The host names the templates accept (tpl_valid_hostname). */
static bool hostname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

int rootfs_identity_write(const char *rootfs, const char *name)
{
	_cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *hostname = str_printf("%s\n", name);
	_cleanup_free_ char *hosts = str_printf("127.0.0.1\tlocalhost\n"
						"127.0.1.1\t%s\n"
						"::1\t\tlocalhost ip6-localhost ip6-loopback\n"
						"ff02::1\t\tip6-allnodes\n"
						"ff02::2\t\tip6-allrouters\n",
						name);
	int r;

	if (!hostname || !hosts)
		return -ENOMEM;
	if (!hostname_ok(name)) {
		log_error(
			"container name \"%s\" is not a valid host name (letters, digits, '-' and "
			"'.', at most 64 characters)",
			name);
		return -EINVAL;
	}
	if (rootfd < 0)
		return log_error_errno(-errno, "cannot open %s: %m", rootfs);
	r = write_file(rootfd, "/etc/hostname", hostname, name);
	if (r == 0)
		r = write_file(rootfd, "/etc/hosts", hosts, name);
	if (r == 0)
		r = write_file(rootfd, "/etc/machine-id", "", name);
	if (r == 0)
		r = remove_ssh_host_keys(rootfd, name);
	return r;
}

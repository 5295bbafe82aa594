/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount_setup_root() in a real set of namespaces (root only; exit 77 when not
 * root). Builds a busybox rootfs under /var/tmp, runs a shell as PID 1 of a new
 * pid namespace on it, and checks what the shell sees; then checks that the
 * host has no mount left. Negative cases: a rootfs whose /dev is a symlink to
 * a host path.
 *
 * Also a manual mode for trying a real rootfs (only binds onto it inside a
 * private mount namespace; creates nothing when /proc /sys /dev /run exist):
 *   test-mount-root --run ROOTFS CMD [ARG...]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "config/config.h"
#include "mount/mount.h"
#include "tap.h"
#include "util/fileio.h"

#define BUSYBOX "/bin/busybox"
#define NS_FLAGS                                                                                   \
	(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP)

static char tmpdir[64];

static const char *const applets[] = {"sh",    "ls",   "cat",  "touch", "tr",	   "head",
				      "od",    "stat", "grep", "echo",	"test",	   "true",
				      "mkdir", "cut",  "wc",   "sed",	"readlink"};

/* What the guest shell prints: one "key=value" line per check. */
static const char script[] =
	"echo pid=$$\n"
	"echo marker=$(cat /sysc-marker)\n"
	"echo etc=$(ls /etc | tr '\\n' ' ')\n"
	"touch /sys/x 2>/dev/null && echo sys=rw || echo sys=ro\n"
	"(echo x > /proc/sys/kernel/hostname) 2>/dev/null && echo procsys=rw || echo procsys=ro\n"
	"(echo 1 > /proc/sys/net/ipv4/ip_forward) 2>/dev/null && echo net=rw || echo net=ro\n"
	"(echo 1 > /proc/sysrq-trigger) 2>/dev/null && echo sysrq=rw || echo sysrq=ro\n"
	"echo dev=$(ls /dev | tr '\\n' ' ')\n"
	"echo x > /dev/null && echo devnull=ok\n"
	"echo null=$(stat -c '%a %t:%T' /dev/null)\n"
	"echo zero=$(head -c 4 /dev/zero | od -An -tx1 | tr -d ' \\n')\n"
	"echo shm=$(stat -c %a /dev/shm)\n"
	"echo ptmx=$(readlink /dev/ptmx)\n"
	"exec 8<>/dev/ptmx && echo pts=$(ls /dev/pts | tr '\\n' ' ')\n"
	"exec 8>&-\n"
	"test -t 0 < /dev/console && echo console=tty\n"
	"test -t 0 < /dev/tty1 && echo tty1=tty\n"
	"echo manager=$(cat /run/host/container-manager)\n"
	"echo uuid=$(cat /run/host/container-uuid)\n"
	"test -s /run/host/os-release && echo osrelease=ok\n"
	"touch /run/host/x 2>/dev/null && echo runhost=rw || echo runhost=ro\n"
	"echo data=$(cat /mnt/data/hello)\n"
	"touch /mnt/data/y 2>/dev/null && echo dataro=rw || echo dataro=ro\n"
	"test -e /var/tmp && echo vartmp=visible || echo vartmp=hidden\n"
	"while read -r id p mm root mp opts rest; do\n"
	"  echo \"mnt=$mp $opts ${rest#*- }\"\n"
	"done < /proc/self/mountinfo\n"
	"echo end=ok\n";

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in, out, r = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if ((r = fileio_write_all(out, buf, (size_t)n)) < 0)
			break;
	if (n < 0)
		r = -errno;
	close(in);
	close(out);
	return r;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), r;

	if (fd < 0)
		return -errno;
	r = fileio_write_all(fd, s, strlen(s));
	close(fd);
	return r;
}

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
	static char bufs[8][512];
	static int i;
	char *b = bufs[i++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, 512, fmt, ap);
	va_end(ap);
	return b;
}

/* A busybox rootfs with nothing else: no /proc, /sys, /dev, /run. */
static int make_rootfs(const char *root)
{
	char link[512];

	if (mkdir(root, 0755) < 0 || mkdir(pathf("%s/bin", root), 0755) < 0 ||
	    mkdir(pathf("%s/etc", root), 0755) < 0)
		return -errno;
	if (copy_file(BUSYBOX, pathf("%s/bin/busybox", root), 0755) < 0)
		return -EIO;
	for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
		snprintf(link, sizeof(link), "%s/bin/%s", root, applets[i]);
		if (symlink("busybox", link) < 0)
			return -errno;
	}
	if (write_file(pathf("%s/etc/group", root), "root:x:0:\ntty:x:7:\n") < 0 ||
	    write_file(pathf("%s/sysc-marker", root), "sysc-marker-ok\n") < 0)
		return -EIO;
	return 0;
}

struct run {
	const char *rootfs;
	const struct conf_mount *mounts;
	size_t n_mounts;
	char *const *argv; /* NULL: only call mount_setup_root and report */
	const char *probe; /* host path to look for in our mountinfo after a failure */
};

/* pid 1 of the new pid namespace; console_fd was opened before the new mount
 * namespace (as the monitor does: open_tree by fd is refused then, the path
 * fallback is used), the tty after it. */
static void run_init(const struct run *run, int console_fd, int outfd)
{
	int tm, ts, r;
	struct mount_spec spec = {
		.name = "test",
		.rootfs = run->rootfs,
		.rootfs_tree = -1,
		.uuid = "0123456789abcdef0123456789abcdef",
		.mount_cgroup2 = true,
		.mounts = run->mounts,
		.n_mounts = run->n_mounts,
	};

	if (openpty(&tm, &ts, NULL, NULL, NULL) < 0)
		_exit(20);
	spec.console_fd = console_fd;
	spec.tty_fds = &ts;
	spec.n_ttys = 1;
	if (outfd >= 0 && dup2(outfd, STDOUT_FILENO) < 0)
		_exit(21);
	r = mount_setup_root(&spec);
	if (!run->argv) {
		char buf[65536];
		ssize_t n = -1;
		int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			n = fileio_read_all(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		printf("setup=%d\nhostmount=%s\n", r,
		       run->probe && strstr(buf, run->probe) ? "yes" : "no");
		fflush(stdout);
		_exit(0);
	}
	if (r < 0)
		_exit(10);
	execve(run->argv[0], run->argv, (char *[]){"PATH=/bin:/usr/bin:/sbin:/usr/sbin", NULL});
	_exit(11);
}

/* Fork a child in new namespaces whose pid 1 runs run_init; collect its stdout. */
static int run_container(const struct run *run, char *out, size_t size)
{
	int p[2] = {-1, -1}, status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (out && pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int cm, cs;
		pid_t init;

		if (out)
			close(p[0]);
		if (openpty(&cm, &cs, NULL, NULL, NULL) < 0)
			_exit(29);
		if (unshare(NS_FLAGS) < 0)
			_exit(30);
		init = fork();
		if (init < 0)
			_exit(31);
		if (init == 0)
			run_init(run, cs, p[1]);
		if (waitpid(init, &status, 0) < 0)
			_exit(32);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	if (!out)
		goto wait;
	close(p[1]);
	while (len + 1 < size && (n = read(p[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
wait:
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool has_line(const char *out, const char *line)
{
	size_t n = strlen(line);

	for (const char *s = out; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
		if (strncmp(s, line, n) == 0 && (s[n] == '\n' || s[n] == '\0'))
			return true;
	return false;
}

/* A line starting with prefix that also contains sub. */
static bool has_line_with(const char *out, const char *prefix, const char *sub)
{
	size_t n = strlen(prefix);

	for (const char *s = out; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (strncmp(s, prefix, n) == 0 && memmem(s, len, sub, strlen(sub)))
			return true;
	}
	return false;
}

static int count_host_mounts(const char *needle)
{
	char line[4096];
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

static void check_main(const char *out, int rc, const char *root)
{
	static const char *const lines[] = {
		"pid=1",
		"marker=sysc-marker-ok",
		"etc=group",
		"sys=ro",
		"procsys=ro",
		"net=rw",
		"sysrq=ro",
		"dev=console fd full mqueue null ptmx pts random shm stderr stdin stdout tty tty1 "
		"urandom zero",
		"devnull=ok",
		"null=666 1:3",
		"zero=00000000",
		"shm=1777",
		"ptmx=pts/ptmx",
		"pts=0 ptmx",
		"console=tty",
		"tty1=tty",
		"manager=sysc",
		"uuid=0123456789abcdef0123456789abcdef",
		"osrelease=ok",
		"runhost=ro",
		"data=hello",
		"dataro=ro",
		"vartmp=hidden",
		"end=ok",
	};
	static const char *const mounts[][2] = {
		{"mnt=/ ", ""},
		{"mnt=/proc ", " proc "},
		{"mnt=/proc/sys ", "ro,"},
		{"mnt=/proc/sys/net ", "rw,"},
		{"mnt=/proc/sysrq-trigger ", "ro,"},
		{"mnt=/sys ", "ro,nosuid,nodev,noexec"},
		{"mnt=/sys/fs/cgroup ", " cgroup2 "},
		{"mnt=/dev ", " tmpfs "},
		{"mnt=/dev/pts ", "gid=7"},
		{"mnt=/dev/pts ", "ptmxmode=666"},
		{"mnt=/dev/shm ", " tmpfs "},
		{"mnt=/dev/console ", " devpts "},
		{"mnt=/dev/tty1 ", " devpts "},
		{"mnt=/dev/mqueue ", " mqueue "},
		{"mnt=/run ", " tmpfs "},
		{"mnt=/run/host ", "ro,"},
		{"mnt=/mnt/data ", "ro,"},
		{"mnt=/scratch ", "size=1024k"},
	};
	/* masked host interfaces: /dev/null (ro) over files, an empty ro tmpfs over dirs */
	static const char *const masked[][2] = {
		{"/proc/kcore", "mnt=/proc/kcore "},
		{"/proc/keys", "mnt=/proc/keys "},
		{"/proc/timer_list", "mnt=/proc/timer_list "},
		{"/proc/sched_debug", "mnt=/proc/sched_debug "},
		{"/proc/kallsyms", "mnt=/proc/kallsyms "},
		{"/sys/firmware", "mnt=/sys/firmware "},
	};
	bool sysrq = access("/proc/sysrq-trigger", F_OK) == 0;
	int expected = (int)(sizeof(mounts) / sizeof(mounts[0])) - 1 - !sysrq;
	struct stat st;
	int n = 0;

	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++)
		if (access(masked[i][0], F_OK) == 0) {
			expected++;
			CHECK(has_line_with(out, masked[i][1], "ro,"), "%s masked read-only",
			      masked[i][0]);
		}

	/* hybrid hosts: each v1 hierarchy read-only at /run/host/cgroup/<name> */
	const char *v1path;
	char *v1ctl;
	for (size_t i = 0; cgroup_host_v1_hierarchy(i, &v1path, &v1ctl); i++) {
		char want[256];

		snprintf(want, sizeof(want), "mnt=/run/host/cgroup/%s ", strrchr(v1path, '/') + 1);
		CHECK(has_line_with(out, want, "ro,"), "v1 hierarchy %s read-only at %s", v1ctl,
		      want + 4);
		free(v1ctl);
		expected++;
	}

	CHECK(rc == 0, "container shell exited 0 (got %d)", rc);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		CHECK(has_line(out, lines[i]), "guest: %s", lines[i]);
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
		if (sysrq || !strstr(mounts[i][0], "sysrq"))
			CHECK(has_line_with(out, mounts[i][0], mounts[i][1]), "guest mount %s(%s)",
			      mounts[i][0], mounts[i][1]);
	for (const char *s = out; (s = strstr(s, "mnt=")); s += 4)
		n++;
	CHECK(n == expected, "guest has exactly %d mounts (%d)", expected, n);
	CHECK(stat(pathf("%s/proc", root), &st) == 0 && S_ISDIR(st.st_mode),
	      "missing /proc was created in the rootfs");
}

static void test_main(void)
{
	static char out[65536];
	char *root = strdup(pathf("%s/rootfs", tmpdir));
	char *data = strdup(pathf("%s/hostdata", tmpdir));
	struct conf_mount mounts[] = {
		{.source = data, .target = "/mnt/data", .options = "bind,ro"},
		{.source = "tmpfs",
		 .target = "/scratch",
		 .type = "tmpfs",
		 .options = "size=1m,mode=700,nosuid"},
	};
	char *argv[] = {"/bin/busybox", "sh", "-c", (char *)script, NULL};
	struct run run = {.rootfs = root, .mounts = mounts, .n_mounts = 2, .argv = argv};
	int rc;

	CHECK(make_rootfs(root) == 0, "built busybox rootfs %s", root);
	CHECK(mkdir(data, 0755) == 0 && write_file(pathf("%s/hello", data), "hello\n") == 0,
	      "host data dir");
	rc = run_container(&run, out, sizeof(out));
	check_main(out, rc, root);
	if (tap_failed)
		printf("# guest output:\n%s", out);
	free(root);
	free(data);
}

static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* /dev -> host path: dangling inside the root (refused), then existing inside
 * the root (mounted there). Either way the host path is untouched. */
static void test_dev_symlink(void)
{
	static char out[65536];
	char hostdir[] = "/tmp/sysc-test-dev-XXXXXX";
	char *root2 = strdup(pathf("%s/rootfs2", tmpdir));
	char *root3 = strdup(pathf("%s/rootfs3", tmpdir));
	char *inner = NULL, line[600];
	struct run run = {.rootfs = root2, .probe = hostdir};
	char *argv[] = {"/bin/busybox", "sh", "-c",
			"echo null=$(stat -c %t:%T /dev/null)\n"
			"while read -r id p mm root mp opts rest; do\n"
			"  echo \"mnt=$mp $opts ${rest#*- }\"\n"
			"done < /proc/self/mountinfo\n",
			NULL};
	struct stat st;
	int rc;

	CHECK(mkdtemp(hostdir) != NULL, "host dir %s", hostdir);
	CHECK(write_file(pathf("%s/marker", hostdir), "host\n") == 0, "host marker");
	CHECK(make_rootfs(root2) == 0 && symlink(hostdir, pathf("%s/dev", root2)) == 0,
	      "rootfs2 with /dev -> %s", hostdir);
	rc = run_container(&run, out, sizeof(out));
	CHECK(rc == 0 && has_line_with(out, "setup=-", ""), "dangling /dev symlink refused");
	CHECK(has_line(out, "hostmount=no"), "nothing mounted on the host path");

	CHECK(make_rootfs(root3) == 0 && symlink(hostdir, pathf("%s/dev", root3)) == 0,
	      "rootfs3 with /dev -> %s", hostdir);
	inner = strdup(pathf("%s/rootfs3/tmp", tmpdir));
	mkdir(inner, 0755);
	free(inner);
	inner = strdup(pathf("%s/rootfs3", tmpdir));
	snprintf(line, sizeof(line), "%s%s", inner, hostdir);
	CHECK(mkdir(line, 0755) == 0, "rootfs3 has %s inside", hostdir);
	run = (struct run){.rootfs = root3, .argv = argv};
	rc = run_container(&run, out, sizeof(out));
	CHECK(rc == 0 && has_line(out, "null=1:3"), "/dev/null works through the symlink");
	CHECK(has_line_with(out, pathf("mnt=%s ", hostdir), " tmpfs "),
	      "the /dev tmpfs is on the rootfs's %s", hostdir);
	CHECK(dir_entries(hostdir) == 1 && stat(pathf("%s/marker", hostdir), &st) == 0,
	      "host %s untouched", hostdir);
	CHECK(dir_entries(line) == 0, "rootfs3%s empty again after the container", hostdir);
	CHECK(count_host_mounts(hostdir) == 0, "no host mount on %s", hostdir);
	CHECK(lstat(pathf("%s/dev", root2), &st) == 0 && S_ISLNK(st.st_mode),
	      "rootfs2/dev is still a symlink");
	if (tap_failed)
		printf("# guest output:\n%s", out);
	fileio_rm_rf_at(AT_FDCWD, hostdir);
	free(inner);
	free(root2);
	free(root3);
}

/* Config mounts whose target would leave the root are refused. */
static void test_extra_refused(void)
{
	static char out[4096];
	char *root = strdup(pathf("%s/rootfs4", tmpdir));
	struct conf_mount dotdot = {
		.source = "/etc", .target = "/mnt/../../etc", .options = "bind"};
	struct conf_mount link = {.source = "/etc", .target = "/mnt/out", .options = "bind,ro"};
	struct conf_mount badopt = {.source = "/etc", .target = "/x", .options = "bind,size=1m"};
	struct run run = {.rootfs = root, .mounts = &dotdot, .n_mounts = 1, .probe = tmpdir};
	struct stat st;

	CHECK(make_rootfs(root) == 0 && mkdir(pathf("%s/mnt", root), 0755) == 0 &&
		      symlink(tmpdir, pathf("%s/mnt/out", root)) == 0,
	      "rootfs4 with /mnt/out -> %s (a host path)", tmpdir);
	CHECK(run_container(&run, out, sizeof(out)) == 0 && has_line(out, "setup=-22"),
	      "target with .. refused");
	run.mounts = &link;
	CHECK(run_container(&run, out, sizeof(out)) == 0 && has_line_with(out, "setup=-", ""),
	      "target through a symlink to a host path refused");
	CHECK(stat(pathf("%s/rootfs4/etc/group", tmpdir), &st) == 0 &&
		      stat(pathf("%s/group", tmpdir), &st) < 0,
	      "nothing appeared in the host dir");
	run.mounts = &badopt;
	CHECK(run_container(&run, out, sizeof(out)) == 0 && has_line(out, "setup=-22"),
	      "filesystem option on a bind refused");
	free(root);
}

int main(int argc, char **argv)
{
	int before;

	if (geteuid() != 0) {
		printf("# skipped: needs root\n");
		return 77;
	}
	if (access(BUSYBOX, X_OK) < 0) {
		printf("# skipped: %s missing (apt-get install busybox-static)\n", BUSYBOX);
		return 77;
	}
	if (argc >= 4 && strcmp(argv[1], "--run") == 0) {
		struct run run = {.rootfs = argv[2], .argv = argv + 3};

		return run_container(&run, NULL, 0);
	}
	snprintf(tmpdir, sizeof(tmpdir), "/var/tmp/sysc-test-mount-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	before = count_host_mounts("/var/tmp");
	test_main();
	test_dev_symlink();
	test_extra_refused();
	CHECK(count_host_mounts(tmpdir) == 0, "no mount mentioning %s left on the host", tmpdir);
	CHECK(count_host_mounts("/var/tmp") == before, "host /var/tmp mount count unchanged (%d)",
	      before);
	CHECK(fileio_rm_rf_at(AT_FDCWD, tmpdir) == 0, "removed %s", tmpdir);
	return tap_done();
}

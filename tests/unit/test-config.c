/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of src/config: parsing, validation of every key, merging,
 * error messages, editing. No root needed. */
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strv.h"

static char tmpdir[] = "/tmp/test-config.XXXXXX";
static char errbuf[16384];
static int saved_stderr = -1;
static char errpath[4096];

static char *tpath(const char *name)
{
	static char buf[8][4200];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

static const char *write_file(const char *name, const char *content)
{
	const char *p = tpath(name);
	FILE *f = fopen(p, "we");
	if (!f) {
		perror(p);
		exit(99);
	}
	fputs(content, f);
	fclose(f);
	return p;
}

/* Capture what the module logs on stderr into errbuf. */
static void capture_start(void)
{
	int fd;

	fflush(stderr);
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static const char *capture_end(void)
{
	int fd;
	ssize_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	fd = open(errpath, O_RDONLY | O_CLOEXEC);
	n = read(fd, errbuf, sizeof(errbuf) - 1);
	close(fd);
	errbuf[n > 0 ? n : 0] = '\0';
	unlink(errpath);
	return errbuf;
}

/* err on one line, for test descriptions. */
static const char *flat(const char *s)
{
	static char bufs[2][sizeof(errbuf)];
	static int n;
	char *buf = bufs[n++ % 2];
	size_t i;

	for (i = 0; s[i] && i < sizeof(bufs[0]) - 1; i++)
		buf[i] = s[i] == '\n' ? '|' : s[i];
	buf[i] = '\0';
	return buf;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Load "name = "c1";\n" + body as c.conf (no default file). */
static int load_body(const char *body, struct sysc_conf **ret)
{
	_cleanup_free_ char *content = str_printf("name = \"c1\";\n%s\n", body);
	const char *p = write_file("c.conf", content);
	int r;

	capture_start();
	r = conf_load(NULL, p, ret);
	capture_end();
	return r;
}

struct key_case {
	const char *body;
	const char *key;    /* key named in the error */
	const char *reason; /* NULL: valid */
};

static const struct key_case cases[] = {
	{"hostname = \"web1.example.org\";", "hostname", NULL},
	{"hostname = \"-bad\";", "hostname", "invalid hostname \"-bad\""},
	{"hostname = \"a..b\";", "hostname", "invalid hostname"},
	{"uuid = \"0b6f9d2e-4a7c-4c1e-9a55-2f5e3c1d8b70\";", "uuid", NULL},
	{"uuid = \"0b6f9d2e-4a7c-4c1e-9a55\";", "uuid", "invalid UUID"},
	{"template = \"debian\";", "template", NULL},
	{"template = 5;", "template", "expected a string, got an integer"},
	{"rootfs = { backend = \"btrfs\"; size = \"10G\"; fstype = \"xfs\"; };", "", NULL},
	{"rootfs = { backend = \"zfs\"; };", "rootfs.backend",
	 "invalid value \"zfs\" (expected one of: dir, btrfs, overlay, lvm)"},
	{"rootfs = { size = \"12XB\"; };", "rootfs.size",
	 "invalid size \"12XB\" (use a number with optional K, M, G, T)"},
	{"rootfs = { size = \"max\"; };", "rootfs.size", "\"max\" is not allowed here"},
	{"rootfs = { fstype = \"btrfs\"; };", "rootfs.fstype", "invalid value \"btrfs\""},
	{"rootfs = \"dir\";", "rootfs", "expected a group { ... }, got a string"},
	{"init = { cmd = [\"/lib/systemd/systemd\", \"--x\"]; env = [\"A_1=b=c\"]; };", "", NULL},
	{"init = { cmd = []; };", "init.cmd", "must not be empty"},
	{"init = { cmd = [\"sbin/init\"]; };", "init.cmd", "must be an absolute path"},
	{"init = { cmd = \"/sbin/init\"; };", "init.cmd",
	 "expected an array of strings, got a string"},
	{"init = { halt_signal = \"SIGPWR\"; reboot_signal = 2; stop_timeout = 3600; };", "", NULL},
	{"init = { halt_signal = \"SIGFOO\"; };", "init.halt_signal", "invalid signal \"SIGFOO\""},
	{"init = { reboot_signal = 0; };", "init.reboot_signal", "invalid signal number"},
	{"init = { halt_signal = true; };", "init.halt_signal", "got a boolean"},
	{"init = { stop_timeout = 0; };", "init.stop_timeout", "value 0 out of range (1 to 3600)"},
	{"init = { stop_timeout = \"30\"; };", "init.stop_timeout",
	 "expected an integer, got a string"},
	{"init = { env = [\"1A=b\"]; };", "init.env", "invalid environment entry \"1A=b\""},
	{"init = { env = [\"NOVALUE\"]; };", "init.env", "invalid environment entry"},
	{"cgroup = { memory = { max = \"2G\"; high = 1073741824; swap = { max = \"max\"; }; }; };",
	 "", NULL},
	{"cgroup = { memory = { max = 100L; }; };", "", NULL},
	{"cgroup = { memory = { max = \"12XB\"; }; };", "cgroup.memory.max",
	 "invalid size \"12XB\" (use a number with optional K, M, G, T)"},
	{"cgroup = { memory = { high = -1; }; };", "cgroup.memory.high", "negative size"},
	{"cgroup = { memory = { swap = { max = 1.5; }; }; };", "cgroup.memory.swap.max",
	 "got a float"},
	{"cgroup = { cpu = { max = \"200000 100000\"; weight = 10000; }; };", "", NULL},
	{"cgroup = { cpu = { max = \"max\"; }; };", "", NULL},
	{"cgroup = { cpu = { max = \"max 50000\"; }; };", "", NULL},
	{"cgroup = { cpu = { max = \"150%\"; }; };", "", NULL},
	{"cgroup = { cpu = { max = \"200000\"; }; };", "cgroup.cpu.max", "invalid cpu.max"},
	{"cgroup = { cpu = { max = \"abc\"; }; };", "cgroup.cpu.max", "invalid cpu.max \"abc\""},
	{"cgroup = { cpu = { weight = 0; }; };", "cgroup.cpu.weight", "out of range (1 to 10000)"},
	{"cgroup = { cpuset = { cpus = \"0-3,5\"; mems = \"0\"; }; };", "", NULL},
	{"cgroup = { cpuset = { cpus = \"3-1\"; }; };", "cgroup.cpuset.cpus",
	 "invalid list \"3-1\""},
	{"cgroup = { cpuset = { mems = \"0,\"; }; };", "cgroup.cpuset.mems", "invalid list"},
	{"cgroup = { pids = { max = 4096; }; };", "", NULL},
	{"cgroup = { pids = { max = \"max\"; }; };", "", NULL},
	{"cgroup = { pids = { max = 0; }; };", "cgroup.pids.max", "out of range (1 to 4194304)"},
	{"cgroup = { pids = { max = \"lots\"; }; };", "cgroup.pids.max", "invalid value \"lots\""},
	{"cgroup = { pids = { max = 4194304; }; };", "", NULL},
	{"cgroup = { pids = { max = 99999999999999999999L; }; };", "cgroup.pids.max",
	 "out of range (1 to 4194304)"},
	{"cgroup = { pids = { max = 4194305; }; };", "cgroup.pids.max", "out of range"},
	{"cgroup = { io = { max = [\"/dev/sda rbps=10M wiops=1000\"];"
	 " weight = [\"default 100\", \"/dev/sda 200\"]; }; };",
	 "", NULL},
	{"cgroup = { io = { max = [\"/dev/sda\"]; }; };", "cgroup.io.max", "invalid io.max entry"},
	{"cgroup = { io = { max = [\"sda rbps=1\"]; }; };", "cgroup.io.max", "invalid io.max"},
	{"cgroup = { io = { max = [\"/dev/sda riops=1M\"]; }; };", "cgroup.io.max",
	 "invalid io.max"},
	{"cgroup = { io = { weight = [\"default 0\"]; }; };", "cgroup.io.weight",
	 "invalid io.weight entry"},
	{"cgroup = { memory = { maxx = \"1G\"; }; };", "cgroup.memory.maxx",
	 "unknown key (did you mean \"cgroup.memory.max\"?)"},
	{"limits = { nofile = \"1024:4096\"; nproc = 100; core = \"unlimited\"; stack = \"8M\";"
	 " as = \"unlimited:unlimited\"; memlock = \"64K\"; fsize = 1; data = 1; cpu = 1;"
	 " locks = 1; msgqueue = 1; nice = 0; rtprio = 0; rttime = 1; sigpending = 1; };",
	 "", NULL},
	{"limits = { nofile = \"4096:1024\"; };", "limits.nofile", "soft limit is above the hard"},
	{"limits = { nproc = \"lots\"; };", "limits.nproc", "invalid limit \"lots\""},
	{"limits = { nofiles = 5; };", "limits.nofiles",
	 "unknown key (did you mean \"limits.nofile\"?)"},
	{"sysctl = ( { key = \"net.ipv4.ip_forward\"; value = \"1\"; },"
	 " { key = \"kernel.shmmax\"; value = 100; } );",
	 "", NULL},
	{"sysctl = ( { key = \"kernel.panic\"; value = \"1\"; } );", "sysctl[0].key",
	 "sysctl \"kernel.panic\" is not namespaced: it would change the host"},
	{"sysctl = ( { key = \"kernel.shmmax\"; value = 1; }, { key = \"net.ipv4.ip_forward\";"
	 " value = 1; } ); network = ( { type = \"none\"; } );",
	 "sysctl[1].key",
	 "sysctl \"net.ipv4.ip_forward\" would change the host's network: the container has no "
	 "network namespace of its own"},
	{"sysctl = ( { key = \"net.ipv4.ip_forward\"; value = 1; } ); network = ( { type = "
	 "\"empty\"; } );",
	 "", NULL},
	{"sysctl = ( { key = \"vm.overcommit_memory\"; value = \"1\"; } );", "sysctl[0].key",
	 "is not namespaced"},
	{"sysctl = ( { key = \"net.ipv4.ip_forward\"; } );", "sysctl[0]",
	 "missing required key \"value\""},
	{"oom_score_adj = -1000;", "", NULL},
	{"oom_score_adj = 1001;", "oom_score_adj", "out of range (-1000 to 1000)"},
	{"network = ( { type = \"veth\"; link = \"sysc0\"; name = \"eth0\"; host_name = \"vc1\";"
	 " hwaddr = \"02:42:ac:11:00:02\"; mtu = 1500; ipv4 = [\"10.0.0.5/24\"];"
	 " ipv6 = [\"fd00::5/64\"]; gateway4 = \"10.0.0.1\"; gateway6 = \"fd00::1\";"
	 " routes = [\"192.168.5.0/24 via 10.0.0.254\", \"default via fd00::1\"]; up = false;"
	 " create = true; },"
	 " { type = \"macvlan\"; link = \"eth0\"; name = \"eth1\"; mode = \"bridge\"; } );",
	 "", NULL},
	{"network = ( { type = \"none\"; } );", "", NULL},
	{"network = ( { type = \"bogus\"; } );", "network[0].type", "invalid value \"bogus\""},
	{"network = ( { link = \"br0\"; } );", "network[0]", "missing required key \"type\""},
	{"network = ( { type = \"veth\"; } );", "network[0]", "type \"veth\" needs \"link\""},
	{"network = ( { type = \"veth\"; link = \"br0\"; mode = \"bridge\"; } );", "network[0]",
	 "\"mode\" is only valid for type \"macvlan\""},
	{"network = ( { type = \"none\"; }, { type = \"empty\"; } );", "network[0]",
	 "type \"none\" excludes other network entries"},
	{"network = ( { type = \"veth\"; link = \"br0\"; }, { type = \"phys\"; link = \"eth3\"; } "
	 ");",
	 "network[1]", "interface name \"eth0\" is used twice"},
	{"network = ( { type = \"veth\"; link = \"br0\"; name = \"averyveryverylongname\"; } );",
	 "network[0].name", "invalid interface name"},
	{"network = ( { type = \"veth\"; link = \"br0\"; hwaddr = \"01:00:5e:00:00:01\"; } );",
	 "network[0].hwaddr", "multicast"},
	{"network = ( { type = \"veth\"; link = \"br0\"; hwaddr = \"zz:00\"; } );",
	 "network[0].hwaddr", "invalid MAC address"},
	{"network = ( { type = \"veth\"; link = \"br0\"; mtu = 67; } );", "network[0].mtu",
	 "out of range (68 to 65535)"},
	{"network = ( { type = \"veth\"; link = \"br0\"; ipv4 = [\"10.0.0.300/24\"]; } );",
	 "network[0].ipv4", "invalid IPv4 address"},
	{"network = ( { type = \"veth\"; link = \"br0\"; ipv4 = [\"10.0.0.3\"]; } );",
	 "network[0].ipv4", "invalid IPv4 address"},
	{"network = ( { type = \"veth\"; link = \"br0\"; ipv6 = [\"fd00::/129\"]; } );",
	 "network[0].ipv6", "invalid IPv6 address"},
	{"network = ( { type = \"veth\"; link = \"br0\"; gateway4 = \"fd00::1\"; } );",
	 "network[0].gateway4", "invalid IPv4 address"},
	{"network = ( { type = \"veth\"; link = \"br0\"; gateway6 = \"10.0.0.1\"; } );",
	 "network[0].gateway6", "invalid IPv6 address"},
	{"network = ( { type = \"veth\"; link = \"br0\"; routes = [\"10.1.0.0/16 via fd00::1\"]; } "
	 ");",
	 "network[0].routes", "invalid route"},
	{"network = ( { type = \"veth\"; link = \"br0\"; up = \"yes\"; } );", "network[0].up",
	 "expected a boolean, got a string"},
	{"network = ( { type = \"veth\"; link = \"br0\"; create = 1; } );", "network[0].create",
	 "expected a boolean, got an integer"},
	{"network = ( { type = \"veth\"; link = \"br0\"; tpye = \"x\"; } );", "network[0].tpye",
	 "unknown key (did you mean \"network.type\"?)"},
	{"network = { type = \"veth\"; };", "network", "expected a list of groups"},
	{"network = ( \"veth\" );", "network[0]", "expected a group { ... }, got a string"},
	{"capabilities = { drop = [\"CAP_SYS_MODULE\", \"sys_time\", \"Net_Raw\"]; };", "", NULL},
	{"capabilities = { keep = [\"chown\", \"checkpoint_restore\"]; };", "", NULL},
	{"capabilities = { drop = [\"sys_foo\"]; };", "capabilities.drop",
	 "unknown capability \"sys_foo\""},
	{"capabilities = { drop = [\"chown\"]; keep = [\"kill\"]; };", "capabilities.keep",
	 "\"drop\" and \"keep\" are mutually exclusive"},
	{"capabilities = { drop = [1]; };", "capabilities.drop", "element 0 is an integer"},
	{"seccomp = { profile = \"/etc/sysc/p\"; allow_bpf = true; };", "", NULL},
	{"seccomp = { profile = \"none\"; };", "", NULL},
	{"seccomp = { profile = \"strict\"; };", "seccomp.profile", "invalid profile \"strict\""},
	{"seccomp = { allow_bpf = \"no\"; };", "seccomp.allow_bpf", "expected a boolean"},
	{"devices = { allow = [\"c 10:200 rwm\", \"b *:* r\", \"a\", \"c 1:3\"];"
	 " create = [\"/dev/net/tun c 10:200 0666\"]; };",
	 "", NULL},
	{"devices = { allow = [\"x 10:200 rwm\"]; };", "devices.allow", "invalid device rule"},
	/* read past the end of the string (ASan; found by fuzz-config) */
	{"devices = { allow = [\"\"]; };", "devices.allow", "invalid device rule"},
	{"devices = { allow = [\"c 10:200 rwx\"]; };", "devices.allow", "invalid device rule"},
	{"devices = { allow = [\"c 10:200 rrw\"]; };", "devices.allow", "invalid device rule"},
	{"devices = { create = [\"/tmp/tun c 10:200 0666\"]; };", "devices.create",
	 "invalid device \"/tmp/tun"},
	{"devices = { create = [\"/dev/../etc/x c 1:1 0666\"]; };", "devices.create",
	 "invalid device"},
	{"devices = { create = [\"/dev/tun c 10:200 0999\"]; };", "devices.create",
	 "invalid device"},
	{"mounts = ( { source = \"/a\"; target = \"/b\"; options = \"bind,ro\"; },"
	 " { type = \"tmpfs\"; target = \"/tmp\"; options = \"size=10M\"; },"
	 " { source = \"/dev/sdb1\"; target = \"/data\"; type = \"ext4\"; } );",
	 "", NULL},
	{"mounts = ( { source = \"/a\"; } );", "mounts[0]", "missing required key \"target\""},
	{"mounts = ( { source = \"/a\"; target = \"b\"; } );", "mounts[0].target",
	 "\"b\" is not an absolute path"},
	{"mounts = ( { target = \"/b\"; } );", "mounts[0]",
	 "\"source\" is required for type \"none\""},
	{"mounts = ( { source = \"/a\"; target = \"/../..\"; } );", "mounts[0].target",
	 "\"/../..\" has a \"..\" component"},
	{"mounts = ( { source = \"/a\"; target = \"/b/../../etc\"; } );", "mounts[0].target",
	 "has a \"..\" component"},
	{"mounts = ( { source = \"/a\"; target = \"/./\"; } );", "mounts[0].target",
	 "is the container's root"},
	{"mounts = ( { source = \"/a\"; target = \"/b..c/.d\"; } );", "", NULL},
	{"mounts = ( { source = \"a\"; target = \"/b\"; } );", "mounts[0]",
	 "bind mount source \"a\" is not an absolute path"},
	{"mounts = ( { source = \"x\"; target = \"/b\"; type = \"Bad Type\"; } );",
	 "mounts[0].type", "invalid filesystem type"},
	{"hooks = { pre_start = [\"/h/a\"]; pre_mount = [\"/h/b\"]; mount = [\"/h/c\"];"
	 " start = [\"/h/d\"]; stop = [\"/h/e\"]; post_stop = [\"/h/f\"]; create = [\"/h/g\"];"
	 " clone = [\"/h/h\"]; destroy = [\"/h/i\"]; timeout = 1; };",
	 "", NULL},
	{"hooks = { start = [\"relative\"]; };", "hooks.start",
	 "\"relative\" is not an absolute path"},
	{"hooks = { stop = [\"/x\", \"y\"]; };", "hooks.stop", "\"y\" is not an absolute path"},
	{"hooks = { timeout = 3601; };", "hooks.timeout", "out of range (1 to 3600)"},
	{"console = { ttys = 0; buffer = \"16M\"; log_size = \"64K\"; };", "", NULL},
	{"console = { ttys = 65; };", "console.ttys", "out of range (0 to 64)"},
	{"console = { buffer = \"1K\"; };", "console.buffer", "size 1K out of range (4K to 16M)"},
	{"console = { log_size = \"2G\"; };", "console.log_size",
	 "size 2G out of range (64K to 1G)"},
	{"autostart = { enabled = true; order = -5; delay = 3600; };", "", NULL},
	{"autostart = { enabled = 1; };", "autostart.enabled", "expected a boolean"},
	{"autostart = { order = \"first\"; };", "autostart.order", "expected an integer"},
	{"autostart = { delay = -1; };", "autostart.delay", "out of range (0 to 3600)"},
	{"autostart = { group = \"web-1.a_b\"; };", "", NULL},
	{"autostart = { group = \"a b\"; };", "autostart.group", "may only contain"},
	{"hooks = { mount = [\"/usr/bin/x arg1 arg2\"]; };", "", NULL},
	{"hooks = { stop = [\"x\"]; };", "hooks.stop", "is not an absolute path"},
	{"idmap = ( { type = \"uid\"; container = 0; host = 100000; count = 65536; },"
	 " { type = \"gid\"; container = 0; host = 100000; count = 65536; },"
	 " { container = 65536; host = 4294901760L; count = 65536; } );",
	 "", NULL},
	{"idmap = ( { type = \"user\"; container = 0; host = 1; count = 1; } );", "idmap[0].type",
	 "invalid value \"user\""},
	{"idmap = ( { container = 0; host = 1; count = 0; } );", "idmap[0].count", "out of range"},
	{"idmap = ( { container = 0; host = 1; } );", "idmap[0]", "missing required key \"count\""},
	{"idmap = ( { container = 0; host = 4294967295L; count = 2; } );", "idmap[0]",
	 "range overflows 32-bit ids"},
	{"idmap = ( { container = 0; host = 0; count = 65536; } );", "idmap[0]",
	 "maps container id 0 to host id 0 (root)"},
	{"idmap = ( { type = \"gid\"; container = 5; host = 0; count = 1; } );", "idmap[0]",
	 "maps container id 5 to host id 0 (root)"},
	{"idmap = ( { container = 0; host = 1000; count = 10; },"
	 " { type = \"uid\"; container = 5; host = 5000; count = 10; } );",
	 "idmap[1]", "range overlaps idmap[0]"},
	{"security = { privileged = false; no_new_privs = true; };", "", NULL},
	{"security = { privileged = \"no\"; };", "security.privileged", "expected a boolean"},
	{"secutiry = { privileged = false; };", "secutiry",
	 "unknown key (did you mean \"security\"?)"},
	{"Name2 = 1;", "Name2", "unknown key (did you mean \"name\"?)"},
	{"memory = { max = \"1G\"; };", "memory", "unknown key (did you mean \"cgroup.memory\"?)"},
	{"bogus_key = 1;", "bogus_key", "unknown key"},
};

static void test_key_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct key_case *c = &cases[i];
		struct sysc_conf *conf = NULL;
		_cleanup_free_ char *content = str_printf("name = \"c1\";\n%s\n", c->body);
		const char *p = write_file("c.conf", content);
		const char *err;
		int r;

		capture_start();
		r = conf_load(NULL, p, &conf);
		err = capture_end();
		if (!c->reason) {
			CHECK(r == 0 && conf && !*err, "valid: %s (r=%d, log: %s)", c->body, r,
			      flat(err));
		} else {
			_cleanup_free_ char *want = str_printf("%s:2: %s: ", p, c->key);
			CHECK(r == -EINVAL && !conf && strstr(err, want) && strstr(err, c->reason),
			      "invalid: %s -> \"%s\" (r=%d, log: %s)", c->body, want, r, flat(err));
		}
		conf_free(conf);
		/* conf_check_file agrees */
		capture_start();
		r = conf_check_file(p);
		capture_end();
		CHECK((r == 0) == !c->reason, "check_file agrees: %s", c->body);
	}
}

static void test_defaults(void)
{
	struct sysc_conf *c = NULL;
	int r = load_body("", &c);

	CHECK(r == 0 && c, "minimal config loads");
	if (!c)
		return;
	CHECK_STREQ(c->name, "c1", "name");
	CHECK_STREQ(c->hostname, "c1", "hostname defaults to name");
	CHECK(c->uuid == NULL && c->template == NULL, "uuid, template unset");
	CHECK_STREQ(c->rootfs.backend, "dir", "rootfs.backend default");
	CHECK(c->rootfs.size == 0, "rootfs.size default");
	CHECK_STREQ(c->rootfs.fstype, "ext4", "rootfs.fstype default");
	CHECK(strv_length(c->init.cmd) == 1 && !strcmp(c->init.cmd[0], "/sbin/init"),
	      "init.cmd default");
	CHECK(c->init.halt_signal == SIGRTMIN + 3, "halt_signal default");
	CHECK(c->init.reboot_signal == SIGINT, "reboot_signal default");
	CHECK(c->init.stop_timeout == 30, "stop_timeout default");
	CHECK(c->init.env && !c->init.env[0], "init.env empty, not NULL");
	CHECK(c->cgroup.memory_max == CONF_UNSET && c->cgroup.memory_high == CONF_UNSET &&
		      c->cgroup.memory_swap_max == CONF_UNSET,
	      "memory unset");
	CHECK(c->cgroup.cpu_max_quota == CONF_UNSET && c->cgroup.cpu_max_period == 100000,
	      "cpu.max unset, period 100000");
	CHECK(c->cgroup.cpu_weight == CONF_UNSET && c->cgroup.pids_max == CONF_UNSET,
	      "cpu.weight, pids.max unset");
	CHECK(!c->cgroup.cpuset_cpus && !c->cgroup.cpuset_mems, "cpuset unset");
	CHECK(c->n_limits == 0 && c->n_sysctls == 0 && c->n_network == 0 && c->n_mounts == 0 &&
		      c->n_idmap == 0,
	      "no lists");
	CHECK(!c->oom_score_adj_set && c->oom_score_adj == 0, "oom_score_adj unset");
	CHECK(strv_length(c->capabilities.drop) == 11 &&
		      strv_contains(c->capabilities.drop, "sys_module") &&
		      strv_contains(c->capabilities.drop, "audit_write"),
	      "default drop list");
	CHECK(c->capabilities.keep && !c->capabilities.keep[0], "keep empty");
	CHECK_STREQ(c->seccomp.profile, "default", "seccomp.profile default");
	CHECK(!c->seccomp.allow_bpf, "allow_bpf default");
	CHECK(c->hooks.timeout == 30 && c->hooks.pre_start && !c->hooks.pre_start[0],
	      "hooks defaults");
	CHECK(c->console.ttys == 0 && c->console.buffer == 128 * 1024 &&
		      c->console.log_size == 1024 * 1024,
	      "console defaults");
	CHECK(!c->autostart.enabled && c->autostart.order == 0 && c->autostart.delay == 0 &&
		      c->autostart.group && !c->autostart.group[0],
	      "autostart defaults");
	CHECK(!c->security.privileged && !c->security.no_new_privs, "security defaults");
	CHECK(c->file && str_endswith(c->file, "/c.conf"), "file recorded");
	conf_free(c);
}

static void test_values(void)
{
	struct sysc_conf *c = NULL;
	int r = load_body(
		"hostname = \"h\";\n"
		"init = { halt_signal = \"RTMAX-2\"; stop_timeout = 5; env = [\"A=1\"]; };\n"
		"cgroup = { memory = { max = \"2G\"; high = 1000; swap = { max = \"max\"; }; };\n"
		"  cpu = { max = \"50%\"; weight = 7; }; pids = { max = \"max\"; };\n"
		"  cpuset = { cpus = \"0-1\"; }; io = { max = [\"/dev/sda wbps=1M\"]; }; };\n"
		"limits = { nofile = \"1024:4096\"; core = \"unlimited\"; stack = \"8M\"; };\n"
		"sysctl = ( { key = \"net.core.somaxconn\"; value = 1024; } );\n"
		"oom_score_adj = -17;\n"
		"network = ( { type = \"veth\"; link = \"br0\"; mtu = 9000; ipv4 = "
		"[\"1.2.3.4/8\"]; } "
		");\n"
		"capabilities = { drop = [\"CAP_Sys_Admin\"]; };\n"
		"mounts = ( { source = \"/a\"; target = \"/b\"; } );\n"
		"idmap = ( { type = \"gid\"; container = 1; host = 2; count = 3; } );\n"
		"console = { buffer = 8192; };\n",
		&c);

	CHECK(r == 0 && c, "full config loads");
	if (!c)
		return;
	CHECK_STREQ(c->hostname, "h", "hostname");
	CHECK(c->init.halt_signal == SIGRTMAX - 2, "RTMAX-2");
	CHECK(c->init.stop_timeout == 5 && strv_length(c->init.env) == 1, "init");
	CHECK(c->cgroup.memory_max == 2ULL << 30, "memory.max 2G");
	CHECK(c->cgroup.memory_high == 1000, "memory.high int");
	CHECK(c->cgroup.memory_swap_max == CONF_UNLIMITED, "swap max");
	CHECK(c->cgroup.cpu_max_quota == 50000 && c->cgroup.cpu_max_period == 100000, "50%%");
	CHECK(c->cgroup.cpu_weight == 7 && c->cgroup.pids_max == CONF_UNLIMITED, "weight, pids");
	CHECK_STREQ(c->cgroup.cpuset_cpus, "0-1", "cpuset");
	CHECK(strv_length(c->cgroup.io_max) == 1, "io.max");
	CHECK(c->n_limits == 3, "3 limits");
	for (size_t i = 0; i < c->n_limits; i++) {
		struct conf_limit *l = &c->limits[i];
		if (!strcmp(l->name, "nofile"))
			CHECK(l->soft == 1024 && l->hard == 4096, "nofile soft:hard");
		else if (!strcmp(l->name, "core"))
			CHECK(l->soft == CONF_UNLIMITED && l->hard == CONF_UNLIMITED, "core");
		else
			CHECK(!strcmp(l->name, "stack") && l->soft == 8 << 20, "stack");
	}
	CHECK(c->n_sysctls == 1 && !strcmp(c->sysctls[0].value, "1024"), "sysctl int value");
	CHECK(c->oom_score_adj_set && c->oom_score_adj == -17, "oom_score_adj");
	CHECK(c->n_network == 1 && c->network[0].mtu == 9000 && c->network[0].up &&
		      !c->network[0].create_link && !strcmp(c->network[0].name, "eth0") &&
		      strv_length(c->network[0].ipv4) == 1 && c->network[0].routes,
	      "network item with defaults");
	CHECK(strv_length(c->capabilities.drop) == 1 &&
		      !strcmp(c->capabilities.drop[0], "sys_admin"),
	      "capability normalised");
	CHECK(c->n_mounts == 1 && !strcmp(c->mounts[0].type, "none") &&
		      !strcmp(c->mounts[0].options, ""),
	      "mount defaults");
	CHECK(c->n_idmap == 1 && c->idmap[0].kind == 'g' && c->idmap[0].count == 3, "idmap");
	CHECK(c->console.buffer == 8192, "console.buffer int");
	conf_free(c);
}

static void test_sizes_signals(void)
{
	static const struct {
		const char *s;
		int r;
		uint64_t v;
	} sizes[] = {
		{"0", 0, 0},
		{"1024", 0, 1024},
		{"512M", 0, 512ULL << 20},
		{"2G", 0, 2ULL << 30},
		{"2g", 0, 2ULL << 30},
		{"1.5G", 0, 3ULL << 29},
		/* nine fraction digits with T: 999999999 << 40 overflowed 64 bits */
		{"1.999999999T", 0, 2199023254452ULL},
		{"4.123456789G", 0, 4427528013ULL},
		{"4K", 0, 4096},
		{"4KB", 0, 4096},
		{"4KiB", 0, 4096},
		{"1T", 0, 1ULL << 40},
		{"100B", 0, 100},
		{"max", 0, CONF_UNLIMITED},
		{"12XB", -EINVAL, 0},
		{"", -EINVAL, 0},
		{"-1", -EINVAL, 0},
		{"1.5", -EINVAL, 0},
		{"1.G", -EINVAL, 0},
		{"G", -EINVAL, 0},
		{" 1G", -EINVAL, 0},
		{"1G ", -EINVAL, 0},
		{"1Gi", -EINVAL, 0},
		{"99999999999999999999", -EINVAL, 0},
		{"17179869184G", -EINVAL, 0},
	};
	static const struct {
		const char *s;
		int sig; /* -1: error */
	} sigs[] = {
		{"SIGTERM", SIGTERM}, {"TERM", SIGTERM},   {"sigkill", SIGKILL},
		{"15", 15},	      {"SIGINT", SIGINT},  {"PWR", SIGPWR},
		{"SIGRTMIN", 0},      {"SIGRTMIN+3", 3},   {"SIGRTMAX-1", -2},
		{"SIGFOO", -1},	      {"0", -1},	   {"99", -1},
		{"SIGRTMIN-1", -1},   {"SIGRTMIN+99", -1}, {"", -1},
		{"SIGRTMAX+1", -1},
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t v = 7;
		int r = conf_parse_size(sizes[i].s, &v);
		CHECK((r < 0) == (sizes[i].r < 0) && (r < 0 || v == sizes[i].v),
		      "conf_parse_size(\"%s\") = %d, %llu", sizes[i].s, r, (unsigned long long)v);
	}
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int v = 0, r = conf_parse_signal(sigs[i].s, &v), want = sigs[i].sig;
		if (!strncmp(sigs[i].s, "SIGRTMIN", 8) && want >= 0)
			want += SIGRTMIN;
		if (want == -2)
			want = SIGRTMAX - 1;
		CHECK(want == -1 ? r == -EINVAL : (r == 0 && v == want),
		      "conf_parse_signal(\"%s\")", sigs[i].s);
	}
}

static void test_ports(void)
{
	static const struct {
		const char *s;
		int proto; /* 0: error, reason contains why */
		const char *addr;
		unsigned host_port, port;
		const char *why;
	} pcases[] = {
		{"tcp:8080:80", IPPROTO_TCP, "", 8080, 80, NULL},
		{"udp:5353:53", IPPROTO_UDP, "", 5353, 53, NULL},
		{"tcp:127.0.0.1:2222:22", IPPROTO_TCP, "127.0.0.1", 2222, 22, NULL},
		{"tcp:65535:1", IPPROTO_TCP, "", 65535, 1, NULL},
		{"sctp:1:2", 0, NULL, 0, 0, "protocol \"sctp\" is not tcp or udp"},
		{"TCP:1:2", 0, NULL, 0, 0, "protocol \"TCP\""},
		{"tcp:0:80", 0, NULL, 0, 0, "host port \"0\" is not a number"},
		{"tcp:80:65536", 0, NULL, 0, 0, "container port \"65536\""},
		{"tcp:-1:80", 0, NULL, 0, 0, "host port \"-1\""},
		{"tcp::80", 0, NULL, 0, 0, "host port \"\""},
		{"tcp:8080", 0, NULL, 0, 0, "expected PROTO:[HOSTADDR:]HOSTPORT:PORT"},
		{"tcp", 0, NULL, 0, 0, "expected"},
		{"", 0, NULL, 0, 0, "expected"},
		{"tcp:1:2:3:4", 0, NULL, 0, 0, "expected"},
		{"tcp:1.2.3:4:5", 0, NULL, 0, 0, "\"1.2.3\" is not an IPv4 address"},
		{"tcp:::1:4:5", 0, NULL, 0, 0, "expected"},
		{"tcp:localhost:4:5", 0, NULL, 0, 0, "\"localhost\" is not an IPv4"},
		{"tcp:1.2.3.4.5.6.7.8.9:4:5", 0, NULL, 0, 0, "is not an IPv4 address"},
		{"tcp:80 :80", 0, NULL, 0, 0, "host port \"80 \""},
	};

	for (size_t i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		struct conf_port p;
		char why[256] = "";
		int r = conf_parse_port(pcases[i].s, &p, why, sizeof(why));

		if (pcases[i].proto)
			CHECK(r == 0 && p.proto == pcases[i].proto &&
				      !strcmp(p.host_addr, pcases[i].addr) &&
				      p.host_port == pcases[i].host_port &&
				      p.port == pcases[i].port,
			      "conf_parse_port(\"%s\") = %d %s", pcases[i].s, r, why);
		else
			CHECK(r == -EINVAL && strstr(why, pcases[i].why) &&
				      strstr(why, pcases[i].s),
			      "conf_parse_port(\"%s\") refused: %s", pcases[i].s, why);
	}
}

static void test_syntax_error(void)
{
	struct sysc_conf *c = NULL;
	const char *p = write_file("syn.conf", "name = \"c1\";\n\ninit = { cmd = [ };\n");
	const char *err;
	int r;

	capture_start();
	r = conf_load(NULL, p, &c);
	err = capture_end();
	_cleanup_free_ char *want = str_printf("%s:3: syntax error", p);
	CHECK(r == -EINVAL && !c && strstr(err, want), "syntax error names line 3 (%s)", flat(err));
	CHECK(count_lines(err) == 1, "syntax error logged once");

	capture_start();
	r = conf_load(NULL, tpath("missing.conf"), &c);
	err = capture_end();
	CHECK(r == -ENOENT && strstr(err, "missing.conf"), "missing file: -ENOENT, logged");

	p = write_file("noname.conf", "hostname = \"x\";\n");
	capture_start();
	r = conf_load(NULL, p, &c);
	err = capture_end();
	CHECK(r == -EINVAL && strstr(err, "name: missing required key"), "name required (%s)",
	      flat(err));
	capture_start();
	r = conf_check_file(p);
	capture_end();
	CHECK(r == 0, "conf_check_file does not require name");

	p = write_file("two.conf", "name = \"c1\";\nfoo = 1;\nrootfs = { backend = 3; };\n");
	capture_start();
	r = conf_load(NULL, p, &c);
	err = capture_end();
	CHECK(r == -EINVAL && count_lines(err) == 2 && strstr(err, ":2: foo: unknown key") &&
		      strstr(err, ":3: rootfs.backend: expected a string, got an integer"),
	      "each error logged once (%s)", flat(err));

	p = write_file("badname.conf", "name = \"../x\";\n");
	capture_start();
	r = conf_load(NULL, p, &c);
	err = capture_end();
	CHECK(r == -EINVAL && strstr(err, ":1: name: invalid name \"../x\""), "bad name (%s)",
	      flat(err));
}

static void test_merge(void)
{
	struct sysc_conf *c = NULL;
	const char *def =
		write_file("default.conf",
			   "cgroup = { memory = { high = \"1G\"; }; cpu = { weight = 50; }; };\n"
			   "init = { cmd = [\"/a\", \"b\"]; stop_timeout = 10; };\n"
			   "mounts = ( { source = \"/x\"; target = \"/x\"; },"
			   " { source = \"/y\"; target = \"/y\"; } );\n"
			   "capabilities = { drop = [\"sys_time\"]; };\n"
			   "console = { ttys = 2; };\n");
	const char *p = write_file("m.conf", "name = \"c1\";\n"
					     "cgroup = { memory = { max = \"2G\"; }; };\n"
					     "init = { cmd = [\"/c\"]; };\n"
					     "mounts = ( { source = \"/z\"; target = \"/z\"; } );\n"
					     "capabilities = { keep = [\"chown\"]; };\n");
	const char *err;
	int r;

	capture_start();
	r = conf_load(def, p, &c);
	err = capture_end();
	CHECK(r == 0 && c, "merged load (%s)", flat(err));
	if (c) {
		CHECK(c->cgroup.memory_max == 2ULL << 30 && c->cgroup.memory_high == 1ULL << 30,
		      "groups merge key by key");
		CHECK(c->cgroup.cpu_weight == 50, "default-only group kept");
		CHECK(strv_length(c->init.cmd) == 1 && !strcmp(c->init.cmd[0], "/c"),
		      "arrays replace");
		CHECK(c->init.stop_timeout == 10 && c->console.ttys == 2, "default scalars used");
		CHECK(c->n_mounts == 1 && !strcmp(c->mounts[0].source, "/z"), "lists replace");
		CHECK(strv_length(c->capabilities.keep) == 1 && !strv_length(c->capabilities.drop),
		      "container keep overrides default drop");
	}
	conf_free(c);
	c = NULL;

	/* Errors name the file the setting came from. */
	def = write_file("default.conf", "# comment\nconsole = { ttys = 100; };\n");
	capture_start();
	r = conf_load(def, p, &c);
	err = capture_end();
	_cleanup_free_ char *want = str_printf("%s:2: console.ttys: value 100 out of range", def);
	CHECK(r == -EINVAL && strstr(err, want), "error in default file names it (%s)", flat(err));

	/* A net.* sysctl in one file, the host's network in the other: the
	 * merged config is refused (each file alone is valid). */
	def = write_file("default.conf", "network = ( { type = \"none\"; } );\n");
	p = write_file("s.conf", "name = \"c1\";\n"
				 "sysctl = ( { key = \"net.ipv4.ip_forward\"; value = 1; } );\n");
	capture_start();
	r = conf_load(def, p, &c);
	err = capture_end();
	CHECK(r == -EINVAL && !c &&
		      strstr(err, "s.conf:2: sysctl[0].key: sysctl "
				  "\"net.ipv4.ip_forward\" would change the host's "
				  "network"),
	      "net.* sysctl over a default host network (%s)", flat(err));
	p = write_file("m.conf", "name = \"c1\";\n");

	/* Missing default file is fine; NULL too. */
	capture_start();
	r = conf_load(tpath("nodefault.conf"), p, &c);
	err = capture_end();
	CHECK(r == 0 && !*err, "missing default file ignored");
	conf_free(c);
}

static void test_help_get_dump(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	const char *err;
	int r;
	const char *def = write_file("default.conf", "console = { ttys = 2; };\n");
	const char *p =
		write_file("g.conf", "name = \"c1\";\n"
				     "cgroup = { memory = { max = \"2G\"; }; };\n"
				     "init = { env = [\"A=1\", \"B=2\"]; };\n"
				     "hooks = { start = (\"/a\", \"/b\"); };\n"
				     "mounts = ( { source = \"/a\"; target = \"/b\"; } );\n");

	CHECK(conf_key_known("cgroup.memory.max") && conf_key_known("network.type") &&
		      !conf_key_known("cgroup.memory.maxx"),
	      "conf_key_known");
	f = open_memstream(&buf, &len);
	r = conf_key_help("console.buffer", f);
	fclose(f);
	CHECK(r == 0 && strstr(buf, "console.buffer (size, default \"128K\")") &&
		      strstr(buf, "console = { buffer = \"1M\"; };"),
	      "help: %s", flat(buf));
	free(buf);
	f = open_memstream(&buf, &len);
	r = conf_key_help("network.mtu", f);
	fclose(f);
	CHECK(r == 0 && strstr(buf, "network = ( { mtu = 1500; } );"), "list help: %s", flat(buf));
	free(buf);
	f = open_memstream(&buf, &len);
	capture_start();
	r = conf_key_help("cgroup.memroy.max", f);
	err = capture_end();
	fclose(f);
	CHECK(r == -ENOENT && strstr(err, "cgroup.memroy.max: unknown key (did you mean "
					  "\"cgroup.memory.max\"?)"),
	      "help did-you-mean (%s)", flat(err));
	free(buf);

	static const struct {
		const char *key, *out;
	} gets[] = {
		{"cgroup.memory.max", "2G\n"},
		{"console.ttys", "2\n"},
		{"console.buffer", "128K\n"},
		{"init.env", "A=1\nB=2\n"},
		{"hostname", "c1\n"},
		{"security.privileged", "false\n"},
		{"cgroup.cpu.weight", ""},
		{"cgroup.memory", "{\n  max = \"2G\";\n}\n"},
		{"hooks.start", "/a\n/b\n"},
		{"hooks.stop", ""},
		{"mounts", "( {\n    source = \"/a\";\n    target = \"/b\";\n  } )\n"},
	};
	for (size_t i = 0; i < sizeof(gets) / sizeof(gets[0]); i++) {
		f = open_memstream(&buf, &len);
		capture_start();
		r = conf_get(def, p, NULL, gets[i].key, f);
		err = capture_end();
		fclose(f);
		CHECK(r == 0 && !strcmp(buf, gets[i].out), "get %s = \"%s\" (%s)", gets[i].key,
		      flat(buf), err);
		free(buf);
	}
	f = open_memstream(&buf, &len);
	capture_start();
	r = conf_get(def, p, NULL, "consol.ttys", f);
	err = capture_end();
	fclose(f);
	CHECK(r == -ENOENT && strstr(err, "did you mean \"console.ttys\""), "get unknown (%s)",
	      flat(err));
	free(buf);

	f = open_memstream(&buf, &len);
	r = conf_dump(def, p, NULL, f);
	fclose(f);
	CHECK(r == 0 && strstr(buf, "name = \"c1\";") && strstr(buf, "ttys = 2;") &&
		      strstr(buf, "max = \"2G\";") && strstr(buf, "halt_signal = \"SIGRTMIN+3\";"),
	      "dump");
	/* The dump itself is a valid config. */
	const char *d = write_file("dump.conf", buf);
	capture_start();
	r = conf_check_file(d);
	err = capture_end();
	CHECK(r == 0, "dump loads back (%s)", flat(err));
	free(buf);
}

/* A name that is no valid host name ('_', a '-' or '.' at the end of a label)
 * gives a default host name that is one: it was the name as it is, which
 * the config's own check refused in the dump (found by fuzz-config). */
static void test_default_hostname(void)
{
	static const struct {
		const char *name, *host;
	} names[] = {
		{"web1", "web1"},
		{"my_box", "my-box"},
		{"a_.-b_c.", "a.b-c"},
		{"x-._y", "x.y"},
		{"a123456789012345678901234567890123456789012345678901234567890123",
		 "a12345678901234567890123456789012345678901234567890123456789012"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		_cleanup_free_ char *body = str_printf("name = \"%s\";\n", names[i].name);
		const char *p = write_file("h.conf", body);
		struct sysc_conf *c = NULL;
		char *buf = NULL;
		size_t len = 0;
		FILE *f;
		int r;

		capture_start();
		r = conf_load(NULL, p, &c);
		capture_end();
		CHECK(r == 0 && c && !strcmp(c->hostname, names[i].host), "name %s: host name %s",
		      names[i].name, c ? c->hostname : "?");
		conf_free(c);
		f = open_memstream(&buf, &len);
		r = conf_dump(NULL, p, NULL, f);
		fclose(f);
		p = write_file("h-dump.conf", buf);
		capture_start();
		r = r == 0 ? conf_check_file(p) : r;
		capture_end();
		CHECK(r == 0, "name %s: the dump loads back", names[i].name);
		free(buf);
	}
}

static int edit_set(struct conf_edit *ed, const char *key, const char *value, const char **err)
{
	int r;

	capture_start();
	r = conf_edit_set(ed, key, value);
	*err = capture_end();
	return r;
}

static void test_edit(void)
{
	struct conf_edit *ed = NULL;
	struct sysc_conf *c = NULL;
	const char *err,
		*p = write_file("e.conf", "name = \"c1\";\ncgroup = { cpu = { weight = 5; }; };\n");
	_cleanup_free_ char *before = NULL;
	size_t len;
	int r;

	CHECK(conf_edit_open(p, &ed) == 0, "edit open");
	if (!ed)
		return;
	CHECK(edit_set(ed, "cgroup.memory.max", "2G", &err) == 0, "set size");
	CHECK(edit_set(ed, "init.cmd", "[\"/bin/sh\", \"-c\", \"x\"]", &err) == 0, "set array");
	CHECK(edit_set(ed, "capabilities.drop", "sys_time, CAP_NET_RAW", &err) == 0,
	      "set comma array");
	CHECK(edit_set(ed, "autostart.enabled", "true", &err) == 0, "set bool");
	CHECK(edit_set(ed, "autostart.order", "-3", &err) == 0, "set int");
	CHECK(edit_set(ed, "init.halt_signal", "SIGRTMIN+4", &err) == 0, "set signal");
	CHECK(edit_set(ed, "hostname", "\"quoted.host\"", &err) == 0, "set quoted string");
	CHECK(edit_set(ed, "cgroup.pids.max", "100", &err) == 0, "set count");
	CHECK(edit_set(ed, "mounts", "( { source = \"/a\"; target = \"/b\"; } )", &err) == 0,
	      "set list (%s)", flat(err));
	CHECK(edit_set(ed, "cgroup.memory.max", "12XB", &err) == -EINVAL &&
		      strstr(err, "cgroup.memory.max: invalid size \"12XB\""),
	      "set invalid size (%s)", flat(err));
	CHECK(edit_set(ed, "cgroup.memory.mx", "1G", &err) == -ENOENT &&
		      strstr(err, "did you mean \"cgroup.memory.max\""),
	      "set unknown key (%s)", flat(err));
	CHECK(edit_set(ed, "autostart.enabled", "maybe", &err) == -EINVAL &&
		      strstr(err, "invalid boolean"),
	      "set bad bool");
	CHECK(edit_set(ed, "console.ttys", "many", &err) == -EINVAL &&
		      strstr(err, "invalid integer"),
	      "set bad int");
	CHECK(edit_set(ed, "network.type", "veth", &err) == -EINVAL &&
		      strstr(err, "part of the list \"network\""),
	      "list member not settable alone");
	CHECK(edit_set(ed, "mounts", "( { source = \"/a\" } ", &err) == -EINVAL &&
		      strstr(err, "mounts: syntax error"),
	      "set list syntax error (%s)", flat(err));
	CHECK(edit_set(ed, "mounts", "( { target = \"b\"; } )", &err) == -EINVAL &&
		      strstr(err, "mounts[0].target: \"b\" is not an absolute path"),
	      "set invalid list (%s)", flat(err));
	capture_start();
	r = conf_edit_unset(ed, "cgroup.cpu.weight");
	capture_end();
	CHECK(r == 0, "unset");
	capture_start();
	r = conf_edit_write(ed, NULL, p);
	err = capture_end();
	CHECK(r == 0, "write (%s)", flat(err));
	conf_edit_free(ed);
	ed = NULL;

	capture_start();
	r = conf_load(NULL, p, &c);
	err = capture_end();
	CHECK(r == 0 && c, "edited file loads (%s)", flat(err));
	if (c) {
		CHECK(c->cgroup.memory_max == 2ULL << 30, "round-trip size");
		CHECK(strv_length(c->init.cmd) == 3, "round-trip array");
		CHECK(strv_length(c->capabilities.drop) == 2 &&
			      !strcmp(c->capabilities.drop[1], "net_raw"),
		      "round-trip comma array");
		CHECK(c->autostart.enabled && c->autostart.order == -3, "round-trip bool/int");
		CHECK(c->init.halt_signal == SIGRTMIN + 4, "round-trip signal");
		CHECK_STREQ(c->hostname, "quoted.host", "round-trip string");
		CHECK(c->cgroup.pids_max == 100, "round-trip count");
		CHECK(c->n_mounts == 1 && !strcmp(c->mounts[0].target, "/b"), "round-trip list");
		CHECK(c->cgroup.cpu_weight == CONF_UNSET, "unset took effect");
	}
	conf_free(c);
	c = NULL;

	/* Empty groups go away after unset; unknown keys. */
	CHECK(conf_edit_open(p, &ed) == 0, "reopen");
	capture_start();
	r = conf_edit_unset(ed, "cgroup.memory.max");
	r |= conf_edit_unset(ed, "cgroup.pids.max");
	r |= conf_edit_unset(ed, "console.ttys");
	err = capture_end();
	CHECK(r == 0, "unset several (%s)", flat(err));
	capture_start();
	r = conf_edit_unset(ed, "cgroup.memory.maxx");
	err = capture_end();
	CHECK(r == -ENOENT && strstr(err, "did you mean"), "unset unknown");
	/* A write that fails validation writes nothing. */
	CHECK(edit_set(ed, "capabilities.keep", "chown", &err) == 0, "set keep");
	fileio_read_at(AT_FDCWD, p, &before, &len);
	capture_start();
	r = conf_edit_write(ed, NULL, p);
	err = capture_end();
	CHECK(r == -EINVAL && strstr(err, "capabilities.keep: \"drop\" and \"keep\" are mutually "
					  "exclusive"),
	      "invalid merged result refused (%s)", flat(err));
	_cleanup_free_ char *after = NULL;
	fileio_read_at(AT_FDCWD, p, &after, &len);
	CHECK(before && after && !strcmp(before, after), "nothing written");
	capture_start();
	r = conf_edit_unset(ed, "capabilities.keep");
	r |= conf_edit_write(ed, NULL, p);
	capture_end();
	CHECK(r == 0, "write after unset");
	conf_edit_free(ed);
	_cleanup_free_ char *final = NULL;
	fileio_read_at(AT_FDCWD, p, &final, &len);
	CHECK(final && !strstr(final, "cgroup") && !strstr(final, "console"),
	      "empty groups removed: %s", flat(final ? final : ""));

	/* Merging a file into an edit: groups merge, the rest replaces. */
	CHECK(conf_edit_open(NULL, &ed) == 0, "open empty for merge");
	CHECK(edit_set(ed, "cgroup.memory.max", "1G", &err) == 0, "set before merge");
	CHECK(edit_set(ed, "init.cmd", "/a,b", &err) == 0, "set array before merge");
	p = write_file("user.conf", "cgroup = { memory = { high = \"1G\"; }; };\n"
				    "init = { cmd = [\"/c\"]; };\nname = \"u\";\n");
	capture_start();
	r = conf_edit_merge_file(ed, p);
	err = capture_end();
	CHECK(r == 0, "merge file (%s)", flat(err));
	capture_start();
	r = conf_edit_write(ed, NULL, tpath("merged.conf"));
	capture_end();
	CHECK(r == 0 && conf_load(NULL, tpath("merged.conf"), &c) == 0 && c &&
		      c->cgroup.memory_max == 1ULL << 30 && c->cgroup.memory_high == 1ULL << 30 &&
		      strv_length(c->init.cmd) == 1,
	      "merged edit written and loads");
	conf_free(c);
	c = NULL;
	p = write_file("user.conf", "\ncgroup = { memory = { hihg = \"1G\"; }; };\n");
	capture_start();
	r = conf_edit_merge_file(ed, p);
	err = capture_end();
	_cleanup_free_ char *want_merge = str_printf("%s:2: cgroup.memory.hihg: unknown key", p);
	CHECK(r == -EINVAL && strstr(err, want_merge), "merge of a bad file (%s)", flat(err));
	capture_start();
	r = conf_edit_merge_file(ed, tpath("nouser.conf"));
	err = capture_end();
	CHECK(r == -ENOENT && strstr(err, "nouser.conf: no such file"), "merge missing file");
	conf_edit_free(ed);

	/* New file from scratch needs a name. */
	CHECK(conf_edit_open(NULL, &ed) == 0, "open empty");
	CHECK(edit_set(ed, "rootfs.backend", "btrfs", &err) == 0, "set in empty");
	capture_start();
	r = conf_edit_write(ed, NULL, tpath("new.conf"));
	err = capture_end();
	CHECK(r == -EINVAL && strstr(err, "name: missing required key") &&
		      access(tpath("new.conf"), F_OK) < 0,
	      "no name: refused (%s)", flat(err));
	CHECK(edit_set(ed, "name", "new", &err) == 0, "set name");
	capture_start();
	r = conf_edit_write(ed, NULL, tpath("new.conf"));
	capture_end();
	CHECK(r == 0 && access(tpath("new.conf"), F_OK) == 0, "new file written");
	conf_edit_free(ed);
}

static void test_global(void)
{
	struct sysc_global *g = NULL;
	const char *err, *p;
	int r;

	capture_start();
	r = conf_global_load(tpath("none.conf"), &g);
	capture_end();
	CHECK(r == 0 && g && !strcmp(g->path, "/var/lib/sysc") &&
		      !strcmp(g->cache_dir, "/var/cache/sysc") &&
		      !strcmp(g->run_dir, "/run/sysc") && !strcmp(g->default_backend, "best") &&
		      !g->lvm_vg && !strcmp(g->bridge, "sysc0") && strv_length(g->networks) == 0,
	      "global defaults");
	conf_global_free(g);
	g = NULL;
	p = write_file("sysc.conf", "path = \"/srv/sysc\";\nlvm = { vg = \"vg0\"; thinpool = "
				    "\"tp\"; };\nbridge = \"br0\";\ndefault_backend = \"lvm\";\n");
	r = conf_global_load(p, &g);
	CHECK(r == 0 && g && !strcmp(g->path, "/srv/sysc") && !strcmp(g->lvm_vg, "vg0") &&
		      !strcmp(g->lvm_thinpool, "tp") && !strcmp(g->bridge, "br0") &&
		      !strcmp(g->default_backend, "lvm"),
	      "global values");
	conf_global_free(g);
	g = NULL;
	p = write_file("sysc.conf", "path = \"relative\";\nlvm = { vgg = \"x\"; };\n");
	capture_start();
	r = conf_global_load(p, &g);
	err = capture_end();
	CHECK(r == -EINVAL && !g && strstr(err, ":1: path: \"relative\" is not an absolute path") &&
		      strstr(err, ":2: lvm.vgg: unknown key (did you mean \"lvm.vg\"?)"),
	      "global errors (%s)", flat(err));
	p = write_file("sysc.conf", "networks = [ \"br0 ipv4=10.1.2.1/24 ipv6=none nat isolated "
				    "domain=lab\", \"br1 ipv4=none ipv6=fd00::1/64 no-nat\" ];\n");
	r = conf_global_load(p, &g);
	CHECK(r == 0 && g && strv_length(g->networks) == 2, "network records");
	conf_global_free(g);
	g = NULL;
	p = write_file("sysc.conf", "networks = [ \"br0 ipv4=10.1.2.300/24\", \"br1 nat fast\", "
				    "\"br2 domain=A_B\" ];\n");
	capture_start();
	r = conf_global_load(p, &g);
	err = capture_end();
	CHECK(r == -EINVAL && !g && strstr(err, "invalid item \"ipv4=10.1.2.300/24\"") &&
		      strstr(err, "invalid item \"fast\"") &&
		      strstr(err, "invalid item \"domain=A_B\""),
	      "bad network records (%s)", flat(err));
}

static void test_shipped_files(void)
{
	const char *top = getenv("top_srcdir");
	_cleanup_free_ char *def = str_printf("%s/config/default.conf", top ? top : ".");
	_cleanup_free_ char *glob = str_printf("%s/config/sysc.conf", top ? top : ".");
	struct sysc_global *g = NULL;
	struct sysc_conf *c = NULL;
	const char *err;
	int r;

	if (access(def, R_OK) < 0) {
		CHECK(1, "# SKIP config/default.conf not found");
		return;
	}
	capture_start();
	r = conf_check_file(def);
	err = capture_end();
	CHECK(r == 0, "shipped default.conf is valid (%s)", flat(err));
	capture_start();
	r = conf_load(def, write_file("s.conf", "name = \"s\";\n"), &c);
	err = capture_end();
	CHECK(r == 0 && c && c->console.ttys == 0 && c->init.stop_timeout == 30,
	      "container over shipped default.conf (%s)", flat(err));
	conf_free(c);
	capture_start();
	r = conf_global_load(glob, &g);
	err = capture_end();
	CHECK(r == 0 && g, "shipped sysc.conf is valid (%s)", flat(err));
	conf_global_free(g);
}

/* The text of a config from an archive. */
static void test_foreign_text(void)
{
	static const char ok[] = "name = \"c1\";\n# include nothing\n";
	static const char inc[] = "name = \"c1\";\n\n  @include \"/dev/stdin\"\n";
	static const char inc2[] = "hooks = { start = [\"/x\"]; }; @INCLUDE \"/etc/passwd\"\n";
	static const char nul[] = "name = \"c1\";\0@include \"/x\"\n";
	const char *err;
	int r;

	capture_start();
	r = conf_check_foreign_text("a: config", ok, strlen(ok));
	err = capture_end();
	CHECK(r == 0 && !*err, "a plain config passes (%s)", flat(err));
	capture_start();
	r = conf_check_foreign_text("a: config", inc, strlen(inc));
	err = capture_end();
	CHECK(r == -EPERM && strstr(err, "a: config:3: @include is refused in a config from an "
					 "archive"),
	      "@include refused (%s)", flat(err));
	capture_start();
	r = conf_check_foreign_text("a: config", inc2, strlen(inc2));
	err = capture_end();
	CHECK(r == -EPERM && strstr(err, "a: config:1: @include"), "anywhere, any case (%s)",
	      flat(err));
	capture_start();
	r = conf_check_foreign_text("a: config", nul, sizeof(nul) - 1);
	err = capture_end();
	CHECK(r == -EINVAL && strstr(err, "a: config: the config contains a NUL byte"),
	      "a NUL byte refused (%s)", flat(err));
}

/* A container's facts file merged over its config: facts win, and a
 * facts file holding a setting of the user's is refused, naming it. */
static void test_facts(void)
{
	const char *cfg = write_file("fc.conf", "name = \"c1\";\n"
						"uuid = \"0b6f9d2e-4a7c-4c1e-9a55-2f5e3c1d8b70\";\n"
						"rootfs = { backend = \"dir\"; };\n");
	const char *facts = write_file("facts", "# by sysc\n"
						"uuid = \"11111111-4a7c-4c1e-9a55-2f5e3c1d8b70\";\n"
						"rootfs = { shifted = \"b:0:100000:65536\"; };\n"
						"idmap = ( { container = 0; host = 100000; count = "
						"65536; } );\n");
	const char *bad = write_file("badfacts", "rootfs = { backend = \"btrfs\"; };\n"
						 "hostname = \"x\";\n");
	struct sysc_conf *c = NULL;
	const char *err;
	int r;

	r = conf_load_facts(NULL, cfg, facts, &c);
	CHECK(r == 0 && c && strcmp(c->uuid, "11111111-4a7c-4c1e-9a55-2f5e3c1d8b70") == 0 &&
		      strcmp(c->rootfs.shifted, "b:0:100000:65536") == 0 &&
		      strcmp(c->rootfs.backend, "dir") == 0 && c->n_idmap == 1,
	      "facts: merged over the config, a fact in both from facts");
	conf_free(c);
	c = NULL;
	r = conf_load_facts(NULL, cfg, tpath("missing-facts"), &c);
	CHECK(r == 0 && c && strcmp(c->uuid, "0b6f9d2e-4a7c-4c1e-9a55-2f5e3c1d8b70") == 0,
	      "facts: a missing facts file, the config's own (old-style) facts");
	conf_free(c);
	c = NULL;
	capture_start();
	r = conf_load_facts(NULL, cfg, bad, &c);
	err = capture_end();
	CHECK(r == -EINVAL && strstr(err, "badfacts:1: rootfs.backend: not a fact sysc records") &&
		      strstr(err, "badfacts:2: hostname: not a fact"),
	      "facts: settings of the user's refused in facts (%s)", err);
	conf_free(c);
	CHECK(conf_key_is_fact("uuid") && conf_key_is_fact("idmap.host") &&
		      conf_key_is_fact("rootfs.shifted") && !conf_key_is_fact("rootfs") &&
		      !conf_key_is_fact("rootfs.backend") && !conf_key_is_fact("uuidx"),
	      "facts: conf_key_is_fact");
}

/* Facts moved out of an old-style config: only their lines change, in the
 * config and in the facts file; a fact the facts file holds already wins. */
static void test_move_facts(void)
{
	const char *cfg =
		write_file("old.conf", "# mine\n"
				       "name = \"c1\"; # the name\n"
				       "uuid = \"0b6f9d2e-4a7c-4c1e-9a55-2f5e3c1d8b70\";\n"
				       "rootfs = {\n"
				       "    backend = \"dir\"; // where\n"
				       "    shifted = \"b:0:100000:65536\";\n"
				       "};\n"
				       "idmap = ( { container = 0; host = 100000; count = "
				       "65536; } );\n"
				       "# end\n");
	const char *facts =
		write_file("mfacts", "# by sysc\n"
				     "uuid = \"11111111-4a7c-4c1e-9a55-2f5e3c1d8b70\";\n");
	struct conf_edit *ed = NULL, *fe = NULL;
	_cleanup_free_ char *a = NULL, *b = NULL;
	size_t la, lb;
	int r, n = -1;

	r = conf_edit_open(cfg, &ed);
	if (r == 0)
		r = conf_facts_open(facts, &fe);
	if (r == 0)
		r = n = conf_edit_move_facts(ed, fe);
	if (r >= 0)
		r = conf_edit_write(ed, NULL, cfg);
	if (r == 0)
		r = conf_facts_write(fe, facts);
	conf_edit_free(ed);
	conf_edit_free(fe);
	CHECK(r == 0 && n == 3, "move facts: %d moved (r %d)", n, r);
	fileio_read_at(AT_FDCWD, cfg, &a, &la);
	fileio_read_at(AT_FDCWD, facts, &b, &lb);
	CHECK(a && strcmp(a, "# mine\nname = \"c1\"; # the name\nrootfs = {\n"
			     "    backend = \"dir\"; // where\n};\n# end\n") == 0,
	      "move facts: the config keeps all but the facts: %s", a ? a : "(null)");
	CHECK(b && strncmp(b, "# by sysc\nuuid = \"11111111-", 27) == 0 &&
		      strstr(b, "shifted = \"b:0:100000:65536\";") &&
		      strstr(b, "idmap = ( { container = 0; host = 100000; count = 65536; } );"),
	      "move facts: the facts file gets them, its uuid kept: %s", b ? b : "(null)");
}

int main(void)
{
	log_set_program("test-config");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 99;
	}
	test_sizes_signals();
	test_ports();
	test_key_cases();
	test_defaults();
	test_values();
	test_syntax_error();
	test_merge();
	test_foreign_text();
	test_help_get_dump();
	test_default_hostname();
	test_edit();
	test_facts();
	test_move_facts();
	test_global();
	test_shipped_files();
	fileio_rm_rf_at(AT_FDCWD, tmpdir);
	return tap_done();
}

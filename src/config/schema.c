/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The schema: one table of every key of the container config and one of the
 * global config, with type, validator, default, storage and documentation. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "config/cross-checks.h"
#include "config/schema.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define SC(f)	  .off = offsetof(struct sysc_conf, f)
#define NET(f)	  .off = offsetof(struct conf_net, f)
#define MNT(f)	  .off = offsetof(struct conf_mount, f)
#define IDM(f)	  .off = offsetof(struct conf_idmap, f)
#define SYSCTL(f) .off = offsetof(struct conf_sysctl, f)
#define GL(f)	  .off = offsetof(struct sysc_global, f)
#define GROUP(p, d)                                                                                \
	{                                                                                          \
		.path = p, .type = CT_GROUP, .doc = d                                              \
	}
#define LIST(p, f, nf, T, chk, d)                                                                  \
	{                                                                                          \
		.path = p, .type = CT_LIST, .store = ST_LIST, SC(f), .check_list = chk,            \
		.off_n = offsetof(struct sysc_conf, nf), .item_size = sizeof(T), .doc = d          \
	}
#define HOOK(p, f, d)                                                                              \
	{                                                                                          \
		.path = "hooks." p, .type = CT_STRV, .check = conf_check_abspath, .def = "[]",     \
		.store = ST_STRV, SC(hooks.f),                                                     \
		.example = "[\"/usr/local/sbin/my-hook --verbose\"]",                              \
		.doc = "Programs run " d ". They run in order; each entry is an absolute path "    \
		       "and optional arguments separated by blanks. They get SYSC_NAME, "          \
		       "SYSC_HOOK, "                                                               \
		       "SYSC_PATH, SYSC_CONFIG and SYSC_ROOTFS in a clean environment; their "     \
		       "output goes to the container's monitor.log. See sysc-hooks(7)."            \
	}
#define LIMIT(n)                                                                                   \
	{                                                                                          \
		.path = "limits." n, .type = CT_LIMIT, .store = ST_LIMIT,                          \
		.example = "\"1024:4096\"",                                                        \
		.doc = "RLIMIT_" n " of init: a number, a size, \"unlimited\", or \"SOFT:HARD\"; " \
		       "unset: as sysc-start has it."                                              \
	}

static const char *const backends[] = {"dir", "btrfs", "overlay", "lvm", NULL};
static const char *const fstypes[] = {"ext4", "xfs", NULL};
static const char *const net_types[] = {"veth", "macvlan", "phys", "empty", "none", NULL};
static const char *const macvlan_modes[] = {"bridge", "private", "vepa", "passthru", NULL};
static const char *const idmap_types[] = {"uid", "gid", "both", NULL};
static const char *const global_backends[] = {"best", "dir", "btrfs", "overlay", "lvm", NULL};
static const char *const views_modes[] = {"auto", "lxcfs", "off", NULL};
static const char *const pinning_modes[] = {"auto", "off", NULL};

static const struct conf_key container_keys[] = {
	{.path = "name",
	 .type = CT_STRING,
	 .check = conf_check_name,
	 .store = ST_STR,
	 SC(name),
	 .example = "\"web1\"",
	 .doc = "Container name (required): letters, digits, '_', '.', '-', starting with a "
		"letter or digit, at most 64 characters; must match the container directory."},
	{.path = "hostname",
	 .type = CT_STRING,
	 .check = conf_check_hostname,
	 .store = ST_STR,
	 SC(hostname),
	 .example = "\"web1.example.org\"",
	 .doc = "Host name inside the container; defaults to the container name, made a valid "
		"host name where it is not one ('_' as '-'; a label's leading or trailing '-' "
		"and empty labels left out)."},
	{.path = "uuid",
	 .type = CT_STRING,
	 .check = conf_check_uuid,
	 .store = ST_STR,
	 SC(uuid),
	 .example = "\"0b6f9d2e-4a7c-4c1e-9a55-2f5e3c1d8b70\"",
	 .doc = "Container UUID, a fact sysc records (in NAME/facts): written by sysc-create, "
		"sysc-copy and sysc-import (a new one each time); "
		"init gets it as $container_uuid (empty when unset)."},
	{.path = "template",
	 .type = CT_STRING,
	 .store = ST_STR,
	 SC(template),
	 .example = "\"debian\"",
	 .doc = "Template the container was created from, written by sysc-create (informational; "
		"unset: none recorded)."},

	GROUP("rootfs", "Root file system storage."),
	{.path = "rootfs.backend",
	 .type = CT_STRING,
	 .choices = backends,
	 .def = "\"dir\"",
	 .store = ST_STR,
	 SC(rootfs.backend),
	 .example = "\"btrfs\"",
	 .doc = "Storage backend: dir, btrfs, overlay or lvm."},
	{.path = "rootfs.size",
	 .type = CT_SIZE,
	 .def = "0",
	 .store = ST_U64,
	 SC(rootfs.size),
	 .example = "\"10G\"",
	 .doc = "Size of the root file system (lvm; btrfs: a qgroup limit, applied only "
		"if quotas are enabled on the filesystem); 0 means the default."},
	{.path = "rootfs.fstype",
	 .type = CT_STRING,
	 .choices = fstypes,
	 .def = "\"ext4\"",
	 .store = ST_STR,
	 SC(rootfs.fstype),
	 .example = "\"xfs\"",
	 .doc = "File system created on an lvm volume: ext4 or xfs."},
	{.path = "rootfs.shifted",
	 .type = CT_STRING,
	 .check = conf_check_shifted,
	 .def = "\"\"",
	 .store = ST_STR,
	 SC(rootfs.shifted),
	 .example = "\"b:0:1000000:65536\"",
	 .doc = "A fact sysc records (in NAME/facts), not a setting: the id mapping the owners of "
		"the "
		"rootfs are shifted to on disk (KIND:CONTAINER:HOST:COUNT, comma separated; "
		"\"\" = not shifted). An unprivileged container whose store cannot be idmapped "
		"(9p, NFS, FUSE) has its owners rewritten once at its first start and recorded "
		"here; a later start with another idmap, or privileged, shifts them again."},

	GROUP("init", "The container's init process."),
	{.path = "init.cmd",
	 .type = CT_STRV,
	 .check_all = conf_check_cmd,
	 .flags = CK_NONEMPTY,
	 .def = "[\"/sbin/init\"]",
	 .store = ST_STRV,
	 SC(init.cmd),
	 .example = "[\"/lib/systemd/systemd\", \"--log-level=info\"]",
	 .doc = "Command line of init; the first element is an absolute path."},
	{.path = "init.halt_signal",
	 .type = CT_SIGNAL,
	 .def = "\"SIGRTMIN+3\"",
	 .store = ST_INT,
	 SC(init.halt_signal),
	 .example = "\"SIGPWR\"",
	 .doc = "Signal sent to init to shut down: a name (with or without SIG), SIGRTMIN+N, "
		"SIGRTMAX-N or a number."},
	{.path = "init.reboot_signal",
	 .type = CT_SIGNAL,
	 .def = "\"SIGINT\"",
	 .store = ST_INT,
	 SC(init.reboot_signal),
	 .example = "\"SIGINT\"",
	 .doc = "Signal sent to init to reboot."},
	{.path = "init.stop_timeout",
	 .type = CT_INT,
	 .min = 1,
	 .max = 3600,
	 .def = "30",
	 .store = ST_UINT,
	 SC(init.stop_timeout),
	 .example = "60",
	 .doc = "Seconds to wait for a clean shutdown before killing (1 to 3600)."},
	{.path = "init.reboot_burst",
	 .type = CT_INT,
	 .min = 0,
	 .max = 100,
	 .def = "5",
	 .store = ST_UINT,
	 SC(init.reboot_burst),
	 .example = "10",
	 .doc = "Reboots inside the container allowed within init.reboot_interval seconds (0 to "
		"100; 0: no limit). One more is a reboot loop: the monitor stops the container "
		"instead of booting it again, and sysc-info shows why."},
	{.path = "init.reboot_interval",
	 .type = CT_INT,
	 .min = 1,
	 .max = 3600,
	 .def = "10",
	 .store = ST_UINT,
	 SC(init.reboot_interval),
	 .example = "60",
	 .doc = "The window, in seconds (1 to 3600), in which init.reboot_burst reboots are "
		"counted."},
	{.path = "init.env",
	 .type = CT_STRV,
	 .check = conf_check_env,
	 .def = "[]",
	 .store = ST_STRV,
	 SC(init.env),
	 .example = "[\"container=sysc\", \"LANG=C.UTF-8\"]",
	 .doc = "Extra environment of init, \"VAR=VALUE\" strings."},

	GROUP("cgroup", "Resource control through cgroup v2."),
	GROUP("cgroup.memory", "Memory controller."),
	{.path = "cgroup.memory.max",
	 .type = CT_SIZE,
	 .flags = CK_MAX,
	 .store = ST_U64,
	 SC(cgroup.memory_max),
	 .example = "\"2G\"",
	 .doc = "memory.max: hard memory limit, a size or \"max\"; unset: not limited."},
	{.path = "cgroup.memory.high",
	 .type = CT_SIZE,
	 .flags = CK_MAX,
	 .store = ST_U64,
	 SC(cgroup.memory_high),
	 .example = "\"1536M\"",
	 .doc = "memory.high: throttling threshold, a size or \"max\"; unset: not throttled."},
	GROUP("cgroup.memory.swap", "Swap limits."),
	{.path = "cgroup.memory.swap.max",
	 .type = CT_SIZE,
	 .flags = CK_MAX,
	 .store = ST_U64,
	 SC(cgroup.memory_swap_max),
	 .example = "\"512M\"",
	 .doc = "memory.swap.max: swap limit, a size or \"max\"; unset: not limited."},
	GROUP("cgroup.cpu", "CPU controller."),
	{.path = "cgroup.cpu.max",
	 .type = CT_STRING,
	 .check = conf_check_cpumax,
	 .store = ST_CPUMAX,
	 .example = "\"200000 100000\"",
	 .doc = "cpu.max: \"QUOTA PERIOD\" in microseconds, \"max\", \"max PERIOD\", or a "
		"percentage of one CPU (\"50%\", \"150%\"); unset: not limited."},
	{.path = "cgroup.cpu.weight",
	 .type = CT_INT,
	 .min = 1,
	 .max = 10000,
	 .store = ST_U64,
	 SC(cgroup.cpu_weight),
	 .example = "200",
	 .doc = "cpu.weight: 1 to 10000 (kernel default 100)."},
	GROUP("cgroup.cpuset", "CPU and memory node pinning."),
	{.path = "cgroup.cpuset.cpus",
	 .type = CT_STRING,
	 .check = conf_check_cpuset,
	 .store = ST_STR,
	 SC(cgroup.cpuset_cpus),
	 .example = "\"0-3,5\"",
	 .doc = "cpuset.cpus: list of CPUs; unset: those of the parent cgroup."},
	{.path = "cgroup.cpuset.mems",
	 .type = CT_STRING,
	 .check = conf_check_cpuset,
	 .store = ST_STR,
	 SC(cgroup.cpuset_mems),
	 .example = "\"0\"",
	 .doc = "cpuset.mems: list of memory nodes; unset: those of the parent cgroup."},
	GROUP("cgroup.pids", "Process number controller."),
	{.path = "cgroup.pids.max",
	 .type = CT_COUNT,
	 .min = 1,
	 .max = 4194304,
	 .store = ST_U64,
	 SC(cgroup.pids_max),
	 .example = "4096",
	 .doc = "pids.max: maximum number of tasks (1 to 4194304, the kernel's limit) or "
		"\"max\"; unset: not limited."},
	GROUP("cgroup.io", "Block I/O controller."),
	{.path = "cgroup.io.max",
	 .type = CT_STRV,
	 .check = conf_check_io_max,
	 .def = "[]",
	 .store = ST_STRV,
	 SC(cgroup.io_max),
	 .example = "[\"/dev/sda rbps=10M wiops=1000\"]",
	 .doc = "io.max lines: \"/dev/DEVICE rbps=N wbps=N riops=N wiops=N\" with at least "
		"one of the four; bps values may be sizes, any value may be \"max\"."},
	{.path = "cgroup.io.weight",
	 .type = CT_STRV,
	 .check = conf_check_io_weight,
	 .def = "[]",
	 .store = ST_STRV,
	 SC(cgroup.io_weight),
	 .example = "[\"default 100\", \"/dev/sda 200\"]",
	 .doc = "io.weight lines: \"default N\" or \"/dev/DEVICE N\", N from 1 to 10000."},

	GROUP("limits", "Resource limits (setrlimit) of init, inherited by all processes."),
	LIMIT("nofile"),
	LIMIT("nproc"),
	LIMIT("memlock"),
	LIMIT("core"),
	LIMIT("stack"),
	LIMIT("as"),
	LIMIT("fsize"),
	LIMIT("data"),
	LIMIT("cpu"),
	LIMIT("locks"),
	LIMIT("msgqueue"),
	LIMIT("nice"),
	LIMIT("rtprio"),
	LIMIT("rttime"),
	LIMIT("sigpending"),

	LIST("sysctl", sysctls, n_sysctls, struct conf_sysctl, NULL,
	     "Sysctls set in the container; only namespaced ones (net.*, kernel.shm*, "
	     "kernel.msg*, kernel.sem, fs.mqueue.*, kernel.hostname, kernel.domainname), and "
	     "net.* only when the container has a network of its own (no entry of type "
	     "\"none\")."),
	{.path = "sysctl.key",
	 .type = CT_STRING,
	 .flags = CK_REQUIRED,
	 .check = conf_check_sysctl_key,
	 .store = ST_STR,
	 SYSCTL(key),
	 .example = "\"net.ipv4.ip_forward\"",
	 .doc = "Sysctl name, dotted (required)."},
	{.path = "sysctl.value",
	 .type = CT_SCALAR,
	 .flags = CK_REQUIRED,
	 .store = ST_STR,
	 SYSCTL(value),
	 .example = "\"1\"",
	 .doc = "Value written (required)."},

	{.path = "oom_score_adj",
	 .type = CT_INT,
	 .min = -1000,
	 .max = 1000,
	 .store = ST_INT,
	 SC(oom_score_adj),
	 .example = "-500",
	 .doc = "OOM score adjustment of init, -1000 to 1000; unset: inherited."},

	GROUP("resources", "What the guest sees of its resources."),
	{.path = "resources.views",
	 .type = CT_STRING,
	 .choices = views_modes,
	 .def = "\"auto\"",
	 .store = ST_STR,
	 SC(resources.views),
	 .example = "\"lxcfs\"",
	 .doc = "Resource views: the container's /proc/meminfo, cpuinfo, stat, uptime, loadavg, "
		"swaps, diskstats, slabinfo and /sys/devices/system/cpu show its own limits and "
		"uptime, from lxcfs (mounted on the host at sysc.conf's lxcfs_dir). \"auto\": "
		"when lxcfs is mounted there; \"lxcfs\": a start fails if it is not; \"off\": "
		"the host's files. Start lxcfs as `lxcfs -l --enable-cfs /var/lib/lxcfs` "
		"(the sysc package's drop-in for lxcfs.service does). On hybrid hosts the "
		"container's v1 cgroup hierarchies are mounted read-only at /run/host/cgroup "
		"whatever this says."},
	{.path = "resources.cpu_pinning",
	 .type = CT_STRING,
	 .choices = pinning_modes,
	 .def = "\"auto\"",
	 .store = ST_STR,
	 SC(resources.cpu_pinning),
	 .example = "\"off\"",
	 .doc = "CPU pinning, so that nproc and sched_getaffinity inside count the CPUs of a "
		"quota. \"auto\": a container with cgroup.cpu.max \"QUOTA PERIOD\" and no "
		"cgroup.cpuset.cpus is pinned (cpuset.cpus) to ceil(QUOTA / PERIOD) CPUs, at most "
		"the host's, at start and on a live `sysc-cgroup NAME cpu.max` change: those "
		"least used by the cpusets of the other running containers (a count over the "
		"cgroups under sysc's cgroup parent). \"off\": all CPUs, as without a quota. An "
		"explicit cgroup.cpuset.cpus always wins."},

	LIST("network", network, n_network, struct conf_net, conf_check_network,
	     "Network interfaces; no entry: a private network namespace with only lo. Type "
	     "\"none\" (the host's network) excludes other "
	     "entries."),
	{.path = "network.type",
	 .type = CT_STRING,
	 .flags = CK_REQUIRED,
	 .choices = net_types,
	 .store = ST_STR,
	 NET(type),
	 .example = "\"veth\"",
	 .doc = "veth, macvlan, phys (move a host interface), empty (loopback only) or none "
		"(share the host's network); required."},
	{.path = "network.link",
	 .type = CT_STRING,
	 .check = conf_check_ifname,
	 .store = ST_STR,
	 NET(link),
	 .example = "\"sysc0\"",
	 .doc = "Bridge (veth), parent (macvlan) or host interface (phys); required for those."},
	{.path = "network.name",
	 .type = CT_STRING,
	 .check = conf_check_ifname,
	 .def = "\"eth0\"",
	 .store = ST_STR,
	 NET(name),
	 .example = "\"eth1\"",
	 .doc = "Interface name inside."},
	{.path = "network.host_name",
	 .type = CT_STRING,
	 .check = conf_check_ifname,
	 .store = ST_STR,
	 NET(host_name),
	 .example = "\"veth-web1\"",
	 .doc = "Name of the host end of a veth pair; default derived from the container."},
	{.path = "network.mode",
	 .type = CT_STRING,
	 .choices = macvlan_modes,
	 .store = ST_STR,
	 NET(mode),
	 .example = "\"bridge\"",
	 .doc = "macvlan only: bridge, private, vepa or passthru; unset: bridge."},
	{.path = "network.hwaddr",
	 .type = CT_STRING,
	 .check = conf_check_hwaddr,
	 .store = ST_STR,
	 NET(hwaddr),
	 .example = "\"02:42:ac:11:00:02\"",
	 .doc = "Unicast MAC address; default derived."},
	{.path = "network.mtu",
	 .type = CT_INT,
	 .min = 68,
	 .max = 65535,
	 .store = ST_U32,
	 NET(mtu),
	 .example = "1500",
	 .doc = "MTU, 68 to 65535; unset: the kernel's default (1500 for veth, the parent's for "
		"macvlan, a phys interface keeps its own)."},
	{.path = "network.ipv4",
	 .type = CT_STRV,
	 .check = conf_check_cidr4,
	 .def = "[]",
	 .store = ST_STRV,
	 NET(ipv4),
	 .example = "[\"10.77.0.5/24\"]",
	 .doc = "IPv4 addresses with prefix length."},
	{.path = "network.ipv6",
	 .type = CT_STRV,
	 .check = conf_check_cidr6,
	 .def = "[]",
	 .store = ST_STRV,
	 NET(ipv6),
	 .example = "[\"fd00::5/64\"]",
	 .doc = "IPv6 addresses with prefix length."},
	{.path = "network.gateway4",
	 .type = CT_STRING,
	 .check = conf_check_ip4,
	 .store = ST_STR,
	 NET(gateway4),
	 .example = "\"10.77.0.1\"",
	 .doc = "IPv4 default gateway."},
	{.path = "network.gateway6",
	 .type = CT_STRING,
	 .check = conf_check_ip6,
	 .store = ST_STR,
	 NET(gateway6),
	 .example = "\"fd00::1\"",
	 .doc = "IPv6 default gateway."},
	{.path = "network.routes",
	 .type = CT_STRV,
	 .check = conf_check_route,
	 .def = "[]",
	 .store = ST_STRV,
	 NET(routes),
	 .example = "[\"192.168.5.0/24 via 10.77.0.254\"]",
	 .doc = "Extra routes, \"DEST[/LEN] via GATEWAY\"."},
	{.path = "network.up",
	 .type = CT_BOOL,
	 .def = "true",
	 .store = ST_BOOL,
	 NET(up),
	 .example = "false",
	 .doc = "Bring the interface up."},
	{.path = "network.create",
	 .type = CT_BOOL,
	 .def = "false",
	 .store = ST_BOOL,
	 NET(create_link),
	 .example = "true",
	 .doc = "Create the bridge named by link if missing."},

	{.path = "ports",
	 .type = CT_STRV,
	 .check = conf_check_port,
	 .def = "[]",
	 .store = ST_STRV,
	 SC(ports),
	 .example = "[\"tcp:8080:80\", \"udp:5353:53\", \"tcp:127.0.0.1:2222:22\"]",
	 .doc = "Port forwards from the host to the container's first IPv4 address (on a "
		"veth interface): \"PROTO:[HOSTADDR:]HOSTPORT:PORT\", PROTO tcp or udp; without "
		"HOSTADDR every address of the host, 127.0.0.1 included. Set at start, removed at "
		"stop (nftables table inet sysc); a host port that another running container "
		"forwards or a program of the host listens on refuses the start, and so does a "
		"HOSTADDR the host does not have."},
	GROUP("capabilities", "Capability bounding set. drop and keep are mutually exclusive; "
			      "one set in the container file overrides the other from the "
			      "default file."),
	{.path = "capabilities.drop",
	 .type = CT_STRV,
	 .check = conf_check_cap,
	 .def = "[\"sys_module\", \"sys_rawio\", \"sys_time\", \"mac_admin\", \"mac_override\", "
		"\"syslog\", \"wake_alarm\", \"block_suspend\", \"audit_control\", "
		"\"audit_read\", \"audit_write\"]",
	 .store = ST_STRV,
	 SC(capabilities.drop),
	 .example = "[\"sys_module\", \"sys_rawio\", \"sys_time\", \"net_raw\"]",
	 .doc = "Capabilities removed from the bounding, effective, permitted, inheritable and "
		"ambient sets of init and of every attached process (names with or without "
		"cap_, any case). A list replaces the default one, so repeat its names to add "
		"to it. CAP_SYS_ADMIN and CAP_MKNOD stay by default: systemd needs them, and "
		"devices are limited by the device policy."},
	{.path = "capabilities.keep",
	 .type = CT_STRV,
	 .check = conf_check_cap,
	 .def = "[]",
	 .store = ST_STRV,
	 SC(capabilities.keep),
	 .example = "[\"chown\", \"net_bind_service\"]",
	 .doc = "Only these capabilities are kept (replaces the drop list; names must be "
		"known to the running kernel)."},

	GROUP("seccomp", "System call filter."),
	{.path = "seccomp.profile",
	 .type = CT_STRING,
	 .check = conf_check_seccomp_profile,
	 .def = "\"default\"",
	 .store = ST_STR,
	 SC(seccomp.profile),
	 .example = "\"/etc/sysc/seccomp/strict\"",
	 .doc = "\"default\" (the built-in copy of /etc/sysc/default.seccomp: allow all but "
		"kexec, module loading, open_by_handle_at, bpf, perf_event_open, swapon/off, "
		"iopl/ioperm, acct, umount2 MNT_FORCE (EPERM) and NETLINK_AUDIT sockets "
		"(EAFNOSUPPORT), on every ABI of the host), \"none\", or the absolute path of a "
		"profile: lines \"default ACTION\", \"arch ARCH...\" and \"ACTION SYSCALL... "
		"[argN==V ...]\" with ACTION allow, deny, errno NAME, kill, trap or log (see "
		"doc/security.md). A mistake in the profile fails the start with FILE:LINE."},
	{.path = "seccomp.allow_bpf",
	 .type = CT_BOOL,
	 .def = "false",
	 .store = ST_BOOL,
	 SC(seccomp.allow_bpf),
	 .example = "true",
	 .doc = "Allow the bpf() system call."},

	GROUP("devices", "Device access."),
	{.path = "devices.allow",
	 .type = CT_STRV,
	 .check = conf_check_dev_allow,
	 .def = "[]",
	 .store = ST_STRV,
	 SC(devices.allow),
	 .example = "[\"c 10:200 rwm\"]",
	 .doc = "Extra device rules \"c|b|a MAJOR|*:MINOR|* [rwm]\" on top of the fixed base "
		"(null, zero, full, random, urandom, tty, console, ptmx, pts/N); every other "
		"device can be neither made (mknod) nor opened, even with CAP_MKNOD. Enforced "
		"by the v1 devices controller (hybrid hosts) and a BPF device program on the "
		"v2 cgroup."},
	{.path = "devices.create",
	 .type = CT_STRV,
	 .check = conf_check_dev_create,
	 .def = "[]",
	 .store = ST_STRV,
	 SC(devices.create),
	 .example = "[\"/dev/net/tun c 10:200 0666\"]",
	 .doc = "Device nodes created in the container's /dev at every start, \"/dev/PATH "
		"c|b MAJOR:MINOR MODE\"; each is also allowed (rwm) by the device policy."},

	LIST("mounts", mounts, n_mounts, struct conf_mount, conf_check_mounts,
	     "Extra mounts, in order, after the root file system."),
	{.path = "mounts.source",
	 .type = CT_STRING,
	 .store = ST_STR,
	 MNT(source),
	 .example = "\"/home/me/src\"",
	 .doc = "What to mount; required unless the type is a pseudo file system (tmpfs, proc, "
		"sysfs ...); absolute for bind mounts."},
	{.path = "mounts.target",
	 .type = CT_STRING,
	 .flags = CK_REQUIRED,
	 .check = conf_check_mount_target,
	 .store = ST_STR,
	 MNT(target),
	 .example = "\"/src\"",
	 .doc = "Mount point inside the container, absolute, without \"..\" components, not "
		"\"/\" itself (required)."},
	{.path = "mounts.type",
	 .type = CT_STRING,
	 .check = conf_check_fstype,
	 .def = "\"none\"",
	 .store = ST_STR,
	 MNT(type),
	 .example = "\"tmpfs\"",
	 .doc = "File system type; \"none\" is a bind mount."},
	{.path = "mounts.options",
	 .type = CT_STRING,
	 .def = "\"\"",
	 .store = ST_STR,
	 MNT(options),
	 .example = "\"bind,ro\"",
	 .doc = "Comma-separated mount options."},

	GROUP("hooks", "Programs run at lifecycle events."),
	HOOK("pre_start", pre_start,
	     "on the host at sysc-start (and at each reboot inside) before the cgroups and "
	     "namespaces are made; a failure aborts the start"),
	HOOK("pre_mount", pre_mount,
	     "in the container's new mount namespace (nothing propagates to the host) when the "
	     "rootfs is ready at $SYSC_ROOTFS_MOUNT and nothing is mounted on it yet; a failure "
	     "aborts the start"),
	HOOK("mount", mount,
	     "in the container's mount namespace when /proc, /sys, /dev, /run and the config's "
	     "mounts are in place under $SYSC_ROOTFS_MOUNT, just before pivot_root; no container "
	     "process runs yet; a failure aborts the start"),
	HOOK("start", start,
	     "inside the container (the path is in the container's root) just before init is "
	     "executed, with all of its namespaces but before the capability and seccomp policy; "
	     "a failure aborts the start"),
	HOOK("stop", stop,
	     "on the host when init has exited (poweroff, sysc-stop, reboot) while its namespaces "
	     "still exist: SYSC_TARGET is \"stop\" or \"reboot\", and SYSC_NS_MNT, _PID, _NET, "
	     "_UTS, _IPC, _CGROUP name them (nsenter --net=$SYSC_NS_NET); a failure is reported "
	     "by sysc-stop but does not stop the teardown"),
	HOOK("post_stop", post_stop,
	     "on the host after everything of a run is torn down (cgroups, network, runtime "
	     "directory), with SYSC_TARGET"),
	HOOK("create", create,
	     "on the host by sysc-create when the rootfs and config are complete, before the "
	     "container appears in the store (SYSC_ROOTFS is in the hidden work entry); a failure "
	     "rolls the create back. Only a config given with -f can set them"),
	HOOK("clone", clone,
	     "on the host by sysc-copy when the copy is complete, before it appears in the store, "
	     "with SYSC_SOURCE (the source container) and the new container's SYSC_NAME; a "
	     "failure rolls the copy back"),
	HOOK("destroy", destroy,
	     "on the host by sysc-destroy before anything is removed; a failure aborts the "
	     "destroy (with -f it is reported and the destroy goes on)"),
	{.path = "hooks.timeout",
	 .type = CT_INT,
	 .min = 1,
	 .max = 3600,
	 .def = "30",
	 .store = ST_UINT,
	 SC(hooks.timeout),
	 .example = "120",
	 .doc = "Seconds each hook may run (1 to 3600); then its whole process group is killed "
		"and the hook has failed."},

	GROUP("console", "Consoles."),
	{.path = "console.ttys",
	 .type = CT_INT,
	 .min = 0,
	 .max = 64,
	 .def = "0",
	 .store = ST_UINT,
	 SC(console.ttys),
	 .example = "6",
	 .doc = "Number of ttys besides the console (0 to 64), for sysc-console -t N; systemd "
		"starts a getty on each (about 0.14 MiB of memory per tty)."},
	{.path = "console.buffer",
	 .type = CT_SIZE,
	 .min = 4096,
	 .max = 16 << 20,
	 .def = "\"128K\"",
	 .store = ST_U64,
	 SC(console.buffer),
	 .example = "\"1M\"",
	 .doc = "Console ring buffer size (4K to 16M)."},
	{.path = "console.log_size",
	 .type = CT_SIZE,
	 .min = 64 << 10,
	 .max = 1 << 30,
	 .def = "\"1M\"",
	 .store = ST_U64,
	 SC(console.log_size),
	 .example = "\"10M\"",
	 .doc = "Console log rotation size (64K to 1G)."},

	GROUP("monitor", "The container's monitor, its supervisor on the host."),
	{.path = "monitor.log_size",
	 .type = CT_SIZE,
	 .min = 16 << 10,
	 .max = 1 << 30,
	 .def = "\"1M\"",
	 .store = ST_U64,
	 SC(monitor.log_size),
	 .example = "\"10M\"",
	 .doc = "Rotation size of the container's monitor.log (16K to 1G): once it reaches "
		"it, it is renamed monitor.log.1 (replacing the older one) and begun "
		"anew."},

	GROUP("autostart", "Start at boot."),
	{.path = "autostart.enabled",
	 .type = CT_BOOL,
	 .def = "false",
	 .store = ST_BOOL,
	 SC(autostart.enabled),
	 .example = "true",
	 .doc = "Start with sysc-autostart (at boot, by sysc-autostart.service)."},
	{.path = "autostart.order",
	 .type = CT_INT,
	 .min = -100000,
	 .max = 100000,
	 .def = "0",
	 .store = ST_INT,
	 SC(autostart.order),
	 .example = "10",
	 .doc = "Start order, lower first (-100000 to 100000)."},
	{.path = "autostart.delay",
	 .type = CT_INT,
	 .min = 0,
	 .max = 3600,
	 .def = "0",
	 .store = ST_UINT,
	 SC(autostart.delay),
	 .example = "5",
	 .doc = "Seconds to wait after starting this container (0 to 3600)."},
	{.path = "autostart.group",
	 .type = CT_STRING,
	 .check = conf_check_group,
	 .def = "\"\"",
	 .store = ST_STR,
	 SC(autostart.group),
	 .example = "\"web\"",
	 .doc = "Group for sysc-autostart -g GROUP (letters, digits, '_', '.', '-'); plain "
		"sysc-autostart starts only containers with no group, -a all of them."},

	LIST("idmap", idmap, n_idmap, struct conf_idmap, conf_check_idmap,
	     "User namespace id mappings of an unprivileged container (security.privileged "
	     "= false); ranges of the same kind must not overlap. Left unset, 65536 ids are "
	     "allocated from root's /etc/subuid and /etc/subgid ranges (else from 1000000) "
	     "and recorded as a fact (in NAME/facts)."),
	{.path = "idmap.type",
	 .type = CT_STRING,
	 .choices = idmap_types,
	 .def = "\"both\"",
	 .store = ST_KIND,
	 IDM(kind),
	 .example = "\"uid\"",
	 .doc = "uid, gid or both."},
	{.path = "idmap.container",
	 .type = CT_INT,
	 .flags = CK_REQUIRED,
	 .min = 0,
	 .max = UINT32_MAX,
	 .store = ST_U32,
	 IDM(container),
	 .example = "0",
	 .doc = "First id inside the container (required; use the L suffix above 2147483647)."},
	{.path = "idmap.host",
	 .type = CT_INT,
	 .flags = CK_REQUIRED,
	 .min = 0,
	 .max = UINT32_MAX,
	 .store = ST_U32,
	 IDM(host),
	 .example = "100000",
	 .doc = "First id on the host (required)."},
	{.path = "idmap.count",
	 .type = CT_INT,
	 .flags = CK_REQUIRED,
	 .min = 1,
	 .max = UINT32_MAX,
	 .store = ST_U32,
	 IDM(count),
	 .example = "65536",
	 .doc = "Number of ids (required, >= 1)."},

	GROUP("security", "Security settings."),
	{.path = "security.privileged",
	 .type = CT_BOOL,
	 .def = "false",
	 .store = ST_BOOL,
	 SC(security.privileged),
	 .example = "true",
	 .doc = "false (the default): a user namespace whose ids map to a host range of the "
		"container's own (idmap, allocated at create and recorded), the rootfs seen "
		"through an idmapped mount (or shifted once on disk where the filesystem "
		"cannot be idmapped: rootfs.shifted). true: no user namespace, root inside is "
		"the host's root (confined by capabilities, seccomp and the device policy)."},
	{.path = "security.no_new_privs",
	 .type = CT_BOOL,
	 .def = "false",
	 .store = ST_BOOL,
	 SC(security.no_new_privs),
	 .example = "true",
	 .doc = "Set no_new_privs on init (breaks setuid programs such as su)."},
	{.path = "security.nesting",
	 .type = CT_BOOL,
	 .def = "false",
	 .store = ST_BOOL,
	 SC(security.nesting),
	 .example = "true",
	 .doc = "true: container runtimes work inside (podman, Docker, sysc): an uncovered proc "
		"and sysfs under /dev/.sysc (readable by root inside only) so that nested user "
		"namespaces may mount fresh ones, /dev/fuse and /dev/net/tun, writable cgroup "
		"hierarchies for the container's own subtree, and an id range of 262144 "
		"(room for the guest's own /etc/subuid ranges and a nested sysc). Needs "
		"security.privileged = false. See doc/security.md for what it opens up."},
};

static const struct conf_key global_keys[] = {
	{.path = "path",
	 .type = CT_STRING,
	 .check = conf_check_abspath,
	 .def = "\"/var/lib/sysc\"",
	 .store = ST_STR,
	 GL(path),
	 .example = "\"/srv/sysc\"",
	 .doc = "Container store."},
	{.path = "cache_dir",
	 .type = CT_STRING,
	 .check = conf_check_abspath,
	 .def = "\"/var/cache/sysc\"",
	 .store = ST_STR,
	 GL(cache_dir),
	 .example = "\"/srv/cache/sysc\"",
	 .doc = "Template caches."},
	{.path = "run_dir",
	 .type = CT_STRING,
	 .check = conf_check_abspath,
	 .def = "\"/run/sysc\"",
	 .store = ST_STR,
	 GL(run_dir),
	 .example = "\"/run/sysc\"",
	 .doc = "Runtime state."},
	{.path = "state_dir",
	 .type = CT_STRING,
	 .check = conf_check_abspath,
	 .def = "\"/var/lib/sysc/.host\"",
	 .store = ST_STR,
	 GL(state_dir),
	 .example = "\"/var/lib/sysc/.host\"",
	 .doc = "Host-wide state shared by every store (--path, SYSC_PATH): the registry of "
		"the host id ranges of unprivileged containers, so that no two stores hand "
		"out the same range. Hidden inside the default store's directory "
		"(sysc-ls ignores dot names)."},
	{.path = "default_backend",
	 .type = CT_STRING,
	 .choices = global_backends,
	 .def = "\"best\"",
	 .store = ST_STR,
	 GL(default_backend),
	 .example = "\"btrfs\"",
	 .doc = "Backend of new containers: best, dir, btrfs, overlay or lvm."},
	{.path = "lxcfs_dir",
	 .type = CT_STRING,
	 .check = conf_check_abspath,
	 .def = "\"/var/lib/lxcfs\"",
	 .store = ST_STR,
	 GL(lxcfs_dir),
	 .example = "\"/run/lxcfs\"",
	 .doc = "Where lxcfs is mounted, for the resource views of containers (resources.views)."},
	GROUP("lvm", "LVM backend."),
	{.path = "lvm.vg",
	 .type = CT_STRING,
	 .store = ST_STR,
	 GL(lvm_vg),
	 .example = "\"vg0\"",
	 .doc = "Volume group of the lvm backend; unset: the lvm backend is not usable "
		"(sysc-storage init lvm sets it)."},
	{.path = "lvm.thinpool",
	 .type = CT_STRING,
	 .store = ST_STR,
	 GL(lvm_thinpool),
	 .example = "\"sysc\"",
	 .doc = "Thin pool in the volume group; unset: the lvm backend is not usable "
		"(sysc-storage init lvm sets it, by default to sysc-pool)."},
	{.path = "bridge",
	 .type = CT_STRING,
	 .check = conf_check_ifname,
	 .def = "\"sysc0\"",
	 .store = ST_STR,
	 GL(bridge),
	 .example = "\"sysc0\"",
	 .doc = "The managed bridge made on demand: the first start of a container with a veth "
		"entry whose link names it records it in networks (IPv4 /24 and IPv6 ULA /64 "
		"picked so they overlap nothing on the host, NAT) and makes it. Other managed "
		"bridges are made by sysc-net create."},
	{.path = "networks",
	 .type = CT_STRV,
	 .check = conf_check_net_record,
	 .def = "[]",
	 .store = ST_STRV,
	 GL(networks),
	 .example = "[\"sysc0 ipv4=10.91.27.1/24 ipv6=fd4e:2a1c:77d0:1::1/64 nat\"]",
	 .doc = "Managed networks, written by sysc-net create, set and delete (and by the first "
		"start on the default bridge): NAME, then ipv4=CIDR|none (the bridge's address "
		"and the subnet of its address pool), ipv6=CIDR|none, nat or no-nat "
		"(masquerade to the host's uplinks), isolated (no traffic between containers), "
		"domain=D (DNS names NAME.D; default sysc). A missing bridge is made again from "
		"its record at the next start of a container on it (e.g. after a reboot)."},
};

const struct conf_schema conf_schema_container = {"container", container_keys,
						  ARRAY_SIZE(container_keys)};
const struct conf_schema conf_schema_global = {"global", global_keys, ARRAY_SIZE(global_keys)};

/* Keys sysc records itself rather than the user: a container keeps them in
 * its facts file, beside its config. Add a key here when sysc starts
 * recording one. */
static const char *const fact_keys[] = {"uuid", "idmap", "rootfs.shifted", NULL};

const char *const *conf_fact_keys(void)
{
	return fact_keys;
}

bool conf_key_is_fact(const char *key)
{
	for (size_t i = 0; fact_keys[i]; i++) {
		size_t n = strlen(fact_keys[i]);
		if (strncmp(key, fact_keys[i], n) == 0 && (key[n] == '\0' || key[n] == '.'))
			return true;
	}
	return false;
}

const struct conf_key *conf_schema_find(const struct conf_schema *sc, const char *path)
{
	for (size_t i = 0; i < sc->n_keys; i++)
		if (strcmp(sc->keys[i].path, path) == 0)
			return &sc->keys[i];
	return NULL;
}

const struct conf_key *conf_schema_list_parent(const struct conf_schema *sc, const char *path)
{
	for (size_t i = 0; i < sc->n_keys; i++) {
		size_t n = strlen(sc->keys[i].path);
		if (sc->keys[i].type == CT_LIST && strncmp(path, sc->keys[i].path, n) == 0 &&
		    path[n] == '.')
			return &sc->keys[i];
	}
	return NULL;
}

static const char *last_component(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot ? dot + 1 : path;
}

static size_t parent_len(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot ? (size_t)(dot - path) : 0;
}

/* Best candidate: a sibling with distance <= 2 or a case-insensitive match,
 * then any full path within distance 2, then the same last component. */
const char *conf_schema_suggest(const struct conf_schema *sc, const char *path)
{
	const char *name = last_component(path), *best = NULL;
	size_t plen = parent_len(path), best_d = 3;

	for (size_t i = 0; i < sc->n_keys; i++) {
		const char *k = sc->keys[i].path;
		size_t d;
		if (parent_len(k) != plen || strncmp(k, path, plen) != 0)
			continue;
		d = strcasecmp(last_component(k), name) == 0
			    ? 0
			    : str_distance(last_component(k), name);
		if (d < best_d) {
			best_d = d;
			best = k;
		}
	}
	if (best)
		return best;
	for (size_t i = 0; i < sc->n_keys; i++) {
		size_t d = str_distance(sc->keys[i].path, path);
		if (d < best_d) {
			best_d = d;
			best = sc->keys[i].path;
		}
	}
	if (best)
		return best;
	for (size_t i = 0; i < sc->n_keys; i++)
		if (strcmp(last_component(sc->keys[i].path), name) == 0)
			return sc->keys[i].path;
	return NULL;
}

const char *conf_type_name(const struct conf_key *k)
{
	switch (k->type) {
	case CT_GROUP:
		return "group";
	case CT_LIST:
		return "list of groups";
	case CT_STRING:
		return "string";
	case CT_SCALAR:
		return "string or integer";
	case CT_INT:
		return "integer";
	case CT_BOOL:
		return "boolean";
	case CT_SIZE:
		return k->flags & CK_MAX ? "size or \"max\"" : "size";
	case CT_COUNT:
		return "integer or \"max\"";
	case CT_SIGNAL:
		return "signal";
	case CT_STRV:
		return "array of strings";
	case CT_LIMIT:
		return "limit";
	}
	return "value";
}

/* Example in nested syntax: "cgroup = { memory = { max = "2G"; }; };" */
void conf_schema_print_example(const struct conf_key *k, FILE *out)
{
	const struct conf_key *list = conf_schema_list_parent(&conf_schema_container, k->path);
	const char *p = k->path, *dot;
	unsigned depth = 0;

	while ((dot = strchr(p, '.'))) {
		bool is_list = list && depth == 0;
		fprintf(out, "%.*s = %s", (int)(dot - p), p, is_list ? "( { " : "{ ");
		depth++;
		p = dot + 1;
	}
	fprintf(out, "%s = %s;", p, k->example ? k->example : "...");
	while (depth-- > 0)
		fprintf(out, list && depth == 0 ? " } );" : " };");
}

void conf_schema_print_help(const struct conf_key *k, FILE *out)
{
	fprintf(out, "%s (%s", k->path, conf_type_name(k));
	if (k->choices) {
		fprintf(out, ": ");
		for (const char *const *c = k->choices; *c; c++)
			fprintf(out, "%s%s", c == k->choices ? "" : "|", *c);
	}
	if (k->def)
		fprintf(out, ", default %s", k->def);
	else if (k->flags & CK_REQUIRED)
		fprintf(out, ", required");
	fprintf(out, ")\n    %s\n", k->doc);
	if (k->type != CT_GROUP && k->type != CT_LIST) {
		fprintf(out, "    Example: ");
		conf_schema_print_example(k, out);
		fprintf(out, "\n");
	}
}

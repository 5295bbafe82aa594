/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the cgroup module's parsing and path helpers (no root needed). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup/cgroup-internal.h"
#include "tap.h"
#include "util/cleanup.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char mountinfo_hybrid[] =
	"22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup "
	"rw,cpu,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
	"rw,xattr,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	"42 31 0:39 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
	"43 23 0:32 / /mnt/mem\\040copy rw,relatime - cgroup cgroup rw,memory\n"
	"44 23 0:40 / /mnt/odd\\040dir rw - cgroup cgroup rw,hugetlb,perf_event\n"
	"garbage line\n";

static void test_mask(void)
{
	CHECK(cgroup_v1_controller_mask("rw,cpu,cpuacct") == (CGROUP_V1_CPU | CGROUP_V1_CPUACCT),
	      "cpu,cpuacct mask");
	CHECK(cgroup_v1_controller_mask("rw,xattr,name=systemd") == CGROUP_V1_NAMED_SYSTEMD,
	      "name=systemd: a container gets its cgroup there too");
	CHECK(cgroup_v1_controller_mask("rw,name=elogind") == 0, "other names are not ours");
	CHECK(cgroup_v1_controller_mask("rw,cpuset") == CGROUP_V1_CPUSET, "cpuset is not cpu");
	CHECK(cgroup_v1_controller_mask("rw,memory,nsdelegate") == CGROUP_V1_MEMORY, "memory");
	CHECK(cgroup_v1_controller_mask("") == 0, "empty");
	CHECK(!strcmp(cgroup_v1_controller_name(CGROUP_V1_BLKIO), "blkio") &&
		      !strcmp(cgroup_v1_controller_name(CGROUP_V1_CPU), "cpu") &&
		      !strcmp(cgroup_v1_controller_name(CGROUP_V1_CPU | CGROUP_V1_CPUACCT), "?"),
	      "controller names");
}

static void test_mountinfo(void)
{
	struct cgroup_v1_mount *m = NULL;
	size_t n = 0;
	unsigned all = 0;
	int r;

	r = cgroup_v1_parse_mountinfo(mountinfo_hybrid, &m, &n);
	CHECK(r == 0, "parse hybrid mountinfo");
	CHECK(n == 8, "8 hierarchies (cpu,cpuacct once; systemd; no net_cls, dup memory): %zu", n);
	if (n >= 8) {
		CHECK_STREQ(m[0].path, "/sys/fs/cgroup/cpu,cpuacct", "first is cpu,cpuacct");
		CHECK(m[0].mask == (CGROUP_V1_CPU | CGROUP_V1_CPUACCT), "comounted mask");
		CHECK_STREQ(m[2].path, "/sys/fs/cgroup/memory", "memory mount, not the bind copy");
		CHECK_STREQ(m[6].path, "/sys/fs/cgroup/pids", "pids");
		CHECK_STREQ(m[7].path, "/sys/fs/cgroup/systemd", "systemd last");
	}
	for (size_t i = 0; i < n; i++)
		all |= m[i].mask;
	CHECK(all == 0x1ff, "every controller found: %#x", all);
	cgroup_v1_mounts_free(m, n);

	r = cgroup_v1_parse_mountinfo("41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", &m,
				      &n);
	CHECK(r == 0 && n == 0, "pure v2: no v1 hierarchies");
	cgroup_v1_mounts_free(m, n);

	r = cgroup_v1_parse_mountinfo("1 2 0:3 / /a\\040b rw - cgroup cgroup rw,pids\n", &m, &n);
	CHECK(r == 0 && n == 1, "escaped mount point");
	if (n == 1)
		CHECK_STREQ(m[0].path, "/a b", "\\040 unescaped");
	cgroup_v1_mounts_free(m, n);

	r = cgroup_v1_parse_mountinfo("", &m, &n);
	CHECK(r == 0 && n == 0, "empty text");
	cgroup_v1_mounts_free(m, n);
}

static void test_relpath(void)
{
	char *parent = NULL, *rel = NULL;

	CHECK(cgroup_build_relpath("sysc", "d1", &parent, &rel) == 0, "sysc/d1");
	CHECK_STREQ(rel, "/sysc/d1", "relpath");
	CHECK_STREQ(parent, "sysc", "parent");
	free(parent);
	free(rel);
	parent = rel = NULL;

	CHECK(cgroup_build_relpath("//a//b/", "c", &parent, &rel) == 0, "slashes normalized");
	CHECK_STREQ(rel, "/a/b/c", "nested relpath");
	CHECK_STREQ(parent, "a/b", "nested parent");
	free(parent);
	free(rel);
	rel = NULL;

	CHECK(cgroup_build_relpath("sysc", "a/b", NULL, &rel) == -EINVAL, "'/' in name");
	CHECK(cgroup_build_relpath("sysc", "..", NULL, &rel) == -EINVAL, "name ..");
	CHECK(cgroup_build_relpath("sysc", ".", NULL, &rel) == -EINVAL, "name .");
	CHECK(cgroup_build_relpath("sysc", "", NULL, &rel) == -EINVAL, "empty name");
	CHECK(cgroup_build_relpath("a/../b", "c", NULL, &rel) == -EINVAL, ".. in parent");
	CHECK(cgroup_build_relpath("/", "c", NULL, &rel) == -EINVAL, "empty parent");
	CHECK(cgroup_build_relpath("", "c", NULL, &rel) == -EINVAL, "empty parent string");
	CHECK(cgroup_build_relpath("sysc", "a\nb", NULL, &rel) == -EINVAL, "newline in name");
	CHECK(rel == NULL, "nothing returned on error");
}

static void test_numbers(void)
{
	uint64_t v = 0;

	CHECK(cgroup_parse_u64("42\n", &v) == 0 && v == 42, "plain number");
	CHECK(cgroup_parse_u64(" max\n", &v) == 0 && v == UINT64_MAX, "max");
	CHECK(cgroup_parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX, "u64 max");
	CHECK(cgroup_parse_u64("18446744073709551616", &v) == -ERANGE, "overflow");
	CHECK(cgroup_parse_u64("-1", &v) == -EINVAL, "negative");
	CHECK(cgroup_parse_u64("12abc", &v) == -EINVAL, "trailing junk");
	CHECK(cgroup_parse_u64("", &v) == -EINVAL, "empty");
	CHECK(cgroup_parse_u64("maximum", &v) == -EINVAL, "maximum");
}

static void test_keyed(void)
{
	const char *cpustat = "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n"
			      "nr_periods 0\n";
	const char *events = "populated 1\nfrozen 0\n";
	uint64_t v = 0;

	CHECK(cgroup_parse_keyed_u64(cpustat, "usage_usec", &v) == 0 && v == 123456, "usage_usec");
	CHECK(cgroup_parse_keyed_u64(cpustat, "system_usec", &v) == 0 && v == 23456, "system_usec");
	CHECK(cgroup_parse_keyed_u64(cpustat, "usage", &v) == -ENOENT, "prefix is not a key");
	CHECK(cgroup_parse_keyed_u64(events, "populated", &v) == 0 && v == 1, "populated 1");
	CHECK(cgroup_parse_keyed_u64(events, "frozen", &v) == 0 && v == 0, "frozen 0");
	CHECK(cgroup_parse_keyed_u64("", "frozen", &v) == -ENOENT, "empty text");
	CHECK(cgroup_parse_keyed_u64("populated 1", "populated", &v) == 0 && v == 1,
	      "no trailing newline");
}

static int collect(pid_t pid, void *ud)
{
	int *sum = ud;

	*sum += (int)pid;
	return pid == 99 ? -ECANCELED : 0;
}

static void test_pids(void)
{
	int sum = 0;

	CHECK(cgroup_parse_pids("1\n20\n300\n", collect, &sum) == 0 && sum == 321, "pid list");
	sum = 0;
	CHECK(cgroup_parse_pids("", collect, &sum) == 0 && sum == 0, "empty list");
	sum = 0;
	CHECK(cgroup_parse_pids("5\n99\n7\n", collect, &sum) == -ECANCELED && sum == 104,
	      "callback stops the walk");
	CHECK(cgroup_parse_pids("5\nx\n", collect, &sum) == -EINVAL, "junk");
	CHECK(cgroup_parse_pids("0\n", collect, &sum) == -EINVAL, "pid 0");
}

int main(void)
{
	test_mask();
	test_mountinfo();
	test_relpath();
	test_numbers();
	test_keyed();
	test_pids();
	return tap_done();
}

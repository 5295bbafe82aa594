/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the v2 -> v1 translation of cgroup limits, and of the facade
 * handing limits to its backends (no root needed). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup/cgroup-internal.h"
#include "config/config.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct cgroup_v1_now unlimited = {UINT64_MAX, UINT64_MAX};

/* Translate and check the writes, given as "file=value" strings. */
static void expect(const char *key, const char *value, const struct cgroup_v1_now *now, size_t n,
		   const char *const *want, const char *what)
{
	struct cgroup_v1_write w[CGROUP_V1_MAX_WRITES];
	size_t got = 99;
	int r = cgroup_v1_translate(key, value, now, w, &got);
	bool ok = r == 0 && got == n;

	for (size_t i = 0; ok && i < n; i++) {
		char buf[160];
		snprintf(buf, sizeof(buf), "%s=%s", w[i].file, w[i].value);
		ok = strcmp(buf, want[i]) == 0;
		if (!ok)
			printf("# write %zu: got %s, want %s\n", i, buf, want[i]);
	}
	if (r != 0 || got != n)
		printf("# r=%d n=%zu\n", r, got);
	CHECK(ok, "%s", what);
}

static void test_memory(void)
{
	const struct cgroup_v1_now limited = {64u << 20, 128u << 20};

	expect("memory.max", "67108864", &unlimited, 1,
	       (const char *const[]){"memory.limit_in_bytes=67108864"}, "memory.max");
	expect("memory.max", "max", &unlimited, 1,
	       (const char *const[]){"memory.limit_in_bytes=-1"}, "memory.max max is -1");
	/* with memsw set, the swap allowance (64M) is kept, in a valid order */
	expect("memory.max", "268435456", &limited, 2,
	       (const char *const[]){"memory.memsw.limit_in_bytes=335544320",
				     "memory.limit_in_bytes=268435456"},
	       "raising memory.max: memsw first");
	expect("memory.max", "33554432", &limited, 2,
	       (const char *const[]){"memory.limit_in_bytes=33554432",
				     "memory.memsw.limit_in_bytes=100663296"},
	       "lowering memory.max: memsw after");
	expect("memory.max", "max", &limited, 2,
	       (const char *const[]){"memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1"},
	       "memory.max max with memsw");
	expect("memory.swap.max", "67108864", &(struct cgroup_v1_now){64u << 20, UINT64_MAX}, 1,
	       (const char *const[]){"memory.memsw.limit_in_bytes=134217728"},
	       "swap.max: memsw = memory + swap");
	expect("memory.swap.max", "0", &(struct cgroup_v1_now){64u << 20, UINT64_MAX}, 1,
	       (const char *const[]){"memory.memsw.limit_in_bytes=67108864"}, "swap.max 0");
	expect("memory.swap.max", "max", &unlimited, 1,
	       (const char *const[]){"memory.memsw.limit_in_bytes=-1"}, "swap.max max");
	expect("memory.high", "1048576", &unlimited, 1,
	       (const char *const[]){"memory.soft_limit_in_bytes=1048576"}, "memory.high");

	struct cgroup_v1_write w[CGROUP_V1_MAX_WRITES];
	size_t n;
	CHECK(cgroup_v1_translate("memory.swap.max", "1024", &unlimited, w, &n) == -EDOM && n == 0,
	      "swap.max without a memory limit: -EDOM");
	CHECK(cgroup_v1_translate("memory.max", "12Q", &unlimited, w, &n) == -EINVAL,
	      "memory.max garbage");
	CHECK(cgroup_v1_translate("memory.max", "-1", &unlimited, w, &n) == -EINVAL,
	      "memory.max negative");
}

static void test_cpu(void)
{
	expect("cpu.max", "50000 100000", &unlimited, 2,
	       (const char *const[]){"cpu.cfs_period_us=100000", "cpu.cfs_quota_us=50000"},
	       "cpu.max quota period");
	expect("cpu.max", "max 100000", &unlimited, 2,
	       (const char *const[]){"cpu.cfs_period_us=100000", "cpu.cfs_quota_us=-1"},
	       "cpu.max max");
	expect("cpu.weight", "100", &unlimited, 1, (const char *const[]){"cpu.shares=2597"},
	       "cpu.weight 100 -> shares 2597");
	expect("cpu.weight", "1", &unlimited, 1, (const char *const[]){"cpu.shares=2"},
	       "cpu.weight 1 -> shares 2");
	expect("cpu.weight", "10000", &unlimited, 1, (const char *const[]){"cpu.shares=262144"},
	       "cpu.weight 10000 -> shares 262144");
	bool round_trip = true;
	for (uint64_t w = 1; w <= 10000; w++)
		if (cgroup_shares_to_weight(cgroup_weight_to_shares(w)) != w)
			round_trip = false;
	CHECK(round_trip, "weight -> shares -> weight is exact");

	struct cgroup_v1_write w[CGROUP_V1_MAX_WRITES];
	size_t n;
	CHECK(cgroup_v1_translate("cpu.max", "50000", &unlimited, w, &n) == -EINVAL,
	      "cpu.max quota without period");
	CHECK(cgroup_v1_translate("cpu.weight", "0", &unlimited, w, &n) == -EINVAL, "cpu.weight 0");
	CHECK(cgroup_v1_translate("cpu.weight", "10001", &unlimited, w, &n) == -EINVAL,
	      "cpu.weight 10001");
}

static void test_other(void)
{
	expect("cpuset.cpus", "0-1", &unlimited, 1, (const char *const[]){"cpuset.cpus=0-1"},
	       "cpuset.cpus");
	expect("cpuset.mems", "0", &unlimited, 1, (const char *const[]){"cpuset.mems=0"},
	       "cpuset.mems");
	expect("pids.max", "100", &unlimited, 1, (const char *const[]){"pids.max=100"}, "pids.max");
	expect("pids.max", "max", &unlimited, 1, (const char *const[]){"pids.max=max"},
	       "pids.max max");
	expect("io.max", "8:0 rbps=1048576 wiops=max", &unlimited, 2,
	       (const char *const[]){"blkio.throttle.read_bps_device=8:0 1048576",
				     "blkio.throttle.write_iops_device=8:0 0"},
	       "io.max: rbps, and max is 0 in v1");
	expect("io.max", "253:1 rbps=1 wbps=2 riops=3 wiops=4", &unlimited, 4,
	       (const char *const[]){"blkio.throttle.read_bps_device=253:1 1",
				     "blkio.throttle.write_bps_device=253:1 2",
				     "blkio.throttle.read_iops_device=253:1 3",
				     "blkio.throttle.write_iops_device=253:1 4"},
	       "io.max: all four");
	expect("io.weight", "default 100", &unlimited, 1, (const char *const[]){"blkio.weight=19"},
	       "io.weight default");
	expect("io.weight", "8:16 10000", &unlimited, 1,
	       (const char *const[]){"blkio.weight_device=8:16 1000"}, "io.weight per device");

	struct cgroup_v1_write w[CGROUP_V1_MAX_WRITES];
	size_t n;
	CHECK(cgroup_v1_translate("io.weight", "default 100", &unlimited, w, &n) == 0 && w[0].alt &&
		      !strcmp(w[0].alt, "blkio.bfq.weight"),
	      "io.weight falls back to BFQ's file");
	CHECK(cgroup_v1_translate("io.max", "/dev/sda rbps=1", &unlimited, w, &n) == -EINVAL,
	      "io.max needs MAJ:MIN");
	CHECK(cgroup_v1_translate("io.max", "8:0 xbps=1", &unlimited, w, &n) == -EINVAL,
	      "io.max unknown key");
	CHECK(cgroup_v1_translate("io.max", "8:0", &unlimited, w, &n) == -EINVAL,
	      "io.max without limits");
	CHECK(cgroup_v1_translate("hugetlb.2MB.max", "1", &unlimited, w, &n) == -EOPNOTSUPP,
	      "unknown key");
	CHECK(cgroup_limit_key_known("memory.swap.max") && !cgroup_limit_key_known("memory.maxx"),
	      "limit keys");
}

static void test_io_bytes(void)
{
	uint64_t rd = 0, wr = 0;

	CHECK(cgroup_parse_io_bytes("8:0 rbytes=100 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n"
				    "8:16 rbytes=5 wbytes=7 rios=1 wios=1\n",
				    &rd, &wr) == 0 &&
		      rd == 105 && wr == 27,
	      "v2 io.stat sums");
	CHECK(cgroup_parse_io_bytes("8:0 Read 4096\n8:0 Write 512\n8:0 Sync 4608\n8:0 Async 0\n"
				    "8:0 Discard 0\n8:0 Total 4608\nTotal 4608\n",
				    &rd, &wr) == 0 &&
		      rd == 4096 && wr == 512,
	      "v1 blkio sums");
	CHECK(cgroup_parse_io_bytes("", &rd, &wr) == 0 && rd == 0 && wr == 0, "empty io.stat");
}

/* ---- the facade asks its backends, in order, never which one it holds ---- */

static char calls[256];

static void note(const char *who, const char *what, const char *key, const char *value)
{
	size_t len = strlen(calls);

	snprintf(calls + len, sizeof(calls) - len, "%s:%s %s=%s;", who, what, key ? key : "",
		 value ? value : "");
}

/* "first" takes pids.max only; "second" every key, but has no cpu controller. */
static bool first_has(struct cgroup_set *cg, const char *key)
{
	return !strcmp(key, "pids.max");
}

static bool second_has(struct cgroup_set *cg, const char *key)
{
	return true;
}

static int first_set(struct cgroup_set *cg, const char *key, const char *value)
{
	note("first", "set", key, value);
	return 0;
}

static int second_set(struct cgroup_set *cg, const char *key, const char *value)
{
	note("second", "set", key, value);
	return 0;
}

static int first_get(struct cgroup_set *cg, const char *key, char **ret)
{
	*ret = strdup("first");
	return *ret ? 0 : -ENOMEM;
}

static int second_get(struct cgroup_set *cg, const char *key, char **ret)
{
	if (!strcmp(key, "cpu.max"))
		return -ENOENT;
	*ret = strdup("second");
	return *ret ? 0 : -ENOMEM;
}

static int first_attach(struct cgroup_set *cg, pid_t pid)
{
	note("first", "attach", NULL, NULL);
	return 0;
}

static int second_attach(struct cgroup_set *cg, pid_t pid)
{
	note("second", "attach", NULL, NULL);
	return 0;
}

static void fake_close(struct cgroup_set *cg)
{
}

static const struct cgroup_ops first_ops = {
	.name = "first",
	.by_clone = true,
	.attach = first_attach,
	.close = fake_close,
	.has_limit = first_has,
	.set_limit = first_set,
	.get_limit = first_get,
};

static const struct cgroup_ops second_ops = {
	.name = "second",
	.attach = second_attach,
	.close = fake_close,
	.has_limit = second_has,
	.set_limit = second_set,
	.get_limit = second_get,
};

static struct cgroup_set *fake_set(size_t n_ops)
{
	struct cgroup_set *cg = calloc(1, sizeof(*cg));

	if (!cg)
		abort();
	cg->v2_fd = -EBADF;
	cg->name = strdup("c1");
	cg->relpath = strdup("/sysc/c1");
	cg->v2_path = strdup("/nonexistent/sysc/c1");
	cg->ops[cg->n_ops++] = &first_ops;
	if (n_ops > 1)
		cg->ops[cg->n_ops++] = &second_ops;
	return cg;
}

static void test_facade(void)
{
	struct cgroup_set *cg = fake_set(2);
	char *v = NULL;

	calls[0] = '\0';
	CHECK(cgroup_set_limit(cg, "pids.max", "10") == 0 &&
		      !strcmp(calls, "first:set pids.max=10;"),
	      "the first backend that takes the key gets it: %s", calls);
	calls[0] = '\0';
	CHECK(cgroup_set_limit(cg, "memory.max", "5") == 0 &&
		      !strcmp(calls, "second:set memory.max=5;"),
	      "a key the first does not take goes to the second: %s", calls);
	CHECK(cgroup_get_limit(cg, "pids.max", &v) == 0 && v && !strcmp(v, "first"),
	      "get from the first that takes it");
	free(v);
	v = NULL;
	CHECK(cgroup_get_limit(cg, "memory.max", &v) == 0 && v && !strcmp(v, "second"),
	      "get from the second");
	free(v);
	v = NULL;
	CHECK(cgroup_get_limit(cg, "cpu.max", &v) == -EOPNOTSUPP && !v,
	      "no such controller in the backend: not supported");
	calls[0] = '\0';
	CHECK(cgroup_set_limit(cg, "memory.maxx", "5") == -EINVAL && !calls[0], "unknown key");
	CHECK(cgroup_attach_v1(cg, 1) == 0 && !strcmp(calls, "second:attach =;"),
	      "attach after clone3 skips the backend clone3 placed the child in: %s", calls);
	cgroup_set_free(cg);

	cg = fake_set(1);
	calls[0] = '\0';
	CHECK(cgroup_set_limit(cg, "memory.max", "5") == -EOPNOTSUPP && !calls[0],
	      "no backend takes the key");
	CHECK(cgroup_get_limit(cg, "memory.max", &v) == -EOPNOTSUPP && !v,
	      "nothing to read it from");
	cgroup_set_free(cg);
}

/* CPU pinning: cpu lists, the choice of the least used CPUs, the count. */
static void test_pinning(void)
{
	bool *allowed = calloc(CGROUP_PIN_MAX_CPUS, sizeof(bool));
	unsigned *load = calloc(CGROUP_PIN_MAX_CPUS, sizeof(unsigned));
	struct conf_cgroup c = {.cpu_max_quota = CONF_UNSET, .cpu_max_period = 100000};
	char *s = NULL;

	CHECK(cgroup_cpulist_parse("0-3,5,7-8\n", allowed) == 0, "parse a list");
	s = cgroup_cpulist_format(allowed);
	CHECK_STREQ(s, "0-3,5,7-8", "format it back");
	free(s);
	CHECK(cgroup_cpulist_parse("3-1", allowed) < 0, "reversed range refused");
	CHECK(cgroup_cpulist_parse("8192", allowed) < 0, "CPU past the maximum refused");
	CHECK(cgroup_cpulist_parse("1,x", allowed) < 0, "garbage refused");
	CHECK(cgroup_cpulist_parse("\n", allowed) == 0 && (s = cgroup_cpulist_format(allowed)) &&
		      !strcmp(s, ""),
	      "empty list");
	free(s);

	/* CPUs 0-3: 0 and 1 used twice, 2 once, 3 free */
	cgroup_cpulist_parse("0-3", allowed);
	load[0] = 2, load[1] = 2, load[2] = 1, load[3] = 0;
	CHECK(cgroup_pin_choose(allowed, load, 1, &s) == 0 && !strcmp(s, "3"), "one: the free CPU");
	free(s);
	CHECK(cgroup_pin_choose(allowed, load, 3, &s) == 0 && !strcmp(s, "0,2-3"),
	      "three: ties to the lowest number (%s)", s);
	free(s);
	CHECK(cgroup_pin_choose(allowed, load, 9, &s) == 0 && !strcmp(s, "0-3"),
	      "more than there are: all of them");
	free(s);
	load[3] = 5; /* a CPU outside allowed is never chosen */
	cgroup_cpulist_parse("2-3", allowed);
	load[2] = 7;
	CHECK(cgroup_pin_choose(allowed, load, 1, &s) == 0 && !strcmp(s, "3"), "only allowed CPUs");
	free(s);

	CHECK(cgroup_pin_count(&c) == 0, "no cpu.max: no pinning");
	c.cpu_max_quota = CONF_UNLIMITED;
	CHECK(cgroup_pin_count(&c) == 0, "cpu.max max: no pinning");
	c.cpu_max_quota = 100000;
	CHECK(cgroup_pin_count(&c) == 1, "one CPU's quota: 1");
	c.cpu_max_quota = 50000;
	CHECK(cgroup_pin_count(&c) == 1, "half a CPU: 1");
	c.cpu_max_quota = 150000;
	CHECK(cgroup_pin_count(&c) == 2, "1.5 CPUs: 2");
	c.cpu_max_quota = 200000;
	CHECK(cgroup_pin_count(&c) == 2, "two CPUs: 2");
	free(allowed);
	free(load);
}

int main(void)
{
	test_memory();
	test_cpu();
	test_other();
	test_io_bytes();
	test_facade();
	test_pinning();
	return tap_done();
}

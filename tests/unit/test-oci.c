/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of sysc-oci's config.json parsing (src/oci/spec.c,
 * seccomp-json.c): no root needed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cgroup/cgroup.h"
#include "oci/oci.h"
#include "security/devices.h"
#include "security/seccomp.h"
#include "tap.h"
#include "util/log.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mount.h>
#include <sys/mount.h>

static const char good[] =
	"{\"ociVersion\": \"1.0.2\",\n"
	" \"process\": {\"args\": [\"/sbin/init\"], \"cwd\": \"/\", \"env\": [\"A=1\"],\n"
	"   \"user\": {\"uid\": 1000, \"gid\": 100, \"additionalGids\": [5, 6]},\n"
	"   \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"]},\n"
	"   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 2048}],\n"
	"   \"oomScoreAdj\": 100},\n"
	" \"root\": {\"path\": \"rootfs/\", \"readonly\": true},\n"
	" \"hostname\": \"h1\",\n"
	" \"mounts\": [{\"destination\": \"/data\", \"source\": \"/srv\", \"options\": [\"rbind\", "
	"\"ro\", \"noatime\", \"rprivate\", \"idmap\"]},\n"
	"   {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": "
	"[\"nosuid\", \"mode=755\", \"size=65536k\", \"tmpcopyup\"]}],\n"
	" \"annotations\": {\"a\": \"b\"},\n"
	" \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"network\", \"path\": "
	"\"/proc/1/ns/net\"}],\n"
	"   \"cgroupsPath\": \"/x/y\",\n"
	"   \"resources\": {\"memory\": {\"limit\": 1000000, \"swap\": 3000000},\n"
	"     \"cpu\": {\"shares\": 2048, \"quota\": 50000, \"period\": 100000},\n"
	"     \"pids\": {\"limit\": 32},\n"
	"     \"devices\": [{\"allow\": false, \"access\": \"rwm\"}, {\"allow\": true, \"type\": "
	"\"c\", \"major\": 1, \"minor\": 3, \"access\": \"rw\"}]},\n"
	"   \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"},\n"
	"   \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n"
	"     {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
	"     {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [\n"
	"       {\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},\n"
	"       {\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]}}}\n";

static const char *limit(const struct oci_spec *s, const char *key)
{
	for (size_t i = 0; i < s->resources.n_limits; i++)
		if (!strcmp(s->resources.limits[i].key, key))
			return s->resources.limits[i].value;
	return NULL;
}

static void test_good(void)
{
	struct oci_spec *s = NULL;

	CHECK(oci_spec_parse("config.json", good, "/b", &s) == 0, "a good config parses");
	if (!s)
		return;
	CHECK_STREQ(s->root_path, "/b/rootfs", "root.path made absolute, no trailing slash");
	CHECK(s->root_readonly, "root.readonly");
	CHECK(s->process.uid == 1000 && s->process.gid == 100 && s->process.n_groups == 2, "user");
	CHECK(s->process.cap_bounding == ((1ULL << 5) | (1ULL << 0)),
	      "bounding CAP_KILL|CAP_CHOWN");
	CHECK(s->process.n_rlimits == 1 && s->process.rlimits[0].soft == 1024 &&
		      s->process.rlimits[0].hard == 2048,
	      "rlimits");
	CHECK(s->process.has_oom_score_adj && s->process.oom_score_adj == 100, "oomScoreAdj");
	CHECK(s->system_container, "/sbin/init: a system container by default");
	CHECK(s->n_mounts == 2 && s->mounts[0].bind && s->mounts[0].rbind, "rbind");
	CHECK(s->mounts[0].attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOATIME),
	      "ro,noatime as mount attributes");
	CHECK(s->mounts[0].propagation == (MS_PRIVATE | MS_REC), "rprivate");
	CHECK_STREQ(s->mounts[1].data, "mode=755,size=65536k", "filesystem options kept as data");
	CHECK(s->mounts[1].attr_set == MOUNT_ATTR_NOSUID, "nosuid");
	CHECK(s->mounts[0].idmap && !s->mounts[1].idmap, "idmap: a flag, not data");
	CHECK(s->mounts[1].tmpcopyup && !s->mounts[0].tmpcopyup, "tmpcopyup: a flag, not data");
	CHECK(oci_spec_namespace(s, CLONE_NEWNET) &&
		      !strcmp(oci_spec_namespace(s, CLONE_NEWNET)->path, "/proc/1/ns/net"),
	      "namespace by path");
	CHECK(!oci_spec_namespace(s, CLONE_NEWPID), "no pid namespace asked");
	CHECK_STREQ(s->cgroups_path, "/x/y", "cgroupsPath");
	CHECK_STREQ(limit(s, "memory.max"), "1000000", "memory.limit -> memory.max");
	CHECK_STREQ(limit(s, "memory.swap.max"), "2000000", "swap is memory + swap in OCI");
	CHECK_STREQ(limit(s, "cpu.shares"), "2048", "cpu.shares kept exact");
	CHECK_STREQ(limit(s, "cpu.max"), "50000 100000", "quota/period -> cpu.max");
	CHECK_STREQ(limit(s, "pids.max"), "32", "pids.limit");
	CHECK(s->resources.has_devices && s->resources.n_devices == 1 &&
		      s->resources.devices[0].type == 'c' && s->resources.devices[0].major == 1,
	      "deny all, then allow c 1:3 rw");
	CHECK(s->sysctl && !strcmp(s->sysctl[0], "net.ipv4.ip_forward"), "sysctl");
	CHECK_STREQ(oci_annotation(s, "a"), "b", "annotation");
	CHECK(s->seccomp && s->seccomp->def.kind == SECCOMP_ACT_ERRNO, "seccomp default");
	/* read, write, and personality split into one rule per alternative */
	CHECK(s->seccomp && s->seccomp->n_rules == 4 && s->seccomp->rules[2].n_args == 1 &&
		      s->seccomp->rules[3].args[0].value == 8,
	      "same-argument tests become alternatives");
	oci_spec_free(s);
}

static void expect_bad(const char *text, const char *what)
{
	struct oci_spec *s = NULL;
	int r = oci_spec_parse("config.json", text, "/b", &s);

	CHECK(r == -EINVAL && !s, "refused: %s", what);
	oci_spec_free(s);
}

static void test_bad(void)
{
	expect_bad("{\"ociVersion\": \"1.0.2\", \"root\": {", "truncated JSON");
	expect_bad("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}} x", "trailing text");
	expect_bad("{\"root\": {\"path\": \"r\"}}", "no ociVersion");
	expect_bad("{\"ociVersion\": \"2.0\", \"root\": {\"path\": \"r\"}}", "version 2");
	expect_bad("{\"ociVersion\": \"1.0.2\"}", "no root");
	expect_bad("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
		   "{\"cwd\": \"/\"}}",
		   "process without args");
	expect_bad("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
		   "{\"args\": [\"x\"], \"cwd\": \"rel\"}}",
		   "relative cwd");
	expect_bad("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
		   "{\"args\": [\"x\"], \"cwd\": \"/\", \"capabilities\": {\"bounding\": "
		   "[\"CAP_TEST\"]}}}",
		   "unknown capability");
	expect_bad("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"process\": "
		   "{\"args\": [\"x\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_TEST\", "
		   "\"soft\": 1, \"hard\": 1}]}}",
		   "unknown rlimit");
	expect_bad("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"linux\": "
		   "{\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}}",
		   "namespace twice");
	expect_bad("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"annotations\": "
		   "{\"run.sysc.system-container\": \"yes\"}}",
		   "annotation neither true nor false");
	expect_bad("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"mounts\": "
		   "[{\"destination\": \"rel\", \"type\": \"tmpfs\"}]}",
		   "relative mount destination");
}

static void test_system_annotation(void)
{
	struct oci_spec *s = NULL;

	CHECK(oci_spec_parse("c",
			     "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \".\"}, "
			     "\"process\": {\"args\": [\"/sbin/init\"], \"cwd\": \"/\"}, "
			     "\"annotations\": {\"run.sysc.system-container\": \"false\"}, "
			     "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}",
			     "/b", &s) == 0 &&
		      !s->system_container && !strcmp(s->root_path, "/b"),
	      "annotation false wins over /sbin/init; root \".\" is the bundle");
	oci_spec_free(s);
	s = NULL;
	CHECK(oci_spec_parse("c",
			     "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, "
			     "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}, "
			     "\"annotations\": {\"run.sysc.system-container\": \"true\"}, "
			     "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}",
			     "/b", &s) == 0 &&
		      s->system_container,
	      "annotation true makes sh a system container");
	oci_spec_free(s);
}

static void test_signals(void)
{
	CHECK(oci_signal_parse("TERM") == SIGTERM, "TERM");
	CHECK(oci_signal_parse("SIGKILL") == SIGKILL, "SIGKILL");
	CHECK(oci_signal_parse("9") == 9, "9");
	CHECK(oci_signal_parse("usr1") == SIGUSR1, "usr1");
	CHECK(oci_signal_parse("RTMIN+3") == SIGRTMIN + 3, "RTMIN+3");
	CHECK(oci_signal_parse("NOPE") == -EINVAL, "unknown name");
	CHECK(oci_signal_parse("0") == -EINVAL && oci_signal_parse("99") == -EINVAL, "range");
}

static void test_ids(void)
{
	CHECK(oci_id_valid("abc-1_2.3") == 0, "plain id");
	CHECK(oci_id_valid("") < 0 && oci_id_valid("..") < 0 && oci_id_valid("a/b") < 0 &&
		      oci_id_valid("a b") < 0,
	      "bad ids");
}

int main(void)
{
	log_set_level(LOG_LEVEL_ERROR);
	test_good();
	test_bad();
	test_system_annotation();
	test_signals();
	test_ids();
	return tap_done();
}

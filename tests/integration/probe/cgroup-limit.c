/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The memory limit of the calling process, found as container-aware runtimes
 * (the JVM's CgroupSubsystemFactory, .NET, Go) find it: its cgroup from
 * /proc/self/cgroup, the hierarchy's mount from /proc/self/mountinfo, then
 * the limit file of that cgroup under the mount, walking up to the mount's
 * root and keeping the lowest limit (as the JVM does since JDK 23).
 *   v1 (a "N:...memory...:/path" line): fstype cgroup with option memory,
 *      memory.limit_in_bytes;
 *   v2 (only "0::/path"): fstype cgroup2, memory.max.
 * Prints "v1|v2 MOUNTPOINT LIMIT" (LIMIT in bytes, or "max"), exit 0; exit 1
 * and a reason on stderr when no hierarchy or limit file is found.
 * Built static by the tests (gcc -static), copied into a container.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNLIMITED UINT64_MAX

/* Is word one of the comma-separated items of list? */
static int has_item(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");
		if (l == n && !strncmp(p, word, n))
			return 1;
		p += l;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The memory controller's cgroup path: v1 line first, else the v2 one. */
static int own_cgroup(char *path, size_t size, int *v1)
{
	char line[4096], v2path[PATH_MAX] = "";
	FILE *f = fopen("/proc/self/cgroup", "re");
	int found = 0;

	if (!f)
		return perror("/proc/self/cgroup"), -1;
	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		/* "ID:CONTROLLERS:PATH" */
		*c1 = '\0';
		*c2 = '\0';
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		if (has_item(c1 + 1, "memory")) {
			snprintf(path, size, "%s", c2 + 1);
			*v1 = 1;
			found = 1;
			break;
		}
		if (!strcmp(line, "0") && c1[1] == '\0')
			snprintf(v2path, sizeof(v2path), "%s", c2 + 1);
	}
	fclose(f);
	if (!found && v2path[0]) {
		snprintf(path, size, "%s", v2path);
		*v1 = 0;
		found = 1;
	}
	return found ? 0 : -1;
}

/* The mount of the hierarchy: mount point and root (mountinfo fields 5, 4). */
static int find_mount(int v1, char *mnt, char *root)
{
	char line[8192];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (!f)
		return perror("/proc/self/mountinfo"), -1;
	while (!found && fgets(line, sizeof(line), f)) {
		char r[PATH_MAX], m[PATH_MAX], type[64], opts[1024];
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*d %*d %*d:%*d %4095s %4095s", r, m) != 2 ||
		    sscanf(dash + 3, "%63s %*s %1023s", type, opts) != 2)
			continue;
		if (v1 ? (!strcmp(type, "cgroup") && has_item(opts, "memory"))
		       : !strcmp(type, "cgroup2")) {
			strcpy(mnt, m);
			strcpy(root, r);
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

static uint64_t read_limit(const char *dir, const char *file)
{
	char path[PATH_MAX * 2 + 64], buf[64];
	FILE *f;
	uint64_t v;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (!strncmp(buf, "max", 3))
		return UNLIMITED;
	v = strtoull(buf, NULL, 10);
	/* v1 says "unlimited" with a page-rounded LONG_MAX */
	return v >= (UINT64_C(1) << 62) ? UNLIMITED : v;
}

int main(void)
{
	char cg[PATH_MAX], mnt[PATH_MAX], root[PATH_MAX], dir[PATH_MAX * 2];
	const char *file, *rel;
	uint64_t lim = UNLIMITED;
	int v1 = 0, any = 0;
	size_t top;

	if (own_cgroup(cg, sizeof(cg), &v1) < 0)
		return fprintf(stderr, "no memory cgroup in /proc/self/cgroup\n"), 1;
	if (find_mount(v1, mnt, root) < 0)
		return fprintf(stderr, "no %s mount in /proc/self/mountinfo\n",
			       v1 ? "cgroup (memory)" : "cgroup2"),
		       1;
	file = v1 ? "memory.limit_in_bytes" : "memory.max";
	/* the cgroup's path under the mount, as the JVM computes it */
	if (!strcmp(root, "/"))
		rel = cg;
	else if (!strncmp(cg, root, strlen(root)))
		rel = cg + strlen(root);
	else
		return fprintf(stderr, "cgroup %s is not under the mount's root %s\n", cg, root), 1;
	snprintf(dir, sizeof(dir), "%s%s", mnt, strcmp(rel, "/") ? rel : "");
	top = strlen(mnt);
	for (;;) {
		uint64_t v = read_limit(dir, file);

		if (v) {
			any = 1;
			if (v < lim)
				lim = v;
		}
		if (strlen(dir) <= top)
			break;
		*strrchr(dir, '/') = '\0';
		if (strlen(dir) < top)
			break;
	}
	if (!any)
		return fprintf(stderr, "no %s under %s\n", file, mnt), 1;
	if (lim == UNLIMITED)
		printf("%s %s max\n", v1 ? "v1" : "v2", mnt);
	else
		printf("%s %s %llu\n", v1 ? "v1" : "v2", mnt, (unsigned long long)lim);
	return 0;
}

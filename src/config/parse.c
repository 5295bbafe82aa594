/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsers and value validators. They never log: validators put the reason
 * into a buffer, and the caller logs it with the file, line and key. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "config/schema.h"
#include "userns/shift.h"
#include "util/cleanup.h"
#include "util/strv.h"

static int fail(char *reason, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *reason, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Unsigned decimal without sign or spaces; *end points after it. */
static int parse_u64(const char *s, uint64_t *ret, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	*end = p;
	return 0;
}

static int parse_u64_full(const char *s, uint64_t *ret)
{
	const char *end;
	int r = parse_u64(s, ret, &end);

	if (r < 0)
		return r;
	return *end ? -EINVAL : 0;
}

int conf_parse_int(const char *s, int64_t *ret)
{
	bool neg = s[0] == '-';
	uint64_t v;
	int r = parse_u64_full(s + neg, &v);

	if (r < 0)
		return r;
	if (v > (uint64_t)INT64_MAX)
		return -ERANGE;
	*ret = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

int conf_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int unit_shift(char c)
{
	switch (toupper((unsigned char)c)) {
	case 'K':
		return 10;
	case 'M':
		return 20;
	case 'G':
		return 30;
	case 'T':
		return 40;
	default:
		return -1;
	}
}

int conf_parse_size(const char *s, uint64_t *ret)
{
	uint64_t whole, frac = 0, frac_div = 1;
	const char *p;
	int shift = 0;

	if (!s)
		return -EINVAL;
	if (strcasecmp(s, "max") == 0) {
		*ret = CONF_UNLIMITED;
		return 0;
	}
	if (parse_u64(s, &whole, &p) < 0)
		return -EINVAL;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (frac_div >= 1000000000ULL)
				continue; /* ignore digits beyond 1e-9 */
			frac = frac * 10 + (uint64_t)(*p - '0');
			frac_div *= 10;
		}
		if (frac_div == 1)
			return -EINVAL;
	}
	if (*p && unit_shift(*p) >= 0)
		shift = unit_shift(*p++);
	if (shift > 0 && p[0] == 'i' && p[1] == 'B')
		p += 2;
	else if (*p == 'B' || *p == 'b')
		p++;
	if (*p || (frac_div > 1 && shift == 0))
		return -EINVAL;
	if (shift > 0 && whole > (UINT64_MAX >> shift))
		return -ERANGE;
	whole <<= shift;
	if (frac_div > 1)
		/* frac < 1e9 (30 bits), shifted by up to 40: 128-bit arithmetic */
		whole += (uint64_t)(((unsigned __int128)frac << shift) / frac_div);
	if (whole >= CONF_UNSET)
		return -ERANGE;
	*ret = whole;
	return 0;
}

void conf_format_size(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int i = -1;

	if (v == CONF_UNLIMITED) {
		snprintf(buf, len, "max");
		return;
	}
	while (i < 3 && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%" PRIu64 "%c", v, units[i]);
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{"HUP", SIGHUP},       {"INT", SIGINT},	  {"QUIT", SIGQUIT},	 {"ILL", SIGILL},
	{"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},	 {"BUS", SIGBUS},
	{"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},	 {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},	 {"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},	 {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},	 {"URG", SIGURG},
	{"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	{"WINCH", SIGWINCH},   {"IO", SIGIO},	  {"POLL", SIGPOLL},	 {"PWR", SIGPWR},
	{"SYS", SIGSYS},
};

static int parse_rt(const char *s, int *ret)
{
	int base, sign;
	uint64_t n = 0;

	if (strncasecmp(s, "RTMIN", 5) == 0) {
		base = SIGRTMIN;
		sign = 1;
	} else if (strncasecmp(s, "RTMAX", 5) == 0) {
		base = SIGRTMAX;
		sign = -1;
	} else {
		return -EINVAL;
	}
	s += 5;
	if (*s) {
		if ((sign > 0 && *s != '+') || (sign < 0 && *s != '-'))
			return -EINVAL;
		if (parse_u64_full(s + 1, &n) < 0 || n > (uint64_t)(SIGRTMAX - SIGRTMIN))
			return -EINVAL;
	}
	*ret = base + sign * (int)n;
	return 0;
}

int conf_signal_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (strcasecmp(name, signals[i].name) == 0)
			return signals[i].sig;
	return -ENOENT;
}

int conf_parse_signal(const char *s, int *ret)
{
	uint64_t n;
	int sig;

	if (!s || !*s)
		return -EINVAL;
	if (isdigit((unsigned char)*s)) {
		if (parse_u64_full(s, &n) < 0 || n < 1 || n > (uint64_t)SIGRTMAX)
			return -EINVAL;
		*ret = (int)n;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	sig = conf_signal_by_name(s);
	if (sig > 0) {
		*ret = sig;
		return 0;
	}
	return parse_rt(s, ret);
}

int conf_parse_cpumax(const char *s, uint64_t *ret_quota, uint64_t *ret_period)
{
	uint64_t quota, period = 100000;
	const char *p;

	if (str_endswith(s, "%")) {
		uint64_t pct;
		if (parse_u64(s, &pct, &p) < 0 || *p != '%' || pct < 1 || pct > 100000)
			return -EINVAL;
		*ret_quota = pct * 1000; /* percent of one CPU, 100ms period */
		*ret_period = period;
		return 0;
	}
	if (strncmp(s, "max", 3) == 0) {
		quota = CONF_UNLIMITED;
		p = s + 3;
	} else if (parse_u64(s, &quota, &p) < 0 || quota < 1000 || quota >= CONF_UNSET) {
		return -EINVAL;
	}
	if (*p == ' ') {
		if (parse_u64_full(p + 1, &period) < 0 || period < 1000 || period > 1000000)
			return -EINVAL;
	} else if (*p || quota != CONF_UNLIMITED) {
		return -EINVAL; /* a quota needs its period */
	}
	*ret_quota = quota;
	*ret_period = period;
	return 0;
}

static int parse_limit_one(const char *s, uint64_t *ret)
{
	if (strcmp(s, "unlimited") == 0 || strcmp(s, "infinity") == 0) {
		*ret = CONF_UNLIMITED;
		return 0;
	}
	if (strcasecmp(s, "max") == 0)
		return -EINVAL;
	return conf_parse_size(s, ret);
}

int conf_parse_limit(const char *s, uint64_t *ret_soft, uint64_t *ret_hard)
{
	const char *colon = strchr(s, ':');
	uint64_t soft, hard;

	if (!colon) {
		if (parse_limit_one(s, &soft) < 0)
			return -EINVAL;
		*ret_soft = *ret_hard = soft;
		return 0;
	}
	_cleanup_free_ char *a = strndup(s, (size_t)(colon - s));
	if (!a)
		return -ENOMEM;
	if (parse_limit_one(a, &soft) < 0 || parse_limit_one(colon + 1, &hard) < 0)
		return -EINVAL;
	if (soft > hard)
		return -ERANGE;
	*ret_soft = soft;
	*ret_hard = hard;
	return 0;
}

int conf_check_limit(const char *s, char *reason, size_t len)
{
	uint64_t soft, hard;
	int r = conf_parse_limit(s, &soft, &hard);

	if (r == -ERANGE)
		return fail(reason, len, "soft limit is above the hard limit in \"%s\"", s);
	if (r < 0)
		return fail(reason, len,
			    "invalid limit \"%s\" (use a number, a size, \"unlimited\" or "
			    "\"SOFT:HARD\")",
			    s);
	return 0;
}

int conf_check_name(const char *s, char *reason, size_t len)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return fail(reason, len, "invalid name \"%s\" (1 to 64 characters)", s);
	if (!isalnum((unsigned char)s[0]) || strstr(s, "..") ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return fail(reason, len,
			    "invalid name \"%s\" (letters, digits, '_', '.', '-', starting with "
			    "a letter or digit, no \"..\")",
			    s);
	return 0;
}

int conf_check_hostname(const char *s, char *reason, size_t len)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > 253)
		goto bad;
	for (const char *p = s;; p++) {
		if (*p == '.' || !*p) {
			if (label == 0 || label > 63 || p[-1] == '-')
				goto bad;
			if (!*p)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*p) || (*p == '-' && label > 0)) {
			label++;
		} else {
			goto bad;
		}
	}
bad:
	return fail(reason, len,
		    "invalid hostname \"%s\" (labels of letters, digits and '-', at most 63 "
		    "characters each, 253 in all)",
		    s);
}

char *conf_hostname_from_name(const char *name)
{
	char *h = malloc(strlen(name) + 1), *o = h;

	if (!h)
		return NULL;
	for (const char *p = name; *p;) {
		size_t n = strcspn(p, "."), label = 0;
		char *start = o + (o > h);

		if (o > h)
			*o++ = '.';
		for (size_t i = 0; i < n && label < 63; i++) {
			char c = p[i] == '_' ? '-' : p[i];
			if (c == '-' && label == 0)
				continue; /* a label starts with a letter or digit */
			*o++ = c;
			label++;
		}
		while (o > start && o[-1] == '-') /* ... and ends with one */
			o--;
		if (o == start) /* empty label: dropped with its dot */
			o = start - (start > h);
		p += n;
		if (*p == '.')
			p++;
	}
	*o = '\0';
	return h;
}

int conf_check_uuid(const char *s, char *reason, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			break;
	}
	if (i != 36 || s[i])
		return fail(reason, len,
			    "invalid UUID \"%s\" (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
			    s);
	return 0;
}

int conf_check_shifted(const char *s, char *reason, size_t len)
{
	_cleanup_free_ struct conf_idmap *m = NULL;
	size_t n;
	int r = userns_shift_parse(s, &m, &n);

	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return fail(reason, len,
			    "invalid \"%s\" (expected KIND:CONTAINER:HOST:COUNT entries, KIND u, g "
			    "or b, comma separated)",
			    s);
	return 0;
}

int conf_check_abspath(const char *s, char *reason, size_t len)
{
	if (s[0] != '/')
		return fail(reason, len, "\"%s\" is not an absolute path", s);
	return 0;
}

/* A mount point inside the container: absolute, no ".." (it would climb
 * back to the root, which cannot be mounted over), not the root itself. */
int conf_check_mount_target(const char *s, char *reason, size_t len)
{
	bool only_root = true;

	if (s[0] != '/')
		return fail(reason, len, "\"%s\" is not an absolute path", s);
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && strncmp(p, "..", 2) == 0)
			return fail(reason, len, "\"%s\" has a \"..\" component", s);
		if (n > 0 && !(n == 1 && *p == '.'))
			only_root = false;
		p += n;
		p += strspn(p, "/");
	}
	if (only_root)
		return fail(reason, len,
			    "\"%s\" is the container's root, which cannot be mounted over", s);
	return 0;
}

int conf_check_group(const char *s, char *reason, size_t len)
{
	if (strlen(s) > 64)
		return fail(reason, len, "\"%s\" is longer than 64 characters", s);
	for (const char *c = s; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.' && *c != '-')
			return fail(reason, len,
				    "\"%s\" may only contain letters, digits, '_', '.' and '-'", s);
	return 0;
}

int conf_check_cmd(const config_setting_t *arr, char *reason, size_t len)
{
	const char *first;

	if (config_setting_length(arr) == 0)
		return fail(reason, len, "must not be empty");
	first = config_setting_get_string_elem(arr, 0);
	if (first && first[0] != '/')
		return fail(reason, len, "the command \"%s\" must be an absolute path", first);
	return 0;
}

static bool is_identifier(const char *s, size_t n)
{
	if (n == 0 || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

int conf_check_env(const char *s, char *reason, size_t len)
{
	const char *eq = strchr(s, '=');

	if (!eq || !is_identifier(s, (size_t)(eq - s)))
		return fail(reason, len,
			    "invalid environment entry \"%s\" (expected VAR=VALUE, VAR a valid "
			    "identifier)",
			    s);
	return 0;
}

int conf_check_cpumax(const char *s, char *reason, size_t len)
{
	uint64_t q, p;

	if (conf_parse_cpumax(s, &q, &p) < 0)
		return fail(reason, len,
			    "invalid cpu.max \"%s\" (use \"QUOTA PERIOD\" in microseconds, "
			    "\"max\", \"max PERIOD\" or a percentage of one CPU like \"50%%\")",
			    s);
	return 0;
}

int conf_check_cpuset(const char *s, char *reason, size_t len)
{
	const char *p = s;
	uint64_t a, b;

	do {
		if (parse_u64(p, &a, &p) < 0 || a > 8191)
			goto bad;
		b = a;
		if (*p == '-' && (parse_u64(p + 1, &b, &p) < 0 || b < a || b > 8191))
			goto bad;
		if (*p != ',')
			break;
		p++;
	} while (true);
	if (!*p)
		return 0;
bad:
	return fail(reason, len, "invalid list \"%s\" (expected e.g. \"0-3,5\")", s);
}

static int check_io_max_kv(const char *kv, unsigned *seen)
{
	static const char *const keys[] = {"rbps", "wbps", "riops", "wiops"};
	const char *eq = strchr(kv, '=');
	uint64_t v;
	size_t klen;

	if (!eq)
		return -EINVAL;
	klen = (size_t)(eq - kv);
	for (unsigned i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strlen(keys[i]) != klen || strncmp(kv, keys[i], klen) != 0)
			continue;
		if (*seen & (1u << i))
			return -EINVAL;
		*seen |= 1u << i;
		if (strcmp(eq + 1, "max") == 0)
			return 0;
		if (i < 2)
			return conf_parse_size(eq + 1, &v);
		return parse_u64_full(eq + 1, &v);
	}
	return -EINVAL;
}

int conf_check_io_max(const char *s, char *reason, size_t len)
{
	_cleanup_free_ char *copy = strdup(s);
	char *save = NULL, *tok;
	unsigned seen = 0;

	if (!copy)
		return -ENOMEM;
	tok = strtok_r(copy, " \t", &save);
	if (!tok || tok[0] != '/')
		goto bad;
	while ((tok = strtok_r(NULL, " \t", &save)))
		if (check_io_max_kv(tok, &seen) < 0)
			goto bad;
	if (seen)
		return 0;
bad:
	return fail(reason, len,
		    "invalid io.max entry \"%s\" (expected \"/dev/DEVICE rbps=N wbps=N riops=N "
		    "wiops=N\" with at least one of them)",
		    s);
}

int conf_check_io_weight(const char *s, char *reason, size_t len)
{
	const char *sp = strchr(s, ' ');
	uint64_t n;

	if (!sp || (strncmp(s, "default ", 8) != 0 && s[0] != '/') ||
	    parse_u64_full(sp + 1, &n) < 0 || n < 1 || n > 10000)
		return fail(reason, len,
			    "invalid io.weight entry \"%s\" (expected \"default N\" or "
			    "\"/dev/DEVICE N\", N from 1 to 10000)",
			    s);
	return 0;
}

int conf_check_sysctl_key(const char *s, char *reason, size_t len)
{
	static const char *const prefixes[] = {"net.", "kernel.shm", "kernel.msg", "kernel.sem_",
					       "fs.mqueue."};
	static const char *const exact[] = {"kernel.sem", "kernel.hostname", "kernel.domainname"};
	size_t n = strlen(s);

	if (n == 0 || s[0] == '.' || s[n - 1] == '.' || strstr(s, "..") ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/") != n)
		return fail(reason, len, "invalid sysctl name \"%s\"", s);
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (str_startswith(s, prefixes[i]) && n > strlen(prefixes[i]))
			return 0;
	for (size_t i = 0; i < ARRAY_SIZE(exact); i++)
		if (strcmp(s, exact[i]) == 0)
			return 0;
	return fail(reason, len, "sysctl \"%s\" is not namespaced: it would change the host", s);
}

int conf_check_ifname(const char *s, char *reason, size_t len)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    strpbrk(s, "/: \t\n"))
		return fail(reason, len,
			    "invalid interface name \"%s\" (1 to 15 characters, no '/', ':' or "
			    "spaces)",
			    s);
	return 0;
}

/* "NAME ipv4=CIDR|none ipv6=CIDR|none nat|no-nat [isolated] [domain=D]": a
 * managed network as sysc-net records it in sysc.conf (src/net/managed.c). */
static int check_addr(const char *s, int family, bool allow_len, bool need_len);

static int check_net_item(const char *t)
{
	if (!strncmp(t, "ipv4=", 5))
		return !strcmp(t + 5, "none") ? 0 : check_addr(t + 5, AF_INET, true, true);
	if (!strncmp(t, "ipv6=", 5))
		return !strcmp(t + 5, "none") ? 0 : check_addr(t + 5, AF_INET6, true, true);
	if (!strncmp(t, "domain=", 7))
		return t[7] && t[7] != '.' && strlen(t + 7) < 64 &&
				       !t[7 +
					  strspn(t + 7, "abcdefghijklmnopqrstuvwxyz0123456789-.")]
			       ? 0
			       : -EINVAL;
	return !strcmp(t, "nat") || !strcmp(t, "no-nat") || !strcmp(t, "isolated") ? 0 : -EINVAL;
}

int conf_check_net_record(const char *s, char *reason, size_t len)
{
	char *copy = strdup(s), *save = NULL, *t;
	int r = 0;

	if (!copy)
		return fail(reason, len, "out of memory");
	t = strtok_r(copy, " ", &save);
	if (!t || conf_check_ifname(t, reason, len) < 0)
		r = fail(reason, len, "invalid network record \"%s\" (expected NAME ipv4=... ...)",
			 s);
	while (r == 0 && (t = strtok_r(NULL, " ", &save)))
		if (check_net_item(t) < 0)
			r = fail(reason, len, "network record \"%s\": invalid item \"%s\"", s, t);
	free(copy);
	return r;
}

int conf_check_hwaddr(const char *s, char *reason, size_t len)
{
	unsigned b[6];
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6 ||
	    s[2] != ':' || s[5] != ':' || s[8] != ':' || s[11] != ':' || s[14] != ':')
		return fail(reason, len, "invalid MAC address \"%s\" (expected xx:xx:xx:xx:xx:xx)",
			    s);
	if (b[0] & 1)
		return fail(reason, len, "MAC address \"%s\" is multicast, not unicast", s);
	if ((b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) == 0)
		return fail(reason, len, "MAC address \"%s\" is all zeros", s);
	return 0;
}

/* "ADDR" or "ADDR/LEN" (if allow_len; required if need_len). */
static int check_addr(const char *s, int family, bool allow_len, bool need_len)
{
	unsigned char buf[16];
	const char *slash = strchr(s, '/');
	int maxlen = family == AF_INET ? 32 : 128;
	uint64_t n;

	if (slash && (!allow_len || parse_u64_full(slash + 1, &n) < 0 || n > (uint64_t)maxlen))
		return -EINVAL;
	if (!slash && need_len)
		return -EINVAL;
	_cleanup_free_ char *a = slash ? strndup(s, (size_t)(slash - s)) : strdup(s);
	if (!a)
		return -ENOMEM;
	return inet_pton(family, a, buf) == 1 ? 0 : -EINVAL;
}

int conf_check_cidr4(const char *s, char *reason, size_t len)
{
	if (check_addr(s, AF_INET, true, true) < 0)
		return fail(reason, len, "invalid IPv4 address \"%s\" (expected a.b.c.d/LEN)", s);
	return 0;
}

int conf_check_cidr6(const char *s, char *reason, size_t len)
{
	if (check_addr(s, AF_INET6, true, true) < 0)
		return fail(reason, len, "invalid IPv6 address \"%s\" (expected x:y::z/LEN)", s);
	return 0;
}

int conf_check_ip4(const char *s, char *reason, size_t len)
{
	if (check_addr(s, AF_INET, false, false) < 0)
		return fail(reason, len, "invalid IPv4 address \"%s\"", s);
	return 0;
}

int conf_check_ip6(const char *s, char *reason, size_t len)
{
	if (check_addr(s, AF_INET6, false, false) < 0)
		return fail(reason, len, "invalid IPv6 address \"%s\"", s);
	return 0;
}

/* One port number of a port forward, 1 to 65535. */
static int parse_port_number(const char *s, size_t n, uint16_t *ret)
{
	char buf[8];
	uint64_t v;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_u64_full(buf, &v) < 0 || v < 1 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

#define PORT_SYNTAX "PROTO:[HOSTADDR:]HOSTPORT:PORT, e.g. \"tcp:8080:80\""

int conf_parse_port(const char *s, struct conf_port *ret, char *reason, size_t len)
{
	const char *f[5];
	size_t n[4], nf = 0;

	memset(ret, 0, sizeof(*ret));
	for (const char *p = s; nf < ARRAY_SIZE(f); nf++) {
		f[nf] = p;
		p = strchrnul(p, ':');
		n[nf < 4 ? nf : 3] = (size_t)(p - f[nf]);
		if (!*p) {
			nf++;
			break;
		}
		p++;
	}
	if (nf != 3 && nf != 4)
		return fail(reason, len, "invalid port forward \"%s\" (expected " PORT_SYNTAX ")",
			    s);
	if (n[0] == 3 && !strncmp(f[0], "tcp", 3))
		ret->proto = IPPROTO_TCP;
	else if (n[0] == 3 && !strncmp(f[0], "udp", 3))
		ret->proto = IPPROTO_UDP;
	else
		return fail(reason, len,
			    "invalid port forward \"%s\": protocol \"%.*s\" is not tcp or udp", s,
			    (int)n[0], f[0]);
	if (nf == 4) {
		struct in_addr a;

		if (n[1] >= sizeof(ret->host_addr))
			return fail(reason, len,
				    "invalid port forward \"%s\": \"%.*s\" is not an IPv4 address",
				    s, (int)n[1], f[1]);
		memcpy(ret->host_addr, f[1], n[1]);
		ret->host_addr[n[1]] = '\0';
		if (inet_pton(AF_INET, ret->host_addr, &a) != 1)
			return fail(reason, len,
				    "invalid port forward \"%s\": \"%s\" is not an IPv4 address", s,
				    ret->host_addr);
	}
	for (size_t i = nf - 2; i < nf; i++)
		if (parse_port_number(f[i], n[i], i == nf - 2 ? &ret->host_port : &ret->port) < 0)
			return fail(reason, len,
				    "invalid port forward \"%s\": %s port \"%.*s\" is not a number "
				    "from 1 to 65535",
				    s, i == nf - 2 ? "host" : "container", (int)n[i], f[i]);
	return 0;
}

int conf_check_port(const char *s, char *reason, size_t len)
{
	struct conf_port p;

	return conf_parse_port(s, &p, reason, len);
}

int conf_check_route(const char *s, char *reason, size_t len)
{
	char dest[128], gw[128], extra;
	int fam;

	if (sscanf(s, "%127s via %127s %c", dest, gw, &extra) != 2)
		goto bad;
	fam = strchr(gw, ':') ? AF_INET6 : AF_INET;
	if (check_addr(gw, fam, false, false) < 0)
		goto bad;
	if (strcmp(dest, "default") == 0 || check_addr(dest, fam, true, false) == 0)
		return 0;
bad:
	return fail(reason, len,
		    "invalid route \"%s\" (expected \"DEST[/LEN] via GATEWAY\", both of the same "
		    "address family)",
		    s);
}

static const char *const cap_names[] = {
	"chown",
	"dac_override",
	"dac_read_search",
	"fowner",
	"fsetid",
	"kill",
	"setgid",
	"setuid",
	"setpcap",
	"linux_immutable",
	"net_bind_service",
	"net_broadcast",
	"net_admin",
	"net_raw",
	"ipc_lock",
	"ipc_owner",
	"sys_module",
	"sys_rawio",
	"sys_chroot",
	"sys_ptrace",
	"sys_pacct",
	"sys_admin",
	"sys_boot",
	"sys_nice",
	"sys_resource",
	"sys_time",
	"sys_tty_config",
	"mknod",
	"lease",
	"audit_write",
	"audit_control",
	"setfcap",
	"mac_override",
	"mac_admin",
	"syslog",
	"wake_alarm",
	"block_suspend",
	"audit_read",
	"perfmon",
	"bpf",
	"checkpoint_restore",
};

int conf_parse_cap(const char *s, char **ret)
{
	if (strncasecmp(s, "cap_", 4) == 0)
		s += 4;
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++) {
		if (strcasecmp(s, cap_names[i]) == 0) {
			char *c = strdup(cap_names[i]);
			if (!c)
				return -ENOMEM;
			*ret = c;
			return 0;
		}
	}
	return -EINVAL;
}

int conf_check_cap(const char *s, char *reason, size_t len)
{
	_cleanup_free_ char *c = NULL;
	int r = conf_parse_cap(s, &c);

	if (r == -EINVAL)
		return fail(reason, len, "unknown capability \"%s\" (e.g. \"sys_admin\")", s);
	return r;
}

int conf_check_seccomp_profile(const char *s, char *reason, size_t len)
{
	if (strcmp(s, "default") && strcmp(s, "none") && s[0] != '/')
		return fail(reason, len,
			    "invalid profile \"%s\" (\"default\", \"none\" or an absolute path)",
			    s);
	return 0;
}

/* "MAJ:MIN" where each may be '*' if allow_star. */
static int parse_devnum(const char *s, bool allow_star, const char **end)
{
	uint64_t maj, min;
	const char *p = s;

	if (allow_star && *p == '*')
		p++;
	else if (parse_u64(p, &maj, &p) < 0 || maj > 4095)
		return -EINVAL;
	if (*p++ != ':')
		return -EINVAL;
	if (allow_star && *p == '*')
		p++;
	else if (parse_u64(p, &min, &p) < 0 || min > 0xfffff)
		return -EINVAL;
	*end = p;
	return 0;
}

int conf_check_dev_allow(const char *s, char *reason, size_t len)
{
	const char *p = s + 1;
	unsigned seen = 0;

	if (strcmp(s, "a") == 0)
		return 0;
	/* strchr() finds the NUL too: an empty rule must not get past here */
	if (!s[0] || !strchr("cba", s[0]) || *p++ != ' ' || parse_devnum(p, true, &p) < 0)
		goto bad;
	if (*p == ' ') {
		for (p++; *p; p++) {
			const char *c = strchr("rwm", *p);
			if (!c || !*p || (seen & (1u << (c - "rwm"))))
				goto bad;
			seen |= 1u << (c - "rwm");
		}
		if (!seen)
			goto bad;
	}
	if (!*p)
		return 0;
bad:
	return fail(reason, len,
		    "invalid device rule \"%s\" (expected \"c|b|a MAJOR|*:MINOR|* [rwm]\", e.g. "
		    "\"c 10:200 rwm\")",
		    s);
}

int conf_check_dev_create(const char *s, char *reason, size_t len)
{
	char path[256], type[4], num[64], mode[16], extra;
	const char *end;
	char *mend;
	unsigned long m;

	if (sscanf(s, "%255s %3s %63s %15s %c", path, type, num, mode, &extra) != 4)
		goto bad;
	if (!str_startswith(path, "/dev/") || !path[5] || strstr(path, "/../") ||
	    str_endswith(path, "/.."))
		goto bad;
	if ((strcmp(type, "c") && strcmp(type, "b")) || parse_devnum(num, false, &end) < 0 || *end)
		goto bad;
	errno = 0;
	m = strtoul(mode, &mend, 8);
	if (errno || *mend || m > 07777 || !isdigit((unsigned char)mode[0]))
		goto bad;
	return 0;
bad:
	return fail(reason, len,
		    "invalid device \"%s\" (expected \"/dev/PATH c|b MAJOR:MINOR MODE\", e.g. "
		    "\"/dev/net/tun c 10:200 0666\")",
		    s);
}

int conf_check_fstype(const char *s, char *reason, size_t len)
{
	size_t n = strlen(s);

	if (n == 0 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		return fail(reason, len, "invalid filesystem type \"%s\"", s);
	return 0;
}

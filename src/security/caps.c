/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "security/caps.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>

DEFINE_CLEANUP_FUNC(cap_t, cap_free)

int caps_last_cap(void)
{
	static int last = -1;

	if (last < 0) {
		/* CAP_LAST_CAP of the running kernel, not of our headers */
		last = (int)cap_max_bits() - 1;
		if (last < 0 || last > 63)
			last = CAP_LAST_CAP;
	}
	return last;
}

int caps_from_name(const char *name)
{
	_cleanup_free_ char *full = NULL;
	cap_value_t v;

	if (strncasecmp(name, "cap_", 4) != 0) {
		full = str_printf("cap_%s", name);
		if (!full)
			return -ENOMEM;
		name = full;
	}
	if (cap_from_name(name, &v) < 0 || v < 0 || v > 63)
		return -EINVAL;
	return v;
}

int caps_from_config(char *const *drop, char *const *keep, uint64_t *ret_keep)
{
	int last = caps_last_cap();
	uint64_t all = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
	uint64_t set = strv_length(keep) ? 0 : all;

	for (size_t i = 0; keep && keep[i]; i++) {
		int c = caps_from_name(keep[i]);
		if (c < 0 || c > last)
			return log_error_errno(-EINVAL,
					       "capabilities.keep: \"%s\" is unknown to this "
					       "kernel",
					       keep[i]);
		set |= UINT64_C(1) << c;
	}
	for (size_t i = 0; !strv_length(keep) && drop && drop[i]; i++) {
		int c = caps_from_name(drop[i]);
		if (c < 0 || c > last) {
			log_debug("capabilities.drop: \"%s\" is unknown to this kernel", drop[i]);
			continue;
		}
		set &= ~(UINT64_C(1) << c);
	}
	*ret_keep = set;
	return 0;
}

int caps_apply_bounding(uint64_t keep)
{
	int last = caps_last_cap();

	for (int c = 0; c <= last; c++) {
		if (keep & (UINT64_C(1) << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) {
			int r = -errno;
			_cleanup_free_ char *n = cap_to_name(c);
			return log_error_errno(r, "cannot drop %s from the bounding set: %m",
					       n ? n : "?");
		}
	}
	return 0;
}

int caps_apply_final(uint64_t keep)
{
	_cleanup_(cap_freep) cap_t caps = cap_get_proc();
	int last = caps_last_cap();

	if (!caps)
		return log_error_errno(-errno, "cannot read the process capabilities: %m");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return log_error_errno(-errno, "cannot clear the ambient capabilities: %m");
	if (cap_clear_flag(caps, CAP_INHERITABLE) < 0)
		return -EINVAL;
	for (int c = 0; c <= last; c++) {
		cap_value_t v = c;
		if (keep & (UINT64_C(1) << c))
			continue;
		if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) < 0 ||
		    cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_CLEAR) < 0)
			return -EINVAL;
	}
	if (cap_set_proc(caps) < 0)
		return log_error_errno(-errno, "cannot set the process capabilities: %m");
	return 0;
}

int caps_apply_sets(uint64_t effective, uint64_t permitted, uint64_t inheritable, uint64_t ambient)
{
	_cleanup_(cap_freep) cap_t caps = cap_init();
	int last = caps_last_cap();

	if (!caps)
		return -ENOMEM;
	for (int c = 0; c <= last; c++) {
		cap_value_t v = c;
		uint64_t bit = UINT64_C(1) << c;

		if ((effective & bit) && cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0)
			return -EINVAL;
		if ((permitted & bit) && cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET) < 0)
			return -EINVAL;
		if ((inheritable & bit) && cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET) < 0)
			return -EINVAL;
	}
	if (cap_set_proc(caps) < 0)
		return log_error_errno(-errno, "cannot set the process capabilities: %m");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return log_error_errno(-errno, "cannot clear the ambient capabilities: %m");
	for (int c = 0; c <= last; c++)
		if ((ambient & (UINT64_C(1) << c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return log_error_errno(-errno, "cannot raise ambient capability %d: %m", c);
	return 0;
}

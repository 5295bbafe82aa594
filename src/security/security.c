/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "security/security.h"
#include "config/config.h"
#include "security/caps.h"
#include "security/seccomp.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

int security_prepare(const struct sysc_conf *conf, struct security_policy **ret)
{
	_cleanup_(seccomp_profile_freep) struct seccomp_profile *prof = NULL;
	struct security_policy *p = calloc(1, sizeof(*p));
	void *ctx = NULL;
	int r;

	if (!p)
		return -ENOMEM;
	p->no_new_privs = conf->security.no_new_privs;
	r = caps_from_config(conf->capabilities.drop, conf->capabilities.keep, &p->caps_keep);
	if (r == 0)
		r = seccomp_profile_load(conf->seccomp.profile, &prof);
	if (r == 0 && prof)
		r = seccomp_build(prof, conf->seccomp.allow_bpf, &ctx);
	if (r == 0 && ctx) {
		r = seccomp_compile(ctx, &p->seccomp);
		if (r == -E2BIG)
			log_error("the seccomp filter of %s is longer than the kernel loads (%d "
				  "BPF instructions): give it fewer rules",
				  prof->file, BPF_MAXINSNS);
		else if (r < 0)
			log_error_errno(r, "cannot compile the seccomp filter of %s: %m",
					prof->file);
	}
	seccomp_ctx_free(ctx);
	if (r < 0) {
		security_policy_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

void security_limit_caps(struct security_policy *p, uint64_t bounding)
{
	p->caps_keep &= bounding;
}

int security_apply_early(const struct security_policy *p)
{
	int r = caps_apply_bounding(p->caps_keep);

	if (r < 0)
		return r;
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return log_error_errno(-errno, "cannot set no_new_privs: %m");
	if (p->seccomp) {
		r = seccomp_install(p->seccomp);
		if (r < 0)
			return log_error_errno(r, "cannot load the seccomp filter: %m");
	}
	return 0;
}

int security_apply_final(const struct security_policy *p)
{
	return caps_apply_final(p->caps_keep);
}

void security_policy_free(struct security_policy *p)
{
	if (!p)
		return;
	free(p->seccomp);
	free(p);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/facts.h"
#include "config/config.h"
#include "lib/paths.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *facts_file_of(const char *config_file)
{
	const char *slash = strrchr(config_file, '/');

	if (!slash)
		return strdup("facts");
	return str_printf("%.*s/facts", (int)(slash - config_file), config_file);
}

int facts_load_conf(const struct sysc_paths *p, const char *config_file, struct sysc_conf **ret)
{
	_cleanup_free_ char *facts = facts_file_of(config_file);

	if (!facts)
		return log_error_errno(-ENOMEM, "out of memory");
	return conf_load_facts(p->default_conf, config_file, facts, ret);
}

int facts_pair_open(const char *config_file, struct facts_pair *ret)
{
	struct facts_pair fp = {.config_file = strdup(config_file),
				.facts_file = facts_file_of(config_file)};
	int r = fp.config_file && fp.facts_file ? 0 : log_error_errno(-ENOMEM, "out of memory");

	if (r == 0)
		r = conf_edit_open(config_file, &fp.cfg);
	if (r == 0)
		r = conf_facts_open(fp.facts_file, &fp.facts);
	if (r == 0)
		r = fp.moved = conf_edit_move_facts(fp.cfg, fp.facts);
	if (r < 0) {
		facts_pair_done(&fp);
		return r;
	}
	*ret = fp;
	return 0;
}

int facts_pair_write(const struct sysc_paths *p, struct facts_pair *fp)
{
	int r = fp->moved > 0 || fp->facts_changed ? conf_facts_write(fp->facts, fp->facts_file)
						   : 0;

	if (r == 0 && (fp->moved > 0 || fp->cfg_changed))
		r = conf_edit_write(fp->cfg, p->default_conf, fp->config_file);
	if (r == 0 && fp->moved > 0)
		log_info("%s: %d fact%s recorded by sysc moved to %s", fp->config_file, fp->moved,
			 fp->moved == 1 ? "" : "s", fp->facts_file);
	return r;
}

void facts_pair_done(struct facts_pair *fp)
{
	conf_edit_free(fp->cfg);
	conf_edit_free(fp->facts);
	free(fp->config_file);
	free(fp->facts_file);
	*fp = (struct facts_pair){0};
}

int facts_migrate(const struct sysc_paths *p, const char *config_file)
{
	struct facts_pair fp;
	int r = facts_pair_open(config_file, &fp);

	if (r < 0)
		return r;
	r = fp.moved > 0 ? facts_pair_write(p, &fp) : 0;
	if (r == 0)
		r = fp.moved;
	facts_pair_done(&fp);
	return r;
}

int facts_pair_edit(const struct sysc_paths *p, const char *config_file, bool in_facts,
		    const char *key, const char *value)
{
	struct facts_pair fp;
	struct conf_edit *ed;
	int r = facts_pair_open(config_file, &fp);

	if (r < 0)
		return r;
	ed = in_facts ? fp.facts : fp.cfg;
	r = value ? conf_edit_set(ed, key, value) : conf_edit_unset(ed, key);
	if (in_facts)
		fp.facts_changed = true;
	else
		fp.cfg_changed = true;
	if (r == 0)
		r = facts_pair_write(p, &fp);
	facts_pair_done(&fp);
	return r;
}

int facts_set(const struct sysc_paths *p, const char *config_file, const char *key,
	      const char *value)
{
	return facts_pair_edit(p, config_file, true, key, value);
}

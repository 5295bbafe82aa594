/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/autostart.h"
#include "config/config.h"
#include "lib/paths.h"
#include "lib/start.h"
#include "lib/state.h"
#include "lib/stop.h"
#include "lib/store.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct entry {
	char *name;
	int order;
	unsigned delay;
	char *group;
};

struct plan {
	struct entry *e;
	size_t n;
};

static void plan_free(struct plan *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->e[i].name);
		free(pl->e[i].group);
	}
	free(pl->e);
}

static bool selected(const struct autostart_opts *o, const char *group)
{
	if (o->all)
		return true;
	if (!o->groups)
		return !group[0];
	return strv_contains(o->groups, group);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The selected, enabled containers in start order. A config that cannot be
 * loaded is reported and counted as a failure (*failed). */
static int make_plan(const struct sysc_paths *p, const struct autostart_opts *o, struct plan *pl,
		     int *failed)
{
	_cleanup_strv_ char **names = NULL;
	int r = store_list(p, &names);

	if (r < 0)
		return log_error_errno(r, "cannot list the containers in %s: %m", p->store);
	for (size_t i = 0; names && names[i]; i++) {
		struct sysc_conf *conf = NULL;
		const char *group;

		r = store_load_conf(p, names[i], &conf);
		if (r < 0) {
			log_error("%s: skipped, its config cannot be loaded", names[i]);
			if (!*failed)
				*failed = r;
			continue;
		}
		group = conf->autostart.group ? conf->autostart.group : "";
		if (conf->autostart.enabled && selected(o, group)) {
			struct entry *e = realloc(pl->e, (pl->n + 1) * sizeof(*e));
			if (!e) {
				conf_free(conf);
				return log_error_errno(-ENOMEM, "out of memory");
			}
			pl->e = e;
			e[pl->n] = (struct entry){.name = strdup(names[i]),
						  .order = conf->autostart.order,
						  .delay = conf->autostart.delay,
						  .group = strdup(group)};
			if (!e[pl->n].name || !e[pl->n].group) {
				free(e[pl->n].name);
				free(e[pl->n].group);
				conf_free(conf);
				return log_error_errno(-ENOMEM, "out of memory");
			}
			pl->n++;
		}
		conf_free(conf);
	}
	if (pl->n > 1)
		qsort(pl->e, pl->n, sizeof(*pl->e), cmp_entry);
	return 0;
}

static void print_plan(const struct plan *pl, const struct autostart_opts *o)
{
	printf("%-20s %-8s %-6s %s\n", "NAME", "ORDER", "DELAY", "GROUP");
	for (size_t k = 0; k < pl->n; k++) {
		const struct entry *e = &pl->e[o->action == AUTOSTART_START ? k : pl->n - 1 - k];
		printf("%-20s %-8d %-6u %s\n", e->name, e->order,
		       o->action == AUTOSTART_START ? e->delay : 0, e->group[0] ? e->group : "-");
	}
}

/* No signal handlers here: the monitors forked by start_container() must
 * keep the default ones; SIGINT/SIGTERM end sysc-autostart between steps. */
static int delay(unsigned secs)
{
	struct timespec ts = {.tv_sec = secs};

	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int start_one(const struct sysc_paths *p, const struct entry *e, bool last)
{
	struct state_info st;
	int r = state_read(p, e->name, &st);

	if (r < 0)
		return log_error_errno(r, "%s: cannot read its state: %m", e->name);
	if (st.state != STATE_STOPPED) {
		log_info("%s is already %s", e->name, state_name(st.state));
		return 0;
	}
	r = start_container(p, e->name, &(struct start_opts){0});
	if (r < 0) {
		log_error("%s: start failed", e->name);
		return r;
	}
	log_info("started %s", e->name);
	if (e->delay > 0 && !last) {
		log_info("waiting %u s after %s", e->delay, e->name);
		return delay(e->delay);
	}
	return 0;
}

static int stop_one(const struct sysc_paths *p, const struct entry *e,
		    const struct autostart_opts *o)
{
	struct stop_opts so = {.timeout = o->timeout, .kill = o->action == AUTOSTART_KILL};
	struct state_info st;
	int r = state_read(p, e->name, &st);

	if (r < 0)
		return log_error_errno(r, "%s: cannot read its state: %m", e->name);
	if (st.state == STATE_STOPPED)
		return 0;
	r = stop_container(p, e->name, &so);
	if (r < 0) {
		log_error("%s: %s failed", e->name, so.kill ? "kill" : "stop");
		return r;
	}
	log_info("%s %s", so.kill ? "killed" : "stopped", e->name);
	return 0;
}

int autostart_run(const struct sysc_paths *p, const struct autostart_opts *o)
{
	struct plan pl = {0};
	int failed = 0, r;

	r = make_plan(p, o, &pl, &failed);
	if (r < 0) {
		plan_free(&pl);
		return r;
	}
	if (o->list) {
		print_plan(&pl, o);
	} else {
		for (size_t k = 0; k < pl.n; k++) {
			if (o->action == AUTOSTART_START)
				r = start_one(p, &pl.e[k], k + 1 == pl.n);
			else
				r = stop_one(p, &pl.e[pl.n - 1 - k], o);
			if (r < 0 && !failed)
				failed = r;
		}
	}
	plan_free(&pl);
	return failed;
}

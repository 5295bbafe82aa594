/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal to src/config: the schema table (every key, its type, validator,
 * default and documentation) and its lookup (schema.c), the merged view of a
 * default file and a container file, and the parsers/validators shared by
 * load.c and edit.c. Errors are reported through diag.h; the cross-key
 * checks the table names are in cross-checks.h.
 */
#pragma once

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "config/diag.h"

enum conf_type {
	CT_GROUP,  /* nested group of keys */
	CT_LIST,   /* list of groups, e.g. network = ( { ... }, ... ) */
	CT_STRING, /* string, optionally one of choices, checked by check */
	CT_SCALAR, /* string or integer, kept as a string (sysctl values) */
	CT_INT,	   /* integer in [min, max] */
	CT_BOOL,
	CT_SIZE,   /* integer bytes or "512M"; "max" if CK_MAX */
	CT_COUNT,  /* integer >= min or "max" */
	CT_SIGNAL, /* "SIGRTMIN+3", "TERM", 15 */
	CT_STRV,   /* array of strings, each checked by check */
	CT_LIMIT,  /* rlimit: integer, "unlimited", size, or "SOFT:HARD" */
};

enum conf_store {
	ST_NONE,
	ST_STR,	   /* char * */
	ST_STRV,   /* char ** (never NULL once filled) */
	ST_BOOL,   /* bool */
	ST_INT,	   /* int */
	ST_UINT,   /* unsigned */
	ST_U32,	   /* uint32_t */
	ST_U64,	   /* uint64_t, CONF_UNSET when unset without default */
	ST_LIST,   /* array of items at off, count at off_n */
	ST_CPUMAX, /* conf_cgroup cpu_max_quota/period */
	ST_LIMIT,  /* appended to sysc_conf.limits */
	ST_KIND,   /* idmap type: char 'u' | 'g' | 'b' */
};

#define CK_REQUIRED (1u << 0) /* required (inside a list item) */
#define CK_MAX	    (1u << 1) /* CT_SIZE: "max" accepted */
#define CK_NONEMPTY (1u << 2) /* CT_STRV: at least one element */

/* Validators write a reason (no key, no location) into reason. */
typedef int (*conf_check_fn)(const char *s, char *reason, size_t len);
typedef int (*conf_check_strv_fn)(const config_setting_t *arr, char *reason, size_t len);
typedef void (*conf_check_list_fn)(struct conf_ctx *ctx, const config_setting_t *list,
				   const char *disp);

struct conf_key {
	const char *path; /* full dotted path; list items: "network.type" */
	enum conf_type type;
	unsigned flags;
	int64_t min, max;	       /* range, used when min < max */
	const char *const *choices;    /* CT_STRING: allowed values, NULL-terminated */
	conf_check_fn check;	       /* CT_STRING/CT_STRV: per string */
	conf_check_strv_fn check_all;  /* CT_STRV: whole array */
	conf_check_list_fn check_list; /* CT_LIST: cross-item/key checks */
	const char *def;	       /* default, libconfig syntax, or NULL */
	const char *doc;
	const char *example; /* libconfig syntax value */
	enum conf_store store;
	size_t off;		 /* field offset in the struct (or list item) */
	size_t off_n, item_size; /* ST_LIST */
};

struct conf_schema {
	const char *what; /* "container" or "global" */
	const struct conf_key *keys;
	size_t n_keys;
};

extern const struct conf_schema conf_schema_container;
extern const struct conf_schema conf_schema_global;

/* schema.c */
const struct conf_key *conf_schema_find(const struct conf_schema *sc, const char *path);
/* Suggestion for an unknown path (pointer into the table) or NULL. */
const char *conf_schema_suggest(const struct conf_schema *sc, const char *path);
/* Is path inside a list item (e.g. "network.type")? Returns the list key. */
const struct conf_key *conf_schema_list_parent(const struct conf_schema *sc, const char *path);
const char *conf_type_name(const struct conf_key *k);
void conf_schema_print_help(const struct conf_key *k, FILE *out);
/* "cgroup = { memory = { max = \"2G\"; }; };" from the key's example. */
void conf_schema_print_example(const struct conf_key *k, FILE *out);

/* load.c: the merged view. */

struct conf_view {
	const struct conf_schema *schema;
	config_t *cfg[3];    /* [0] default file (may be NULL), [1] the file,
			      * [2] its facts (may be NULL; win over [1]) */
	const char *file[3]; /* their names, for messages */
};

config_setting_t *conf_tree_lookup(config_setting_t *root, const char *path);
/* Effective setting of path: the facts' if set there, else the file's, else
 * the default's. */
config_setting_t *conf_view_lookup(const struct conf_view *v, const char *path, int *ret_which);
/* Read default_file (may be NULL or missing), file and facts_file (may be
 * NULL or missing) into cfg[0..2] and set up v. cfg must be released with
 * conf_view_close() in all cases. */
int conf_view_open(struct conf_view *v, config_t cfg[3], const char *default_file, const char *file,
		   const char *facts_file);
void conf_view_close(config_t cfg[3]);
/* Read file into cfg (config_init done here); logs; -ENOENT if missing. */
int conf_read_file(config_t *cfg, const char *file);
/* Parse "v = TEXT;" into cfg; returns the setting v or NULL (logged). */
config_setting_t *conf_parse_value(config_t *cfg, const char *text, const char *key);
/* Validate one tree (all keys, types, values, list checks); logs each error. */
int conf_validate_tree(const struct conf_schema *sc, config_setting_t *root, const char *file);
/* Validate one setting against key k, displayed as disp. */
void conf_validate_setting(struct conf_ctx *ctx, const struct conf_schema *sc,
			   const struct conf_key *k, const config_setting_t *s, const char *disp);
/* The settings of a facts file are all facts (logged per setting). */
int conf_check_facts_only(const config_setting_t *root, const char *file);
/* Both trees plus the merged-view checks (e.g. name required). */
int conf_view_validate(const struct conf_view *v, bool require_name);
int conf_view_fill(const struct conf_view *v, struct sysc_conf **ret);
/* Deep copy of src as a member name (NULL for array/list elements) of parent. */
config_setting_t *conf_setting_copy(config_setting_t *parent, const char *name,
				    const config_setting_t *src);
/* Add the effective value of every key under prefix ("" = all) to dst. */
int conf_view_build(const struct conf_view *v, const char *prefix, config_setting_t *dst);
void conf_config_init(config_t *cfg);

/* parse.c */
int conf_parse_int(const char *s, int64_t *ret);
int conf_parse_bool(const char *s, bool *ret);
int conf_parse_cpumax(const char *s, uint64_t *ret_quota, uint64_t *ret_period);
int conf_parse_limit(const char *s, uint64_t *ret_soft, uint64_t *ret_hard);
int conf_parse_cap(const char *s, char **ret); /* normalised name */
void conf_format_size(uint64_t v, char *buf, size_t len);
int conf_check_name(const char *s, char *reason, size_t len);
int conf_check_hostname(const char *s, char *reason, size_t len);
/* The default host name of a container: its name made a valid host name
 * ('_' as '-', no '-' at the ends of a label, no empty label, labels of at
 * most 63 characters); the name itself when it is one. NULL: no memory. */
char *conf_hostname_from_name(const char *name);
int conf_check_uuid(const char *s, char *reason, size_t len);
int conf_check_shifted(const char *s, char *reason, size_t len);
int conf_check_abspath(const char *s, char *reason, size_t len);
int conf_check_mount_target(const char *s, char *reason, size_t len);
int conf_check_group(const char *s, char *reason, size_t len);
int conf_check_env(const char *s, char *reason, size_t len);
int conf_check_cpumax(const char *s, char *reason, size_t len);
int conf_check_cpuset(const char *s, char *reason, size_t len);
int conf_check_io_max(const char *s, char *reason, size_t len);
int conf_check_io_weight(const char *s, char *reason, size_t len);
int conf_check_limit(const char *s, char *reason, size_t len);
int conf_check_sysctl_key(const char *s, char *reason, size_t len);
int conf_check_ifname(const char *s, char *reason, size_t len);
int conf_check_net_record(const char *s, char *reason, size_t len);
int conf_check_hwaddr(const char *s, char *reason, size_t len);
int conf_check_cidr4(const char *s, char *reason, size_t len);
int conf_check_cidr6(const char *s, char *reason, size_t len);
int conf_check_ip4(const char *s, char *reason, size_t len);
int conf_check_ip6(const char *s, char *reason, size_t len);
int conf_check_route(const char *s, char *reason, size_t len);
int conf_check_port(const char *s, char *reason, size_t len);
int conf_check_cap(const char *s, char *reason, size_t len);
int conf_check_seccomp_profile(const char *s, char *reason, size_t len);
int conf_check_dev_allow(const char *s, char *reason, size_t len);
int conf_check_dev_create(const char *s, char *reason, size_t len);
int conf_check_fstype(const char *s, char *reason, size_t len);
int conf_check_cmd(const config_setting_t *arr, char *reason, size_t len);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The config parser and validator: the input is a container config file
 * (libconfig syntax), parsed from memory, validated against the container
 * and the global schema, and when valid filled into struct sysc_conf and
 * rebuilt as the merged view `sysc-config NAME` prints, which must read back
 * as the same config. An input starting
 * with "!KEY " is instead one `sysc-config set KEY VALUE` (conf_parse_key).
 * Text libconfig reads is also edited in place (textedit.c: what sysc-config
 * does to a file): setting and removing cgroup.memory.max must give text that
 * libconfig reads with that one change.
 *
 * Inputs containing "@include" are skipped: libconfig would read the named
 * file from the host (an absolute path ignores the include directory).
 */
#include <errno.h>
#include <libconfig.h>
#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"
#include "config/schema.h"
#include "config/textedit.h"
#include "tests/fuzz/fuzz.h"
#include "util/cleanup.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void fuzz_set(char *text)
{
	char *sp = strchr(text, ' ');
	struct sysc_conf *c = NULL;

	if (!sp)
		return;
	*sp = '\0';
	if (conf_parse_key(text + 1, sp + 1, &c) == 0)
		conf_free(c);
}

/* The effective config as `sysc-config NAME` prints it (NULL: not valid). */
static char *dump(const char *text)
{
	struct conf_view v = {.schema = &conf_schema_container, .file = {NULL, "fuzz.conf"}};
	struct sysc_conf *c = NULL;
	char *out = NULL;
	size_t len = 0;
	config_t cfg, eff;
	FILE *f;

	conf_config_init(&cfg);
	if (!config_read_string(&cfg, text)) {
		config_destroy(&cfg);
		return NULL;
	}
	(void)conf_validate_tree(&conf_schema_global, config_root_setting(&cfg), "fuzz.conf");
	v.cfg[1] = &cfg;
	if (conf_view_validate(&v, false) == 0 && conf_view_fill(&v, &c) == 0) {
		conf_free(c);
		conf_config_init(&eff);
		f = open_memstream(&out, &len);
		if (!f || conf_view_build(&v, "", config_root_setting(&eff)) < 0)
			abort();
		config_write(&eff, f);
		fclose(f);
		config_destroy(&eff);
	}
	config_destroy(&cfg);
	return out;
}

/* A valid config's dump is valid and dumps the same again: what sysc-config
 * prints and sysc-export writes reads back as the same config. */
static void fuzz_file(const char *text)
{
	_cleanup_free_ char *once = dump(text), *twice = NULL;

	if (!once)
		return;
	twice = dump(once);
	if (!twice || strcmp(once, twice) != 0) {
		fprintf(stderr, "dump of the input:\n%s\ndump of that:\n%s\n", once,
			twice ? twice : "(not valid)");
		abort();
	}
}

/* The text after an in-place edit reads back with the edit made (an edit
 * the editor refuses, -EOPNOTSUPP, is fine; anything else is not). */
static void check_text_edit(const char *text, const char *value)
{
	static const char *const path[] = {"cgroup", "memory", "max", NULL};
	_cleanup_free_ char *t = strdup(text);
	const char *got = NULL;
	config_t cfg;
	bool ok;
	int r;

	if (!t)
		return;
	r = value ? conf_text_set(&t, path, value) : conf_text_remove(&t, path);
	if (r == -EOPNOTSUPP || r == -ENOMEM)
		return;
	conf_config_init(&cfg);
	ok = r == 0 && config_read_string(&cfg, t);
	if (ok && value)
		ok = config_lookup_string(&cfg, "cgroup.memory.max", &got) &&
		     strcmp(got, "1G") == 0;
	else if (ok)
		ok = !config_lookup(&cfg, "cgroup.memory.max");
	config_destroy(&cfg);
	if (!ok) {
		fprintf(stderr, "%s of cgroup.memory.max (%d) in:\n%s\ngave:\n%s\n",
			value ? "set" : "removal", r, text, t);
		abort();
	}
}

static void fuzz_text_edit(const char *text)
{
	config_t cfg;
	bool valid;

	conf_config_init(&cfg);
	valid = config_read_string(&cfg, text);
	config_destroy(&cfg);
	if (!valid)
		return;
	check_text_edit(text, "\"1G\"");
	check_text_edit(text, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = NULL;

	if (memmem(data, size, "@include", 8))
		return 0;
	text = fuzz_string(data, size);
	if (!text)
		return 0;
	if (text[0] == '!')
		fuzz_set(text);
	else
		fuzz_file(text);
	if (text[0] != '!')
		fuzz_text_edit(text);
	return 0;
}

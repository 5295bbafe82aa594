/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every key of both config schemas is documented as sysc.conf(5) and
 * `sysc help KEY` show it: a doc text, a type, a default (or what unset
 * means), and an example that is valid for the key, as is its default.
 * (tests/unit/test-docs.sh checks the generated page and the man pages.)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/schema.h"
#include "tests/unit/tap.h"
#include "util/log.h"

static bool mentions(const char *doc, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = doc; *p; p++)
		if (strncasecmp(p, word, n) == 0)
			return true;
	return false;
}

/* TEXT (libconfig syntax) parses and passes the key's own validation. */
static bool valid_value(const struct conf_schema *sc, const struct conf_key *k, const char *text)
{
	struct conf_ctx ctx = {.file = "(schema)"};
	config_t cfg;
	config_setting_t *s = conf_parse_value(&cfg, text, k->path);

	if (s)
		conf_validate_setting(&ctx, sc, k, s, k->path);
	config_destroy(&cfg);
	return s && ctx.n_errors == 0;
}

static size_t n_children(const struct conf_schema *sc, const char *path)
{
	size_t n = strlen(path), count = 0;

	for (size_t i = 0; i < sc->n_keys; i++)
		if (strncmp(sc->keys[i].path, path, n) == 0 && sc->keys[i].path[n] == '.')
			count++;
	return count;
}

static void check_schema(const struct conf_schema *sc)
{
	for (size_t i = 0; i < sc->n_keys; i++) {
		const struct conf_key *k = &sc->keys[i];
		const char *type = conf_type_name(k);
		bool leaf = k->type != CT_GROUP && k->type != CT_LIST;

		CHECK(k->doc && strlen(k->doc) > 3, "%s %s: documented", sc->what, k->path);
		CHECK(type && *type, "%s %s: has a type name (%s)", sc->what, k->path,
		      type ? type : "-");
		if (!leaf) {
			CHECK(n_children(sc, k->path) > 0, "%s %s: group or list with keys",
			      sc->what, k->path);
			continue;
		}
		CHECK(k->example && valid_value(sc, k, k->example), "%s %s: valid example %s",
		      sc->what, k->path, k->example ? k->example : "(none)");
		if (k->def)
			CHECK(valid_value(sc, k, k->def), "%s %s: valid default %s", sc->what,
			      k->path, k->def);
		else if (!(k->flags & CK_REQUIRED))
			/* no default value: the doc says what leaving it out means
			 * (or that it is required) */
			CHECK(k->doc && (mentions(k->doc, "unset") || mentions(k->doc, "default") ||
					 mentions(k->doc, "required")),
			      "%s %s: doc says what unset means: %s", sc->what, k->path,
			      k->doc ? k->doc : "-");
	}
}

int main(void)
{
	log_set_program("test-docs");
	CHECK(conf_schema_container.n_keys > 50, "container schema has %zu keys",
	      conf_schema_container.n_keys);
	CHECK(conf_schema_global.n_keys > 3, "global schema has %zu keys",
	      conf_schema_global.n_keys);
	check_schema(&conf_schema_container);
	check_schema(&conf_schema_global);
	return tap_done();
}

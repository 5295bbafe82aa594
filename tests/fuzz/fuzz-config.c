/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The config parser and validator: the input is a container config file
 * (libconfig syntax), parsed from memory, validated against the container
 * and the global schema, and when valid filled into struct sysc_conf and
 * rebuilt as the merged view `sysc-config dump` prints. An input starting
 * with "!KEY " is instead one `sysc-config set KEY VALUE` (conf_parse_key).
 *
 * Inputs containing "@include" are skipped: libconfig would read the named
 * file from the host (an absolute path ignores the include directory).
 */
#include <libconfig.h>

#include "config/config.h"
#include "config/schema.h"
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

static void fuzz_file(const char *text)
{
	struct conf_view v = {.schema = &conf_schema_container, .file = {NULL, "fuzz.conf"}};
	struct sysc_conf *c = NULL;
	config_t cfg, out;

	conf_config_init(&cfg);
	if (!config_read_string(&cfg, text)) {
		config_destroy(&cfg);
		return;
	}
	(void)conf_validate_tree(&conf_schema_global, config_root_setting(&cfg), "fuzz.conf");
	v.cfg[1] = &cfg;
	if (conf_view_validate(&v, false) == 0 && conf_view_fill(&v, &c) == 0) {
		conf_free(c);
		conf_config_init(&out);
		(void)conf_view_build(&v, "", config_root_setting(&out));
		config_destroy(&out);
	}
	config_destroy(&cfg);
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
	return 0;
}

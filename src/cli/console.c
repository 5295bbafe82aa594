/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli.h"
#include "config/config.h"
#include "console/client.h"
#include "console/history.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/store.h"
#include "util/log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: %s NAME [-t N] [-e CHAR] [--log]\n"
	"\n"
	"Connect the terminal to the console of container NAME (or to its tty N).\n"
	"Ctrl-a q detaches, Ctrl-a Ctrl-a sends a literal Ctrl-a. The container\n"
	"keeps running; attach again any time. One client per tty.\n"
	"\n"
	"  -t, --tty N      tty N (1..console.ttys) instead of the console (0)\n"
	"  -e, --escape C   escape prefix Ctrl-C instead of Ctrl-a (a letter, or ^C)\n"
	"  -l, --log        print the recent console output (boot messages) and exit;\n"
	"                   for a stopped container, the end of its last run's log\n"
	"\n"
	"Exit status: 0 detached or container stopped, 1 failed, 2 usage error.\n";

static int parse_escape(const char *s, int *ret)
{
	if (s[0] == '^' && s[1])
		s++;
	if (strlen(s) != 1 || !isalpha((unsigned char)s[0]))
		return -1;
	*ret = tolower((unsigned char)s[0]) - 'a' + 1;
	return 0;
}

static int run(const struct sysc_paths *p, const char *name, int tty, int escape, bool log)
{
	struct sysc_conf *conf = NULL;
	struct state_info st;
	int r = store_load_conf(p, name, &conf);

	if (r < 0)
		return r;
	if (tty > 0 && (unsigned)tty > conf->console.ttys) {
		log_error("%s has no tty %d (console.ttys = %u)", name, tty, conf->console.ttys);
		conf_free(conf);
		return -ENOENT;
	}
	conf_free(conf);
	if (log)
		return console_print_log(p, name);
	r = state_read(p, name, &st);
	if (r == 0 && st.state == STATE_STOPPED) {
		log_error("container %s is not running", name);
		return -ESRCH;
	}
	if (r == 0 && st.state == STATE_FROZEN) {
		log_error("container %s is frozen; sysc-unfreeze %s first", name, name);
		return -EBUSY;
	}
	if (r == 0 && !st.monitor_alive) {
		log_error("the monitor of %s is gone, and with it the console (sysc-stop "
			  "and sysc-start it to get it back)",
			  name);
		return -ENOTCONN;
	}
	return console_client_attach(p, name, tty, escape, false);
}

int cmd_console(int argc, char **argv)
{
	const char *name = NULL;
	static const struct option longopts[] = {
		{"tty", required_argument, NULL, 't'},
		{"escape", required_argument, NULL, 'e'},
		{"log", no_argument, NULL, 'l'},
		CLI_COMMON_LONGOPTS,
		{},
	};
	struct sysc_paths *p = NULL;
	int c, r, tty = 0, escape = CONSOLE_ESCAPE_DEFAULT;
	bool log = false;
	char *end;

	while ((c = getopt_long(argc, argv, "t:e:l" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			tty = (int)strtol(optarg, &end, 10);
			if (*end || tty < 0 || tty > 64)
				return cli_usage_error("invalid tty \"%s\"", optarg);
			break;
		case 'e':
			if (parse_escape(optarg, &escape) < 0)
				return cli_usage_error(
					"invalid escape \"%s\" (a letter, e.g. b or ^b)", optarg);
			break;
		case 'l':
			log = true;
			break;
			CLI_COMMON_CASES(usage)
		}
	}
	if ((r = cli_name_and_paths(argc, argv, &name, &p)) != CLI_CONTINUE)
		return r;
	r = run(p, name, tty, escape, log);
	paths_free(p);
	return cli_exit(r);
}

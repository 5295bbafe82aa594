/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What passes between the monitor and the static supervisor on exec
 * (monitor/handoff.h): every field survives handoff_argv -> handoff_parse,
 * and a word it does not know, a bad number or a missing descriptor is
 * refused. */
#include "monitor/handoff.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

static int parse_words(char **words, struct handoff *h)
{
	return handoff_parse(words, h);
}

int main(void)
{
	struct handoff h, got;
	char **argv;
	int r;

	handoff_init(&h);
	h.exe = 3;
	h.listen = 4;
	h.pidfd = 5;
	h.pid = 4242;
	h.console = 6;
	h.ring = 7;
	h.monitor = 8;
	h.n_ttys = 2;
	h.ttys[0] = 9;
	h.ttys[1] = 10;
	h.tty_clients[2] = 11;
	h.clients[0] = 12;
	h.clients[31] = 13;
	h.ring_cap = 131072;
	h.log_max = 1ULL << 33;
	h.log = "/store/c 1/console.log";
	h.name = "c1";
	h.reboot_sig = 15;
	h.event = HANDOFF_STOP;
	h.stop_fd = 14;
	h.stop_timeout = 30;
	h.stop_kill = true;
	argv = handoff_argv(&h, "sysc", "monitor-resume");
	CHECK(argv != NULL, "argv made");
	CHECK_STREQ(argv[0], "sysc", "argv[0]");
	CHECK_STREQ(argv[1], "monitor-resume", "the verb");
	r = handoff_parse(argv + 2, &got);
	CHECK(r == 0, "parsed back (%d)", r);
	CHECK(got.exe == 3 && got.listen == 4 && got.pidfd == 5 && got.pid == 4242 &&
		      got.console == 6 && got.ring == 7 && got.monitor == 8,
	      "descriptors and pid");
	CHECK(got.n_ttys == 2 && got.ttys[0] == 9 && got.ttys[1] == 10, "tty masters");
	CHECK(got.tty_clients[0] == -1 && got.tty_clients[1] == -1 && got.tty_clients[2] == 11,
	      "tty clients");
	CHECK(got.clients[0] == 12 && got.clients[1] == -1 && got.clients[31] == 13, "clients");
	CHECK(got.ring_cap == 131072 && got.log_max == 1ULL << 33, "ring and log sizes");
	CHECK_STREQ(got.log, "/store/c 1/console.log", "the log path (with a space)");
	CHECK_STREQ(got.name, "c1", "the name");
	CHECK(got.reboot_sig == 15 && got.event == HANDOFF_STOP && got.stop_fd == 14 &&
		      got.stop_timeout == 30 && got.stop_kill,
	      "the stop request");
	handoff_argv_free(argv);

	r = parse_words((char *[]){"exe=3", "listen=4", "pidfd=5", "pid=9", "console=6",
				   "monitor=8", "bogus=1", NULL},
			&got);
	CHECK(r == -EINVAL, "an unknown word is refused (%d)", r);
	r = parse_words(
		(char *[]){"exe=3", "listen=x", "pidfd=5", "pid=9", "console=6", "monitor=8", NULL},
		&got);
	CHECK(r == -EINVAL, "a bad number is refused (%d)", r);
	r = parse_words((char *[]){"exe=3", "listen=4", "pid=9", "console=6", "monitor=8", NULL},
			&got);
	CHECK(r == -EINVAL, "a missing pidfd is refused (%d)", r);
	r = parse_words((char *[]){"exe=3", "listen=4", "pidfd=5", "pid=9", "console=6",
				   "monitor=8", "ttys=1,2,x", NULL},
			&got);
	CHECK(r == -EINVAL, "a bad list is refused (%d)", r);
	return tap_done();
}

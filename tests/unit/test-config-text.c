/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The in-place text editor for config files (src/config/textedit.c) and
 * conf_edit_*() on top of it: one setting changes, every other byte (comments,
 * order, layout) stays; the dotted-key hint (conf_dotted_key_nested). */
#include "tap.h"
#include "config/config.h"
#include "config/textedit.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char base[] = "# my container\n"
			   "hostname = \"web\"; // the name on the network\n"
			   "\n"
			   "/* limits, see sysc.conf(5) */\n"
			   "cgroup = {\n"
			   "    memory = {\n"
			   "        max = \"1G\";   # enough\n"
			   "    };\n"
			   "    pids = { max = 100; };\n"
			   "};\n"
			   "s = \"a \\\" ; } # not a comment\";\n"
			   "l = ( { a = 1; }, { b = \"x\"; } );\n"
			   "# end\n";

/* Apply a set (value) or remove (NULL) to a copy of in; NULL on failure. */
static char *edit(const char *in, const char *const *path, const char *value, int *ret)
{
	char *t = strdup(in);
	int r = value ? conf_text_set(&t, path, value) : conf_text_remove(&t, path);

	if (ret)
		*ret = r;
	if (r < 0) {
		free(t);
		return NULL;
	}
	return t;
}

#define P(...) ((const char *const[]){__VA_ARGS__, NULL})

static void check_text_set(void)
{
	_cleanup_free_ char *a = edit(base, P("cgroup", "memory", "max"), "\"2G\"", NULL);
	_cleanup_free_ char *b = edit(base, P("cgroup", "memory", "high"), "\"1G\"", NULL);
	_cleanup_free_ char *c = edit(base, P("cgroup", "cpu", "weight"), "50", NULL);
	_cleanup_free_ char *d = edit(base, P("autostart"), "true", NULL);
	_cleanup_free_ char *e = edit(base, P("cgroup", "pids", "max"), "\"max\"", NULL);
	_cleanup_free_ char *f = edit("g = { };\n", P("g", "k"), "1", NULL);
	_cleanup_free_ char *g = edit("g = {\n};\n", P("g", "k"), "1", NULL);
	_cleanup_free_ char *h = edit("a = 1;", P("b"), "2", NULL);
	_cleanup_free_ char *i = edit(base, P("l", "[1]", "b"), "\"y\"", NULL);
	int r;

	CHECK_STREQ(a,
		    "# my container\nhostname = \"web\"; // the name on the network\n\n"
		    "/* limits, see sysc.conf(5) */\ncgroup = {\n    memory = {\n"
		    "        max = \"2G\";   # enough\n    };\n    pids = { max = 100; };\n};\n"
		    "s = \"a \\\" ; } # not a comment\";\nl = ( { a = 1; }, { b = \"x\"; } );\n"
		    "# end\n",
		    "a value replaced, its comment and everything else kept");
	CHECK(b && strstr(b, "        max = \"1G\";   # enough\n        high = \"1G\";\n    };"),
	      "a new key goes after the last member, with its indentation: %s", b);
	CHECK(c && strstr(c, "    pids = { max = 100; };\n    cpu = { weight = 50; };\n};"),
	      "a new group in a group: nested on one line: %s", c);
	CHECK(d && strstr(d, "} );\nautostart = true;\n# end\n"),
	      "a new top-level key after the last setting");
	CHECK(e && strstr(e, "    pids = { max = \"max\"; };\n"), "a value in a one-line group");
	CHECK_STREQ(f, "g = { k = 1; };\n", "into an empty one-line group");
	CHECK_STREQ(g, "g = {\n\tk = 1;\n};\n", "into an empty group over two lines");
	CHECK_STREQ(h, "a = 1;\nb = 2;", "a new line after a last line without newline");
	CHECK(i && strstr(i, "l = ( { a = 1; }, { b = \"y\"; } );"), "a member of a list element");
	CHECK(!edit(base, P("hostname", "x"), "1", &r) && r == -EOPNOTSUPP,
	      "a value where a group is needed: -EOPNOTSUPP");
	CHECK(!edit("@include \"x\"\na = 1;\n", P("a"), "2", &r) && r == -EOPNOTSUPP,
	      "@include: -EOPNOTSUPP");
	CHECK(!edit("a = {\n", P("a"), "2", &r) && r == -EOPNOTSUPP, "unbalanced: -EOPNOTSUPP");
	CHECK(!edit("a = \"x;\n", P("a"), "2", &r) && r == -EOPNOTSUPP,
	      "unterminated string: -EOPNOTSUPP");
}

static void check_text_remove(void)
{
	_cleanup_free_ char *a = edit(base, P("hostname"), NULL, NULL);
	_cleanup_free_ char *b = edit(base, P("cgroup", "pids", "max"), NULL, NULL);
	_cleanup_free_ char *c = edit(base, P("cgroup", "memory"), NULL, NULL);
	_cleanup_free_ char *d = edit(base, P("nothere"), NULL, NULL);
	_cleanup_free_ char *e = edit("a = 1; b = 2;\n", P("a"), NULL, NULL);

	CHECK(a && strncmp(a, "# my container\n\n/* limits", 25) == 0,
	      "a line removed with its line comment");
	CHECK(b && strstr(b, "    pids = { };\n"), "a member of a one-line group");
	CHECK(c && strstr(c, "cgroup = {\n    pids = { max = 100; };\n};\n"),
	      "a group over several lines");
	CHECK(d && strcmp(d, base) == 0, "a missing key: nothing changes");
	CHECK_STREQ(e, "b = 2;\n", "one of two settings on a line");
	free(e);
	e = edit("a = 1;\r\nb = 2;\r\n", P("a"), NULL, NULL);
	CHECK_STREQ(e, "b = 2;\r\n", "a line ending in CRLF");
}

static void check_dotted(void)
{
	_cleanup_free_ char *a = conf_dotted_key_nested("    memory.max = \"96M\";");
	_cleanup_free_ char *b = conf_dotted_key_nested("cgroup.memory.max: 5");
	_cleanup_free_ char *c = conf_dotted_key_nested("memory = { max = 1; };");

	CHECK_STREQ(a, "memory = { max = \"96M\"; };", "memory.max: the nested form");
	CHECK_STREQ(b, "cgroup = { memory = { max = 5; }; };", "three levels, ':' and no ';'");
	CHECK(!c, "no dotted name: no hint");
}

static char tmp[] = "/tmp/test-config-text.XXXXXX";

static char *slurp(const char *path)
{
	char *data = NULL;

	return fileio_read_at(AT_FDCWD, path, &data, NULL) < 0 ? NULL : data;
}

/* conf_edit on a file: sets and unsets keep every other byte. */
static void check_edit_file(void)
{
	static const char user[] = "# web server\n"
				   "name = \"c1\";\n"
				   "autostart = true; # at boot\n"
				   "\n"
				   "cgroup = {\n"
				   "  // memory\n"
				   "  memory = { max = \"1G\"; };\n"
				   "};\n";
	_cleanup_free_ char *file = str_printf("%s/config", tmp), *out = NULL, *out2 = NULL;
	struct conf_edit *ed = NULL;
	FILE *f;
	int r;

	f = fopen(file, "we");
	if (!f)
		exit(99);
	fputs(user, f);
	fclose(f);
	r = conf_edit_open(file, &ed);
	if (r == 0)
		r = conf_edit_set(ed, "cgroup.memory.max", "2G");
	if (r == 0)
		r = conf_edit_set(ed, "cgroup.pids.max", "64");
	if (r == 0)
		r = conf_edit_unset(ed, "autostart");
	if (r == 0)
		r = conf_edit_write(ed, NULL, file);
	conf_edit_free(ed);
	CHECK(r == 0, "sets and an unset written");
	out = slurp(file);
	CHECK_STREQ(out,
		    "# web server\nname = \"c1\";\n\ncgroup = {\n  // memory\n"
		    "  memory = { max = \"2G\"; };\n  pids = { max = 64; };\n};\n",
		    "only the changed lines differ: %s", out ? out : "(null)");
	/* unsetting the last key of a group removes the group's lines */
	ed = NULL;
	r = conf_edit_open(file, &ed);
	if (r == 0)
		r = conf_edit_unset(ed, "cgroup.pids.max");
	if (r == 0)
		r = conf_edit_unset(ed, "cgroup.memory.max");
	if (r == 0)
		r = conf_edit_write(ed, NULL, file);
	conf_edit_free(ed);
	out2 = slurp(file);
	CHECK(r == 0 && out2 && strcmp(out2, "# web server\nname = \"c1\";\n\n") == 0,
	      "empty groups go with their last key: %s", out2 ? out2 : "(null)");
	unlink(file);
}

/* A copy's new identity: the old host name, the id range and fixed MAC
 * addresses go, each with its own line only. */
static void check_new_identity(void)
{
	static const char user[] =
		"name = \"old\";\n"
		"hostname = \"old\"; # same as the name\n"
		"network = (\n"
		"  { type = \"veth\"; # the bridge\n"
		"    hwaddr = \"02:00:00:00:00:01\";\n"
		"    link = \"br0\"; }\n"
		");\n"
		"idmap = ( { container = 0; host = 100000; count = 65536; } );\n";
	_cleanup_free_ char *file = str_printf("%s/config", tmp), *out = NULL;
	struct conf_edit *ed = NULL;
	FILE *f = fopen(file, "we");
	int r;

	if (!f)
		exit(99);
	fputs(user, f);
	fclose(f);
	r = conf_edit_open(file, &ed);
	if (r == 0)
		r = conf_edit_new_identity(ed, "old");
	if (r == 0)
		r = conf_edit_set(ed, "name", "new");
	if (r == 0)
		r = conf_edit_write(ed, NULL, file);
	conf_edit_free(ed);
	out = slurp(file);
	CHECK(r == 0 && out &&
		      strcmp(out,
			     "name = \"new\";\nnetwork = (\n  { type = \"veth\"; # the bridge\n"
			     "    link = \"br0\"; }\n);\n") == 0,
	      "new identity: %s", out ? out : "(null)");
	unlink(file);
}

int main(void)
{
	if (!mkdtemp(tmp))
		return 99;
	check_text_set();
	check_text_remove();
	check_dotted();
	check_edit_file();
	check_new_identity();
	rmdir(tmp);
	return tap_done();
}

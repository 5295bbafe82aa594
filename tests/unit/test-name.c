/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container names and host names. */
#include "tap.h"
#include "util/name.h"

#include <errno.h>

static void valid_names(void)
{
	static const char *const ok[] = {"d1", "dev", "a", "my-box_2.test", "0abc", "A.B-C_D"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(name_validate(ok[i], NULL) == 0, "\"%s\" is a valid name", ok[i]);
	char longest[NAME_MAX_LEN + 1];
	memset(longest, 'a', NAME_MAX_LEN);
	longest[NAME_MAX_LEN] = '\0';
	CHECK(name_validate(longest, NULL) == 0, "a 64-character name is valid");
}

static void invalid_names(void)
{
	static const struct {
		const char *name;
		const char *reason;
	} bad[] = {
		{"", "empty"},
		{"a/b", "only letters"},
		{"..", "start with a letter"},
		{"a..b", "\"..\""},
		{".hidden", "start with a letter"},
		{"-x", "start with a letter"},
		{"_x", "start with a letter"},
		{"a b", "only letters"},
		{"a\nb", "only letters"},
		{"ä", "start with a letter"},
		{"a:b", "only letters"},
	};
	const char *reason = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reason = NULL;
		CHECK(name_validate(bad[i].name, &reason) == -EINVAL, "\"%s\" is refused",
		      bad[i].name);
		CHECK(reason && strstr(reason, bad[i].reason), "reason for \"%s\": %s", bad[i].name,
		      reason ? reason : "(none)");
	}
	char toolong[NAME_MAX_LEN + 2];
	memset(toolong, 'a', NAME_MAX_LEN + 1);
	toolong[NAME_MAX_LEN + 1] = '\0';
	CHECK(name_validate(toolong, &reason) == -EINVAL && strstr(reason, "64"),
	      "a 65-character name is refused");
	CHECK(name_validate(NULL, &reason) == -EINVAL, "NULL is refused");
}

static void hostnames(void)
{
	CHECK(name_hostname_valid("d1"), "d1");
	CHECK(name_hostname_valid("web-1.example.org"), "fqdn");
	CHECK(!name_hostname_valid(""), "empty");
	CHECK(!name_hostname_valid("-a"), "leading dash");
	CHECK(!name_hostname_valid("a-"), "trailing dash");
	CHECK(!name_hostname_valid("a..b"), "empty label");
	CHECK(!name_hostname_valid("a_b"), "underscore");
	CHECK(!name_hostname_valid("a."), "trailing dot");
	char label[70];
	memset(label, 'x', 64);
	label[64] = '\0';
	CHECK(!name_hostname_valid(label), "64-character label");
	label[63] = '\0';
	CHECK(name_hostname_valid(label), "63-character label");
}

int main(void)
{
	valid_names();
	invalid_names();
	hostnames();
	return tap_done();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/name.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

int name_validate(const char *name, const char **ret_reason)
{
	const char *reason = NULL;
	size_t len = name ? strlen(name) : 0;

	if (len == 0)
		reason = "it is empty";
	else if (len > NAME_MAX_LEN)
		reason = "it is longer than 64 characters";
	else if (!isalnum((unsigned char)name[0]))
		reason = "it must start with a letter or digit";
	else if (strstr(name, ".."))
		reason = "it must not contain \"..\"";
	else
		for (size_t i = 0; i < len && !reason; i++) {
			unsigned char c = (unsigned char)name[i];
			if (!isalnum(c) && c != '_' && c != '.' && c != '-')
				reason = "only letters, digits, '_', '.' and '-' are allowed";
		}
	if (reason) {
		if (ret_reason)
			*ret_reason = reason;
		return -EINVAL;
	}
	return 0;
}

bool name_hostname_valid(const char *s)
{
	size_t total = strlen(s), label = 0;

	if (total == 0 || total > 253)
		return false;
	for (size_t i = 0; i <= total; i++) {
		char c = s[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return false;
		if (label == 0 && c == '-')
			return false;
		label++;
	}
	return true;
}

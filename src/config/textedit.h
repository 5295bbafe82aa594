/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Editing libconfig text in place: find one setting's span (through groups,
 * lists, strings with escapes and the three comment styles) and replace,
 * insert or remove only that, so the rest of the file (comments, order,
 * layout) stays byte for byte.
 *
 * A path is a NULL-terminated array of segments: setting names, or "[N]" for
 * the N-th element of a list. Text the editor does not understand (an
 * @include, unbalanced brackets) gives -EOPNOTSUPP and leaves *text as it was.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Set the setting at path to value_text (libconfig syntax, e.g. "\"96M\"").
 * A missing setting is inserted into the deepest existing group (after its
 * last member, with that member's indentation), missing groups are written
 * nested on one line: `memory = { max = "96M"; };`. */
int conf_text_set(char **text, const char *const *path, const char *value_text);

/* Remove the setting at path (with its line, when it is alone on it).
 * A missing setting: 0, nothing changed. */
int conf_text_remove(char **text, const char *const *path);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define UUID_STR_LEN 37

/* A random (v4) UUID in its 36-character text form. */
int uuid_generate_random_str(char ret[UUID_STR_LEN]);

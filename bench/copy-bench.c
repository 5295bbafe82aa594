/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Time one copy_tree_at(src, dst); prints the seconds on stdout. */
#include "storage/copy-tree.h"
#include "util/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SRC DST\n", argv[0]);
		return 2;
	}
	log_set_program("copy-bench");
	clock_gettime(CLOCK_MONOTONIC, &a);
	r = copy_tree_at(AT_FDCWD, argv[1], AT_FDCWD, argv[2]);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (r < 0) {
		fprintf(stderr, "copy_tree_at: %s\n", strerror(-r));
		return 1;
	}
	printf("%.3f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* libFuzzer target: config_load on an arbitrary configuration file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[4096];
	struct config *cfg = NULL;
	struct jh_err err = { 0 };
	enum jh_status st;
	FILE *f;
	int fd;

	if (path[0] == '\0') {
		const char *dir = getenv("TMPDIR");

		snprintf(path, sizeof(path), "%s/jh-fuzz-conf.XXXXXX",
		    dir != NULL && dir[0] != '\0' ? dir : "/tmp");
		if ((fd = mkstemp(path)) == -1)
			abort();
		close(fd);
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();
	st = config_load(path, &cfg, &err);
	if (st == JHARVEST_OK && cfg == NULL)
		abort();
	if (st != JHARVEST_OK && (cfg != NULL || err.msg[0] == '\0'))
		abort();
	config_free(cfg);
	return 0;
}

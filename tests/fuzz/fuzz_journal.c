/* SPDX-License-Identifier: MIT */
/* libFuzzer target: journal_split on arbitrary bytes, ranges and hashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "journal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const self[] = { "journal@example.com", NULL };
	static int inited;
	struct journal_opts opts = { self };
	struct journal *j = NULL;
	struct jh_err err = { 0 };
	unsigned char h[HASH_LEN];
	size_t i;

	if (!inited) {
		journal_init();
		inited = 1;
	}
	if (journal_split((const char *)data, size, &opts, &j, &err) !=
	    JHARVEST_OK)
		abort();
	/* The original must be a range of the input with the right hash. */
	if (j->orig_offset > size || j->orig_size > size - j->orig_offset)
		abort();
	if (!j->has_original && (j->orig_offset != 0 || j->orig_size != size))
		abort();
	hash_sha256(data + j->orig_offset, j->orig_size, h);
	if (memcmp(h, j->orig_sha256, HASH_LEN) != 0)
		abort();
	for (i = 0; i < j->nparts; i++) {
		if (j->parts[i].offset > size ||
		    j->parts[i].size > size - j->parts[i].offset)
			abort();
		hash_sha256(data + j->parts[i].offset, j->parts[i].size, h);
		if (memcmp(h, j->parts[i].sha256, HASH_LEN) != 0)
			abort();
	}
	for (i = 0; i < j->nrcpts; i++)
		if (j->rcpts[i].address == NULL)
			abort();
	journal_free(j);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* libFuzzer target: jharvest's own POP3 UIDL and LIST reply parsing. */
#include "../../src/source_pop3.c"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Defined with the IMAP source, which this target does not link. */
__attribute__((weak)) void
remote_stat_free(struct remote_stat *st)
{
	(void)st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct net *net;
	struct net_opts no = { "pop3://fuzz", NULL, 1, 5, 0 };
	struct jh_err err = { 0 };
	struct source s;
	const uint8_t *mid;
	size_t i, n1;

	if (net == NULL && (net_init(&err) != JHARVEST_OK ||
	    net_new(&no, &net, &err) != JHARVEST_OK))
		abort();
	/* The input is a UIDL reply, a NUL, then a LIST reply. */
	mid = memchr(data, '\0', size);
	n1 = mid ? (size_t)(mid - data) : size;
	memset(&s, 0, sizeof(s));
	s.net = net;
	buf_init(&s.list, POP3_LIST_MAX);
	if (buf_append(&s.list, data, n1) == -1 ||
	    buf_append(&s.list, "", 1) == -1)
		goto out;
	if (pop3_parse_uidl(&s, &err) != JHARVEST_OK)
		goto out;
	for (i = 0; i < s.nmsgs; i++)
		if (s.msgs[i].key == NULL ||
		    pop3_by_key(&s, s.msgs[i].key) == NULL ||
		    !pop3_uidl_valid(s.msgs[i].uidl))
			abort();
	if (mid != NULL) {
		s.list.len = 0;
		if (buf_append(&s.list, mid + 1, size - n1 - 1) == -1 ||
		    buf_append(&s.list, "", 1) == -1)
			goto out;
		pop3_parse_list(&s);
	}
out:
	for (i = 0; i < s.nmsgs; i++) {
		free(s.msgs[i].uidl);
		free(s.msgs[i].key);
	}
	free(s.msgs);
	free(s.byuidl);
	buf_free(&s.list);
	return 0;
}

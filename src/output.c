/* SPDX-License-Identifier: MIT */
/* Text and JSON printers; JSON is built and escaped by json-glib. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "hash.h"
#include "output.h"
#include "util.h"

static void
output_str(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	if (v == NULL)
		json_builder_add_null_value(b);
	else
		json_builder_add_string_value(b, v);
}

static void
output_hash(JsonBuilder *b, const char *name, const unsigned char *h)
{
	char hex[HASH_HEXLEN + 1];

	hash_hex(h, hex);
	output_str(b, name, hex);
}

static void
output_time(JsonBuilder *b, const char *name, int has, int64_t t)
{
	char when[64];

	if (has)
		util_format_time(t, when, sizeof(when));
	output_str(b, name, has ? when : NULL);
}

static void
output_sources(JsonBuilder *b, const struct archive_record *r)
{
	const struct archive_source_rec *s;
	size_t i;

	json_builder_set_member_name(b, "sources");
	json_builder_begin_array(b);
	for (i = 0; i < r->nsources; i++) {
		s = &r->sources[i];
		json_builder_begin_object(b);
		switch (s->type) {
		case SOURCE_IMAP:
			output_str(b, "account", s->account);
			output_str(b, "tenant", s->tenant);
			output_str(b, "folder", s->folder);
			json_builder_set_member_name(b, "uidvalidity");
			json_builder_add_int_value(b, s->uidvalidity);
			json_builder_set_member_name(b, "uid");
			json_builder_add_int_value(b, s->uid);
			/* The server listed several messages under it. */
			if (s->uidl != NULL) {
				json_builder_set_member_name(b, "shared_uid");
				json_builder_add_int_value(b,
				    strtol(s->uidl, NULL, 10));
			}
			break;
		case SOURCE_POP3:
			output_str(b, "account", s->account);
			output_str(b, "tenant", s->tenant);
			output_str(b, "uidl", s->uidl);
			break;
		case SOURCE_FILE:
			output_str(b, "file", s->file);
			break;
		case SOURCE_DELIVER:
			json_builder_set_member_name(b, "deliver");
			json_builder_add_boolean_value(b, TRUE);
			break;
		}
		output_time(b, "archived_at", 1, s->at);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

int
output_json(FILE *out, const struct journal *j, const struct archive_record *r,
    enum output_detail detail)
{
	JsonBuilder *b;
	JsonGenerator *g;
	JsonNode *root;
	const struct journal_rcpt *rc;
	const struct journal_part *p;
	gchar *text;
	size_t i;
	int ret;

	b = json_builder_new();
	json_builder_begin_object(b);
	if (r != NULL) {
		json_builder_set_member_name(b, "id");
		json_builder_add_int_value(b, (gint64)r->id);
	}
	output_str(b, "kind", journal_kind_name(j->kind));
	output_str(b, "sender", j->sender);
	output_str(b, "on_behalf_of", j->on_behalf_of);
	output_str(b, "subject", j->subject);
	output_str(b, "message_id", j->message_id);
	output_time(b, "date", j->has_date, j->date);

	json_builder_set_member_name(b, "recipients");
	json_builder_begin_array(b);
	for (i = 0; i < j->nrcpts; i++) {
		rc = &j->rcpts[i];
		json_builder_begin_object(b);
		output_str(b, "address", rc->address);
		output_str(b, "field", journal_field_name(rc->field));
		output_str(b, "expanded", rc->expanded);
		output_str(b, "forwarded", rc->forwarded);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);

	json_builder_set_member_name(b, "original");
	if (j->has_original) {
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "size");
		json_builder_add_int_value(b, (gint64)j->orig_size);
		output_hash(b, "sha256", j->orig_sha256);
		json_builder_end_object(b);
	} else
		json_builder_add_null_value(b);

	json_builder_set_member_name(b, "attachments");
	json_builder_begin_array(b);
	for (i = 0; i < j->nparts; i++) {
		p = &j->parts[i];
		json_builder_begin_object(b);
		output_str(b, "content_type", p->content_type);
		json_builder_set_member_name(b, "size");
		json_builder_add_int_value(b, (gint64)p->size);
		output_hash(b, "sha256", p->sha256);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);

	json_builder_set_member_name(b, "warnings");
	json_builder_begin_array(b);
	for (i = 0; i < j->nwarnings; i++)
		json_builder_add_string_value(b, j->warnings[i]);
	json_builder_end_array(b);

	if (r != NULL) {
		output_time(b, "archived_at", 1, r->archived_at);
		output_sources(b, r);
	}
	if (detail == OUTPUT_SHOW) {
		json_builder_set_member_name(b, "extras");
		json_builder_begin_array(b);
		for (i = 0; i < j->nextras; i++) {
			json_builder_begin_object(b);
			output_str(b, "name", j->extras[i].name);
			output_str(b, "value", j->extras[i].value);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		output_str(b, "envelope", j->envelope);
	}
	json_builder_end_object(b);

	root = json_builder_get_root(b);
	g = json_generator_new();
	json_generator_set_root(g, root);
	text = json_generator_to_data(g, NULL);
	ret = fprintf(out, "%s\n", text) < 0 ? -1 : 0;
	g_free(text);
	json_node_unref(root);
	g_object_unref(g);
	g_object_unref(b);
	return ret;
}

static const char *
output_or(const char *s, const char *dflt)
{
	return s == NULL ? dflt : s;
}

int
output_text(FILE *out, const struct journal *j, const struct archive_record *r)
{
	const struct journal_rcpt *rc;
	char when[64], hex[HASH_HEXLEN + 1];
	size_t i;

	if (r != NULL)
		fprintf(out, "id:           %llu\n", (unsigned long long)r->id);
	fprintf(out, "kind:         %s\n", journal_kind_name(j->kind));
	fprintf(out, "sender:       %s\n", output_or(j->sender, "(unknown)"));
	if (j->on_behalf_of != NULL)
		fprintf(out, "on-behalf-of: %s\n", j->on_behalf_of);
	fprintf(out, "subject:      %s\n", output_or(j->subject, ""));
	fprintf(out, "message-id:   %s\n",
	    output_or(j->message_id, "(none)"));
	if (j->has_date)
		util_format_time(j->date, when, sizeof(when));
	fprintf(out, "date:         %s\n", j->has_date ? when : "(none)");
	for (i = 0; i < j->nrcpts; i++) {
		rc = &j->rcpts[i];
		fprintf(out, "recipient:    %s (%s)", rc->address,
		    journal_field_name(rc->field));
		if (rc->expanded != NULL)
			fprintf(out, ", expanded from %s", rc->expanded);
		if (rc->forwarded != NULL)
			fprintf(out, ", forwarded from %s", rc->forwarded);
		fputc('\n', out);
	}
	hash_hex(j->orig_sha256, hex);
	if (j->has_original)
		fprintf(out, "original:     %zu bytes, sha256 %s\n",
		    j->orig_size, hex);
	else
		fprintf(out, "original:     (none: the whole message is kept, "
		    "%zu bytes, sha256 %s)\n", j->orig_size, hex);
	for (i = 0; i < j->nparts; i++) {
		hash_hex(j->parts[i].sha256, hex);
		fprintf(out, "attachment:   %s, %zu bytes, sha256 %s\n",
		    j->parts[i].content_type, j->parts[i].size, hex);
	}
	for (i = 0; i < j->nextras; i++)
		fprintf(out, "field:        %s: %s\n", j->extras[i].name,
		    j->extras[i].value);
	for (i = 0; i < j->nwarnings; i++)
		fprintf(out, "warning:      %s\n", j->warnings[i]);
	if (r != NULL) {
		util_format_time(r->archived_at, when, sizeof(when));
		fprintf(out, "archived-at:  %s\n", when);
		for (i = 0; i < r->nsources; i++) {
			const struct archive_source_rec *s = &r->sources[i];

			switch (s->type) {
			case SOURCE_IMAP:
				fprintf(out, "source:       imap %s%s%s "
				    "folder %s uidvalidity %u uid %u\n",
				    s->account, s->tenant ? " tenant " : "",
				    output_or(s->tenant, ""), s->folder,
				    s->uidvalidity, s->uid);
				break;
			case SOURCE_POP3:
				fprintf(out, "source:       pop3 %s%s%s "
				    "uidl %s\n", s->account,
				    s->tenant ? " tenant " : "",
				    output_or(s->tenant, ""), s->uidl);
				break;
			case SOURCE_FILE:
				fprintf(out, "source:       file %s\n",
				    s->file);
				break;
			case SOURCE_DELIVER:
				fprintf(out, "source:       deliver\n");
				break;
			}
		}
	}
	if (j->envelope != NULL && j->envelope[0] != '\0')
		fprintf(out, "\n%s%s", j->envelope,
		    j->envelope[strlen(j->envelope) - 1] == '\n' ? "" : "\n");
	return ferror(out) ? -1 : 0;
}

int
output_ls_line(FILE *out, const struct archive_record *r)
{
	const struct journal *j = r->meta;
	char when[64];

	util_format_time(j->has_date ? j->date : r->archived_at, when,
	    sizeof(when));
	fprintf(out, "%llu\t%s\t%s\t%s", (unsigned long long)r->id, when,
	    output_or(j->sender, "-"),
	    j->nrcpts > 0 ? j->rcpts[0].address : "-");
	if (j->nrcpts > 1)
		fprintf(out, " +%zu", j->nrcpts - 1);
	fprintf(out, "\t%s\n", output_or(j->subject, ""));
	return ferror(out) ? -1 : 0;
}

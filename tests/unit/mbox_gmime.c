/* SPDX-License-Identifier: MIT */
/* Test helper: read an mbox with GMime's parser; print each Message-ID. */
#include <stdio.h>

#include <gmime/gmime.h>

int
main(int argc, char **argv)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	const char *id;
	int n = 0;

	if (argc != 2) {
		/* Run by make check as a program: it is only a helper. */
		printf("1..0 # SKIP helper for T170-export.sh: "
		    "mbox_gmime FILE\n");
		return 0;
	}
	g_mime_init();
	if ((stream = g_mime_stream_file_open(argv[1], "r", NULL)) == NULL) {
		fprintf(stderr, "mbox_gmime: %s: cannot open\n", argv[1]);
		return 1;
	}
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MBOX);
	while (!g_mime_parser_eos(parser)) {
		msg = g_mime_parser_construct_message(parser, NULL);
		if (msg == NULL)
			break;
		id = g_mime_message_get_message_id(msg);
		printf("%s\n", id != NULL ? id : "-");
		n++;
		g_object_unref(msg);
	}
	fprintf(stderr, "%d\n", n);
	g_object_unref(parser);
	g_object_unref(stream);
	g_mime_shutdown();
	return 0;
}

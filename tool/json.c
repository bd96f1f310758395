/* json: a minimal streaming JSON writer. */
#include "json.h"

#include <inttypes.h>

void json_init(struct json *j, FILE *out, bool pretty)
{
	*j = (struct json){ .out = out, .pretty = pretty };
}

static void write_escaped(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\u%04x", *p); /* bytes, not UTF-8: keep output ASCII */
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void start_value(struct json *j, const char *key)
{
	if (j->need_comma)
		fputc(',', j->out);
	if (j->pretty && j->depth > 0) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
	}
	if (key) {
		write_escaped(j->out, key);
		fputs(j->pretty ? ": " : ":", j->out);
	}
	j->need_comma = true;
}

static void open_container(struct json *j, const char *key, char bracket)
{
	start_value(j, key);
	fputc(bracket, j->out);
	j->depth++;
	j->need_comma = false;
}

static void close_container(struct json *j, char bracket)
{
	bool empty = !j->need_comma;
	j->depth--;
	if (j->pretty && !empty) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
	}
	fputc(bracket, j->out);
	j->need_comma = true;
}

void json_begin_object(struct json *j, const char *key) { open_container(j, key, '{'); }
void json_end_object(struct json *j) { close_container(j, '}'); }
void json_begin_array(struct json *j, const char *key) { open_container(j, key, '['); }
void json_end_array(struct json *j) { close_container(j, ']'); }

void json_string(struct json *j, const char *key, const char *value)
{
	start_value(j, key);
	if (value)
		write_escaped(j->out, value);
	else
		fputs("null", j->out);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
	start_value(j, key);
	fprintf(j->out, "%" PRIu64, value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	start_value(j, key);
	fputs(value ? "true" : "false", j->out);
}

void json_finish(struct json *j)
{
	fputc('\n', j->out);
}

/* json: a minimal streaming JSON writer (objects, arrays, strings, integers). */
#ifndef MKVDSO_JSON_H
#define MKVDSO_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *out;
	bool pretty;
	int depth;
	bool need_comma;
};

void json_init(struct json *j, FILE *out, bool pretty);
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
/* key is NULL inside arrays. */
void json_string(struct json *j, const char *key, const char *value); /* NULL -> null */
void json_uint(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);
void json_finish(struct json *j);

#endif

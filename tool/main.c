/* mkvdso: command dispatch.
 *
 * The root argp parser runs with ARGP_IN_ORDER and stops at the command
 * word; the command's own parser then gets the rest of argv with argv[0]
 * rewritten to "mkvdso COMMAND", so its --help and errors name it. */
#include "mkvdso.h"

#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *argp_program_version = "mkvdso " MKVDSO_VERSION;
const char *argp_program_bug_address = "<https://github.com/mkvdso/mkvdso/issues>";

struct command {
	const char *name;
	int (*run)(struct mkvdso_ctx *ctx, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "build", cmd_build, "build, check and place a vDSO and write what a kernel embeds" },
	{ "inspect", cmd_inspect, "report what an image holds and what each libc will do with it" },
	{ "dump", cmd_dump, "write this machine's own vDSO to a file" },
};

struct root_state {
	struct mkvdso_ctx *ctx;
	int command_index;        /* argv index of the command word, or 0 */
};

enum { OPT_PRETTY = 0x100 };

static const struct argp_option root_options[] = {
	{ "verbose", 'v', NULL, 0, "Say more (repeatable)", 0 },
	{ "quiet", 'q', NULL, 0, "Say only what is wrong", 0 },
	{ "json", 'j', NULL, 0, "Machine-readable output", 0 },
	{ "pretty", OPT_PRETTY, NULL, 0, "Indent JSON output", 0 },
	{ 0 }
};

static error_t parse_root(int key, char *arg, struct argp_state *state)
{
	struct root_state *root = state->input;
	switch (key) {
	case 'v':
		root->ctx->verbosity++;
		return 0;
	case 'q':
		root->ctx->verbosity = -1;
		return 0;
	case 'j':
		root->ctx->json = true;
		return 0;
	case OPT_PRETTY:
		root->ctx->json = root->ctx->pretty = true;
		return 0;
	case ARGP_KEY_ARG:
		(void)arg;
		root->command_index = state->next - 1;
		state->next = state->argc; /* the rest belongs to the command */
		return 0;
	case ARGP_KEY_END:
		if (!root->command_index)
			argp_error(state, "no command given (try 'build', 'inspect' or 'dump')");
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const char root_doc[] =
	"Build, place and check vDSO images for kernels that run Linux programs."
	"\v"
	"Commands:\n"
	"  build --base=ADDR  build (or --prebuilt), check and place a vDSO; write what a kernel embeds\n"
	"  inspect FILE    report what a vDSO holds and what musl, glibc, Go and bionic do with it\n"
	"  dump [-o FILE]  write this machine's own vDSO\n"
	"  help COMMAND    the same as COMMAND --help\n"
	"\n"
	"Exit status: 0 success; 1 the input is not a usable vDSO; 2 trouble (I/O, toolchain, "
	"memory); 64 usage error.";

static const struct argp root_argp = {
	root_options, parse_root, "COMMAND [OPTIONS] [ARGS]", root_doc, NULL, NULL, NULL,
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int run_command(struct mkvdso_ctx *ctx, const char *name, int argc, char **argv)
{
	const struct command *command = find_command(name);
	if (!command) {
		fprintf(stderr, "mkvdso: unknown command '%s' (expected build, inspect, dump or help)\n"
			"Try 'mkvdso --help' for more information.\n", name);
		return EXIT_USAGE;
	}
	char program[64];
	snprintf(program, sizeof program, "mkvdso %s", command->name);
	argv[0] = program;
	return command->run(ctx, argc, argv);
}

int main(int argc, char **argv)
{
	struct mkvdso_ctx ctx = { 0 };
	struct root_state root = { &ctx, 0 };
	argp_parse(&root_argp, argc, argv, ARGP_IN_ORDER, NULL, &root);
	int index = root.command_index;
	if (strcmp(argv[index], "help") == 0) {
		if (index + 1 >= argc) {
			char *help_argv[] = { argv[0], (char *)"--help", NULL };
			argp_parse(&root_argp, 2, help_argv, 0, NULL, &root);
			return EXIT_OK;
		}
		char *help_argv[] = { NULL, (char *)"--help", NULL };
		return run_command(&ctx, argv[index + 1], 2, help_argv);
	}
	return run_command(&ctx, argv[index], argc - index, argv + index);
}

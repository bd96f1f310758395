/* probe: builds vdso-probe (vdso/probe/), the static program a kernel
 * author runs inside the kernel under test to see that it maps, fills and
 * serves the very image this build wrote.  Its expectations are this
 * build's own vdso.h, rendered into the probe's private build folder; its
 * compiler is the built-in vDSO's for the architecture (toolchain.h). */
#ifndef MKVDSO_PROBE_H
#define MKVDSO_PROBE_H

#include "emit.h"
#include "toolchain.h"

struct probe_result {
	unsigned char *bytes;        /* the static executable */
	size_t size;
	char **inputs;               /* the probe's sources, for the depfile */
	size_t input_count;
};

/* Which architectures have a probe (vdso/probe/arch.h). */
bool probe_supported(const struct arch_contract *arch);
/* Compiles the probe for the placed image in (in->name is ignored: the
 * probe always reads VDSO_* names).  EXIT_OK, or EXIT_TROUBLE with the
 * reason printed. */
int probe_build(const struct compile_request *request, const struct emit_input *in,
		struct probe_result *result);
void probe_result_free(struct probe_result *result);

#endif

/* emit_raw: the placed image bytes, exactly: no header, no padding.  The
 * asm stub .incbin's this file and pads to a page itself. */
#include "emit_internal.h"

void emit_raw(const struct emit_input *in, struct buffer *out)
{
	buffer_append(out, in->image, in->image_size);
}

/*
 * vdso-probe: the acceptance test a kernel author runs inside the kernel
 * under test.  `mkvdso build --probe` compiles it for the image it built
 * (or took with --prebuilt): static, no C library, its expectations (build
 * id, size, symbols, data page, trampoline) compiled in from that build's
 * own vdso.h.
 *
 * It prints one line per check, "STATUS  CHECK  what it saw", and a last
 * summary line; the exit status is 0 only if no check failed.  FAIL is a
 * defect; WARN works but differs from Linux; NOTE was not checked, or is a
 * measurement.  It never trusts the mapping: every byte of the image and
 * the data page is first copied through a pipe (the kernel's copy_from_user
 * returns -EFAULT instead of faulting), and writability is tested by
 * read()ing a byte the page already holds into it (copy_to_user fails on a
 * read-only page and leaves it alone).  A fault anyway (a vDSO function that
 * crashes) is reported with the check it happened in.
 *
 * The vDSO lookup is musl's (src/internal/vdso.c): the first PT_LOAD gives
 * the load bias, PT_DYNAMIC the tables, DT_HASH (else DT_GNU_HASH) the
 * symbol count, versym and verdef the version.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "vdso.h"
#include "vdso_data.h"

__asm__(PROBE_ARCH_ASM);

#if VDSO_ELF_CLASS != 8 * __SIZEOF_POINTER__
#error "vdso-probe reads an image of its own ELF class (ELF64 or ELF32), as the process's libc does"
#endif
#if VDSO_HAS_DATA_PAGE && VDSO_DATA_VERSION != MKVDSO_DATA_VERSION
#error "the image's data-page layout is not the one vdso_data.h describes"
#endif

#define PAGE 4096ul
#define NSEC_PER_SEC 1000000000ll
#define EFAULT 14
#define EINVAL 22
#define ENOSYS 38
#define SIGILL 4
#define SIGBUS 7
#define SIGUSR1 10
#define SIGSEGV 11
#define AT_NULL 0
#define AT_SYSINFO_EHDR 33

/* Bounds: a counter clock read through the vDSO lies between two system
 * calls made around it, give or take HRES_SLACK (the page's mult and shift
 * round); a _COARSE clock is a tick's snapshot on either side, so two of
 * its resolutions and COARSE_SLACK for a late tick. */
#define HRES_SLACK_NS 1000000ll
#define COARSE_SLACK_NS 50000000ll
/* How long the probe watches the data page for updates. */
#define WATCH_NS 300000000ll
#define MONOTONIC_CALLS 20000
#define THREAD_CALLS 100000	/* reads that follow another thread's */
#define COST_CALLS 20000

/* --- ELF64 or ELF32, as much as the lookup needs --- */

#if VDSO_ELF_CLASS == 64
typedef uint64_t elf_addr;	/* addresses, offsets, sizes, dynamic entries' words */
#define ELF_CLASS_NAME "ELF64"
#else
typedef uint32_t elf_addr;
#define ELF_CLASS_NAME "ELF32"
#endif

struct elf_ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version;
	elf_addr entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

#if VDSO_ELF_CLASS == 64
struct elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct elf_sym {
	uint32_t name;
	unsigned char info, other;
	uint16_t shndx;
	uint64_t value, size;
};
#else
struct elf_phdr {	/* p_flags moves to the end in ELF32 */
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

struct elf_sym {	/* and st_value, st_size come first */
	uint32_t name, value, size;
	unsigned char info, other;
	uint16_t shndx;
};
#endif

struct elf_verdef {
	uint16_t version, flags, ndx, cnt;
	uint32_t hash, aux, next;
};

struct elf_verdaux {
	uint32_t name, next;
};

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_NOTE 4
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define DT_NULL 0
#define DT_HASH 4
#define DT_STRTAB 5
#define DT_SYMTAB 6
#define DT_STRSZ 10
#define DT_GNU_HASH 0x6ffffef5
#define DT_VERSYM 0x6ffffff0
#define DT_VERDEF 0x6ffffffc
#define STB_LOCAL 0
#define STT_NOTYPE 0
#define STT_OBJECT 1
#define STT_FUNC 2
#define SHN_UNDEF 0
#define SHN_ABS 0xfff1
#define NT_GNU_BUILD_ID 3

struct probe_timespec {
	long sec, nsec;
};

struct probe_timeval {
	long sec, usec;
};

struct probe_timezone {
	int minuteswest, dsttime;
};

typedef int (*clock_gettime_fn)(long, struct probe_timespec *);
#ifdef PROBE_VDSO_CLOCK_GETTIME64
/* A 32-bit target's time64 timespec, the kernel's __kernel_timespec
 * (probe_timespec is its time32 one there). */
struct probe_timespec64 {
	int64_t sec, nsec;
};
typedef int (*clock_gettime64_fn)(long, struct probe_timespec64 *);
#endif
typedef int (*gettimeofday_fn)(struct probe_timeval *, struct probe_timezone *);
typedef long (*time_fn)(long *);

enum status { PASS, FAIL, WARN, NOTE };

/* The one context: everything the checks learn, in the order they learn it. */
struct probe {
	char line[512];
	size_t used;
	unsigned counts[4];
	const char *check;	/* for the fault reporter */
	int pipe_rd, pipe_wr;	/* -1: no pipe, memory is read directly */
	uintptr_t ehdr;		/* AT_SYSINFO_EHDR, 0 if absent */
	uint64_t image_size;	/* what the headers span */
	uintptr_t bias;		/* ehdr + offset - vaddr of the first PT_LOAD */
	const struct elf_sym *syms;
	const char *strings;
	uint64_t strsz;
	const uint16_t *versym;
	uintptr_t verdef;
	uint32_t nsyms;
	clock_gettime_fn clock_gettime, clock_getres;
#ifdef PROBE_VDSO_CLOCK_GETTIME64
	clock_gettime64_fn clock_gettime64;
#endif
	gettimeofday_fn gettimeofday;
	time_fn time;
	uintptr_t sigreturn;
	uintptr_t data;		/* the data page, if it is where it should be */
	int data_ok;		/* readable, so the vDSO's counter clocks will not fault */
	long coarse_res_ns;
	/* the signal check */
	volatile int handled;
	volatile uintptr_t handler_return;
	/* the thread check */
	volatile int64_t shared_ns;
	volatile int thread_go, thread_stop, thread_done;
};

/* The fault reporter has no other way to the context. */
static struct probe *reporting;

/* gcc may call these for struct copies and zeroing, even freestanding. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}
void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

/* 64-bit quotients and remainders, for printing and the cost line.  On a
 * 32-bit target the compiler would call libgcc's __aeabi_uldivmod, which a
 * program without a C library does not link (vdso/lib/gettimeofday.h keeps
 * its 32-bit path free of them too): a shift-and-subtract division instead. */
#if UINTPTR_MAX > 0xffffffffu
#define div64(n, d) ((n) / (d))
#define mod64(n, d) ((n) % (d))
#else
static uint64_t divide64(uint64_t n, uint64_t d, uint64_t *remainder)
{
	uint64_t quotient = 0, r = 0;
	for (int bit = 63; bit >= 0; bit--) {
		r = r << 1 | (n >> bit & 1);
		if (r >= d) {
			r -= d;
			quotient |= 1ull << bit;
		}
	}
	*remainder = r;
	return quotient;
}
static uint64_t div64(uint64_t n, uint64_t d)
{
	uint64_t r;
	return divide64(n, d, &r);
}
static uint64_t mod64(uint64_t n, uint64_t d)
{
	uint64_t r;
	divide64(n, d, &r);
	return r;
}
#endif

static size_t length(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

#define sys(nr, a, b, c) probe_syscall6(PROBE_NR_##nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static void write_all(const char *s, size_t n)
{
	while (n) {
		long done = sys(write, 1, s, n);
		if (done <= 0)
			return;
		s += done;
		n -= (size_t)done;
	}
}

/* --- the report: a tiny printf (%s, %d long, %u unsigned long, %x hex, %t int64_t ns) --- */

static void put_char(struct probe *p, char c)
{
	if (p->used + 1 < sizeof p->line)
		p->line[p->used++] = c;
}

static void put_text(struct probe *p, const char *s)
{
	while (s && *s)
		put_char(p, *s++);
}

static void put_unsigned(struct probe *p, uint64_t value, unsigned base, unsigned min_digits)
{
	char digits[24];
	unsigned n = 0;
	do {
		digits[n++] = "0123456789abcdef"[mod64(value, base)];
		value = div64(value, base);
	} while (value || n < min_digits);
	while (n)
		put_char(p, digits[--n]);
}

/* A duration in the unit that keeps it readable: 12 ns, 3.400 us, 1.000000 ms ... s. */
static void put_duration(struct probe *p, int64_t ns)
{
	uint64_t magnitude = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	if (ns < 0)
		put_char(p, '-');
	if (magnitude < 1000) {
		put_unsigned(p, magnitude, 10, 1);
		put_text(p, " ns");
	} else if (magnitude < 1000000) {
		put_unsigned(p, div64(magnitude, 1000), 10, 1);
		put_char(p, '.');
		put_unsigned(p, mod64(magnitude, 1000), 10, 3);
		put_text(p, " us");
	} else if (magnitude < 1000000000) {
		put_unsigned(p, div64(magnitude, 1000000), 10, 1);
		put_char(p, '.');
		put_unsigned(p, div64(mod64(magnitude, 1000000), 1000), 10, 3);
		put_text(p, " ms");
	} else {
		put_unsigned(p, div64(magnitude, 1000000000), 10, 1);
		put_char(p, '.');
		put_unsigned(p, mod64(magnitude, 1000000000), 10, 9);
		put_text(p, " s");
	}
}

static void put_format(struct probe *p, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%' || !fmt[1]) {
			put_char(p, *fmt);
			continue;
		}
		switch (*++fmt) {
		case 's': put_text(p, va_arg(ap, const char *)); break;
		case 'd': {
			long v = va_arg(ap, long);
			if (v < 0)
				put_char(p, '-');
			put_unsigned(p, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, 10, 1);
			break;
		}
		case 'u': put_unsigned(p, va_arg(ap, unsigned long), 10, 1); break;
		case 'x':
			put_text(p, "0x");
			put_unsigned(p, va_arg(ap, unsigned long), 16, 1);
			break;
		case 't': put_duration(p, va_arg(ap, int64_t)); break;
		default: put_char(p, *fmt); break;
		}
	}
}

static const char *const status_names[] = { "PASS", "FAIL", "WARN", "NOTE" };

/* One line of the table: STATUS, the check's name padded to a column, the detail. */
static void report(struct probe *p, enum status status, const char *check, const char *fmt, ...)
{
	va_list ap;
	p->used = 0;
	put_text(p, status_names[status]);
	put_text(p, "  ");
	put_text(p, check);
	for (size_t n = length(check); n < 32; n++)
		put_char(p, ' ');
	put_char(p, ' ');
	va_start(ap, fmt);
	put_format(p, fmt, ap);
	va_end(ap);
	put_char(p, '\n');
	write_all(p->line, p->used);
	p->counts[status]++;
}

static void report_summary(struct probe *p)
{
	p->used = 0;
	put_text(p, p->counts[FAIL] ? "vdso-probe: FAIL: " : "vdso-probe: PASS: ");
	put_unsigned(p, p->counts[PASS], 10, 1);
	put_text(p, " passed, ");
	put_unsigned(p, p->counts[FAIL], 10, 1);
	put_text(p, " failed, ");
	put_unsigned(p, p->counts[WARN], 10, 1);
	put_text(p, " warnings, ");
	put_unsigned(p, p->counts[NOTE], 10, 1);
	put_text(p, " notes (" PROBE_ARCH " image, build id " VDSO_BUILD_ID ")\n");
	write_all(p->line, p->used);
}

static __attribute__((noreturn)) void finish(struct probe *p)
{
	report_summary(p);
	for (;;)
		sys(exit_group, p->counts[FAIL] ? 1 : 0, 0, 0);
}

/* --- memory the probe does not trust --- */

/* Copies n bytes at addr into out through the pipe: 0, or -EFAULT (or
 * another -errno) when the kernel could not read them. */
static long copy_in(struct probe *p, void *out, uintptr_t addr, size_t n)
{
	unsigned char *to = out;
	if (p->pipe_wr < 0) {	/* no pipe2: read it and hope (the fault reporter names the check) */
		memcpy(out, (const void *)addr, n);
		return 0;
	}
	while (n) {
		size_t chunk = n < PAGE ? n : PAGE;
		long wrote = sys(write, p->pipe_wr, addr, chunk);
		if (wrote <= 0)
			return wrote < 0 ? wrote : -EFAULT;
		for (long got = 0; got < wrote;) {
			long r = sys(read, p->pipe_rd, to + got, (size_t)(wrote - got));
			if (r <= 0)
				return r < 0 ? r : -EFAULT;
			got += r;
		}
		to += wrote;
		addr += (uintptr_t)wrote;
		n -= (size_t)wrote;
	}
	return 0;
}

/* Whether the process can write the byte at addr: 1 yes (it now holds the
 * same value again), 0 no, -1 unknown (no pipe). */
static int writable(struct probe *p, uintptr_t addr)
{
	unsigned char byte;
	if (p->pipe_wr < 0 || copy_in(p, &byte, addr, 1) != 0 || sys(write, p->pipe_wr, &byte, 1) != 1)
		return -1;
	long r = sys(read, p->pipe_rd, addr, 1);
	if (r == 1)
		return 1;
	sys(read, p->pipe_rd, &byte, 1);	/* drain what did not go in */
	return 0;
}

/* Whether [addr, addr + size) lies inside the image the headers describe. */
static int in_image(const struct probe *p, uintptr_t addr, uint64_t size)
{
	return addr >= p->ehdr && addr - p->ehdr <= p->image_size && size <= p->image_size - (addr - p->ehdr);
}

/* --- the fault reporter --- */

static void on_fault(int sig, void *info, void *context)
{
	struct probe *p = reporting;
	(void)context;
	/* si_addr: after three ints, at the union's (a pointer's) alignment */
	uintptr_t addr = *(const uintptr_t *)((const char *)info + (3 * sizeof(int) + sizeof(void *) - 1) /
					      sizeof(void *) * sizeof(void *));
	const char *where = "";
	if (p->ehdr && addr - p->ehdr < (p->image_size ? p->image_size : PAGE))
		where = ": inside the image (is it mapped executable?)";
#if VDSO_HAS_DATA_PAGE
	else if (p->ehdr && addr - (p->ehdr + (uintptr_t)(intptr_t)VDSO_DATA_OFFSET) < PAGE)
		where = ": inside the data page (is it mapped readable?)";
#endif
	report(p, FAIL, p->check ? p->check : "start", "killed by signal %d (%s) at address %x%s",
	       (long)sig, sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : "SIGILL",
	       (unsigned long)addr, where);
	finish(p);
}

extern void probe_restorer(void);

static long install_handler(int sig, void (*handler)(int, void *, void *), unsigned long flags,
			    void (*restorer)(void))
{
	struct probe_sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.handler = handler;
	sa.flags = flags;
#if PROBE_HAS_SA_RESTORER
	if (restorer) {
		sa.flags |= PROBE_SA_RESTORER;
		sa.restorer = restorer;
	}
#else
	(void)restorer;
#endif
	return probe_syscall6(PROBE_NR_rt_sigaction, sig, (long)&sa, 0, sizeof sa.mask, 0, 0);
}

/* x86_64 needs a restorer for every handler; elsewhere the kernel's default. */
#if defined(__x86_64__)
#define DEFAULT_RESTORER probe_restorer
#else
#define DEFAULT_RESTORER NULL
#endif

/* --- the image --- */

static uintptr_t find_auxv_ehdr(const long *sp)
{
	long argc = sp[0];
	const long *v = sp + 1 + argc + 1;
	while (*v)
		v++;	/* environment */
	for (v++; v[0] != AT_NULL; v += 2)
		if (v[0] == AT_SYSINFO_EHDR)
			return (uintptr_t)v[1];
	return 0;
}

/* What the image's headers span: the end of its program headers, section
 * headers and segments' file contents, as mkvdso dump measures it. */
static int measure_image(struct probe *p, struct elf_ehdr *eh)
{
	const char *check = "image headers";
	if (copy_in(p, eh, p->ehdr, sizeof *eh) != 0) {
		report(p, FAIL, check, "cannot read %x (AT_SYSINFO_EHDR): nothing readable mapped there",
		       (unsigned long)p->ehdr);
		return 0;
	}
	if (eh->ident[0] != 0x7f || eh->ident[1] != 'E' || eh->ident[2] != 'L' || eh->ident[3] != 'F' ||
	    eh->ident[4] != VDSO_ELF_CLASS / 32 || eh->phentsize != sizeof(struct elf_phdr)) {
		report(p, FAIL, check, "%x holds no " ELF_CLASS_NAME " header with %u-byte program headers",
		       (unsigned long)p->ehdr, (unsigned long)sizeof(struct elf_phdr));
		return 0;
	}
	uint64_t end = eh->phoff + (uint64_t)eh->phnum * sizeof(struct elf_phdr);
	if (eh->shnum && eh->shoff + (uint64_t)eh->shnum * eh->shentsize > end)
		end = eh->shoff + (uint64_t)eh->shnum * eh->shentsize;
	if (end > (64u << 20)) {
		report(p, FAIL, check, "headers span %u bytes: not a vDSO", (unsigned long)end);
		return 0;
	}
	struct elf_phdr ph;
	for (unsigned i = 0; i < eh->phnum; i++) {
		if (copy_in(p, &ph, p->ehdr + eh->phoff + i * sizeof ph, sizeof ph) != 0) {
			report(p, FAIL, check, "program header %u at %x is not readable", (unsigned long)i,
			       (unsigned long)(p->ehdr + eh->phoff + i * sizeof ph));
			return 0;
		}
		if (ph.offset + ph.filesz > end && ph.filesz < (64u << 20) && ph.offset < (64u << 20))
			end = ph.offset + ph.filesz;
	}
	static unsigned char scratch[PAGE];
	for (uint64_t at = 0; at < end; at += PAGE) {
		uint64_t n = end - at < PAGE ? end - at : PAGE;
		if (copy_in(p, scratch, p->ehdr + at, n) != 0) {
			report(p, FAIL, check, "the image's headers span %u bytes, but %x is not readable",
			       (unsigned long)end, (unsigned long)(p->ehdr + at));
			return 0;
		}
	}
	p->image_size = end;
	report(p, PASS, check, ELF_CLASS_NAME " at %x, %u bytes readable", (unsigned long)p->ehdr,
	       (unsigned long)end);
	return 1;
}

static void check_size(struct probe *p)
{
	if (p->image_size == VDSO_IMAGE_SIZE)
		report(p, PASS, "image size", "%u bytes, as built", (unsigned long)p->image_size);
	else
		report(p, FAIL, "image size", "%u bytes, but the image built is %u: the kernel maps another image",
		       (unsigned long)p->image_size, (unsigned long)VDSO_IMAGE_SIZE);
}

static void check_build_id(struct probe *p, const struct elf_ehdr *eh)
{
	const struct elf_phdr *ph = (const struct elf_phdr *)(p->ehdr + eh->phoff);
	char seen[2 * 64 + 1];
	seen[0] = '\0';
	for (unsigned i = 0; i < eh->phnum && !seen[0]; i++) {
		if (ph[i].type != PT_NOTE || !in_image(p, p->ehdr + ph[i].offset, ph[i].filesz))
			continue;
		const unsigned char *n = (const unsigned char *)(p->ehdr + ph[i].offset);
		uint64_t left = ph[i].filesz;
		while (left >= 12) {
			uint32_t namesz = *(const uint32_t *)n, descsz = *(const uint32_t *)(n + 4);
			uint32_t type = *(const uint32_t *)(n + 8);
			uint64_t name_pad = ((uint64_t)namesz + 3) & ~3ull, desc_pad = ((uint64_t)descsz + 3) & ~3ull;
			if (12 + name_pad + desc_pad > left)
				break;
			if (type == NT_GNU_BUILD_ID && namesz == 4 && same((const char *)n + 12, "GNU") &&
			    descsz <= 64) {
				for (uint32_t b = 0; b < descsz; b++) {
					seen[2 * b] = "0123456789abcdef"[n[12 + name_pad + b] >> 4];
					seen[2 * b + 1] = "0123456789abcdef"[n[12 + name_pad + b] & 15];
				}
				seen[2 * descsz] = '\0';
				break;
			}
			n += 12 + name_pad + desc_pad;
			left -= 12 + name_pad + desc_pad;
		}
	}
	if (same(seen, VDSO_BUILD_ID))
		report(p, PASS, "build id", "%s, as built", seen[0] ? seen : "(none, as built)");
	else
		report(p, FAIL, "build id", "%s, but the image built has %s: the kernel maps another image",
		       seen[0] ? seen : "none", VDSO_BUILD_ID[0] ? VDSO_BUILD_ID : "none");
}

/* musl's lookup: the tables from PT_DYNAMIC, all inside the image. */
static int read_dynamic(struct probe *p, const struct elf_ehdr *eh)
{
	const char *check = "dynamic table";
	const struct elf_phdr *ph = (const struct elf_phdr *)(p->ehdr + eh->phoff);
	const elf_addr *dyn = 0;
	uint64_t dyn_size = 0;
	int have_load = 0;
	for (unsigned i = 0; i < eh->phnum; i++) {
		if (ph[i].type == PT_LOAD && !have_load) {
			p->bias = p->ehdr + ph[i].offset - ph[i].vaddr;
			have_load = 1;
		} else if (ph[i].type == PT_DYNAMIC && in_image(p, p->ehdr + ph[i].offset, ph[i].filesz)) {
			dyn = (const elf_addr *)(p->ehdr + ph[i].offset);
			dyn_size = ph[i].filesz;
		}
	}
	if (!have_load || !dyn) {
		report(p, FAIL, check, "no %s: no libc can use this image", have_load ? "PT_DYNAMIC" : "PT_LOAD");
		return 0;
	}
	elf_addr hash = 0, gnu_hash = 0, strtab = 0, symtab = 0, versym = 0, verdef = 0;
	p->strsz = 0;
	for (uint64_t i = 0; (i + 1) * 2 * sizeof *dyn <= dyn_size && dyn[2 * i] != DT_NULL; i++) {
		uint64_t tag = dyn[2 * i], value = dyn[2 * i + 1];
		if (tag == DT_HASH) hash = value;
		else if (tag == DT_GNU_HASH) gnu_hash = value;
		else if (tag == DT_STRTAB) strtab = value;
		else if (tag == DT_SYMTAB) symtab = value;
		else if (tag == DT_STRSZ) p->strsz = value;
		else if (tag == DT_VERSYM) versym = value;
		else if (tag == DT_VERDEF) verdef = value;
	}
	if (!strtab || !symtab || !(hash || gnu_hash) || !in_image(p, p->bias + strtab, p->strsz)) {
		report(p, FAIL, check, "no DT_STRTAB, DT_SYMTAB or hash table inside the image");
		return 0;
	}
	p->strings = (const char *)(p->bias + strtab);
	p->syms = (const struct elf_sym *)(p->bias + symtab);
	if (hash && in_image(p, p->bias + hash, 8)) {
		p->nsyms = ((const uint32_t *)(p->bias + hash))[1];
	} else if (gnu_hash && in_image(p, p->bias + gnu_hash, 16)) {
		/* The highest symbol a bucket or its chain reaches. */
		const uint32_t *g = (const uint32_t *)(p->bias + gnu_hash);
		uint32_t nbuckets = g[0], symoffset = g[1], bloom = g[2];
		const uint32_t *buckets = g + 4 + sizeof(elf_addr) / 4 * (uint64_t)bloom;	/* bloom words */
		if (!in_image(p, (uintptr_t)buckets, 4ull * nbuckets)) {
			report(p, FAIL, check, "DT_GNU_HASH's buckets run past the image");
			return 0;
		}
		uint32_t last = 0;
		for (uint32_t b = 0; b < nbuckets; b++)
			if (buckets[b] > last)
				last = buckets[b];
		const uint32_t *chain = buckets + nbuckets;
		if (last >= symoffset)
			while (in_image(p, (uintptr_t)&chain[last - symoffset], 4) && !(chain[last - symoffset] & 1))
				last++;
		p->nsyms = last + 1;
	}
	if (!in_image(p, (uintptr_t)p->syms, (uint64_t)p->nsyms * sizeof *p->syms)) {
		report(p, FAIL, check, "%u symbols run past the image", (unsigned long)p->nsyms);
		return 0;
	}
	if (versym && in_image(p, p->bias + versym, 2ull * p->nsyms))
		p->versym = (const uint16_t *)(p->bias + versym);
	if (verdef && in_image(p, p->bias + verdef, sizeof(struct elf_verdef)))
		p->verdef = p->bias + verdef;
	report(p, PASS, check, "%u symbols, %s%s", (unsigned long)p->nsyms,
	       hash ? "DT_HASH" : "DT_GNU_HASH only (musl needs DT_HASH)",
	       p->versym && p->verdef ? ", versions" : ", no versions");
	return 1;
}

static const char *string_at(const struct probe *p, uint64_t offset)
{
	if (offset >= p->strsz)
		return "";
	for (uint64_t end = offset; end < p->strsz; end++)
		if (!p->strings[end])
			return p->strings + offset;
	return "";
}

/* The version a symbol's versym names, as musl's checkver reads verdef. */
static const char *symbol_version(const struct probe *p, uint32_t index)
{
	if (!p->versym || !p->verdef)
		return "";
	uint16_t want = p->versym[index] & 0x7fff;
	uintptr_t at = p->verdef;
	for (unsigned guard = 0; guard < 64 && in_image(p, at, sizeof(struct elf_verdef)); guard++) {
		const struct elf_verdef *d = (const struct elf_verdef *)at;
		if (!(d->flags & 1) && d->ndx == want && in_image(p, at + d->aux, sizeof(struct elf_verdaux)))
			return string_at(p, ((const struct elf_verdaux *)(at + d->aux))->name);
		if (!d->next)
			break;
		at += d->next;
	}
	return "";
}

static int exported(const struct elf_sym *s)
{
	unsigned type = s->info & 15, bind = s->info >> 4;
	return s->shndx != SHN_UNDEF && s->shndx != SHN_ABS && bind != STB_LOCAL && s->name &&
	       (type == STT_FUNC || type == STT_NOTYPE || type == STT_OBJECT);
}

/* NAME@VERSION's offset from the image start, or -1. */
static int64_t lookup(const struct probe *p, const char *name, const char *version)
{
	for (uint32_t i = 1; name && i < p->nsyms; i++) {
		const struct elf_sym *s = &p->syms[i];
		if (exported(s) && same(string_at(p, s->name), name) &&
		    (!version || same(symbol_version(p, i), version)) &&
		    in_image(p, p->bias + s->value, 1))
			return (int64_t)(p->bias + s->value - p->ehdr);
	}
	return -1;
}

struct expected_symbol {
	const char *name, *version;
	uint64_t offset;
};

#define EXPECT(name, version, offset, size) { name, version, offset },
static const struct expected_symbol expected_symbols[] = { VDSO_SYMBOLS(EXPECT) };
#undef EXPECT

static void check_symbols(struct probe *p)
{
	unsigned count = 0, want = sizeof expected_symbols / sizeof expected_symbols[0];
	for (uint32_t i = 1; i < p->nsyms; i++)
		count += exported(&p->syms[i]);
	for (unsigned i = 0; i < want; i++) {
		const struct expected_symbol *e = &expected_symbols[i];
		int64_t at = lookup(p, e->name, e->version[0] ? e->version : 0);
		if (at != (int64_t)e->offset) {
			report(p, FAIL, "symbols", "%s@%s %s %x: the kernel maps another image", e->name,
			       e->version, at < 0 ? "missing, built at" : "not at its built offset", (unsigned long)e->offset);
			return;
		}
	}
	if (count != want) {
		report(p, FAIL, "symbols", "the image exports %u symbols, the one built %u: the kernel maps another image",
		       (unsigned long)count, (unsigned long)want);
		return;
	}
	report(p, PASS, "symbols", "all %u at their built offsets and versions", (unsigned long)want);
}

static void find_functions(struct probe *p)
{
	int64_t at;
	if ((at = lookup(p, PROBE_VDSO_CLOCK_GETTIME, PROBE_VDSO_VERSION)) >= 0)
		p->clock_gettime = (clock_gettime_fn)(p->ehdr + (uintptr_t)at);
	if ((at = lookup(p, PROBE_VDSO_CLOCK_GETRES, PROBE_VDSO_VERSION)) >= 0)
		p->clock_getres = (clock_gettime_fn)(p->ehdr + (uintptr_t)at);
	if ((at = lookup(p, PROBE_VDSO_GETTIMEOFDAY, PROBE_VDSO_VERSION)) >= 0)
		p->gettimeofday = (gettimeofday_fn)(p->ehdr + (uintptr_t)at);
#ifdef PROBE_VDSO_CLOCK_GETTIME64
	if ((at = lookup(p, PROBE_VDSO_CLOCK_GETTIME64, PROBE_VDSO_VERSION)) >= 0)
		p->clock_gettime64 = (clock_gettime64_fn)(p->ehdr + (uintptr_t)at);
#endif
	if ((at = lookup(p, PROBE_VDSO_TIME, PROBE_VDSO_VERSION)) >= 0)
		p->time = (time_fn)(p->ehdr + (uintptr_t)at);
	if ((at = lookup(p, PROBE_VDSO_SIGRETURN, PROBE_VDSO_VERSION)) >= 0)
		p->sigreturn = p->ehdr + (uintptr_t)at;
	report(p, p->clock_gettime && p->gettimeofday && p->clock_getres ? PASS : FAIL, "functions",
	       "%s%s, %s%s, %s%s at " PROBE_VDSO_VERSION,
	       PROBE_VDSO_CLOCK_GETTIME, p->clock_gettime ? "" : " MISSING",
	       PROBE_VDSO_GETTIMEOFDAY, p->gettimeofday ? "" : " MISSING",
	       PROBE_VDSO_CLOCK_GETRES, p->clock_getres ? "" : " MISSING");
#ifdef PROBE_VDSO_CLOCK_GETTIME64
	report(p, p->clock_gettime64 ? PASS : FAIL, "functions, time64", PROBE_VDSO_CLOCK_GETTIME64 "%s at "
	       PROBE_VDSO_VERSION, p->clock_gettime64 ? "" : " MISSING: time64 programs make the system call");
#endif
}

static void check_image_protection(struct probe *p)
{
	int w = writable(p, p->ehdr);
	if (w == 0)
		report(p, PASS, "image not writable", "read() into %x: -EFAULT", (unsigned long)p->ehdr);
	else if (w == 1)
		report(p, FAIL, "image not writable", "read() into %x succeeded: map the vDSO read+execute only",
		       (unsigned long)p->ehdr);
	else
		report(p, NOTE, "image not writable", "not checked: no pipe2 system call");
}

static void check_base(struct probe *p)
{
	if (p->ehdr == (uintptr_t)VDSO_BASE)
		report(p, PASS, "AT_SYSINFO_EHDR", "%x, page-aligned, the address the image was placed for",
		       (unsigned long)p->ehdr);
	else if (VDSO_PRELINKED)
		report(p, FAIL, "AT_SYSINFO_EHDR", "%x, but the image is prelinked for %x", (unsigned long)p->ehdr,
		       (unsigned long)VDSO_BASE);
	else
		report(p, NOTE, "AT_SYSINFO_EHDR", "%x, page-aligned; placed for %x (the image is linked at 0 and "
		       "runs anywhere; the generated *_ADDRESS constants hold only there)",
		       (unsigned long)p->ehdr, (unsigned long)VDSO_BASE);
}

/* --- the data page --- */

static int read_page(struct probe *p, uintptr_t at, struct vdso_data *d)
{
	return copy_in(p, d, at, sizeof *d) == 0;
}

static void check_data_page(struct probe *p)
{
#if VDSO_HAS_DATA_PAGE
	struct vdso_data d;
	uintptr_t want = p->ehdr + (uintptr_t)(intptr_t)VDSO_DATA_OFFSET;
	int readable = read_page(p, want, &d);
	if (!readable || d.version != MKVDSO_DATA_VERSION) {
		/* Where is it, then?  A page with the version nearby says how far off. */
		long found = 0;
		struct vdso_data other;
		for (long pages = -4; pages <= 4 && !found; pages++) {
			uintptr_t at = want + (uintptr_t)(pages * (long)PAGE);
			if (pages && (at < p->ehdr || at >= p->ehdr + p->image_size) && read_page(p, at, &other) &&
			    other.version == MKVDSO_DATA_VERSION)
				found = pages;
		}
		if (!readable)
			report(p, FAIL, "data page readable", "nothing readable at %x (AT_SYSINFO_EHDR %d): the vDSO "
			       "reads its data page there and will fault%s", (unsigned long)want,
			       (long)VDSO_DATA_OFFSET, found ? "" : "; no data page within 4 pages either");
		if (found)
			report(p, FAIL, "data page address", "a page of layout version %u is at %x, %d page(s) off: "
			       "map it at AT_SYSINFO_EHDR %d", (unsigned long)MKVDSO_DATA_VERSION,
			       (unsigned long)(want + (uintptr_t)(found * (long)PAGE)), found, (long)VDSO_DATA_OFFSET);
		if (!readable)
			return;
	}
	p->data = want;
	p->data_ok = 1;
	report(p, PASS, "data page readable", "at %x (AT_SYSINFO_EHDR %d)", (unsigned long)want,
	       (long)VDSO_DATA_OFFSET);
	int w = writable(p, want + PAGE - 1);
	if (w == 0)
		report(p, PASS, "data page not writable", "read() into it: -EFAULT");
	else if (w == 1)
		report(p, FAIL, "data page not writable", "read() into %x succeeded: any process can change every "
		       "process's clocks; map it read-only", (unsigned long)(want + PAGE - 1));
	else
		report(p, NOTE, "data page not writable", "not checked: no pipe2 system call");
	if (d.version == MKVDSO_DATA_VERSION)
		report(p, PASS, "data page version", "%u", (unsigned long)d.version);
	else
		report(p, FAIL, "data page version", "%u, expected %u (vdso_data_init): the vDSO makes a system "
		       "call for every clock", (unsigned long)d.version, (unsigned long)MKVDSO_DATA_VERSION);
	if (d.clock_mode == PROBE_CLOCK_MODE)
		report(p, PASS, "data page clock mode", "%d, the counter the vDSO reads on " PROBE_ARCH,
		       (long)d.clock_mode);
	else
		report(p, FAIL, "data page clock mode", "%d, expected %d: %s", (long)d.clock_mode,
		       (long)PROBE_CLOCK_MODE, d.clock_mode == MKVDSO_CLOCK_MODE_NONE
		       ? "the counter clocks make system calls" : "the vDSO cannot read this counter");
	uint32_t served = MKVDSO_HRES_CLOCKS | MKVDSO_COARSE_CLOCKS | MKVDSO_RAW_CLOCKS;
	if ((d.valid_clocks & served) == served)
		report(p, PASS, "data page clocks", "valid_clocks %x: every clock the page holds",
		       (unsigned long)d.valid_clocks);
	else
		report(p, WARN, "data page clocks", "valid_clocks %x, the page can hold %x: the rest are system calls",
		       (unsigned long)d.valid_clocks, (unsigned long)served);
#else
	report(p, NOTE, "data page", "not checked: a prebuilt image's data page (Linux's vvar) has a layout "
	       "mkvdso does not know");
#endif
}

/* --- clocks --- */

static int64_t ns_of(const struct probe_timespec *t)
{
	return (int64_t)t->sec * NSEC_PER_SEC + t->nsec;
}

static const char *clock_name(long id)
{
	static const char *const names[] = {
		"REALTIME", "MONOTONIC", "PROCESS_CPUTIME_ID", "THREAD_CPUTIME_ID", "MONOTONIC_RAW",
		"REALTIME_COARSE", "MONOTONIC_COARSE", "BOOTTIME", "REALTIME_ALARM", "BOOTTIME_ALARM",
		"SGI_CYCLE", "TAI",
	};
	return id >= 0 && id < 12 ? names[id] : "invalid";
}

static long sys_clock_gettime(long id, struct probe_timespec *t)
{
	return sys(clock_gettime, id, t, 0);
}

static int64_t monotonic_ns(void)
{
	struct probe_timespec t = { 0, 0 };
	sys_clock_gettime(MKVDSO_CLOCK_MONOTONIC, &t);
	return ns_of(&t);
}

static int vdso_usable(struct probe *p, const char *check, const void *fn)
{
	if (!fn) {
		report(p, NOTE, check, "not run: the vDSO does not export it");
		return 0;
	}
	if (!p->data_ok && VDSO_HAS_DATA_PAGE) {
		report(p, NOTE, check, "not run: the vDSO would fault reading its data page");
		return 0;
	}
	return 1;
}

/* A system call's error as the line says it. */
static void report_syscall_error(struct probe *p, const char *check, const char *call, long err)
{
	if (err == -ENOSYS)
		report(p, FAIL, check, "the %s system call is missing (-ENOSYS): not compared", call);
	else
		report(p, FAIL, check, "the %s system call failed: %d", call, err);
}

/* "CALL CLOCK", the check's name, into check. */
static void name_check(char *check, size_t size, const char *call, long id)
{
	size_t n = 0;
	for (const char *s = call; *s; s++)	/* a short literal */
		check[n++] = *s;
	for (const char *s = clock_name(id); *s && n + 1 < size; s++)
		check[n++] = *s;
	check[n] = '\0';
}

/* Whether the vDSO's reading seen lies between the system call's before
 * and after, give or take the clock's bound. */
static void judge_clock(struct probe *p, const char *check, long id, int64_t before, int64_t seen,
			int64_t after)
{
	int coarse = id == MKVDSO_CLOCK_REALTIME_COARSE || id == MKVDSO_CLOCK_MONOTONIC_COARSE;
	struct probe_timespec res = { 0, 0 };
	int64_t slack = HRES_SLACK_NS;
	if (coarse) {
		sys(clock_getres, id, &res, 0);
		slack = 2 * ns_of(&res) + COARSE_SLACK_NS;
	}
	int64_t early = before - seen, late = seen - after;
	if (early > slack)
		report(p, FAIL, check, "the vDSO is %t behind the system call (bound %t)", (int64_t)early, (int64_t)slack);
	else if (late > slack)
		report(p, FAIL, check, "the vDSO is %t ahead of the system call (bound %t)", (int64_t)late, (int64_t)slack);
	else
		report(p, PASS, check, "vDSO within %t of the system calls around it", (int64_t)slack);
}

static void check_clock(struct probe *p, long id)
{
	char check[48];
	name_check(check, sizeof check, "clock_gettime ", id);
	p->check = check;
	if (!vdso_usable(p, check, (const void *)p->clock_gettime))
		return;
	struct probe_timespec before, seen, after;
	long err = sys_clock_gettime(id, &before);
	if (err) {
		report_syscall_error(p, check, "clock_gettime", err);
		return;
	}
	int rc = p->clock_gettime(id, &seen);
	sys_clock_gettime(id, &after);
	if (rc != 0 || seen.nsec < 0 || seen.nsec >= NSEC_PER_SEC) {
		report(p, FAIL, check, "the vDSO returned %d with tv_nsec %d", (long)rc, seen.nsec);
		return;
	}
	judge_clock(p, check, id, ns_of(&before), ns_of(&seen), ns_of(&after));
}

#ifdef PROBE_VDSO_CLOCK_GETTIME64
static int64_t ns_of64(const struct probe_timespec64 *t)
{
	return t->sec * NSEC_PER_SEC + t->nsec;
}

/* The time64 entry against the time64 system call, as check_clock. */
static void check_clock64(struct probe *p, long id)
{
	char check[48];
	name_check(check, sizeof check, "clock_gettime64 ", id);
	p->check = check;
	if (!vdso_usable(p, check, (const void *)p->clock_gettime64))
		return;
	struct probe_timespec64 before, seen, after;
	long err = sys(clock_gettime64, id, &before, 0);
	if (err) {
		report_syscall_error(p, check, "clock_gettime64", err);
		return;
	}
	int rc = p->clock_gettime64(id, &seen);
	sys(clock_gettime64, id, &after, 0);
	if (rc != 0 || seen.nsec < 0 || seen.nsec >= NSEC_PER_SEC) {
		report(p, FAIL, check, "the vDSO returned %d with tv_nsec %d", (long)rc, (long)seen.nsec);
		return;
	}
	judge_clock(p, check, id, ns_of64(&before), ns_of64(&seen), ns_of64(&after));
}
#endif

static void check_getres(struct probe *p)
{
	static const long ids[] = { 0, 1, 4, 5, 6, 7, 11 };
	const char *check = "clock_getres";
	p->check = check;
	if (!vdso_usable(p, check, (const void *)p->clock_getres))
		return;
	for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		struct probe_timespec sys_res = { -1, -1 }, vdso_res = { -2, -2 };
		long err = sys(clock_getres, ids[i], &sys_res, 0);
		if (err) {
			report_syscall_error(p, check, "clock_getres", err);
			return;
		}
		int rc = p->clock_getres(ids[i], &vdso_res);
		if (rc != 0 || ns_of(&sys_res) != ns_of(&vdso_res)) {
			report(p, FAIL, check, "CLOCK_%s: the vDSO says %t (returned %d), the system call %t",
			       clock_name(ids[i]), (int64_t)ns_of(&vdso_res), (long)rc, (int64_t)ns_of(&sys_res));
			return;
		}
		if (ids[i] == MKVDSO_CLOCK_MONOTONIC_COARSE)
			p->coarse_res_ns = (long)ns_of(&sys_res);
	}
	report(p, PASS, check, "the vDSO and the system call agree for %u clocks", (unsigned long)(sizeof ids / sizeof ids[0]));
}

static void check_invalid(struct probe *p)
{
	/* Not 16-23: Linux 6.17's auxiliary clocks (CLOCK_AUX), whose
	 * clock_getres its own vDSO answers even while they are off. */
	static const long ids[] = { 10, 12, 15, 1000 };
	const char *check = "invalid clock ids";
	p->check = check;
	if (!vdso_usable(p, check, (const void *)p->clock_gettime))
		return;
	for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		struct probe_timespec t;
		long sys_rc = sys_clock_gettime(ids[i], &t);
		int rc = p->clock_gettime(ids[i], &t);
		int res_rc = p->clock_getres ? p->clock_getres(ids[i], &t) : -EINVAL;
		if (rc != -EINVAL || res_rc != -EINVAL || sys_rc != -EINVAL) {
			report(p, FAIL, check, "clock id %d: clock_gettime %d, clock_getres %d through the vDSO, "
			       "%d by the system call; expected -EINVAL (%d)", ids[i], (long)rc, (long)res_rc, sys_rc,
			       (long)-EINVAL);
			return;
		}
#ifdef PROBE_VDSO_CLOCK_GETTIME64
		struct probe_timespec64 t64;
		long sys64_rc = sys(clock_gettime64, ids[i], &t64, 0);
		int rc64 = p->clock_gettime64 ? p->clock_gettime64(ids[i], &t64) : -EINVAL;
		if (rc64 != -EINVAL || sys64_rc != -EINVAL) {
			report(p, FAIL, check, "clock id %d: clock_gettime64 %d through the vDSO, %d by the system "
			       "call; expected -EINVAL (%d)", ids[i], (long)rc64, sys64_rc, (long)-EINVAL);
			return;
		}
#endif
	}
	report(p, PASS, check, "10, 12, 15, 1000: -EINVAL from the vDSO and the system call");
}

static void check_gettimeofday(struct probe *p)
{
	const char *check = "gettimeofday";
	p->check = check;
	if (!vdso_usable(p, check, (const void *)p->gettimeofday))
		return;
	struct probe_timeval before, seen, after, no_tz;
	struct probe_timezone sys_tz = { -1, -1 }, vdso_tz = { -2, -2 };
	long err = sys(gettimeofday, &before, &sys_tz, 0);
	if (err) {
		report_syscall_error(p, check, "gettimeofday", err);
		return;
	}
	int rc = p->gettimeofday(&seen, &vdso_tz);
	int rc_no_tz = p->gettimeofday(&no_tz, 0);
	sys(gettimeofday, &after, 0, 0);
	int64_t b = (int64_t)before.sec * 1000000 + before.usec, s = (int64_t)seen.sec * 1000000 + seen.usec;
	int64_t a = (int64_t)after.sec * 1000000 + after.usec, n = (int64_t)no_tz.sec * 1000000 + no_tz.usec;
	int64_t slack_us = HRES_SLACK_NS / 1000;
	if (rc != 0 || rc_no_tz != 0 || seen.usec < 0 || seen.usec >= 1000000)
		report(p, FAIL, check, "the vDSO returned %d (with a timezone), %d (without), tv_usec %d", (long)rc,
		       (long)rc_no_tz, seen.usec);
	else if (s < b - slack_us || s > a + slack_us || n < s || n > a + slack_us)
		report(p, FAIL, check, "the vDSO is %t %s the system calls around it (bound %t)",
		       (int64_t)((s < b ? b - s : s - a) * 1000), s < b ? "behind" : "ahead of",
		       (int64_t)HRES_SLACK_NS);
	else if (vdso_tz.minuteswest != sys_tz.minuteswest || vdso_tz.dsttime != sys_tz.dsttime)
		report(p, FAIL, check, "timezone %d/%d, the system call's %d/%d (tz_minuteswest/tz_dsttime)",
		       (long)vdso_tz.minuteswest, (long)vdso_tz.dsttime, (long)sys_tz.minuteswest, (long)sys_tz.dsttime);
	else
		report(p, PASS, check, "with and without a timezone (%d/%d), within %t of the system calls",
		       (long)vdso_tz.minuteswest, (long)vdso_tz.dsttime, (int64_t)HRES_SLACK_NS);
}

static void check_time(struct probe *p)
{
	const char *check = "time";
	p->check = check;
	if (!PROBE_VDSO_TIME) {
		report(p, NOTE, check, "not exported on " PROBE_ARCH " (libcs use clock_gettime)");
		return;
	}
	if (!vdso_usable(p, check, (const void *)p->time))
		return;
	struct probe_timespec before, after, res = { 0, 0 };
	long stored = -1;
	sys_clock_gettime(MKVDSO_CLOCK_REALTIME, &before);
	long t = p->time(0), t2 = p->time(&stored);
	sys_clock_gettime(MKVDSO_CLOCK_REALTIME, &after);
	sys(clock_getres, MKVDSO_CLOCK_REALTIME_COARSE, &res, 0);
	/* time() is the coarse clock's seconds: up to a tick behind. */
	int64_t slack = 2 * ns_of(&res) + COARSE_SLACK_NS;
	if (t2 != stored || t2 < t)
		report(p, FAIL, check, "time(NULL) %d, time(&t) returned %d and stored %d", t, t2, stored);
	else if ((int64_t)t * NSEC_PER_SEC < ns_of(&before) - slack - NSEC_PER_SEC ||
		 (int64_t)t2 > after.sec)
		report(p, FAIL, check, "%d s, the system calls around it %d s and %d s", t, before.sec, after.sec);
	else
		report(p, PASS, check, "time(NULL) and time(&t) agree with CLOCK_REALTIME (%d s)", t);
}

/* One reading through the vDSO's clock_gettime, in ns. */
static int64_t vdso_ns(struct probe *p, long id)
{
	struct probe_timespec t = { 0, 0 };
	p->clock_gettime(id, &t);
	return ns_of(&t);
}

#ifdef PROBE_VDSO_CLOCK_GETTIME64
static int64_t vdso_ns64(struct probe *p, long id)
{
	struct probe_timespec64 t = { 0, 0 };
	p->clock_gettime64(id, &t);
	return ns_of64(&t);
}
#endif

/* MONOTONIC_CALLS readings of each monotonic clock through ENTRY (the
 * vDSO function READ calls), none earlier than the one before. */
static void check_monotonic(struct probe *p, const char *check, const void *entry,
			    int64_t (*read)(struct probe *, long))
{
	static const long ids[] = { 1, 4, 6, 7 };
	p->check = check;
	if (!vdso_usable(p, check, entry))
		return;
	for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		int64_t last = 0;
		for (long n = 0; n < MONOTONIC_CALLS; n++) {
			int64_t now = read(p, ids[i]);
			if (now < last) {
				report(p, FAIL, check, "CLOCK_%s went back %t at call %d", clock_name(ids[i]),
				       (int64_t)(last - now), n);
				return;
			}
			last = now;
		}
	}
	report(p, PASS, check, "MONOTONIC, MONOTONIC_RAW, MONOTONIC_COARSE, BOOTTIME: %u calls each",
	       (unsigned long)MONOTONIC_CALLS);
}

/* --- threads --- */

extern long probe_clone(unsigned long flags, void *stack, void (*fn)(void *), void *arg);

#define CLONE_THREAD_FLAGS 0x50f00ul	/* VM FS FILES SIGHAND THREAD SYSVSEM, as pthread_create */

/* The other thread publishes each time it reads; the main thread's next
 * read must not be earlier than the last one published.  They run side by
 * side until the main thread has made THREAD_CALLS reads while the other
 * one published, or for a second at most (a busy machine may not give the
 * second thread a CPU soon). */
static void thread_reader(void *arg)
{
	struct probe *p = arg;
	struct probe_timespec t;
	while (!__atomic_load_n(&p->thread_go, __ATOMIC_ACQUIRE))
		;
	while (!__atomic_load_n(&p->thread_stop, __ATOMIC_ACQUIRE)) {
		p->clock_gettime(MKVDSO_CLOCK_MONOTONIC, &t);
		__atomic_store_n(&p->shared_ns, ns_of(&t), __ATOMIC_RELEASE);
	}
	__atomic_store_n(&p->thread_done, 1, __ATOMIC_RELEASE);
}

static void check_threads(struct probe *p)
{
	const char *check = "never backwards, threads";
	p->check = check;
	if (!vdso_usable(p, check, (const void *)p->clock_gettime))
		return;
	long stack = probe_syscall6(PROBE_NR_mmap, 0, 256 * 1024, 3 /* PROT_READ|PROT_WRITE */,
				    0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
	if (stack < 0 && stack > -4096) {
		report_syscall_error(p, check, "mmap", stack);
		return;
	}
	long tid = probe_clone(CLONE_THREAD_FLAGS, (void *)((uintptr_t)stack + 256 * 1024), thread_reader, p);
	if (tid < 0) {
		report_syscall_error(p, check, "clone", tid);
		return;
	}
	long reads = 0, overlapped = 0;
	int64_t backwards = 0, start = monotonic_ns();
	__atomic_store_n(&p->thread_go, 1, __ATOMIC_RELEASE);
	while (overlapped < THREAD_CALLS && !backwards &&
	       ((reads & 1023) || monotonic_ns() - start < NSEC_PER_SEC)) {
		struct probe_timespec t;
		int64_t published = __atomic_load_n(&p->shared_ns, __ATOMIC_ACQUIRE);
		p->clock_gettime(MKVDSO_CLOCK_MONOTONIC, &t);
		reads++;
		overlapped += published != 0;
		if (published && ns_of(&t) < published)
			backwards = published - ns_of(&t);
	}
	__atomic_store_n(&p->thread_stop, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&p->thread_done, __ATOMIC_ACQUIRE))
		;
	if (backwards)
		report(p, FAIL, check, "CLOCK_MONOTONIC read %t before the time another thread had already read",
		       (int64_t)backwards);
	else if (!overlapped)
		report(p, NOTE, check, "not checked: the second thread never ran within a second");
	else
		report(p, PASS, check, "CLOCK_MONOTONIC: %u reads, %u of them after another thread's",
		       (unsigned long)reads, (unsigned long)overlapped);
}

/* --- the page keeps ticking --- */

static void check_updates(struct probe *p)
{
	const char *check = "data page updates";
	p->check = check;
	if (!vdso_usable(p, "coarse clocks advance", (const void *)p->clock_gettime))
		return;
	struct vdso_data first, last;
	struct probe_timespec c1, c2;
	int have_page = VDSO_HAS_DATA_PAGE && p->data && read_page(p, p->data, &first);
	p->clock_gettime(MKVDSO_CLOCK_MONOTONIC_COARSE, &c1);
	int64_t start = monotonic_ns(), odd = 0, samples = 0;
	uint32_t seen_seq = have_page ? first.seq : 0;
	int advanced = 0, went_back = 0;
	while (monotonic_ns() - start < WATCH_NS && !went_back) {
		if (have_page && read_page(p, p->data, &last)) {
			samples++;
			odd += last.seq & 1;
			went_back = last.seq < seen_seq;
			advanced |= last.seq > seen_seq;
			if (!went_back)
				seen_seq = last.seq;
		}
	}
	p->clock_gettime(MKVDSO_CLOCK_MONOTONIC_COARSE, &c2);
	int64_t waited = monotonic_ns() - start;
	if (have_page) {
		if (went_back)
			report(p, FAIL, check, "seq went back from %u to %u: it must only grow",
			       (unsigned long)seen_seq, (unsigned long)last.seq);
		else if (!advanced)
			report(p, FAIL, check, "seq stayed %u for %t: the kernel stopped updating the page (the "
			       "_COARSE clocks stand still)", (unsigned long)seen_seq, (int64_t)waited);
		else if (odd == samples)
			report(p, FAIL, check, "seq was odd in all %u reads: an update never ended", (unsigned long)samples);
		else
			report(p, PASS, check, "seq %u -> %u in %t, even in %u of %u reads", (unsigned long)first.seq,
			       (unsigned long)seen_seq, (int64_t)waited, (unsigned long)(samples - odd), (unsigned long)samples);
	}
	int64_t moved = ns_of(&c2) - ns_of(&c1), slack = 2 * (int64_t)p->coarse_res_ns + COARSE_SLACK_NS;
	if (moved < waited - slack)
		report(p, FAIL, "coarse clocks advance", "CLOCK_MONOTONIC_COARSE moved %t in %t (bound %t): "
		       "the page is not updated", (int64_t)moved, (int64_t)waited, (int64_t)slack);
	else
		report(p, PASS, "coarse clocks advance", "CLOCK_MONOTONIC_COARSE moved %t in %t", (int64_t)moved,
		       (int64_t)waited);
}

/* --- signals --- */

static void on_usr1(int sig, void *info, void *context)
{
	(void)sig;
	(void)info;
	(void)context;
	reporting->handler_return = (uintptr_t)__builtin_return_address(0);
	reporting->handled++;
}

#ifdef PROBE_TRAMPOLINE_ENTRY
/* Without SA_RESTORER (riscv) the trampoline's code runs only if the
 * kernel returns through it; so that it is checked under one that does not
 * (qemu-user), probe_tramp_entry runs the handler and then jumps to the
 * trampoline itself, with the signal frame's sp as the kernel left it (as
 * tests/vdso/harness.c does).  The assembly reaches these by name. */
uintptr_t probe_tramp_target;
void probe_tramp_handler(int sig, void *info, void *context);
void probe_tramp_handler(int sig, void *info, void *context)
{
	(void)sig;
	(void)info;
	(void)context;
	reporting->handled++;
}
extern void probe_tramp_entry(int sig, void *info, void *context);
#endif

/* Raises SIGUSR1 at this thread; whether the handler ran and returned here. */
static int raise_usr1(struct probe *p, void (*handler)(int, void *, void *), void (*restorer)(void))
{
	volatile uint64_t canary = 0x1234567890abcdefull;
	p->handled = 0;
	p->handler_return = 0;
	long err = install_handler(SIGUSR1, handler, PROBE_SA_SIGINFO, restorer);
	if (err) {
		report_syscall_error(p, "signal return", "rt_sigaction", err);
		return 0;
	}
	long pid = sys(getpid, 0, 0, 0), tid = sys(gettid, 0, 0, 0);
	err = sys(tgkill, pid, tid, SIGUSR1);
	if (err) {
		report_syscall_error(p, "signal return", "tgkill", err);
		return 0;
	}
	return p->handled == 1 && canary == 0x1234567890abcdefull;
}

/* Whether a handler installed with RESTORER (or without, 0) ran once and
 * the program went on: the line CHECK says PASSED, or what went wrong. */
static int check_signal_return(struct probe *p, const char *check, void (*restorer)(void), const char *passed)
{
	p->check = check;
	if (raise_usr1(p, on_usr1, restorer)) {
		report(p, PASS, check, passed);
		return 1;
	}
	if (p->handled != 1)
		report(p, FAIL, check, "the handler ran %d times", (long)p->handled);
	else
		report(p, FAIL, check, "the program's frame changed across the handler");
	return 0;
}

static void check_signals(struct probe *p)
{
#ifdef PROBE_NO_TRAMPOLINE
	check_signal_return(p, "signal return", probe_restorer,
			    "a handler with SA_RESTORER returned and the program continued");
#ifdef PROBE_RETURNS_WITHOUT_RESTORER
	check_signal_return(p, "signal return, no restorer", 0, "a handler without SA_RESTORER (Go's) "
			    "returned through the kernel's own code and the program continued");
#endif
	report(p, NOTE, "signal trampoline", PROBE_NO_TRAMPOLINE);
#else
	if (!check_signal_return(p, "signal return", 0,
				 "a handler without SA_RESTORER returned and the program continued"))
		return;
	uintptr_t used = p->handler_return;
	if (!p->sigreturn)
		report(p, FAIL, "signal trampoline", "the image exports no " PROBE_VDSO_SIGRETURN);
	else if (used == p->sigreturn)
		report(p, PASS, "signal trampoline", "the kernel returns through " PROBE_VDSO_SIGRETURN " at %x",
		       (unsigned long)used);
	else
		report(p, WARN, "signal trampoline", "the kernel returns through %x, not " PROBE_VDSO_SIGRETURN
		       " at %x: programs work, but unwinders (gdb, libgcc) do not see the signal frame",
		       (unsigned long)used, (unsigned long)p->sigreturn);
#if PROBE_HAS_SA_RESTORER
	/* The trampoline's own code: what a kernel that uses it relies on. */
	if (p->sigreturn) {
		p->check = "trampoline code";
		if (raise_usr1(p, on_usr1, (void (*)(void))p->sigreturn) && p->handler_return == p->sigreturn)
			report(p, PASS, "trampoline code", "a handler returning through " PROBE_VDSO_SIGRETURN
			       " resumed the program");
		else
			report(p, FAIL, "trampoline code", PROBE_VDSO_SIGRETURN " did not return to the program");
	}
#elif defined(PROBE_TRAMPOLINE_ENTRY)
	if (p->sigreturn) {
		p->check = "trampoline code";
		probe_tramp_target = p->sigreturn;
		if (raise_usr1(p, probe_tramp_entry, 0))
			report(p, PASS, "trampoline code", "a handler that returns by jumping to " PROBE_VDSO_SIGRETURN
			       " resumed the program");
		else
			report(p, FAIL, "trampoline code", PROBE_VDSO_SIGRETURN " did not return to the program");
	}
#endif
#endif
}

/* --- the cost --- */

static void check_cost(struct probe *p)
{
	if (!vdso_usable(p, "cost", (const void *)p->clock_gettime))
		return;
	p->check = "cost";
	struct probe_timespec t;
	int64_t start = monotonic_ns();
	for (long n = 0; n < COST_CALLS; n++)
		p->clock_gettime(MKVDSO_CLOCK_MONOTONIC, &t);
	int64_t vdso = div64(monotonic_ns() - start, COST_CALLS);
	start = monotonic_ns();
	for (long n = 0; n < COST_CALLS; n++)
		sys_clock_gettime(MKVDSO_CLOCK_MONOTONIC, &t);
	int64_t syscall = div64(monotonic_ns() - start, COST_CALLS);
	report(p, NOTE, "cost", "clock_gettime(MONOTONIC): %t through the vDSO, %t by system call (%u.%ux)",
	       (int64_t)vdso, (int64_t)syscall, (unsigned long)(vdso ? div64(syscall, vdso) : 0),
	       (unsigned long)(vdso ? mod64(div64(syscall * 10, vdso), 10) : 0));
}

/* --- the run --- */

void probe_main(const long *sp) __attribute__((noreturn));
void probe_main(const long *sp)
{
	static struct probe probe;
	struct probe *p = &probe;
	reporting = p;
	p->pipe_rd = p->pipe_wr = -1;
	int fds[2];
	if (sys(pipe2, fds, 0, 0) == 0) {
		p->pipe_rd = fds[0];
		p->pipe_wr = fds[1];
	}
	/* Not SIGILL: a kernel may answer an instruction it traps there (the
	 * tests' loader emulates arm's CNTVCT read under qemu-arm that way). */
	install_handler(SIGSEGV, on_fault, PROBE_SA_SIGINFO, DEFAULT_RESTORER);
	install_handler(SIGBUS, on_fault, PROBE_SA_SIGINFO, DEFAULT_RESTORER);
	if (p->pipe_wr < 0)
		report(p, WARN, "pipe2", "missing: memory is read directly, writability not checked");

	p->ehdr = find_auxv_ehdr(sp);
	if (!p->ehdr) {
		report(p, FAIL, "AT_SYSINFO_EHDR", "missing from the auxiliary vector: no libc will find a vDSO");
		finish(p);
	}
	if (p->ehdr % PAGE) {
		report(p, FAIL, "AT_SYSINFO_EHDR", "%x is not page-aligned", (unsigned long)p->ehdr);
		finish(p);
	}
	check_base(p);
	struct elf_ehdr eh;
	p->check = "image headers";
	if (!measure_image(p, &eh))
		finish(p);
	check_size(p);
	check_build_id(p, &eh);
	p->check = "dynamic table";
	if (!read_dynamic(p, &eh))
		finish(p);
	check_symbols(p);
	find_functions(p);
	check_image_protection(p);
	p->check = "data page";
	check_data_page(p);

	/* The CPU-time clocks too: the vDSO must hand them to the system call. */
	static const long clocks[] = { 0, 1, 2, 3, 4, 5, 6, 7, 11 };
	for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
		check_clock(p, clocks[i]);
#ifdef PROBE_VDSO_CLOCK_GETTIME64
		check_clock64(p, clocks[i]);
#endif
	}
	check_getres(p);
	check_invalid(p);
	check_gettimeofday(p);
	check_time(p);
	check_monotonic(p, "never backwards", (const void *)p->clock_gettime, vdso_ns);
#ifdef PROBE_VDSO_CLOCK_GETTIME64
	check_monotonic(p, "never backwards, time64", (const void *)p->clock_gettime64, vdso_ns64);
#endif
	check_threads(p);
	check_updates(p);
	check_signals(p);
	check_cost(p);
	finish(p);
}

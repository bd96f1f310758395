/*
 * loader.c: plays the kernel's part of execve for the end-to-end proof.
 *
 *   loader [--no-vdso] [--trap-insn=WORD] [--flags=N] [--fault=KIND] [--program-takes-sigill]
 *          VDSO.bin BASE PROGRAM [ARGS...]
 *
 * A static program, for aarch64, riscv64 or 32-bit arm run under qemu-user
 * (which gives its guests no vDSO of its own) or for x86_64 run natively
 * (guest.h holds what differs; on arm it also answers the vDSO's counter
 * reads, which qemu-arm 7.2 cannot run, from a SIGILL handler).  It maps the raw vDSO image (`mkvdso build
 * --format=raw`) flat at BASE, the data page at BASE - 4096 (read-only for
 * the program; written through a second, writable mapping of the same memfd
 * page with vdso_data.h's writer, from the host's clocks, and refreshed from a
 * thread about every millisecond as a kernel tick would), loads the ELF
 * PROGRAM of the same architecture (static, static-pie, or dynamic: then also
 * its PT_INTERP dynamic linker, which finds the libraries under qemu-aarch64
 * -L SYSROOT, or natively where they are),
 * builds a Linux-layout initial stack whose AT_SYSINFO_EHDR is set by
 * include/vdso_auxv.h's vdso_auxv64_set_sysinfo_ehdr, and jumps to the
 * entry (the dynamic linker's, with AT_BASE set) with the registers as execve
 * leaves them (x0, a0, r0 or rdx, rtld_fini, 0).
 * --trap-insn=INSN plays a kernel that traps system calls its own way (a
 * vDSO built with `mkvdso build --syscall-insn=INSN`, a word on aarch64, hex
 * bytes on x86_64): the undefined instruction raises SIGILL, and a handler
 * installed here makes the system call its registers name (x8 and x0-x5, or
 * rax and rdi, rsi, rdx, r10, r8, r9), puts the result in x0 or rax, steps
 * over the instruction, and counts it in $E2E_TRAP_LOG.  Any other SIGILL kills the
 * program as usual, or reaches its own handler (--program-takes-sigill, below).
 * $E2E_TZ="MINUTESWEST DSTTIME" publishes that timezone instead of the host's,
 * so a test can tell the vDSO's answer from the system call's.
 * $E2E_COUNTER_HZ, a frequency an earlier run printed, skips measuring the
 * counter (a pause of its own in every run; verdicts.sh starts hundreds).
 * --no-vdso leaves AT_SYSINFO_EHDR out (the negative control); the image and
 * page are still mapped.
 * --flags=N sets the data page's flags (MKVDSO_FLAG_*) once, before the
 * program runs, as a kernel does at boot.  x86_64: 1 (TSC_AUX_CPU) makes the
 * vDSO's getcpu read IA32_TSC_AUX with rdtscp, which the host Linux keeps at
 * (node << 12) | cpu on every CPU (setup_getcpu), as the flag demands; 3 adds
 * RDTSCP, true of a host whose CPU has it.
 * --fault=KIND plays a kernel that gets one thing wrong, for vdso-probe's
 * negative controls: writable-data (the program may write it), version-0
 * (vdso_data_init's version never written), frozen (published once, never
 * refreshed), page-below (mapped one page too low; the right place stays
 * inaccessible), realtime+1s (CLOCK_REALTIME and its _COARSE twin a second
 * ahead of the host's), no-clock_getres (that system call answers -ENOSYS,
 * through seccomp: natively only, qemu-user refuses seccomp filters),
 * noexec-image (the image mapped read-only, not executable).
 *
 * Link it away from 0x400000 (-Wl,-Ttext-segment=0x200000000) so the
 * program's usual addresses are free.  Exits 2 on setup trouble, before the
 * program runs; afterwards the exit status is the program's.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "guest.h"
#include "vdso_auxv.h"
#include "vdso_data.h"


#define PAGE 4096ul
#define NSEC 1000000000ll
#define STACK_SIZE (8ul << 20)
#define TICK_NS 1000000l	/* the page is refreshed this often */

/* The initial stack's words and the auxv helper for them, 64-bit or 32-bit
 * (arm), and where a PIE program and its dynamic linker go: on 64-bit
 * targets above anything the loader's brk heap can reach (x86_64 starts it
 * anywhere within 1 GiB past the loader's end, arch_randomize_brk, and
 * 0x60000000 was hit), below Sv39's top; on arm below qemu-arm's mmap area,
 * which starts at 1 GiB. */
#if UINTPTR_MAX > 0xffffffffu
#define PIE_BIAS 0x100000000ul
#define INTERP_BIAS 0x140000000ul
#define GUEST_ELFCLASS ELFCLASS64
#define auxv_set_sysinfo_ehdr vdso_auxv64_set_sysinfo_ehdr
#define auxv_find vdso_auxv64_find
#else
#define PIE_BIAS 0x08000000ul
#define INTERP_BIAS 0x0c000000ul
#define GUEST_ELFCLASS ELFCLASS32
#define auxv_set_sysinfo_ehdr vdso_auxv32_set_sysinfo_ehdr
#define auxv_find vdso_auxv32_find
#endif

extern char **environ;

#define die(...) guest_die("loader", __VA_ARGS__)

/* --fault=KIND: what vdso-probe's negative controls need a kernel to get wrong. */
static enum fault { FAULT_NONE, FAULT_WRITABLE_DATA, FAULT_VERSION_0, FAULT_FROZEN,
		    FAULT_PAGE_BELOW, FAULT_REALTIME_AHEAD, FAULT_NO_CLOCK_GETRES,
		    FAULT_NOEXEC_IMAGE } fault;
static const char *const fault_names[] = { "", "writable-data", "version-0", "frozen",
					   "page-below", "realtime+1s", "no-clock_getres",
					   "noexec-image" };

/* A kernel without clock_getres, for this thread and those it starts. */
static void remove_clock_getres(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_getres, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog program = { sizeof filter / sizeof filter[0], filter };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0)
		die("--fault=no-clock_getres: seccomp: %s", strerror(errno));
}

static int parse_fault(const char *kind)
{
	for (unsigned i = 1; i < sizeof fault_names / sizeof fault_names[0]; i++)
		if (strcmp(kind, fault_names[i]) == 0)
			return fault = (enum fault)i, 1;
	return 0;
}
/*
 * --program-takes-sigill (arm): the program installs a SIGILL handler of its
 * own at start-up, as Go's runtime does, and would die of the first trapped
 * counter read (guest.h's guest_emulate_counter) reaching it.  The page
 * then says MKVDSO_CLOCK_MODE_NONE (the vDSO makes the system call, as for
 * a kernel without a usable counter) until the ticker has seen the
 * program's handler, put the loader's emulation back in front of it (other
 * SIGILLs still reach the program's) and only then publishes the counter.
 */
static int program_takes_sigill;
static volatile int counter_ready = 1;
static struct sigaction program_sigill;	/* its handler, once taken back */

static struct vdso_data *page;	/* the writable alias */
static struct timekeeper {
	struct guest_clocks clocks;
	uint32_t hrtimer_res, coarse_res;
	int32_t tz_minuteswest, tz_dsttime;
} tk;

static void publish(void)
{
	struct vdso_data *d = page;
	vdso_data_begin_update(d);
	d->clock_mode = counter_ready ? GUEST_CLOCK_MODE : MKVDSO_CLOCK_MODE_NONE;
	d->hrtimer_res = tk.hrtimer_res;
	d->coarse_res = tk.coarse_res;
	d->tz_minuteswest = tk.tz_minuteswest;
	d->tz_dsttime = tk.tz_dsttime;
	for (unsigned cs = 0; cs < MKVDSO_CS_BASES; cs++)
		vdso_data_set_counter(d, cs, tk.clocks.cycle_last, tk.clocks.mask, tk.clocks.mult, tk.clocks.shift);
	d->valid_clocks = 0;
	for (unsigned id = 0; id < MKVDSO_BASES; id++) {
		uint32_t bit = MKVDSO_CLOCK_BIT(id);
		uint64_t ahead = fault == FAULT_REALTIME_AHEAD && (id == MKVDSO_CLOCK_REALTIME ||
								   id == MKVDSO_CLOCK_REALTIME_COARSE);
		if (bit & GUEST_COUNTER_CLOCKS) {
			struct vdso_data_clock *c = vdso_data_clock_for(d, id);
			c->basetime[id].sec = tk.clocks.sec[id] + ahead;
			c->basetime[id].nsec = tk.clocks.snsec[id];
			d->valid_clocks |= bit;
		} else if (bit & MKVDSO_COARSE_CLOCKS) {
			unsigned from = id == MKVDSO_CLOCK_REALTIME_COARSE ? MKVDSO_CLOCK_REALTIME
									  : MKVDSO_CLOCK_MONOTONIC;
			vdso_data_set_base(d, id, tk.clocks.sec[from] + ahead,
					   (uint32_t)(tk.clocks.snsec[from] >> tk.clocks.shift));
		}
	}
	vdso_data_end_update(d);
}

static void timekeeper_from_host(void)
{
	if (!guest_clocks_from_host(&tk.clocks))
		die("the host refuses clock_gettime for a counter clock");
	publish();
}

/* $E2E_TICK_LOG holds "GAP MONOTONIC REALTIME": the longest time between
 * two refreshes and the latest one's time on those clocks, in ns, rewritten
 * in place at every tick.  A starved ticker is a late kernel tick, and the coarse clocks
 * lag by exactly that, so run.sh allows it on top of their resolution.
 * Every gap counts, the ones during the program's start-up too: a clock
 * read then sees a page as old as that gap (CI once saw a 20 ms one there).
 * The last gap no tick ends: the program can exit inside it (CI saw an
 * 11 ms one), so the latest tick's time lets run.sh bound it by the
 * program's readings. */
static int tick_log_fd = -1;
static uint64_t longest_gap_ns;

/* Fixed-width decimal, space-padded (a shell reads leading zeros as octal),
 * so a rewrite in place leaves nothing of the last.
 * No stdio: the callers run beside, or inside, the program's own libc. */
static void put_number(char *at, int width, uint64_t value)
{
	do
		at[--width] = (char)('0' + value % 10);
	while ((value /= 10) != 0 && width > 0);
	while (width > 0)
		at[--width] = ' ';
}

/* A log of one number, rewritten in place (it only grows). */
static void log_number(int fd, uint64_t value)
{
	char text[24];
	int n = (int)sizeof text;
	text[--n] = '\n';
	do
		text[--n] = (char)('0' + value % 10);
	while ((value /= 10) != 0);
	guest_syscall6(SYS_pwrite64, fd, (long)(text + n), (long)(sizeof text - (size_t)n), 0, 0, 0);
}

static void log_tick(uint64_t gap_ns)
{
	if (tick_log_fd < 0)
		return;
	if (gap_ns > longest_gap_ns)
		longest_gap_ns = gap_ns;
	char text[63];
	const struct guest_clocks *c = &tk.clocks;
	static const unsigned clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME };
	put_number(text, 20, longest_gap_ns);
	for (unsigned i = 0; i < 2; i++) {
		text[20 + 21 * i] = ' ';
		put_number(text + 21 + 21 * i, 20, c->sec[clocks[i]] * 1000000000ull +
							   (c->snsec[clocks[i]] >> c->shift));
	}
	text[62] = '\n';
	guest_syscall6(SYS_pwrite64, tick_log_fd, (long)text, (long)sizeof text, 0, 0, 0);
}

static void take_back_sigill(void);

static void tick(void)
{
	if (!counter_ready)
		take_back_sigill();
	uint64_t gap = guest_clocks_tick(&tk.clocks);
	publish();
	log_tick(gap);
}

/* The only writer once the program runs.  Raw system calls only: the
 * program's libc owns the process now; this thread keeps the loader's TLS. */
static void *ticker(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec t = { 0, TICK_NS };
		syscall(SYS_nanosleep, &t, NULL);	/* clock_nanosleep in strace, no clock read */
		tick();
	}
	return NULL;
}

/* --- mapping the vDSO and its data page --- */

static void map_vdso(const char *path, uint64_t base)
{
	int img = open(path, O_RDONLY);
	struct stat st;
	if (img < 0 || fstat(img, &st) != 0)
		die("%s: %s", path, strerror(errno));
	if (st.st_size < (off_t)sizeof(ElfW(Ehdr)))
		die("%s: too small for an ELF image", path);
	size_t span = ((size_t)st.st_size + PAGE - 1) & ~(PAGE - 1);

	/* One reservation for page + image, so neither may land on something. */
	void *want = (void *)(uintptr_t)(base - PAGE);
	void *got = mmap(want, PAGE + span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_FIXED_NOREPLACE, -1, 0);
	if (got == MAP_FAILED || got != want)	/* qemu 7.2: NOREPLACE is only a hint */
		die("cannot reserve %#" PRIx64 "..%#" PRIx64 " (got %p: %s)", base - PAGE,
		    base + span, got, got == MAP_FAILED ? strerror(errno) : "another address");

	/* The image: a flat, read-only, executable copy of the file, as Linux maps it. */
	void *image = mmap((void *)(uintptr_t)base, span,
			   PROT_READ | (fault == FAULT_NOEXEC_IMAGE ? 0 : PROT_EXEC),
			   MAP_PRIVATE | MAP_FIXED, img, 0);
	if (image == MAP_FAILED || image != (void *)(uintptr_t)base)
		die("cannot map %s at %#" PRIx64 ": %s", path, base, strerror(errno));
	close(img);
	if (memcmp(image, ELFMAG, SELFMAG) != 0)
		die("%s: not an ELF file", path);

	/* The data page: read-only where the vDSO reads it, writable elsewhere. */
	int fd = memfd_create("vdso-data", 0);
	if (fd < 0 || ftruncate(fd, PAGE) != 0)
		die("memfd for the data page: %s", strerror(errno));
	void *at = fault == FAULT_PAGE_BELOW ? (char *)want - PAGE : want;
	void *ro = mmap(at, PAGE, PROT_READ | (fault == FAULT_WRITABLE_DATA ? PROT_WRITE : 0),
			MAP_SHARED | (at == want ? MAP_FIXED : MAP_FIXED_NOREPLACE), fd, 0);
	void *rw = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ro != at || rw == MAP_FAILED)
		die("cannot map the data page: %s", strerror(errno));
	close(fd);
	page = rw;
}

/* --- loading the program --- */

struct program {
	uint64_t entry, phdr, phnum, bias;
	char interp[256];	/* PT_INTERP, "" for a static program */
};

/* Maps an ELF the way execve does: an ET_EXEC at its addresses, an ET_DYN
 * at dyn_bias. */
static void load_program(const char *path, uint64_t dyn_bias, struct program *p)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		die("%s: %s", path, strerror(errno));
	size_t size = (size_t)st.st_size;
	char *file = malloc(size);
	if (!file)
		die("out of memory");
	for (size_t done = 0; done < size;) {
		ssize_t n = read(fd, file + done, size - done);
		if (n <= 0)
			die("%s: short read", path);
		done += (size_t)n;
	}
	close(fd);

	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)file;
	if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != GUEST_ELFCLASS || eh->e_machine != GUEST_EM ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) ||
	    eh->e_phentsize != sizeof(ElfW(Phdr)) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(ElfW(Phdr)) > size)
		die("%s: not an " GUEST_ARCH " ELF executable of this word size", path);
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(file + eh->e_phoff);

	uint64_t lo = UINT64_MAX, hi = 0, phdr = 0;
	int have_phdr = 0;
	p->interp[0] = '\0';
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP) {
			if (ph[i].p_offset > size || ph[i].p_filesz > size - ph[i].p_offset ||
			    ph[i].p_filesz == 0 || ph[i].p_filesz > sizeof p->interp ||
			    file[ph[i].p_offset + ph[i].p_filesz - 1] != '\0')
				die("%s: PT_INTERP is not a path", path);
			memcpy(p->interp, file + ph[i].p_offset, ph[i].p_filesz);
		}
		if (ph[i].p_type == PT_PHDR) {
			phdr = ph[i].p_vaddr;
			have_phdr = 1;
		}
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_offset + ph[i].p_filesz > size || ph[i].p_filesz > ph[i].p_memsz)
			die("%s: PT_LOAD %d is outside the file", path, i);
		if (ph[i].p_vaddr < lo)
			lo = ph[i].p_vaddr;
		if (ph[i].p_vaddr + ph[i].p_memsz > hi)
			hi = ph[i].p_vaddr + ph[i].p_memsz;
		/* The first PT_LOAD holds the headers (offset 0) in ld's layouts. */
		if (!have_phdr && ph[i].p_offset <= eh->e_phoff &&
		    eh->e_phoff < ph[i].p_offset + ph[i].p_filesz)
			phdr = ph[i].p_vaddr + (eh->e_phoff - ph[i].p_offset), have_phdr = 1;
	}
	if (lo == UINT64_MAX || !have_phdr)
		die("%s: no PT_LOAD holding the program headers", path);
	p->bias = eh->e_type == ET_DYN ? dyn_bias : 0;
	lo &= ~(PAGE - 1);
	hi = (hi + PAGE - 1) & ~(PAGE - 1);

	void *want = (void *)(uintptr_t)(p->bias + lo);
	void *got = mmap(want, hi - lo, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (got == MAP_FAILED || got != want)
		die("%s: cannot map %#" PRIx64 "..%#" PRIx64 " (got %p)", path, p->bias + lo,
		    p->bias + hi, got);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			memcpy((char *)(uintptr_t)(p->bias + ph[i].p_vaddr), file + ph[i].p_offset,
			       ph[i].p_filesz);	/* the rest (bss) is the mapping's zeros */
	/* Permissions per segment; a page two segments share gets both. */
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		uint64_t s = (p->bias + ph[i].p_vaddr) & ~(PAGE - 1);
		uint64_t e = (p->bias + ph[i].p_vaddr + ph[i].p_memsz + PAGE - 1) & ~(PAGE - 1);
		int prot = (ph[i].p_flags & PF_R ? PROT_READ : 0) |
			   (ph[i].p_flags & PF_W ? PROT_WRITE : 0) |
			   (ph[i].p_flags & PF_X ? PROT_EXEC : 0);
		for (int j = 0; j < eh->e_phnum; j++) {
			if (j == i || ph[j].p_type != PT_LOAD)
				continue;
			uint64_t s2 = (p->bias + ph[j].p_vaddr) & ~(PAGE - 1);
			uint64_t e2 = (p->bias + ph[j].p_vaddr + ph[j].p_memsz + PAGE - 1) &
				      ~(PAGE - 1);
			if (s2 < e && s < e2)	/* shared page(s): union of flags */
				prot |= (ph[j].p_flags & PF_R ? PROT_READ : 0) |
					(ph[j].p_flags & PF_W ? PROT_WRITE : 0) |
					(ph[j].p_flags & PF_X ? PROT_EXEC : 0);
		}
		if (mprotect((void *)(uintptr_t)s, e - s, prot) != 0)
			die("mprotect: %s", strerror(errno));
		if (prot & PROT_EXEC)
			__builtin___clear_cache((char *)(uintptr_t)s, (char *)(uintptr_t)e);
	}
	p->entry = p->bias + eh->e_entry;
	p->phdr = p->bias + phdr;
	p->phnum = eh->e_phnum;
	free(file);
}

/* --- the initial stack --- */

#define AUXV_CAPACITY 32

static char *push_bytes(char **top, const void *data, size_t n)
{
	*top -= n;
	memcpy(*top, data, n);
	return *top;
}

static uint64_t build_stack(int argc, char **argv, const char *execfn, const struct program *p,
			    uint64_t interp_base, int with_vdso, uint64_t vdso_base)
{
	char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		die("stack: %s", strerror(errno));
	char *top = stack + STACK_SIZE;

	int envc = 0;
	while (environ[envc])
		envc++;
	char *execfn_at = push_bytes(&top, execfn, strlen(execfn) + 1);
	char *platform = push_bytes(&top, GUEST_ARCH, sizeof GUEST_ARCH);
	unsigned char random[16];
	for (int i = 0; i < 16; i++)	/* only glibc's stack guard and pointer key */
		random[i] = (unsigned char)(guest_counter() * 2654435761u >> (i % 4 * 8));
	top = (char *)((uintptr_t)top & ~15ul);
	char *random_at = push_bytes(&top, random, sizeof random);
	char **args = calloc((size_t)argc + 1, sizeof *args);
	char **envs = calloc((size_t)envc + 1, sizeof *envs);
	if (!args || !envs)
		die("out of memory");
	for (int i = envc - 1; i >= 0; i--)
		envs[i] = push_bytes(&top, environ[i], strlen(environ[i]) + 1);
	for (int i = argc - 1; i >= 0; i--)
		args[i] = push_bytes(&top, argv[i], strlen(argv[i]) + 1);

	uintptr_t auxv[2 * AUXV_CAPACITY] = { 0 };
	const uintptr_t entries[][2] = {
		{ AT_PHDR, p->phdr },
		{ AT_PHENT, sizeof(ElfW(Phdr)) },
		{ AT_PHNUM, p->phnum },
		{ AT_PAGESZ, PAGE },
		{ AT_BASE, interp_base },
		{ AT_FLAGS, 0 },
		{ AT_ENTRY, p->entry },
		{ AT_UID, getuid() },
		{ AT_EUID, geteuid() },
		{ AT_GID, getgid() },
		{ AT_EGID, getegid() },
		{ AT_HWCAP, getauxval(AT_HWCAP) },
		{ AT_HWCAP2, getauxval(AT_HWCAP2) },
		{ AT_CLKTCK, (uintptr_t)sysconf(_SC_CLK_TCK) },
		{ AT_SECURE, 0 },
		{ AT_RANDOM, (uintptr_t)random_at },
		{ AT_EXECFN, (uintptr_t)execfn_at },
		{ AT_PLATFORM, (uintptr_t)platform },
	};
	size_t n = sizeof entries / sizeof entries[0];
	for (size_t i = 0; i < n; i++) {
		auxv[2 * i] = entries[i][0];
		auxv[2 * i + 1] = entries[i][1];
	}
	auxv[2 * n] = AT_NULL;
	ptrdiff_t used = (ptrdiff_t)n + 1;
	if (with_vdso) {
		used = auxv_set_sysinfo_ehdr(auxv, AUXV_CAPACITY, (uintptr_t)vdso_base);
		if (used < 0)
			die("vdso_auxv_set_sysinfo_ehdr: error %td", used);
		if (auxv_find(auxv, AUXV_CAPACITY, VDSO_AT_SYSINFO_EHDR) < 0)
			die("AT_SYSINFO_EHDR missing after vdso_auxv_set_sysinfo_ehdr");
	}

	/* argc, argv..., NULL, envp..., NULL, auxv pairs; sp 16-byte aligned. */
	size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + 2 * (size_t)used;
	top = (char *)(((uintptr_t)top - words * sizeof(uintptr_t)) & ~15ul);
	uintptr_t *sp = (uintptr_t *)top, *w = sp;
	*w++ = (uintptr_t)argc;
	for (int i = 0; i < argc; i++)
		*w++ = (uintptr_t)args[i];
	*w++ = 0;
	for (int i = 0; i < envc; i++)
		*w++ = (uintptr_t)envs[i];
	*w++ = 0;
	memcpy(w, auxv, 2 * (size_t)used * sizeof(uintptr_t));
	free(args);
	free(envs);
	return (uint64_t)(uintptr_t)sp;
}

/* --- a kernel that traps system calls its own way --- */

static struct guest_insn trap_insn;
static int trap_log_fd = -1;
static unsigned long traps;

/* On the program's thread: raw system calls only (guest.h). */
static void on_sigill(int sig, siginfo_t *info, void *context)
{
	if (guest_emulate_counter(context))	/* arm under qemu-arm: the counter read */
		return;
	if (program_sigill.sa_sigaction && !guest_is_trap(context, &trap_insn)) {
		program_sigill.sa_sigaction(sig, info, context);	/* the program's own */
		return;
	}
	if (!guest_emulate_trap(context, &trap_insn))
		return;
	unsigned long n = __atomic_add_fetch(&traps, 1, __ATOMIC_RELAXED);
	if (trap_log_fd >= 0)
		log_number(trap_log_fd, n);
}

/* On the ticker: once the program has a SIGILL handler of its own, keep it
 * for what the loader does not emulate, put on_sigill first again (on the
 * program's signal stack, as its handler ran), then enable the counter. */
static void take_back_sigill(void)
{
	struct sigaction now;
	if (sigaction(SIGILL, NULL, &now) != 0 || now.sa_sigaction == on_sigill ||
	    !(now.sa_flags & SA_SIGINFO))
		return;
	program_sigill = now;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO | (now.sa_flags & SA_ONSTACK);
	sigfillset(&sa.sa_mask);	/* see install_trap */
	if (sigaction(SIGILL, &sa, NULL) != 0)
		die("sigaction(SIGILL): %s", strerror(errno));
	counter_ready = 1;
}

static void install_trap(void)
{
	const char *log = getenv("E2E_TRAP_LOG");
	if (log && (trap_log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die("cannot open E2E_TRAP_LOG %s", log);
	if (trap_log_fd >= 0)
		log_number(trap_log_fd, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO;
	/* Emulation is one step, as in a kernel: no signal in between.  A
	 * program's handler interrupting on_sigill would see the loader's
	 * registers, not the vDSO's (Go on arm then takes r10 for its g). */
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGILL, &sa, NULL) != 0)
		die("sigaction(SIGILL): %s", strerror(errno));
}

static __attribute__((noreturn)) void start(uint64_t sp, uint64_t entry)
{
#if defined(__aarch64__)
	register uint64_t s __asm__("x16") = sp;
	register uint64_t e __asm__("x17") = entry;
	/* Registers as execve leaves them: zero, x0 the (absent) rtld_fini. */
	__asm__ __volatile__(
		"mov sp, x16\n\t"
		"mov x0, xzr\n\tmov x1, xzr\n\tmov x2, xzr\n\tmov x3, xzr\n\t"
		"mov x4, xzr\n\tmov x5, xzr\n\tmov x6, xzr\n\tmov x7, xzr\n\t"
		"mov x29, xzr\n\tmov x30, xzr\n\t"
		"br x17" :: "r"(s), "r"(e) : "memory");
#elif defined(__riscv)
	register uint64_t s __asm__("t0") = sp;
	register uint64_t e __asm__("t1") = entry;
	/* Registers as execve leaves them: zero, a0 the (absent) rtld_fini;
	 * ra and fp zero end the unwinders' walk. */
	__asm__ __volatile__(
		"mv sp, t0\n\t"
		"li a0, 0\n\tli a1, 0\n\tli a2, 0\n\tli a3, 0\n\t"
		"li a4, 0\n\tli a5, 0\n\tli a6, 0\n\tli a7, 0\n\t"
		"li ra, 0\n\tli s0, 0\n\tli gp, 0\n\tli tp, 0\n\t"
		"jr t1" :: "r"(s), "r"(e) : "memory");
#elif defined(__arm__)
	register uint32_t s __asm__("r8") = (uint32_t)sp;
	register uint32_t e __asm__("r9") = (uint32_t)entry;
	/* Registers as execve leaves them: zero, r0 the (absent) rtld_fini;
	 * bx takes the entry's state (Thumb when its low bit is set). */
	__asm__ __volatile__(
		"mov sp, r8\n\t"
		"mov r0, #0\n\tmov r1, #0\n\tmov r2, #0\n\tmov r3, #0\n\t"
		"mov r4, #0\n\tmov r5, #0\n\tmov r6, #0\n\tmov r7, #0\n\t"
		"mov r10, #0\n\tmov fp, #0\n\tmov ip, #0\n\tmov lr, #0\n\t"
		"bx r9" :: "r"(s), "r"(e) : "memory");
#else
	/* Registers as execve leaves them: zero, rdx the (absent) rtld_fini,
	 * rsp at argc.  The entry waits in r11, which nothing here clears. */
	register uint64_t s __asm__("r12") = sp;
	register uint64_t e __asm__("r11") = entry;
	__asm__ __volatile__(
		"mov %0, %%rsp\n\txor %%r12d, %%r12d\n\t"
		"xor %%eax, %%eax\n\txor %%ebx, %%ebx\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\t"
		"xor %%esi, %%esi\n\txor %%edi, %%edi\n\txor %%ebp, %%ebp\n\t"
		"xor %%r8d, %%r8d\n\txor %%r9d, %%r9d\n\txor %%r10d, %%r10d\n\t"
		"jmp *%1" :: "r"(s), "r"(e) : "memory");
#endif
	__builtin_unreachable();
}

/* --flags=N: the page's flags word, a number (e.g. 3 or 0x3). */
static uint32_t parse_flags(const char *text)
{
	char *end;
	errno = 0;
	unsigned long value = strtoul(text, &end, 0);
	if (errno || end == text || *end || value > UINT32_MAX)
		die("--flags=%s: expected a number (MKVDSO_FLAG_* bits)", text);
	return (uint32_t)value;
}

int main(int argc, char **argv)
{
	int with_vdso = 1, i = 1;
	uint32_t page_flags = 0;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--no-vdso") == 0)
			with_vdso = 0;
		else if (strncmp(argv[i], "--flags=", 8) == 0)
			page_flags = parse_flags(argv[i] + 8);
		else if (strcmp(argv[i], "--program-takes-sigill") == 0)
			program_takes_sigill = 1;
		else if (strncmp(argv[i], "--trap-insn=", 12) == 0 &&
			 guest_parse_insn(argv[i] + 12, &trap_insn))
			continue;
		else if (strncmp(argv[i], "--fault=", 8) == 0 && parse_fault(argv[i] + 8))
			continue;
		else
			die("unknown option %s", argv[i]);
	}
	if (argc - i < 3)
		die("usage: loader [--no-vdso] [--trap-insn=WORD] [--flags=N] [--fault=KIND] "
		    "[--program-takes-sigill] VDSO.bin BASE PROGRAM [ARGS...]");
	const char *vdso_path = argv[i], *program = argv[i + 2];
	char *end;
	errno = 0;
	uint64_t base = strtoull(argv[i + 1], &end, 0);
	if (errno || *end || base == 0 || base % PAGE)
		die("bad BASE %s: a non-zero page-aligned address", argv[i + 1]);

	map_vdso(vdso_path, base);

	const char *given_hz = getenv("E2E_COUNTER_HZ");
	uint64_t freq = given_hz ? strtoull(given_hz, &end, 10) : guest_counter_hz();
	if (given_hz && (*end || freq == 0))
		die("bad E2E_COUNTER_HZ %s: a frequency in Hz", given_hz);
	if (vdso_data_calc_mult_shift(freq, &tk.clocks.mult, &tk.clocks.shift) != 0)
		die("no mult/shift for a counter of %" PRIu64 " Hz", freq);
	tk.clocks.mask = GUEST_COUNTER_MASK;
	struct timespec hres, coarse;
	struct timeval tv;
	struct timezone tz;
	if (syscall(SYS_clock_getres, CLOCK_MONOTONIC, &hres) != 0 ||
	    syscall(SYS_clock_getres, CLOCK_MONOTONIC_COARSE, &coarse) != 0 ||
	    syscall(SYS_gettimeofday, &tv, &tz) != 0)
		die("the host's clock_getres/gettimeofday failed");
	tk.hrtimer_res = (uint32_t)(hres.tv_sec * NSEC + hres.tv_nsec);
	tk.coarse_res = (uint32_t)(coarse.tv_sec * NSEC + coarse.tv_nsec);
	tk.tz_minuteswest = tz.tz_minuteswest;
	tk.tz_dsttime = tz.tz_dsttime;
	const char *zone = getenv("E2E_TZ");
	if (zone && sscanf(zone, "%d %d", &tk.tz_minuteswest, &tk.tz_dsttime) != 2)
		die("E2E_TZ '%s': expected \"MINUTESWEST DSTTIME\"", zone);
	vdso_data_init(page);
	page->flags = page_flags;	/* once, before the program maps it, as Linux sets it */
	if (fault == FAULT_VERSION_0)
		page->version = 0;
	timekeeper_from_host();

	/* A dynamic program starts in its dynamic linker (under qemu-aarch64
	 * -L SYSROOT, which also finds the libraries), as execve does it. */
	struct program p, interp = { .entry = 0 };
	load_program(program, PIE_BIAS, &p);
	if (p.interp[0]) {
		load_program(p.interp, INTERP_BIAS, &interp);
		if (interp.interp[0])
			die("%s: the dynamic linker %s asks for one itself", program, p.interp);
	}
	uint64_t sp = build_stack(argc - (i + 2), argv + i + 2, program, &p,
				  p.interp[0] ? interp.bias : 0, with_vdso, base);

	/* The tick thread takes no signals: they belong to the program. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_t t;
	if (trap_insn.size || GUEST_COUNTER_TRAPS)
		install_trap();
	counter_ready = !(program_takes_sigill && GUEST_COUNTER_TRAPS);
	tick();	/* fresh page; the first gap logged starts here, not at our own start-up */
	const char *tick_log = getenv("E2E_TICK_LOG");
	if (tick_log && (tick_log_fd = open(tick_log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die("cannot open E2E_TICK_LOG %s", tick_log);
	log_tick(0);	/* the fresh page's time, should no tick follow */
	if (fault != FAULT_FROZEN && pthread_create(&t, NULL, ticker, NULL) != 0)
		die("pthread_create failed");
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	fprintf(stderr, "loader: vDSO %s at %#" PRIx64 " (data page %#" PRIx64 ", %s), %s entry %#"
		PRIx64 " (bias %#" PRIx64 "), counter %" PRIu64 " Hz\n", vdso_path, base,
		base - PAGE, with_vdso ? "AT_SYSINFO_EHDR set" : "no AT_SYSINFO_EHDR", program,
		p.entry, p.bias, freq);
	fflush(NULL);
	if (fault == FAULT_NO_CLOCK_GETRES)
		remove_clock_getres();
	start(sp, p.interp[0] ? interp.entry : p.entry);
}

// probe.go: an ordinary Go program whose clock reads the end-to-end test watches.
//
//	probe-go [LOOPS [more]]
//
// Built static (GOARCH=arm64 CGO_ENABLED=0, non-PIE) and started by loader.c,
// like probe.c.  The Go runtime uses the vDSO for nothing but its two clocks:
// walltime (CLOCK_REALTIME) and nanotime (CLOCK_MONOTONIC), both through
// __kernel_clock_gettime@LINUX_2.6.39; time.Now() reads both.  Between two
// marker system calls (getppid) this calls time.Now() and runtime.nanotime
// (the monotonic reading behind time.Now and time.Since), each bracketed by
// reference clock_gettime system calls inside a getuid ... getgid window, as
// probe.c does, then takes LOOPS (default 100000) time.Since readings that
// must never go backwards.  After the second marker it prints probe.c's line
// formats (T, M, V; Go has no clock_getres, gettimeofday or clock ids to try)
// plus one of its own:
//
//	T NAME CLOCK RC ERRNO SEC NSEC REFCLOCK BSEC BNSEC ASEC ANSEC
//	M LOOPS ERRORS BACKWARDS
//	V AT_SYSINFO_EHDR
//	S ADDRESS   (the runtime's __kernel_clock_gettime; 0: it uses the syscall)
//	G N BYTES   (crypto/rand.Read of 16 bytes: the count, the bytes in hex)
//	L go VERSION  (the release it was built with, as "1.24.4")
//	X SEC         (with "more": syscall.Gettimeofday's seconds)
//
// With "more", between two getpgid markers after the second getppid one,
// it calls syscall.Gettimeofday, which on amd64 goes through the runtime's
// __vdso_gettimeofday (package syscall's asm_linux_amd64.s): the one Go
// call of that function, which only verdicts.sh watches.
//
// RC and ERRNO are always 0 and ERRORS counts time.Now() results without a
// monotonic reading: the runtime's clocks cannot report an error.
//
// Only the standard library is used (no modules, no network); the runtime's
// state is reached with go:linkname, which Go 1.19 (Debian 12) allows.
package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

//go:linkname nanotime runtime.nanotime
func nanotime() int64

// The initial stack as the runtime received it (argc, argv, envp, auxv):
// Go 1.19 has no auxv API, and /proc/self/auxv under qemu-aarch64 is qemu's
// vector for the loader, not the one loader.c built for this program.
//
//go:linkname runtimeArgc runtime.argc
var runtimeArgc int32

//go:linkname runtimeArgv runtime.argv
var runtimeArgv **byte

//go:linkname vdsoClockgettimeSym runtime.vdsoClockgettimeSym
var vdsoClockgettimeSym uintptr

const atSysinfoEhdr = 33

func sysinfoEhdr() uintptr {
	word := func(i int) uintptr {
		return *(*uintptr)(unsafe.Add(unsafe.Pointer(runtimeArgv), i*int(unsafe.Sizeof(uintptr(0)))))
	}
	i := int(runtimeArgc) + 1 // past argv[argc] == NULL
	for word(i) != 0 {        // envp
		i++
	}
	for i++; word(i) != 0; i += 2 { // auxv pairs up to AT_NULL
		if word(i) == atSysinfoEhdr {
			return word(i + 1)
		}
	}
	return 0
}

// cHex formats like C's "%#lx", as probe.c prints: 0 is "0", not "0x0".
func cHex(v uintptr) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", v)
}

// waitForCounter: under loader.c --program-takes-sigill (arm, where the
// loader answers the vDSO's trapped counter reads) the data page below the
// vDSO says clock_mode 0 (NONE: system calls) until the loader has taken
// SIGILL back from this runtime, which installs its handler at start-up.
// Wait for the counter (clock_mode, offset 8 in vdso_data.h's layout), at
// most 10 s, so that every reading between the markers is the vDSO's.
func waitForCounter() {
	ehdr := sysinfoEhdr()
	if ehdr == 0 {
		return
	}
	mode := (*int32)(unsafe.Pointer(ehdr - 4096 + 8))
	for i := 0; i < 10000 && atomic.LoadInt32(mode) == 0; i++ {
		time.Sleep(time.Millisecond)
	}
}

func marker() {
	syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
}

func secondMarker() {
	syscall.RawSyscall(syscall.SYS_GETPGID, 0, 0, 0)
}

// A reference reading, inside a getuid ... getgid window.
func refGettime(clock int, ts *syscall.Timespec) {
	syscall.RawSyscall(syscall.SYS_GETUID, 0, 0, 0)
	syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, uintptr(clock), uintptr(unsafe.Pointer(ts)), 0)
	syscall.RawSyscall(syscall.SYS_GETGID, 0, 0, 0)
}

const (
	clockRealtime  = 0
	clockMonotonic = 1
	tries          = 4 // bracketed readings of each kind
)

var lines []string

func record(name string, clock int, ns int64, before, after *syscall.Timespec) {
	lines = append(lines, fmt.Sprintf("T %s %d 0 0 %d %d %d %d %d %d %d", name, clock,
		ns/1e9, ns%1e9, clock, before.Sec, before.Nsec, after.Sec, after.Nsec))
}

func main() {
	loops := int64(100000)
	if len(os.Args) > 1 {
		n, err := strconv.ParseInt(os.Args[1], 0, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "probe-go:", err)
			os.Exit(2)
		}
		loops = n
	}
	lines = make([]string, 0, 4*tries)
	var before, after syscall.Timespec
	var errors, backwards int64

	if os.Getenv("E2E_WAIT_FOR_COUNTER") != "" {
		waitForCounter()
	}
	marker()
	for i := 0; i < tries; i++ {
		refGettime(clockRealtime, &before)
		now := time.Now()
		refGettime(clockRealtime, &after)
		record("time.Now", clockRealtime, now.UnixNano(), &before, &after)

		refGettime(clockMonotonic, &before)
		mono := nanotime()
		refGettime(clockMonotonic, &after)
		record("runtime.nanotime", clockMonotonic, mono, &before, &after)
	}
	start := time.Now()
	if !strings.Contains(start.String(), " m=") {
		errors++
	}
	prev := time.Since(start)
	for i := int64(0); i < loops; i++ {
		d := time.Since(start)
		if d < prev {
			backwards++
		}
		prev = d
	}
	// Go >= 1.24 may take these from the vDSO (getrandom.sh).
	randomBytes := make([]byte, 16)
	randomN, _ := rand.Read(randomBytes)
	marker()
	var tv syscall.Timeval
	more := len(os.Args) > 2 && os.Args[2] == "more"
	if more {
		secondMarker()
		if err := syscall.Gettimeofday(&tv); err != nil {
			fmt.Fprintln(os.Stderr, "probe-go: gettimeofday:", err)
			os.Exit(1)
		}
		secondMarker()
	}

	fmt.Printf("V %s\n", cHex(sysinfoEhdr()))
	fmt.Printf("S %s\n", cHex(vdsoClockgettimeSym))
	fmt.Printf("L go %s\n", strings.TrimPrefix(runtime.Version(), "go"))
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Printf("M %d %d %d\n", loops, errors, backwards)
	fmt.Printf("G %d %x\n", randomN, randomBytes)
	if more {
		fmt.Printf("X %d\n", tv.Sec)
	}
}

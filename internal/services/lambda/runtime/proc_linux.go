//go:build linux

package runtime

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
)

// isolate puts the child in its own process group and asks the kernel to
// kill it if Virga dies first.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills the whole process group of the child.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Process.Kill()
}

// peakMemory returns the peak resident set size of process pid in bytes,
// from the VmHWM line of /proc/<pid>/status; false when it cannot be read
// (the process is gone, or /proc is not mounted).
func peakMemory(pid int) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	return parseVmHWM(b)
}

// procPeakAvailable reports whether this system's /proc shows a process's
// peak memory (it may not be mounted), so that a failed read means the
// process is exiting.
var procPeakAvailable = sync.OnceValue(func() bool {
	_, ok := peakMemory(os.Getpid())
	return ok
})

// exitPeakMemory returns the peak resident set size, in bytes, of a
// process that has been waited for: the ru_maxrss (in KiB on Linux) its
// exit reported.
func exitPeakMemory(ps *os.ProcessState) (int64, bool) {
	if ps == nil {
		return 0, false
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru.Maxrss <= 0 {
		return 0, false
	}
	return ru.Maxrss << 10, true
}

// parseVmHWM reads "VmHWM:\t  1234 kB" from a /proc/<pid>/status text.
func parseVmHWM(status []byte) (int64, bool) {
	for line := range bytes.SplitSeq(status, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte("VmHWM:"))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) != 2 || string(fields[1]) != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil || kb <= 0 || kb > 1<<40 {
			return 0, false
		}
		return kb * 1024, true
	}
	return 0, false
}

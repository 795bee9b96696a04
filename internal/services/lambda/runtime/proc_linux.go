//go:build linux

package runtime

import (
	"os/exec"
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

// pending returns the number of unread bytes in a pipe read end, or -1 when
// unknown.
func pending(fd uintptr) int {
	var n int32
	const fionread = 0x541B
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, fionread, uintptrOf(&n)); e != 0 {
		return -1
	}
	return int(n)
}

//go:build !linux

package runtime

import "os/exec"

// isolate is a no-op where process groups are not supported the Linux way.
func isolate(cmd *exec.Cmd) {}

// killGroup kills the child.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}

// pending reports that the pipe's unread size is unknown.
func pending(uintptr) int { return -1 }

//go:build !linux

package runtime

import (
	"os"
	"os/exec"
)

// isolate is a no-op where process groups are not supported the Linux way.
func isolate(cmd *exec.Cmd) {}

// killGroup kills the child.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}

// peakMemory is unknown without Linux's /proc.
func peakMemory(int) (int64, bool) { return 0, false }

// exitPeakMemory is unknown without Linux's ru_maxrss in KiB.
func exitPeakMemory(*os.ProcessState) (int64, bool) { return 0, false }

// procPeakAvailable is false: there is no /proc to read.
func procPeakAvailable() bool { return false }

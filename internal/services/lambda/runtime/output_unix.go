//go:build unix

package runtime

import (
	"os"
	"syscall"
)

// telemetrySupported reports whether children can be given the telemetry
// pipe (exec.Cmd.ExtraFiles).
const telemetrySupported = true

// pumpBudget is how much pump reads before letting others take c.mu.
const pumpBudget = 1 << 20

// pump reads p until its end. Each read and the consumption of what it
// read happen under c.mu, so that drain, under the same lock, finds
// everything written before it either consumed or still in the pipe.
func (c *capture) pump(p *pipe) {
	rc, err := p.f.SyscallConn()
	if err != nil {
		return
	}
	rc.Read(func(fd uintptr) bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		budget := pumpBudget
		for {
			n, err := syscall.Read(int(fd), p.buf)
			if n > 0 {
				p.consume(p.buf[:n])
				if budget -= n; budget <= 0 {
					c.mu.Unlock()
					budget = pumpBudget
					c.mu.Lock()
				}
			}
			switch {
			case err == syscall.EINTR:
			case err == syscall.EAGAIN:
				return false // wait until readable
			case err != nil || n <= 0:
				return true // end of file
			}
		}
	})
}

// drainBudget bounds one drain, so that a process writing without pause
// cannot hold its reader.
const drainBudget = 4 << 20

// drainNow reads what f holds now, without waiting, and hands it to
// consume.
func drainNow(f *os.File, buf []byte, consume func([]byte)) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		for budget := drainBudget; budget > 0; {
			n, err := syscall.Read(int(fd), buf)
			if n > 0 {
				consume(buf[:n])
				budget -= n
			}
			if err == syscall.EINTR {
				continue
			}
			if err != nil || n <= 0 {
				return
			}
		}
	})
}

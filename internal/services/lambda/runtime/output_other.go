//go:build !unix

package runtime

import "os"

// telemetrySupported reports whether children can be given the telemetry
// pipe (exec.Cmd.ExtraFiles is Unix only).
const telemetrySupported = false

// pump reads p until its end with blocking reads, consuming each under
// c.mu.
func (c *capture) pump(p *pipe) {
	for {
		n, err := p.f.Read(p.buf)
		if n > 0 {
			c.mu.Lock()
			p.consume(p.buf[:n])
			c.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// drainNow cannot read without waiting here; what pump has not read yet
// comes later.
func drainNow(*os.File, []byte, func([]byte)) {}

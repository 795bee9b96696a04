//go:build unix

package state

import (
	"errors"
	"os"
	"syscall"
)

// canLock reports whether lockFile really excludes other processes.
const canLock = true

// lockFile takes an exclusive advisory lock on f without waiting; it returns
// ErrLocked when another process holds it. Closing f releases the lock.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return ErrLocked
		default:
			return &os.PathError{Op: "flock", Path: f.Name(), Err: err}
		}
	}
}

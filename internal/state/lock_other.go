//go:build !unix

package state

import "os"

// canLock reports whether lockFile really excludes other processes.
const canLock = false

// lockFile does nothing on systems without flock: callers must not share a
// data directory between processes there.
func lockFile(*os.File) error { return nil }

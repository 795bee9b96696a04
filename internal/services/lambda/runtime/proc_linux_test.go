//go:build linux

package runtime

import (
	"os"
	"testing"
)

func TestParseVmHWM(t *testing.T) {
	status := []byte("Name:\tpython3\nVmPeak:\t  30000 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   19000 kB\n")
	if b, ok := parseVmHWM(status); !ok || b != 20480*1024 {
		t.Fatalf("VmHWM %d %v", b, ok)
	}
	for _, bad := range []string{"", "VmHWM:\t12 MB\n", "VmHWM:\tlots kB\n", "VmHWM:\n", "VmHWM:\t-5 kB\n"} {
		if _, ok := parseVmHWM([]byte(bad)); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	if b, ok := peakMemory(os.Getpid()); !ok || b < 1<<20 {
		t.Fatalf("this process's peak: %d %v", b, ok)
	}
	if _, ok := peakMemory(1 << 30); ok {
		t.Fatal("a process that does not exist has a peak")
	}
}

// BenchmarkPeakMemory measures reading a process's peak memory, done at
// the end of every invocation.
func BenchmarkPeakMemory(b *testing.B) {
	pid := os.Getpid()
	for b.Loop() {
		if _, ok := peakMemory(pid); !ok {
			b.Fatal("unreadable")
		}
	}
}

package bench

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv, when set, turns the test binary into a server for the startup
// tests: TestHelperProcess then serves /health and the fakeLimit S3 on the
// address after "--" until it is killed.
const helperEnv = "VIRGA_BENCH_HELPER"

func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for the startup tests")
	}
	addr := os.Args[len(os.Args)-1]
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		os.Exit(3)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.Handle("/", &fakeLimit{})
	_ = http.Serve(ln, mux)
	os.Exit(4)
}

func TestStartupMeasuresAndKills(t *testing.T) {
	t.Setenv(helperEnv, "1")
	o := StartupOptions{
		Command:      os.Args[0] + " -test.run=^TestHelperProcess$ -- 127.0.0.1:" + PortPlaceholder,
		URL:          "http://127.0.0.1:" + PortPlaceholder + "/health",
		N:            3,
		Timeout:      10 * time.Second,
		Idle:         50 * time.Millisecond,
		Load:         true,
		LoadDuration: 30 * time.Millisecond,
	}
	rep, err := Startup(context.Background(), o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Starts) != 3 {
		t.Fatalf("got %d start times, want 3", len(rep.Starts))
	}
	for i, d := range rep.Starts {
		if d <= 0 || d > o.Timeout {
			t.Errorf("start %d took %v, want a positive time under the timeout", i, d)
		}
	}
	if rep.Idle.RSS <= 0 || rep.Idle.HWM < rep.Idle.RSS {
		t.Errorf("idle memory %+v, want RSS > 0 and peak >= RSS", rep.Idle)
	}
	if rep.AfterLoad == nil || rep.AfterLoad.RSS <= 0 || rep.Load == nil {
		t.Fatalf("after load: memory %v, report %v; want both", rep.AfterLoad, rep.Load)
	}
	for _, r := range rep.Load.Results {
		if strings.HasPrefix(r.Workload, "s3-") && (r.Status != StatusOK || r.Ops == 0 || !onlyClientRace(&r)) {
			t.Errorf("load %s: status %s, %d ops, %d errors %v; want ok", r.Workload, statusWord(r.Status), r.Ops, r.Errors, r.ErrorKinds)
		}
	}
	if err := syscall.Kill(rep.PID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the last instance (pid %d) still exists after Startup returned: kill(0) = %v", rep.PID, err)
	}
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| starts | min | p50 | max |\n|--:|--:|--:|--:|\n| 3 | ") || !strings.Contains(b.String(), "After load (11 workloads") {
		t.Errorf("startup Markdown lacks the start table or the load line:\n%s", b.String())
	}
}

func TestStartupReportsFailedStarts(t *testing.T) {
	tests := []struct {
		command string
		want    string
	}{
		{"false", "exited before answering"},
		{"sleep 5", "did not answer"},
		{"/nonexistent/virga", "start"},
	}
	for _, tt := range tests {
		o := StartupOptions{Command: tt.command, URL: "http://127.0.0.1:" + PortPlaceholder + "/", N: 1, Timeout: 200 * time.Millisecond}
		start := time.Now()
		_, err := Startup(context.Background(), o, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Startup(%q) error = %v, want one containing %q", tt.command, err, tt.want)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("Startup(%q) took %v; the failed start was not stopped promptly", tt.command, time.Since(start))
		}
	}
}

func TestParseProcStatus(t *testing.T) {
	status := "Name:\tvirga\nVmPeak:\t  812345 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t7\n"
	m, err := parseProcStatus(strings.NewReader(status))
	if err != nil || m.RSS != 10<<20 || m.HWM != 20<<20 {
		t.Errorf("parseProcStatus = %+v, %v; want RSS 10 MiB, peak 20 MiB", m, err)
	}
	if got := m.String(); got != "RSS 10.0 MiB (peak 20.0 MiB)" {
		t.Errorf("Memory.String() = %q", got)
	}
	for _, bad := range []string{"Name:\tkthreadd\n", "VmRSS:\t x kB\nVmHWM:\t 1 kB\n", "VmRSS:\t 1 MB\nVmHWM:\t 1 kB\n"} {
		if _, err := parseProcStatus(strings.NewReader(bad)); err == nil {
			t.Errorf("parseProcStatus(%q) succeeded, want an error", bad)
		}
	}
	if m, err := ReadMemory(os.Getpid()); err != nil || m.RSS <= 0 {
		t.Errorf("ReadMemory(own pid) = %+v, %v; want RSS > 0", m, err)
	}
}

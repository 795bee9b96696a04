package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// PortPlaceholder is the word in -cmd and -url that startup replaces with a
// fresh free loopback port for every start.
const PortPlaceholder = "PORT"

// pollInterval is the pause between health polls while a process starts.
const pollInterval = 200 * time.Microsecond

// StartupOptions are the parsed flags of the startup command.
type StartupOptions struct {
	// Command is the command line to start, split on white space; every
	// PortPlaceholder is replaced by a free port.
	Command string
	// URL is polled until it answers 2xx; PortPlaceholder is replaced too.
	URL string
	// N is the number of starts measured.
	N int
	// Timeout bounds one start.
	Timeout time.Duration
	// Idle is how long the last instance idles before its RSS is read.
	Idle time.Duration
	// Load runs a short mixed workload on the last instance and reads RSS
	// again afterwards.
	Load bool
	// LoadDuration is the measured time of each workload of the load.
	LoadDuration time.Duration
	// Out names a file to write the Markdown results to; empty means none.
	Out string
}

// ParseStartupArgs parses the flags of the startup command.
func ParseStartupArgs(args []string, output io.Writer) (StartupOptions, error) {
	fs := flag.NewFlagSet("virga-bench startup", flag.ContinueOnError)
	fs.SetOutput(output)
	var o StartupOptions
	fs.StringVar(&o.Command, "cmd", "", `command to start, split on white space (no quoting), e.g. "bin/virga --listen 127.0.0.1:PORT"; every PORT becomes a fresh free port`)
	fs.StringVar(&o.URL, "url", "", "URL polled until it answers 2xx, e.g. http://127.0.0.1:PORT/_virga/health")
	fs.IntVar(&o.N, "n", 20, "number of starts")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Second, "longest wait for one start")
	fs.DurationVar(&o.Idle, "idle", time.Second, "idle time before reading RSS")
	fs.BoolVar(&o.Load, "load", false, "run a short mixed workload on the last instance and report RSS after it")
	fs.DurationVar(&o.LoadDuration, "load-duration", time.Second, "measured time of each workload in -load")
	fs.StringVar(&o.Out, "out", "", "also write the Markdown results to this file")
	if err := fs.Parse(args); err != nil {
		return StartupOptions{}, err
	}
	if fs.NArg() > 0 {
		return StartupOptions{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if len(strings.Fields(o.Command)) == 0 {
		return StartupOptions{}, errors.New("-cmd is required")
	}
	if u, err := url.Parse(strings.ReplaceAll(o.URL, PortPlaceholder, "1")); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return StartupOptions{}, fmt.Errorf("-url %q must be an http or https URL", o.URL)
	}
	if o.N < 1 {
		return StartupOptions{}, errors.New("-n must be at least 1")
	}
	if o.Timeout <= 0 || o.LoadDuration <= 0 || o.Idle < 0 {
		return StartupOptions{}, errors.New("-timeout and -load-duration must be positive, -idle not negative")
	}
	return o, nil
}

// Memory is a process's resident memory as /proc/<pid>/status reports it.
type Memory struct {
	// RSS is VmRSS, the resident set size now, in bytes.
	RSS int64
	// HWM is VmHWM, the peak resident set size, in bytes.
	HWM int64
}

// String formats m as "RSS 12.3 MiB (peak 14.0 MiB)".
func (m Memory) String() string {
	return fmt.Sprintf("RSS %.1f MiB (peak %.1f MiB)", float64(m.RSS)/(1<<20), float64(m.HWM)/(1<<20))
}

// ReadMemory reads the VmRSS and VmHWM of process pid from /proc.
func ReadMemory(pid int) (Memory, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Memory{}, err
	}
	defer f.Close()
	return parseProcStatus(f)
}

// parseProcStatus extracts VmRSS and VmHWM from the text of a
// /proc/<pid>/status file, whose values are in kB (KiB).
func parseProcStatus(r io.Reader) (Memory, error) {
	var m Memory
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return Memory{}, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		if key == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.HWM = kb << 10
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return Memory{}, err
	}
	if found < 2 {
		return Memory{}, errors.New("no VmRSS/VmHWM lines (a kernel thread or a zombie?)")
	}
	return m, nil
}

// StartupReport is the outcome of the startup command.
type StartupReport struct {
	Options StartupOptions
	// PID is the process id of the last instance, killed when Startup returns.
	PID int
	// Starts holds the time from exec to the first 2xx answer of each start.
	Starts []time.Duration
	// Idle is the memory of the last instance after Options.Idle.
	Idle Memory
	// EndOfLoad is the memory read as the load ends; AfterLoad is read
	// Options.Idle later, the server at rest again. Both are valid when
	// Load is set.
	EndOfLoad *Memory
	AfterLoad *Memory
	// Load holds the results of the load, when Load is set.
	Load *Report
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last bytes written to it, to show a failed start's
// output.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

// tailLimit is how many bytes of a child's output tailBuffer keeps.
const tailLimit = 4 << 10

// Write keeps the last tailLimit bytes of everything written.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailLimit {
		t.buf = t.buf[len(t.buf)-tailLimit:]
	}
	return len(p), nil
}

// String returns the kept output.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}

// instance is one started process.
type instance struct {
	cmd    *exec.Cmd
	url    string
	output *tailBuffer
	exited chan struct{}
	err    error
}

// startInstance starts the command with the placeholder replaced by a fresh
// port, in its own process group so that stop ends its children too, and
// waits until url answers 2xx. It returns the time from just before exec to
// that answer.
func startInstance(ctx context.Context, o StartupOptions) (*instance, time.Duration, error) {
	command, target := o.Command, o.URL
	if strings.Contains(command, PortPlaceholder) || strings.Contains(target, PortPlaceholder) {
		port, err := freePort()
		if err != nil {
			return nil, 0, err
		}
		command = strings.ReplaceAll(command, PortPlaceholder, strconv.Itoa(port))
		target = strings.ReplaceAll(target, PortPlaceholder, strconv.Itoa(port))
	}
	args := strings.Fields(command)
	inst := &instance{url: target, output: &tailBuffer{}, exited: make(chan struct{})}
	inst.cmd = exec.Command(args[0], args[1:]...)
	inst.cmd.Stdout, inst.cmd.Stderr = inst.output, inst.output
	inst.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		Timeout:   time.Second,
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	if err := inst.cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("start %q: %w", command, err)
	}
	go func() {
		inst.err = inst.cmd.Wait()
		close(inst.exited)
	}()
	deadline := start.Add(o.Timeout)
	for {
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode >= 200 && resp.StatusCode < 300 {
				return inst, time.Since(start), nil
			}
		}
		select {
		case <-inst.exited:
			return nil, 0, fmt.Errorf("%q exited before answering (%v): %s", command, inst.err, inst.output.String())
		default:
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			inst.stop()
			return nil, 0, fmt.Errorf("%q did not answer %s with 2xx within %s: %s", command, target, o.Timeout, inst.output.String())
		}
		time.Sleep(pollInterval)
	}
}

// stop kills the instance's process group and waits for the process.
func (inst *instance) stop() {
	_ = syscall.Kill(-inst.cmd.Process.Pid, syscall.SIGKILL)
	<-inst.exited
}

// Startup starts o.Command o.N times, measuring each start; it keeps the
// last instance running for o.Idle, reads its memory, optionally runs a
// short mixed workload on it and reads its memory again, and kills every
// process it started.
func Startup(ctx context.Context, o StartupOptions, progress io.Writer) (StartupReport, error) {
	rep := StartupReport{Options: o}
	var last *instance
	for i := range o.N {
		inst, d, err := startInstance(ctx, o)
		if err != nil {
			return rep, err
		}
		rep.Starts = append(rep.Starts, d)
		fmt.Fprintf(progress, "start %d: %s\n", i+1, d)
		if i < o.N-1 {
			inst.stop()
			continue
		}
		last = inst
	}
	defer last.stop()
	rep.PID = last.cmd.Process.Pid
	select {
	case <-time.After(o.Idle):
	case <-ctx.Done():
		return rep, ctx.Err()
	}
	var err error
	if rep.Idle, err = ReadMemory(last.cmd.Process.Pid); err != nil {
		return rep, err
	}
	fmt.Fprintf(progress, "idle after %s: %s\n", o.Idle, rep.Idle)
	if !o.Load {
		return rep, nil
	}
	u, err := url.Parse(last.url)
	if err != nil {
		return rep, err
	}
	load := RunOptions{
		Targets:     []Target{{Name: "target", URL: u.Scheme + "://" + u.Host}},
		Workloads:   Workloads(),
		Concurrency: []int{4},
		Duration:    o.LoadDuration,
	}
	loadReport := Run(ctx, load, progress)
	rep.Load = &loadReport
	end, err := ReadMemory(last.cmd.Process.Pid)
	if err != nil {
		return rep, err
	}
	rep.EndOfLoad = &end
	fmt.Fprintf(progress, "end of load: %s\n", end)
	select {
	case <-time.After(o.Idle):
	case <-ctx.Done():
		return rep, ctx.Err()
	}
	after, err := ReadMemory(last.cmd.Process.Pid)
	if err != nil {
		return rep, err
	}
	rep.AfterLoad = &after
	fmt.Fprintf(progress, "idle after load: %s\n", after)
	return rep, nil
}

// WriteMarkdown writes the startup times (min, p50, max) and memory readings
// as Markdown.
func (rep StartupReport) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	o := rep.Options
	fmt.Fprintf(&b, "### virga-bench startup\n\nCommand: `%s`, polled `%s` every %s.\n\n", o.Command, o.URL, pollInterval)
	if len(rep.Starts) > 0 {
		sorted := slices.Clone(rep.Starts)
		slices.Sort(sorted)
		p50 := sorted[(len(sorted)-1)/2]
		fmt.Fprintf(&b, "| starts | min | p50 | max |\n|--:|--:|--:|--:|\n| %d | %s | %s | %s |\n\n",
			len(sorted), formatLatency(sorted[0]), formatLatency(p50), formatLatency(sorted[len(sorted)-1]))
	}
	fmt.Fprintf(&b, "Idle %s after start: %s.\n", o.Idle, rep.Idle)
	if rep.AfterLoad != nil {
		ops, errs := uint64(0), uint64(0)
		failed := 0
		for _, r := range rep.Load.Results {
			ops += r.Ops
			errs += r.Errors
			if r.Status != StatusOK {
				failed++
			}
		}
		fmt.Fprintf(&b, "After load (%d workloads × %s at c=4: %d ops, %d errors, %d failed cells): RSS as the load ended %s; idle %s after it: %s.\n",
			len(rep.Load.Options.Workloads), o.LoadDuration, ops, errs, failed, fmt.Sprintf("%.1f MiB", float64(rep.EndOfLoad.RSS)/(1<<20)), o.Idle, *rep.AfterLoad)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Package runtime runs one Lambda execution environment as a local child
// process and serves it the Lambda Runtime API on its own loopback port.
package runtime

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// MaxResponseSize is the largest response a function may return to a
// synchronous invocation (6 MB).
const MaxResponseSize = 6 * 1024 * 1024

// MaxStreamedResponseSize is the largest response a function may stream
// (200 MiB).
const MaxStreamedResponseSize = 200 << 20

// maxErrorSize bounds the error documents the runtime may post.
const maxErrorSize = 1 << 20

// The trailers a runtime sets on a streamed /response that fails midway.
const (
	trailerErrorType = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody = "Lambda-Runtime-Function-Error-Body"
)

// Config describes the process of one instance.
type Config struct {
	// Path is the executable (the user's bootstrap or an interpreter).
	Path string
	// Args are the arguments after Path.
	Args []string
	// Dir is the working directory (the task root).
	Dir string
	// Env is the environment, without AWS_LAMBDA_RUNTIME_API, which Start
	// adds.
	Env []string
	// Output receives each log record of the process: each line it
	// writes to stdout or stderr, and each frame it writes to the
	// telemetry pipe (newlines included).
	Output func(record string)
	// Telemetry gives the process the telemetry pipe AWS's managed
	// runtimes write their own log records to, one frame per record, as
	// descriptor 3 named by _LAMBDA_TELEMETRY_LOG_FD (Unix only).
	Telemetry bool
	// MaxResponse is the response size limit; 0 means MaxResponseSize.
	MaxResponse int
}

// Invocation is one event handed to the runtime through /next.
type Invocation struct {
	RequestID       string
	Payload         []byte
	Deadline        time.Time
	FunctionARN     string
	TraceID         string
	ClientContext   string
	CognitoIdentity string
	// Chunk, when set, receives the /response body as it arrives, in the
	// order read, instead of it being collected into Result.Payload, so a
	// response the function streams (chunked, Lambda-Runtime-Function-
	// Response-Mode: streaming) reaches the caller while the function
	// still runs. Chunk is called from the Runtime API server and may
	// block to apply back-pressure; p is the callee's to keep.
	Chunk func(p []byte)
}

// Outcome says how an invocation ended.
type Outcome int

// The outcomes of an invocation.
const (
	// Success: the runtime posted a response.
	Success Outcome = iota
	// FunctionError: the runtime posted to /error.
	FunctionError
	// InitError: the runtime posted to /init/error or exited before
	// asking for the first event.
	InitError
	// Timeout: the deadline passed; the instance was killed.
	Timeout
	// Exited: the process exited while handling the event.
	Exited
	// ResponseTooLarge: the response exceeded MaxResponse.
	ResponseTooLarge
)

// Result is what an invocation produced.
type Result struct {
	Outcome Outcome
	// Payload is the response, or the error document for the error
	// outcomes.
	Payload []byte
	// ErrorType is the Lambda-Runtime-Function-Error-Type header or the
	// platform's error type.
	ErrorType string
	// Init is how long the runtime took to ask for its first event; zero
	// when the instance was warm.
	Init time.Duration
	// Duration is the time from handing out the event to the outcome.
	Duration time.Duration
	// Undelivered marks an Exited outcome where the process ended before
	// it took the event, so the function's code never saw it.
	Undelivered bool
	// ExitStatus describes how the process ended, for Exited and InitError.
	ExitStatus string
	// MaxMemory is the largest resident set the instance's process has
	// had so far, in bytes (Linux's VmHWM); 0 when unknown.
	MaxMemory int64
}

// Instance is one running execution environment.
type Instance struct {
	cfg      Config
	cmd      *exec.Cmd
	listener net.Listener
	server   *http.Server
	started  time.Time

	// work hands an invocation to a blocked /next.
	work chan *call
	// ready is closed at the first /next.
	ready     chan struct{}
	readyOnce sync.Once
	readyAt   time.Time
	// exited is closed when the process has ended.
	exited     chan struct{}
	exitStatus string

	mu        sync.Mutex
	current   *call
	initError []byte
	initType  string
	used      bool
	killed    bool

	output *capture
	// peak is the largest MaxMemory measured.
	peak atomic.Int64
}

// call is one invocation in flight.
type call struct {
	inv  Invocation
	done chan Result
	once sync.Once
	at   time.Time
}

func (c *call) finish(r Result) {
	c.once.Do(func() {
		r.Duration = time.Since(c.at)
		c.done <- r
	})
}

// Start starts the Runtime API listener and the process. The process
// initialises in the background; the first Invoke waits for it.
func Start(cfg Config) (*Instance, error) {
	if cfg.MaxResponse == 0 {
		cfg.MaxResponse = MaxResponseSize
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	in := &Instance{
		cfg:      cfg,
		listener: ln,
		work:     make(chan *call),
		ready:    make(chan struct{}),
		exited:   make(chan struct{}),
	}
	in.server = &http.Server{Handler: in, ReadHeaderTimeout: 10 * time.Second}
	go in.server.Serve(ln)

	var files []*os.File // closed once the child has them
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		ln.Close()
		return nil, err
	}
	files = append(files, w)
	cmd := exec.Command(cfg.Path, cfg.Args...)
	cmd.Dir = cfg.Dir
	cmd.Env = append(append([]string{}, cfg.Env...), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String())
	cmd.Stdout = w
	cmd.Stderr = w
	var tr *os.File
	if cfg.Telemetry && telemetrySupported {
		var tw *os.File
		if tr, tw, err = os.Pipe(); err != nil {
			ln.Close()
			r.Close()
			closeAll()
			return nil, err
		}
		files = append(files, tw)
		cmd.ExtraFiles = []*os.File{tw}
		cmd.Env = append(cmd.Env, "_LAMBDA_TELEMETRY_LOG_FD="+strconv.Itoa(telemetryFD))
	}
	isolate(cmd)
	in.cmd = cmd
	in.started = time.Now()
	if err := cmd.Start(); err != nil {
		ln.Close()
		r.Close()
		if tr != nil {
			tr.Close()
		}
		closeAll()
		return nil, err
	}
	closeAll()
	in.output = newCapture(cfg.Output, r, tr)
	go func() {
		err := cmd.Wait()
		in.mu.Lock()
		in.exitStatus = exitText(err)
		in.mu.Unlock()
		killGroup(cmd)
		close(in.exited)
	}()
	return in, nil
}

// exitText describes a process's end as Lambda's Runtime.ExitError does.
func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "signal: " + ws.Signal().String()
		}
		return ee.String()
	}
	return err.Error()
}

// Flush passes everything the process has written so far to Output, so
// that log records written before a response are attributed to its
// invocation.
func (in *Instance) Flush() { in.output.flush() }

// exitWaitForPeak bounds how long measure waits for a process that is
// exiting to be reaped, to read its peak from its exit status.
const exitWaitForPeak = 500 * time.Millisecond

// measure records the process's peak resident memory so far and returns
// the largest measured, 0 when it was never measured. A process that is
// exiting has already given up its memory and /proc no longer shows it
// (a runtime client commonly exits right after a failed response), so
// then the peak is taken from the exit's resource usage once the process
// is reaped.
func (in *Instance) measure() int64 {
	b, ok := peakMemory(in.cmd.Process.Pid)
	if !ok && procPeakAvailable() {
		select {
		case <-in.exited:
			b, ok = exitPeakMemory(in.cmd.ProcessState)
		case <-time.After(exitWaitForPeak):
		}
	}
	if ok {
		for {
			old := in.peak.Load()
			if b <= old || in.peak.CompareAndSwap(old, b) {
				break
			}
		}
	}
	return in.peak.Load()
}

// Addr is the Runtime API address (host:port).
func (in *Instance) Addr() string { return in.listener.Addr().String() }

// Pid is the process id of the instance (its process group id on Linux).
func (in *Instance) Pid() int { return in.cmd.Process.Pid }

// Exited is closed when the process has ended.
func (in *Instance) Exited() <-chan struct{} { return in.exited }

// Kill kills the process group and stops the listener; it waits for the
// process to be reaped.
func (in *Instance) Kill() {
	in.mu.Lock()
	in.killed = true
	in.mu.Unlock()
	killGroup(in.cmd)
	<-in.exited
	in.server.Close()
	select {
	case <-in.output.done:
	case <-time.After(time.Second):
	}
}

// Invoke hands inv to the runtime and waits for its outcome: until the
// runtime responds, fails, exits, or timeout passes (the instance is then
// killed). initLimit bounds how long a cold instance may take to ask for
// its first event before the invocation's own timeout starts counting;
// inv.Deadline is set when the event is handed out. The result carries
// the process's peak memory, measured at the end (before a kill).
func (in *Instance) Invoke(ctx context.Context, inv Invocation, timeout, initLimit time.Duration) Result {
	r := in.invoke(ctx, inv, timeout, initLimit)
	r.MaxMemory = in.measure()
	return r
}

// stop measures the process's memory and kills it.
func (in *Instance) stop() {
	in.measure()
	in.Kill()
}

func (in *Instance) invoke(ctx context.Context, inv Invocation, timeout, initLimit time.Duration) Result {
	in.mu.Lock()
	cold := !in.used
	in.used = true
	in.mu.Unlock()
	c := &call{inv: inv, done: make(chan Result, 1)}
	var initDur time.Duration
	if cold {
		t := time.NewTimer(initLimit)
		select {
		case <-in.ready:
			t.Stop()
			initDur = in.readyAt.Sub(in.started)
		case <-in.exited:
			t.Stop()
			return in.initFailure(time.Since(in.started))
		case <-t.C:
			// Lambda retries a slow init in the invoke phase; the
			// invocation's deadline now applies.
		case <-ctx.Done():
			t.Stop()
			in.stop()
			return Result{Outcome: Timeout, Init: time.Since(in.started)}
		}
	}
	c.at = time.Now()
	c.inv.Deadline = c.at.Add(timeout)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	select {
	case in.work <- c:
	case <-in.exited:
		if cold {
			return in.initFailure(time.Since(in.started))
		}
		return Result{Outcome: Exited, ExitStatus: in.status(), Undelivered: true}
	case <-deadline.C:
		in.stop()
		return Result{Outcome: Timeout, Init: initDur, Duration: time.Since(c.at)}
	case <-ctx.Done():
		in.stop()
		return Result{Outcome: Timeout, Init: initDur, Duration: time.Since(c.at)}
	}
	if cold && initDur == 0 {
		initDur = in.readyAt.Sub(in.started)
	}
	var r Result
	select {
	case r = <-c.done:
	case <-in.exited:
		select {
		case r = <-c.done:
		default:
			r = Result{Outcome: Exited, ExitStatus: in.status(), Duration: time.Since(c.at)}
		}
	case <-deadline.C:
		in.stop()
		r = Result{Outcome: Timeout, Duration: time.Since(c.at)}
	case <-ctx.Done():
		in.stop()
		r = Result{Outcome: Timeout, Duration: time.Since(c.at)}
	}
	in.mu.Lock()
	if in.current == c {
		in.current = nil
	}
	in.mu.Unlock()
	r.Init = initDur
	in.Flush()
	return r
}

func (in *Instance) status() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.exitStatus
}

// initFailure is the result of a process that ended before its first /next.
func (in *Instance) initFailure(d time.Duration) Result {
	in.Flush()
	in.mu.Lock()
	defer in.mu.Unlock()
	return Result{Outcome: InitError, Payload: in.initError, ErrorType: in.initType, Init: d, ExitStatus: in.exitStatus}
}

const apiPrefix = "/2018-06-01/runtime/"

// ServeHTTP serves the Runtime API.
func (in *Instance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		writeStatus(w, http.StatusNotFound, "InvalidRequestID", "unknown path")
		return
	}
	switch {
	case path == "invocation/next" && r.Method == http.MethodGet:
		in.next(w, r)
	case path == "init/error" && r.Method == http.MethodPost:
		in.postInitError(w, r)
	case strings.HasPrefix(path, "invocation/") && r.Method == http.MethodPost:
		rest := strings.TrimPrefix(path, "invocation/")
		id, kind, ok := strings.Cut(rest, "/")
		if !ok || (kind != "response" && kind != "error") {
			writeStatus(w, http.StatusNotFound, "InvalidRequestID", "unknown path")
			return
		}
		in.post(w, r, id, kind)
	default:
		writeStatus(w, http.StatusNotFound, "InvalidRequestID", "unknown path")
	}
}

func writeStatus(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if errType == "" {
		io.WriteString(w, `{"status":"OK"}`)
		return
	}
	b, _ := json.Marshal(map[string]string{"errorType": errType, "errorMessage": msg})
	w.Write(b)
}

func (in *Instance) next(w http.ResponseWriter, r *http.Request) {
	in.readyOnce.Do(func() {
		in.readyAt = time.Now()
		close(in.ready)
	})
	var c *call
	select {
	case c = <-in.work:
	case <-r.Context().Done():
		return
	case <-in.exited:
		return
	}
	in.mu.Lock()
	in.current = c
	in.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", c.inv.RequestID)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(c.inv.Deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", c.inv.FunctionARN)
	if c.inv.TraceID != "" {
		h.Set("Lambda-Runtime-Trace-Id", c.inv.TraceID)
	}
	if c.inv.ClientContext != "" {
		h.Set("Lambda-Runtime-Client-Context", c.inv.ClientContext)
	}
	if c.inv.CognitoIdentity != "" {
		h.Set("Lambda-Runtime-Cognito-Identity", c.inv.CognitoIdentity)
	}
	w.WriteHeader(http.StatusOK)
	w.Write(c.inv.Payload)
}

func (in *Instance) post(w http.ResponseWriter, r *http.Request, id, kind string) {
	in.mu.Lock()
	c := in.current
	in.mu.Unlock()
	if c == nil || c.inv.RequestID != id {
		writeStatus(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	if kind == "error" {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorSize))
		errType := r.Header.Get("Lambda-Runtime-Function-Error-Type")
		writeStatus(w, http.StatusAccepted, "", "")
		c.finish(Result{Outcome: FunctionError, Payload: body, ErrorType: errType})
		return
	}
	if c.inv.Chunk != nil {
		in.stream(w, r, c)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(in.cfg.MaxResponse)+1))
	if err != nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	if len(body) > in.cfg.MaxResponse {
		tooLarge(w, c, in.cfg.MaxResponse)
		return
	}
	writeStatus(w, http.StatusAccepted, "", "")
	if res, failed := trailerError(r); failed {
		c.finish(res)
		return
	}
	c.finish(Result{Outcome: Success, Payload: body})
}

// tooLarge ends an invocation whose response passed limit.
func tooLarge(w http.ResponseWriter, c *call, limit int) {
	msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", limit)
	writeStatus(w, http.StatusRequestEntityTooLarge, "Function.ResponseSizeTooLarge", msg)
	doc, _ := json.Marshal(map[string]string{"errorMessage": msg, "errorType": "Function.ResponseSizeTooLarge"})
	c.finish(Result{Outcome: ResponseTooLarge, Payload: doc, ErrorType: "Function.ResponseSizeTooLarge"})
}

// trailerError reads the error a runtime reports in the trailers of a
// streamed response (after the body was read to its end): the error type,
// and the error document base64-encoded.
func trailerError(r *http.Request) (Result, bool) {
	errType := r.Trailer.Get(trailerErrorType)
	if errType == "" {
		return Result{}, false
	}
	doc, err := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody))
	if err != nil || len(doc) == 0 {
		doc, _ = json.Marshal(map[string]string{"errorType": errType, "errorMessage": ""})
	}
	return Result{Outcome: FunctionError, Payload: doc, ErrorType: errType}, true
}

// stream hands a /response body to the invocation's Chunk as it arrives,
// up to MaxStreamedResponseSize.
func (in *Instance) stream(w http.ResponseWriter, r *http.Request, c *call) {
	buf := make([]byte, 64<<10)
	total := 0
	for {
		n, err := r.Body.Read(buf)
		if n > 0 {
			total += n
			if total > MaxStreamedResponseSize {
				tooLarge(w, c, MaxStreamedResponseSize)
				return
			}
			c.inv.Chunk(append([]byte(nil), buf[:n]...))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			writeStatus(w, http.StatusBadRequest, "InvalidRequest", err.Error())
			doc, _ := json.Marshal(map[string]string{"errorType": "Runtime.TruncatedResponse", "errorMessage": "The response stream ended unexpectedly: " + err.Error()})
			c.finish(Result{Outcome: FunctionError, Payload: doc, ErrorType: "Runtime.TruncatedResponse"})
			return
		}
	}
	writeStatus(w, http.StatusAccepted, "", "")
	if res, failed := trailerError(r); failed {
		c.finish(res)
		return
	}
	c.finish(Result{Outcome: Success})
}

func (in *Instance) postInitError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorSize))
	in.mu.Lock()
	in.initError = body
	in.initType = r.Header.Get("Lambda-Runtime-Function-Error-Type")
	in.mu.Unlock()
	writeStatus(w, http.StatusAccepted, "", "")
	// Lambda ends an environment whose init failed.
	go killGroup(in.cmd)
}

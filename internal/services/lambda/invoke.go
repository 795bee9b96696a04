package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/virga-aws/virga/internal/gateway"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/identity"
	"github.com/virga-aws/virga/internal/services/lambda/api"
	"github.com/virga-aws/virga/internal/services/lambda/runtime"
)

// Payload limits (docs/limits.md).
const (
	maxSyncPayload  = 6 * 1024 * 1024
	maxAsyncPayload = 1024 * 1024
	maxTail         = 4096
	// initLimit is the init phase's limit for on-demand functions.
	initLimit = 10 * time.Second
)

// pool holds a version's idle instances.
type pool struct {
	mu      sync.Mutex
	idle    []*instance
	retired bool
}

// retire kills the idle instances and marks the pool so busy ones are
// killed when they finish (the version was replaced or deleted).
func (p *pool) retire() {
	p.mu.Lock()
	p.retired = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, in := range idle {
		in.kill()
	}
}

// instance is one running execution environment of a version.
type instance struct {
	svc    *Service
	ver    *version
	rt     *runtime.Instance
	stream string
	group  string

	mu    sync.Mutex
	lines []string // the current invocation's log lines
	inInv bool
	reap  *clock.Timer
	dead  bool
}

// output receives a line the process wrote.
func (in *instance) output(line string) {
	in.mu.Lock()
	if in.inInv {
		in.lines = append(in.lines, line)
		in.mu.Unlock()
		return
	}
	in.mu.Unlock()
	in.svc.emitLogs(in, []string{line})
}

// kill ends the instance's process group.
func (in *instance) kill() {
	in.mu.Lock()
	if in.reap != nil {
		in.reap.Stop()
	}
	in.dead = true
	in.mu.Unlock()
	if in.rt != nil {
		in.rt.Kill()
	}
	in.svc.instancesMu.Lock()
	delete(in.svc.instances, in)
	in.svc.instancesMu.Unlock()
}

// emitLogs hands lines to the log sink.
func (s *Service) emitLogs(in *instance, lines []string) {
	if s.opts.Logs == nil || len(lines) == 0 {
		return
	}
	now := s.clock.Now()
	ev := make([]LogEvent, len(lines))
	for i, l := range lines {
		ev[i] = LogEvent{Timestamp: now, Message: l}
	}
	k := in.ver.fn.key
	if err := s.opts.Logs.Append(k.account, k.region, in.group, in.stream, ev); err != nil {
		s.log.Warn("lambda: writing function logs", "function", k.name, "error", err)
	}
}

// invocation is one request to run a function.
type invocation struct {
	requestID     string
	payload       []byte
	clientContext string
	endpoint      string
	// chunk, when set, receives the response as the function streams it
	// (InvokeWithResponseStream); the outcome's payload is then empty.
	chunk func([]byte)
}

// outcome is what running an invocation produced.
type outcome struct {
	payload       []byte
	functionError string // "" or "Unhandled"
	errorType     string
	logTail       string
	version       string
}

// acquire returns an idle instance of v or starts one; cold reports a new
// instance.
func (s *Service) acquire(v *version, endpoint string) (*instance, bool, error) {
	v.pool.mu.Lock()
	for len(v.pool.idle) > 0 {
		n := len(v.pool.idle) - 1
		in := v.pool.idle[n]
		v.pool.idle = v.pool.idle[:n]
		in.mu.Lock()
		dead := in.dead
		if in.reap != nil {
			in.reap.Stop()
			in.reap = nil
		}
		in.mu.Unlock()
		if !dead {
			v.pool.mu.Unlock()
			return in, false, nil
		}
	}
	v.pool.mu.Unlock()
	in, err := s.start(v, endpoint)
	return in, true, err
}

// release returns an instance to its pool, arming its idle reaper.
func (s *Service) release(in *instance) {
	p := &in.ver.pool
	p.mu.Lock()
	if p.retired {
		p.mu.Unlock()
		in.kill()
		return
	}
	in.mu.Lock()
	if in.dead {
		in.mu.Unlock()
		p.mu.Unlock()
		return
	}
	in.reap = s.clock.AfterFunc(s.opts.IdleTimeout, func() {
		p.mu.Lock()
		for i, x := range p.idle {
			if x == in {
				p.idle = append(p.idle[:i], p.idle[i+1:]...)
				break
			}
		}
		p.mu.Unlock()
		in.kill()
	})
	in.mu.Unlock()
	p.idle = append(p.idle, in)
	p.mu.Unlock()
}

// start launches a new instance of v.
func (s *Service) start(v *version, endpoint string) (*instance, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("lambda: service closed")
	}
	if err := s.bootstraps(); err != nil {
		return nil, err
	}
	cfg := v.cfg
	now := s.clock.Now().UTC()
	in := &instance{
		svc:    s,
		ver:    v,
		group:  cfg.LogGroup,
		stream: now.Format("2006/01/02") + "/[" + v.name + "]" + s.ids.Hex(16),
	}
	optDir, err := s.layerDir(v)
	if err != nil {
		return nil, err
	}
	launch, err := runtime.Command(cfg.Runtime, v.code.dir, optDir, s.runtimeDir)
	if err != nil {
		return nil, err
	}
	env := layerEnvironment(s.environment(v, in, endpoint), cfg.Runtime, optDir)
	env = append(env, launch.Env...)
	rt, err := runtime.Start(runtime.Config{
		Path:      launch.Path,
		Args:      launch.Args,
		Dir:       v.code.dir,
		Env:       env,
		Output:    in.output,
		Telemetry: launch.Telemetry,
	})
	if err != nil {
		return nil, &runtime.EntrypointError{Type: "Runtime.InvalidEntrypoint", Message: err.Error()}
	}
	in.rt = rt
	s.instancesMu.Lock()
	s.instances[in] = struct{}{}
	s.instancesMu.Unlock()
	s.mu.Lock()
	closed = s.closed
	s.mu.Unlock()
	if closed {
		in.kill()
		return nil, fmt.Errorf("lambda: service closed")
	}
	go func() {
		<-rt.Exited()
		in.mu.Lock()
		in.dead = true
		in.mu.Unlock()
		s.instancesMu.Lock()
		delete(s.instances, in)
		s.instancesMu.Unlock()
	}()
	return in, nil
}

// environment builds an instance's environment as Lambda sets it.
func (s *Service) environment(v *version, in *instance, endpoint string) []string {
	cfg := v.cfg
	k := v.fn.key
	hostPath := os.Getenv("PATH")
	env := []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + k.name,
		"AWS_LAMBDA_FUNCTION_VERSION=" + v.name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(int(cfg.MemorySize)),
		"AWS_LAMBDA_LOG_GROUP_NAME=" + in.group,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + in.stream,
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_EXECUTION_ENV=AWS_Lambda_" + cfg.Runtime,
		"_HANDLER=" + cfg.Handler,
		"LAMBDA_TASK_ROOT=" + v.code.dir,
		"LAMBDA_RUNTIME_DIR=" + s.runtimeDir,
		"AWS_REGION=" + k.region,
		"AWS_DEFAULT_REGION=" + k.region,
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"PATH=" + strings.Join([]string{v.code.dir, filepath.Join(v.code.dir, "bin"), hostPath}, string(os.PathListSeparator)),
		"LD_LIBRARY_PATH=" + strings.Join(nonEmpty(filepath.Join(v.code.dir, "lib"), v.code.dir, os.Getenv("LD_LIBRARY_PATH")), string(os.PathListSeparator)),
		"HOME=" + os.Getenv("HOME"),
		"TMPDIR=" + os.TempDir(),
	}
	if strings.HasPrefix(cfg.Runtime, "python") {
		env = append(env, "PYTHONPATH="+v.code.dir)
	}
	if strings.HasPrefix(cfg.Runtime, "nodejs") {
		env = append(env, "NODE_PATH="+strings.Join([]string{v.code.dir, filepath.Join(v.code.dir, "node_modules")}, string(os.PathListSeparator)))
	}
	if endpoint != "" {
		env = append(env, "AWS_ENDPOINT_URL="+endpoint)
	}
	env = append(env, s.credentials(v)...)
	for name, val := range cfg.Environment {
		env = append(env, name+"="+val)
	}
	return env
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// credentials issues STS-style session credentials for the function's
// role, mapped to the role's account.
func (s *Service) credentials(v *version) []string {
	role := v.cfg.Role
	account := v.fn.key.account
	roleName := "virga-lambda-role"
	if parts := strings.SplitN(role, ":", 6); len(parts) == 6 {
		if identity.IsAccountID(parts[4]) {
			account = parts[4]
		}
		rn := strings.TrimPrefix(parts[5], "role/")
		if i := strings.LastIndex(rn, "/"); i >= 0 {
			rn = rn[i+1:]
		}
		if rn != "" {
			roleName = rn
		}
	}
	key := "ASIA" + strings.ToUpper(s.ids.Hex(8))
	sess := identity.Session{
		AccessKeyID:     key,
		SecretAccessKey: s.ids.Hex(20),
		SessionToken:    base64.StdEncoding.EncodeToString([]byte("virga-lambda-" + s.ids.Hex(24))),
		Expiration:      s.clock.Now().Add(12 * time.Hour),
		Caller: identity.Caller{
			Account: account,
			ARN:     "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + v.fn.key.name,
			UserID:  "AROA" + strings.ToUpper(s.ids.Hex(8)) + ":" + v.fn.key.name,
		},
	}
	s.identity.AddSession(sess)
	return []string{
		"AWS_ACCESS_KEY_ID=" + sess.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + sess.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + sess.SessionToken,
	}
}

// run executes one invocation of v on a warm or new instance; the caller
// holds a concurrency slot.
func (s *Service) run(ctx context.Context, v *version, inv invocation, arn string) outcome {
	out := outcome{version: v.name}
	timeout := time.Duration(v.cfg.Timeout) * time.Second
	invocation := runtime.Invocation{
		RequestID:     inv.requestID,
		Payload:       inv.payload,
		FunctionARN:   arn,
		ClientContext: inv.clientContext,
		Chunk:         inv.chunk,
		TraceID:       "Root=1-" + fmt.Sprintf("%08x", s.clock.Now().Unix()) + "-" + s.ids.Hex(12) + ";Parent=" + s.ids.Hex(8) + ";Sampled=0",
	}
	var (
		in    *instance
		res   runtime.Result
		lines []string
	)
	for attempt := 0; ; attempt++ {
		var err error
		in, _, err = s.acquire(v, inv.endpoint)
		if err != nil {
			e, ok := runtime.IsEntrypointError(err)
			if !ok {
				e = &runtime.EntrypointError{Type: "Runtime.Unavailable", Message: err.Error()}
			}
			out.functionError = "Unhandled"
			out.errorType = e.Type
			out.payload = errorDoc(e.Type, "RequestId: "+inv.requestID+" Error: "+e.Message)
			out.logTail = tail(s.reportLines(inv.requestID, v, runtime.Result{}, "", []string{e.Message}))
			return out
		}
		in.mu.Lock()
		in.inInv = true
		in.lines = nil
		in.mu.Unlock()
		// The function may call back into Virga while it runs: wait
		// without the gateway's hold so a state save or reset cannot
		// deadlock on it.
		gateway.Idle(ctx, func() { res = in.rt.Invoke(ctx, invocation, timeout, initLimit) })
		in.mu.Lock()
		lines = in.lines
		in.lines = nil
		in.inInv = false
		in.mu.Unlock()
		if !res.Undelivered || attempt > 0 {
			break
		}
		// A warm instance's process ended after its last invocation (a
		// runtime client exits when it cannot post a response) before it
		// took this event: Lambda would hand the event to a new execution
		// environment, and so does Virga, once.
		in.kill()
	}

	status := ""
	switch res.Outcome {
	case runtime.Success:
		out.payload = res.Payload
	case runtime.FunctionError, runtime.ResponseTooLarge:
		out.functionError = "Unhandled"
		out.payload = res.Payload
		out.errorType = res.ErrorType
	case runtime.Timeout:
		msg := fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds())
		lines = append(lines, s.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")+" "+inv.requestID+" "+msg)
		out.functionError = "Unhandled"
		out.errorType = "Sandbox.Timedout"
		out.payload = errorDoc("Sandbox.Timedout", "RequestId: "+inv.requestID+" Error: "+msg)
		status = "timeout"
	case runtime.Exited:
		msg := "Runtime exited with error: " + res.ExitStatus
		lines = append(lines, "RequestId: "+inv.requestID+" Error: "+msg, "Runtime.ExitError")
		out.functionError = "Unhandled"
		out.errorType = "Runtime.ExitError"
		out.payload = errorDoc("Runtime.ExitError", "RequestId: "+inv.requestID+" Error: "+msg)
		status = "error"
	case runtime.InitError:
		out.functionError = "Unhandled"
		if len(res.Payload) > 0 {
			out.payload = res.Payload
			out.errorType = res.ErrorType
		} else {
			msg := "Runtime exited with error: " + res.ExitStatus
			out.errorType = "Runtime.ExitError"
			out.payload = errorDoc("Runtime.ExitError", "RequestId: "+inv.requestID+" Error: "+msg)
			lines = append(lines, "RequestId: "+inv.requestID+" Error: "+msg, "Runtime.ExitError")
		}
		status = "error"
		if len(res.Payload) > 0 {
			status = "error\tError Type: " + res.ErrorType
		}
	}
	report := s.reportLines(inv.requestID, v, res, status, lines)
	s.emitLogs(in, report)
	out.logTail = tail(report)
	if res.Outcome == runtime.Success || res.Outcome == runtime.FunctionError || res.Outcome == runtime.ResponseTooLarge {
		s.release(in)
	} else {
		in.kill()
	}
	return out
}

// reportLines frames an invocation's output with START, END and REPORT
// (res gives the durations and the peak memory).
func (s *Service) reportLines(requestID string, v *version, res runtime.Result, status string, lines []string) []string {
	out := make([]string, 0, len(lines)+3)
	out = append(out, "START RequestId: "+requestID+" Version: "+v.name)
	out = append(out, lines...)
	out = append(out, "END RequestId: "+requestID)
	ms := float64(res.Duration.Microseconds()) / 1000
	billed := int64(math.Ceil(ms))
	if billed < 1 {
		billed = 1
	}
	r := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		requestID, ms, billed, v.cfg.MemorySize, maxMemoryUsed(res.MaxMemory, v.cfg.MemorySize))
	if res.Init > 0 {
		r += fmt.Sprintf("Init Duration: %.2f ms\t", float64(res.Init.Microseconds())/1000)
	}
	if status != "" {
		r += "Status: " + status
	}
	out = append(out, r)
	return out
}

// maxMemoryUsed is REPORT's Max Memory Used in MB: the instance
// process's peak resident memory (peak bytes, rounded up to whole MiB).
// Memory is not limited, so it may exceed the function's memory size,
// where AWS would have ended the invocation. Where the peak is unknown (no
// /proc, or a process that was exiting and not reaped within
// runtime.exitWaitForPeak) it falls back to a stand-in, min(memory size,
// 32).
func maxMemoryUsed(peak int64, limit int32) int64 {
	if peak <= 0 {
		return int64(min(limit, 32))
	}
	return (peak + 1<<20 - 1) >> 20
}

// tail is the last 4 KB of the log lines, base64-encoded.
func tail(lines []string) string {
	text := strings.Join(lines, "\n") + "\n"
	if len(text) > maxTail {
		text = text[len(text)-maxTail:]
	}
	return base64.StdEncoding.EncodeToString([]byte(text))
}

// errorDoc is a platform error document {"errorType","errorMessage"}.
func errorDoc(errType, msg string) []byte {
	b, _ := json.Marshal(struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}{errType, msg})
	return b
}

// Invoke runs a function synchronously (RequestResponse), queues it
// (Event), or checks access (DryRun).
func (s *Service) Invoke(ctx context.Context, in *api.InvocationRequest) (*api.InvocationResponse, error) {
	endpoint := s.noteEndpoint(ctx)
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	q, aerr = qualifier(q, in.Qualifier)
	if aerr != nil {
		return nil, aerr
	}
	kind := api.InvocationTypeRequestResponse
	if in.InvocationType != nil && *in.InvocationType != "" {
		kind = *in.InvocationType
	}
	limit, op := maxSyncPayload, "Invoke"
	if kind == api.InvocationTypeEvent {
		limit = maxAsyncPayload
	}
	if len(in.Payload) > limit {
		return nil, awserr.New("RequestEntityTooLargeException", 413,
			fmt.Sprintf("Request must be smaller than %d bytes for the %s operation", limit, op)).With("Type", "User")
	}
	f.mu.Lock()
	v, aerr := f.resolve(q, s.random)
	f.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	arn := f.arn()
	if q != "" {
		arn += ":" + q
	}
	switch kind {
	case api.InvocationTypeDryRun:
		return &api.InvocationResponse{StatusCode: i32(204)}, nil
	case api.InvocationTypeEvent:
		rid := s.ids.UUID()
		s.enqueue(f, v, q, asyncEvent{requestID: rid, payload: in.Payload, endpoint: endpoint, arn: arn})
		return &api.InvocationResponse{StatusCode: i32(202)}, nil
	}
	clientContext, payload, aerr := syncRequest(in.ClientContext, in.Payload)
	if aerr != nil {
		return nil, aerr
	}
	release, aerr := s.admit(f, v)
	if aerr != nil {
		return nil, aerr
	}
	rid := s.ids.UUID()
	o := s.run(ctx, v, invocation{requestID: rid, payload: payload, clientContext: clientContext, endpoint: endpoint}, arn)
	release()
	resp := &api.InvocationResponse{StatusCode: i32(200), Payload: o.payload, ExecutedVersion: str(o.version)}
	if o.functionError != "" {
		resp.FunctionError = str(o.functionError)
	}
	if in.LogType != nil && *in.LogType == api.LogTypeTail {
		resp.LogResult = str(o.logTail)
	}
	return resp, nil
}

// random returns a number in [0,1) for weighted alias routing.
func (s *Service) random() float64 {
	h := s.ids.Hex(8)
	n, _ := strconv.ParseUint(h, 16, 64)
	return float64(n) / float64(uint64(1)<<32) / float64(uint64(1)<<32)
}

// syncRequest checks a synchronous invocation's ClientContext (base64 of
// JSON) and payload (JSON; empty means {}) and returns them decoded.
func syncRequest(clientContext *string, payload []byte) (string, []byte, *awserr.Error) {
	var decoded string
	if clientContext != nil {
		b, err := base64.StdEncoding.DecodeString(*clientContext)
		if err != nil {
			return "", nil, invalidParameter("Client context must be a valid Base64-encoded JSON object.")
		}
		decoded = string(b)
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		return "", nil, api.ErrInvalidRequestContentException("Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a JSON value").With("Type", "User")
	}
	return decoded, payload, nil
}

package bench

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// MotoTarget is the target name by which moto_server is measured; workloads
// that moto cannot run on this machine list it in Unsupported.
const MotoTarget = "moto"

// The Lambda workloads invoke an echo function: the Go one is the command
// in ./lambdaecho (aws-lambda-go), built at setup; the Python one is
// pythonEchoSource. Both return the event unchanged and do nothing else.
const (
	lambdaRole        = "arn:aws:iam::000000000000:role/virga-bench"
	lambdaEchoPackage = "github.com/virga-aws/virga/internal/bench/lambdaecho"
	pythonEchoSource  = "def handler(event, context):\n    return event\n"
	// lambdaFunctionTimeout is the functions' Timeout in seconds.
	lambdaFunctionTimeout = 30
	// lambdaWarmRounds bounds the rounds of concurrent invocations that
	// warm a function's instances up in setup.
	lambdaWarmRounds = 5
)

// lambdaNotSupported says why the limit server and moto cannot run the
// Lambda workloads.
var lambdaNotSupported = map[string]string{
	LimitTarget: "the limit server runs no functions: it answers Lambda's REST calls with its fixed S3 XML body",
	MotoTarget: "moto runs functions only in Docker; without a Docker daemon moto_server 5.2.1 creates the function but answers " +
		"every Invoke with 200, FunctionError Handled and the payload \"error running docker: ...\" (and a JSON-string event, " +
		"which these workloads send, makes its Invoke answer 500)",
}

// lambdaEchoPayload is the event every Lambda invocation sends: a JSON
// string of about 100 bytes, which each echo function returns byte for byte
// (aws-lambda-go passes a json.RawMessage through; Python's json.dumps
// writes an ASCII string back as it was).
var lambdaEchoPayload = []byte(`"` + strings.TrimSpace(strings.Repeat("virga-bench echo ", 6)) + `"`)

// errEchoMismatch reports an invocation whose response is not its event.
var errEchoMismatch = errors.New("Invoke returned a payload that is not the event")

// lambdaRuntime is one packaging of the echo function.
type lambdaRuntime struct {
	// name is the word that selects it in lambda-cold's -runtimes.
	name    string
	runtime lambdatypes.Runtime
	handler string
	// pack returns the deployment package (a zip).
	pack func(ctx context.Context) ([]byte, error)
}

// lambdaRuntimes are the echo functions, by name.
var lambdaRuntimes = []lambdaRuntime{
	{name: "go", runtime: lambdatypes.RuntimeProvidedal2023, handler: "bootstrap", pack: goEchoZip},
	{name: "python", runtime: lambdatypes.RuntimePython312, handler: "echo.handler", pack: pythonEchoZip},
}

// lookupLambdaRuntime returns the echo function packaging named name.
func lookupLambdaRuntime(name string) (lambdaRuntime, bool) {
	for _, rt := range lambdaRuntimes {
		if rt.name == name {
			return rt, true
		}
	}
	return lambdaRuntime{}, false
}

// zipEntry is one file of a deployment package.
type zipEntry struct {
	name string
	body []byte
	mode os.FileMode
}

// zipFiles returns a zip of the entries with their Unix modes.
func zipFiles(entries ...zipEntry) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// pythonEchoZip returns the Python echo function's package.
func pythonEchoZip(context.Context) ([]byte, error) {
	return zipFiles(zipEntry{"echo.py", []byte(pythonEchoSource), 0o644})
}

// goEchoBuild caches the Go echo function's package for the process.
var goEchoBuild struct {
	once sync.Once
	zip  []byte
	err  error
}

// goEchoZip returns the Go echo function's package, building it on first
// use.
func goEchoZip(ctx context.Context) ([]byte, error) {
	goEchoBuild.once.Do(func() { goEchoBuild.zip, goEchoBuild.err = buildGoEcho(ctx) })
	return goEchoBuild.zip, goEchoBuild.err
}

// buildGoEcho builds ./lambdaecho as Lambda's provided runtimes expect it:
// GOOS=linux, CGO_ENABLED=0, an executable named bootstrap at the root of
// the zip. It needs a Go toolchain and the Virga source tree: the directory
// of this file when the tool runs from source (go run, go test), else the
// working directory.
func buildGoEcho(ctx context.Context) ([]byte, error) {
	dir, err := os.MkdirTemp("", "virga-bench-lambda-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, lambdaEchoPackage)
	cmd.Dir = sourceDir()
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the Go echo function (virga-bench needs a Go toolchain and the Virga source tree as its working directory): %v: %s",
			err, bytes.TrimSpace(b))
	}
	body, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	return zipFiles(zipEntry{"bootstrap", body, 0o755})
}

// sourceDir returns the directory of this source file when it exists on
// this machine, or "" (the working directory).
func sourceDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	dir := filepath.Dir(file)
	if st, err := os.Stat(filepath.Join(dir, "lambdaecho")); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

// probeLambda makes one cheap Lambda call so that a target without Lambda
// fails before the Go function is built.
func probeLambda(ctx context.Context, client *lambda.Client) error {
	if _, err := client.ListFunctions(ctx, &lambda.ListFunctionsInput{MaxItems: aws.Int32(1)}); err != nil {
		return fmt.Errorf("ListFunctions: %w", err)
	}
	return nil
}

// createEchoFunction creates the echo function name from pkg and waits
// until it is Active; a function that does not get there is deleted.
func createEchoFunction(ctx context.Context, client *lambda.Client, name string, rt lambdaRuntime, pkg []byte) error {
	_, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: &name,
		Runtime:      rt.runtime,
		Handler:      aws.String(rt.handler),
		Role:         aws.String(lambdaRole),
		Code:         &lambdatypes.FunctionCode{ZipFile: pkg},
		Timeout:      aws.Int32(lambdaFunctionTimeout),
	})
	if err != nil {
		return fmt.Errorf("CreateFunction: %w", err)
	}
	waiter := lambda.NewFunctionActiveV2Waiter(client, func(o *lambda.FunctionActiveV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, time.Second
	})
	if err := waiter.Wait(ctx, &lambda.GetFunctionInput{FunctionName: &name}, time.Minute); err != nil {
		_ = deleteFunction(context.WithoutCancel(ctx), client, name)
		return fmt.Errorf("waiting for %s to be Active: %w", name, err)
	}
	return nil
}

// deleteFunction removes a function and, with it, its instances.
func deleteFunction(ctx context.Context, client *lambda.Client, name string) error {
	if _, err := client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: &name}); err != nil {
		return fmt.Errorf("DeleteFunction: %w", err)
	}
	return nil
}

// checkEcho returns an error unless out is a successful echo of
// lambdaEchoPayload. It allocates only when the invocation failed.
func checkEcho(out *lambda.InvokeOutput) error {
	switch {
	case out.FunctionError != nil:
		return fmt.Errorf("Invoke: FunctionError %s: %s", *out.FunctionError, head(out.Payload))
	case out.StatusCode != 200:
		return fmt.Errorf("Invoke: StatusCode %d", out.StatusCode)
	case !bytes.Equal(out.Payload, lambdaEchoPayload):
		return fmt.Errorf("%w: %s", errEchoMismatch, head(out.Payload))
	}
	return nil
}

// head returns the start of a payload for an error message.
func head(b []byte) string {
	if len(b) > 100 {
		return string(b[:100]) + "..."
	}
	return string(b)
}

// invokeEcho invokes name with lambdaEchoPayload and the log tail, checks
// the echo, and returns the REPORT line's figures and the client-side time.
func invokeEcho(ctx context.Context, client *lambda.Client, name string) (lambdaReport, time.Duration, error) {
	start := time.Now()
	out, err := client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName: &name,
		Payload:      lambdaEchoPayload,
		LogType:      lambdatypes.LogTypeTail,
	})
	elapsed := time.Since(start)
	if err != nil {
		return lambdaReport{}, 0, err
	}
	if err := checkEcho(out); err != nil {
		return lambdaReport{}, 0, err
	}
	rep, err := parseLogTail(aws.ToString(out.LogResult))
	return rep, elapsed, err
}

// lambdaReport holds the figures of an invocation's REPORT log line.
type lambdaReport struct {
	// Duration is the invocation's "Duration".
	Duration time.Duration
	// Init is the "Init Duration", present (non-zero) when the invocation
	// started a new instance.
	Init time.Duration
}

// parseLogTail finds the REPORT line in an Invoke's LogResult (the base64
// of the log's last 4 KB) and reads its Duration and Init Duration.
func parseLogTail(logResult string) (lambdaReport, error) {
	text, err := base64.StdEncoding.DecodeString(logResult)
	if err != nil {
		return lambdaReport{}, fmt.Errorf("LogResult is not base64: %w", err)
	}
	var line string
	for l := range strings.SplitSeq(string(text), "\n") {
		if strings.HasPrefix(l, "REPORT RequestId: ") {
			line = l
		}
	}
	if line == "" {
		return lambdaReport{}, fmt.Errorf("no REPORT line in the log tail %q", head(text))
	}
	var rep lambdaReport
	for field := range strings.SplitSeq(line, "\t") {
		name, value, ok := strings.Cut(field, ": ")
		if !ok || (name != "Duration" && name != "Init Duration") {
			continue
		}
		ms, err := strconv.ParseFloat(strings.TrimSuffix(value, " ms"), 64)
		if err != nil || !strings.HasSuffix(value, " ms") {
			return lambdaReport{}, fmt.Errorf("REPORT field %q is not a duration in ms", field)
		}
		d := time.Duration(ms * float64(time.Millisecond))
		if name == "Duration" {
			rep.Duration = d
		} else {
			rep.Init = d
		}
	}
	return rep, nil
}

// warmInstances invokes name from n goroutines at once, round after round,
// until a round starts no new instance (at most lambdaWarmRounds rounds):
// the first round starts up to n instances, so that a cell with n workers
// finds them warm.
func warmInstances(ctx context.Context, client *lambda.Client, name string, n int) error {
	for range lambdaWarmRounds {
		errs := make([]error, n)
		cold := make([]bool, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				rep, _, err := invokeEcho(ctx, client, name)
				errs[i], cold[i] = err, rep.Init > 0
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("warming up %s: %w", name, err)
		}
		started := 0
		for _, c := range cold {
			if c {
				started++
			}
		}
		if started == 0 {
			return nil
		}
	}
	return nil
}

// lambdaInvoke is the Setup of lambda-invoke-go and lambda-invoke-python:
// it creates the echo function of rt with default (unreserved)
// concurrency, warms up as many instances as the largest cell has workers,
// and every iteration is one RequestResponse Invoke whose response must be
// the event.
func lambdaInvoke(rtName string) func(ctx context.Context, env Env) (*Prepared, error) {
	return func(ctx context.Context, env Env) (*Prepared, error) {
		rt, ok := lookupLambdaRuntime(rtName)
		if !ok {
			return nil, fmt.Errorf("no echo function for runtime %q", rtName)
		}
		client := lambda.NewFromConfig(env.Config)
		if err := probeLambda(ctx, client); err != nil {
			return nil, err
		}
		pkg, err := rt.pack(ctx)
		if err != nil {
			return nil, err
		}
		name := "vb-" + env.RunID
		if err := createEchoFunction(ctx, client, name, rt, pkg); err != nil {
			return nil, err
		}
		teardown := func(ctx context.Context) error { return deleteFunction(ctx, client, name) }
		if err := warmInstances(ctx, client, name, env.MaxWorkers); err != nil {
			_ = teardown(context.WithoutCancel(ctx))
			return nil, err
		}
		return &Prepared{
			NewIteration: func(int) Iteration {
				in := &lambda.InvokeInput{FunctionName: &name, Payload: lambdaEchoPayload}
				return func(ctx context.Context) error {
					out, err := client.Invoke(ctx, in)
					if err != nil {
						return err
					}
					return checkEcho(out)
				}
			},
			Teardown: teardown,
		}, nil
	}
}

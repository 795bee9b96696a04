package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/virga-aws/virga/internal/server"
)

func logTail(t *testing.T, out *awslambda.InvokeOutput) string {
	t.Helper()
	if out.LogResult == nil {
		t.Fatal("no LogResult")
	}
	b, err := base64.StdEncoding.DecodeString(*out.LogResult)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestInvokeGo(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	ctx := context.Background()
	e.create(t, "gofn", "provided.al2023", "bootstrap", goZip(t), func(in *awslambda.CreateFunctionInput) {
		in.Timeout = aws.Int32(1)
		in.Environment = &types.Environment{Variables: map[string]string{"GREETING": "hi"}}
	})

	out := e.invoke(t, "gofn", `{"action":"print","text":"abc"}`)
	if out.StatusCode != 200 || string(out.Payload) != `"printed"` || out.FunctionError != nil || *out.ExecutedVersion != "$LATEST" {
		t.Fatalf("invoke %d %s %v", out.StatusCode, out.Payload, out.FunctionError)
	}
	tail := logTail(t, out)
	if !strings.HasPrefix(tail, "START RequestId: ") || !strings.Contains(tail, "hello from go: abc\n") ||
		!strings.Contains(tail, "END RequestId: ") || !strings.Contains(tail, "Init Duration: ") || !strings.Contains(tail, "Billed Duration: ") {
		t.Fatalf("tail %q", tail)
	}

	out = e.invoke(t, "gofn", `{"action":"env"}`)
	var env map[string]string
	if err := json.Unmarshal(out.Payload, &env); err != nil {
		t.Fatalf("%s: %v", out.Payload, err)
	}
	for k, want := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME": "gofn", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/gofn", "_HANDLER": "bootstrap", "AWS_REGION": "us-east-1",
		"AWS_DEFAULT_REGION": "us-east-1", "TZ": ":UTC", "GREETING": "hi", "AWS_ENDPOINT_URL": e.srv.URL(),
		"functionArn": "arn:aws:lambda:us-east-1:000000000000:function:gofn",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	if !strings.HasPrefix(env["AWS_ACCESS_KEY_ID"], "ASIA") || env["AWS_SESSION_TOKEN"] == "" || env["LAMBDA_TASK_ROOT"] == "" ||
		!strings.Contains(env["AWS_LAMBDA_LOG_STREAM_NAME"], "/[$LATEST]") || env["AWS_LAMBDA_RUNTIME_API"] == "" {
		t.Errorf("environment %v", env)
	}
	if tl := logTail(t, out); strings.Contains(tl, "Init Duration") {
		t.Errorf("warm invoke reported init: %q", tl)
	}
	// The role's session credentials resolve to the role.
	if s, ok := e.svc.identity.Session(env["AWS_ACCESS_KEY_ID"]); !ok || s.Caller.ARN != "arn:aws:sts::000000000000:assumed-role/lambda-role/gofn" {
		t.Errorf("session %+v %v", s, ok)
	}
	// Warm reuse: the same process serves the next call.
	out = e.invoke(t, "gofn", `{"action":"env"}`)
	var env2 map[string]string
	json.Unmarshal(out.Payload, &env2)
	if env2["pid"] != env["pid"] {
		t.Errorf("warm invoke ran in pid %s, want %s", env2["pid"], env["pid"])
	}

	out = e.invoke(t, "gofn", `{"action":"error","text":"x"}`)
	if out.FunctionError == nil || *out.FunctionError != "Unhandled" {
		t.Fatalf("function error %v", out.FunctionError)
	}
	var doc map[string]any
	json.Unmarshal(out.Payload, &doc)
	if doc["errorMessage"] != "boom: x" || doc["errorType"] != "errorString" {
		t.Fatalf("error payload %s", out.Payload)
	}

	out = e.invoke(t, "gofn", `{"action":"sleep","ms":3000}`)
	if out.FunctionError == nil || *out.FunctionError != "Unhandled" {
		t.Fatalf("timeout: %v %s", out.FunctionError, out.Payload)
	}
	json.Unmarshal(out.Payload, &doc)
	if doc["errorType"] != "Sandbox.Timedout" || !strings.HasSuffix(doc["errorMessage"].(string), "Error: Task timed out after 1.00 seconds") {
		t.Fatalf("timeout payload %s", out.Payload)
	}
	if tl := logTail(t, out); !strings.Contains(tl, "Task timed out after 1.00 seconds") || !strings.Contains(tl, "Status: timeout") {
		t.Fatalf("timeout tail %q", tl)
	}
	// The timed-out process is gone; the next call cold-starts.
	if err := syscall.Kill(atoi(env["pid"]), 0); err == nil {
		t.Errorf("timed-out instance %s still alive", env["pid"])
	}
	out = e.invoke(t, "gofn", `{"action":"echo","text":"again"}`)
	if !strings.Contains(string(out.Payload), `"again"`) || !strings.Contains(logTail(t, out), "Init Duration") {
		t.Fatalf("after timeout %s", out.Payload)
	}

	out = e.invoke(t, "gofn", `{"action":"exit"}`)
	json.Unmarshal(out.Payload, &doc)
	if doc["errorType"] != "Runtime.ExitError" || !strings.Contains(doc["errorMessage"].(string), "Runtime exited with error: exit status 3") {
		t.Fatalf("exit payload %s", out.Payload)
	}

	out = e.invoke(t, "gofn", `{"action":"big","size":7000000}`)
	json.Unmarshal(out.Payload, &doc)
	if out.FunctionError == nil || doc["errorType"] != "Function.ResponseSizeTooLarge" {
		t.Fatalf("big response %v %.200s", out.FunctionError, out.Payload)
	}

	_, err := e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`"` + strings.Repeat("x", 6*1024*1024) + `"`)})
	ae := apiError(t, err, "RequestEntityTooLargeException")
	if ae.ErrorMessage() != "Request must be smaller than 6291456 bytes for the Invoke operation" {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	dry, err := e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("gofn"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || dry.StatusCode != 204 {
		t.Fatalf("dry run %v %v", dry, err)
	}
	if _, err := e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("gofn"), Qualifier: aws.String("$LATEST"), Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("gofn"), Qualifier: aws.String("7")})
	apiError(t, err, "ResourceNotFoundException")
	_, err = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("nope")})
	apiError(t, err, "ResourceNotFoundException")
	_, err = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte("not json")})
	apiError(t, err, "InvalidRequestContentException")
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestInvokeBash(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	e := start(t, server.Options{}, Options{})
	script := `#!/bin/bash
set -euo pipefail
echo "init from bash"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "handling $REQUEST_ID"
  if [ "$EVENT" = '"fail"' ]; then
    curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/error" -H "Lambda-Runtime-Function-Error-Type: Bash.Fail" -d '{"errorMessage":"asked to fail","errorType":"Bash.Fail"}' >/dev/null
  else
    curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" -d "{\"got\":$EVENT,\"fn\":\"$AWS_LAMBDA_FUNCTION_NAME\"}" >/dev/null
  fi
done
`
	e.create(t, "bashfn", "provided.al2", "handler.run", makeZip(t, file{name: "bootstrap", body: []byte(script), exec: true}))
	out := e.invoke(t, "bashfn", `{"k":1}`)
	if string(out.Payload) != `{"got":{"k":1},"fn":"bashfn"}` || out.FunctionError != nil {
		t.Fatalf("payload %s", out.Payload)
	}
	if tl := logTail(t, out); !strings.Contains(tl, "handling ") {
		t.Fatalf("tail %q", tl)
	}
	out = e.invoke(t, "bashfn", `"fail"`)
	if out.FunctionError == nil || string(out.Payload) != `{"errorMessage":"asked to fail","errorType":"Bash.Fail"}` {
		t.Fatalf("fail %v %s", out.FunctionError, out.Payload)
	}
}

func TestInvokeMissingBootstrapAndRuntime(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	e.create(t, "nobootstrap", "provided.al2023", "x", makeZip(t, file{name: "readme.txt", body: []byte("x")}))
	out := e.invoke(t, "nobootstrap", `{}`)
	var doc map[string]string
	json.Unmarshal(out.Payload, &doc)
	if out.FunctionError == nil || doc["errorType"] != "Runtime.InvalidEntrypoint" || !strings.Contains(doc["errorMessage"], "Couldn't find valid bootstrap(s)") {
		t.Fatalf("%v %s", out.FunctionError, out.Payload)
	}
	e.create(t, "javafn", "java21", "example.Handler::handleRequest", makeZip(t, file{name: "a.class", body: []byte("x")}))
	out = e.invoke(t, "javafn", `{}`)
	json.Unmarshal(out.Payload, &doc)
	if out.FunctionError == nil || doc["errorType"] != "Runtime.Unavailable" || !strings.Contains(doc["errorMessage"], "java21") {
		t.Fatalf("%v %s", out.FunctionError, out.Payload)
	}
}

func TestInvokePython(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	e := start(t, server.Options{}, Options{})
	src := `import os
print("cold start")
def handler(event, context):
    print("event", event)
    if event.get("fail"):
        raise ValueError("bad value")
    return {"echo": event, "fn": context.function_name, "rid": context.aws_request_id,
            "left": context.get_remaining_time_in_millis() > 0, "region": os.environ["AWS_REGION"]}
`
	e.create(t, "pyfn", "python3.12", "pkg/app.handler", makeZip(t, file{name: "pkg/app.py", body: []byte(src)}))
	out := e.invoke(t, "pyfn", `{"a":1}`)
	var got map[string]any
	if err := json.Unmarshal(out.Payload, &got); err != nil || got["fn"] != "pyfn" || got["left"] != true || got["region"] != "us-east-1" {
		t.Fatalf("payload %s %v", out.Payload, out.FunctionError)
	}
	if tl := logTail(t, out); !strings.Contains(tl, "event {'a': 1}") {
		t.Fatalf("tail %q", tl)
	}
	out = e.invoke(t, "pyfn", `{"fail":true}`)
	var doc map[string]any
	json.Unmarshal(out.Payload, &doc)
	if out.FunctionError == nil || doc["errorType"] != "ValueError" || doc["errorMessage"] != "bad value" || len(doc["stackTrace"].([]any)) == 0 {
		t.Fatalf("error %s", out.Payload)
	}
	e.create(t, "pybad", "python3.11", "missing.handler", makeZip(t, file{name: "app.py", body: []byte("x=1\n")}))
	out = e.invoke(t, "pybad", `{}`)
	json.Unmarshal(out.Payload, &doc)
	if out.FunctionError == nil || doc["errorType"] != "Runtime.ImportModuleError" || !strings.HasPrefix(doc["errorMessage"].(string), "Unable to import module 'missing'") {
		t.Fatalf("init error %s", out.Payload)
	}
}

func TestInvokeNode(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	e := start(t, server.Options{}, Options{})
	cjs := `exports.handler = async (event, context) => {
  console.log("got", JSON.stringify(event));
  if (event.fail) throw new TypeError("nope");
  return { echo: event, fn: context.functionName, left: context.getRemainingTimeInMillis() > 0 };
};`
	e.create(t, "nodefn", "nodejs20.x", "index.handler", makeZip(t, file{name: "index.js", body: []byte(cjs)}))
	out := e.invoke(t, "nodefn", `{"b":2}`)
	var got map[string]any
	if err := json.Unmarshal(out.Payload, &got); err != nil || got["fn"] != "nodefn" || got["left"] != true {
		t.Fatalf("payload %s %v", out.Payload, out.FunctionError)
	}
	if tl := logTail(t, out); !strings.Contains(tl, "\tINFO\tgot {\"b\":2}") {
		t.Fatalf("tail %q", tl)
	}
	out = e.invoke(t, "nodefn", `{"fail":true}`)
	var doc map[string]any
	json.Unmarshal(out.Payload, &doc)
	if out.FunctionError == nil || doc["errorType"] != "TypeError" || doc["errorMessage"] != "nope" {
		t.Fatalf("error %s", out.Payload)
	}
	esm := `export const handler = async (event) => ({ esm: true, n: event.n });`
	e.create(t, "esmfn", "nodejs22.x", "app.handler", makeZip(t, file{name: "app.mjs", body: []byte(esm)}))
	out = e.invoke(t, "esmfn", `{"n":5}`)
	if string(out.Payload) != `{"esm":true,"n":5}` {
		t.Fatalf("esm %s %v", out.Payload, out.FunctionError)
	}
}

func TestConcurrency(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	ctx := context.Background()
	e.create(t, "conc", "provided.al2023", "bootstrap", goZip(t))
	_, err := e.client.PutFunctionConcurrency(ctx, &awslambda.PutFunctionConcurrencyInput{FunctionName: aws.String("conc"), ReservedConcurrentExecutions: aws.Int32(901)})
	ae := apiError(t, err, "InvalidParameterValueException")
	if !strings.Contains(ae.ErrorMessage(), "decreases account's UnreservedConcurrentExecution below its minimum value of [100]") {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	if _, err := e.client.PutFunctionConcurrency(ctx, &awslambda.PutFunctionConcurrencyInput{FunctionName: aws.String("conc"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("conc")})
	ae = apiError(t, err, "TooManyRequestsException")
	var tm *types.TooManyRequestsException
	if !errorsAs(err, &tm) || tm.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded || ae.ErrorMessage() != "Rate Exceeded." {
		t.Fatalf("throttle %v", err)
	}
	if _, err := e.client.PutFunctionConcurrency(ctx, &awslambda.PutFunctionConcurrencyInput{FunctionName: aws.String("conc"), ReservedConcurrentExecutions: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	gc, err := e.client.GetFunctionConcurrency(ctx, &awslambda.GetFunctionConcurrencyInput{FunctionName: aws.String("conc")})
	if err != nil || *gc.ReservedConcurrentExecutions != 1 {
		t.Fatalf("%v %v", gc, err)
	}
	// Two at once with a reservation of one: one runs, one is throttled.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("conc"), Payload: []byte(`{"action":"sleep","ms":400}`)})
		}()
	}
	wg.Wait()
	throttled := 0
	for _, err := range errs {
		if err != nil {
			apiError(t, err, "TooManyRequestsException")
			throttled++
		}
	}
	if throttled != 1 {
		t.Fatalf("throttled %d of 2: %v", throttled, errs)
	}
	acct, err := e.client.GetAccountSettings(ctx, &awslambda.GetAccountSettingsInput{})
	if err != nil || *acct.AccountLimit.UnreservedConcurrentExecutions != 999 {
		t.Fatalf("%v %v", acct, err)
	}
}

package lambda

import (
	"context"
	"encoding/json"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/service"
	"github.com/virga-aws/virga/internal/services/logs"
)

// startWithLogs runs Lambda with CloudWatch Logs and returns a Logs client.
func startWithLogs(t *testing.T) (*env, *cloudwatchlogs.Client) {
	t.Helper()
	var store *logs.Store
	logsCtor := func(d service.Deps) (*service.Service, error) {
		svc, st, err := logs.NewWithStore(d)
		store = st
		return svc, err
	}
	e := start(t, server.Options{}, Options{Logs: lazySink{&store}}, logsCtor)
	return e, cloudwatchlogs.NewFromConfig(e.cfg)
}

// logEvents returns the messages of a function's log group, oldest first.
func logEvents(t *testing.T, cw *cloudwatchlogs.Client, function string) []string {
	t.Helper()
	var msgs []string
	p := cloudwatchlogs.NewFilterLogEventsPaginator(cw, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/" + function)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range out.Events {
			msgs = append(msgs, *ev.Message)
		}
	}
	return msgs
}

// invocationEvents returns the events from the START of requestID to its
// REPORT.
func invocationEvents(t *testing.T, events []string, requestID string) []string {
	t.Helper()
	for i, m := range events {
		if m != "START RequestId: "+requestID+" Version: $LATEST" {
			continue
		}
		for j := i; j < len(events); j++ {
			if strings.HasPrefix(events[j], "REPORT RequestId: "+requestID) {
				return events[i : j+1]
			}
		}
	}
	t.Fatalf("no invocation %s in %q", requestID, events)
	return nil
}

const pyErrorHandler = `import logging
print("cold start")
def inner():
    raise ValueError("boom")
def handler(event, context):
    print("one\ntwo")
    logging.getLogger().warning("multi\nline")
    inner()
`

// TestPythonErrorLog checks what AWS's python runtime writes for an
// unhandled error: a stackTrace of the function's frames only, and one log
// event "[ERROR] Type: message" with the traceback (no-break space
// indents), while print() gives an event per line and a logging record is
// one event.
func TestPythonErrorLog(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	e, cw := startWithLogs(t)
	e.create(t, "pyerr", "python3.12", "app.handler", makeZip(t, file{name: "app.py", body: []byte(pyErrorHandler)}))
	out := e.invoke(t, "pyerr", `{}`)
	var doc struct {
		ErrorMessage string   `json:"errorMessage"`
		ErrorType    string   `json:"errorType"`
		RequestID    string   `json:"requestId"`
		StackTrace   []string `json:"stackTrace"`
	}
	if err := json.Unmarshal(out.Payload, &doc); err != nil || out.FunctionError == nil {
		t.Fatalf("payload %s %v", out.Payload, err)
	}
	if doc.ErrorType != "ValueError" || doc.ErrorMessage != "boom" || len(doc.StackTrace) != 2 {
		t.Fatalf("error document %+v", doc)
	}
	frame := regexp.MustCompile(`^  File "(/[^"]+)/app\.py", line (\d+), in (\w+)\n    (.*)\n$`)
	wantFrames := [][2]string{{"8", "handler\x00inner()"}, {"4", "inner\x00raise ValueError(\"boom\")"}}
	var taskRoot string
	for i, f := range doc.StackTrace {
		m := frame.FindStringSubmatch(f)
		if m == nil || m[2] != wantFrames[i][0] || m[3]+"\x00"+m[4] != wantFrames[i][1] {
			t.Fatalf("stackTrace[%d] = %q", i, f)
		}
		taskRoot = m[1]
	}

	want := "[ERROR] ValueError: boom\nTraceback (most recent call last):\n" +
		"\u00a0\u00a0File \"" + taskRoot + "/app.py\", line 8, in handler\n\u00a0\u00a0\u00a0\u00a0inner()\n" +
		"\u00a0\u00a0File \"" + taskRoot + "/app.py\", line 4, in inner\n\u00a0\u00a0\u00a0\u00a0raise ValueError(\"boom\")"
	if tl := logTail(t, out); !strings.Contains(tl, "\ntwo\n") || !strings.Contains(tl, "\n"+want+"\nEND RequestId: ") {
		t.Fatalf("tail %q\nwant the record %q", tl, want)
	}
	var events []string
	for _, ev := range invocationEvents(t, logEvents(t, cw, "pyerr"), doc.RequestID) {
		if ev != "cold start" { // Virga logs the init phase in the first invocation
			events = append(events, ev)
		}
	}
	warning := regexp.MustCompile(`^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t` + doc.RequestID + "\tmulti\nline$")
	if len(events) != 7 || events[1] != "one" || events[2] != "two" || !warning.MatchString(events[3]) || events[4] != want ||
		events[5] != "END RequestId: "+doc.RequestID {
		t.Fatalf("log events %q", events)
	}

	// An import error is one event too, with the traceback header and no
	// frames, after the runtime's warning, as on AWS.
	e.create(t, "pymissing", "python3.12", "missing.handler", makeZip(t, file{name: "app.py", body: []byte("x = 1\n")}))
	out = e.invoke(t, "pymissing", `{}`)
	if out.FunctionError == nil {
		t.Fatalf("payload %s", out.Payload)
	}
	events = logEvents(t, cw, "pymissing")
	wantErr := "[ERROR] Runtime.ImportModuleError: Unable to import module 'missing': No module named 'missing'\nTraceback (most recent call last):"
	found := false
	for i, ev := range events {
		if ev == wantErr {
			found = i > 0 && strings.HasPrefix(events[i-1], "[WARNING]\t") && strings.HasSuffix(events[i-1], "\t\tLAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html")
		}
	}
	if !found {
		t.Fatalf("log events %q", events)
	}
}

const nodeErrorHandler = `exports.handler = async (event) => {
  process.stdout.write("out1\nout2\n");
  console.log("multi\nline", { n: 1 });
  const e = new TypeError("nope");
  e.extra = "kept";
  throw e;
};`

// TestNodeErrorLog checks AWS's node runtime logging: each console call is
// one event (newlines included), stdout lines are one event each, and an
// unhandled error is one "Invoke Error" event with the error as JSON (its
// stack as a list of lines).
func TestNodeErrorLog(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	e, cw := startWithLogs(t)
	e.create(t, "nodeerr", "nodejs20.x", "index.handler", makeZip(t, file{name: "index.js", body: []byte(nodeErrorHandler)}))
	out := e.invoke(t, "nodeerr", `{}`)
	var doc struct {
		ErrorType    string   `json:"errorType"`
		ErrorMessage string   `json:"errorMessage"`
		Trace        []string `json:"trace"`
	}
	if err := json.Unmarshal(out.Payload, &doc); err != nil || doc.ErrorType != "TypeError" || doc.ErrorMessage != "nope" ||
		len(doc.Trace) < 2 || doc.Trace[0] != "TypeError: nope" {
		t.Fatalf("payload %s %v", out.Payload, err)
	}
	var rid string
	for _, m := range logEvents(t, cw, "nodeerr") {
		if r, ok := strings.CutPrefix(m, "START RequestId: "); ok {
			rid = strings.TrimSuffix(r, " Version: $LATEST")
		}
	}
	events := invocationEvents(t, logEvents(t, cw, "nodeerr"), rid)
	record := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t` + rid + `\t(INFO|ERROR)\t((?s).*)$`)
	if len(events) != 7 || events[1] != "out1" || events[2] != "out2" {
		t.Fatalf("log events %q", events)
	}
	if m := record.FindStringSubmatch(events[3]); m == nil || m[1] != "INFO" || m[2] != "multi\nline { n: 1 }" {
		t.Fatalf("console.log event %q", events[3])
	}
	m := record.FindStringSubmatch(events[4])
	if m == nil || m[1] != "ERROR" || !strings.HasPrefix(m[2], "Invoke Error \t{") {
		t.Fatalf("error event %q", events[4])
	}
	var logged struct {
		ErrorType    string   `json:"errorType"`
		ErrorMessage string   `json:"errorMessage"`
		Extra        string   `json:"extra"`
		Stack        []string `json:"stack"`
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(m[2], "Invoke Error \t")), &logged); err != nil ||
		logged.ErrorType != "TypeError" || logged.ErrorMessage != "nope" || logged.Extra != "kept" || len(logged.Stack) < 2 || logged.Stack[0] != "TypeError: nope" {
		t.Fatalf("logged error %q: %v", m[2], err)
	}
}

var maxMemoryPattern = regexp.MustCompile(`\tMemory Size: 128 MB\tMax Memory Used: (\d+) MB\t`)

// memoryUsed returns REPORT's Max Memory Used from an invocation's tail.
func memoryUsed(t *testing.T, out *awslambda.InvokeOutput) int {
	t.Helper()
	tl := logTail(t, out)
	m := maxMemoryPattern.FindStringSubmatch(tl)
	if m == nil {
		t.Fatalf("no Max Memory Used in %q", tl)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestMaxMemoryUsed checks that REPORT's Max Memory Used is the instance
// process's peak memory: positive, growing when the function allocates,
// and never falling on the same instance; a 64 MB response, refused as too
// large, counts too, although the runtime client exits right after it.
func TestMaxMemoryUsed(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	e.create(t, "mem", "provided.al2023", "bootstrap", goZip(t))
	small := memoryUsed(t, e.invoke(t, "mem", `{"text":"x"}`))
	if small < 1 || small > 128 {
		t.Fatalf("Max Memory Used %d MB for an idle Go function", small)
	}
	filled := memoryUsed(t, e.invoke(t, "mem", `{"action":"fill","size":67108864}`))
	if filled < 64 || filled <= small {
		t.Fatalf("Max Memory Used %d MB after filling 64 MB (was %d MB)", filled, small)
	}
	// The peak stays the peak.
	if again := memoryUsed(t, e.invoke(t, "mem", `{"text":"x"}`)); again < filled {
		t.Fatalf("Max Memory Used fell from %d to %d MB", filled, again)
	}
	bigOut := e.invoke(t, "mem", `{"action":"big","size":67108864}`)
	if big := memoryUsed(t, bigOut); big < 64 {
		t.Fatalf("Max Memory Used %d MB after building a 64 MB response; status %d, function error %q, payload %.200q, log tail %q",
			big, bigOut.StatusCode, aws.ToString(bigOut.FunctionError), bigOut.Payload, logTail(t, bigOut))
	}
	// aws-lambda-go exits when its response is refused. The next event goes
	// to a new execution environment, as in Lambda, whether or not the old
	// process had ended by the time it was dispatched.
	next := e.invoke(t, "mem", `{"text":"after"}`)
	if next.FunctionError != nil || !strings.Contains(string(next.Payload), "after") {
		t.Fatalf("invoke after the runtime exited: error %q, payload %q, log tail %q", aws.ToString(next.FunctionError), next.Payload, logTail(t, next))
	}
	// A process that exits during the invocation has released its memory
	// before it is measured; its peak comes from its exit status.
	e.create(t, "memexit", "provided.al2023", "bootstrap", goZip(t))
	exitOut := e.invoke(t, "memexit", `{"action":"exit","size":67108864}`)
	if aws.ToString(exitOut.FunctionError) == "" {
		t.Fatalf("the exiting function reported no error: %q", exitOut.Payload)
	}
	if used := memoryUsed(t, exitOut); used < 64 {
		t.Fatalf("Max Memory Used %d MB for a process that filled 64 MB and exited; log tail %q", used, logTail(t, exitOut))
	}
}

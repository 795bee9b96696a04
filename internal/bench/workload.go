package bench

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Iteration performs one measured unit of work and reports whether it
// failed. It is called by one worker at a time and must not allocate beyond
// what the SDK call itself allocates.
type Iteration func(ctx context.Context) error

// Env is what a workload's Setup gets for one target.
type Env struct {
	// Target is the endpoint under measurement.
	Target Target
	// Config is the SDK configuration shared by every client of this target
	// and workload (see NewAWSConfig).
	Config aws.Config
	// MaxWorkers is the largest number of workers that will run at once;
	// worker ids are 0 to MaxWorkers-1.
	MaxWorkers int
	// RunID is unique per run and workload, lower-case letters, digits and
	// dashes, usable in bucket and queue names.
	RunID string
}

// Prepared is a workload set up on one target.
type Prepared struct {
	// NewIteration returns the iteration for worker id, with its inputs
	// built once so that running it allocates nothing of the harness's own.
	NewIteration func(worker int) Iteration
	// Teardown removes what Setup and the iterations created; nil means
	// nothing to remove. Its errors are reported, not fatal.
	Teardown func(ctx context.Context) error
}

// Workload is one named measurement. Adding a workload means writing its
// Setup and adding one line to the workloads table.
type Workload struct {
	// Name is the fixed name used by -workloads and in results.
	Name string
	// Note explains what one iteration is when it is not a single call.
	Note string
	// Unsupported maps target names that cannot run this workload (such as
	// LimitTarget) to the reason; their cells read n/a.
	Unsupported map[string]string
	// Setup creates the resources the workload needs on env.Target and
	// returns the iterations. An error marks the target's cells failed.
	Setup func(ctx context.Context, env Env) (*Prepared, error)
}

// workloads is the table of every workload, in the order "all" runs them.
var workloads = []Workload{
	{Name: "s3-put-4k", Setup: s3Put(4 << 10)},
	{Name: "s3-get-4k", Setup: s3Get(4 << 10)},
	{Name: "s3-put-1m", Setup: s3Put(1 << 20)},
	{Name: "s3-get-1m", Setup: s3Get(1 << 20)},
	{Name: "sqs-send", Setup: sqsSend},
	{
		Name:        "sqs-send-recv-del",
		Note:        "one op = SendMessage + ReceiveMessage + DeleteMessage",
		Unsupported: map[string]string{LimitTarget: "the limit server stores no messages"},
		Setup:       sqsSendReceiveDelete,
	},
	{Name: "ddb-put", Note: "one ~300-byte item", Setup: ddbPut},
	{Name: "ddb-get", Note: "one ~300-byte item by its full key", Setup: ddbGet},
	{Name: "ddb-query", Note: "one op = a Query returning a whole partition of 100 ~300-byte items", Setup: ddbQuery},
	{
		Name: "lambda-invoke-go",
		Note: "one op = a RequestResponse Invoke, with a ~100-byte event, of a warm echo function built with aws-lambda-go " +
			"(provided.al2023; setup starts one instance per worker); the function does no work, so the latency is the " +
			"overhead of the endpoint (routing, dispatch to an instance, the Runtime API exchange) plus the function's " +
			"runtime client plus the SDK client's HTTP round trip",
		Unsupported: lambdaNotSupported,
		Setup:       lambdaInvoke("go"),
	},
	{
		Name:        "lambda-invoke-python",
		Note:        "as lambda-invoke-go with a Python echo handler (python3.12, run by the endpoint's Python runtime client)",
		Unsupported: lambdaNotSupported,
		Setup:       lambdaInvoke("python"),
	},
}

// Workloads returns every workload in table order.
func Workloads() []Workload {
	return append([]Workload(nil), workloads...)
}

// WorkloadNames returns the names of every workload in table order.
func WorkloadNames() []string {
	names := make([]string, len(workloads))
	for i, w := range workloads {
		names[i] = w.Name
	}
	return names
}

// LookupWorkload returns the workload with the given name.
func LookupWorkload(name string) (Workload, bool) {
	for _, w := range workloads {
		if w.Name == name {
			return w, true
		}
	}
	return Workload{}, false
}

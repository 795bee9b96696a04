package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// LambdaColdOptions are the parsed flags of the lambda-cold command.
type LambdaColdOptions struct {
	// URL is the endpoint whose Lambda is measured.
	URL string
	// N is the number of functions created, each invoked cold once, per
	// runtime.
	N int
	// Runtimes names the echo functions measured: "go", "python".
	Runtimes []string
	// Out names a file to write the Markdown results to; empty means none.
	Out string
}

// ParseLambdaColdArgs parses the flags of the lambda-cold command: -url, -n,
// -runtimes and -out.
func ParseLambdaColdArgs(args []string, output io.Writer) (LambdaColdOptions, error) {
	fs := flag.NewFlagSet("virga-bench lambda-cold", flag.ContinueOnError)
	fs.SetOutput(output)
	var o LambdaColdOptions
	fs.StringVar(&o.URL, "url", "", "endpoint to measure, e.g. http://127.0.0.1:4566")
	fs.IntVar(&o.N, "n", 20, "functions created (and cold-started once each) per runtime")
	runtimes := fs.String("runtimes", "go", "comma list of echo functions to measure: go (aws-lambda-go on provided.al2023), python (python3.12)")
	fs.StringVar(&o.Out, "out", "", "also write the Markdown results to this file")
	if err := fs.Parse(args); err != nil {
		return LambdaColdOptions{}, err
	}
	if fs.NArg() > 0 {
		return LambdaColdOptions{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.URL == "" {
		return LambdaColdOptions{}, errors.New("-url is required, e.g. -url http://127.0.0.1:4566")
	}
	if u, err := url.Parse(o.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return LambdaColdOptions{}, fmt.Errorf("-url %q must be http://host:port or https://host:port", o.URL)
	}
	o.URL = strings.TrimRight(o.URL, "/")
	if o.N < 1 {
		return LambdaColdOptions{}, errors.New("-n must be at least 1")
	}
	for name := range strings.SplitSeq(*runtimes, ",") {
		name = strings.TrimSpace(name)
		if _, ok := lookupLambdaRuntime(name); !ok {
			return LambdaColdOptions{}, fmt.Errorf("-runtimes: unknown runtime %q; want go or python", name)
		}
		if !slices.Contains(o.Runtimes, name) {
			o.Runtimes = append(o.Runtimes, name)
		}
	}
	return o, nil
}

// LambdaColdResult is what lambda-cold measured for one runtime, one entry
// per function, in creation order.
type LambdaColdResult struct {
	Runtime string
	// Cold holds the client-side time of each function's first Invoke,
	// from the call to its response: a new instance is started for it.
	Cold []time.Duration
	// Init holds the Init Duration of each first invocation's REPORT log
	// line (Virga: from starting the process to the runtime's first request
	// for an event).
	Init []time.Duration
	// Warm holds the client-side time of each function's second Invoke,
	// which reuses the instance.
	Warm []time.Duration
}

// LambdaColdReport is the outcome of the lambda-cold command.
type LambdaColdReport struct {
	Options LambdaColdOptions
	// Command is the command line that produced the report.
	Command string
	Results []LambdaColdResult
}

// LambdaCold measures cold starts: for each runtime it creates o.N echo
// functions one after another, and for each invokes it twice with the log
// tail (the first Invoke starts an instance, the second reuses it), then
// deletes it. Progress lines are written to progress.
func LambdaCold(ctx context.Context, o LambdaColdOptions, progress io.Writer) (LambdaColdReport, error) {
	rep := LambdaColdReport{Options: o}
	httpClient := NewHTTPClient(1)
	defer httpClient.CloseIdleConnections()
	client := lambda.NewFromConfig(NewAWSConfig(o.URL, httpClient))
	if err := probeLambda(ctx, client); err != nil {
		return rep, err
	}
	runID := strconv.FormatInt(time.Now().UnixMilli(), 36)
	for _, name := range o.Runtimes {
		rt, _ := lookupLambdaRuntime(name)
		pkg, err := rt.pack(ctx)
		if err != nil {
			return rep, err
		}
		res := LambdaColdResult{Runtime: name}
		for i := range o.N {
			fn := fmt.Sprintf("vb-cold-%s-%s-%03d", name, runID, i)
			if err := createEchoFunction(ctx, client, fn, rt, pkg); err != nil {
				return rep, err
			}
			cold, coldTime, err := invokeEcho(ctx, client, fn)
			var warm lambdaReport
			var warmTime time.Duration
			if err == nil {
				warm, warmTime, err = invokeEcho(ctx, client, fn)
			}
			switch {
			case err != nil:
			case cold.Init <= 0:
				err = fmt.Errorf("%s: the first Invoke's REPORT line has no Init Duration", fn)
			case warm.Init > 0:
				err = fmt.Errorf("%s: the second Invoke started a new instance (Init Duration %s)", fn, warm.Init)
			}
			if derr := deleteFunction(context.WithoutCancel(ctx), client, fn); err == nil {
				err = derr
			}
			if err != nil {
				return rep, err
			}
			res.Cold = append(res.Cold, coldTime)
			res.Init = append(res.Init, cold.Init)
			res.Warm = append(res.Warm, warmTime)
			fmt.Fprintf(progress, "%s %d: cold invoke %s (Init Duration %s), warm invoke %s\n",
				name, i+1, formatLatency(coldTime), formatLatency(cold.Init), formatLatency(warmTime))
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

// spread returns the minimum, median (the lower middle one) and maximum of
// ds, which must not be empty.
func spread(ds []time.Duration) (lo, p50, hi time.Duration) {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return sorted[0], sorted[(len(sorted)-1)/2], sorted[len(sorted)-1]
}

// WriteMarkdown writes the cold and warm invoke times and the Init
// Durations (min, p50, max) per runtime as Markdown.
func (rep LambdaColdReport) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("### virga-bench lambda-cold\n\n")
	if rep.Command != "" {
		fmt.Fprintf(&b, "Command: `%s`\n\n", rep.Command)
	}
	fmt.Fprintf(&b, "Endpoint %s. Per runtime, %d echo functions are created one after another; each is invoked "+
		"(RequestResponse, LogType Tail, a ~100-byte event) twice and deleted. The first Invoke starts a new instance (cold), "+
		"the second reuses it (warm). Invoke times are measured by the client from the call to the response; Init Duration "+
		"is what the first invocation's REPORT log line says.\n\n", rep.Options.URL, rep.Options.N)
	b.WriteString("| runtime | functions | cold invoke min | p50 | max | Init Duration min | p50 | max | warm invoke p50 |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rep.Results {
		if len(r.Cold) == 0 {
			continue
		}
		clo, cp50, chi := spread(r.Cold)
		ilo, ip50, ihi := spread(r.Init)
		_, wp50, _ := spread(r.Warm)
		label := r.Runtime
		if rt, ok := lookupLambdaRuntime(r.Runtime); ok {
			label = fmt.Sprintf("%s (%s)", r.Runtime, rt.runtime)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", label, len(r.Cold),
			formatLatency(clo), formatLatency(cp50), formatLatency(chi),
			formatLatency(ilo), formatLatency(ip50), formatLatency(ihi), formatLatency(wp50))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

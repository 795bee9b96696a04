package bench

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// LimitTarget is the target name whose rate the others are compared with:
// the reference server in /work/shared/limit that answers from precomputed
// bytes.
const LimitTarget = "limit"

// Target is one endpoint under measurement.
type Target struct {
	// Name labels the target in the results, e.g. "virga", "moto", "limit".
	Name string
	// URL is the endpoint's base URL, e.g. "http://127.0.0.1:4566".
	URL string
}

// RunOptions are the parsed flags of the default "run" command.
type RunOptions struct {
	Targets     []Target
	Workloads   []Workload
	Concurrency []int
	Duration    time.Duration
	Warmup      time.Duration
	// Rounds is how many times each cell is measured, the targets
	// interleaved in every round; 0 means 1.
	Rounds int
	// Out names a file to write the Markdown results to; empty means none.
	Out string
}

// ParseRunArgs parses the flags of the run command: -targets, -workloads,
// -c, -duration, -warmup, -rounds and -out. Usage and errors are written to output.
func ParseRunArgs(args []string, output io.Writer) (RunOptions, error) {
	fs := flag.NewFlagSet("virga-bench run", flag.ContinueOnError)
	fs.SetOutput(output)
	targets := fs.String("targets", "", "comma list of name=URL, e.g. virga=http://127.0.0.1:4566,moto=http://127.0.0.1:5000,limit=http://127.0.0.1:4599")
	workloads := fs.String("workloads", "all", "comma list of workloads, or all: "+strings.Join(WorkloadNames(), ","))
	conc := fs.String("c", "1,16", "comma list of concurrency levels (workers per cell)")
	duration := fs.Duration("duration", 5*time.Second, "measured time per cell")
	warmup := fs.Duration("warmup", time.Second, "unmeasured time before each cell (before a later round, at most 250ms)")
	rounds := fs.Int("rounds", 1, "measure each cell this many times, the targets interleaved in each round; % of limit is then the median of the rounds' ratios")
	out := fs.String("out", "", "also write the Markdown results to this file")
	if err := fs.Parse(args); err != nil {
		return RunOptions{}, err
	}
	if fs.NArg() > 0 {
		return RunOptions{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var opts RunOptions
	var err error
	if opts.Targets, err = ParseTargets(*targets); err != nil {
		return RunOptions{}, err
	}
	if opts.Workloads, err = SelectWorkloads(*workloads); err != nil {
		return RunOptions{}, err
	}
	if opts.Concurrency, err = ParseConcurrency(*conc); err != nil {
		return RunOptions{}, err
	}
	if *duration <= 0 {
		return RunOptions{}, errors.New("-duration must be positive")
	}
	if *warmup < 0 {
		return RunOptions{}, errors.New("-warmup must not be negative")
	}
	if *rounds < 1 {
		return RunOptions{}, errors.New("-rounds must be at least 1")
	}
	opts.Duration, opts.Warmup, opts.Rounds, opts.Out = *duration, *warmup, *rounds, *out
	return opts, nil
}

// ParseTargets parses "name=URL,name=URL". Names must be unique and URLs
// absolute http or https URLs; a trailing slash is removed.
func ParseTargets(s string) ([]Target, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("-targets is required, e.g. -targets virga=http://127.0.0.1:4566,limit=http://127.0.0.1:4599")
	}
	var targets []Target
	seen := map[string]bool{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		name, raw, ok := strings.Cut(item, "=")
		name, raw = strings.TrimSpace(name), strings.TrimSpace(raw)
		if !ok || name == "" || raw == "" {
			return nil, fmt.Errorf("target %q: want name=URL", item)
		}
		if seen[name] {
			return nil, fmt.Errorf("target %q given twice", name)
		}
		seen[name] = true
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("target %q: URL %q must be http://host:port or https://host:port", name, raw)
		}
		targets = append(targets, Target{Name: name, URL: strings.TrimRight(raw, "/")})
	}
	return targets, nil
}

// ParseConcurrency parses a comma list of positive worker counts such as
// "1,16", keeping the given order.
func ParseConcurrency(s string) ([]int, error) {
	var levels []int
	for item := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(item))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-c: %q is not a positive integer", item)
		}
		levels = append(levels, n)
	}
	return levels, nil
}

// SelectWorkloads returns the workloads named in a comma list, in the list's
// order, or every workload for "all" or "".
func SelectWorkloads(s string) ([]Workload, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return Workloads(), nil
	}
	var selected []Workload
	seen := map[string]bool{}
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		w, ok := LookupWorkload(name)
		if !ok {
			return nil, fmt.Errorf("unknown workload %q; known: %s", name, strings.Join(WorkloadNames(), ", "))
		}
		if !seen[name] {
			seen[name] = true
			selected = append(selected, w)
		}
	}
	return selected, nil
}

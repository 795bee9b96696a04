package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// setupTimeout bounds a workload's Setup or Teardown on one target.
const setupTimeout = 2 * time.Minute

// rewarmup caps the warm-up before every round of a cell but the first.
// The first warm-up opens the connections and brings the server's code
// and data into use; a later round finds them open and in use and only
// needs its workers running again, so the run's time goes to more,
// shorter rounds: each round compares the targets over a few seconds,
// and the machine's speed drifts less within a round than across a
// long one.
const rewarmup = 250 * time.Millisecond

// roundWarmup is the warm-up before round (from 0) of a cell.
func roundWarmup(round int, warmup time.Duration) time.Duration {
	if round == 0 {
		return warmup
	}
	return min(warmup, rewarmup)
}

// Status says whether a cell was measured.
type Status int

const (
	// StatusOK means the cell ran and its figures are valid.
	StatusOK Status = iota
	// StatusFailed means setup failed or the run was interrupted.
	StatusFailed
	// StatusNotApplicable means the target cannot run the workload.
	StatusNotApplicable
)

// Result is the outcome of one cell: one workload on one target at one
// concurrency.
type Result struct {
	Workload    string
	Target      string
	Concurrency int
	Status      Status
	// Reason says why a cell failed or does not apply.
	Reason string
	// Ops counts successful iterations in the measured window.
	Ops uint64
	// Errors counts failed iterations in the measured window.
	Errors uint64
	// Elapsed is the measured window, from the workers' start until the
	// last in-flight iteration returned.
	Elapsed time.Duration
	// Latency holds the durations of the successful iterations.
	Latency *Histogram
	// ErrorKinds counts failed iterations by a summary of their error.
	ErrorKinds map[string]uint64
	// RoundRates holds the rate of each round when the cell was measured
	// in several (RunOptions.Rounds); the other fields sum the rounds.
	RoundRates []float64
}

// add merges the measurement of one more round of the same cell into r.
func (r *Result) add(round *Result) {
	r.RoundRates = append(r.RoundRates, round.Rate())
	if r.Latency == nil {
		rates := r.RoundRates
		*r = *round
		r.RoundRates = rates
		return
	}
	r.Ops += round.Ops
	r.Errors += round.Errors
	r.Elapsed += round.Elapsed
	r.Latency.Merge(round.Latency)
	for k, n := range round.ErrorKinds {
		if r.ErrorKinds == nil {
			r.ErrorKinds = map[string]uint64{}
		}
		r.ErrorKinds[k] += n
	}
}

// Rate returns successful iterations per second.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// Report is everything one run measured.
type Report struct {
	Options  RunOptions
	Started  time.Time
	Finished time.Time
	// Command is the command line that produced the report.
	Command string
	Results []Result
	// Notes records teardown problems and other remarks on the run.
	Notes []string
}

// Run measures every workload on every target at every concurrency level.
// For each workload it sets up all targets, then runs the cells with the
// targets interleaved at each concurrency level, so that targets are
// measured close together in time, and finally tears the workload down.
// A failing setup marks that target's cells failed; the run goes on.
// Progress lines are written to progress.
func Run(ctx context.Context, opts RunOptions, progress io.Writer) Report {
	rep := Report{Options: opts, Started: time.Now()}
	maxWorkers := 0
	for _, c := range opts.Concurrency {
		maxWorkers = max(maxWorkers, c)
	}
	for _, w := range opts.Workloads {
		runID := w.Name + "-" + strconv.FormatInt(time.Now().UnixMilli(), 36)
		type prepared struct {
			p      *Prepared
			client *http.Client
			status Status
			reason string
		}
		preps := make([]prepared, len(opts.Targets))
		for i, t := range opts.Targets {
			if reason, ok := w.Unsupported[t.Name]; ok {
				preps[i] = prepared{status: StatusNotApplicable, reason: reason}
				continue
			}
			client := NewHTTPClient(maxWorkers)
			env := Env{Target: t, Config: NewAWSConfig(t.URL, client), MaxWorkers: maxWorkers, RunID: runID}
			sctx, cancel := context.WithTimeout(ctx, setupTimeout)
			p, err := w.Setup(sctx, env)
			cancel()
			if err != nil {
				client.CloseIdleConnections()
				preps[i] = prepared{status: StatusFailed, reason: "setup: " + summarizeError(err)}
				fmt.Fprintf(progress, "%s %s: setup failed: %v\n", w.Name, t.Name, err)
				continue
			}
			preps[i] = prepared{p: p, client: client}
		}
		rounds := max(opts.Rounds, 1)
		for _, c := range opts.Concurrency {
			cells := make([]Result, len(opts.Targets))
			for round := 0; round < rounds; round++ {
				for i, t := range opts.Targets {
					r := Result{Workload: w.Name, Target: t.Name, Concurrency: c}
					switch {
					case preps[i].p == nil:
						r.Status, r.Reason = preps[i].status, preps[i].reason
					case ctx.Err() != nil || cells[i].Status == StatusFailed:
						r.Status, r.Reason = StatusFailed, "interrupted"
					default:
						measureCell(ctx, preps[i].p, roundWarmup(round, opts.Warmup), opts.Duration, &r)
						if ctx.Err() != nil {
							r.Status, r.Reason = StatusFailed, "interrupted"
						}
					}
					fmt.Fprintln(progress, progressLine(&r))
					if r.Status != StatusOK || round == 0 && rounds == 1 {
						cells[i] = r
						continue
					}
					cells[i].add(&r)
				}
			}
			rep.Results = append(rep.Results, cells...)
		}
		for i, t := range opts.Targets {
			if preps[i].p == nil {
				continue
			}
			if preps[i].p.Teardown != nil {
				tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), setupTimeout)
				if err := preps[i].p.Teardown(tctx); err != nil {
					note := fmt.Sprintf("%s on %s: teardown: %s", w.Name, t.Name, summarizeError(err))
					rep.Notes = append(rep.Notes, note)
					fmt.Fprintln(progress, note)
				}
				cancel()
			}
			preps[i].client.CloseIdleConnections()
		}
	}
	rep.Finished = time.Now()
	return rep
}

// progressLine is the one-line summary of a cell printed while running.
func progressLine(r *Result) string {
	head := fmt.Sprintf("%-18s c=%-3d %-8s", r.Workload, r.Concurrency, r.Target)
	if r.Status != StatusOK {
		return head + " " + statusWord(r.Status) + ": " + r.Reason
	}
	return fmt.Sprintf("%s %10s ops/s  p50 %s  p99 %s  errors %d", head, formatRate(r.Rate()),
		formatLatency(r.Latency.Quantile(0.50)), formatLatency(r.Latency.Quantile(0.99)), r.Errors)
}

// measureCell runs p's iterations with r.Concurrency workers, first for
// warmup (discarded), then for duration, and fills r with the measurement.
func measureCell(ctx context.Context, p *Prepared, warmup, duration time.Duration, r *Result) {
	iters := make([]Iteration, r.Concurrency)
	for i := range iters {
		iters[i] = p.NewIteration(i)
	}
	if warmup > 0 {
		drive(ctx, iters, warmup)
	}
	m := drive(ctx, iters, duration)
	r.Status = StatusOK
	r.Ops = m.latency.Count()
	r.Errors = m.errors
	r.Elapsed = m.elapsed
	r.Latency = m.latency
	r.ErrorKinds = m.errorKinds
}

// maxErrorKinds caps the distinct error summaries kept per worker; further
// kinds are counted under otherErrorKind.
const maxErrorKinds = 8

// otherErrorKind counts errors beyond maxErrorKinds distinct summaries.
const otherErrorKind = "(other errors)"

// worker is one worker's private tally; padding keeps the hot counters of
// neighbouring workers off one cache line.
type worker struct {
	latency    Histogram
	errors     uint64
	errorKinds map[string]uint64
	_          [64]byte
}

// fail counts one failed iteration. It runs only on the error path, so its
// allocations do not touch the cost of successful iterations.
func (w *worker) fail(err error) {
	w.errors++
	if w.errorKinds == nil {
		w.errorKinds = map[string]uint64{}
	}
	kind := summarizeError(err)
	if _, ok := w.errorKinds[kind]; !ok && len(w.errorKinds) >= maxErrorKinds {
		kind = otherErrorKind
	}
	w.errorKinds[kind]++
}

// measurement is the merged tally of one drive.
type measurement struct {
	latency    *Histogram
	errors     uint64
	errorKinds map[string]uint64
	elapsed    time.Duration
}

// drive runs each iteration in its own goroutine, back to back, until d has
// passed or ctx is done, then waits for the iterations in flight.
func drive(ctx context.Context, iters []Iteration, d time.Duration) measurement {
	workers := make([]worker, len(iters))
	var stop atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for i, it := range iters {
		w := &workers[i]
		wg.Go(func() {
			for !stop.Load() {
				t0 := time.Now()
				if err := it(ctx); err != nil {
					w.fail(err)
					continue
				}
				w.latency.Record(time.Since(t0))
			}
		})
	}
	timer := time.NewTimer(d)
	select {
	case <-timer.C:
	case <-ctx.Done():
		timer.Stop()
	}
	stop.Store(true)
	wg.Wait()
	m := measurement{latency: &Histogram{}, elapsed: time.Since(start)}
	for i := range workers {
		w := &workers[i]
		m.latency.Merge(&w.latency)
		m.errors += w.errors
		for k, n := range w.errorKinds {
			if m.errorKinds == nil {
				m.errorKinds = map[string]uint64{}
			}
			m.errorKinds[k] += n
		}
	}
	return m
}

// summarizeError turns an SDK error into a short label without request ids
// or port numbers, so errors of one kind are counted together: the
// operation, the HTTP status and API error code when the server answered,
// or the failing network step otherwise.
func summarizeError(err error) string {
	op := ""
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		op = oe.OperationName + ": "
	}
	var ae smithy.APIError
	var re *awshttp.ResponseError
	var ne *net.OpError
	switch {
	case errors.As(err, &ae) && errors.As(err, &re):
		return fmt.Sprintf("%sHTTP %d %s", op, re.HTTPStatusCode(), ae.ErrorCode())
	case errors.As(err, &re) && errors.As(re.Err, &ne):
		// A response whose body failed to arrive: the connection's
		// addresses differ every time, so only the step and the cause
		// are kept.
		return fmt.Sprintf("%sHTTP %d %s: %v", op, re.HTTPStatusCode(), ne.Op, ne.Err)
	case errors.As(err, &re):
		return fmt.Sprintf("%sHTTP %d %s", op, re.HTTPStatusCode(), shorten(re.Err))
	case errors.As(err, &ae):
		return op + ae.ErrorCode()
	}
	if errors.As(err, &ne) {
		return fmt.Sprintf("%s%s: %v", op, ne.Op, ne.Err)
	}
	if op != "" {
		return op + shorten(errors.Unwrap(oe))
	}
	return shorten(err)
}

// shorten returns err's message cut to a length that fits a table note.
func shorten(err error) string {
	if err == nil {
		return "unknown error"
	}
	s := err.Error()
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

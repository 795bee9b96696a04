package bench

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// statusWord is how a cell that was not measured reads in the table.
func statusWord(s Status) string {
	switch s {
	case StatusFailed:
		return "failed"
	case StatusNotApplicable:
		return "n/a"
	}
	return "ok"
}

// formatRate prints a rate with a precision that suits its size.
func formatRate(perSecond float64) string {
	if perSecond >= 100 {
		return fmt.Sprintf("%.0f", perSecond)
	}
	return fmt.Sprintf("%.1f", perSecond)
}

// formatLatency prints a duration in milliseconds with three significant
// digits, so that every cell of a column uses one unit.
func formatLatency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return fmt.Sprintf("%.3f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.2f ms", ms)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

// limitShare returns r's rate as a percentage of the limit target's rate for
// the same workload and concurrency in results, or "–" when there is none.
// A cell measured in rounds is compared round by round, each round's
// targets having run close together in time, and the median of those
// ratios is reported, so one disturbed round does not move the figure.
func limitShare(r *Result, results []Result) string {
	if r.Status != StatusOK {
		return "–"
	}
	for i := range results {
		l := &results[i]
		if l.Target == LimitTarget && l.Workload == r.Workload && l.Concurrency == r.Concurrency {
			if l.Status != StatusOK || l.Rate() == 0 {
				return "–"
			}
			if len(r.RoundRates) > 1 && len(r.RoundRates) == len(l.RoundRates) {
				ratios := roundRatios(r.RoundRates, l.RoundRates)
				if len(ratios) == 0 {
					return "–"
				}
				return fmt.Sprintf("%.0f%% (%.0f–%.0f)", 100*median(ratios), 100*ratios[0], 100*ratios[len(ratios)-1])
			}
			return fmt.Sprintf("%.0f%%", 100*r.Rate()/l.Rate())
		}
	}
	return "–"
}

// roundRatios returns a[i]/b[i], sorted, over the rounds where b[i] is
// not zero.
func roundRatios(a, b []float64) []float64 {
	var ratios []float64
	for i := range a {
		if b[i] > 0 {
			ratios = append(ratios, a[i]/b[i])
		}
	}
	slices.Sort(ratios)
	return ratios
}

// median returns the median of sorted, or 0 when it is empty.
func median(sorted []float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// moduleVersions returns the versions of the SDK modules this binary was
// built with, e.g. "aws-sdk-go-v2 v1.47.7, service/s3 v1.114.8".
func moduleVersions() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "aws-sdk-go-v2 (version unknown)"
	}
	want := []string{"github.com/aws/aws-sdk-go-v2", "github.com/aws/aws-sdk-go-v2/service/s3", "github.com/aws/aws-sdk-go-v2/service/sqs", "github.com/aws/aws-sdk-go-v2/service/dynamodb", "github.com/aws/aws-sdk-go-v2/service/lambda"}
	var parts []string
	for _, d := range info.Deps {
		if slices.Contains(want, d.Path) {
			label := strings.TrimPrefix(strings.TrimPrefix(d.Path, "github.com/aws/aws-sdk-go-v2/"), "github.com/aws/")
			parts = append(parts, label+" "+d.Version)
		}
	}
	if len(parts) == 0 {
		return "aws-sdk-go-v2 (version unknown)"
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// WriteMarkdown writes rep as Markdown: how it was measured, one table row
// per cell, then the errors and failures in detail.
func WriteMarkdown(w io.Writer, rep Report) error {
	var b strings.Builder
	o := rep.Options
	maxWorkers := 0
	conc := make([]string, len(o.Concurrency))
	for i, c := range o.Concurrency {
		conc[i] = fmt.Sprint(c)
		maxWorkers = max(maxWorkers, c)
	}
	fmt.Fprintf(&b, "### virga-bench, %s\n\n", rep.Started.UTC().Format("2006-01-02 15:04 MST"))
	if rep.Command != "" {
		fmt.Fprintf(&b, "Command: `%s`\n\n", rep.Command)
	}
	fmt.Fprintf(&b, "- Cells: %s measured after %s warm-up, concurrency %s; targets interleaved per workload and concurrency.\n",
		o.Duration, o.Warmup, strings.Join(conc, ", "))
	if o.Rounds > 1 {
		fmt.Fprintf(&b, "- Rounds: each cell measured %d times, the targets interleaved in every round, a round after the first warmed up for at most %s; "+
			"ops/s and latencies cover all rounds, "+
			"and %% of limit is the median over the rounds of the target's rate divided by the limit's rate in the same round.\n", o.Rounds, roundWarmup(1, o.Warmup))
	}
	fmt.Fprintf(&b, "- Machine: %s/%s, %d CPUs, GOMAXPROCS %d, %s; client and servers share it.\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(&b, "- Client: %s; one client per target and workload over an http.Transport with MaxIdleConnsPerHost %d; "+
		"retries off (aws.NopRetryer), so every failed call is counted; static credentials, region %s.\n",
		moduleVersions(), max(maxWorkers, 1), Region)
	b.WriteString("- S3: path-style; request checksum calculation and response checksum validation are \"when_required\", " +
		"so the client adds no CRC32 to PutObject and validates no checksum on GetObject, against every target alike; " +
		"the payload SHA-256 is signed as the SDK does over http; GetObject reads the whole body and checks its length.\n")
	b.WriteString("- SQS: the SDK's MD5 check of message bodies is on (its default).\n")
	targets := make([]string, len(o.Targets))
	for i, t := range o.Targets {
		targets[i] = fmt.Sprintf("%s = %s", t.Name, t.URL)
	}
	fmt.Fprintf(&b, "- Targets: %s.\n\n", strings.Join(targets, ", "))

	b.WriteString("| workload | c | target | ops/s | p50 | p99 | errors | % of limit |\n")
	b.WriteString("|---|--:|---|--:|--:|--:|--:|--:|\n")
	for i := range rep.Results {
		r := &rep.Results[i]
		if r.Status != StatusOK {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | | | | |\n", r.Workload, r.Concurrency, r.Target, statusWord(r.Status))
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %d | %s |\n", r.Workload, r.Concurrency, r.Target,
			formatRate(r.Rate()), formatLatency(r.Latency.Quantile(0.50)), formatLatency(r.Latency.Quantile(0.99)),
			r.Errors, limitShare(r, rep.Results))
	}
	b.WriteString("\nops/s counts successful iterations per second; p50 and p99 are their latencies; " +
		"errors counts failed iterations in the measured window; % of limit compares with the limit target at the same workload and concurrency " +
		"(measured in rounds: the median of the rounds' ratios, then the lowest and highest in brackets).\n")
	for _, wl := range o.Workloads {
		if wl.Note != "" {
			fmt.Fprintf(&b, "%s: %s.\n", wl.Name, wl.Note)
		}
	}

	var details []string
	for i := range rep.Results {
		r := &rep.Results[i]
		where := fmt.Sprintf("%s, c=%d, %s", r.Workload, r.Concurrency, r.Target)
		if r.Status != StatusOK {
			details = append(details, fmt.Sprintf("%s: %s: %s", where, statusWord(r.Status), r.Reason))
			continue
		}
		kinds := make([]string, 0, len(r.ErrorKinds))
		for k := range r.ErrorKinds {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		for _, k := range kinds {
			details = append(details, fmt.Sprintf("%s: %d × %s", where, r.ErrorKinds[k], k))
		}
	}
	details = append(details, rep.Notes...)
	if len(details) > 0 {
		b.WriteString("\nErrors, failures and notes:\n\n")
		for _, d := range details {
			fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(d, "\n", " "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

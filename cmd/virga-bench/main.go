// Command virga-bench measures AWS-compatible endpoints (Virga, moto, the
// limit server) side by side with aws-sdk-go-v2, measures start-up time
// and memory of a server process, and measures Lambda cold starts.
//
// Usage:
//
//	virga-bench [run] -targets name=URL,... [-workloads all] [-c 1,16] [-duration 5s] [-warmup 1s] [-out FILE]
//	virga-bench startup -cmd "bin/virga --listen 127.0.0.1:PORT" -url http://127.0.0.1:PORT/_virga/health [-n 20] [-load] [-out FILE]
//	virga-bench rss -pid N
//	virga-bench lambda-cold -url http://127.0.0.1:4566 [-n 20] [-runtimes go,python] [-out FILE]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/virga-aws/virga/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	sub := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	var err error
	switch sub {
	case "run":
		err = runBench(ctx, args, stdout, stderr)
	case "startup":
		err = runStartup(ctx, args, stdout, stderr)
	case "rss":
		err = runRSS(args, stdout, stderr)
	case "lambda-cold":
		err = runLambdaCold(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprintln(stdout, "usage: virga-bench [run|startup|rss|lambda-cold] -h")
		return 0
	default:
		err = fmt.Errorf("unknown command %q; want run, startup, rss or lambda-cold", sub)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	fmt.Fprintln(stderr, "virga-bench:", err)
	return 1
}

// commandLine returns the command line as one shell-like string for reports.
func commandLine() string {
	parts := make([]string, len(os.Args))
	for i, a := range os.Args {
		if a == "" || strings.ContainsAny(a, " \t\"'$*?") {
			a = strconv.Quote(a)
		}
		parts[i] = a
	}
	return strings.Join(parts, " ")
}

// writeOut writes Markdown to stdout and, when path is set, to that file.
func writeOut(path string, stdout io.Writer, write func(io.Writer) error) error {
	if err := write(stdout); err != nil {
		return err
	}
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// runBench runs the benchmark matrix and prints its Markdown table.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := bench.ParseRunArgs(args, stderr)
	if err != nil {
		return err
	}
	rep := bench.Run(ctx, opts, stderr)
	rep.Command = commandLine()
	return writeOut(opts.Out, stdout, func(w io.Writer) error { return bench.WriteMarkdown(w, rep) })
}

// runStartup measures start-up time and memory of a server command.
func runStartup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := bench.ParseStartupArgs(args, stderr)
	if err != nil {
		return err
	}
	rep, err := bench.Startup(ctx, opts, stderr)
	if err != nil {
		return err
	}
	return writeOut(opts.Out, stdout, rep.WriteMarkdown)
}

// runLambdaCold measures Lambda cold starts and prints their Markdown
// table.
func runLambdaCold(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := bench.ParseLambdaColdArgs(args, stderr)
	if err != nil {
		return err
	}
	rep, err := bench.LambdaCold(ctx, opts, stderr)
	if err != nil {
		return err
	}
	rep.Command = commandLine()
	return writeOut(opts.Out, stdout, rep.WriteMarkdown)
}

// runRSS prints the resident memory of a running process.
func runRSS(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("virga-bench rss", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pid := fs.Int("pid", 0, "process id whose VmRSS and VmHWM to print")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pid <= 0 {
		return errors.New("rss: -pid is required")
	}
	m, err := bench.ReadMemory(*pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pid %d: %s\n", *pid, m)
	return nil
}

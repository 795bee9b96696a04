// Command virga runs Virga, AWS on one machine: every AWS API on one port,
// in memory or persisted to a data directory.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/services"
	"github.com/virga-aws/virga/internal/version"
)

const usage = `virga — AWS on one machine.

Usage:
  virga [flags]          serve the AWS APIs (default 127.0.0.1:4566, in memory)
  virga state save FILE  save a running Virga's whole state to FILE [--url URL] [--service a,b]
  virga state load FILE  load a saved state into a running Virga [--url URL] [--service a,b]
  virga version          print the version

Point any AWS SDK or the AWS CLI at it:
  AWS_ENDPOINT_URL=http://localhost:4566 aws s3 mb s3://demo-bucket

Flags (each can also be set by the environment variable shown):
`

const envHelp = `
Accounts: a 12-digit access key id acts in that account; any other key acts in
the default account. The region comes from the request's SigV4 credential
scope (default us-east-1).

Internal API: GET /_virga/health (also /_localstack/health),
POST /_virga/reset[?service=sqs,s3], GET|POST /_virga/clock
({"freeze":true} {"advance":"12h"} {"set":"2030-01-01T00:00:00Z"} {"reset":true}),
GET /_virga/state[?service=sqs,s3] (save: a tar archive of the state) and
POST /_virga/state[?service=...] (load one: each service in the archive is
replaced, others are untouched). "virga state save|load FILE" calls these
(--url, default http://127.0.0.1:4566 or $VIRGA_URL). GET /_virga/bus lists
the last 1000 cross-service deliveries (e.g. Lambda destinations to SQS)
and their outcomes.
`

// flagSpec is one flag and its environment variable.
type flagSpec struct {
	name, env, def, help string
}

var specs = []flagSpec{
	{"listen", "VIRGA_LISTEN", "127.0.0.1:4566", "address to listen on; loopback unless told otherwise (use 0.0.0.0:4566 to listen on all interfaces)"},
	{"data-dir", "VIRGA_DATA_DIR", "", "persist state in this directory (every acknowledged write survives kill -9); empty keeps state in memory"},
	{"default-account", "VIRGA_DEFAULT_ACCOUNT_ID", "000000000000", "account of access keys that are not 12-digit account ids"},
	{"validate-signatures", "VIRGA_VALIDATE_SIGNATURES", "false", "verify SigV4 signatures (headers, presigned URLs, aws-chunked bodies) against known secrets"},
	{"credentials", "VIRGA_CREDENTIALS", "test:test", "comma-separated ACCESS_KEY:SECRET pairs known to --validate-signatures (STS-issued keys are always known)"},
	{"log-level", "VIRGA_LOG_LEVEL", "info", "log level: debug (adds bodies), info (one line per request), warn, error"},
	{"log-format", "VIRGA_LOG_FORMAT", "text", "log format: text or json"},
	{"cpu-profile", "VIRGA_CPU_PROFILE", "", "write a Go CPU profile of the whole run to this file, finished at shutdown (SIGINT or SIGTERM), for 'go tool pprof'"},
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println("virga", version.Version)
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "state" {
		os.Exit(runState(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	raiseHeapFloor()
	fs := flag.NewFlagSet("virga", flag.ExitOnError)
	values := map[string]*string{}
	for _, s := range specs {
		def := s.def
		if v, ok := os.LookupEnv(s.env); ok {
			def = v
		}
		values[s.name] = fs.String(s.name, def, s.help+" ($"+s.env+")")
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), envHelp)
	}
	fs.Parse(os.Args[1:])

	logger, err := newLogger(os.Stderr, *values["log-level"], *values["log-format"])
	if err != nil {
		fmt.Fprintln(os.Stderr, "virga:", err)
		os.Exit(2)
	}
	validate, err := strconv.ParseBool(*values["validate-signatures"])
	if err != nil {
		fmt.Fprintln(os.Stderr, "virga: --validate-signatures:", err)
		os.Exit(2)
	}
	creds := map[string]string{}
	for _, pair := range strings.Split(*values["credentials"], ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(pair), ":"); ok {
			creds[k] = v
		}
	}
	srv, err := server.New(server.Options{
		Listen:             *values["listen"],
		DataDir:            *values["data-dir"],
		DefaultAccount:     *values["default-account"],
		ValidateSignatures: validate,
		Credentials:        creds,
		Logger:             logger,
		Services:           services.All,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "virga:", err)
		os.Exit(1)
	}
	if err := srv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "virga:", err)
		os.Exit(1)
	}
	stopProfile, err := startCPUProfile(*values["cpu-profile"])
	if err != nil {
		fmt.Fprintln(os.Stderr, "virga: --cpu-profile:", err)
		os.Exit(1)
	}
	logger.Info("virga ready", "address", srv.Addr(), "data_dir", *values["data-dir"], "version", version.Version)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	stopProfile()
	if err := srv.Close(); err != nil {
		logger.Error("shutdown", "error", err)
		os.Exit(1)
	}
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: want text or json, got %q", format)
}

package bench

import (
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseTargets(t *testing.T) {
	tests := []struct {
		in      string
		want    []Target
		wantErr string
	}{
		{
			in: "virga=http://127.0.0.1:4566, moto=http://127.0.0.1:5000/ ,limit=http://127.0.0.1:4599",
			want: []Target{
				{"virga", "http://127.0.0.1:4566"},
				{"moto", "http://127.0.0.1:5000"},
				{"limit", "http://127.0.0.1:4599"},
			},
		},
		{in: "", wantErr: "required"},
		{in: "virga", wantErr: "want name=URL"},
		{in: "=http://x:1", wantErr: "want name=URL"},
		{in: "a=http://x:1,a=http://y:2", wantErr: "given twice"},
		{in: "a=127.0.0.1:4566", wantErr: "must be http"},
		{in: "a=ftp://host:21", wantErr: "must be http"},
	}
	for _, tt := range tests {
		got, err := ParseTargets(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseTargets(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseTargets(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseConcurrency(t *testing.T) {
	got, err := ParseConcurrency("16, 1,4")
	if err != nil || !slices.Equal(got, []int{16, 1, 4}) {
		t.Errorf("ParseConcurrency(\"16, 1,4\") = %v, %v; want [16 1 4]", got, err)
	}
	for _, bad := range []string{"", "0", "-1", "1,x", "1,,2"} {
		if _, err := ParseConcurrency(bad); err == nil {
			t.Errorf("ParseConcurrency(%q) succeeded, want an error", bad)
		}
	}
}

func TestSelectWorkloads(t *testing.T) {
	all, err := SelectWorkloads("all")
	if err != nil || len(all) != len(workloads) {
		t.Fatalf("SelectWorkloads(all) = %d workloads, %v; want %d", len(all), err, len(workloads))
	}
	wantNames := []string{"s3-put-4k", "s3-get-4k", "s3-put-1m", "s3-get-1m", "sqs-send", "sqs-send-recv-del", "ddb-put", "ddb-get", "ddb-query",
		"lambda-invoke-go", "lambda-invoke-python"}
	if !slices.Equal(WorkloadNames(), wantNames) {
		t.Errorf("WorkloadNames() = %v, want %v", WorkloadNames(), wantNames)
	}
	got, err := SelectWorkloads("sqs-send, s3-get-4k,sqs-send")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, w := range got {
		names = append(names, w.Name)
	}
	if !slices.Equal(names, []string{"sqs-send", "s3-get-4k"}) {
		t.Errorf("SelectWorkloads picked %v, want [sqs-send s3-get-4k]", names)
	}
	if _, err := SelectWorkloads("s3-put-4k,ddb-nope"); err == nil || !strings.Contains(err.Error(), `"ddb-nope"`) {
		t.Errorf("SelectWorkloads with an unknown name: error %v, want one naming it", err)
	}
}

func TestParseRunArgs(t *testing.T) {
	opts, err := ParseRunArgs([]string{"-targets", "limit=http://127.0.0.1:4599"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(opts.Concurrency, []int{1, 16}) || opts.Duration != 5*time.Second ||
		opts.Warmup != time.Second || opts.Rounds != 1 || len(opts.Workloads) != len(workloads) || opts.Out != "" {
		t.Errorf("defaults: c %v, duration %v, warmup %v, %d workloads, out %q; want [1 16], 5s, 1s, all, none",
			opts.Concurrency, opts.Duration, opts.Warmup, len(opts.Workloads), opts.Out)
	}
	opts, err = ParseRunArgs([]string{"-targets", "a=http://h:1", "-workloads", "sqs-send", "-c", "2",
		"-duration", "3s", "-warmup", "0s", "-rounds", "3", "-out", "x.md"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.Workloads) != 1 || opts.Workloads[0].Name != "sqs-send" || !slices.Equal(opts.Concurrency, []int{2}) ||
		opts.Duration != 3*time.Second || opts.Warmup != 0 || opts.Rounds != 3 || opts.Out != "x.md" {
		t.Errorf("parsed %+v, want sqs-send, c [2], 3s, 0s warm-up, 3 rounds, out x.md", opts)
	}
	bad := [][]string{
		{},
		{"-targets", "a=http://h:1", "-duration", "0s"},
		{"-targets", "a=http://h:1", "-warmup", "-1s"},
		{"-targets", "a=http://h:1", "-c", "0"},
		{"-targets", "a=http://h:1", "-rounds", "0"},
		{"-targets", "a=http://h:1", "extra"},
		{"-nope"},
	}
	for _, args := range bad {
		if _, err := ParseRunArgs(args, io.Discard); err == nil {
			t.Errorf("ParseRunArgs(%q) succeeded, want an error", args)
		}
	}
}

func TestParseStartupArgs(t *testing.T) {
	o, err := ParseStartupArgs([]string{"-cmd", "bin/virga --listen 127.0.0.1:PORT", "-url", "http://127.0.0.1:PORT/_virga/health", "-load"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.N != 20 || !o.Load || o.Idle != time.Second || o.Command != "bin/virga --listen 127.0.0.1:PORT" {
		t.Errorf("parsed %+v, want n 20, load on, idle 1s and the command as given", o)
	}
	bad := [][]string{
		{"-url", "http://h:1/"},
		{"-cmd", "x", "-url", "h:1"},
		{"-cmd", "x", "-url", "http://h:1/", "-n", "0"},
		{"-cmd", "  ", "-url", "http://h:1/"},
	}
	for _, args := range bad {
		if _, err := ParseStartupArgs(args, io.Discard); err == nil {
			t.Errorf("ParseStartupArgs(%q) succeeded, want an error", args)
		}
	}
}

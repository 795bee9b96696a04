// Package querytest holds the golden-file harness and tree notation shared
// by the query and ec2query codec tests.
package querytest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/protocol/timefmt"
)

// Rewrite is the -rewrite flag: golden files are regenerated instead of
// compared.
var Rewrite = flag.Bool("rewrite", false, "rewrite golden files in testdata")

// Case is one golden case: a command line, its input and expected output.
type Case struct {
	// Cmd is the first word of the command line; Args the rest.
	Cmd  string
	Args []string
	// Input is the text between the command line and "----".
	Input string
	// Want is the expected output, between "----" and the next blank line.
	Want string
	line int
}

// Run runs every case of a golden file through do and compares (or, with
// -rewrite, replaces) the expected outputs. Cases are separated by blank
// lines; lines starting with # between cases are comments.
//
//	decode sts AssumeRole
//	Action=AssumeRole
//	RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo
//	----
//	{"RoleArn": "arn:aws:iam::123456789012:role/demo"}
func Run(t *testing.T, path string, do func(t *testing.T, c Case) string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	for i := 0; i < len(lines); {
		l := lines[i]
		if l == "" || strings.HasPrefix(l, "#") {
			out.WriteString(l + "\n")
			i++
			continue
		}
		c := Case{line: i + 1}
		f := strings.Fields(l)
		c.Cmd, c.Args = f[0], f[1:]
		i++
		var in []string
		for i < len(lines) && lines[i] != "----" {
			in = append(in, lines[i])
			i++
		}
		i++
		var want []string
		for i < len(lines) && lines[i] != "" {
			want = append(want, lines[i])
			i++
		}
		c.Input, c.Want = strings.Join(in, "\n"), strings.Join(want, "\n")
		var got string
		t.Run(fmt.Sprintf("%s:%d", c.Cmd, c.line), func(t *testing.T) {
			got = strings.TrimRight(do(t, c), "\n")
			if !*Rewrite && got != c.Want {
				t.Errorf("%s:%d %s %s\ngot:\n%s\nwant:\n%s", path, c.line, c.Cmd, strings.Join(c.Args, " "), got, c.Want)
			}
		})
		out.WriteString(l + "\n")
		if c.Input != "" {
			out.WriteString(c.Input + "\n")
		}
		out.WriteString("----\n" + got + "\n")
	}
	if *Rewrite {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Seed is a decode case of a golden file, for fuzz corpora.
type Seed struct {
	// Model and Operation name what the form is decoded as.
	Model, Operation string
	// Form is the URL-encoded form body.
	Form string
}

// Seeds returns the decode cases of the golden files matching pattern.
func Seeds(pattern string) []Seed {
	files, _ := filepath.Glob(pattern)
	var out []Seed
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		lines := strings.Split(string(raw), "\n")
		for i := 0; i < len(lines); i++ {
			fs := strings.Fields(lines[i])
			if len(fs) < 3 || fs[0] != "decode" {
				continue
			}
			var in []string
			for i++; i < len(lines) && lines[i] != "----"; i++ {
				in = append(in, lines[i])
			}
			out = append(out, Seed{Model: fs[1], Operation: fs[2], Form: Form(strings.Join(in, "\n"))})
		}
	}
	return out
}

// Job is one botocore task for Botocore: "serialize" (Input is the
// parameters as JSON, the result the form body botocore sends) or "parse"
// (Input is a response body, the result botocore's parse as JSON).
type Job struct {
	Cmd       string `json:"cmd"`
	Model     string `json:"model"`
	Protocol  string `json:"protocol"`
	Operation string `json:"operation"`
	Status    int    `json:"status,omitempty"`
	Input     string `json:"input"`
}

// Result is a Job's output, or the error botocore raised.
type Result struct {
	Output string `json:"output"`
	Error  string `json:"error"`
}

// Botocore runs jobs through wire.py (next to this file) in one Python
// process, over the same models the codecs use. The test is skipped when
// python3 or botocore is not installed.
func Botocore(t *testing.T, jobs []Job) []Result {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	_, file, _, _ := runtime.Caller(0)
	in, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join(filepath.Dir(file), "wire.py"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "No module named 'botocore'") {
			t.Skip("botocore not installed")
		}
		t.Fatalf("wire.py: %v\n%s", err, stderr.String())
	}
	var results []Result
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(jobs) {
		t.Fatalf("wire.py output %q: %v", out, err)
	}
	return results
}

// Plain converts a tree into the JSON value botocore.py prints for it:
// timestamps as ISO 8601 with milliseconds, blobs as base64, numbers as
// float64.
func Plain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Plain(e)
		}
		return out
	case time.Time:
		return timefmt.ISO8601(x)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case int64:
		return float64(x)
	}
	return v
}

// Form joins one-parameter-per-line input into a form body.
func Form(input string) string {
	var parts []string
	for _, l := range strings.Split(input, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "&")
}

// TreeJSON writes a tree as indented JSON with sorted keys. Scalars that
// JSON cannot tell apart are tagged: timestamps as {"$timestamp": ISO},
// blobs as {"$blob": base64}, floats as {"$float": "1.5"}.
func TreeJSON(v any) string {
	b, err := json.MarshalIndent(Tagged(v), "", "  ")
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

// Tagged converts a tree into the tagged JSON-ready form TreeJSON writes.
func Tagged(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Tagged(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Tagged(e)
		}
		return out
	case time.Time:
		return map[string]any{"$timestamp": x.UTC().Format(time.RFC3339Nano)}
	case []byte:
		return map[string]any{"$blob": base64.StdEncoding.EncodeToString(x)}
	case float64:
		switch {
		case math.IsNaN(x):
			return map[string]any{"$float": "NaN"}
		case math.IsInf(x, 1):
			return map[string]any{"$float": "Infinity"}
		case math.IsInf(x, -1):
			return map[string]any{"$float": "-Infinity"}
		}
		return map[string]any{"$float": strconv.FormatFloat(x, 'g', -1, 64)}
	}
	return v
}

// ParseTree reads TreeJSON's notation back into a tree: integers become
// int64 and the tagged objects their scalar types.
func ParseTree(s string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	v, err := untag(raw)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("tree must be a JSON object")
	}
	return m, nil
}

func untag(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, e := range x {
				s, _ := e.(string)
				switch k {
				case "$timestamp":
					return timefmt.Parse(s)
				case "$blob":
					return base64.StdEncoding.DecodeString(s)
				case "$float":
					return strconv.ParseFloat(s, 64)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			u, err := untag(e)
			if err != nil {
				return nil, err
			}
			out[k] = u
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			u, err := untag(e)
			if err != nil {
				return nil, err
			}
			out[i] = u
		}
		return out, nil
	case json.Number:
		return strconv.ParseInt(string(x), 10, 64)
	}
	return v, nil
}

// Response renders a recorded response as "HTTP <status>", the headers
// (sorted, one per line) and the body.
func Response(rec *httptest.ResponseRecorder) string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d\n", rec.Code)
	keys := make([]string, 0, len(rec.Header()))
	for k := range rec.Header() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range rec.Header()[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteString(rec.Body.String())
	return b.String()
}

// Equal reports whether two trees are equal, timestamps compared as
// instants and NaN equal to NaN.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, e := range x {
			f, ok := y[k]
			if !ok || !Equal(e, f) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || (math.IsNaN(x) && math.IsNaN(y)))
	}
	return a == b
}

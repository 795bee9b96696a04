package wiretest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden .response files in testdata")

// RequestID is the request id golden cases use unless they name one.
const RequestID = "11111111-2222-3333-4444-555555555555"

// Case is one golden wire exchange, read from a .request file:
//
//	# comment
//	service: sqs                  model name (required)
//	operation: SendMessage        operation (empty: only the error is encoded)
//	label: FunctionName=my-fn     a REST URI label, repeatable
//	status: 202                   Call.Status, the handler's status override
//	response-header: K: v         Call.Header, repeatable
//	request-id: abc               Call.RequestID
//	--- request
//	POST /path?query HTTP/1.1     request line, then headers, a blank line
//	Header: value                 and the body (its final newline dropped)
//
//	{"body": true}
//	--- request body hex          optional: the body as hex digits instead
//	a1 61 41 01
//	--- output                    the output tree to encode (Dump notation)
//	{"MessageId": "..."}
//	--- error                     or an error to encode: awserr.Error fields,
//	{"Code": "X", "Status": 400}  with Fields in Dump notation
//
// Its golden .response file holds the decoded tree (or the decode error)
// and the encoded HTTP response.
type Case struct {
	Service        string
	Operation      string
	Labels         map[string]string
	Status         int
	RequestID      string
	ResponseHeader http.Header
	Method         string
	Target         string
	Header         http.Header
	Body           []byte
	Output         map[string]any
	Error          *awserr.Error
}

// Run runs every dir/*.request case through codec and compares the result
// with the case's .response file; go test -rewrite writes the .response
// files instead (review their diff).
func Run(t *testing.T, dir string, codec protocol.Codec) {
	files, err := filepath.Glob(filepath.Join(dir, "*.request"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases in %s (%v)", dir, err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".request")
		t.Run(name, func(t *testing.T) {
			c, err := ReadCase(file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Run(codec)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(file, ".request") + ".response"
			if *rewrite {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -rewrite to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs (go test -rewrite updates it; review the diff):\n%s", golden, diff(string(want), got))
			}
		})
	}
}

// Bodies returns the request bodies of the .request cases in dir whose
// service is service, for fuzz seed corpora.
func Bodies(dir, service string) [][]byte {
	files, _ := filepath.Glob(filepath.Join(dir, "*.request"))
	var out [][]byte
	for _, f := range files {
		c, err := ReadCase(f)
		if err == nil && c.Service == service && len(c.Body) > 0 {
			out = append(out, c.Body)
		}
	}
	return out
}

// ReadCase parses a .request file.
func ReadCase(file string) (*Case, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	c := &Case{RequestID: RequestID, Header: http.Header{}}
	sections := map[string]string{}
	section := ""
	var text strings.Builder
	flush := func() {
		if section != "" {
			sections[section] = strings.TrimSuffix(text.String(), "\n")
		}
		text.Reset()
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "--- "); ok {
			flush()
			section = strings.TrimSpace(rest)
			continue
		}
		if section != "" {
			text.WriteString(line)
			continue
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s: bad line %q", file, line)
		}
		val = strings.TrimSpace(val)
		switch key {
		case "service":
			c.Service = val
		case "operation":
			c.Operation = val
		case "label":
			k, v, _ := strings.Cut(val, "=")
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			c.Labels[k] = v
		case "status":
			if c.Status, err = strconv.Atoi(val); err != nil {
				return nil, fmt.Errorf("%s: %v", file, err)
			}
		case "response-header":
			k, v, _ := strings.Cut(val, ":")
			if c.ResponseHeader == nil {
				c.ResponseHeader = http.Header{}
			}
			c.ResponseHeader.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		case "request-id":
			c.RequestID = val
		default:
			return nil, fmt.Errorf("%s: unknown key %q", file, key)
		}
	}
	flush()
	var hexBody []byte
	for name, body := range sections {
		switch name {
		case "request":
			if err := c.parseRequest(body); err != nil {
				return nil, fmt.Errorf("%s: %v", file, err)
			}
		case "request body hex":
			if hexBody, err = hex.DecodeString(strings.Join(strings.Fields(body), "")); err != nil {
				return nil, fmt.Errorf("%s: %v", file, err)
			}
		case "output":
			tree, err := ParseTree([]byte(body))
			if err != nil {
				return nil, fmt.Errorf("%s: output: %v", file, err)
			}
			m, ok := tree.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: output is not an object", file)
			}
			c.Output = m
		case "error":
			if c.Error, err = parseError(body); err != nil {
				return nil, fmt.Errorf("%s: error: %v", file, err)
			}
		default:
			return nil, fmt.Errorf("%s: unknown section %q", file, name)
		}
	}
	if hexBody != nil {
		c.Body = hexBody
	}
	if c.Service == "" || c.Method == "" {
		return nil, fmt.Errorf("%s: needs a service and a request", file)
	}
	return c, nil
}

func (c *Case) parseRequest(text string) error {
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	parts := strings.Fields(lines[0])
	if len(parts) < 2 {
		return fmt.Errorf("bad request line %q", lines[0])
	}
	c.Method, c.Target = parts[0], parts[1]
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return fmt.Errorf("bad header line %q", l)
		}
		c.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	c.Body = []byte(body)
	return nil
}

func parseError(text string) (*awserr.Error, error) {
	var raw struct {
		Code, QueryCode, Message string
		Status                   int
		Sender                   bool
		Fields                   json.RawMessage
		Header                   http.Header
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, err
	}
	e := &awserr.Error{Code: raw.Code, QueryCode: raw.QueryCode, Message: raw.Message,
		Status: raw.Status, Sender: raw.Sender, Header: raw.Header}
	if len(raw.Fields) > 0 {
		f, err := ParseTree(raw.Fields)
		if err != nil {
			return nil, err
		}
		fields, ok := f.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("fields is not an object")
		}
		e.Fields = fields
	}
	return e, nil
}

// Request builds the case's HTTP request.
func (c *Case) Request() *http.Request {
	r := httptest.NewRequest(c.Method, c.Target, bytes.NewReader(c.Body))
	for k, vs := range c.Header {
		r.Header[k] = append([]string(nil), vs...)
	}
	if h := c.Header.Get("Host"); h != "" {
		r.Host = h
	}
	return r
}

// Run decodes the case's request with codec, encodes its output or error,
// and returns the golden text: the tree (or decode error) and the response.
func (c *Case) Run(codec protocol.Codec) (string, error) {
	m, err := model.Load(c.Service)
	if err != nil {
		return "", err
	}
	call := &protocol.Call{Model: m, Labels: c.Labels, RequestID: c.RequestID, Request: c.Request()}
	var out strings.Builder
	encodeErr := c.Error
	if c.Operation != "" {
		call.Operation = m.Operations[c.Operation]
		if call.Operation == nil {
			return "", fmt.Errorf("%s has no operation %s", c.Service, c.Operation)
		}
		tree, err := codec.DecodeRequest(call)
		if err != nil {
			e := awserr.As(err)
			fmt.Fprintf(&out, "--- decode error\n%s %d: %s\n", e.Code, e.Status, e.Message)
			encodeErr = e
		} else {
			out.WriteString("--- tree\n")
			out.WriteString(Dump(tree))
		}
	}
	call.Status, call.Header = c.Status, c.ResponseHeader
	rec := httptest.NewRecorder()
	switch {
	case encodeErr != nil:
		codec.EncodeError(rec, call, encodeErr)
	case c.Output != nil:
		if err := codec.EncodeResponse(rec, call, c.Output); err != nil {
			fmt.Fprintf(&out, "--- encode error\n%v\n", err)
		}
	default:
		return out.String(), nil
	}
	out.WriteString("--- response\n")
	out.WriteString(FormatResponse(rec.Result().StatusCode, rec.Header(), rec.Body.Bytes()))
	return out.String(), nil
}

// FormatResponse renders an HTTP response for a golden file: the status,
// the headers sorted, and the body as text, or for CBOR and other binary
// bodies as hex and (CBOR) diagnostic notation.
func FormatResponse(status int, h http.Header, body []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d\n", status)
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	if len(body) == 0 {
		return b.String()
	}
	if strings.Contains(h.Get("Content-Type"), "cbor") {
		b.WriteString("--- response body hex\n")
		b.WriteString(Hex(body))
		b.WriteString("--- response body cbor diagnostic\n")
		diag, err := cbor.Diagnose(body)
		if err != nil {
			diag = "undecodable: " + err.Error()
		}
		b.WriteString(diag + "\n")
		return b.String()
	}
	if printable(body) {
		b.WriteString("\n")
		b.Write(body)
		b.WriteString("\n")
		return b.String()
	}
	b.WriteString("--- response body hex\n")
	b.WriteString(Hex(body))
	return b.String()
}

// Hex writes b as lines of 32 space-separated hex bytes.
func Hex(b []byte) string {
	var s strings.Builder
	for i := 0; i < len(b); i += 32 {
		end := min(i+32, len(b))
		for j := i; j < end; j++ {
			if j > i {
				s.WriteByte(' ')
			}
			fmt.Fprintf(&s, "%02x", b[j])
		}
		s.WriteByte('\n')
	}
	return s.String()
}

func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' {
			return false
		}
	}
	return true
}

// diff shows the first differing lines of want and got.
func diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(wl), len(gl)) && shown < 20; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, w, g)
			shown++
		}
	}
	return b.String()
}

package ec2query

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/query/querytest"
)

// TestGolden runs the wire cases in testdata/*.txt:
//
//	decode <model> <Operation>   form lines → input tree (or error)
//	encode <model> <Operation>   output tree → HTTP response
//	error <model>                awserr.Error as JSON → HTTP response
//
// Regenerate with go test -run TestGolden -rewrite and review the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			querytest.Run(t, f, runCase)
		})
	}
}

func runCase(t *testing.T, c querytest.Case) string {
	m, err := model.Load(c.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(querytest.Form(c.Input)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	call := &protocol.Call{Model: m, Request: r, RequestID: "59dbff89-35bd-4eac-99ed-be587EXAMPLE"}
	if c.Cmd != "error" {
		if call.Operation = m.Operations[c.Args[1]]; call.Operation == nil {
			t.Fatalf("no operation %s", c.Args[1])
		}
	}
	rec := httptest.NewRecorder()
	switch c.Cmd {
	case "decode":
		tree, err := Codec{}.DecodeRequest(call)
		if err != nil {
			e := awserr.As(err)
			return fmt.Sprintf("error: %d %s: %s", e.Status, e.Code, e.Message)
		}
		return querytest.TreeJSON(tree)
	case "encode":
		tree, err := querytest.ParseTree(c.Input)
		if err != nil {
			t.Fatalf("input tree: %v", err)
		}
		if err := (Codec{}).EncodeResponse(rec, call, tree); err != nil {
			t.Fatal(err)
		}
		return querytest.Response(rec)
	case "error":
		var e awserr.Error
		if err := json.Unmarshal([]byte(c.Input), &e); err != nil {
			t.Fatalf("input error: %v", err)
		}
		Codec{}.EncodeError(rec, call, &e)
		return querytest.Response(rec)
	}
	t.Fatalf("unknown command %q", c.Cmd)
	return ""
}

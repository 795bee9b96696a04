package ec2query

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
)

func TestNamespace(t *testing.T) {
	if got := Namespace(model.MustLoad("ec2")); got != "http://ec2.amazonaws.com/doc/2016-11-15/" {
		t.Errorf("Namespace = %q", got)
	}
	if got := Namespace(nil); got != "" {
		t.Errorf("Namespace(nil) = %q", got)
	}
}

func TestDecodeGET(t *testing.T) {
	m := model.MustLoad("ec2")
	r := httptest.NewRequest(http.MethodGet, "/?Action=DescribeInstances&InstanceId.1=i-1&InstanceId.2=i-2", nil)
	tree, err := Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: m.Operations["DescribeInstances"], Request: r})
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ := tree["InstanceIds"].([]any); len(ids) != 2 || ids[1] != "i-2" {
		t.Errorf("InstanceIds = %v", tree["InstanceIds"])
	}
}

func TestEncodeErrorFields(t *testing.T) {
	rec := httptest.NewRecorder()
	c := &protocol.Call{Model: model.MustLoad("ec2"), RequestID: "rid", Header: http.Header{"X-Call": {"1"}}}
	Codec{}.EncodeError(rec, c, &awserr.Error{Code: "DryRunOperation", Message: "Request would have succeeded, but DryRun flag is set.", Status: 412, Sender: true,
		Fields: map[string]any{"B": "2", "A": "1"}, Header: http.Header{"X-Err": {"2"}}})
	body := rec.Body.String()
	if rec.Code != 412 || rec.Header().Get("X-Call") != "1" || rec.Header().Get("X-Err") != "2" ||
		!strings.Contains(body, "<Message>Request would have succeeded, but DryRun flag is set.</Message><A>1</A><B>2</B></Error></Errors><RequestID>rid</RequestID>") {
		t.Errorf("EncodeError = %d %v %s", rec.Code, rec.Header(), body)
	}
}

package query

import (
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
)

func decode(t *testing.T, r *http.Request, modelName, op string) (map[string]any, error) {
	t.Helper()
	m := model.MustLoad(modelName)
	return Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: m.Operations[op], Request: r})
}

func TestDecodeUsesRouterParsedForm(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(""))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.PostForm = url.Values{"Action": {"GetQueueUrl"}, "QueueName": {"q1"}}
	tree, err := decode(t, r, "sqs", "GetQueueUrl")
	if err != nil || tree["QueueName"] != "q1" {
		t.Fatalf("DecodeRequest = %v, %v; want QueueName q1 from r.PostForm", tree, err)
	}
}

func TestDecodeMergesQueryString(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/?QueueOwnerAWSAccountId=111111111111&QueueName=ignored", strings.NewReader("Action=GetQueueUrl&QueueName=q1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tree, err := decode(t, r, "sqs", "GetQueueUrl")
	if err != nil || tree["QueueName"] != "q1" || tree["QueueOwnerAWSAccountId"] != "111111111111" {
		t.Fatalf("DecodeRequest = %v, %v; want body QueueName and query-string owner", tree, err)
	}
}

func TestDecodeIgnoresNonFormBody(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/?Action=GetQueueUrl&QueueName=q2", strings.NewReader(`{"QueueName":"json"}`))
	r.Header.Set("Content-Type", "application/json")
	tree, err := decode(t, r, "sqs", "GetQueueUrl")
	if err != nil || tree["QueueName"] != "q2" {
		t.Fatalf("DecodeRequest = %v, %v; want the query-string QueueName", tree, err)
	}
}

func TestDecodeBodyTooLarge(t *testing.T) {
	body := "QueueName=" + strings.Repeat("a", MaxBodySize)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err := decode(t, r, "sqs", "GetQueueUrl")
	var e *awserr.Error
	if !errors.As(err, &e) || e.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("DecodeRequest error = %v, want 413", err)
	}
}

// recursive is a structure that contains itself, as some models' shapes do.
func recursive() *model.Shape {
	s := &model.Shape{Type: "structure"}
	s.Members = model.Members{
		{Name: "Next", Ref: &model.Ref{Shape: s}},
		{Name: "V", Ref: &model.Ref{Shape: &model.Shape{Type: "string"}}},
	}
	return s
}

func TestDecodeDepthLimit(t *testing.T) {
	shallow := url.Values{strings.Repeat("Next.", 10) + "V": {"x"}}
	tree, err := DecodeForm(shallow, recursive(), AWSQuery)
	if err != nil {
		t.Fatalf("10 levels: %v", err)
	}
	for range 10 {
		tree, _ = tree["Next"].(map[string]any)
	}
	if tree["V"] != "x" {
		t.Fatalf("10 levels decoded to %v", tree)
	}
	deep := url.Values{strings.Repeat("Next.", 100) + "V": {"x"}}
	_, err = DecodeForm(deep, recursive(), AWSQuery)
	var e *awserr.Error
	if !errors.As(err, &e) || e.Code != "MalformedQueryString" {
		t.Fatalf("100 levels: error %v, want MalformedQueryString", err)
	}
}

func TestDecodeTooManySegments(t *testing.T) {
	values := url.Values{}
	for i := range 9000 {
		values.Set(strings.Repeat("a.", 30)+string(rune('a'+i%26))+strings.Repeat("b", i/26), "v")
	}
	_, err := DecodeForm(values, recursive(), AWSQuery)
	var e *awserr.Error
	if !errors.As(err, &e) || e.Code != "MalformedQueryString" {
		t.Fatalf("DecodeForm error = %v, want MalformedQueryString", err)
	}
}

func TestDecodeListIndexOrder(t *testing.T) {
	values := url.Values{
		"TagKey.10": {"j"}, "TagKey.2": {"b"}, "TagKey.1": {"a"}, "TagKey.07": {"ignored"}, "TagKey.x": {"ignored"},
	}
	s := model.MustLoad("sqs").Shapes["UntagQueueRequest"]
	tree, err := DecodeForm(values, s, AWSQuery)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tree["TagKeys"].([]any)
	if len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "j" {
		t.Errorf("TagKeys = %v, want [a b j] (numeric order, gaps closed, non-canonical indexes ignored)", got)
	}
}

func TestDecodeScalars(t *testing.T) {
	m := model.MustLoad("cloudwatch")
	s := m.Operations["PutMetricData"].Input.Shape
	values := url.Values{
		"Namespace":                             {"ns"},
		"MetricData.member.1.MetricName":        {"m"},
		"MetricData.member.1.Value":             {"1.5"},
		"MetricData.member.1.Timestamp":         {"2024-01-02T03:04:05.678Z"},
		"MetricData.member.1.StorageResolution": {"60"},
		"MetricData.member.1.Values.member.1":   {"Infinity"},
		"StrictEntityValidation":                {"TRUE"},
	}
	tree, err := DecodeForm(values, s, AWSQuery)
	if err != nil {
		t.Fatal(err)
	}
	md := tree["MetricData"].([]any)[0].(map[string]any)
	if md["Value"] != 1.5 || md["StorageResolution"] != int64(60) || !math.IsInf(md["Values"].([]any)[0].(float64), 1) {
		t.Errorf("MetricData = %v", md)
	}
	if ts, _ := md["Timestamp"].(time.Time); !ts.Equal(time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC)) {
		t.Errorf("Timestamp = %v", md["Timestamp"])
	}
	if tree["StrictEntityValidation"] != true {
		t.Errorf("StrictEntityValidation = %v", tree["StrictEntityValidation"])
	}
	for _, bad := range []url.Values{
		{"StrictEntityValidation": {"yes"}},
		{"MetricData.member.1.Value": {"1,5"}},
		{"MetricData.member.1.Timestamp": {"yesterday"}},
	} {
		_, err := DecodeForm(bad, s, AWSQuery)
		var e *awserr.Error
		if !errors.As(err, &e) || e.Code != "InvalidParameterValue" || e.Status != 400 {
			t.Errorf("DecodeForm(%v) error = %v, want InvalidParameterValue", bad, err)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1.0"}, {0.5, "0.5"}, {0, "0.0"}, {-2.25, "-2.25"}, {123456.789, "123456.789"},
		{1e10, "1.0E10"}, {1.5e-5, "1.5E-5"}, {-3e21, "-3.0E21"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
	}
	for _, tt := range tests {
		if got := string(appendFloat(nil, tt.in)); got != tt.want {
			t.Errorf("appendFloat(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAppendScalarTimestampFormats(t *testing.T) {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 250e6, time.UTC)
	tests := []struct {
		format, want string
	}{
		{"", "2024-05-06T07:08:09.250Z"},
		{"iso8601", "2024-05-06T07:08:09.250Z"},
		{"unixTimestamp", "1714979289.25"},
		{"rfc822", "Mon, 06 May 2024 07:08:09 GMT"},
	}
	for _, tt := range tests {
		r := &model.Ref{Shape: &model.Shape{Type: "timestamp"}, TimestampFormat: tt.format}
		if got := string(AppendScalar(nil, ts, r)); got != tt.want {
			t.Errorf("timestamp format %q = %q, want %q", tt.format, got, tt.want)
		}
	}
}

func TestAppendTextEscapes(t *testing.T) {
	in := "a&b<c>d\"e'f\rg\nh\ti\x00j\xffk\uFFFEl€"
	want := "a&amp;b&lt;c&gt;d&quot;e&apos;f&#xD;g\nh\ti\uFFFDj\uFFFDk\uFFFDl€"
	if got := string(AppendText(nil, in)); got != want {
		t.Errorf("AppendText = %q, want %q", got, want)
	}
}

func TestEncodeResponseHeaders(t *testing.T) {
	m := model.MustLoad("sts")
	rec := httptest.NewRecorder()
	c := &protocol.Call{Model: m, Operation: m.Operations["GetCallerIdentity"], RequestID: "rid", Status: 201,
		Header: http.Header{"X-Extra": {"1"}}, Request: httptest.NewRequest(http.MethodPost, "/", nil)}
	if err := (Codec{}).EncodeResponse(rec, c, map[string]any{"Account": "1"}); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 201 || rec.Header().Get("X-Extra") != "1" || rec.Header().Get("x-amzn-RequestId") != "rid" || rec.Header().Get("Content-Type") != "text/xml" {
		t.Errorf("response %d %v", rec.Code, rec.Header())
	}
}

func TestEncodeErrorWithoutModel(t *testing.T) {
	rec := httptest.NewRecorder()
	Codec{}.EncodeError(rec, &protocol.Call{RequestID: "rid"}, &awserr.Error{Code: "InternalFailure", Message: "x"})
	want := `<ErrorResponse xmlns=""><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>x</Message></Error><RequestId>rid</RequestId></ErrorResponse>`
	if rec.Code != 500 || rec.Body.String() != want {
		t.Errorf("EncodeError = %d %s", rec.Code, rec.Body.String())
	}
}

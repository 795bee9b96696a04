package query

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/query/querytest"
)

// fuzzOps are the operations fuzz inputs are decoded as, chosen for
// nesting: structures in lists, flattened and non-flattened lists and
// maps, blobs, integers and booleans.
var fuzzOps = []struct{ model, op string }{
	{"sqs", "SendMessage"},
	{"sqs", "SendMessageBatch"},
	{"sqs", "ReceiveMessage"},
	{"sqs", "CreateQueue"},
	{"sts", "AssumeRole"},
	{"sns", "Publish"},
	{"cloudformation", "CreateStack"},
	{"cloudwatch", "PutMetricData"},
}

func fuzzOp(i uint8) (*model.Model, *model.Operation) {
	o := fuzzOps[int(i)%len(fuzzOps)]
	m := model.MustLoad(o.model)
	return m, m.Operations[o.op]
}

func addSeeds(f *testing.F) {
	for _, s := range querytest.Seeds("testdata/*.txt") {
		for i, o := range fuzzOps {
			if o.model == s.Model && o.op == s.Operation {
				f.Add(uint8(i), s.Form)
			}
		}
	}
	f.Add(uint8(6), "Action=CreateStack&StackName=s&Parameters.member.1.ParameterKey=k&Parameters.member.1.ParameterValue=v&Tags.member.1.Key=a&Tags.member.1.Value=b&Capabilities.member.1=CAPABILITY_IAM&DisableRollback=true&TimeoutInMinutes=5")
	f.Add(uint8(7), "Action=PutMetricData&Namespace=n&MetricData.member.1.MetricName=m&MetricData.member.1.Value=1.5&MetricData.member.1.Timestamp=2024-01-02T03%3A04%3A05.678Z&MetricData.member.1.Dimensions.member.1.Name=d&MetricData.member.1.Dimensions.member.1.Value=v&MetricData.member.1.Values.member.1=NaN")
	f.Add(uint8(0), "MessageAttribute.1.Name=a&MessageAttribute.1.Value.StringListValue.3=x&MessageAttribute.1.Value.StringListValue.1=y&MessageAttribute.1.Value=")
	f.Add(uint8(1), "Entries=&SendMessageBatchRequestEntry.01.Id=x&SendMessageBatchRequestEntry.1=")
	f.Add(uint8(2), "AttributeName=&AttributeName.1.x=y&MaxNumberOfMessages=-0")
	f.Add(uint8(2), "AttributeNames=y&MessageSystemAttributeNames=&AttributeName=z")
}

// FuzzDecodeForm checks that no form body makes DecodeRequest panic, and
// that it fails only with a client-fault awserr.Error.
func FuzzDecodeForm(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, op uint8, form string) {
		m, o := fuzzOp(op)
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		_, err := Codec{}.DecodeRequest(&protocol.Call{Model: m, Operation: o, Request: r})
		if err != nil {
			var e *awserr.Error
			if !errors.As(err, &e) || !e.Sender || e.Status < 400 || e.Status >= 500 {
				t.Fatalf("DecodeRequest error %#v is not a client-fault awserr.Error", err)
			}
		}
	})
}

// FuzzRoundTrip checks decode → EncodeRequest → decode is the identity on
// whatever a form decodes to.
func FuzzRoundTrip(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, op uint8, form string) {
		m, o := fuzzOp(op)
		values, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		first, err := DecodeForm(values, o.Input.Shape, AWSQuery)
		if err != nil {
			return
		}
		encoded := EncodeRequest(m, o, first)
		second, err := DecodeForm(encoded, o.Input.Shape, AWSQuery)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", encoded.Encode(), err)
		}
		if !querytest.Equal(first, second) {
			t.Fatalf("round trip changed the tree\nform: %s\nfirst: %s\nencoded: %s\nsecond: %s", form, querytest.TreeJSON(first), encoded.Encode(), querytest.TreeJSON(second))
		}
	})
}

package ec2query

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
	"github.com/virga-aws/virga/internal/protocol/query"
	"github.com/virga-aws/virga/internal/protocol/query/querytest"
)

// fuzzOps are the EC2 operations fuzz inputs are decoded as, chosen for
// deep nesting of flattened lists and structures.
var fuzzOps = []string{"DescribeInstances", "RunInstances", "AuthorizeSecurityGroupIngress", "CreateTags", "ModifyInstanceAttribute", "DescribeSpotPriceHistory"}

func fuzzOp(i uint8) (*model.Model, *model.Operation) {
	m := model.MustLoad("ec2")
	return m, m.Operations[fuzzOps[int(i)%len(fuzzOps)]]
}

func addSeeds(f *testing.F) {
	for _, s := range querytest.Seeds("testdata/*.txt") {
		for i, op := range fuzzOps {
			if op == s.Operation {
				f.Add(uint8(i), s.Form)
			}
		}
	}
	f.Add(uint8(0), "Filter.1.Name=a&Filter.1.Value=&Filter.2=&InstanceId=i-1&MaxResults=-5")
	f.Add(uint8(1), "BlockDeviceMapping.1.Ebs=&TagSpecification.1.Tag.3.Key=k&TagSpecification.1.Tag.1=&UserData=x")
	f.Add(uint8(4), "DisableApiTermination.Value=TRUE&UserData.Value=%3D%3D&GroupId.02=x")
	f.Add(uint8(5), "StartTime=1700000000.5&EndTime=2024-02-30T00%3A00%3A00Z")
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
		first, err := query.DecodeForm(values, o.Input.Shape, query.EC2)
		if err != nil {
			return
		}
		encoded := EncodeRequest(m, o, first)
		second, err := query.DecodeForm(encoded, o.Input.Shape, query.EC2)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", encoded.Encode(), err)
		}
		if !querytest.Equal(first, second) {
			t.Fatalf("round trip changed the tree\nform: %s\nfirst: %s\nencoded: %s\nsecond: %s", form, querytest.TreeJSON(first), encoded.Encode(), querytest.TreeJSON(second))
		}
	})
}

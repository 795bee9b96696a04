package restxml

import (
	"bytes"
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/wiretest"
)

// fuzzOp is an operation with an XML request body that the fuzzers feed.
type fuzzOp struct {
	model, op, method, target string
	labels                    map[string]string
}

var fuzzOps = []fuzzOp{
	{"s3", "CreateBucket", "PUT", "/b", map[string]string{"Bucket": "b"}},
	{"s3", "DeleteObjects", "POST", "/b?delete", map[string]string{"Bucket": "b"}},
	{"s3", "PutBucketTagging", "PUT", "/b?tagging", map[string]string{"Bucket": "b"}},
	{"s3", "CompleteMultipartUpload", "POST", "/b/k?uploadId=u", map[string]string{"Bucket": "b", "Key": "k"}},
	{"s3", "PutBucketAcl", "PUT", "/b?acl", map[string]string{"Bucket": "b"}},
	{"s3", "PutBucketLifecycleConfiguration", "PUT", "/b?lifecycle", map[string]string{"Bucket": "b"}},
	{"s3", "PutBucketNotificationConfiguration", "PUT", "/b?notification", map[string]string{"Bucket": "b"}},
	{"route53", "ChangeResourceRecordSets", "POST", "/2013-04-01/hostedzone/Z/rrset/", map[string]string{"Id": "Z"}},
	{"cloudfront", "CreateDistribution", "POST", "/2020-05-31/distribution", nil},
}

// bodyRef returns the reference whose shape an operation's XML body holds:
// its structure payload member, else its input.
func (o fuzzOp) bodyRef() *model.Ref {
	in := model.MustLoad(o.model).Operations[o.op].Input
	if p := in.Shape.Payload; p != "" {
		mem, _ := in.Shape.Members.Get(p)
		return mem.Ref
	}
	return in
}

// fuzzSeeds adds the golden request bodies and a few hand-made documents,
// each for every operation.
func fuzzSeeds(f *testing.F) {
	bodies := []string{
		`<Delete><Object><Key>a</Key><VersionId>1</VersionId></Object><Quiet>true</Quiet></Delete>`,
		`<CompleteMultipartUpload><Part><ETag>"e"</ETag><PartNumber>1</PartNumber></Part><Part><PartNumber>2</PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`,
		`<LifecycleConfiguration><Rule><ID>r</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date><Days>3</Days></Expiration></Rule></LifecycleConfiguration>`,
		`<NotificationConfiguration><QueueConfiguration><Id>q</Id><Queue>arn:aws:sqs:us-east-1:1:q</Queue><Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>a</Value></FilterRule></S3Key></Filter></QueueConfiguration></NotificationConfiguration>`,
		`<DistributionConfig><CallerReference>c</CallerReference><Origins><Quantity>1</Quantity><Items><Origin><Id>o</Id><DomainName>d</DomainName><ConnectionTimeout>1.5e1</ConnectionTimeout></Origin></Items></Origins><Enabled>true</Enabled><ContinuousDeploymentPolicyId></ContinuousDeploymentPolicyId></DistributionConfig>`,
		`<a xmlns:x="urn:x" x:y="&lt;">text<![CDATA[<raw>]]></a>`,
		`<?xml version="1.0"?><!-- c --><x/>`,
		`<Tagging><TagSet><Tag><Key>&#x1F600;</Key><Value>&#13;&#10;</Value></Tag></TagSet></Tagging>`,
		``,
		`<`,
	}
	for _, svc := range []string{"s3", "route53"} {
		for _, b := range wiretest.Bodies("testdata", svc) {
			bodies = append(bodies, string(b))
		}
	}
	for i := range fuzzOps {
		for _, b := range bodies {
			f.Add(uint8(i), []byte(b))
		}
	}
}

// FuzzDecodeXML feeds arbitrary bodies to DecodeRequest for operations
// with XML bodies: it must never panic, and a rejected body must be the
// service's 400 error for malformed input.
func FuzzDecodeXML(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		o := fuzzOps[int(which)%len(fuzzOps)]
		m := model.MustLoad(o.model)
		req := withContentMD5(httptest.NewRequest(o.method, o.target, bytes.NewReader(body)), string(body))
		call := &protocol.Call{Model: m, Operation: m.Operations[o.op], Labels: o.labels, RequestID: "fuzz", Request: req}
		tree, err := Codec{}.DecodeRequest(call)
		if err != nil {
			e, ok := err.(*awserr.Error)
			if !ok || e.Status != 400 || e.Code != flavorFor(m).malformedCode {
				t.Fatalf("%s %s: error %#v, want %s 400", o.model, o.op, err, flavorFor(m).malformedCode)
			}
			return
		}
		if tree == nil {
			t.Fatal("nil tree without an error")
		}
	})
}

// FuzzXMLRoundTrip checks decode → encode → decode is the identity on XML
// structure bodies: whatever Decode accepts, AppendElement writes back in
// a form Decode reads as the same tree.
func FuzzXMLRoundTrip(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		r := fuzzOps[int(which)%len(fuzzOps)].bodyRef()
		first, err := Decode(body, r)
		if err != nil {
			return
		}
		doc := AppendElement([]byte(xmlDeclaration), "Root", first, r, "urn:virga:test")
		second, err := Decode(doc, r)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", doc, err)
		}
		if !treeEqual(first, second) {
			t.Fatalf("round trip changed the tree\nfirst  %#v\nsecond %#v\ndoc %s", first, second, doc)
		}
	})
}

// treeEqual compares trees, taking NaN as equal to NaN and times by
// instant.
func treeEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !treeEqual(v, w) {
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
			if !treeEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || (math.IsNaN(x) && math.IsNaN(y)))
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return a == b
}

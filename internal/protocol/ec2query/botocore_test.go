package ec2query

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"testing"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
	"github.com/virga-aws/virga/internal/protocol/query"
	"github.com/virga-aws/virga/internal/protocol/query/querytest"
)

const requestsFile = "testdata/botocore_requests.json"

type botocoreRequest struct {
	Operation string          `json:"operation"`
	Params    json.RawMessage `json:"params"`
	// Form is the body botocore's ec2 serializer sends for Params,
	// recorded by -rewrite.
	Form string `json:"form"`
}

// requestPlain is querytest.Plain for request parameters, where botocore
// takes blobs as raw strings.
func requestPlain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = requestPlain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = requestPlain(e)
		}
		return out
	case []byte:
		return string(x)
	}
	return querytest.Plain(v)
}

// TestBotocoreRequests decodes the bodies botocore's ec2 serializer sends
// for testdata/botocore_requests.json (recorded there by -rewrite) and
// checks they decode to the parameters. With python3 and botocore
// installed it also checks botocore still sends the recorded bodies.
func TestBotocoreRequests(t *testing.T) {
	raw, err := os.ReadFile(requestsFile)
	if err != nil {
		t.Fatal(err)
	}
	var cases []botocoreRequest
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if *querytest.Rewrite {
		jobs := make([]querytest.Job, len(cases))
		for i, c := range cases {
			jobs[i] = querytest.Job{Cmd: "serialize", Model: "ec2", Protocol: "ec2", Operation: c.Operation, Input: string(c.Params)}
		}
		for i, r := range querytest.Botocore(t, jobs) {
			if r.Error != "" {
				t.Fatalf("botocore %s: %s", cases[i].Operation, r.Error)
			}
			cases[i].Form = r.Output
		}
		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(cases); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(requestsFile, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := model.MustLoad("ec2")
	for _, c := range cases {
		t.Run(c.Operation, func(t *testing.T) {
			values, err := url.ParseQuery(c.Form)
			if err != nil || c.Form == "" {
				t.Fatalf("recorded form %q: %v (run with -rewrite)", c.Form, err)
			}
			if values.Get("Action") != c.Operation || values.Get("Version") != "2016-11-15" {
				t.Errorf("form Action/Version = %q/%q", values.Get("Action"), values.Get("Version"))
			}
			tree, err := query.DecodeForm(values, m.Operations[c.Operation].Input.Shape, query.EC2)
			if err != nil {
				t.Fatalf("DecodeForm(%s): %v", c.Form, err)
			}
			var want any
			if err := json.Unmarshal(c.Params, &want); err != nil {
				t.Fatal(err)
			}
			if got := requestPlain(tree); !reflect.DeepEqual(got, want) {
				t.Errorf("botocore sent %s\ndecoded %s\nwant    %s", c.Form, querytest.TreeJSON(tree), c.Params)
			}
			if got := EncodeRequest(m, m.Operations[c.Operation], tree); got.Encode() != values.Encode() {
				t.Errorf("EncodeRequest = %s\nbotocore sent  %s", got.Encode(), values.Encode())
			}
		})
	}
	if *querytest.Rewrite {
		return
	}
	jobs := make([]querytest.Job, len(cases))
	for i, c := range cases {
		jobs[i] = querytest.Job{Cmd: "serialize", Model: "ec2", Protocol: "ec2", Operation: c.Operation, Input: string(c.Params)}
	}
	for i, r := range querytest.Botocore(t, jobs) {
		a, _ := url.ParseQuery(r.Output)
		b, _ := url.ParseQuery(cases[i].Form)
		if r.Error != "" || a.Encode() != b.Encode() {
			t.Errorf("botocore now sends %s for %s (error %q); recorded %s — rerun with -rewrite", r.Output, cases[i].Operation, r.Error, cases[i].Form)
		}
	}
}

// TestBotocoreResponses parses EncodeResponse and EncodeError output with
// botocore's ec2 parser and checks it reads back the tree.
func TestBotocoreResponses(t *testing.T) {
	cases := []struct{ op, tree string }{
		{"DescribeInstances", `{"NextToken": "n", "Reservations": [{"ReservationId": "r-1", "OwnerId": "123456789012", "Groups": [{"GroupId": "sg-1", "GroupName": "g"}],
			"Instances": [{"InstanceId": "i-1", "ImageId": "ami-1", "State": {"Code": 16, "Name": "running"}, "LaunchTime": {"$timestamp": "2016-08-31T23:59:58.123Z"},
				"Tags": [{"Key": "Name", "Value": "a <b> & 'c'"}], "SecurityGroups": [{"GroupId": "sg-1", "GroupName": "g"}], "EbsOptimized": true,
				"BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": "vol-1", "DeleteOnTermination": false, "AttachTime": {"$timestamp": "2020-01-01T00:00:00Z"}}}],
				"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.1", "Primary": true}], "Groups": [{"GroupId": "sg-1"}]}]},
				{"InstanceId": "i-2", "Placement": {"AvailabilityZone": "us-east-1a"}}]},
			{"ReservationId": "r-2", "Instances": []}]}`},
		{"RunInstances", `{"ReservationId": "r-1", "OwnerId": "1", "Instances": [{"InstanceId": "i-1", "AmiLaunchIndex": 0}]}`},
		{"DescribeSpotPriceHistory", `{"SpotPriceHistory": [{"InstanceType": "m5.large", "SpotPrice": "0.0340", "Timestamp": {"$timestamp": "2024-01-02T03:04:05Z"}}]}`},
		{"DeleteSecurityGroup", `{"Return": true, "GroupId": "sg-1"}`},
		{"DescribeAccountAttributes", `{"AccountAttributes": [{"AttributeName": "supported-platforms", "AttributeValues": [{"AttributeValue": "VPC"}]}]}`},
	}
	m := model.MustLoad("ec2")
	jobs := make([]querytest.Job, 0, len(cases)+1)
	trees := make([]map[string]any, len(cases))
	for i, c := range cases {
		tree, err := querytest.ParseTree(c.tree)
		if err != nil {
			t.Fatal(err)
		}
		trees[i] = tree
		rec := httptest.NewRecorder()
		call := &protocol.Call{Model: m, Operation: m.Operations[c.op], RequestID: "rid", Request: httptest.NewRequest(http.MethodPost, "/", nil)}
		if err := (Codec{}).EncodeResponse(rec, call, tree); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, querytest.Job{Cmd: "parse", Model: "ec2", Protocol: "ec2", Operation: c.op, Status: 200, Input: rec.Body.String()})
	}
	rec := httptest.NewRecorder()
	Codec{}.EncodeError(rec, &protocol.Call{Model: m, RequestID: "rid"}, &awserr.Error{Code: "InvalidInstanceID.NotFound", Message: "The instance ID 'i-1' does not exist", Status: 400, Sender: true})
	jobs = append(jobs, querytest.Job{Cmd: "parse", Model: "ec2", Protocol: "ec2", Operation: "DescribeInstances", Status: 400, Input: rec.Body.String()})
	results := querytest.Botocore(t, jobs)

	for i, c := range cases {
		t.Run(c.op, func(t *testing.T) {
			if results[i].Error != "" {
				t.Fatalf("botocore: %s", results[i].Error)
			}
			var parsed map[string]any
			if err := json.Unmarshal([]byte(results[i].Output), &parsed); err != nil {
				t.Fatal(err)
			}
			if meta, _ := parsed["ResponseMetadata"].(map[string]any); meta["RequestId"] != "rid" {
				t.Errorf("ResponseMetadata = %v", parsed["ResponseMetadata"])
			}
			delete(parsed, "ResponseMetadata")
			if want := querytest.Plain(trees[i]); !reflect.DeepEqual(parsed, want) {
				t.Errorf("botocore parsed %v\nfrom %s\nwant %v", parsed, jobs[i].Input, want)
			}
		})
	}

	last := results[len(results)-1]
	var parsed struct {
		Error            map[string]any
		ResponseMetadata map[string]any
	}
	if err := json.Unmarshal([]byte(last.Output), &parsed); err != nil {
		t.Fatalf("%v (%s)", err, last.Error)
	}
	if parsed.Error["Code"] != "InvalidInstanceID.NotFound" || parsed.Error["Message"] != "The instance ID 'i-1' does not exist" || parsed.ResponseMetadata["RequestId"] != "rid" {
		t.Errorf("botocore parsed error %v from %s", parsed, rec.Body.String())
	}
}

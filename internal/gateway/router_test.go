package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func sigv4Header(service, region string) string {
	return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/" + region + "/" + service + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
}

// TestRouterRules checks one request per routing rule in Router's doc.
func TestRouterRules(t *testing.T) {
	rt := NewRouter()
	tests := []struct {
		name                         string
		method, target, body, header string
		host, auth, contentType      string
		smithy                       bool
		wantService, wantProto       string
		wantOp                       string
		wantLabels                   map[string]string
	}{
		{name: "s3 virtual host localstack", method: "GET", target: "/key/a.txt", host: "my-bucket.s3.localhost.localstack.cloud:4566",
			wantService: "s3", wantProto: "rest-xml", wantOp: "GetObject", wantLabels: map[string]string{"Bucket": "my-bucket", "Key": "key/a.txt"}},
		{name: "s3 virtual host localhost", method: "PUT", target: "/k", host: "my-bucket.localhost:4566", auth: sigv4Header("s3", "eu-west-1"),
			wantService: "s3", wantProto: "rest-xml", wantOp: "PutObject", wantLabels: map[string]string{"Bucket": "my-bucket", "Key": "k"}},
		{name: "s3 virtual host bucket root", method: "GET", target: "/?list-type=2", host: "b1.s3.localhost.localstack.cloud",
			wantService: "s3", wantProto: "rest-xml", wantOp: "ListObjectsV2", wantLabels: map[string]string{"Bucket": "b1"}},
		{name: "s3 path style signed", method: "PUT", target: "/bucket/dir/key", host: "localhost:4566", auth: sigv4Header("s3", "us-east-1"),
			wantService: "s3", wantProto: "rest-xml", wantOp: "PutObject", wantLabels: map[string]string{"Bucket": "bucket", "Key": "dir/key"}},
		{name: "s3 upload part by required query", method: "PUT", target: "/bucket/key?partNumber=1&uploadId=x", host: "localhost:4566", auth: sigv4Header("s3", "us-east-1"),
			wantService: "s3", wantProto: "rest-xml", wantOp: "UploadPart"},
		{name: "s3 copy by required header", method: "PUT", target: "/bucket/key", header: "X-Amz-Copy-Source: /src/k", host: "localhost:4566", auth: sigv4Header("s3", "us-east-1"),
			wantService: "s3", wantProto: "rest-xml", wantOp: "CopyObject"},
		{name: "s3 unsigned falls back to s3", method: "GET", target: "/", host: "localhost:4566",
			wantService: "s3", wantProto: "rest-xml", wantOp: "ListBuckets"},
		{name: "s3 list objects v1", method: "GET", target: "/bucket", host: "localhost:4566",
			wantService: "s3", wantProto: "rest-xml", wantOp: "ListObjects"},
		{name: "s3control beats s3 by specificity", method: "GET", target: "/v20180820/configuration/publicAccessBlock", host: "localhost:4566", auth: sigv4Header("s3", "us-east-1"), header: "X-Amz-Account-Id: 123456789012",
			wantService: "s3control", wantProto: "rest-xml", wantOp: "GetPublicAccessBlock"},
		{name: "cbor", method: "POST", target: "/service/GraniteServiceVersion20100801/operation/GetMetricData", smithy: true, host: "localhost",
			wantService: "cloudwatch", wantProto: "smithy-rpc-v2-cbor", wantOp: "GetMetricData"},
		{name: "x-amz-target json", method: "POST", target: "/", header: "X-Amz-Target: AmazonSQS.SendMessage", contentType: "application/x-amz-json-1.0", host: "localhost",
			wantService: "sqs", wantProto: "json", wantOp: "SendMessage"},
		{name: "x-amz-target shared prefix picks model with operation", method: "POST", target: "/", header: "X-Amz-Target: Timestream_20181101.WriteRecords", host: "localhost",
			wantService: "timestream-write", wantProto: "json", wantOp: "WriteRecords"},
		{name: "signed query", method: "POST", target: "/", body: "Action=GetCallerIdentity&Version=2011-06-15", contentType: "application/x-www-form-urlencoded", host: "localhost", auth: sigv4Header("sts", "us-east-1"),
			wantService: "sts", wantProto: "query", wantOp: "GetCallerIdentity"},
		{name: "signed query shared signing name prefers own name", method: "POST", target: "/", body: "Action=DescribeDBInstances&Version=2014-10-31", contentType: "application/x-www-form-urlencoded", host: "localhost", auth: sigv4Header("rds", "us-east-1"),
			wantService: "rds", wantProto: "query", wantOp: "DescribeDBInstances"},
		{name: "signed ec2", method: "POST", target: "/", body: "Action=DescribeInstances&Version=2016-11-15", contentType: "application/x-www-form-urlencoded; charset=utf-8", host: "localhost", auth: sigv4Header("ec2", "us-east-1"),
			wantService: "ec2", wantProto: "ec2", wantOp: "DescribeInstances"},
		{name: "signed rest-json", method: "GET", target: "/2015-03-31/functions/my-fn", host: "localhost", auth: sigv4Header("lambda", "us-east-1"),
			wantService: "lambda", wantProto: "rest-json", wantOp: "GetFunction", wantLabels: map[string]string{"FunctionName": "my-fn"}},
		{name: "unsigned query by action and version", method: "GET", target: "/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=x", host: "localhost",
			wantService: "sts", wantProto: "query", wantOp: "AssumeRoleWithWebIdentity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://"+tc.host+tc.target, strings.NewReader(tc.body))
			r.Host = tc.host
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			if tc.header != "" {
				k, v, _ := strings.Cut(tc.header, ": ")
				r.Header.Set(k, v)
			}
			if tc.smithy {
				r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
			}
			got, ok := rt.Route(r)
			if !ok {
				t.Fatal("no route")
			}
			if got.Service.Name != tc.wantService || got.Protocol != tc.wantProto || got.Operation != tc.wantOp {
				t.Fatalf("Route = %s/%s/%s, want %s/%s/%s", got.Service.Name, got.Protocol, got.Operation, tc.wantService, tc.wantProto, tc.wantOp)
			}
			for k, v := range tc.wantLabels {
				if got.Labels[k] != v {
					t.Errorf("label %s = %q, want %q (all: %v)", k, got.Labels[k], v, got.Labels)
				}
			}
		})
	}
}

func TestMatchPathEscapes(t *testing.T) {
	rt := NewRouter()
	r := httptest.NewRequest(http.MethodGet, "http://localhost/bucket/a%20b/c%2Fd", nil)
	got, _ := rt.Route(r)
	if got.Operation != "GetObject" || got.Labels["Key"] != "a b/c/d" {
		t.Fatalf("got %s %v", got.Operation, got.Labels)
	}
}

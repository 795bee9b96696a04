package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	"github.com/virga-aws/virga/internal/service"
)

func noServices(service.Deps) (*service.Service, error) {
	return &service.Service{Model: "none"}, nil
}

// TestUnimplementedServiceAnswersInItsProtocol checks that a service Virga
// does not implement still routes and answers 501 in its own protocol, as
// a real client sees it.
func TestUnimplementedServiceAnswersInItsProtocol(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, noServices)
	client := sqs.NewFromConfig(servertest.Config(t, srv, "", ""), func(o *sqs.Options) {
		o.RetryMaxAttempts = 1
	})
	_, err := client.ListQueues(context.Background(), &sqs.ListQueuesInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an API error, got %v", err)
	}
	if apiErr.ErrorCode() != "NotImplemented" || !strings.Contains(apiErr.ErrorMessage(), "SQS:ListQueues") {
		t.Errorf("error = %s %q", apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) || respErr.HTTPStatusCode() != http.StatusNotImplemented {
		t.Errorf("want HTTP 501, got %v", err)
	}
}

func TestHealthAndClock(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, noServices)
	for _, path := range []string{"/_virga/health", "/_localstack/health"} {
		resp, err := http.Get(srv.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Services map[string]string }
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if body.Services["none"] != "available" {
			t.Errorf("%s: services = %v", path, body.Services)
		}
	}
	before := srv.Clock().Now()
	resp, err := http.Post(srv.URL()+"/_virga/clock", "application/json", strings.NewReader(`{"freeze":true,"advance":"12h"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !srv.Clock().Frozen() {
		t.Fatalf("clock POST: %d %s", resp.StatusCode, b)
	}
	if d := srv.Clock().Now().Sub(before); d < 12*3600e9 {
		t.Errorf("clock advanced by %v, want at least 12h", d)
	}
	resp, _ = http.Post(srv.URL()+"/_virga/clock", "application/json", strings.NewReader(`{"advance":"-1h"}`))
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("negative advance: status %d, want 400", resp.StatusCode)
	}
}

// TestUnknownOperation checks the JSON protocol's answer to an operation
// the model does not have.
func TestUnknownOperation(t *testing.T) {
	srv := servertest.Start(t, server.Options{}, noServices)
	req, _ := http.NewRequest("POST", srv.URL()+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "AmazonSQS.NoSuchOperation")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "UnknownOperationException") {
		t.Errorf("got %d %s", resp.StatusCode, b)
	}
}

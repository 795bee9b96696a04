// Package servertest starts in-process Virga servers on random loopback
// ports for tests, and builds aws-sdk-go-v2 configurations pointed at them.
package servertest

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/service"
)

// Constructor builds one service.
type Constructor func(service.Deps) (*service.Service, error)

// Start runs a server with the given services on 127.0.0.1:0 and stops it
// when the test ends. opts may set Clock, IDs, DataDir and the like; Listen
// is filled in, and Services when constructors are given.
func Start(t testing.TB, opts server.Options, ctors ...Constructor) *server.Server {
	t.Helper()
	opts.Listen = "127.0.0.1:0"
	if len(ctors) > 0 {
		opts.Services = func(d service.Deps) ([]*service.Service, error) {
			var out []*service.Service
			for _, c := range ctors {
				s, err := c(d)
				if err != nil {
					return nil, err
				}
				out = append(out, s)
			}
			return out, nil
		}
	}
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// Config returns an SDK configuration for srv: static credentials
// (accessKey/"test"; accessKey "test" when empty), region us-east-1 unless
// given, and the server as the base endpoint. Retries keep the SDK default.
func Config(t testing.TB, srv *server.Server, accessKey, region string) aws.Config {
	t.Helper()
	if accessKey == "" {
		accessKey = "test"
	}
	if region == "" {
		region = "us-east-1"
	}
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, "test", "")),
		config.WithBaseEndpoint(srv.URL()),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.MaxIdleConnsPerHost = 32 })),
	)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

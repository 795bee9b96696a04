package wiretest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/gateway"
	"github.com/virga-aws/virga/internal/model"
	"github.com/virga-aws/virga/internal/protocol"
)

// Handler answers one decoded call of a round-trip server with an output
// tree or an error (an *awserr.Error is encoded as is). It may set
// c.Status and c.Header.
type Handler func(c *protocol.Call, in map[string]any) (map[string]any, error)

// Server starts an httptest server on a random loopback port that routes
// each request with Virga's router, decodes it with codec, calls h and
// encodes the answer with codec. Requests for other models than m get a
// 400. The server stops when the test ends.
func Server(t testing.TB, codec protocol.Codec, m *model.Model, h Handler) *httptest.Server {
	t.Helper()
	router := gateway.NewRouter()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &protocol.Call{Model: m, RequestID: RequestID, Request: r}
		route, _ := router.Route(r)
		if route.Service.Name != m.Name {
			http.Error(w, "request routed to "+route.Service.Name, http.StatusBadRequest)
			return
		}
		c.Labels = route.Labels
		c.Operation = m.Operations[route.Operation]
		if c.Operation == nil {
			codec.EncodeError(w, c, awserr.New("UnknownOperationException", 404, "No operation matches the request"))
			return
		}
		in, err := codec.DecodeRequest(c)
		if err != nil {
			codec.EncodeError(w, c, awserr.As(err))
			return
		}
		out, err := h(c, in)
		if err != nil {
			codec.EncodeError(w, c, awserr.As(err))
			return
		}
		if out == nil {
			out = map[string]any{}
		}
		if err := codec.EncodeResponse(w, c, out); err != nil {
			t.Errorf("EncodeResponse(%s): %v", c.Operation.Name, err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// SDKConfig returns an aws-sdk-go-v2 configuration for srv: static
// credentials, us-east-1, the server as the base endpoint and no retries,
// so a test sees exactly one exchange per call.
func SDKConfig(srv *httptest.Server) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

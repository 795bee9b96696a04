package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/virga-aws/virga/internal/id"
	"github.com/virga-aws/virga/internal/identity"
	"github.com/virga-aws/virga/internal/service"
)

// hostService owns the hosts ending in ".own.test" and answers them with
// the host; with idle set its handler waits in Idle until release closes.
func hostService(release chan struct{}, idle bool) *service.Service {
	return &service.Service{
		Model: "hosted",
		Hosts: func(host string) http.Handler {
			if !strings.HasSuffix(strings.Split(host, ":")[0], ".own.test") {
				return nil
			}
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if idle {
					Idle(r.Context(), func() { <-release })
				}
				io.WriteString(w, "hosted "+r.Host+r.URL.Path)
			})
		},
	}
}

func TestHostsRouteBeforeAWSRouting(t *testing.T) {
	g := New(Config{Services: []*service.Service{hostService(nil, false)}, IDs: id.NewRandom(), Identity: identity.NewRegistry("")})
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "http://abc.own.test:4566/_virga/health", nil))
	if rec.Code != 200 || rec.Body.String() != "hosted abc.own.test:4566/_virga/health" {
		t.Fatalf("own host: %d %q", rec.Code, rec.Body.String())
	}
	// Any other host goes to AWS routing (here: S3 path style, unknown).
	rec = httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost:4566/bucket", nil))
	if strings.HasPrefix(rec.Body.String(), "hosted") {
		t.Fatalf("other host served by the host handler: %q", rec.Body.String())
	}
}

func TestHostHandlerIdleLetsPauseProceed(t *testing.T) {
	release := make(chan struct{})
	g := New(Config{Services: []*service.Service{hostService(release, true)}, IDs: id.NewRandom(), Identity: identity.NewRegistry("")})
	done := make(chan struct{})
	go func() {
		g.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://x.own.test/", nil))
		close(done)
	}()
	time.Sleep(20 * time.Millisecond)
	if !returnsWithin(time.Second, func() { g.Pause()() }) {
		t.Fatal("Pause waited for a host handler idling in Idle")
	}
	close(release)
	<-done
}

func TestHostHandlerPanicIs500(t *testing.T) {
	svc := &service.Service{Model: "p", Hosts: func(string) http.Handler {
		return http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	}}
	g := New(Config{Services: []*service.Service{svc}, IDs: id.NewRandom(), Identity: identity.NewRegistry("")})
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "http://any/", nil))
	if rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
}

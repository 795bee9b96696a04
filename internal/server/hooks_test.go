package server_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	"github.com/virga-aws/virga/internal/service"
)

// TestServiceInternalHandlerMounted checks that a service's Internal
// handler answers under /_virga/<model>/ with the path unchanged, and that
// other services' prefixes stay unanswered.
func TestServiceInternalHandlerMounted(t *testing.T) {
	withInternal := func(service.Deps) (*service.Service, error) {
		return &service.Service{Model: "widget", Internal: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "widget:"+r.URL.Path)
		})}, nil
	}
	srv := servertest.Start(t, server.Options{}, withInternal)
	resp, err := http.Get(srv.URL() + "/_virga/widget/files/a.zip")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "widget:/_virga/widget/files/a.zip" {
		t.Fatalf("GET: %d %q", resp.StatusCode, body)
	}
	resp, err = http.Get(srv.URL() + "/_virga/gadget/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unmounted prefix: %d", resp.StatusCode)
	}
}

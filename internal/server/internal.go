package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/virga-aws/virga/internal/version"
)

// internalAPI serves Virga's own endpoints under /_virga/ (and the
// LocalStack-compatible /_localstack/health).
func (s *Server) internalAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/_virga/health", s.health)
	mux.HandleFunc("/_localstack/health", s.health)
	mux.HandleFunc("POST /_virga/reset", s.reset)
	mux.HandleFunc("/_virga/clock", s.clockAPI)
	mux.HandleFunc("/_virga/state", s.stateAPI)
	mux.HandleFunc("GET /_virga/bus", s.busTrace)
	for _, svc := range s.services {
		if svc.Internal != nil {
			mux.Handle("/_virga/"+svc.Model+"/", svc.Internal)
		}
	}
	return mux
}

// health lists every implemented service as "available" (LocalStack's
// vocabulary; "running" once a service has state is not tracked yet).
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	svcs := map[string]string{}
	for _, svc := range s.services {
		svcs[svc.Model] = "available"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"services": svcs,
		"edition":  "virga",
		"version":  version.Version,
	})
}

// reset clears the state of all services, or of those named in
// ?service=a,b, while the gateway is paused (no AWS request in a handler).
func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	resume := s.gateway.Pause()
	defer resume()
	want := map[string]bool{}
	if names := r.URL.Query().Get("service"); names != "" {
		for _, n := range strings.Split(names, ",") {
			want[strings.TrimSpace(n)] = true
		}
	}
	var done []string
	for _, svc := range s.services {
		if len(want) > 0 && !want[svc.Model] {
			continue
		}
		if svc.Reset != nil {
			svc.Reset()
		}
		done = append(done, svc.Model)
	}
	if len(want) == 0 {
		s.deps.Identity.Reset()
		s.deps.Bus.Reset()
	}
	writeJSON(w, http.StatusOK, map[string]any{"reset": done})
}

// busTrace lists the recent cross-service deliveries, oldest first, with
// their outcomes: where a destination record or notification went.
func (s *Server) busTrace(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": s.deps.Bus.Deliveries()})
}

// clockAPI reads (GET) or changes (POST) the clock. POST takes a JSON
// object with any of: "freeze": true|false, "advance": "<Go duration>",
// "set": "<RFC 3339 time>", "reset": true.
func (s *Server) clockAPI(w http.ResponseWriter, r *http.Request) {
	c := s.opts.Clock
	if r.Method == http.MethodPost {
		var req struct {
			Freeze  *bool  `json:"freeze"`
			Advance string `json:"advance"`
			Set     string `json:"set"`
			Reset   bool   `json:"reset"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		if req.Reset {
			c.Reset()
		}
		if req.Freeze != nil {
			if *req.Freeze {
				c.Freeze()
			} else {
				c.Resume()
			}
		}
		if req.Set != "" {
			t, err := time.Parse(time.RFC3339Nano, req.Set)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
				return
			}
			c.Set(t)
		}
		if req.Advance != "" {
			d, err := time.ParseDuration(req.Advance)
			if err != nil || d < 0 {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": "advance must be a non-negative Go duration such as 90s or 12h"})
				return
			}
			c.Advance(d)
		}
	} else if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use GET or POST"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"now": c.Now().Format(time.RFC3339Nano), "frozen": c.Frozen()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

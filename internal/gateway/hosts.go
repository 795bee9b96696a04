package gateway

import (
	"context"
	"net/http"
	"time"
)

// serveHost hands a request addressed to a service's own host name (see
// service.Service.Hosts, e.g. a Lambda function URL) to that service's
// handler and reports whether it did. The handler runs holding the
// gateway's read lock, like an operation handler (see Pause and Idle); a
// panic becomes a 500.
func (g *Gateway) serveHost(w http.ResponseWriter, r *http.Request) bool {
	var h http.Handler
	for _, svc := range g.cfg.Services {
		if svc.Hosts != nil {
			if h = svc.Hosts(r.Host); h != nil {
				break
			}
		}
	}
	if h == nil {
		return false
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	func() {
		g.quiet.RLock()
		defer g.quiet.RUnlock()
		defer func() {
			if p := recover(); p != nil {
				g.cfg.Logger.Error("host handler panic", "host", r.Host, "panic", p)
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
		}()
		h.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), holdKey{}, &g.quiet)))
	}()
	g.cfg.Logger.Info("request", "host", r.Host, "method", r.Method, "path", r.URL.Path,
		"status", sw.status, "duration", time.Since(start))
	return true
}
